"""The apply report as GitHub markdown: one comment whatever the size of the run."""

from __future__ import annotations

from collections.abc import Sequence

from judgesync.plan.executor import ActionResult, Outcome, Report
from judgesync.render.as_text import report_summary
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

REPORT_MARKER = "<!-- judgesync-apply -->"
_MESSAGE_WIDTH = 1_000
_MARKS = {
    Outcome.DONE: "ok",
    Outcome.FAILED: "**FAILED**",
    Outcome.NOT_STARTED: "not started",
    Outcome.UNKNOWN: "**UNKNOWN**",
}


def render_report(report: Report, limit: int = DEFAULT_LIMIT) -> str:
    """The apply report as GitHub markdown, never longer than `limit` characters.

    Counts per action first, then every failure (messages shortened, and the
    list cut, only when they cannot fit otherwise), then the done actions
    folded away and cut to the room left, with a pointer to the complete report.
    """
    if limit < MIN_LIMIT:
        raise ValueError(f"limit must be at least {MIN_LIMIT} characters, got {limit}")
    lines = [REPORT_MARKER, "### judgesync apply", ""]
    if not report.results:
        lines.append("Nothing to apply: the remote judges already match the specs.")
        return "\n".join(lines) + "\n"
    done = report.having(Outcome.DONE)
    # Failed first, then those the run never finished (interrupted or stopped).
    unfinished = [r for r in report.results if r.outcome is not Outcome.DONE]
    unfinished.sort(key=lambda r: r.outcome is not Outcome.FAILED)
    first, *advice = report_summary(report)
    head = "\n".join([*lines, f"**{first}**"])
    head += "\n\n" + _counts_table(report)
    advice_text = "".join(f"{line}\n" for line in advice)
    room = limit - len(head) - len(_REPORT_NOTICE) - len(advice_text) - 200
    failures, cut_failures = _failure_rows(unfinished, room)
    parts = [head]
    if failures:
        table = _result_table(failures)
        parts += [f"#### Not done ({len(unfinished)})\n", table]
        room -= len(table)
    if advice_text:
        parts.append(advice_text)
    done_rows = fit([_result_row(result) for result in done], room - 100, _more_results)
    if done:
        body = _result_table(done_rows)
        parts.append(f"<details><summary>Done ({len(done)})</summary>\n\n{body}\n</details>\n")
    if cut_failures or len(done_rows) != len(done):
        parts.append(_REPORT_NOTICE)
    text = "\n".join(parts)
    assert len(text) <= limit, "the budget arithmetic must keep the report within the limit"
    return text


_REPORT_NOTICE = (
    "> [!NOTE]\n"
    "> This report is too long for one comment; the numbers above are complete."
    " The complete report is the `--format json` output of `judgesync apply`;"
    " the plan it applied is the plan artifact of this workflow run"
    " (`judgesync show plan.json` prints it).\n"
)
# Narrowest failure message before failures are cut from the list instead.
_MIN_MESSAGE_WIDTH = 120


def _counts_table(report: Report) -> str:
    """Per action kind, how many actions ended in each outcome that occurred."""
    outcomes = [o for o in Outcome if report.having(o)]
    lines = [
        "| action | " + " | ".join(o.value for o in outcomes) + " |",
        "|" + " --- |" * (len(outcomes) + 1),
    ]
    for kind, verb in VERBS.items():
        results = [r.outcome for r in report.results if r.action.kind is kind]
        if results:
            counts = " | ".join(str(results.count(o)) for o in outcomes)
            lines.append(f"| {verb} | {counts} |")
    return "\n".join(lines) + "\n"


def _failure_rows(failed: Sequence[ActionResult], room: int) -> tuple[list[str], bool]:
    """A row for each failure, messages narrowed until they fit; else as many as fit."""
    width = _MESSAGE_WIDTH
    rows = [_result_row(result, width) for result in failed]
    while sum(len(row) + 1 for row in rows) > room and width > _MIN_MESSAGE_WIDTH:
        width = max(_MIN_MESSAGE_WIDTH, width // 2)
        rows = [_result_row(result, width) for result in failed]
    kept = fit(rows, room, _more_results)
    return kept, len(kept) != len(rows)


def _result_row(result: ActionResult, width: int = _MESSAGE_WIDTH) -> str:
    message = escape(clip(visible(result.message), width))
    mark, verb = _MARKS[result.outcome], VERBS[result.action.kind]
    return f"| {mark} | {verb} | {code(result.action.name)} | {message} |"


def _result_table(rows: list[str]) -> str:
    header = ["| result | action | judge | message |", "| --- | --- | --- | --- |"]
    return "\n".join([*header, *rows]) + "\n"


def _more_results(count: int) -> str:
    return f"| … | … | {count} more | see the complete report |"
