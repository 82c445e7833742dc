"""A received span → the fields of the SDK's `GetSpan`, from the OpenTelemetry GenAI
semantic conventions.

Every field `GetSpan` requires is present: a GenAI attribute fills its field
when the span has it with a usable type, otherwise the field keeps its zero
value ("" / 0 / [] / null) and the attribute stays in `span_attributes`, where
every span and resource attribute is kept as text (strings as they are,
booleans `true`/`false`, numbers in decimal, arrays and maps as compact JSON).

`conversation_problem` says why the span cannot become a conversation record
(no `gen_ai.input.messages`, or text that is not a JSON array): the span is
stored and searchable all the same, and an import from spans skips and counts it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from judgesync.emulator.otlp import ReceivedSpan

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
INPUT_MESSAGES = "gen_ai.input.messages"
OUTPUT_MESSAGES = "gen_ai.output.messages"

# GetSpan text fields and the attribute each comes from (semantic conventions v1.37+).
_TEXT_FIELDS = {
    "operation_name": "gen_ai.operation.name",
    "provider_name": "gen_ai.provider.name",
    "request_model": "gen_ai.request.model",
    "response_model": "gen_ai.response.model",
    "response_id": "gen_ai.response.id",
    "output_type": "gen_ai.output.type",
    "conversation_id": "gen_ai.conversation.id",
    "data_source_id": "gen_ai.data_source.id",
    "agent_id": "gen_ai.agent.id",
    "agent_name": "gen_ai.agent.name",
    "agent_version": "gen_ai.agent.version",
    "agent_description": "gen_ai.agent.description",
    "tool_name": "gen_ai.tool.name",
    "tool_type": "gen_ai.tool.type",
    "tool_call_id": "gen_ai.tool.call.id",
    "input_messages": INPUT_MESSAGES,
    "output_messages": OUTPUT_MESSAGES,
    "system_instructions": "gen_ai.system_instructions",
    "tool_definitions": "gen_ai.tool.definitions",
    "tool_call_arguments": "gen_ai.tool.call.arguments",
    "tool_call_result": "gen_ai.tool.call.result",
    "error_type": "error.type",
    "user_id": "user.id",
}
# Before v1.37 the provider was `gen_ai.system`; instrumentations still send it.
_LEGACY_PROVIDER = "gen_ai.system"
_INTEGER_FIELDS = {
    "request_choice_count": "gen_ai.request.choice.count",
    "request_max_tokens": "gen_ai.request.max_tokens",
    "request_seed": "gen_ai.request.seed",
    "usage_input_tokens": "gen_ai.usage.input_tokens",
    "usage_output_tokens": "gen_ai.usage.output_tokens",
    "usage_cache_read_input_tokens": "gen_ai.usage.cache_read.input_tokens",
    "usage_cache_creation_input_tokens": "gen_ai.usage.cache_creation.input_tokens",
}
_NUMBER_FIELDS = {
    "request_temperature": "gen_ai.request.temperature",
    "request_top_p": "gen_ai.request.top_p",
    "request_top_k": "gen_ai.request.top_k",
    "request_presence_penalty": "gen_ai.request.presence_penalty",
    "request_frequency_penalty": "gen_ai.request.frequency_penalty",
}
_LIST_FIELDS = {
    "request_stop_sequences": "gen_ai.request.stop_sequences",
    "request_encoding_formats": "gen_ai.request.encoding_formats",
    "response_finish_reasons": "gen_ai.response.finish_reasons",
}


@dataclass(frozen=True)
class SpanFields:
    """What the store keeps of a span: its `GetSpan` body and the import's verdict on it."""

    body: dict[str, Any]
    conversation_problem: str | None
    start_time_unix_nano: int


def as_text(value: Any) -> str:
    """An attribute value as the text `span_attributes` holds and searches compare."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def iso_time(unix_nano: int) -> str:
    """Nanoseconds since the epoch as UTC ISO-8601 with microseconds (as judges' times)."""
    # Integer arithmetic: a float of seconds loses microseconds on today's timestamps.
    moment = _EPOCH + timedelta(microseconds=unix_nano // 1000)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def span_fields(span: ReceivedSpan, workspace_id: str) -> SpanFields:
    attributes = span.attributes
    resource = span.resource_attributes
    body: dict[str, Any] = {
        "customer_id": "",
        "organization_id": "",
        "workspace_id": workspace_id,
        "trace_id": span.trace_id,
        "span_id": span.span_id,
        "parent_span_id": span.parent_span_id,
        "trace_state": span.trace_state,
        "start_time": iso_time(span.start_time_unix_nano),
        "end_time": iso_time(span.end_time_unix_nano),
        "duration_ns": max(0, span.end_time_unix_nano - span.start_time_unix_nano),
        "span_name": span.name,
        "span_kind": span.kind,
        "service_name": _text(resource.get("service.name")),
        "status_code": span.status_code,
        "status_message": span.status_message,
        "workflow_name": "",
        "prompt_name": "",
    }
    for field, key in _TEXT_FIELDS.items():
        body[field] = _text(attributes.get(key))
    if not body["provider_name"]:
        body["provider_name"] = _text(attributes.get(_LEGACY_PROVIDER))
    for field, key in _INTEGER_FIELDS.items():
        body[field] = _integer(attributes.get(key))
    for field, key in _NUMBER_FIELDS.items():
        body[field] = _number(attributes.get(key))
    for field, key in _LIST_FIELDS.items():
        body[field] = _strings(attributes.get(key))
    body["span_attributes"] = {key: as_text(value) for key, value in attributes.items()}
    body["resource_attributes"] = {key: as_text(value) for key, value in resource.items()}
    body["scope_name"] = span.scope_name
    body["scope_version"] = span.scope_version
    return SpanFields(
        body, _conversation_problem(attributes.get(INPUT_MESSAGES)), span.start_time_unix_nano
    )


def _text(value: Any) -> str:
    return "" if value is None else as_text(value)


def _integer(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return 0


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _strings(value: Any) -> list[str]:
    if isinstance(value, list):
        return [as_text(item) for item in value]
    return []


def _conversation_problem(messages: Any) -> str | None:
    if messages is None:
        return f"the span has no {INPUT_MESSAGES} attribute"
    if not isinstance(messages, str):
        return f"{INPUT_MESSAGES} is not JSON text"
    try:
        parsed = json.loads(messages)
    except ValueError:
        return f"{INPUT_MESSAGES} is not JSON"
    if not isinstance(parsed, list):
        return f"{INPUT_MESSAGES} is not a JSON array of messages"
    return None
