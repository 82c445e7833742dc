"""Running an import from spans in the background: the task it answers with at once, and
the work that ends it.

The work runs as an asyncio task on the server's loop, its storage calls in a worker
thread, so the server keeps answering (polls included) while it runs. Each reference
is looked up in the caller's workspace; an unknown one (or another workspace's: the
two are not told apart, as the SDK says) and a span without a conversation are
skipped and counted. The records are written in one transaction, so a task never
leaves half an import behind. Faults, read when the import starts:
`import_delay_seconds` keeps the task RUNNING that long first (a stall, if long),
`import_fail` ends it FAILED without writing anything.
"""

from __future__ import annotations

import asyncio
import logging

from judgesync.emulator.dataset_storage import NewRecord
from judgesync.emulator.genai_messages import NotAConversation
from judgesync.emulator.import_tasks import ImportCounts, ImportTask
from judgesync.emulator.span_import_wire import SpanImport
from judgesync.emulator.span_records import span_record
from judgesync.emulator.state import Emulator, Workspace
from judgesync.emulator.storage_errors import DatasetNotFound

logger = logging.getLogger("judgesync.emulator")

INJECTED_FAILURE = "The import failed: the emulator's import_fail setting is on."


def start_span_import(
    emulator: Emulator, workspace: Workspace, dataset_reference: str, request: SpanImport
) -> ImportTask:
    """The RUNNING task of a new import into a live dataset; the import itself goes on
    in the background. Call it on the server's event loop."""
    dataset = emulator.datasets.get_dataset(workspace.workspace_id, dataset_reference)
    task = emulator.import_tasks.start(
        workspace_id=workspace.workspace_id, creator_id=workspace.owner_id, dataset_id=dataset.id
    )
    settings = emulator.settings
    work = _run(emulator, task, request, settings.import_delay_seconds, settings.import_fail)
    run = asyncio.get_running_loop().create_task(work)
    emulator.import_tasks.attach(task.id, run)
    return task


async def _run(
    emulator: Emulator, task: ImportTask, request: SpanImport, delay: float, fail: bool
) -> None:
    tasks = emulator.import_tasks
    try:
        await asyncio.sleep(delay)
        if fail:
            tasks.finish(task.id, "FAILED", message=INJECTED_FAILURE, result=None)
            return
        counts = await asyncio.to_thread(_import, emulator, task, request)
    except DatasetNotFound:
        message = "The dataset was deleted while the import ran; nothing was imported."
        tasks.finish(task.id, "FAILED", message=message, result=None)
    except Exception as error:
        logger.error(
            "Unexpected error in import task %s: %s: %s",
            task.id,
            type(error).__name__,
            " ".join(str(error).split()),
        )
        tasks.finish(task.id, "FAILED", message="Internal emulator error.", result=None)
    else:
        tasks.finish(task.id, "COMPLETED", message=None, result=counts)


def _import(emulator: Emulator, task: ImportTask, request: SpanImport) -> ImportCounts:
    records: list[NewRecord] = []
    for reference in request.references:
        span = emulator.spans.get(task.workspace_id, reference.trace_id, reference.span_id)
        if span is None:
            continue
        try:
            records.append(span_record(span, request.mappings))
        except NotAConversation:
            continue
    emulator.datasets.add_records(task.workspace_id, task.dataset_id, records)
    requested = len(request.references)
    return ImportCounts(
        requested_record_count=requested,
        imported_record_count=len(records),
        skipped_record_count=requested - len(records),
    )
