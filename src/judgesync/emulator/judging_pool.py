"""Live judging: the one entry point both judge routes call, `JudgingPool.judge`.

It admits the request fairly (fair_turns.py: at most JUDGING_PER_WORKSPACE
requests per workspace and JUDGING_TOTAL in all, else 503 with Retry-After at
once), renders the instructions in a worker process within a time and memory
budget, then answers by the hash rule (judging.py) or, given a model, by asking
it (model_judging.py, from the server: the worker only renders).

A judge's instructions are untrusted templates: `{{ 'a' * 10**9 }}` allocates
gigabytes and two nested `range(99999)` loops run for hours, inside a single
call that no thread can interrupt. So rendering runs in worker processes
(judging_worker.py): the server waits for the answer in a thread, off the
event loop, and when RENDER_SECONDS pass without one it kills the worker,
which frees its core and memory at once, and answers 400 TEMPLATE_ERROR. The
worker caps its own address space, so huge strings fail there, quickly, with
MemoryError. Counting operations in Jinja's sandbox hooks instead would miss
single expensive calls (a filter or format on a huge width) and bound no memory.

Workers are started on first use (a fresh Python process, ~0.3 s) and reused,
so a benign render costs one pipe round trip; at most `size` render at once and
further admitted requests wait their turn, round robin across workspaces, the
deadline starting when a worker takes the job.
"""

from __future__ import annotations

import asyncio
import json
import os
import selectors
import subprocess
import sys
import threading
from collections.abc import Mapping
from typing import IO, Any

from fastapi.concurrency import run_in_threadpool

from judgesync.emulator.fair_turns import Admission, FairTurns, Saturated
from judgesync.emulator.judging import hash_verdict, template_error
from judgesync.emulator.limits import (
    JUDGING_PER_WORKSPACE,
    JUDGING_RETRY_AFTER_SECONDS,
    JUDGING_TOTAL,
    RENDER_SECONDS,
)
from judgesync.emulator.model_judging import JudgingModel, ModelJudge
from judgesync.emulator.refusals import ApiRefusal
from judgesync.emulator.wire import Conversation

_STARTUP_SECONDS = 30.0  # generous: a loaded machine imports slowly, and it happens once


class _WorkerDied(Exception):
    pass


class _Worker:
    """One judging_worker process and its pipes; `ask` sends a job and waits for its line."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "judgesync.emulator.judging_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            # Out of the terminal's process group: Ctrl-C stops the server, which kills it.
            start_new_session=True,
        )
        self._jobs: IO[bytes] = self.process.stdin  # type: ignore[assignment]
        self._answers: IO[bytes] = self.process.stdout  # type: ignore[assignment]
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._answers, selectors.EVENT_READ)
        try:
            ready = self._read_line(_STARTUP_SECONDS) == b'"ready"\n'
        except (TimeoutError, _WorkerDied):
            ready = False
        if not ready:
            self.kill()
            raise RuntimeError("A live-judging worker process failed to start.")

    def ask(self, job: bytes, timeout: float) -> dict[str, Any]:
        try:
            self._jobs.write(job)
            self._jobs.flush()
        except BrokenPipeError:
            raise _WorkerDied from None
        answer: dict[str, Any] = json.loads(self._read_line(timeout))
        return answer

    def _read_line(self, timeout: float) -> bytes:
        # One job, one line: nothing is ever buffered past it, so select() sees every answer.
        if not self._selector.select(timeout):
            raise TimeoutError
        line = self._answers.readline()
        if not line.endswith(b"\n"):
            raise _WorkerDied
        return line

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        self._selector.close()
        self._jobs.close()
        self._answers.close()


class JudgingPool:
    """Judges conversations, rendering in up to `size` worker processes; `close()` kills them."""

    def __init__(
        self,
        size: int = min(4, os.cpu_count() or 1),
        *,
        model: JudgingModel | None = None,
        per_workspace: int = JUDGING_PER_WORKSPACE,
        total: int = JUDGING_TOTAL,
    ) -> None:
        self._admission = Admission(per_workspace, total)
        self._turns = FairTurns(size)
        self._model = ModelJudge(model) if model is not None else None
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._closed = False

    async def judge(
        self,
        definition: Mapping[str, Any],
        conversation: Conversation,
        *,
        workspace: str,
        late_by_seconds: float = 0.0,
    ) -> dict[str, Any]:
        """The `JudgeOutput` body for `workspace`'s request; ApiRefusal when it cannot be had:
        503 when judging is saturated, TEMPLATE_ERROR past a budget, the model's errors.
        `late_by_seconds` (the `judging_latency_ms` fault) is slept after rendering, holding
        the admission slot but no render worker, as a slow model would."""
        try:
            async with self._admission.admit(workspace):
                rendered = await self._render(definition, conversation, workspace)
                if late_by_seconds:
                    await asyncio.sleep(late_by_seconds)
                if self._model is None:
                    return hash_verdict(definition, conversation)
                return await self._model.judge(definition, rendered, workspace=workspace)
        except Saturated:
            raise ApiRefusal(
                503,
                None,
                "Live judging is saturated (too many requests rendering or waiting, for this"
                " workspace or in all); retry after the delay in Retry-After.",
                {"Retry-After": str(JUDGING_RETRY_AFTER_SECONDS)},
            ) from None

    async def _render(
        self, definition: Mapping[str, Any], conversation: Conversation, workspace: str
    ) -> str:
        job = {
            "definition": definition,
            "messages": conversation.messages,
            "properties": conversation.properties,
        }
        line = json.dumps(job).encode() + b"\n"
        async with self._turns.turn(workspace):
            try:
                answer = await run_in_threadpool(self._run, line)
            except TimeoutError:
                raise template_error(
                    f"The instructions took longer than {RENDER_SECONDS:g} s to render;"
                    " make loops smaller or remove recursion."
                ) from None
            except _WorkerDied:
                raise ApiRefusal(
                    500, None, "The live-judging worker stopped unexpectedly; try again."
                ) from None
        if "refusal" in answer:
            refusal = answer["refusal"]
            raise ApiRefusal(refusal["status"], refusal["error_code"], refusal["message"])
        rendered: str = answer["rendered"]
        return rendered

    def busy_pids(self) -> list[int]:
        """Process ids of the workers rendering right now."""
        with self._lock:
            return [worker.process.pid for worker in self._busy]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = [*self._idle, *self._busy]
            self._idle.clear()
            self._busy.clear()
        for worker in workers:
            worker.kill()

    def _run(self, line: bytes) -> dict[str, Any]:
        with self._lock:
            worker = self._idle.pop() if self._idle else None
        if worker is None:
            worker = _Worker()
        with self._lock:
            self._busy.add(worker)
        try:
            answer = worker.ask(line, RENDER_SECONDS)
        except BaseException:
            with self._lock:
                self._busy.discard(worker)
            worker.kill()  # its core and memory are free before the error is answered
            raise
        with self._lock:
            self._busy.discard(worker)
            if not self._closed:
                self._idle.append(worker)
                return answer
        worker.kill()
        return answer
