"""Spans in and out: the OTLP/HTTP receiver and `spans/search`.

`POST /v1/traces` answers as an OpenTelemetry collector does: 200 with an
ExportTraceServiceResponse in the request's encoding (`partial_success` counts
the spans it rejected), 400 for a body that does not parse, 415 for another
content type or encoding, 413 past the body limit. Its errors carry the
emulator's usual JSON error body; OTLP exporters read only the status.
Both endpoints authenticate and inject faults as the judge endpoints do.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from judgesync.emulator import otlp
from judgesync.emulator.refusals import ApiRefusal
from judgesync.emulator.request_io import caller, read_body
from judgesync.emulator.span_fields import span_fields
from judgesync.emulator.spans_wire import encode_cursor, parse_span_search
from judgesync.emulator.traceql import matches

TRACES_PATH = "/v1/traces"
SEARCH_PATH = "/v1/observability/spans/search"


async def receive_traces(request: Request) -> Response:
    emulator, workspace = await caller(request)
    try:
        kind = otlp.media_type(request.headers.get("content-type"))
        encoded = await read_body(request)
        raw = otlp.decompressed(
            encoded, request.headers.get("content-encoding"), otlp.MAX_EXPORT_BYTES
        )
        export = otlp.parse_export(raw, kind)
    except otlp.UnsupportedEncoding as error:
        raise ApiRefusal(415, None, str(error)) from None
    except otlp.ExportTooLarge as error:
        raise ApiRefusal(413, None, str(error)) from None
    except otlp.MalformedExport as error:
        raise ApiRefusal(400, None, str(error)) from None
    emulator.spans.add(
        workspace.workspace_id, [span_fields(span, workspace.workspace_id) for span in export.spans]
    )
    return Response(otlp.response_body(kind, export.rejected), 200, media_type=kind)


async def search_spans(request: Request) -> JSONResponse:
    emulator, workspace = await caller(request)
    params = {key: request.query_params.getlist(key) for key in request.query_params}
    search = parse_span_search(params, await read_body(request), emulator.settings.max_page_size)
    expression = search.expression
    found, more = emulator.spans.search(
        workspace.workspace_id,
        search.window,
        lambda span, resource: matches(expression, span, resource),
        search.page_size,
    )
    # The SDK's FeedResult names both `next` and `cursor`; both carry the next page's cursor.
    following = encode_cursor(found[-1].position) if more else None
    page: dict[str, Any] = {
        "results": [span.body for span in found],
        "next": following,
        "cursor": following,
    }
    return JSONResponse({"spans": page})


def add_routes(app: FastAPI) -> None:
    """Plain Starlette routes, as the judge endpoints are (routes.add_routes says why)."""
    app.add_route(TRACES_PATH, receive_traces, methods=["POST"])
    app.add_route(SEARCH_PATH, search_spans, methods=["POST"])
