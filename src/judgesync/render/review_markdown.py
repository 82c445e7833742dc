"""Markdown for `judgesync test` and the replay section of a plan's PR comment.

The replay section is capped (`REPLAY_LIMIT` by default) so that the plan
beside it keeps its room under GitHub's 65,536 characters: the summary table
always stays (one row per judge, leading with whether its flips are
significant), each judge's details (the significance in words, the transition
matrix with the changed cells in bold, the flips) follow while they fit, and
a note says how many were left out. Names and verdicts are escaped as the
plan's are.
"""

from __future__ import annotations

from judgesync.render import traffic_markdown
from judgesync.render.markdown_text import DEFAULT_LIMIT, clip, code, escape, fit, visible
from judgesync.render.review_cost import cost_markdown
from judgesync.render.review_text import (
    emulated_notes,
    metric_lines,
    number,
    path_line,
    replay_summary,
    replay_verdict_lines,
    significance_lines,
    swept_line,
    test_summary,
    verdict,
    verdict_lines,
)
from judgesync.review.metrics import Verdict
from judgesync.review.replay import JudgeReplay, Replay
from judgesync.review.significance import FlipsSignificance, p_value_text
from judgesync.review.testing import JudgeResult, TestRun
from judgesync.review.transitions import TransitionTable

TEST_MARKER = "<!-- judgesync-test -->"
REPLAY_LIMIT = 20_000
# Room kept for the note that details were left out.
_TEST_NOTICE_RESERVE = 200
# Flips listed per judge in the comment; the JSON plan has them all.
_FLIPS_SHOWN = 50
# Width of a label in the transition matrix's headers.
_LABEL_WIDTH = 40


