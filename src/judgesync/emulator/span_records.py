"""A stored span and the mapping contract → the dataset record an import writes.

The payload is `{"messages": [...]}`, the span's conversation (genai_messages.py),
plus one key per mapping whose source has a value; the properties are the span's
`trace_id` and `span_id` plus the mappings into `properties.*`. Source values follow
the SDK's contract v1: a missing, blank or empty-array attribute omits the target
key; text holding a JSON object or a non-empty array becomes that structure; any
other text (scalar-looking or malformed JSON) stays the string it is.
"""

from __future__ import annotations

import json
from typing import Any

from judgesync.emulator.dataset_storage import NewRecord
from judgesync.emulator.genai_messages import NotAConversation, chat_messages
from judgesync.emulator.span_import_wire import (
    CONVERSATION_KEY,
    SPAN_ID_PROPERTY,
    TRACE_ID_PROPERTY,
    FieldMapping,
)
from judgesync.emulator.spans_store import StoredSpan

TELEMETRY_SPAN = "TELEMETRY_SPAN"
OMITTED = object()
"""What `mapped_value` answers for a source that omits its target key."""


def mapped_value(text: str | None) -> Any:
    """An attribute's text as the value a mapping writes, or `OMITTED`."""
    if text is None or not text.strip():
        return OMITTED
    try:
        value = json.loads(text)
    except ValueError:
        return text
    if value == []:
        return OMITTED
    return value if isinstance(value, dict | list) else text


def span_record(span: StoredSpan, mappings: tuple[FieldMapping, ...]) -> NewRecord:
    """The record for `span`; `NotAConversation` if the span holds no conversation."""
    if span.conversation_problem is not None:
        raise NotAConversation(span.conversation_problem)
    body = span.body
    messages = chat_messages(
        body["system_instructions"], body["input_messages"], body["output_messages"]
    )
    payload: dict[str, Any] = {CONVERSATION_KEY: messages}
    properties: dict[str, Any] = {
        TRACE_ID_PROPERTY: body["trace_id"],
        SPAN_ID_PROPERTY: body["span_id"],
    }
    for mapping in mappings:
        value = mapped_value(body[mapping.namespace].get(mapping.source_key))
        if value is not OMITTED:
            target = payload if mapping.target == "payload" else properties
            target[mapping.target_key] = value
    return NewRecord(payload=payload, properties=properties, source=TELEMETRY_SPAN)
