"""Offline live judging: render the judge's instructions, answer deterministically.

No model is called. The answer is a pure function of the rendered prompt:
its SHA-256, read as a 256-bit integer `h`, picks option `h % len(options)`
of a classification judge, or the number `min + (h / 2**256) * (max - min)`
(rounded to 4 decimals, inside the range) for a regression judge. The same
judge and conversation always get the same answer; any change to the
instructions, messages or properties may change it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from judgesync.emulator.refusals import ApiRefusal
from judgesync.emulator.wire import Conversation, regression_range
from judgesync.specs import templates


def _last_content(messages: list[dict[str, Any]], role: str) -> str:
    for message in reversed(messages):
        if message["role"] == role:
            return str(message["content"])
    return ""


def _tool_names(messages: list[dict[str, Any]]) -> list[str]:
    """Tools seen in the conversation: assistant `tool_calls` and `tool` message names."""
    names: list[str] = []
    for message in messages:
        candidates = [message.get("name")] if message["role"] == "tool" else []
        calls = message.get("tool_calls")
        if isinstance(calls, list):
            for call in calls:
                function = call.get("function") if isinstance(call, dict) else None
                if isinstance(function, dict):
                    candidates.append(function.get("name"))
        names.extend(n for n in candidates if isinstance(n, str) and n not in names)
    return names


def answer_type_definition(output: Mapping[str, Any]) -> str:
    if output["type"] == "CLASSIFICATION":
        lines = ["Answer with exactly one of these values:"]
        lines += [f"- {option['value']}: {option['description']}" for option in output["options"]]
        return "\n".join(lines)
    low, high = regression_range(output)
    return (
        f"Answer with a number from {low:g} ({output['min_description']})"
        f" to {high:g} ({output['max_description']})."
    )


def template_variables(conversation: Conversation, output: Mapping[str, Any]) -> dict[str, Any]:
    messages = conversation.messages
    return {
        "conversation_history": messages,
        "user_message": _last_content(messages, "user"),
        "assistant_message": _last_content(messages, "assistant"),
        "system_prompt": next((m["content"] for m in messages if m["role"] == "system"), ""),
        "available_tools": _tool_names(messages),
        "answer_type_definition": answer_type_definition(output),
        "properties": conversation.properties,
    }


def judge(definition: Mapping[str, Any], conversation: Conversation) -> dict[str, Any]:
    """The `JudgeOutput` body for one conversation; refuses templates that fail to render."""
    output = definition["output"]
    try:
        prompt = templates.render(
            definition["instructions"], template_variables(conversation, output)
        )
    except Exception as error:  # a sandbox violation or any runtime error in the template
        raise ApiRefusal(
            400, "TEMPLATE_ERROR", f"The instructions failed to render: {error}"
        ) from None
    digest = hashlib.sha256(prompt.encode("utf-8", errors="surrogatepass")).hexdigest()
    pick = int(digest, 16)
    if output["type"] == "CLASSIFICATION":
        answer: str | float = output["options"][pick % len(output["options"])]["value"]
    else:
        low, high = regression_range(output)
        fraction = pick / 2**256
        # Weighted sum rather than low + f * (high - low): high - low can overflow to inf.
        answer = min(high, max(low, round(low * (1 - fraction) + high * fraction, 4)))
    return {
        "analysis": (
            "Emulated judgement: no model was called. The answer was picked from the "
            f"SHA-256 of the rendered instructions ({digest[:12]}…)."
        ),
        "answer": answer,
    }
