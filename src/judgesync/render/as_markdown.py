"""Markdown for a pull-request comment or `$GITHUB_STEP_SUMMARY` (`--format markdown`).

A plan renders as a hidden marker (a workflow finds and updates its own
comment by it), the target, ownership and pruning, the summary, a table
(action, judge, fields changed), then one collapsible `<details>` per updated
judge holding a diff fence (per created or deleted judge too, when asked). An
apply report renders as counts per action, every failure, then the done
actions folded away. GitHub refuses comments over 65,536 characters, so both
always fit in `limit`: when the whole plan does not, short diffs stay whole,
long ones are cut to a fair share of the room left; long lists are cut; and
the text says where the complete plan or report is.

Judge names and messages are escaped (markdown_text.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from judgesync.plan.guards import acknowledgement
from judgesync.plan.header import PlanHeader
from judgesync.plan.normalize import canonical, flatten
from judgesync.plan.planner import Action, ActionKind, FieldChange, Plan
from judgesync.plan.renames import rename_hints
from judgesync.render.as_text import (
    breaking_summary,
    is_multiline,
    show_value,
    summary,
    text_diff,
)
from judgesync.render.markdown_text import (
    DEFAULT_LIMIT,
    MIN_LIMIT,
    VERBS,
    clip,
    code,
    escape,
    fit,
    visible,
)
from judgesync.settings.policy import BreakingChanges
from judgesync.words import counted

PLAN_MARKER = "<!-- judgesync-plan -->"

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
# Judges named in the breaking-change warning at the top; the table names them all.
_BREAKING_NAMES_ROOM = 300
_FIELDS_SHOWN = 5
_BACKTICK_RUN = re.compile(r"`+")


def render_plan(
    plan: Plan,
    header: PlanHeader,
    limit: int = DEFAULT_LIMIT,
    full: bool = False,
    list_unmanaged: bool = False,
) -> str:
    """The plan as GitHub markdown, never longer than `limit` characters.

    Every change has a table row; updates also a diff. `full` adds the
    content of each created and deleted judge (a pull request's own diff
    shows the spec files); `list_unmanaged` names the judges left alone.
    """
    if limit < MIN_LIMIT:
        raise ValueError(f"limit must be at least {MIN_LIMIT} characters, got {limit}")
    head = _plan_head(plan, header)
    rows = [_row(action) for action in plan.changes]
    changes = [action for action in plan.changes if full or action.kind is ActionKind.UPDATE]
    rule = header.breaking_changes
    sections = [_section(action, _diff_lines(action), rule) for action in changes]
    overrides = [
        f"{code(o.judge)} ({code(o.original)} → {code(o.replacement)})"
        for o in plan.model_overrides
    ]
    unmanaged = [code(judge.name) for judge in plan.unmanaged] if list_unmanaged else []
    hints = [f"- {hint.sentence(code, code)}" for hint in rename_hints(plan)]
    whole = _assemble(
        head,
        "",
        _overrides_block(overrides),
        rows,
        sections,
        _after(_unmanaged_block(unmanaged, plan), _hints_block(hints)),
    )
    if len(whole) <= limit:
        return whole

    room = limit - len(head) - _NOTICE_RESERVE
    kept_rows = fit(rows, int(room * _TABLE_SHARE), _more_rows)
    list_room = int(room * _LIST_SHARE)
    overrides_block = _overrides_block(fit(overrides, list_room, _more_names, ", "))
    unmanaged_block = _unmanaged_block(fit(unmanaged, list_room, _more_names, ", "), plan)
    unmanaged_block = _after(unmanaged_block, _hints_block(fit(hints, list_room, _more_hints)))
    skeleton = _assemble(head, "", overrides_block, kept_rows, [], unmanaged_block)
    room_for_sections = limit - len(skeleton) - _NOTICE_RESERVE
    fitted, shortened, left_out = _fit_sections(changes, sections, room_for_sections, rule)
    detail = _truncation_detail(len(changes), shortened, left_out, len(rows) - len(kept_rows))
    notice = _TRUNCATED_NOTICE.format(detail=detail)
    text = _assemble(head, notice, overrides_block, kept_rows, fitted, unmanaged_block)
    assert len(text) <= limit, "the budget arithmetic must keep the plan within the limit"
    return text


def _plan_head(plan: Plan, header: PlanHeader) -> str:
    target = escape(clip(visible(header.target), 200))
    only_text = header.only_text(code)
    only = f"- Only: {only_text}\n" if only_text else ""
    head = (
        f"{PLAN_MARKER}\n### judgesync plan\n\n- Target: {target}\n"
        f"- Ownership: {header.scope(code)}\n- Prune: {header.prune_text}\n{only}\n"
        f"**{summary(plan)}**\n"
    )
    breaking = breaking_summary(plan)
    if breaking is None:
        return head
    names = fit(
        [code(action.name) for action in plan.breaking], _BREAKING_NAMES_ROOM, _more_names, ", "
    )
    return f"{head}\n> [!WARNING]\n> **{breaking}** Judges: {', '.join(names)}.\n"


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
        paths = [code(change.path) for change in action.changes]
        fields = ", ".join(paths[:_FIELDS_SHOWN])
        if len(paths) > _FIELDS_SHOWN:
            fields += f" and {len(paths) - _FIELDS_SHOWN} more"
        fields = f"{_badge(action)} · {fields}" if action.classification else fields
    return f"| {VERBS[action.kind]} | {code(action.name)} | {fields} |"


def _overrides_block(items: list[str]) -> str:
    return f"Model overrides for this target: {', '.join(items)}.\n" if items else ""


def _unmanaged_block(names: list[str], plan: Plan) -> str:
    count = len(plan.unmanaged)
    if not count:
        return ""
    listed = f": {', '.join(names)}" if names else ""
    to_list = "" if names else " `--list-unmanaged` lists them."
    return (
        f"Not managed: {counted(count, 'owned judge')} that no spec names, left alone{listed}."
        f" Use `--prune` to delete them.{to_list}\n"
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
    return [visible(line) for change in changes for line in _change_lines(change)]


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


def _section(
    action: Action, lines: Sequence[str], rule: BreakingChanges | None, note: str = ""
) -> str:
    """One judge's collapsible diff; the fence outgrows any run of backticks inside.
    `rule` is judgesync.yaml's for breaking changes (how the acknowledgement reads)."""
    fence = "`" * max(3, _longest_backtick_run(lines) + 1)
    title = f"{VERBS[action.kind]} {code(action.name)}"
    if action.remote is not None:
        title += f" (id {code(action.remote.id)})"
    if action.classification is not None:
        title += f" · {_badge(action, bold='<b>{}</b>')}"
    body = "\n".join(lines)
    parts = [f"<details><summary>{title}</summary>\n", *_change_class_block(action, rule)]
    parts.append(f"{fence}diff\n{body}\n{fence}\n")
    if note:
        parts.append(f"_{note}_\n")
    parts.append("</details>\n")
    return "\n".join(parts)


