"""Text of the traffic part of `plan --replay --traffic` (review/traffic_replay.py).

Production text stays private: these lines hold span ids, verdicts and counts,
and a conversation's text only when the user asked for it
(`--show-conversations`). The markdown and JSON renderings build on them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from judgesync.render.verdict_text import number, verdict
from judgesync.review.significance import describe_flips
from judgesync.review.traffic import Window
from judgesync.review.traffic_replay import Distribution, JudgeTraffic

# Span ids listed per judge in text and markdown; the JSON lists them all.
SPANS_SHOWN = 10


def window_text(window: Window) -> str:
    return f"{_instant(window.start)} to {_instant(window.end)}"


def _instant(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def distribution_text(distribution: Distribution | None) -> str:
    if distribution is None or not distribution.count:
        return "none"
    if distribution.mean is not None and distribution.quantiles is not None:
        low, middle, high = distribution.quantiles
        return f"mean {distribution.mean:.2f} (p10 {low:g}, median {middle:g}, p90 {high:g})"
    return ", ".join(f"{label} {share:.2f}" for label, share in distribution.shares.items())


def headline(result: JudgeTraffic) -> str:
    """One line: how many spans, how many verdicts changed."""
    sample = result.sample
    found = f"{len(result.span_ids)} span(s) of {sample.matched} matching"
    skipped = f", {result.skipped} skipped (no conversation)" if result.skipped else ""
    if result.problem is not None:
        return f"{result.name}: FAILED {found}{skipped}; not judged: {result.problem}"
    comparison = result.comparison
    changed = (
        f"{len(comparison.flips)} changed ({number(comparison.flip_rate)})"
        if comparison is not None
        else "nothing compared"
    )
    mark = "ok" if result.ok else "FAILED"
    return f"{result.name}: {mark} {found}{skipped}: {changed}"


def traffic_lines(result: JudgeTraffic) -> list[str]:
    """A judge's traffic: the headline, then indented details."""
    lines = [headline(result)]
    selector = result.sample.selector
    lines.append(f"  selector: {selector.expression} ({selector.source}), sample {selector.sample}")
    if result.problem is None:
        lines.append(
            f"  verdicts: {distribution_text(result.before)} -> {distribution_text(result.after)}"
        )
        if result.significance is not None:
            lines.append(f"  significance: {describe_flips(result.significance)}")
    comparison = result.comparison
    if comparison is not None:
        lines.append("  transitions (current -> proposed: spans):")
        lines += [
            f"    {verdict(old)} -> {verdict(new)}: {count}"
            for (old, new), count in sorted(comparison.transitions.items(), key=str)
        ]
        for flip in comparison.flips[:SPANS_SHOWN]:
            lines.append(f"  flip: {flip.case_id}: {verdict(flip.old)} -> {verdict(flip.new)}")
            if result.show_conversations:
                lines += _conversation_lines(result, flip.case_id)
        if len(comparison.flips) > SPANS_SHOWN:
            lines.append(f"  ... and {len(comparison.flips) - SPANS_SHOWN} more flips")
    lines += [f"  error: {key}: {why}" for key, why in result.errors.items()]
    lines.append(f"  spans: {_ids(result.span_ids)}")
    return lines


def _ids(keys: Sequence[str]) -> str:
    shown = ", ".join(keys[:SPANS_SHOWN]) or "none"
    more = len(keys) - SPANS_SHOWN
    return f"{shown} ... and {more} more (--format json lists all)" if more > 0 else shown


def _conversation_lines(result: JudgeTraffic, key: str) -> list[str]:
    fields = result.sample.conversations.get(key) or {}
    return [f"    {name}: {text}" for name, text in fields.items() if text]


def header_lines(traffic: Sequence[JudgeTraffic]) -> list[str]:
    first = traffic[0]
    imported = max(result.imported for result in traffic)
    return [
        f"Traffic: the updated judges on sampled production spans, {window_text(first.window)}"
        f" (start times), seed {first.seed}; {imported} span(s) imported into the review"
        " dataset by this run, the others reused.",
    ]


def render_traffic(traffic: Sequence[JudgeTraffic]) -> str:
    """The traffic section that follows the cases' replay."""
    if not traffic:
        return ""
    lines = header_lines(traffic)
    for result in traffic:
        lines += ["", *traffic_lines(result)]
    return "\n".join(lines) + "\n"


def render_saved_traffic(record: Mapping[str, object]) -> str:
    """A saved plan's traffic (planfile's `traffic`), for `show`."""
    window = record.get("window") or {}
    assert isinstance(window, dict)
    lines = [
        f"Traffic replayed: spans started {window.get('from')} to {window.get('to')},"
        f" seed {record.get('seed')}."
    ]
    judges = record.get("judges") or []
    assert isinstance(judges, list)
    for judge in judges:
        span_ids = judge.get("span_ids") or []
        lines.append(
            f"  {judge.get('name')}: {judge.get('filter')} ({judge.get('source')}),"
            f" {len(span_ids)} span(s), {judge.get('changed')} changed"
        )
        lines += [f"    {key}" for key in span_ids]
    return "\n".join(lines) + "\n"
