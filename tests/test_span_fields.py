"""How a received span's GenAI attributes become GetSpan fields (pure, no server)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mistralai.client.models import GetSpan

from judgesync.emulator.otlp import ReceivedSpan
from judgesync.emulator.span_fields import as_text, iso_time, span_fields

WORKSPACE = "00000000-0000-0000-0000-000000000001"
SPAN = ReceivedSpan(
    trace_id="5b8efff798038103d269b633813fc60c",
    span_id="eee19b7ec3c1b174",
    parent_span_id="",
    trace_state="",
    name="chat",
    kind="SPAN_KIND_CLIENT",
    start_time_unix_nano=1_767_225_600_123_456_789,
    end_time_unix_nano=1_767_225_601_000_000_000,
    status_code="Unset",
    status_message="",
    scope_name="app",
    scope_version="1",
    attributes={},
    resource_attributes={"service.name": "support-bot"},
)


def fields(**attributes: Any) -> dict[str, Any]:
    return span_fields(replace(SPAN, attributes=attributes), WORKSPACE).body


def test_the_body_is_a_valid_getspan_of_the_sdk_even_without_genai_attributes() -> None:
    body = fields()
    span = GetSpan.model_validate(body)
    assert span.workspace_id == WORKSPACE
    assert span.service_name == "support-bot"
    assert span.request_model == "" and span.usage_input_tokens == 0
    assert span.request_temperature is None and span.response_finish_reasons == []
    assert body["start_time"] == "2026-01-01T00:00:00.123456Z"
    assert body["duration_ns"] == 876_543_211


@pytest.mark.parametrize(
    ("attributes", "field", "expected"),
    [
        ({"gen_ai.provider.name": "mistral_ai"}, "provider_name", "mistral_ai"),
        ({"gen_ai.system": "openai"}, "provider_name", "openai"),
        ({"gen_ai.provider.name": "a", "gen_ai.system": "b"}, "provider_name", "a"),
        ({"gen_ai.usage.input_tokens": 5}, "usage_input_tokens", 5),
        ({"gen_ai.usage.input_tokens": "5"}, "usage_input_tokens", 5),
        ({"gen_ai.usage.input_tokens": "five"}, "usage_input_tokens", 0),
        ({"gen_ai.usage.input_tokens": True}, "usage_input_tokens", 0),
        ({"gen_ai.request.temperature": 1}, "request_temperature", 1.0),
        ({"gen_ai.request.temperature": "hot"}, "request_temperature", None),
        ({"gen_ai.request.stop_sequences": ["\n", "END"]}, "request_stop_sequences", ["\n", "END"]),
        ({"gen_ai.request.stop_sequences": "END"}, "request_stop_sequences", []),
        ({"gen_ai.system_instructions": [1, "x"]}, "system_instructions", '[1,"x"]'),
        ({"gen_ai.conversation.id": 7}, "conversation_id", "7"),
        ({"error.type": "timeout"}, "error_type", "timeout"),
    ],
)
def test_genai_attributes_fill_their_fields(
    attributes: dict[str, Any], field: str, expected: Any
) -> None:
    assert fields(**attributes)[field] == expected


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("x", "x"),
        (True, "true"),
        (False, "false"),
        (12, "12"),
        (0.5, "0.5"),
        (["a", 1], '["a",1]'),
        ({"k": "é"}, '{"k":"é"}'),
    ],
)
def test_attribute_values_are_kept_as_text(value: Any, text: str) -> None:
    assert as_text(value) == text
    assert fields(key=value)["span_attributes"] == {"key": text}


@given(st.integers(min_value=0, max_value=2**64 - 1))
def test_iso_time_keeps_the_microseconds(unix_nano: int) -> None:
    text = iso_time(unix_nano)
    assert text.endswith("Z")
    assert text[-7:-1] == f"{unix_nano // 1000 % 1_000_000:06d}"
