"""Run a judge's cases through the remote's live judging, N times each, in parallel.

The client side of live judging; the emulator's server side (how it answers
offline) is emulator/judging.py.

The requests fan out over a thread pool of `parallelism` workers; the client
underneath retries, honours `Retry-After` and shrinks the requests in flight
on 429s. A failed request is recorded against its case (the others go on);
Ctrl-C cancels the requests not yet sent and propagates at once. Each answer
(or failed request) advances the caller's progress task (JUDGING), which the
caller starts with the number of requests of the whole run.

The emulator's `analysis` starts with "Emulated verdict"; a run that sees it
says so, so that nobody reads emulated verdicts as a judge's quality.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from judgesync.errors import JudgesyncError
from judgesync.progress import SILENT, Progress
from judgesync.review.metrics import Verdict
from judgesync.specs.case import Case, is_number

EMULATED_MARK = "Emulated verdict"
# The progress task of a run's live-judging requests (`test`, `plan --replay`).
JUDGING = "judging"
EMULATED_NOTE = (
    "The verdicts are emulated (the target is the judgesync emulator): no model was called,"
    " so they say nothing about the judges' quality."
)
# The result word of a judge whose emulated verdicts were not gated (`--gate-emulated`).
NOT_EVALUATED = "not evaluated (emulated verdicts)"
NOT_EVALUATED_NOTE = (
    "Pass and fail (must_pass, gates) are not evaluated on emulated verdicts: only a failed"
    " request fails this run. --gate-emulated evaluates them; for real verdicts, give the"
    " emulator a model (docs/emulator.md) or use the API."
)


class Judged(Protocol):
    """What is judged: a case, or a sampled span; its id keys the verdicts."""

    @property
    def id(self) -> str: ...


Item = TypeVar("Item", bound=Judged)


class LiveJudgingApi(Protocol):
    """What judging needs of the client."""

    def live_judge(self, judge_id: str, request: Mapping[str, Any]) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Verdicts:
    """A judge's answers to its cases: each case's answers in repeat order, and errors."""

    answers: Mapping[str, tuple[Verdict, ...]]
    # case id -> why a request for it failed (the first failure); its answers may be short.
    errors: Mapping[str, str]
    emulated: bool

    def first(self) -> dict[str, Verdict]:
        """One verdict per answered case: the first repeat's."""
        return {case_id: answers[0] for case_id, answers in self.answers.items() if answers}


def judge_cases(
    client: LiveJudgingApi,
    judge_id: str,
    cases: Sequence[Case],
    *,
    repeat: int = 1,
    parallelism: int = 8,
    progress: Progress = SILENT,
) -> Verdicts:
    """Judge every case `repeat` times with the saved judge `judge_id`; each request
    that ends advances `progress` (a task the caller started)."""
    return judge_each(
        lambda case: client.live_judge(judge_id, case.request()),
        cases,
        repeat=repeat,
        parallelism=parallelism,
        progress=progress,
    )


def judge_each(
    send: Callable[[Item], dict[str, Any]],
    cases: Sequence[Item],
    *,
    repeat: int = 1,
    parallelism: int = 8,
    progress: Progress = SILENT,
) -> Verdicts:
    """Judge every case `repeat` times through `send` (one request, its JudgeOutput)."""
    requests = [(case, round_) for round_ in range(repeat) for case in cases]
    pool = ThreadPoolExecutor(max_workers=max(1, parallelism), thread_name_prefix="judgesync-judge")
    try:
        futures: list[Future[dict[str, Any]]] = [pool.submit(send, case) for case, _ in requests]
        answers: dict[str, list[Verdict]] = {case.id: [] for case in cases}
        errors: dict[str, str] = {}
        emulated = False
        for (case, _), future in zip(requests, futures, strict=True):
            try:
                body = future.result()
                answer = _answer(body)
            except JudgesyncError as error:
                errors.setdefault(case.id, str(error))
                progress.advance(failed=True)
                continue
            progress.advance()
            answers[case.id].append(answer)
            emulated = emulated or str(body.get("analysis", "")).startswith(EMULATED_MARK)
    except BaseException:
        # Ctrl-C or a bug: do not send what is still queued.
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return Verdicts({key: tuple(value) for key, value in answers.items()}, errors, emulated)


def _answer(body: Mapping[str, Any]) -> Verdict:
    answer = body.get("answer")
    if isinstance(answer, str) or is_number(answer):
        return answer
    raise JudgesyncError(
        f"The live-judging answer holds no verdict (answer: {answer!r});"
        " check that the target is the Mistral judges API."
    )