def render_test(run: TestRun, limit: int = DEFAULT_LIMIT) -> str:
    """The test run as GitHub markdown, never longer than `limit` characters: the
    table's rows while they fit, then each judge's details while they fit."""
    lines = [TEST_MARKER, "### judgesync test", "", f"Target: {escape(visible(run.target))}", ""]
    lines += cost_markdown(run.cost)
    lines += _notes(emulated_notes(run.emulated, run.evaluated))
    if run.swept:
        lines += [swept_line(run.swept), ""]
    tail = f"**{test_summary(run)}**\n"
    rows = [_test_row(result) for result in run.judges]
    room = limit - len("\n".join(lines)) - len(tail) - _TEST_NOTICE_RESERVE
    lines += ["| result | judge | passed | metrics |", "| --- | --- | --- | --- |"]
    lines += fit(rows, room // 2, _more_judges)
    lines.append("")
    text = "\n".join(lines) + "\n"
    left_out = 0
    for result in run.judges:
        details = _test_details(result)
        if not details:
            continue
        section = "\n".join(
            [f"<details><summary>{code(result.name)}</summary>", "", "```", *details, "```"]
        )
        section += "\n\n</details>\n\n"
        if len(text) + len(section) + len(tail) + _TEST_NOTICE_RESERVE > limit:
            left_out += 1
            continue
        text += section
    if left_out:
        text += (
            f"_{left_out} judge(s)' details left out to fit the comment; `judgesync test`"
            " or `--format json` has them._\n\n"
        )
    return text + tail


def _notes(notes: list[str]) -> list[str]:
    """The notes as one GitHub note block, a paragraph each."""
    if not notes:
        return []
    return ["> [!NOTE]\n" + "\n>\n".join(f"> {note}" for note in notes), ""]


def _more_judges(count: int) -> str:
    return f"| | _… and {count} more judge(s): see `judgesync test`_ | | |"


def _test_row(result: JudgeResult) -> str:
    if result.missing:
        return f"| **ERROR** | {code(result.name)} | no remote judge of this name | |"
    mark = result.outcome if result.ok else "**FAILED**"
    summary = metric_lines(result.metrics, result.kappa)[0] if result.metrics is not None else ""
    passed = f"{result.passed} of {len(result.cases)}"
    return f"| {mark} | {code(result.name)} | {passed} | {escape(summary)} |"


def _test_details(result: JudgeResult) -> list[str]:
    if result.missing:
        return []
    lines = metric_lines(result.metrics)[1:] if result.metrics is not None else []
    lines += [f"failed: {c.id}: expected {c.expect}, got {verdict(a)}" for c, a in result.failed]
    lines += verdict_lines(result)
    return [visible(line).replace("```", "'''") for line in lines]


def render_replay(replay: Replay, limit: int = REPLAY_LIMIT) -> str:
    """The replay section of the PR comment, never longer than `limit` characters."""
    head = ["### Replay: what the changes do to verdicts", "", path_line(replay.path), ""]
    head += cost_markdown(replay.cost)
    head += _notes(emulated_notes(replay.emulated, replay.evaluated))
    if replay.swept:
        head += [swept_line(replay.swept), ""]
    head += [
        "| flips | judge | flipped | agreement with expect | κ between versions | result |",
        "| --- | --- | --- | --- | --- | --- |",
        *(_replay_row(result) for result in replay.judges),
        "",
    ]
    if replay.without_cases:
        names = ", ".join(code(name) for name in replay.without_cases)
        head += [f"No cases, nothing replayed: {names}.", ""]
    head += [f"**{replay_summary(replay)}**", ""]
    text = "\n".join(head) + "\n" + traffic_markdown.render_traffic(replay.traffic)
    left_out = 0
    for result in replay.judges:
        section = _replay_details(result)
        if len(text) + len(section) + 200 > limit:
            left_out += 1
            continue
        text += section
    if left_out:
        text += (
            f"_{left_out} judge(s)' details left out to fit the comment; `judgesync plan"
            " --replay` or the JSON plan has them._\n"
        )
    if len(text) > limit:  # only a huge table can get here: keep its head
        cut = text[: max(0, limit - 80)].rsplit("\n", 1)[0]
        text = cut + "\n\n_The replay table is cut to fit the comment._\n"
    return text


def _finding(flips: FlipsSignificance | None) -> str:
    """The flips' significance verdict in words, first in the judge's row."""
    if flips is None:
        return "new judge"
    if flips.p_value is None:
        return "inconclusive (no noise floor: --repeat 2 or more)"
    p_value = p_value_text(flips.p_value)
    if flips.verdict == "significant":
        return f"**significant** ({p_value})"
    if flips.verdict == "within_noise":
        return f"within noise ({p_value})"
    return f"inconclusive ({flips.cases} cases, {p_value})"


def _replay_row(result: JudgeReplay) -> str:
    mark = result.outcome if result.ok else "**FAILED**"
    flips = result.flips_significance
    comparison = result.comparison
    flipped = ""
    if flips is not None:
        noise = (
            f", noise {flips.noise_flips} of {flips.cases}" if flips.noise_flips is not None else ""
        )
        flipped = f"{flips.flips} of {flips.cases}{noise}"
    change = result.agreement_change
    agreement = f"{number(result.agreement_before)} → {number(result.agreement_after)}"
    if change is not None and change.ci95 is not None and change.delta is not None:
        low, high = change.ci95
        agreement += (
            f" ({change.delta:+.2f}, 95% CI {low:.2f} to {high:.2f}; {_words(change.verdict)})"
        )
    kappa = number(comparison.kappa) if comparison is not None else ""
    return (
        f"| {_finding(flips)} | {code(result.name)} | {flipped} | {agreement} | {kappa} | {mark} |"
    )


def _words(finding: str) -> str:
    return finding.replace("_", " ")


def _replay_details(result: JudgeReplay) -> str:
    lines: list[str] = []
    comparison = result.comparison
    if comparison is not None:
        flips = comparison.flips
        lines += [f"flip: {f.case_id}: {_v(f.old)} -> {_v(f.new)}" for f in flips[:_FLIPS_SHOWN]]
        if len(flips) > _FLIPS_SHOWN:
            lines.append(f"... and {len(flips) - _FLIPS_SHOWN} more flips")
    lines += replay_verdict_lines(result)
    body = "\n".join(visible(line).replace("```", "'''") for line in lines)
    words = "\n\n".join(escape(visible(line)) for line in significance_lines(result))
    parts = [f"<details><summary>Replay of {code(result.name)}</summary>", "", words, ""]
    if result.transitions is not None:
        parts += [*transition_matrix(result.transitions), ""]
    if body:
        parts += ["```", body, "```", ""]
    return "\n".join(parts) + "\n</details>\n\n"


def transition_matrix(table: TransitionTable) -> list[str]:
    """Rows: the current version's verdicts; columns: the proposed one's; the
    cells whose verdicts changed, when not empty, in bold."""
    corner = "current ↓ · proposed →" + (" (score bands)" if table.banded else "")
    header = [corner, *(_label(column) for column in table.columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for row in table.rows:
        cells = [_label(row)]
        for column in table.columns:
            count = table.counts.get((row, column), 0)
            cells.append(f"**{count}**" if count and table.changed(row, column) else str(count))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _label(text: str) -> str:
    return escape(clip(visible(text), _LABEL_WIDTH))


def _v(value: Verdict) -> str:
    return verdict(value)
