"""A flood of looping templates from one workspace: 503 at once past its cap, and another
workspace's benign request is served next, not after the flood (issue 17)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from judgesync.emulator import Emulator, EmulatorServer
from judgesync.emulator.judging_pool import JudgingPool
from tests.test_emulator_budgets import BOUND_SECONDS, CONVERSATION, JUDGES, NESTED_LOOPS

PER_WORKSPACE = 3
FLOOD = 8


@pytest.fixture
def small_pool_server() -> Iterator[EmulatorServer]:
    """An emulator with one render worker, 3 requests per workspace and 6 in all."""
    server = EmulatorServer(Emulator())
    server.app.state.judging_pool.close()
    server.app.state.judging_pool = JudgingPool(1, per_workspace=PER_WORKSPACE, total=6)
    with server:
        yield server


def client_for(server: EmulatorServer, key: str) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"}
    return httpx.Client(base_url=server.url, headers=headers, timeout=BOUND_SECONDS)


def test_a_flood_is_refused_at_once_and_does_not_starve_another_workspace(
    small_pool_server, judge_definition
):
    answered: list[tuple[str, int]] = []  # (who, status), in the order the answers arrived
    lock = threading.Lock()
    refused = threading.Semaphore(0)

    def post(client: httpx.Client, judge_id: str, who: str) -> httpx.Response:
        response = client.post(f"{JUDGES}/{judge_id}/live-judging", json=CONVERSATION)
        with lock:
            answered.append((who, response.status_code))
        if response.status_code == 503:
            refused.release()
        return response

    with (
        client_for(small_pool_server, "flooding-key") as flooder,
        client_for(small_pool_server, "quiet-key") as quiet,
        ThreadPoolExecutor(FLOOD) as executor,
    ):
        looping = flooder.post(JUDGES, json=judge_definition(instructions=NESTED_LOOPS)).json()
        benign = quiet.post(JUDGES, json=judge_definition()).json()
        flood = [executor.submit(post, flooder, looping["id"], "flood") for _ in range(FLOOD)]
        for _ in range(FLOOD - PER_WORKSPACE):  # the flood past its cap is refused...
            assert refused.acquire(timeout=BOUND_SECONDS)
        single = post(quiet, benign["id"], "single")  # ...while its admitted ones still wait
        responses = [future.result(timeout=BOUND_SECONDS) for future in flood]

    refusals = [r for r in responses if r.status_code == 503]
    assert len(refusals) == FLOOD - PER_WORKSPACE
    assert all(r.headers["Retry-After"] == "1" for r in refusals)
    assert all(r.json()["detail"]["error_code"] is None for r in refusals)
    assert single.status_code == 200, single.text
    rendered_before_single = answered[: answered.index(("single", 200))]
    assert ("flood", 400) not in rendered_before_single[: FLOOD - PER_WORKSPACE]
    # One render was running when the single request came: it waits for that one only.
    assert rendered_before_single.count(("flood", 400)) <= 1
    assert [r.status_code for r in responses].count(400) == PER_WORKSPACE
