"""Text for `judgesync test` results and the replay section of `plan --replay`;
their JSON is render/review_json.py."""

from __future__ import annotations

from judgesync.render.review_cost import cost_lines
from judgesync.review.live_judging import EMULATED_NOTE
from judgesync.review.metrics import (
    ClassificationMetrics,
    NoiseFloor,
    RegressionMetrics,
    Verdict,
)
from judgesync.review.replay import DATASET_PATH, JudgeReplay, Replay
from judgesync.review.testing import JudgeResult, TestRun


def number(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.2f}"


def verdict(value: Verdict) -> str:
    return value if isinstance(value, str) else f"{value:g}"


# -- text ---------------------------------------------------------------------


def swept_line(swept: tuple[str, ...]) -> str:
    return f"Deleted {len(swept)} shadow judge(s) a stopped run left behind."


def render_test(run: TestRun) -> str:
    lines = [f"Target: {run.target}", "", *cost_lines(run.cost)]
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
    mark = result.outcome
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


def path_line(path: str) -> str:
    if path == DATASET_PATH:
        return "Judged inline on the review dataset (no judge was created)."
    return "Judged with shadow judges (the API has no datasets)."


def render_replay(replay: Replay) -> str:
    """The replay section that follows the text plan."""
    lines = ["Replay: the changed judges on their cases, current -> proposed version."]
    lines.append(path_line(replay.path))
    lines += cost_lines(replay.cost)[:1]
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
