"""Terraform-style text: `+` create, `~` update, `-` delete; colour optional."""

from __future__ import annotations

import difflib
import json
from typing import Any

from judgesync.plan.executor import Outcome, Report
from judgesync.plan.guards import acknowledgement
from judgesync.plan.header import PlanHeader
from judgesync.plan.normalize import canonical, flatten
from judgesync.plan.planner import Action, ActionKind, FieldChange, Plan
from judgesync.plan.renames import rename_hints
from judgesync.settings.policy import BreakingChanges
from judgesync.words import counted

_COLOURS = {"green": "32", "yellow": "33", "red": "31", "bold": "1", "dim": "2"}
_SYMBOLS = {
    ActionKind.CREATE: ("+", "green"),
    ActionKind.UPDATE: ("~", "yellow"),
    ActionKind.DELETE: ("-", "red"),
}


class _Painter:
    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def __call__(self, text: str, style: str) -> str:
        if not self.colour:
            return text
        return f"\x1b[{_COLOURS[style]}m{text}\x1b[0m"


def render_plan(
    plan: Plan,
    header: PlanHeader,
    colour: bool = False,
    full: bool = False,
    list_unmanaged: bool = False,
) -> str:
    """The plan: one line per created or deleted judge, field diffs per update.

    `full` shows every field of each created and deleted judge;
    `list_unmanaged` names the judges left alone instead of counting them.
    """
    paint = _Painter(colour)
    lines = [
        f"Target: {header.target}",
        f"Ownership: {header.scope()}",
        f"Prune: {header.prune_text}",
    ]
    only = header.only_text()
    lines += [f"Only: {only}", ""] if only else [""]
    if plan.model_overrides:
        lines.append("Model overrides for this target:")
        lines.extend(f"  {o.judge}: {o.original} -> {o.replacement}" for o in plan.model_overrides)
        lines.append("")
    blocks = [
        _action_lines(action, paint, full, header.breaking_changes) for action in plan.changes
    ]
    if not blocks:
        lines += ["No changes. The remote judges match the specs.", ""]
    for index, block in enumerate(blocks):
        lines.extend(block)
        following = blocks[index + 1] if index + 1 < len(blocks) else []
        # One-line actions stack; a blank line sets off each multi-line one and the end.
        if len(block) > 1 or len(following) != 1:
            lines.append("")
    lines.extend(_unmanaged_lines(plan, list_unmanaged))
    hints = rename_hints(plan)
    lines += [*(hint.sentence() for hint in hints), ""] if hints else []
    lines.append(summary(plan))
    breaking = breaking_summary(plan)
    if breaking is not None:
        lines.append(paint(breaking, "red"))
    return "\n".join(lines) + "\n"


def _unmanaged_lines(plan: Plan, listed: bool) -> list[str]:
    count = len(plan.unmanaged)
    if not count:
        return []
    lines = [f"Not managed: {counted(count, 'owned judge')} that no spec names, left alone."]
    if listed:
        lines.extend(f"  {judge.name} (id {judge.id})" for judge in plan.unmanaged)
    lines.append(
        "  Use --prune to delete them." + ("" if listed else " --list-unmanaged lists them.")
    )
    return [*lines, ""]


def summary(plan: Plan) -> str:
    return (
        f"Plan: {plan.count(ActionKind.CREATE)} to create, {plan.count(ActionKind.UPDATE)}"
        f" to update, {plan.count(ActionKind.DELETE)} to delete."
    )


def breaking_summary(plan: Plan) -> str | None:
    """The line that makes major updates stand out, or None without any."""
    count = len(plan.breaking)
    if not count:
        return None
    what = "1 breaking change" if count == 1 else f"{count} breaking changes"
    unacknowledged = len(plan.unacknowledged)
    acknowledged = (
        "" if unacknowledged == count else f" ({count - unacknowledged} acknowledged in the spec)"
    )
    change = "this change" if count == 1 else "these changes"
    return f"{what}{acknowledged}: scores before and after {change} are not comparable."


def change_class_lines(action: Action, rule: BreakingChanges | None) -> list[str]:
    """An update's class, its reasons and, for a major one, its acknowledgement under
    judgesync.yaml's `rule` for breaking changes."""
    if action.classification is None:
        return []
    lines = [f"change class: {action.classification.change_class}"]
    lines.extend(f"  {reason.sentence}" for reason in action.classification.reasons)
    ack = acknowledgement(action, rule)
    if ack is not None:
        lines.append(f"  {ack[0]} {ack[1]}")
    return lines


