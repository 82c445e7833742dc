"""OTLP/HTTP trace export bodies → plain spans, with the OpenTelemetry project's own
`opentelemetry-proto` messages doing the parsing.

Two encodings (OTLP specification, "OTLP/HTTP"): binary protobuf
(`application/x-protobuf`) and OTLP/JSON (`application/json`), either one
optionally gzip-compressed. OTLP/JSON is protobuf's JSON mapping with one
exception: trace and span ids are hex strings, not base64, so they are turned
into base64 before `json_format.Parse` reads the rest (unknown fields ignored,
as the specification asks of receivers).

A span with an invalid trace or span id (wrong length, all zeros) is not
stored but counted as rejected, for the answer's `partial_success`.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, InstrumentationScope, KeyValue
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
# The body on the wire is bounded as every route's is; what it inflates to, by this.
# An SDK's batch of 512 GenAI spans with their messages passes 1 MiB, compressed or not.
MAX_EXPORT_BYTES = 16 * 1024 * 1024

_TRACE_ID_BYTES = 16
_SPAN_ID_BYTES = 8
# The id fields of OTLP/JSON, in lowerCamelCase and in the proto's own names.
_ID_FIELDS = ("traceId", "spanId", "parentSpanId", "trace_id", "span_id", "parent_span_id")
_STATUS_CODES = {
    Status.STATUS_CODE_UNSET: "Unset",
    Status.STATUS_CODE_OK: "Ok",
    Status.STATUS_CODE_ERROR: "Error",
}


class UnsupportedEncoding(ValueError):
    """A content type or content encoding that OTLP/HTTP does not define (415)."""


class MalformedExport(ValueError):
    """A body that does not parse as an ExportTraceServiceRequest (400)."""


class ExportTooLarge(ValueError):
    """A body that decompresses past the size limit (413)."""


@dataclass(frozen=True)
class ReceivedSpan:
    """One span as received: hex ids, nanosecond times, attribute values as plain Python
    (str, bool, int, float, lists and dicts of those; bytes as base64 text)."""

    trace_id: str
    span_id: str
    parent_span_id: str
    trace_state: str
    name: str
    kind: str
    start_time_unix_nano: int
    end_time_unix_nano: int
    status_code: str
    status_message: str
    scope_name: str
    scope_version: str
    attributes: dict[str, Any]
    resource_attributes: dict[str, Any]


@dataclass(frozen=True)
class Export:
    spans: list[ReceivedSpan]
    rejected: int


def media_type(content_type: str | None) -> str:
    """The encoding a Content-Type names; refuses what OTLP/HTTP does not define."""
    kind = (content_type or "").partition(";")[0].strip().lower()
    if kind not in (PROTOBUF, JSON):
        raise UnsupportedEncoding(
            f"Send OTLP traces as {PROTOBUF} or {JSON}, not {content_type or 'no content type'!r}."
        )
    return kind


def decompressed(body: bytes, content_encoding: str | None, limit: int) -> bytes:
    """The body without its Content-Encoding (none or gzip), at most `limit` bytes."""
    encoding = (content_encoding or "identity").strip().lower()
    if encoding == "identity":
        return body
    if encoding != "gzip":
        raise UnsupportedEncoding(
            f"Content-Encoding {content_encoding!r} is not supported; use gzip."
        )
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        inflated = inflater.decompress(body, limit + 1)
    except zlib.error as error:
        raise MalformedExport(f"The gzip body does not decompress: {error}.") from None
    if len(inflated) > limit or inflater.unconsumed_tail:
        raise ExportTooLarge(f"The decompressed body is larger than {limit} bytes.")
    if not inflater.eof:
        raise MalformedExport("The gzip body is truncated.")
    return inflated


def parse_export(body: bytes, kind: str) -> Export:
    request = ExportTraceServiceRequest()
    try:
        if kind == PROTOBUF:
            request.ParseFromString(body)
        else:
            document = json.loads(body)
            if not isinstance(document, dict):
                raise MalformedExport("an OTLP/JSON body is a JSON object")
            _hex_ids_to_base64(document, "$")
            json_format.ParseDict(document, request, ignore_unknown_fields=True)
    except (DecodeError, json_format.ParseError, ValueError, RecursionError) as error:
        raise MalformedExport(
            f"The body is not an OTLP ExportTraceServiceRequest: {error}"
        ) from None
    spans: list[ReceivedSpan] = []
    rejected = 0
    for span, scope, resource in _spans(request):
        if _valid_id(span.trace_id, _TRACE_ID_BYTES) and _valid_id(span.span_id, _SPAN_ID_BYTES):
            spans.append(_received(span, scope, resource))
        else:
            rejected += 1
    return Export(spans, rejected)


def response_body(kind: str, rejected: int) -> bytes:
    """The collector's answer: an ExportTraceServiceResponse, in the request's encoding."""
    response = ExportTraceServiceResponse()
    if rejected:
        response.partial_success.rejected_spans = rejected
        response.partial_success.error_message = (
            f"{rejected} span(s) rejected: a trace_id must be 16 bytes and a span_id 8 bytes,"
            " not all zero."
        )
    if kind == PROTOBUF:
        return response.SerializeToString()
    return json_format.MessageToJson(response, indent=None).encode()


def _hex_ids_to_base64(node: Any, path: str) -> None:
    """OTLP/JSON's hex ids, everywhere they occur (spans and links), as protobuf's JSON
    mapping reads bytes."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            _hex_ids_to_base64(item, f"{path}[{index}]")
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in _ID_FIELDS and isinstance(value, str):
                try:
                    node[key] = base64.b64encode(bytes.fromhex(value)).decode()
                except ValueError:
                    raise MalformedExport(
                        f"{path}.{key} must be a hex string (OTLP/JSON), not {value[:40]!r}."
                    ) from None
            else:
                _hex_ids_to_base64(value, f"{path}.{key}")


