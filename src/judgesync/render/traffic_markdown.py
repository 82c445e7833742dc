"""Markdown of the traffic part of `plan --replay --traffic`, for the PR comment and
the job summary: a table row per judge, then each judge's lines (render/traffic_text.py)
in a collapsed block. Ids, verdicts and counts only, unless `--show-conversations`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from judgesync.render.markdown_text import code, escape, fit, visible
from judgesync.render.traffic_text import distribution_text, header_lines, traffic_lines
from judgesync.render.traffic_text import render_saved_traffic as render_saved_traffic_text
from judgesync.render.verdict_text import number
from judgesync.review.traffic_replay import JudgeTraffic


def render_traffic(traffic: Sequence[JudgeTraffic]) -> str:
    if not traffic:
        return ""
    head = [
        "### Traffic: what the changes do to production verdicts",
        "",
        *(escape(line) for line in header_lines(traffic)),
        "",
        "| result | judge | spans | changed | verdicts before → after | significance |",
        "| --- | --- | --- | --- | --- | --- |",
        *(_row(result) for result in traffic),
        "",
    ]
    text = "\n".join(head) + "\n"
    for result in traffic:
        body = "\n".join(visible(line).replace("```", "'''") for line in traffic_lines(result))
        summary = f"Traffic of {code(result.name)}"
        text += f"<details><summary>{summary}</summary>\n\n```\n{body}\n```\n\n</details>\n\n"
    return text


def _row(result: JudgeTraffic) -> str:
    mark = "ok" if result.ok else "**FAILED**"
    spans = f"{len(result.span_ids)} of {result.sample.matched}"
    comparison = result.comparison
    changed = (
        f"{len(comparison.flips)} ({number(comparison.flip_rate)})"
        if comparison is not None
        else escape(result.problem or "")
    )
    verdicts = (
        f"{distribution_text(result.before)} → {distribution_text(result.after)}"
        if result.problem is None
        else ""
    )
    significance = result.significance.verdict if result.significance is not None else ""
    return (
        f"| {mark} | {code(result.name)} | {spans} | {changed} | {escape(verdicts)}"
        f" | {significance} |"
    )


# A saved plan's span ids can be thousands; the comment keeps room for the plan.
_SAVED_ROOM = 20_000


def render_saved_traffic(record: Mapping[str, object]) -> str:
    """A saved plan's traffic (planfile's `traffic`), for `show`: the text lines,
    span ids included, in a collapsed block."""
    lines = render_saved_traffic_text(record).splitlines()
    body = "\n".join(fit([visible(line) for line in lines], _SAVED_ROOM, _more))
    return (
        "<details><summary>Traffic replayed</summary>\n\n"
        f"```\n{body.replace('```', chr(39) * 3)}\n```\n\n</details>\n"
    )


def _more(left_out: int) -> str:
    return f"… {left_out} more line(s): judgesync show PLAN --format json lists them all"
