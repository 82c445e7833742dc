"""The dataset and record endpoints of SDK 3.7.0 (`client.beta.observability.datasets`).

    /v1/observability/datasets                     GET list, POST create (201)
    /v1/observability/datasets/{id or slug}        GET, PATCH (200 DatasetPreview), DELETE (204)
    /v1/observability/datasets/{id or slug}/records  GET list, POST create (201)
    /v1/observability/dataset-records/bulk-delete  POST (204)
    /v1/observability/dataset-records/{id}         GET, DELETE (204)
    /v1/observability/dataset-records/{id}/payload     PUT (204)
    /v1/observability/dataset-records/{id}/properties  PUT (204)
    /v1/observability/dataset-records/{id}/live-judging  POST: judge the record with an
        inline definition, through the same judging pool as a judge's live judging; no
        judge is created

With the `datasets` setting off (`--no-datasets`) every one of them answers the
plain 404 of an unknown path, as an API without datasets would. Like routes.py,
handlers call the store on the event loop (one short transaction each).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from judgesync.emulator.dataset_storage import StoredDataset, StoredRecord
from judgesync.emulator.dataset_wire import (
    parse_dataset_changes,
    parse_new_dataset,
    parse_new_record,
    parse_payload,
    parse_properties,
    parse_record_ids,
    parse_record_judging,
    record_conversation,
)
from judgesync.emulator.request_io import JsonResponse, caller, list_page, query_lists, read_body
from judgesync.emulator.wire import last_value, parse_page, parse_uuid

DATASETS = "/v1/observability/datasets"
RECORDS = "/v1/observability/dataset-records"

Handler = Callable[[Request], Awaitable[Response]]


def dataset_body(dataset: StoredDataset) -> dict[str, Any]:
    """A dataset as the API's `Dataset` (and `DatasetPreview`, the same fields) JSON."""
    return {
        "id": dataset.id,
        "created_at": dataset.created_at,
        "updated_at": dataset.updated_at,
        "deleted_at": dataset.deleted_at,
        "name": dataset.name,
        "slug": dataset.slug,
        "description": dataset.description,
        "owner_id": dataset.owner_id,
        "workspace_id": dataset.workspace_id,
    }


def record_body(record: StoredRecord) -> dict[str, Any]:
    """A record as the API's `DatasetRecord` JSON."""
    return {
        "id": record.id,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "deleted_at": record.deleted_at,
        "dataset_id": record.dataset_id,
        "payload": record.payload,
        "properties": record.properties,
        "source": record.source,
    }


def _record_id(request: Request) -> str:
    return parse_uuid("dataset_record_id", request.path_params["dataset_record_id"])


async def list_datasets(request: Request) -> JSONResponse:
    emulator, workspace = await caller(request)
    params = query_lists(request)
    page, page_size = parse_page(params, emulator.settings.max_page_size)
    count, shown = emulator.datasets.datasets_page(
        workspace.workspace_id,
        q=last_value(params, "q"),
        offset=(page - 1) * page_size,
        limit=page_size,
    )
    body = list_page(
        request,
        page=page,
        page_size=page_size,
        count=count,
        results=[dataset_body(dataset) for dataset in shown],
        pagination=emulator.settings.pagination,
    )
    return JsonResponse({"datasets": body})


async def create_dataset(request: Request) -> JSONResponse:
    emulator, workspace = await caller(request)
    name, description = parse_new_dataset(await read_body(request))
    dataset = emulator.datasets.create_dataset(
        workspace_id=workspace.workspace_id,
        owner_id=workspace.owner_id,
        name=name,
        description=description,
    )
    return JsonResponse(dataset_body(dataset), 201)


async def get_dataset(request: Request) -> JSONResponse:
    emulator, workspace = await caller(request)
    reference = request.path_params["dataset_id"]
    return JsonResponse(
        dataset_body(emulator.datasets.get_dataset(workspace.workspace_id, reference))
    )


async def update_dataset(request: Request) -> JSONResponse:
    emulator, workspace = await caller(request)
    name, description = parse_dataset_changes(await read_body(request))
    dataset = emulator.datasets.update_dataset(
        workspace.workspace_id,
        request.path_params["dataset_id"],
        name=name,
        description=description,
    )
    return JsonResponse(dataset_body(dataset))


async def delete_dataset(request: Request) -> Response:
    emulator, workspace = await caller(request)
    emulator.datasets.delete_dataset(workspace.workspace_id, request.path_params["dataset_id"])
    return Response(status_code=204)


