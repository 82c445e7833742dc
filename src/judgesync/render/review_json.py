"""The JSON of `judgesync test` results and of the replay section of `plan --replay`,
beside the plan and report documents of render/as_json.py (one format_version).

JSON schemas (format_version 1, fields only ever added; `cost` is render/review_cost.py's):

    test: {"format_version": 1, "target": str, "ok": bool, "emulated": bool, "repeat": int,
           "swept_shadows": [str], "cost": cost|null, "judges": [judge]}
    judge: {"name": str, "judge_id": str|null, "ok": bool, "missing": bool,
            "cases": int, "passed": int, "metrics": {...}|null,
            "failed": [{"id": str, "expected": str, "answer": any}],
            "failed_must_pass": [str], "errors": {id: str},
            "noise_floor": {"rate": float|null, "unstable": [str]}|null,
            "gate_failures": [str]}
    replay (the plan document's `replay` key):
          {"ok": bool, "emulated": bool, "repeat": int, "without_cases": [str],
           "swept_shadows": [str], "path": str, "cost": cost|null,
           "judges": [{"name", "action", "cases": int,
           "flips": [{"id", "old", "new"}], "flip_rate", "kappa_between_versions",
           "transitions": [{"old", "new", "count"}], "agreement_before",
           "agreement_after", "noise_floor", "failed_must_pass", "errors",
           "gate_failures", "ok"}]}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from judgesync.render.as_json import FORMAT_VERSION
from judgesync.render.review_cost import cost_document
from judgesync.review.metrics import (
    ClassificationMetrics,
    NoiseFloor,
    RegressionMetrics,
    Verdict,
)
from judgesync.review.replay import JudgeReplay, Replay
from judgesync.review.testing import JudgeResult, TestRun


def test_document(run: TestRun) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "target": run.target,
        "ok": run.ok,
        "emulated": run.emulated,
        "repeat": run.repeat,
        "swept_shadows": list(run.swept),
        "cost": cost_document(run.cost),
        "judges": [_judge_document(result) for result in run.judges],
    }


def _judge_document(result: JudgeResult) -> dict[str, Any]:
    return {
        "name": result.name,
        "judge_id": result.judge_id,
        "ok": result.ok,
        "missing": result.missing,
        "cases": len(result.cases),
        "passed": result.passed,
        "metrics": metrics_document(result.metrics),
        "failed": [
            {"id": case.id, "expected": str(case.expect), "answer": answer}
            for case, answer in result.failed
        ],
        "failed_must_pass": [case.id for case in result.failed_must_pass],
        "errors": dict(result.verdicts_errors),
        "noise_floor": _noise_document(result.noise),
        "gate_failures": list(result.gate_failures),
    }


def metrics_document(
    metrics: ClassificationMetrics | RegressionMetrics | None,
) -> dict[str, Any] | None:
    if metrics is None:
        return None
    if isinstance(metrics, RegressionMetrics):
        return {
            "type": "REGRESSION",
            "mae": metrics.mean_absolute_error,
            "spearman": metrics.spearman,
            "within_range": metrics.within_range,
        }
    return {
        "type": "CLASSIFICATION",
        "accuracy": metrics.accuracy,
        "kappa": metrics.kappa,
        "labels": {
            label: {
                "precision": scores.precision,
                "recall": scores.recall,
                "support": scores.support,
            }
            for label, scores in metrics.per_label.items()
        },
        "confusion": [
            {"expected": expected, "given": given, "count": count}
            for (expected, given), count in sorted(metrics.confusion.items())
        ],
    }


def _noise_document(noise: NoiseFloor | None) -> dict[str, Any] | None:
    if noise is None:
        return None
    return {"rate": noise.rate, "unstable": list(noise.unstable), "cases": noise.cases}


def replay_document(replay: Replay) -> dict[str, Any]:
    return {
        "ok": replay.ok,
        "emulated": replay.emulated,
        "repeat": replay.repeat,
        "without_cases": list(replay.without_cases),
        "swept_shadows": list(replay.swept),
        "path": replay.path,
        "cost": cost_document(replay.cost),
        "judges": [_replay_judge_document(result) for result in replay.judges],
    }


def _replay_judge_document(result: JudgeReplay) -> dict[str, Any]:
    comparison = result.comparison
    transitions: Mapping[tuple[Verdict, Verdict], int] = (
        comparison.transitions if comparison else {}
    )
    return {
        "name": result.name,
        "action": result.kind.value,
        "cases": len(result.cases),
        "flips": [
            {"id": flip.case_id, "old": flip.old, "new": flip.new}
            for flip in (comparison.flips if comparison else ())
        ],
        "flip_rate": comparison.flip_rate if comparison else None,
        "kappa_between_versions": comparison.kappa if comparison else None,
        "transitions": [
            {"old": old, "new": new, "count": count} for (old, new), count in transitions.items()
        ],
        "agreement_before": result.agreement_before,
        "agreement_after": result.agreement_after,
        "noise_floor": _noise_document(result.noise),
        "failed_must_pass": [case.id for case in result.failed_must_pass],
        "errors": result.errors,
        "gate_failures": list(result.gate_failures),
        "ok": result.ok,
    }
