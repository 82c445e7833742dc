"""Live judging's two halves: render the judge's instructions, and the hash rule's verdict.

`render_instructions` runs in a worker process with a time and memory budget
(judging_pool.py) and refuses templates that fail (TEMPLATE_ERROR), as the
service would. Its text is the prompt when a model judges (model_judging.py);
without a model, `hash_verdict` answers and no model is called. That answer is a pure function of
what a verdict may depend on: the judge's instructions and output (options, or
range and its descriptions) and the conversation's messages and properties,
whether or not the template reads them. Their SHA-256 (of canonical JSON), read
as a 256-bit integer `h`, picks option `h % len(options)` of a classification
judge, or the number `min + (h / 2**256) * (max - min)` (rounded to 4 decimals,
inside the range) for a regression judge. The same judge and conversation
always get the same answer; editing the judge or the conversation may change it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from judgesync.emulator.limits import RENDER_MEMORY_BYTES
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


def template_error(message: str) -> ApiRefusal:
    return ApiRefusal(400, "TEMPLATE_ERROR", message)


def verdict_digest(definition: Mapping[str, Any], conversation: Conversation) -> str:
    """SHA-256 of everything a verdict depends on, as canonical JSON (sorted keys)."""
    judged = {
        "instructions": definition["instructions"],
        "output": definition["output"],
        "messages": conversation.messages,
        "properties": conversation.properties,
    }
    canonical = json.dumps(judged, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", errors="surrogatepass")).hexdigest()


def render_instructions(definition: Mapping[str, Any], conversation: Conversation) -> str:
    """The judge's instructions rendered for one conversation; refuses templates that fail."""
    try:
        return templates.render(
            definition["instructions"], template_variables(conversation, definition["output"])
        )
    except MemoryError:
        # Raised by the worker's address-space cap (judging_worker.py).
        raise template_error(
            f"The instructions need more than {RENDER_MEMORY_BYTES // 2**20} MiB to render;"
            " build smaller strings and lists."
        ) from None
    except Exception as error:  # a sandbox violation or any runtime error in the template
        raise template_error(f"The instructions failed to render: {error}") from None


def hash_verdict(definition: Mapping[str, Any], conversation: Conversation) -> dict[str, Any]:
    """The hash rule's `JudgeOutput` body: no model is called."""
    output = definition["output"]
    digest = verdict_digest(definition, conversation)
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
            "Emulated verdict: no model was called, and the answer says nothing about"
            " quality. It was derived from the SHA-256 of the judge's instructions and"
            f" output and the conversation's messages and properties ({digest[:12]}…)."
        ),
        "answer": answer,
    }
