"""Fair, bounded admission to live judging (fair_turns.py): pure asyncio, no server."""

from __future__ import annotations

import asyncio

import pytest

from judgesync.emulator.fair_turns import Admission, FairTurns, Saturated


def test_admission_refuses_past_the_per_workspace_cap_but_admits_another_workspace():
    async def scenario() -> list[str]:
        admission = Admission(per_workspace=2, total=10)
        outcomes = []
        async with admission.admit("a"), admission.admit("a"):
            for workspace in ("a", "b"):
                try:
                    async with admission.admit(workspace):
                        outcomes.append(f"{workspace} admitted")
                except Saturated:
                    outcomes.append(f"{workspace} refused")
        async with admission.admit("a"):
            outcomes.append("a admitted again")
        return outcomes

    assert asyncio.run(scenario()) == ["a refused", "b admitted", "a admitted again"]


def test_admission_refuses_past_the_total_cap_whatever_the_workspace():
    async def scenario() -> None:
        admission = Admission(per_workspace=5, total=2)
        async with admission.admit("a"), admission.admit("b"):
            with pytest.raises(Saturated):
                async with admission.admit("c"):
                    pass

    asyncio.run(scenario())


def served_order(arrivals: list[str], slots: int) -> list[str]:
    """The order in which requests arriving in `arrivals` order get a turn."""

    async def scenario() -> list[str]:
        turns = FairTurns(slots)
        order: list[str] = []
        release = asyncio.Event()

        async def request(workspace: str) -> None:
            async with turns.turn(workspace):
                order.append(workspace)
                await release.wait()

        tasks = []
        for workspace in arrivals:
            tasks.append(asyncio.create_task(request(workspace)))
            await asyncio.sleep(0)  # arrive in this order
        release.set()
        await asyncio.gather(*tasks)
        return order

    return asyncio.run(scenario())


def test_turns_go_round_robin_across_workspaces_not_to_the_oldest_request():
    arrivals = ["flood"] * 6 + ["single"]
    order = served_order(arrivals, slots=1)
    assert order.index("single") == 1  # right after the flood's turn that was running


def test_every_request_gets_a_turn_and_the_slots_are_all_used():
    arrivals = ["a", "a", "b", "c", "a", "b"]
    order = served_order(arrivals, slots=2)
    assert sorted(order) == sorted(arrivals)
    assert order[:2] == ["a", "a"]  # two free slots: the first two arrivals at once
    assert order[2:5] == ["b", "c", "a"]


def test_a_cancelled_waiter_gives_up_its_place_and_the_next_one_is_served():
    async def scenario() -> list[str]:
        turns = FairTurns(1)
        order: list[str] = []
        release = asyncio.Event()

        async def request(workspace: str) -> None:
            async with turns.turn(workspace):
                order.append(workspace)
                await release.wait()

        holder = asyncio.create_task(request("a"))
        await asyncio.sleep(0)
        cancelled = asyncio.create_task(request("b"))
        waiting = asyncio.create_task(request("c"))
        await asyncio.sleep(0)
        cancelled.cancel()
        await asyncio.sleep(0)
        release.set()
        await asyncio.gather(holder, waiting)
        return order

    assert asyncio.run(scenario()) == ["a", "c"]
