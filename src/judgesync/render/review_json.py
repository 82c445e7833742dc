"""The JSON of `judgesync test` results and of the replay section of `plan --replay`,
beside the plan and report documents of render/as_json.py (one format_version).

JSON schemas (format_version 1, fields only ever added; `cost` is render/review_cost.py's):

    test: {"format_version": 1, "target": str, "ok": bool, "emulated": bool,
           "evaluated": bool, "repeat": int, "swept_shadows": [str], "cost": cost|null,
           "judges": [judge]}
    judge: {"name": str, "judge_id": str|null, "ok": bool, "evaluated": bool,
            "missing": bool, "cases": int, "passed": int,
            "metrics": {..., "kappa_ci95": [lo, hi]|null (classification)}|null,
            "failed": [{"id": str, "expected": str, "answer": any}],
            "failed_must_pass": [str], "errors": {id: str},
            "noise_floor": {"rate": float|null, "unstable": [str]}|null,
            "gate_failures": [str]}
    replay (the plan document's `replay` key):
          {"ok": bool, "emulated": bool, "evaluated": bool, "repeat": int,
           "without_cases": [str], "swept_shadows": [str], "path": "dataset"|"shadow",
           "cost": cost|null,
           "judges": [{"name", "action", "cases": int,
           "flips": [{"id", "old", "new"}], "flip_rate", "kappa_between_versions",
           "transitions": [{"old", "new", "count"}], "agreement_before",
           "agreement_after", "noise_floor", "failed_must_pass", "errors",
           "significance": {"flips": flips, "agreement": agreement}|null (a create),
           "gate_failures", "gate_warnings": [str], "outcome": str, "evaluated", "ok",
           "traffic": {...}|null}]}
    flips: {"cases": int, "flips": int, "noise_flips": int|null, "p_value": float|null,
            "verdict": "significant"|"within_noise"|"inconclusive", "cases_needed": int|null}
    agreement: {"cases": int, "before": float|null, "after": float|null,
                "delta": float|null, "ci95": [lo, hi]|null, "p_value": float|null,
                "verdict": ..., "cases_needed": int|null}

`evaluated` is false when the verdicts are emulated and `--gate-emulated` was
not given: must_pass and the gates are then reported but fail nothing.
`traffic` is render/traffic_json.py's object; an updated judge without cases
but with traffic is an entry of only {"name", "action", "cases": 0, "traffic"}.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from judgesync.render.as_json import FORMAT_VERSION
from judgesync.render.review_cost import cost_document
from judgesync.render.traffic_json import traffic_document
from judgesync.review.metrics import (
    ClassificationMetrics,
    NoiseFloor,
    RegressionMetrics,
    Verdict,
)
from judgesync.review.replay import JudgeReplay, Replay
from judgesync.review.significance import AgreementChange, FlipsSignificance
from judgesync.review.testing import JudgeResult, TestRun


def test_document(run: TestRun) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "target": run.target,
        "ok": run.ok,
        "emulated": run.emulated,
        "evaluated": run.evaluated,
        "repeat": run.repeat,
        "swept_shadows": list(run.swept),
        "cost": cost_document(run.cost),
        "judges": [_judge_document(result) for result in run.judges],
    }


def _judge_document(result: JudgeResult) -> dict[str, Any]:
    metrics = metrics_document(result.metrics)
    if metrics is not None and result.kappa is not None:
        metrics["kappa_ci95"] = _pair(result.kappa.ci95)
    return {
        "name": result.name,
        "judge_id": result.judge_id,
        "ok": result.ok,
        "evaluated": result.evaluated,
        "missing": result.missing,
        "cases": len(result.cases),
        "passed": result.passed,
        "metrics": metrics,
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
    traffic = {result.name: traffic_document(result) for result in replay.traffic}
    return {
        "ok": replay.ok,
        "emulated": replay.emulated,
        "evaluated": replay.evaluated,
        "repeat": replay.repeat,
        "without_cases": list(replay.without_cases),
        "swept_shadows": list(replay.swept),
        "path": replay.path,
        "cost": cost_document(replay.cost),
        "judges": [
            *(_replay_judge_document(result, traffic.get(result.name)) for result in replay.judges),
            # Updated judges without cases: only their traffic was replayed.
            *(
                {"name": name, "action": "update", "cases": 0, "traffic": document}
                for name, document in traffic.items()
                if name not in {result.name for result in replay.judges}
            ),
        ],
    }


def _replay_judge_document(result: JudgeReplay, traffic: dict[str, Any] | None) -> dict[str, Any]:
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
        "significance": _significance_document(result.flips_significance, result.agreement_change),
        "gate_failures": list(result.gate_failures),
        "gate_warnings": list(result.gate_warnings),
        "outcome": result.outcome,
        "evaluated": result.evaluated,
        "ok": result.ok,
        "traffic": traffic,
    }


def _significance_document(
    flips: FlipsSignificance | None, agreement: AgreementChange | None
) -> dict[str, Any] | None:
    if flips is None or agreement is None:
        return None
    return {
        "flips": asdict(flips),
        "agreement": {**asdict(agreement), "ci95": _pair(agreement.ci95)},
    }


def _pair(interval: tuple[float, float] | None) -> list[float] | None:
    return list(interval) if interval is not None else None