async def list_records(request: Request) -> JSONResponse:
    emulator, workspace = await caller(request)
    page, page_size = parse_page(query_lists(request), emulator.settings.max_page_size)
    count, shown = emulator.datasets.records_page(
        workspace.workspace_id,
        request.path_params["dataset_id"],
        offset=(page - 1) * page_size,
        limit=page_size,
    )
    body = list_page(
        request,
        page=page,
        page_size=page_size,
        count=count,
        results=[record_body(record) for record in shown],
        pagination=emulator.settings.pagination,
    )
    return JsonResponse({"records": body})


async def create_record(request: Request) -> JSONResponse:
    emulator, workspace = await caller(request)
    record = parse_new_record(await read_body(request))
    (stored,) = emulator.datasets.add_records(
        workspace.workspace_id, request.path_params["dataset_id"], [record]
    )
    return JsonResponse(record_body(stored), 201)


async def get_record(request: Request) -> JSONResponse:
    emulator, workspace = await caller(request)
    record = emulator.datasets.get_record(workspace.workspace_id, _record_id(request))
    return JsonResponse(record_body(record))


async def delete_record(request: Request) -> Response:
    emulator, workspace = await caller(request)
    emulator.datasets.delete_records(workspace.workspace_id, [_record_id(request)])
    return Response(status_code=204)


async def bulk_delete_records(request: Request) -> Response:
    emulator, workspace = await caller(request)
    record_ids = parse_record_ids(await read_body(request))
    emulator.datasets.delete_records(workspace.workspace_id, record_ids)
    return Response(status_code=204)


async def replace_payload(request: Request) -> Response:
    emulator, workspace = await caller(request)
    record_id = _record_id(request)
    payload = parse_payload(await read_body(request))
    emulator.datasets.replace_record_field(workspace.workspace_id, record_id, "payload", payload)
    return Response(status_code=204)


async def replace_properties(request: Request) -> Response:
    emulator, workspace = await caller(request)
    record_id = _record_id(request)
    properties = parse_properties(await read_body(request))
    emulator.datasets.replace_record_field(
        workspace.workspace_id, record_id, "properties", properties
    )
    return Response(status_code=204)


async def judge_record(request: Request) -> JSONResponse:
    emulator, workspace = await caller(request)
    record = emulator.datasets.get_record(workspace.workspace_id, _record_id(request))
    definition = parse_record_judging(await read_body(request))
    conversation = record_conversation(record)
    # The one entry point of judging, as for a saved judge: the same rendering and answers.
    verdict = await request.app.state.judging_pool.judge(
        definition,
        conversation,
        workspace=workspace.workspace_id,
        late_by_seconds=emulator.settings.judging_latency_ms / 1000,
    )
    return JsonResponse(verdict)


def served_with_datasets(handler: Handler) -> Handler:
    """`handler`, or the 404 of an unknown path while datasets are turned off."""

    async def serve(request: Request) -> Response:
        if not request.app.state.emulator.settings.datasets:
            raise StarletteHTTPException(404)
        return await handler(request)

    return serve


def add_routes(app: FastAPI) -> None:
    """Plain Starlette routes, as routes.py's and for the same reason."""
    endpoints: list[tuple[str, Handler, str]] = [
        (DATASETS, list_datasets, "GET"),
        (DATASETS, create_dataset, "POST"),
        (f"{DATASETS}/{{dataset_id}}", get_dataset, "GET"),
        (f"{DATASETS}/{{dataset_id}}", update_dataset, "PATCH"),
        (f"{DATASETS}/{{dataset_id}}", delete_dataset, "DELETE"),
        (f"{DATASETS}/{{dataset_id}}/records", list_records, "GET"),
        (f"{DATASETS}/{{dataset_id}}/records", create_record, "POST"),
        (f"{RECORDS}/bulk-delete", bulk_delete_records, "POST"),
        (f"{RECORDS}/{{dataset_record_id}}", get_record, "GET"),
        (f"{RECORDS}/{{dataset_record_id}}", delete_record, "DELETE"),
        (f"{RECORDS}/{{dataset_record_id}}/payload", replace_payload, "PUT"),
        (f"{RECORDS}/{{dataset_record_id}}/properties", replace_properties, "PUT"),
        (f"{RECORDS}/{{dataset_record_id}}/live-judging", judge_record, "POST"),
    ]
    for path, handler, method in endpoints:
        app.add_route(path, served_with_datasets(handler), methods=[method])
