"""Text for `judgesync test` results and the replay section of `plan --replay`;
their JSON is render/review_json.py."""

from __future__ import annotations

from judgesync.render import traffic_text
from judgesync.render.verdict_text import number as number
from judgesync.render.verdict_text import verdict as verdict
from judgesync.review.live_judging import EMULATED_NOTE, NOT_EVALUATED_NOTE
from judgesync.review.metrics import (
    ClassificationMetrics,
    NoiseFloor,
    RegressionMetrics,
)
from judgesync.review.replay import DATASET_PATH, JudgeReplay, Replay
from judgesync.review.significance import (
    KappaInterval,
    describe_agreement,
    describe_flips,
    describe_kappa,
)
from judgesync.review.testing import JudgeResult, TestRun

# -- text ---------------------------------------------------------------------


def swept_line(swept: tuple[str, ...]) -> str:
    return f"Deleted {len(swept)} shadow judge(s) a stopped run left behind."


def emulated_notes(emulated: bool, evaluated: bool) -> list[str]:
    """What a run on emulated verdicts says first: they are emulated, and (unless
    --gate-emulated) not gated."""
    if not emulated:
        return []
    return [EMULATED_NOTE] if evaluated else [EMULATED_NOTE, NOT_EVALUATED_NOTE]


def render_test(run: TestRun) -> str:
    lines = [f"Target: {run.target}", ""]
    for note in emulated_notes(run.emulated, run.evaluated):
        lines += [note, ""]
    if run.swept:
        lines += [swept_line(run.swept), ""]
    for result in run.judges:
        lines += _judge_lines(result)
        lines.append("")
    lines.append(test_summary(run))
    return "\n".join(lines) + "\n"


def test_summary(run: TestRun) -> str:
    total = len(run.judges)
    skipped = sum(not result.evaluated for result in run.judges)
    if not skipped:
        return f"Test: {sum(result.ok for result in run.judges)} of {total} judge(s) ok."
    failed = sum(not result.ok for result in run.judges)
    return (
        f"Test: {skipped} of {total} judge(s) not evaluated (emulated verdicts); {failed} failed."
    )


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
        lines += [f"  {line}" for line in metric_lines(result.metrics, result.kappa)]
    lines += [
        f"  failed: {case.id}: expected {case.expect}, got {verdict(answer)}"
        for case, answer in result.failed
    ]
    lines += [f"  {line}" for line in verdict_lines(result)]
    return lines


def verdict_lines(result: JudgeResult) -> list[str]:
    """must_pass, errors, the noise floor and gates: as failures, or not evaluated."""
    must_pass = "must_pass failed" if result.evaluated else "must_pass missed (not evaluated)"
    gate = "gate failed" if result.evaluated else "gate missed (not evaluated)"
    lines = [f"{must_pass}: {case.id}" for case in result.failed_must_pass]
    lines += [f"error: {case_id}: {message}" for case_id, message in result.verdicts_errors.items()]
    if result.noise is not None:
        lines.append(noise_line(result.noise))
    lines += [f"{gate}: {failure}" for failure in result.gate_failures]
    return lines


def metric_lines(
    metrics: ClassificationMetrics | RegressionMetrics, kappa: KappaInterval | None = None
) -> list[str]:
    if isinstance(metrics, RegressionMetrics):
        return [
            f"MAE {number(metrics.mean_absolute_error)}, Spearman rho {number(metrics.spearman)},"
            f" within range {number(metrics.within_range)}"
        ]
    said = describe_kappa(kappa) if kappa is not None else f"κ {number(metrics.kappa)}"
    lines = [f"accuracy {number(metrics.accuracy)}, Cohen's {said}"]
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
    lines += emulated_notes(replay.emulated, replay.evaluated)
    if replay.swept:
        lines.append(swept_line(replay.swept))
    lines.append("")
    for result in replay.judges:
        lines += _replay_lines(result)
        lines.append("")
    if replay.without_cases:
        lines.append(f"No cases, nothing replayed: {', '.join(replay.without_cases)}.")
    if replay.traffic:
        lines += [traffic_text.render_traffic(replay.traffic)]
    lines.append(replay_summary(replay))
    return "\n".join(lines) + "\n"


def replay_summary(replay: Replay) -> str:
    said = f"Replay: {len(replay.judges)} judge(s) replayed"
    failing = [result.name for result in replay.judges if not result.ok]
    failing += [result.name for result in replay.traffic if not result.ok]
    if failing:
        failing = list(dict.fromkeys(failing))
        return f"{said}; failing: {', '.join(failing)}."
    if not replay.evaluated:
        return f"{said}; must_pass and gates not evaluated (emulated verdicts)."
    warned = [result.name for result in replay.judges if result.gate_warnings]
    if warned:
        return f"{said}; all gates pass, with warnings for {', '.join(warned)}."
    return f"{said}; all gates pass."


def significance_lines(result: JudgeReplay) -> list[str]:
    """The flips and the agreement change in words that follow their numbers;
    for a create, its agreement with expect."""
    if result.flips_significance is None or result.agreement_change is None:
        return [f"new judge, agreement with expect {number(result.agreement_after)}"]
    return [
        f"flips: {describe_flips(result.flips_significance)}",
        describe_agreement(result.agreement_change),
    ]


def _replay_lines(result: JudgeReplay) -> list[str]:
    lines = [f"{result.name} ({result.kind.value}): {result.outcome}"]
    lines += [f"  {line}" for line in significance_lines(result)]
    comparison = result.comparison
    if comparison is not None:
        lines.append(f"  κ between versions {number(comparison.kappa)}")
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
    lines += [f"  {line}" for line in replay_verdict_lines(result)]
    return lines


def replay_verdict_lines(result: JudgeReplay) -> list[str]:
    """must_pass, errors and the gate: failures, warnings, or not evaluated."""
    evaluated = result.evaluated
    must_pass = "failed (proposed)" if evaluated else "missed (proposed; not evaluated)"
    lines = [f"must_pass {must_pass}: {case.id}" for case in result.failed_must_pass]
    lines += [f"error: {case_id}: {message}" for case_id, message in result.errors.items()]
    gate = "gate failed" if evaluated else "gate missed (not evaluated)"
    lines += [f"{gate}: {failure}" for failure in result.gate_failures]
    warning = "gate warning" if evaluated else "gate warning (not evaluated)"
    lines += [f"{warning}: {reason}" for reason in result.gate_warnings]
    return lines
