"""Markdown text that no judge name or message can break, and lists cut to fit.

Names go inside `<code>` with markdown's active characters as entities, so
none can break a table, close a fence, ping a user or inject HTML; control
characters (ANSI colour codes among them) are shown as escapes, never emitted.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable

from judgesync.plan.planner import ActionKind

GITHUB_COMMENT_LIMIT = 65_536
# Below GitHub's limit, with room for what a workflow adds around the text.
DEFAULT_LIMIT = 65_000
# Below this a plan's head, table and notice cannot be promised to fit.
MIN_LIMIT = 2_000
_NAME_WIDTH = 100
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
# Characters markdown would act on inside a table cell or <code>; entities show them as text.
_ENTITIES = {ord(c): f"&#{ord(c)};" for c in "|`*_[]\\~"}


def fit(
    items: list[str], room: int, more: Callable[[int], str], separator: str = "\n"
) -> list[str]:
    """The leading items that fit in `room`, then a line saying how many were left out."""
    if len(separator.join(items)) <= room:
        return items
    kept: list[str] = []
    used = 0
    reserve = len(more(len(items))) + len(separator)
    for item in items:
        if used + len(item) + len(separator) + reserve > room:
            break
        kept.append(item)
        used += len(item) + len(separator)
    return [*kept, more(len(items) - len(kept))]


def code(text: str) -> str:
    """Inline code that no name can break out of: HTML, table pipes, backticks, mentions."""
    return f"<code>{escape(clip(visible(text), _NAME_WIDTH))}</code>"


def escape(text: str) -> str:
    # Entities are decoded after markdown parsing, so they render as the character itself.
    return html.escape(text, quote=False).translate(_ENTITIES)


def visible(text: str) -> str:
    """Control characters (ANSI escapes among them) shown as escapes, never emitted."""
    return _CONTROL.sub(lambda match: json.dumps(match.group())[1:-1], text)


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


VERBS = {
    ActionKind.CREATE: "+ create",
    ActionKind.UPDATE: "~ update",
    ActionKind.DELETE: "- delete",
}
