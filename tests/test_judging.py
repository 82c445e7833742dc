"""judge_cases reports each request into the caller's Progress, failures as failed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from judgesync.errors import JudgesyncError
from judgesync.review.live_judging import judge_cases
from judgesync.specs.case import Case


class Recorder:
    def __init__(self) -> None:
        self.events: list[str] = []

    def start(self, task: str, total: int | None = None) -> None:
        self.events.append(f"start {task} {total}")

    def advance(self, *, failed: bool = False) -> None:
        self.events.append("failed" if failed else "done")

    def finish(self) -> None:
        self.events.append("finish")


class OneFailing:
    """Answers every conversation but the one saying "boom"."""

    def live_judge(self, judge_id: str, request: Mapping[str, Any]) -> dict[str, Any]:
        if request["messages"][0]["content"] == "boom":
            raise JudgesyncError("The request failed.")
        return {"answer": "ok", "analysis": "fine"}


def case(id_: str, content: str) -> Case:
    return Case("tone", id_, ({"role": "user", "content": content},), {}, "ok", False, "x", None)


def test_each_answer_advances_and_a_failed_request_advances_as_failed():
    progress = Recorder()
    cases = [case("a", "hi"), case("b", "boom"), case("c", "hello")]

    verdicts = judge_cases(OneFailing(), "id", cases, repeat=2, parallelism=1, progress=progress)

    # The caller owns the task: judge_cases neither starts nor finishes it.
    assert sorted(progress.events) == ["done"] * 4 + ["failed"] * 2
    assert verdicts.errors == {"b": "The request failed."}
