"""Terraform-style text: `+` create, `~` update, `-` delete; colour optional."""

from __future__ import annotations

import difflib
import json
from typing import Any

from judgesync.plan.executor import Outcome, Report
from judgesync.plan.normalize import canonical, flatten
from judgesync.plan.planner import Action, ActionKind, FieldChange, Plan

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


def render_plan(plan: Plan, target: str, colour: bool = False) -> str:
    paint = _Painter(colour)
    lines = [f"Target: {target}", ""]
    if plan.model_overrides:
        lines.append("Model overrides for this target:")
        lines.extend(f"  {o.judge}: {o.original} -> {o.replacement}" for o in plan.model_overrides)
        lines.append("")
    changes = plan.changes
    if not changes:
        lines.append("No changes. The remote judges match the specs.")
    for action in changes:
        lines.extend(_action_lines(action, paint))
        lines.append("")
    if plan.unmanaged:
        lines.append(f"Not managed ({len(plan.unmanaged)}; no spec names them, left alone):")
        lines.extend(f"  {judge.name} (id {judge.id})" for judge in plan.unmanaged)
        lines.append("  Use --prune to delete them.")
        lines.append("")
    lines.append(summary(plan))
    return "\n".join(lines) + "\n"


def summary(plan: Plan) -> str:
    return (
        f"Plan: {plan.count(ActionKind.CREATE)} to create, {plan.count(ActionKind.UPDATE)}"
        f" to update, {plan.count(ActionKind.DELETE)} to delete."
    )


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


def _action_lines(action: Action, paint: _Painter) -> list[str]:
    symbol, style = _SYMBOLS[action.kind]
    verb = paint(f"{symbol} {action.kind.value}", style)
    header = f"{verb} {paint(action.name, 'bold')}"
    if action.remote is not None:
        header += paint(f" (id {action.remote.id})", "dim")
    lines = [header]
    if action.kind is ActionKind.CREATE:
        assert action.desired is not None
        leaves = flatten(canonical(action.desired))
        for path, value in leaves.items():
            lines.extend(_change_lines(FieldChange(path, None, value), paint))
    elif action.kind is ActionKind.UPDATE:
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
