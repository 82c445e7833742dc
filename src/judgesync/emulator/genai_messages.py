"""A span's GenAI messages → the chat messages of a conversation record.

The OpenTelemetry GenAI conventions (v1.37+) carry messages as JSON text:
`gen_ai.system_instructions` an array of parts, `gen_ai.input.messages` and
`gen_ai.output.messages` arrays of `{"role", "parts": [...]}`. Live judging reads
chat messages, `{"role", "content"}` with text content, so each message keeps its
role and its content is its text parts joined by newlines; a `tool_call_response`
part counts as text (its `response`, as JSON unless it is a string). Other parts
(tool calls, reasoning, blobs, files, URIs) carry no text a judge reads and are
left out. A message may also carry `content` as a string instead of `parts`, as
instrumentations older than v1.37 send it.
"""

from __future__ import annotations

import json
from typing import Any

from judgesync.emulator.span_fields import INPUT_MESSAGES, OUTPUT_MESSAGES

SYSTEM_INSTRUCTIONS = "gen_ai.system_instructions"


class NotAConversation(ValueError):
    """Why a span's messages cannot become chat messages."""


def chat_messages(system_text: str, input_text: str, output_text: str) -> list[dict[str, str]]:
    """The system instructions (as one `system` message), then the input, then the output
    messages; an empty text stands for an absent attribute."""
    messages: list[dict[str, str]] = []
    if system_text:
        parts = _json_array(SYSTEM_INSTRUCTIONS, system_text)
        messages.append({"role": "system", "content": _text_of(SYSTEM_INSTRUCTIONS, parts)})
    for attribute, text in ((INPUT_MESSAGES, input_text), (OUTPUT_MESSAGES, output_text)):
        if text:
            items = _json_array(attribute, text)
            messages += [_chat_message(f"{attribute}.{i}", item) for i, item in enumerate(items)]
    if not any(message["role"] != "system" for message in messages):
        raise NotAConversation(f"the span has no {INPUT_MESSAGES} or {OUTPUT_MESSAGES} messages")
    return messages


def _json_array(attribute: str, text: str) -> list[Any]:
    try:
        value = json.loads(text)
    except ValueError:
        raise NotAConversation(f"{attribute} is not JSON") from None
    if not isinstance(value, list):
        raise NotAConversation(f"{attribute} is not a JSON array")
    return value


def _chat_message(where: str, message: Any) -> dict[str, str]:
    if not isinstance(message, dict):
        raise NotAConversation(f"{where} is not an object")
    role = message.get("role")
    if not isinstance(role, str) or not role:
        raise NotAConversation(f"{where}.role is not a non-empty string")
    content = message.get("content")
    if "parts" not in message and isinstance(content, str):
        return {"role": role, "content": content}
    parts = message.get("parts")
    if not isinstance(parts, list):
        raise NotAConversation(f"{where}.parts is not an array")
    return {"role": role, "content": _text_of(f"{where}.parts", parts)}


def _text_of(where: str, parts: list[Any]) -> str:
    texts = []
    for index, part in enumerate(parts):
        if not isinstance(part, dict):
            raise NotAConversation(f"{where}.{index} is not an object")
        kind = part.get("type")
        if kind == "text" and isinstance(part.get("content"), str):
            texts.append(part["content"])
        elif kind == "tool_call_response" and "response" in part:
            response = part["response"]
            texts.append(response if isinstance(response, str) else json.dumps(response))
    return "\n".join(texts)
