"""The six judge endpoints of the API contract, under `/v1/observability/judges`.

Handlers call the store directly on the event loop rather than in a worker
thread: every store call is one short sqlite transaction (well under a
millisecond on the benchmark's judges), and handing it to anyio's thread pool
cost more CPU than the transaction itself. A file database that another
process holds locked does stall the loop for up to sqlite's busy timeout, as
it would stall that one request anyway; the emulator is a local stand-in, not
a server that must stay responsive to other clients meanwhile.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from judgesync.emulator.refusals import judge_not_found
from judgesync.emulator.request_io import JsonResponse, caller, list_page, query_lists, read_body
from judgesync.emulator.state import Emulator, Workspace
from judgesync.emulator.storage import StoredJudge
from judgesync.emulator.wire import (
    parse_conversation,
    parse_judge_definition,
    parse_judge_id,
    parse_list_query,
)

PREFIX = "/v1/observability/judges"


def judge_body(judge: StoredJudge) -> dict[str, Any]:
    """A stored judge as the API's `Judge` JSON; `deleted_at` and revision keys always present.

    The definition is the stored body as sent, so a field the wire schema gains is answered
    without a change here."""
    return {
        "id": judge.id,
        "created_at": judge.created_at,
        "updated_at": judge.updated_at,
        "deleted_at": judge.deleted_at,
        "owner_id": judge.owner_id,
        "workspace_id": judge.workspace_id,
        **judge.definition,
        "up_revision": judge.up_revision,
        "down_revision": judge.down_revision,
        "base_revision": judge.base_revision,
    }


def _visible_judge(emulator: Emulator, workspace: Workspace, judge_id: str) -> StoredJudge:
    judge = emulator.store.get(workspace.workspace_id, judge_id)
    if judge is None or (judge.deleted_at is not None and emulator.settings.deleted == "hidden"):
        raise judge_not_found(judge_id)
    return judge


def _matches(
    judge: StoredJudge, q: str | None, types: frozenset[str], models: frozenset[str]
) -> bool:
    definition = judge.definition
    if types and definition["output"]["type"] not in types:
        return False
    if models and definition["model_name"] not in models:
        return False
    if q:
        needle = q.casefold()
        haystacks = (definition["name"], definition["description"])
        return any(needle in text.casefold() for text in haystacks)
    return True


async def list_judges(request: Request) -> JSONResponse:
    emulator, workspace = await caller(request)
    settings = emulator.settings
    query = parse_list_query(query_lists(request), settings.max_page_size)
    include_deleted = settings.deleted == "visible"
    start = (query.page - 1) * query.page_size
    if query.q or query.model_filter:
        judges = emulator.store.newest_revisions(
            workspace.workspace_id, include_deleted=include_deleted
        )
        filters = (query.q, query.type_filter, query.model_filter)
        matching = [j for j in judges if _matches(j, *filters)]
        count, shown = len(matching), matching[start : start + query.page_size]
    else:
        # Paged in the database: a large workspace's pages stay cheap, as a real API's do.
        count, shown = emulator.store.newest_revisions_page(
            workspace.workspace_id,
            include_deleted=include_deleted,
            output_types=query.type_filter,
            offset=start,
            limit=query.page_size,
        )
    page = list_page(
        request,
        page=query.page,
        page_size=query.page_size,
        count=count,
        results=[judge_body(j) for j in shown],
        pagination=settings.pagination,
    )
    return JsonResponse({"judges": page})


async def create_judge(request: Request) -> JSONResponse:
    emulator, workspace = await caller(request)
    definition = parse_judge_definition(await read_body(request))
    settings = emulator.settings
    judge = emulator.store.create(
        workspace_id=workspace.workspace_id,
        owner_id=workspace.owner_id,
        definition=definition,
        uniqueness=settings.name_uniqueness,
        revisions=settings.revisions,
    )
    return JsonResponse(judge_body(judge), 201)


async def get_judge(request: Request) -> JSONResponse:
    emulator, workspace = await caller(request)
    judge_id = parse_judge_id(request.path_params["judge_id"])
    judge = _visible_judge(emulator, workspace, judge_id)
    return JsonResponse(judge_body(judge))


async def update_judge(request: Request) -> Response:
    emulator, workspace = await caller(request)
    canonical_id = parse_judge_id(request.path_params["judge_id"])
    definition = parse_judge_definition(await read_body(request))
    settings = emulator.settings
    emulator.store.update(
        workspace_id=workspace.workspace_id,
        judge_id=canonical_id,
        definition=definition,
        uniqueness=settings.name_uniqueness,
        revisions=settings.revisions,
        campaign_judge_ids=frozenset(settings.campaign_judge_ids),
    )
    return Response(status_code=204)


async def delete_judge(request: Request) -> Response:
    emulator, workspace = await caller(request)
    canonical_id = parse_judge_id(request.path_params["judge_id"])
    emulator.store.delete(workspace.workspace_id, canonical_id)
    return Response(status_code=204)


async def live_judging(request: Request) -> JSONResponse:
    emulator, workspace = await caller(request)
    canonical_id = parse_judge_id(request.path_params["judge_id"])
    judge = _visible_judge(emulator, workspace, canonical_id)
    if judge.deleted_at is not None:
        raise judge_not_found(canonical_id)
    conversation = parse_conversation(await read_body(request))
    # Untrusted templates render in worker processes, within a time and memory budget.
    verdict = await request.app.state.judging_pool.judge(
        judge.definition,
        conversation,
        workspace=workspace.workspace_id,
        late_by_seconds=emulator.settings.judging_latency_ms / 1000,
    )
    return JsonResponse(verdict)


def add_routes(app: FastAPI) -> None:
    """Serve the endpoints as plain Starlette routes, not FastAPI's: these handlers read the
    request themselves, and FastAPI's route machinery (parameter solving, its router's
    matching) cost about 60 us per request, a sixth of a create's CPU. They are therefore
    not in the OpenAPI schema (api-contract.md describes them), and GET ones answer HEAD.
    """
    app.add_route(PREFIX, list_judges, methods=["GET"])
    app.add_route(PREFIX, create_judge, methods=["POST"])
    app.add_route(f"{PREFIX}/{{judge_id}}", get_judge, methods=["GET"])
    app.add_route(f"{PREFIX}/{{judge_id}}", update_judge, methods=["PUT"])
    app.add_route(f"{PREFIX}/{{judge_id}}", delete_judge, methods=["DELETE"])
    app.add_route(f"{PREFIX}/{{judge_id}}/live-judging", live_judging, methods=["POST"])
