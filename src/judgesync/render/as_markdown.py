"""Markdown for a pull-request comment or `$GITHUB_STEP_SUMMARY` (`--format markdown`).

A plan renders as a hidden marker (a workflow finds and updates its own
comment by it), the summary, a table (action, judge, fields changed), then one
collapsible `<details>` per judge holding a diff fence. GitHub refuses
comments over 65,536 characters, so the text always fits in `limit`: when the
whole plan does not, short diffs stay whole, long ones are cut to a fair share
of the room left, and the text says where the complete plan is.

Judge names and messages are escaped so that no name can break the table,
close a fence, ping a user or inject HTML; control characters (ANSI colour
codes among them) are shown as escapes, never emitted.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Sequence

from judgesync.plan.executor import Outcome, Report
from judgesync.plan.normalize import canonical, flatten
from judgesync.plan.planner import Action, ActionKind, FieldChange, Plan
from judgesync.render.as_text import (
    is_multiline,
    report_summary,
    show_value,
    summary,
    text_diff,
)

PLAN_MARKER = "<!-- judgesync-plan -->"
REPORT_MARKER = "<!-- judgesync-apply -->"
GITHUB_COMMENT_LIMIT = 65_536
# Below GitHub's limit, with room for what a workflow adds around the plan.
DEFAULT_LIMIT = 65_000
# Below this a plan's head, table and notice cannot be promised to fit.
MIN_LIMIT = 2_000

_MARKS = {
    Outcome.DONE: "ok",
    Outcome.FAILED: "**FAILED**",
    Outcome.NOT_STARTED: "not started",
    Outcome.UNKNOWN: "**UNKNOWN**",
}
_VERBS = {
    ActionKind.CREATE: "+ create",
    ActionKind.UPDATE: "~ update",
    ActionKind.DELETE: "- delete",
}
_TRUNCATED_NOTICE = (
    "> [!NOTE]\n"
    "> This plan is too long for one comment: {detail}."
    " To see everything, download the plan artifact of this workflow run"
    " (`judgesync show plan.json` prints it) or run `judgesync plan` locally."
)
# Room kept for the notice whatever numbers it ends up holding.
_NOTICE_RESERVE = len(_TRUNCATED_NOTICE) + 200
# Shares of the room after the head: the table, then each list of names.
_TABLE_SHARE, _LIST_SHARE = 0.6, 0.05
# A judge's details get at least this much room, or are left out (the table still names it).
_MIN_SECTION = 1_000
_NAME_WIDTH = 100
_FIELDS_SHOWN = 5
_MESSAGE_WIDTH = 1_000
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
_BACKTICK_RUN = re.compile(r"`+")
# Characters markdown would act on inside a table cell or <code>; entities show them as text.
_ENTITIES = {ord(c): f"&#{ord(c)};" for c in "|`*_[]\\~"}


def render_plan(plan: Plan, target: str, limit: int = DEFAULT_LIMIT) -> str:
    """The plan as GitHub markdown, never longer than `limit` characters."""
    if limit < MIN_LIMIT:
        raise ValueError(f"limit must be at least {MIN_LIMIT} characters, got {limit}")
    head = _plan_head(plan, target)
    changes = plan.changes
    rows = [_row(action) for action in changes]
    sections = [_section(action, _diff_lines(action)) for action in changes]
    overrides = [
        f"{_code(o.judge)} ({_code(o.original)} → {_code(o.replacement)})"
        for o in plan.model_overrides
    ]
    unmanaged = [_code(judge.name) for judge in plan.unmanaged]
    whole = _assemble(
        head, "", _overrides_block(overrides), rows, sections, _unmanaged_block(unmanaged, plan)
    )
    if len(whole) <= limit:
        return whole

    room = limit - len(head) - _NOTICE_RESERVE
    kept_rows = _fit(rows, int(room * _TABLE_SHARE), _more_rows)
    list_room = int(room * _LIST_SHARE)
    overrides_block = _overrides_block(_fit(overrides, list_room, _more_names, ", "))
    unmanaged_block = _unmanaged_block(_fit(unmanaged, list_room, _more_names, ", "), plan)
    skeleton = _assemble(head, "", overrides_block, kept_rows, [], unmanaged_block)
    room_for_sections = limit - len(skeleton) - _NOTICE_RESERVE
    fitted, shortened, left_out = _fit_sections(changes, sections, room_for_sections)
    detail = _truncation_detail(len(changes), shortened, left_out, len(rows) - len(kept_rows))
    notice = _TRUNCATED_NOTICE.format(detail=detail)
    text = _assemble(head, notice, overrides_block, kept_rows, fitted, unmanaged_block)
    assert len(text) <= limit, "the budget arithmetic must keep the plan within the limit"
    return text


def render_report(report: Report) -> str:
    """The apply report as GitHub markdown: one table row per action, then the count."""
    lines = [REPORT_MARKER, "### judgesync apply", ""]
    if not report.results:
        lines.append("Nothing to apply: the remote judges already match the specs.")
        return "\n".join(lines) + "\n"
    lines += ["| result | action | judge | message |", "| --- | --- | --- | --- |"]
    for result in report.results:
        mark = _MARKS[result.outcome]
        verb = _VERBS[result.action.kind]
        message = _escape(_clip(_visible(result.message), _MESSAGE_WIDTH))
        lines.append(f"| {mark} | {verb} | {_code(result.action.name)} | {message} |")
    first, *advice = report_summary(report)
    lines += ["", f"**{first}**", *advice]
    return "\n".join(lines) + "\n"


def _plan_head(plan: Plan, target: str) -> str:
    target_text = _escape(_clip(_visible(target), 200))
    return f"{PLAN_MARKER}\n### judgesync plan\n\nTarget: {target_text}\n\n**{summary(plan)}**\n"


def _assemble(
    head: str, notice: str, overrides: str, rows: list[str], sections: list[str], unmanaged: str
) -> str:
    parts = [head]
    if notice:
        parts.append(notice + "\n")
    if overrides:
        parts.append(overrides)
    if rows:
        table = ["| action | judge | fields changed |", "| --- | --- | --- |", *rows]
        parts.append("\n".join(table) + "\n")
    else:
        parts.append("No changes. The remote judges match the specs.\n")
    parts.extend(sections)
    if unmanaged:
        parts.append(unmanaged)
    return "\n".join(parts)


def _row(action: Action) -> str:
    if action.kind is ActionKind.CREATE:
        fields = "new judge"
    elif action.kind is ActionKind.DELETE:
        fields = "judge removed"
    else:
        paths = [_code(change.path) for change in action.changes]
        fields = ", ".join(paths[:_FIELDS_SHOWN])
        if len(paths) > _FIELDS_SHOWN:
            fields += f" and {len(paths) - _FIELDS_SHOWN} more"
    return f"| {_VERBS[action.kind]} | {_code(action.name)} | {fields} |"


def _overrides_block(items: list[str]) -> str:
    return f"Model overrides for this target: {', '.join(items)}.\n" if items else ""


def _unmanaged_block(names: list[str], plan: Plan) -> str:
    if not plan.unmanaged:
        return ""
    return (
        f"Not managed ({len(plan.unmanaged)}; no spec names them, left alone):"
        f" {', '.join(names)}. Use `--prune` to delete them.\n"
    )


def _diff_lines(action: Action) -> list[str]:
    """A diff of the judge: every field for a create or delete, the changes for an update."""
    if action.kind is ActionKind.CREATE:
        assert action.desired is not None
        leaves = flatten(canonical(action.desired))
        changes = [FieldChange(path, None, value) for path, value in leaves.items()]
    elif action.kind is ActionKind.DELETE:
        assert action.remote is not None
        leaves = flatten(canonical(action.remote.definition))
        changes = [FieldChange(path, value, None) for path, value in leaves.items()]
    else:
        changes = list(action.changes)
    return [_visible(line) for change in changes for line in _change_lines(change)]


def _change_lines(change: FieldChange) -> list[str]:
    # Lines start with +, - or @@ so that GitHub colours them; field headers with a space.
    if is_multiline(change.before) or is_multiline(change.after):
        return [f"  {change.path}:", *text_diff(change)]
    lines = []
    if change.before is not None:
        lines.append(f"- {change.path}: {show_value(change.before)}")
    if change.after is not None:
        lines.append(f"+ {change.path}: {show_value(change.after)}")
    return lines


def _section(action: Action, lines: Sequence[str], note: str = "") -> str:
    """One judge's collapsible diff; the fence outgrows any run of backticks inside."""
    fence = "`" * max(3, _longest_backtick_run(lines) + 1)
    title = f"{_VERBS[action.kind]} {_code(action.name)}"
    if action.remote is not None:
        title += f" (id {_code(action.remote.id)})"
    body = "\n".join(lines)
    parts = [f"<details><summary>{title}</summary>\n", f"{fence}diff\n{body}\n{fence}\n"]
    if note:
        parts.append(f"_{note}_\n")
    parts.append("</details>\n")
    return "\n".join(parts)


