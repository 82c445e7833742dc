"""The `traffic` object of a judge in the JSON replay document (format_version 1,
fields only ever added):

    {"selector": {"filter": str, "sample": int, "source": str},
     "window": {"from": ISO-8601, "to": ISO-8601}, "seed": int,
     "matched": int, "sampled": int, "span_ids": ["<trace_id>:<span_id>"],
     "skipped": int, "skipped_span_ids": [str], "imported": int,
     "before": distribution|null, "after": distribution|null,
     "flips": [{"span_id", "old", "new"}], "transitions": [{"old", "new", "count"}],
     "changed_share": float|null,
     "significance": {"verdict", "p_value", "flips", "noise_flips", "cases"}|null,
     "errors": {span id: str}, "problem": str|null, "ok": bool,
     "conversations": {span id: {...}} (only with --show-conversations)}
    distribution: {"count": int, "shares": {label: float}, "mean": float|null,
                   "quantiles": {"p10", "p50", "p90"}|null}
"""

from __future__ import annotations

from typing import Any

from judgesync.review.traffic_replay import Distribution, JudgeTraffic


def traffic_document(result: JudgeTraffic) -> dict[str, Any]:
    sample, comparison, significance = result.sample, result.comparison, result.significance
    document: dict[str, Any] = {
        "selector": {
            "filter": sample.selector.expression,
            "sample": sample.selector.sample,
            "source": sample.selector.source,
        },
        "window": {"from": result.window.start.isoformat(), "to": result.window.end.isoformat()},
        "seed": result.seed,
        "matched": sample.matched,
        "sampled": len(result.span_ids),
        "span_ids": list(result.span_ids),
        "skipped": result.skipped,
        "skipped_span_ids": [*sample.skipped, *result.skipped_on_import],
        "imported": result.imported,
        "before": _distribution(result.before),
        "after": _distribution(result.after),
        "flips": [
            {"span_id": flip.case_id, "old": flip.old, "new": flip.new}
            for flip in (comparison.flips if comparison else ())
        ],
        "transitions": [
            {"old": old, "new": new, "count": count}
            for (old, new), count in (comparison.transitions.items() if comparison else ())
        ],
        "changed_share": comparison.flip_rate if comparison else None,
        "significance": (
            {
                "verdict": significance.verdict,
                "p_value": significance.p_value,
                "flips": significance.flips,
                "noise_flips": significance.noise_flips,
                "cases": significance.cases,
            }
            if significance is not None
            else None
        ),
        "errors": dict(result.errors),
        "problem": result.problem,
        "ok": result.ok,
    }
    if result.show_conversations:
        document["conversations"] = dict(sample.conversations)
    return document


def _distribution(distribution: Distribution | None) -> dict[str, Any] | None:
    if distribution is None:
        return None
    quantiles = distribution.quantiles
    return {
        "count": distribution.count,
        "shares": dict(distribution.shares),
        "mean": distribution.mean,
        "quantiles": (
            dict(zip(("p10", "p50", "p90"), quantiles, strict=True)) if quantiles else None
        ),
    }
