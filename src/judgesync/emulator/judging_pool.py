"""Live judging in worker processes, each render within a time and memory budget.

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
further requests wait their turn, the deadline starting when a worker takes
the job.
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

from judgesync.emulator.judging import template_error
from judgesync.emulator.limits import RENDER_SECONDS
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
    """Judges conversations in up to `size` worker processes; `close()` kills them all."""

    def __init__(self, size: int = min(4, os.cpu_count() or 1)) -> None:
        self._turns = asyncio.Semaphore(size)
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._closed = False

    async def judge(
        self, definition: Mapping[str, Any], conversation: Conversation
    ) -> dict[str, Any]:
        """The `JudgeOutput` body; ApiRefusal TEMPLATE_ERROR when a budget is exceeded."""
        job = {
            "definition": definition,
            "messages": conversation.messages,
            "properties": conversation.properties,
        }
        line = json.dumps(job).encode() + b"\n"
        async with self._turns:
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
        output: dict[str, Any] = answer["output"]
        return output

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
