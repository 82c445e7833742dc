"""`judgesync test`: every judge's cases against the judge as it is remotely.

Judges are found by name among the remote judges the policy owns; a judge
with cases but no remote judge is reported as such. Per judge: the metrics
of `review/metrics.py`, Cohen's κ against `expect` with its 95 % interval
(classification), the failed `must_pass` cases, the noise floor with
`repeat` > 1, and the gates of judgesync.yaml that fail. Emulated verdicts (the
hash rule) say nothing about the judge: unless `gate_emulated`, must_pass and
the gates are reported but not evaluated, so they fail nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from judgesync.models import ClassificationOutput, Judge
from judgesync.progress import SILENT, Progress
from judgesync.review.cost import JudgingCost
from judgesync.review.gates import metric_failures
from judgesync.review.live_judging import (
    JUDGING,
    NOT_EVALUATED,
    LiveJudgingApi,
    Verdicts,
    judge_cases,
)
from judgesync.review.metrics import (
    ClassificationMetrics,
    NoiseFloor,
    RegressionMetrics,
    failed_must_pass,
    judge_metrics,
    noise_floor,
)
from judgesync.review.significance import KappaInterval, kappa_interval
from judgesync.settings.thresholds import Gates
from judgesync.specs.case import Case


@dataclass(frozen=True)
class JudgeResult:
    """One judge's run; `missing` when no remote judge has its name (nothing ran)."""

    name: str
    cases: tuple[Case, ...]
    judge_id: str | None = None
    verdicts: Verdicts | None = None
    metrics: ClassificationMetrics | RegressionMetrics | None = None
    failed_must_pass: tuple[Case, ...] = ()
    noise: NoiseFloor | None = None
    gate_failures: tuple[str, ...] = ()
    kappa: KappaInterval | None = None  # against `expect`; classification judges only
    # Evaluate must_pass and the gates even on emulated verdicts (`--gate-emulated`).
    gate_emulated: bool = False

    @property
    def missing(self) -> bool:
        return self.verdicts is None

    @property
    def evaluated(self) -> bool:
        """Emulated verdicts say nothing about the judge: unless asked, must_pass and
        the gates are reported, not evaluated."""
        return self.gate_emulated or self.verdicts is None or not self.verdicts.emulated

    @property
    def failed(self) -> tuple[tuple[Case, Any], ...]:
        """The cases whose (first) answer misses the expectation, with the answer."""
        if self.verdicts is None:
            return ()
        first = self.verdicts.first()
        return tuple(
            (case, first[case.id])
            for case in self.cases
            if case.id in first and not case.passes(first[case.id])
        )

    @property
    def passed(self) -> int:
        if self.verdicts is None:
            return 0
        answered = sum(case.id in self.verdicts.first() for case in self.cases)
        return answered - len(self.failed)

    @property
    def ok(self) -> bool:
        """A missing judge or a failed request always fails; must_pass and the
        gates only when evaluated."""
        if self.missing or self.verdicts_errors:
            return False
        return not self.evaluated or (not self.failed_must_pass and not self.gate_failures)

    @property
    def outcome(self) -> str:
        """The result word: a case that misses its expect without must_pass is
        reported but fails nothing, so it reads "no gate failed", not "ok"."""
        if not self.ok:
            return "FAILED"
        if not self.evaluated:
            return NOT_EVALUATED
        return "ok" if not self.failed else "no gate failed"

    @property
    def verdicts_errors(self) -> Mapping[str, str]:
        return self.verdicts.errors if self.verdicts is not None else {}


@dataclass(frozen=True)
class TestRun:
    target: str
    repeat: int
    judges: tuple[JudgeResult, ...]
    swept: tuple[str, ...] = ()
    cost: JudgingCost | None = None

    @property
    def emulated(self) -> bool:
        return any(r.verdicts is not None and r.verdicts.emulated for r in self.judges)

    @property
    def evaluated(self) -> bool:
        return all(result.evaluated for result in self.judges)

    @property
    def ok(self) -> bool:
        return all(result.ok for result in self.judges)


def run_tests(
    client: LiveJudgingApi,
    listed: Sequence[Judge],
    cases_by_judge: Mapping[str, Sequence[Case]],
    gates: Gates,
    *,
    owns: Callable[[str], bool],
    repeat: int = 1,
    parallelism: int = 8,
    progress: Progress = SILENT,
    gate_emulated: bool = False,
) -> tuple[JudgeResult, ...]:
    """Judge each judge's cases with its remote judge, by name, from `listed` (the
    workspace as listed); `owns` filters it. The requests of every judge are one
    progress task. `gate_emulated`: evaluate must_pass and the gates on emulated
    verdicts too."""
    remote = {judge.name: judge for judge in listed if owns(judge.name)}
    total = sum(len(cases) * repeat for name, cases in cases_by_judge.items() if name in remote)
    results = []
    progress.start(JUDGING, total)
    try:
        for name, cases in cases_by_judge.items():
            judge = remote.get(name)
            if judge is None:
                results.append(JudgeResult(name, tuple(cases)))
                continue
            verdicts = judge_cases(
                client, judge.id, cases, repeat=repeat, parallelism=parallelism, progress=progress
            )
            results.append(score(name, judge, cases, verdicts, gates, gate_emulated))
    finally:
        progress.finish()
    return tuple(results)


def score(
    name: str,
    judge: Judge,
    cases: Sequence[Case],
    verdicts: Verdicts,
    gates: Gates,
    gate_emulated: bool = False,
) -> JudgeResult:
    """The metrics of the remote judge's verdicts (labels in the remote's option order)."""
    first = verdicts.first()
    kappa = None
    if isinstance(judge.definition.output, ClassificationOutput):
        answered = [case for case in cases if case.id in first]
        expected = [str(case.expect) for case in answered]
        kappa = kappa_interval(expected, [str(first[case.id]) for case in answered])
    metrics = judge_metrics(judge.definition, cases, first)
    repeats_seen = max((len(answers) for answers in verdicts.answers.values()), default=0)
    noise = noise_floor(verdicts.answers) if repeats_seen > 1 else None
    return JudgeResult(
        name=name,
        cases=tuple(cases),
        judge_id=judge.id,
        verdicts=verdicts,
        metrics=metrics,
        failed_must_pass=failed_must_pass(cases, first),
        noise=noise,
        gate_failures=tuple(metric_failures(gates.for_judge(name), metrics)),
        kappa=kappa,
        gate_emulated=gate_emulated,
    )
