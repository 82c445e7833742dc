"""Markdown for `judgesync test` and the replay section of a plan's PR comment.

The replay section is capped (`REPLAY_LIMIT` by default) so that the plan
beside it keeps its room under GitHub's 65,536 characters: the summary table
always stays, each judge's details (flips, transitions) follow while they fit,
and a note says how many were left out. Names and verdicts are escaped as the
plan's are.
"""

from __future__ import annotations

from judgesync.render.markdown_text import DEFAULT_LIMIT, code, escape, fit, visible
from judgesync.render.review_cost import cost_markdown
from judgesync.render.review_text import (
    metric_lines,
    noise_line,
    number,
    path_line,
    standout,
    swept_line,
    verdict,
)
from judgesync.review.live_judging import EMULATED_NOTE
from judgesync.review.metrics import Verdict
from judgesync.review.replay import JudgeReplay, Replay
from judgesync.review.testing import JudgeResult, TestRun

TEST_MARKER = "<!-- judgesync-test -->"
REPLAY_LIMIT = 20_000
# Room kept for the note that details were left out.
_TEST_NOTICE_RESERVE = 200
# Flips listed per judge in the comment; the JSON plan has them all.
_FLIPS_SHOWN = 50


def render_test(run: TestRun, limit: int = DEFAULT_LIMIT) -> str:
    """The test run as GitHub markdown, never longer than `limit` characters: the
    table's rows while they fit, then each judge's details while they fit."""
    lines = [TEST_MARKER, "### judgesync test", "", f"Target: {escape(visible(run.target))}", ""]
    lines += cost_markdown(run.cost)
    if run.emulated:
        lines += [f"> [!NOTE]\n> {EMULATED_NOTE}", ""]
    if run.swept:
        lines += [swept_line(run.swept), ""]
    ok = sum(result.ok for result in run.judges)
    tail = f"**Test: {ok} of {len(run.judges)} judge(s) ok.**\n"
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


def _more_judges(count: int) -> str:
    return f"| | _… and {count} more judge(s): see `judgesync test`_ | | |"


def _test_row(result: JudgeResult) -> str:
    if result.missing:
        return f"| **ERROR** | {code(result.name)} | no remote judge of this name | |"
    mark = result.outcome if result.ok else "**FAILED**"
    summary = metric_lines(result.metrics)[0] if result.metrics is not None else ""
    passed = f"{result.passed} of {len(result.cases)}"
    return f"| {mark} | {code(result.name)} | {passed} | {escape(summary)} |"


def _test_details(result: JudgeResult) -> list[str]:
    if result.missing:
        return []
    lines = metric_lines(result.metrics)[1:] if result.metrics is not None else []
    lines += [f"failed: {c.id}: expected {c.expect}, got {verdict(a)}" for c, a in result.failed]
    lines += [f"must_pass failed: {case.id}" for case in result.failed_must_pass]
    lines += [f"error: {case_id}: {why}" for case_id, why in result.verdicts_errors.items()]
    if result.noise is not None:
        lines.append(noise_line(result.noise))
    lines += [f"gate failed: {failure}" for failure in result.gate_failures]
    return [visible(line).replace("```", "'''") for line in lines]


def render_replay(replay: Replay, limit: int = REPLAY_LIMIT) -> str:
    """The replay section of the PR comment, never longer than `limit` characters."""
    head = ["### Replay: what the changes do to verdicts", "", path_line(replay.path), ""]
    head += cost_markdown(replay.cost)
    if replay.emulated:
        head += [f"> [!NOTE]\n> {EMULATED_NOTE}", ""]
    if replay.swept:
        head += [swept_line(replay.swept), ""]
    head += [
        "| result | judge | flips | agreement with expect | κ between versions | noise floor |",
        "| --- | --- | --- | --- | --- | --- |",
        *(_replay_row(result) for result in replay.judges),
        "",
    ]
    if replay.without_cases:
        names = ", ".join(code(name) for name in replay.without_cases)
        head += [f"No cases, nothing replayed: {names}.", ""]
    text = "\n".join(head) + "\n"
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


def _replay_row(result: JudgeReplay) -> str:
    mark = "ok" if result.ok else "**FAILED**"
    comparison = result.comparison
    flips = (
        f"{len(comparison.flips)} of {comparison.count}"
        f"{standout(comparison.flip_rate, result.noise)}"
        if comparison is not None
        else "new judge"
    )
    agreement = f"{number(result.agreement_before)} → {number(result.agreement_after)}"
    kappa = number(comparison.kappa) if comparison is not None else ""
    noise = number(result.noise.rate) if result.noise is not None else ""
    return f"| {mark} | {code(result.name)} | {flips} | {agreement} | {kappa} | {noise} |"


def _replay_details(result: JudgeReplay) -> str:
    lines: list[str] = []
    comparison = result.comparison
    if comparison is not None:
        flips = comparison.flips
        lines += [f"flip: {f.case_id}: {_v(f.old)} -> {_v(f.new)}" for f in flips[:_FLIPS_SHOWN]]
        if len(flips) > _FLIPS_SHOWN:
            lines.append(f"... and {len(flips) - _FLIPS_SHOWN} more flips")
        lines.append("transitions (current -> proposed: cases):")
        lines += [
            f"  {_v(old)} -> {_v(new)}: {count}"
            for (old, new), count in sorted(comparison.transitions.items(), key=str)
        ]
    lines += [f"must_pass failed (proposed): {case.id}" for case in result.failed_must_pass]
    lines += [f"error: {case_id}: {why}" for case_id, why in result.errors.items()]
    lines += [f"gate failed: {failure}" for failure in result.gate_failures]
    if not lines:
        return ""
    body = "\n".join(visible(line).replace("```", "'''") for line in lines)
    summary = f"Replay of {code(result.name)}"
    return f"<details><summary>{summary}</summary>\n\n```\n{body}\n```\n\n</details>\n\n"


def _v(value: Verdict) -> str:
    return verdict(value)
