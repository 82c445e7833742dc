"""Imports from spans and the dataset tasks that report on them (SDK 3.7.0
`datasets.import_from_spans`, `list_tasks`, `fetch_task`).

    /v1/observability/datasets/{id or slug}/imports/from-spans  POST: 202 DatasetImportTask
    /v1/observability/datasets/{id or slug}/tasks               GET list
    /v1/observability/datasets/{id or slug}/tasks/{task_id}     GET one

Datasets' endpoints, so `--no-datasets` makes them 404 as well.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from judgesync.emulator.dataset_routes import DATASETS, Handler, served_with_datasets
from judgesync.emulator.import_tasks import task_body
from judgesync.emulator.refusals import ApiRefusal
from judgesync.emulator.request_io import JsonResponse, caller, list_page, query_lists, read_body
from judgesync.emulator.span_import_wire import parse_span_import
from judgesync.emulator.span_imports import start_span_import
from judgesync.emulator.wire import parse_page, parse_uuid


async def import_from_spans(request: Request) -> JSONResponse:
    emulator, workspace = await caller(request)
    span_import = parse_span_import(await read_body(request))
    task = start_span_import(emulator, workspace, request.path_params["dataset_id"], span_import)
    return JsonResponse(task_body(task), 202)


async def list_tasks(request: Request) -> JSONResponse:
    emulator, workspace = await caller(request)
    page, page_size = parse_page(query_lists(request), emulator.settings.max_page_size)
    dataset = emulator.datasets.get_dataset(
        workspace.workspace_id, request.path_params["dataset_id"]
    )
    tasks = emulator.import_tasks.of_dataset(workspace.workspace_id, dataset.id)
    offset = (page - 1) * page_size
    body = list_page(
        request,
        page=page,
        page_size=page_size,
        count=len(tasks),
        results=[task_body(task) for task in tasks[offset : offset + page_size]],
        pagination=emulator.settings.pagination,
    )
    return JsonResponse({"tasks": body})


async def get_task(request: Request) -> JSONResponse:
    emulator, workspace = await caller(request)
    dataset = emulator.datasets.get_dataset(
        workspace.workspace_id, request.path_params["dataset_id"]
    )
    task_id = parse_uuid("task_id", request.path_params["task_id"])
    task = emulator.import_tasks.get(workspace.workspace_id, dataset.id, task_id)
    if task is None:
        raise ApiRefusal(404, "DATASET_TASK_NOT_FOUND", f"Task {task_id!r} was not found.")
    return JsonResponse(task_body(task))


def add_routes(app: FastAPI) -> None:
    """Plain Starlette routes, as routes.py's and for the same reason."""
    endpoints: list[tuple[str, Handler, str]] = [
        (f"{DATASETS}/{{dataset_id}}/imports/from-spans", import_from_spans, "POST"),
        (f"{DATASETS}/{{dataset_id}}/tasks", list_tasks, "GET"),
        (f"{DATASETS}/{{dataset_id}}/tasks/{{task_id}}", get_task, "GET"),
    ]
    for path, handler, method in endpoints:
        app.add_route(path, served_with_datasets(handler), methods=[method])
