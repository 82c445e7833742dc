"""The prompt of one live judgement: a judge's instructions rendered with the
platform's variables (the API contract's list, `templates.PLATFORM_VARIABLES`).

One rule for both sides: the emulator renders it to judge (emulator/judging.py),
and judgesync renders it to estimate a run's cost before sending anything
(review/cost.py). `answer_type_definition` is the emulator's wording of the
options or range; the platform's own wording is not public.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from judgesync.specs import templates

# The SDK's defaults for a regression range whose ends are not sent.
DEFAULT_REGRESSION_MIN = 0.0
DEFAULT_REGRESSION_MAX = 1.0


def regression_range(output: Mapping[str, Any]) -> tuple[float, float]:
    low = output.get("min")
    high = output.get("max")
    return (
        DEFAULT_REGRESSION_MIN if low is None else float(low),
        DEFAULT_REGRESSION_MAX if high is None else float(high),
    )


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


def _last_content(messages: Sequence[Mapping[str, Any]], role: str) -> str:
    for message in reversed(messages):
        if message["role"] == role:
            return str(message["content"])
    return ""


def _tool_names(messages: Sequence[Mapping[str, Any]]) -> list[str]:
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


def platform_variables(
    messages: Sequence[Mapping[str, Any]], properties: Mapping[str, Any], output: Mapping[str, Any]
) -> dict[str, Any]:
    """The variables the platform gives a judge's template for one conversation."""
    return {
        "conversation_history": messages,
        "user_message": _last_content(messages, "user"),
        "assistant_message": _last_content(messages, "assistant"),
        "system_prompt": next((m["content"] for m in messages if m["role"] == "system"), ""),
        "available_tools": _tool_names(messages),
        "answer_type_definition": answer_type_definition(output),
        "properties": properties,
    }


def render_prompt(
    instructions: str,
    output: Mapping[str, Any],
    messages: Sequence[Mapping[str, Any]],
    properties: Mapping[str, Any],
) -> str:
    """The instructions rendered for one conversation (Jinja2's sandbox; its errors raise)."""
    return templates.render(instructions, platform_variables(messages, properties, output))