def _badge(action: Action, bold: str = "**{}**") -> str:
    """The update's class; a major one in bold."""
    assert action.classification is not None
    text = str(action.classification.change_class)
    return bold.format(text) if action.breaking else text


def _change_class_block(action: Action, rule: BreakingChanges | None) -> list[str]:
    """An update's reasons as a list, and the acknowledgement line of a major one."""
    if action.classification is None:
        return []
    items = [f"- {escape(visible(r.sentence))}" for r in action.classification.reasons]
    ack = acknowledgement(action, rule)
    if ack is not None:
        items.append(f"- {ack[0]} {code(ack[1])}")
    return ["\n".join(items) + "\n"]


def _fit_sections(
    changes: Sequence[Action], sections: list[str], room: int, rule: BreakingChanges | None
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
        fitted.append(_shortened_section(action, share, rule))
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


def _shortened_section(action: Action, share: int, rule: BreakingChanges | None) -> str:
    lines = _diff_lines(action)
    note = "{} of {} diff lines shown; the rest is in the complete plan."
    widest_note = note.format(len(lines), len(lines))
    wrapper = len(_section(action, [], rule, widest_note))
    # Fence length can grow with the kept lines' backticks: keep room for that too.
    kept = _take(lines, share - wrapper - 2 * _longest_backtick_run(lines) - 2)
    return _section(action, kept, rule, note.format(len(kept), len(lines)))


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


def _more_rows(count: int) -> str:
    return f"| … | {count} more | see the complete plan |"


def _more_names(count: int) -> str:
    return f"and {count} more"


def _after(block: str, following: str) -> str:
    """Two blocks as one, a blank line between them when both are there."""
    return f"{block}\n{following}" if block and following else block or following


def _hints_block(hints: list[str]) -> str:
    return "\n".join(hints) + "\n" if hints else ""


def _more_hints(count: int) -> str:
    return f"- and {counted(count, 'more possible rename')}: see the complete plan"


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