def _fit_sections(
    changes: Sequence[Action], sections: list[str], room: int
) -> tuple[list[str], int, int]:
    """The sections cut to fit `room`: (sections, how many shortened, how many left out).

    Each judge shown gets an equal share, except that a diff shorter than its
    share stays whole and leaves the rest to the others. When even the smallest
    useful share is too much for every judge, the first ones keep details.
    """
    separators = len(sections)  # each section is joined with one newline
    shown = min(len(sections), max(0, (room - separators) // _MIN_SECTION))
    shares = _shares([len(section) for section in sections[:shown]], room - separators)
    fitted: list[str] = []
    shortened = 0
    for action, section, share in zip(changes, sections, shares, strict=False):
        if len(section) <= share:
            fitted.append(section)
            continue
        fitted.append(_shortened_section(action, share))
        shortened += 1
    return fitted, shortened, len(sections) - shown


def _shares(sizes: list[int], room: int) -> list[int]:
    """Water-filling: the smallest sizes are granted whole, the rest split the remainder."""
    shares = [0] * len(sizes)
    remaining = room
    order = sorted(range(len(sizes)), key=sizes.__getitem__)
    for position, index in enumerate(order):
        fair = remaining // (len(sizes) - position)
        shares[index] = min(sizes[index], fair)
        remaining -= shares[index]
    return shares


def _shortened_section(action: Action, share: int) -> str:
    lines = _diff_lines(action)
    note = "{} of {} diff lines shown; the rest is in the complete plan."
    widest_note = note.format(len(lines), len(lines))
    wrapper = len(_section(action, [], widest_note))
    # Fence length can grow with the kept lines' backticks: keep room for that too.
    kept = _take(lines, share - wrapper - 2 * _longest_backtick_run(lines) - 2)
    return _section(action, kept, note.format(len(kept), len(lines)))


def _take(lines: list[str], room: int) -> list[str]:
    """The leading lines that fit in `room` (newlines counted); a long line is cut."""
    kept: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) + 1 <= room:
            kept.append(line)
            used += len(line) + 1
            continue
        if room - used > 40:
            kept.append(line[: room - used - 2] + "…")
        break
    return kept


def _longest_backtick_run(lines: Sequence[str]) -> int:
    return max((len(run) for line in lines for run in _BACKTICK_RUN.findall(line)), default=0)


def _fit(
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


def _more_rows(count: int) -> str:
    return f"| … | {count} more | see the complete plan |"


def _more_names(count: int) -> str:
    return f"and {count} more"


def _truncation_detail(total: int, shortened: int, left_out: int, rows_left_out: int) -> str:
    parts = []
    if shortened:
        parts.append(f"{shortened} of {total} judge diffs shortened")
    if left_out:
        parts.append(f"{_count(left_out, 'judge diff')} left out")
    if rows_left_out:
        parts.append(f"{_count(rows_left_out, 'judge')} left out of the table")
    return "; ".join(parts) or "long lists of judge names are shortened"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _code(text: str) -> str:
    """Inline code that no name can break out of: HTML, table pipes, backticks, mentions."""
    return f"<code>{_escape(_clip(_visible(text), _NAME_WIDTH))}</code>"


def _escape(text: str) -> str:
    # Entities are decoded after markdown parsing, so they render as the character itself.
    return html.escape(text, quote=False).translate(_ENTITIES)


def _visible(text: str) -> str:
    """Control characters (ANSI escapes among them) shown as escapes, never emitted."""
    return _CONTROL.sub(lambda match: json.dumps(match.group())[1:-1], text)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
