"""The import task store: how a task ends, what a reset does to running imports."""

from __future__ import annotations

import asyncio
import threading

from judgesync.emulator.import_tasks import ImportCounts, ImportTaskStore, task_body


def test_a_task_runs_then_completes_with_its_counts() -> None:
    store = ImportTaskStore()
    task = store.start(workspace_id="w", creator_id="o", dataset_id="d")
    assert task_body(task)["status"] == "RUNNING"
    counts = ImportCounts(3, 2, 1)
    store.finish(task.id, "COMPLETED", message=None, result=counts)
    ended = store.get("w", "d", task.id)
    assert ended is not None
    body = task_body(ended)
    assert (body["status"], body["progress"], body["message"]) == ("COMPLETED", 100, None)
    assert body["result"] == {
        "requested_record_count": 3,
        "imported_record_count": 2,
        "skipped_record_count": 1,
    }
    assert ended.updated_at > task.updated_at


def test_a_task_is_found_only_in_its_workspace_and_dataset() -> None:
    store = ImportTaskStore()
    task = store.start(workspace_id="w", creator_id="o", dataset_id="d")
    assert store.get("w", "d", task.id) == task
    assert store.get("other", "d", task.id) is None
    assert store.get("w", "other", task.id) is None
    assert store.of_dataset("w", "other") == []


def test_a_task_forgotten_by_a_reset_stays_forgotten() -> None:
    store = ImportTaskStore()
    task = store.start(workspace_id="w", creator_id="o", dataset_id="d")
    store.clear()
    store.finish(task.id, "FAILED", message="late", result=None)
    assert store.get("w", "d", task.id) is None


def test_clearing_from_another_thread_cancels_the_running_imports() -> None:
    store = ImportTaskStore()

    async def main() -> bool:
        task = store.start(workspace_id="w", creator_id="o", dataset_id="d")
        run = asyncio.get_running_loop().create_task(asyncio.sleep(3600))
        store.attach(task.id, run)
        clearing = threading.Thread(target=store.clear)
        clearing.start()
        clearing.join()
        try:
            await run
        except asyncio.CancelledError:
            return True
        return False

    assert asyncio.run(main())
