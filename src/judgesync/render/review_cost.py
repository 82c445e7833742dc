"""A run's judging cost (review/cost.py) as a line of text, of markdown, and as JSON.

The line goes to stderr before the first judging request (the text document,
read on the same terminal, does not repeat it); markdown and JSON documents
carry it too: JSON every judge, the line the first `_JUDGES_NAMED`.

    cost: {"requests": int, "input_tokens_estimate": int, "method": str,
           "judges": [{"name": str, "requests": int, "input_tokens_estimate": int,
                       "estimated": bool}]}
    (estimated false: sampled traffic, requests an upper bound, tokens 0)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from judgesync.render.markdown_text import escape, visible
from judgesync.review.cost import JudgeCost, JudgingCost

_JUDGES_NAMED = 10


def cost_line(cost: JudgingCost, name: Callable[[str], str] = str) -> str:
    """`Cost: 800 judging requests (tone: 800), about 96,000 input tokens (…).`"""
    shown = [_judge_part(judge, name) for judge in cost.judges[:_JUDGES_NAMED]]
    if len(cost.judges) > _JUDGES_NAMED:
        shown.append(f"{len(cost.judges) - _JUDGES_NAMED} more judge(s)")
    per_judge = f" ({', '.join(shown)})" if shown else ""
    unread = any(not judge.estimated for judge in cost.judges)
    at_most = "at most " if unread else ""
    tokens = f"{cost.input_tokens:,} input tokens (estimated as {cost.method}"
    tokens += "; sampled traffic not counted until it is read)" if unread else ")"
    return f"Cost: {at_most}{cost.requests:,} judging request(s){per_judge}, about {tokens}."


def _judge_part(judge: JudgeCost, name: Callable[[str], str]) -> str:
    if judge.estimated:
        return f"{name(judge.name)}: {judge.requests:,}"
    return f"{name(judge.name)} traffic: at most {judge.requests:,}"


def cost_markdown(cost: JudgingCost | None) -> list[str]:
    return [] if cost is None else [cost_line(cost, lambda n: escape(visible(n))), ""]


def cost_document(cost: JudgingCost | None) -> dict[str, Any] | None:
    if cost is None:
        return None
    return {
        "requests": cost.requests,
        "input_tokens_estimate": cost.input_tokens,
        "method": cost.method,
        "judges": [
            {
                "name": judge.name,
                "requests": judge.requests,
                "input_tokens_estimate": judge.input_tokens,
                "estimated": judge.estimated,
            }
            for judge in cost.judges
        ],
    }
