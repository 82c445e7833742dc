"""Dataset import tasks (SDK 3.7.0 `DatasetImportTask`), kept in memory per workspace.

A task is RUNNING from its creation until the import ends it COMPLETED (with its
`result` counts) or FAILED (with a `message`). Tasks live only as long as the
emulator process: after a restart the records are still there but the tasks that
wrote them are not. Methods are safe from any thread (tests reset the emulator
from theirs while an import runs on the server's event loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import threading
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from judgesync.emulator.database import current_timestamp, later_than

TaskStatus = Literal["RUNNING", "COMPLETED", "FAILED"]


@dataclass(frozen=True)
class ImportCounts:
    requested_record_count: int
    imported_record_count: int
    skipped_record_count: int


@dataclass(frozen=True)
class ImportTask:
    id: str
    workspace_id: str
    creator_id: str
    dataset_id: str
    status: TaskStatus
    progress: int
    message: str | None
    result: ImportCounts | None
    created_at: str
    updated_at: str


def task_body(task: ImportTask) -> dict[str, Any]:
    """A task as the API's `DatasetImportTask` JSON."""
    return {
        "id": task.id,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
        "deleted_at": None,
        "creator_id": task.creator_id,
        "dataset_id": task.dataset_id,
        "workspace_id": task.workspace_id,
        "status": task.status,
        "progress": task.progress,
        "message": task.message,
        "result": None if task.result is None else dataclasses.asdict(task.result),
    }


class ImportTaskStore:
    def __init__(self) -> None:
        self._tasks: dict[str, ImportTask] = {}
        # The asyncio task running each import, kept so that it is neither garbage
        # collected mid-run nor left sleeping (a stall) after a reset.
        self._runs: dict[str, asyncio.Task[None]] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        """Forget every task and cancel the imports still running."""
        with self._lock:
            self._tasks.clear()
            runs, self._runs = list(self._runs.values()), {}
        for run in runs:
            with contextlib.suppress(RuntimeError):  # its loop is closed: nothing to cancel
                run.get_loop().call_soon_threadsafe(run.cancel)

    def attach(self, task_id: str, run: asyncio.Task[None]) -> None:
        """Keep `run`, the asyncio task doing the import of `task_id`, until it ends."""
        with self._lock:
            self._runs[task_id] = run
        run.add_done_callback(lambda _: self._detach(task_id, run))

    def _detach(self, task_id: str, run: asyncio.Task[None]) -> None:
        with self._lock:
            if self._runs.get(task_id) is run:
                del self._runs[task_id]

    def start(self, *, workspace_id: str, creator_id: str, dataset_id: str) -> ImportTask:
        now = current_timestamp()
        task = ImportTask(
            id=str(uuid.uuid4()),
            workspace_id=workspace_id,
            creator_id=creator_id,
            dataset_id=dataset_id,
            status="RUNNING",
            progress=0,
            message=None,
            result=None,
            created_at=now,
            updated_at=now,
        )
        with self._lock:
            self._tasks[task.id] = task
        return task

    def finish(
        self, task_id: str, status: TaskStatus, *, message: str | None, result: ImportCounts | None
    ) -> None:
        """End a task; a task forgotten meanwhile (a reset) stays forgotten."""
        with self._lock:
            task = self._tasks.get(task_id)
            if task is None:
                return
            self._tasks[task_id] = dataclasses.replace(
                task,
                status=status,
                progress=100 if status == "COMPLETED" else task.progress,
                message=message,
                result=result,
                updated_at=later_than(task.updated_at),
            )

    def get(self, workspace_id: str, dataset_id: str, task_id: str) -> ImportTask | None:
        with self._lock:
            task = self._tasks.get(task_id)
        if task is None or (task.workspace_id, task.dataset_id) != (workspace_id, dataset_id):
            return None
        return task

    def of_dataset(self, workspace_id: str, dataset_id: str) -> list[ImportTask]:
        """The dataset's tasks in creation order (dicts keep insertion order)."""
        with self._lock:
            tasks = list(self._tasks.values())
        return [t for t in tasks if (t.workspace_id, t.dataset_id) == (workspace_id, dataset_id)]
