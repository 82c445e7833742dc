"""A span → the record an import writes: GenAI messages → chat messages, and the
mapping contract's value rule."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from judgesync.emulator.genai_messages import NotAConversation, chat_messages
from judgesync.emulator.span_import_wire import FieldMapping
from judgesync.emulator.span_records import OMITTED, mapped_value, span_record
from judgesync.emulator.spans_store import Position, StoredSpan


def parts(*texts: str) -> list[dict[str, str]]:
    return [{"type": "text", "content": text} for text in texts]


def test_text_parts_join_and_other_parts_are_left_out() -> None:
    system = json.dumps(parts("Be kind."))
    input_messages = json.dumps(
        [
            {"role": "user", "parts": parts("Hi", "there")},
            {
                "role": "tool",
                "parts": [{"type": "tool_call_response", "id": "1", "response": {"a": 1}}],
            },
        ]
    )
    output = json.dumps(
        [
            {
                "role": "assistant",
                "parts": [
                    {"type": "reasoning", "content": "hidden"},
                    {"type": "tool_call", "id": "2", "name": "f", "arguments": {}},
                    *parts("Hello."),
                ],
            }
        ]
    )
    assert chat_messages(system, input_messages, output) == [
        {"role": "system", "content": "Be kind."},
        {"role": "user", "content": "Hi\nthere"},
        {"role": "tool", "content": '{"a": 1}'},
        {"role": "assistant", "content": "Hello."},
    ]


def test_a_message_with_string_content_is_kept_as_it_is() -> None:
    legacy = json.dumps([{"role": "user", "content": "Hi"}])
    assert chat_messages("", legacy, "") == [{"role": "user", "content": "Hi"}]


@pytest.mark.parametrize(
    ("system", "input_messages", "output", "problem"),
    [
        ("", "[]", "", "has no gen_ai.input.messages or gen_ai.output.messages messages"),
        ("", "[1]", "", "gen_ai.input.messages.0 is not an object"),
        ("", '[{"parts": []}]', "", "gen_ai.input.messages.0.role is not a non-empty string"),
        ("", '[{"role": "user"}]', "", "gen_ai.input.messages.0.parts is not an array"),
        ("", '[{"role": "user", "parts": [1]}]', "", "gen_ai.input.messages.0.parts.0 is not"),
        ("", '[{"role": "user", "parts": []}]', "not json", "gen_ai.output.messages is not JSON"),
        ("{}", '[{"role": "user", "parts": []}]', "", "gen_ai.system_instructions is not a JSON"),
    ],
)
def test_messages_that_are_no_conversation_say_why(
    system: str, input_messages: str, output: str, problem: str
) -> None:
    with pytest.raises(NotAConversation, match=re.escape(problem)):
        chat_messages(system, input_messages, output)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (None, OMITTED),
        ("", OMITTED),
        ("   ", OMITTED),
        ("[]", OMITTED),
        ('{"a": [1]}', {"a": [1]}),
        ("[1, 2]", [1, 2]),
        ("{}", {}),
        ("42", "42"),
        ("true", "true"),
        ("null", "null"),
        ('"quoted"', '"quoted"'),
        ("{not json", "{not json"),
        ("en-GB", "en-GB"),
    ],
)
def test_mapped_values_follow_contract_v1(text: str | None, value: Any) -> None:
    if value is OMITTED:
        assert mapped_value(text) is OMITTED
    else:
        assert mapped_value(text) == value


@given(st.text())
def test_a_mapped_value_is_omitted_the_text_itself_or_a_structure(text: str) -> None:
    value = mapped_value(text)
    assert value is OMITTED or value == text or isinstance(value, dict | list)
    if isinstance(value, dict | list):
        assert value == json.loads(text) and value != []


def stored_span(**attributes: str) -> StoredSpan:
    body = {
        "trace_id": "ab" * 16,
        "span_id": "cd" * 8,
        "system_instructions": "",
        "input_messages": json.dumps([{"role": "user", "parts": parts("Hi")}]),
        "output_messages": "",
        "span_attributes": attributes,
        "resource_attributes": {"service.name": "bot"},
    }
    return StoredSpan(body=body, conversation_problem=None, position=Position(0, "", ""))


def test_a_record_carries_the_ids_and_the_mapped_attributes() -> None:
    mappings = (
        FieldMapping("properties", "locale", "span_attributes", "app.locale"),
        FieldMapping("payload", "service", "resource_attributes", "service.name"),
        FieldMapping("payload", "tags", "span_attributes", "app.tags"),
        FieldMapping("payload", "absent", "span_attributes", "no.such.key"),
    )
    record = span_record(stored_span(**{"app.locale": "fr", "app.tags": '["a"]'}), mappings)
    assert record.source == "TELEMETRY_SPAN"
    assert record.payload == {
        "messages": [{"role": "user", "content": "Hi"}],
        "service": "bot",
        "tags": ["a"],
    }
    assert record.properties == {"trace_id": "ab" * 16, "span_id": "cd" * 8, "locale": "fr"}


def test_a_span_stored_with_a_conversation_problem_is_no_record() -> None:
    span = stored_span()
    problem = StoredSpan(
        span.body, "the span has no gen_ai.input.messages attribute", span.position
    )
    with pytest.raises(NotAConversation, match=re.escape("no gen_ai.input.messages")):
        span_record(problem, ())