_MARKS = {
    Outcome.DONE: ("ok", "green"),
    Outcome.FAILED: ("FAILED", "red"),
    Outcome.NOT_STARTED: ("not started", "dim"),
    Outcome.UNKNOWN: ("UNKNOWN", "yellow"),
}


def render_report(report: Report, colour: bool = False, quiet: bool = False) -> str:
    """One line per action (with `quiet`, only those not done), then the counts."""
    paint = _Painter(colour)
    lines = []
    for result in report.results:
        if quiet and result.outcome is Outcome.DONE:
            continue
        symbol, style = _SYMBOLS[result.action.kind]
        mark = paint(*_MARKS[result.outcome])
        lines.append(f"{paint(symbol, style)} {result.action.name}: {mark} {result.message}")
    lines.extend(report_summary(report))
    return "\n".join(lines) + "\n"


def report_summary(report: Report) -> list[str]:
    """The counts of each outcome, and what to do next; shared by the markdown report."""
    counts = [f"{len(report.having(Outcome.DONE))} done", f"{len(report.failed)} failed"]
    for outcome in (Outcome.NOT_STARTED, Outcome.UNKNOWN):
        if report.having(outcome):
            counts.append(f"{len(report.having(outcome))} {outcome.value}")
    lines = [f"Apply: {', '.join(counts)}."]
    if report.stopped_by is not None:
        check = (
            ", and check the unknown judges on the remote" if report.having(Outcome.UNKNOWN) else ""
        )
        lines.append(f"Apply stopped early; run plan again to see what is left{check}.")
    elif report.failed:
        lines.append("Run apply again once the failures are fixed; done actions are not repeated.")
    return lines


def _action_lines(
    action: Action, paint: _Painter, full: bool, rule: BreakingChanges | None
) -> list[str]:
    symbol, style = _SYMBOLS[action.kind]
    verb = paint(f"{symbol} {action.kind.value}", style)
    header = f"{verb} {paint(action.name, 'bold')}"
    if action.remote is not None:
        header += paint(f" (id {action.remote.id})", "dim")
    lines = [header]
    if action.kind is ActionKind.CREATE and full:
        assert action.desired is not None
        for path, value in flatten(canonical(action.desired)).items():
            lines.extend(_change_lines(FieldChange(path, None, value), paint))
    elif action.kind is ActionKind.DELETE and full:
        assert action.remote is not None
        for path, value in flatten(canonical(action.remote.definition)).items():
            lines.extend(_change_lines(FieldChange(path, value, None), paint))
    elif action.kind is ActionKind.UPDATE:
        style = "red" if action.breaking else "dim"
        lines.extend(paint(f"    {line}", style) for line in change_class_lines(action, rule))
        for change in action.changes:
            lines.extend(_change_lines(change, paint))
    return lines


def _change_lines(change: FieldChange, paint: _Painter) -> list[str]:
    if is_multiline(change.before) or is_multiline(change.after):
        lines = [f"    {change.path}:"]
        lines.extend(f"      {_paint_diff_line(line, paint)}" for line in text_diff(change))
        return lines
    if change.before is None:
        return [f"    {change.path}: {paint(show_value(change.after), 'green')}"]
    before = paint(show_value(change.before), "red")
    after = paint(show_value(change.after), "green")
    return [f"    {change.path}: {before} -> {after}"]


def text_diff(change: FieldChange) -> list[str]:
    """A unified line diff of a text field; a missing final newline is marked."""
    before = _lines(change.before)
    after = _lines(change.after)
    diff = difflib.unified_diff(before, after, lineterm="", n=3)
    return [line for line in diff if not line.startswith(("---", "+++"))]


def _lines(value: Any) -> list[str]:
    if value is None:
        return []
    text = value if isinstance(value, str) else show_value(value)
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    else:
        lines[-1] += "  (no newline at end)"
    return lines


def _paint_diff_line(line: str, paint: _Painter) -> str:
    if line.startswith("+"):
        return paint(line, "green")
    if line.startswith("-"):
        return paint(line, "red")
    if line.startswith("@@"):
        return paint(line, "dim")
    return line


def is_multiline(value: Any) -> bool:
    return isinstance(value, str) and "\n" in value


def show_value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
