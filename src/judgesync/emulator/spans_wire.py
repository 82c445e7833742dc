"""A `spans/search` request → a validated `SpanSearch`; positions ↔ opaque cursors.

As SDK 3.7.0 sends it: `from`, `to`, `page_size` and `cursor` are query
parameters, and the JSON body holds only `search_expression`. Everything here
raises `ApiRefusal` (422 VALIDATION_ERROR) for bad input.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from judgesync.emulator import traceql
from judgesync.emulator.refusals import validation_error
from judgesync.emulator.spans_store import Position, SpanWindow
from judgesync.emulator.wire import DEFAULT_PAGE_SIZE, parse_json, positive_int

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_QUERY_ONLY = ("from", "to", "page_size", "cursor")


@dataclass(frozen=True)
class SpanSearch:
    window: SpanWindow
    expression: traceql.Expression
    page_size: int


def parse_span_search(
    params: Mapping[str, Sequence[str]], raw_body: bytes, max_page_size: int
) -> SpanSearch:
    """The search a request asks for; a page_size above the maximum is clamped to it."""
    start_from = _unix_nano("from", params.get("from", ()))
    start_before = _unix_nano("to", params.get("to", ()))
    if start_from is not None and start_before is not None and start_from > start_before:
        raise validation_error("from: must not be later than to.")
    cursors = params.get("cursor", ())
    after = decode_cursor(cursors[-1]) if cursors and cursors[-1] else None
    page_size = min(
        positive_int("page_size", params.get("page_size", ()), DEFAULT_PAGE_SIZE), max_page_size
    )
    return SpanSearch(
        window=SpanWindow(start_from, start_before, after),
        expression=_expression(raw_body),
        page_size=page_size,
    )


def _expression(raw_body: bytes) -> traceql.Expression:
    body = parse_json(raw_body) if raw_body.strip() else {}
    if not isinstance(body, dict):
        raise validation_error("The request body must be a JSON object.")
    misplaced = sorted(set(body) & set(_QUERY_ONLY))
    if misplaced:
        raise validation_error(
            f"{', '.join(misplaced)}: send as query parameters (as the SDK does), not in the body."
        )
    unknown = sorted(set(body) - {"search_expression"})
    if unknown:
        raise validation_error(
            f"{', '.join(unknown)}: unknown field; the body holds only search_expression."
        )
    text = body.get("search_expression")
    if text is not None and not isinstance(text, str):
        raise validation_error("search_expression: must be a string or null.")
    try:
        return traceql.parse(text)
    except traceql.ExpressionError as error:
        raise validation_error(
            f"search_expression: {error}; the emulator understands"
            ' { span.<key> = "value" } and { resource.<key> != "value" } joined by &&, ||'
            " and parentheses (docs/emulator.md, Spans)."
        ) from None


def _unix_nano(name: str, values: Sequence[str]) -> int | None:
    """An ISO-8601 date-time parameter as nanoseconds since the epoch; naive means UTC."""
    if not values or not values[-1]:
        return None
    try:
        moment = datetime.fromisoformat(values[-1])
    except ValueError:
        raise validation_error(f"{name}: {values[-1]!r} is not an ISO-8601 date-time.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // timedelta(microseconds=1) * 1000


def encode_cursor(position: Position) -> str:
    text = json.dumps([position.start_ns, position.trace_id, position.span_id])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Position:
    refusal = validation_error(
        "cursor: not a cursor this emulator returned; start again without one."
    )
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        start_ns, trace_id, span_id = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, TypeError, binascii.Error):
        raise refusal from None
    if not (isinstance(start_ns, int) and isinstance(trace_id, str) and isinstance(span_id, str)):
        raise refusal
    return Position(start_ns, trace_id, span_id)
