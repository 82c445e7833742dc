"""Text and JSON for `judgesync test` results and the replay section of `plan --replay`.

JSON schemas (format_version 1, fields only ever added):

    test: {"format_version": 1, "target": str, "ok": bool, "emulated": bool, "repeat": int,
           "swept_shadows": [str], "judges": [judge]}
    judge: {"name": str, "judge_id": str|null, "ok": bool, "missing": bool,
            "cases": int, "passed": int, "metrics": {...}|null,
            "failed": [{"id": str, "expected": str, "answer": any}],
            "failed_must_pass": [str], "errors": {id: str},
            "noise_floor": {"rate": float|null, "unstable": [str]}|null,
            "gate_failures": [str]}
    replay (the plan document's `replay` key):
          {"ok": bool, "emulated": bool, "repeat": int, "without_cases": [str],
           "swept_shadows": [str], "judges": [{"name", "action", "cases": int,
           "flips": [{"id", "old", "new"}], "flip_rate", "kappa_between_versions",
           "transitions": [{"old", "new", "count"}], "agreement_before",
           "agreement_after", "noise_floor", "failed_must_pass", "errors",
           "gate_failures", "ok"}]}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from judgesync.review.judging import EMULATED_NOTE
from judgesync.review.metrics import (
    ClassificationMetrics,
    NoiseFloor,
    RegressionMetrics,
    Verdict,
)
from judgesync.review.replay import JudgeReplay, Replay
from judgesync.review.testing import JudgeResult, TestRun


def number(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.2f}"


def verdict(value: Verdict) -> str:
    return value if isinstance(value, str) else f"{value:g}"


# -- text ---------------------------------------------------------------------


def swept_line(swept: tuple[str, ...]) -> str:
    return f"Deleted {len(swept)} shadow judge(s) a stopped run left behind."


def render_test(run: TestRun) -> str:
    lines = [f"Target: {run.target}", ""]
    if run.emulated:
        lines += [EMULATED_NOTE, ""]
    if run.swept:
        lines += [swept_line(run.swept), ""]
    for result in run.judges:
        lines += _judge_lines(result)
        lines.append("")
    ok = sum(result.ok for result in run.judges)
    lines.append(f"Test: {ok} of {len(run.judges)} judge(s) ok.")
    return "\n".join(lines) + "\n"


def _judge_lines(result: JudgeResult) -> list[str]:
    if result.missing:
        return [
            f"{result.name}: ERROR no remote judge is named {result.name!r}; apply its spec"
            " first, or leave it out with --only."
        ]
    mark = "ok" if result.ok else "FAILED"
    answered = len(result.cases) - len(result.verdicts_errors)
    lines = [
        f"{result.name}: {mark} {result.passed} of {len(result.cases)} case(s) passed"
        f" (judge id {result.judge_id})"
    ]
    if result.metrics is not None and answered:
        lines += [f"  {line}" for line in metric_lines(result.metrics)]
    lines += [
        f"  failed: {case.id}: expected {case.expect}, got {verdict(answer)}"
        for case, answer in result.failed
    ]
    lines += [f"  must_pass failed: {case.id}" for case in result.failed_must_pass]
    lines += [
        f"  error: {case_id}: {message}" for case_id, message in result.verdicts_errors.items()
    ]
    if result.noise is not None:
        lines.append(f"  {noise_line(result.noise)}")
    lines += [f"  gate failed: {failure}" for failure in result.gate_failures]
    return lines


def metric_lines(metrics: ClassificationMetrics | RegressionMetrics) -> list[str]:
    if isinstance(metrics, RegressionMetrics):
        return [
            f"MAE {number(metrics.mean_absolute_error)}, Spearman rho {number(metrics.spearman)},"
            f" within range {number(metrics.within_range)}"
        ]
    lines = [f"accuracy {number(metrics.accuracy)}, Cohen's κ {number(metrics.kappa)}"]
    width = max(len(label) for label in metrics.labels) if metrics.labels else 5
    lines.append(f"{'label':<{width}}  precision  recall  support")
    for label in metrics.labels:
        scores = metrics.per_label[label]
        lines.append(
            f"{label:<{width}}  {number(scores.precision):<9}  {number(scores.recall):<6}"
            f"  {scores.support}"
        )
    lines.append("confusion (expected -> given: cases):")
    lines += [
        f"  {expected} -> {given}: {count}"
        for (expected, given), count in sorted(metrics.confusion.items())
    ]
    return lines


def noise_line(noise: NoiseFloor) -> str:
    unstable = ", ".join(noise.unstable) or "none"
    return f"noise floor: self-disagreement {number(noise.rate)}; unstable cases: {unstable}"


def render_replay(replay: Replay) -> str:
    """The replay section that follows the text plan."""
    lines = ["Replay: the changed judges on their cases, current -> proposed version."]
    if replay.emulated:
        lines.append(EMULATED_NOTE)
    if replay.swept:
        lines.append(swept_line(replay.swept))
    lines.append("")
    for result in replay.judges:
        lines += _replay_lines(result)
        lines.append("")
    if replay.without_cases:
        lines.append(f"No cases, nothing replayed: {', '.join(replay.without_cases)}.")
    failing = [result.name for result in replay.judges if not result.ok]
    lines.append(
        f"Replay: {len(replay.judges)} judge(s) replayed"
        + (f"; failing: {', '.join(failing)}." if failing else "; all gates pass.")
    )
    return "\n".join(lines) + "\n"


def _replay_lines(result: JudgeReplay) -> list[str]:
    mark = "ok" if result.ok else "FAILED"
    comparison = result.comparison
    if comparison is None:
        lines = [f"{result.name} ({result.kind.value}): {mark} new judge, no version to compare"]
    else:
        lines = [
            f"{result.name} ({result.kind.value}): {mark} {len(comparison.flips)} of"
            f" {comparison.count} verdict(s) flip (rate {number(comparison.flip_rate)}"
            f"{standout(comparison.flip_rate, result.noise)});"
            f" κ between versions {number(comparison.kappa)}"
        ]
    lines.append(
        f"  agreement with expect: {number(result.agreement_before)} ->"
        f" {number(result.agreement_after)}"
    )
    if result.noise is not None:
        lines.append(f"  current version's {noise_line(result.noise)}")
    if comparison is not None:
        lines += [
            f"  flip: {flip.case_id}: {verdict(flip.old)} -> {verdict(flip.new)}"
            for flip in comparison.flips
        ]
        lines.append("  transitions (current -> proposed: cases):")
        lines += [
            f"    {verdict(old)} -> {verdict(new)}: {count}"
            for (old, new), count in sorted(comparison.transitions.items(), key=str)
        ]
    lines += [f"  must_pass failed (proposed): {case.id}" for case in result.failed_must_pass]
    lines += [f"  error: {case_id}: {message}" for case_id, message in result.errors.items()]
    lines += [f"  gate failed: {failure}" for failure in result.gate_failures]
    return lines


def standout(flip_rate: float | None, noise: NoiseFloor | None) -> str:
    """Whether the flips exceed what the unchanged judge does on its own."""
    if flip_rate is None or noise is None or noise.rate is None:
        return ""
    if flip_rate > noise.rate:
        return f", ABOVE the noise floor {noise.rate:.2f}"
    return f", within the noise floor {noise.rate:.2f}"


# -- json ---------------------------------------------------------------------


def test_document(run: TestRun) -> dict[str, Any]:
    return {
        "format_version": 1,
        "target": run.target,
        "ok": run.ok,
        "emulated": run.emulated,
        "repeat": run.repeat,
        "swept_shadows": list(run.swept),
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