def _spans(
    request: ExportTraceServiceRequest,
) -> Iterator[tuple[Span, InstrumentationScope, Resource]]:
    for resource_spans in request.resource_spans:
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                yield span, scope_spans.scope, resource_spans.resource


def _valid_id(raw: bytes, size: int) -> bool:
    return len(raw) == size and any(raw)


def _received(span: Span, scope: InstrumentationScope, resource: Resource) -> ReceivedSpan:
    return ReceivedSpan(
        trace_id=span.trace_id.hex(),
        span_id=span.span_id.hex(),
        parent_span_id=span.parent_span_id.hex(),
        trace_state=span.trace_state,
        name=span.name,
        kind=Span.SpanKind.Name(span.kind) if span.kind in Span.SpanKind.values() else "",
        start_time_unix_nano=span.start_time_unix_nano,
        end_time_unix_nano=span.end_time_unix_nano,
        status_code=_STATUS_CODES.get(span.status.code, "Unset"),
        status_message=span.status.message,
        scope_name=scope.name,
        scope_version=scope.version,
        attributes=_attributes(span.attributes),
        resource_attributes=_attributes(resource.attributes),
    )


def _attributes(pairs: Iterable[KeyValue]) -> dict[str, Any]:
    return {pair.key: _native(pair.value) for pair in pairs}


def _native(value: AnyValue) -> Any:
    match value.WhichOneof("value"):
        case "string_value":
            return value.string_value
        case "bool_value":
            return value.bool_value
        case "int_value":
            return value.int_value
        case "double_value":
            return value.double_value
        case "bytes_value":
            return base64.b64encode(value.bytes_value).decode()
        case "array_value":
            return [_native(item) for item in value.array_value.values]
        case "kvlist_value":
            return {pair.key: _native(pair.value) for pair in value.kvlist_value.values}
    return None
