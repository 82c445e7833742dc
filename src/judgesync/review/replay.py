"""`plan --replay`: what a plan's changes do to the judges' verdicts.

For every judge the plan creates or updates that has cases, the proposed
definition and (for an update) the current remote definition, `repeat` times,
are judged inline on the same records of the review dataset
(review/review_dataset.py): no judge is created, and the path cannot explain
a difference. An API without datasets falls back to shadow judges
(review/shadows.py): the proposed version saved for the run, the current one
judged by id.

Per judge, review/significance.py says whether the difference is real: the
flips against two runs of the current version (`repeat` >= 2), and the change
in agreement with `expect`, each significant, within noise or inconclusive.
Gates: `max_accuracy_drop` (review/gates.py: only a significant drop fails;
`on_inconclusive` decides the rest) and any failed `must_pass` case of the
proposed version fail the replay — unless the verdicts are emulated (the
hash rule): then every number is reported but pass and fail are not
evaluated, as nothing about the judge made them, unless `gate_emulated`
asks for it.
With a traffic request, every updated judge with a selector is also judged
on sampled production spans, after the cases (review/traffic_replay.py); a
failed import fails the replay.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from judgesync.models import Judge, JudgeDefinition, Output
from judgesync.plan.planner import ActionKind, Plan
from judgesync.progress import SILENT, Progress
from judgesync.review.cost import JudgingCost, cost_of_replay
from judgesync.review.gates import drop_gate
from judgesync.review.live_judging import (
    JUDGING,
    NOT_EVALUATED,
    LiveJudgingApi,
    Verdicts,
    judge_cases,
)
from judgesync.review.metrics import (
    NoiseFloor,
    VersionComparison,
    compare_versions,
    failed_must_pass,
    noise_floor,
)
from judgesync.review.review_dataset import ReviewDatasetApi, judge_inline, sync_records
from judgesync.review.shadows import DEFAULT_GRACE, ShadowApi, ShadowRun, shadow_judge, sweep
from judgesync.review.significance import (
    AgreementChange,
    FlipsSignificance,
    GateDecision,
    agreement_change,
    flips_significance,
)
from judgesync.review.traffic import TrafficApi, TrafficRequest
from judgesync.review.traffic_replay import JudgeTraffic, judge_traffic, prepare_traffic
from judgesync.review.transitions import TransitionTable, transition_table
from judgesync.settings.thresholds import Gates
from judgesync.specs.case import Case


class ReplayApi(LiveJudgingApi, ShadowApi, ReviewDatasetApi, TrafficApi, Protocol):
    pass


# How the versions were judged: inline on the review dataset, or as shadow judges.
DATASET_PATH = "dataset"
SHADOW_PATH = "shadow"


@dataclass(frozen=True)
class JudgeReplay:
    """One changed judge on its cases; `current` is None for a judge being created."""

    name: str
    kind: ActionKind
    cases: tuple[Case, ...]
    proposed: Verdicts
    current: Verdicts | None
    comparison: VersionComparison | None
    # Share of cases whose verdict meets `expect`, before (None for a create) and after.
    agreement_before: float | None
    agreement_after: float | None
    noise: NoiseFloor | None
    failed_must_pass: tuple[Case, ...]
    # Whether the difference is real (None for a create: one version only).
    flips_significance: FlipsSignificance | None
    agreement_change: AgreementChange | None
    transitions: TransitionTable | None
    drop_gate: GateDecision
    # Evaluate must_pass and the gates even on emulated verdicts (`--gate-emulated`).
    gate_emulated: bool = False

    @property
    def errors(self) -> dict[str, str]:
        """Failed requests by case id, either version's."""
        current = self.current.errors if self.current is not None else {}
        return {**current, **self.proposed.errors}

    @property
    def gate_failures(self) -> tuple[str, ...]:
        decision = self.drop_gate
        return (decision.reason,) if decision.outcome == "fail" and decision.reason else ()

    @property
    def gate_warnings(self) -> tuple[str, ...]:
        decision = self.drop_gate
        return (decision.reason,) if decision.outcome == "warn" and decision.reason else ()

    @property
    def ok(self) -> bool:
        """A failed request always fails; must_pass and the gates only when evaluated."""
        if self.errors:
            return False
        return not self.evaluated or (not self.failed_must_pass and not self.gate_failures)

    @property
    def outcome(self) -> str:
        """The result word: FAILED, not evaluated, warning (an inconclusive drop
        that on_inconclusive lets pass) or ok."""
        if not self.ok:
            return "FAILED"
        if not self.evaluated:
            return NOT_EVALUATED
        return "warning" if self.gate_warnings else "ok"

    @property
    def emulated(self) -> bool:
        return self.proposed.emulated or (self.current is not None and self.current.emulated)

    @property
    def evaluated(self) -> bool:
        """Emulated verdicts say nothing about the judge: unless asked, must_pass and
        the gates are reported, not evaluated."""
        return self.gate_emulated or not self.emulated


@dataclass(frozen=True)
class Replay:
    judges: tuple[JudgeReplay, ...]
    repeat: int
    # Changed judges that have no cases: nothing could be replayed for them.
    without_cases: tuple[str, ...]
    swept: tuple[str, ...] = ()
    path: str = SHADOW_PATH
    # Updated judges on sampled production traffic (`--traffic`, review/traffic_replay.py).
    traffic: tuple[JudgeTraffic, ...] = ()
    cost: JudgingCost | None = None

    @property
    def emulated(self) -> bool:
        return any(result.emulated for result in self.judges)

    @property
    def evaluated(self) -> bool:
        return all(result.evaluated for result in self.judges)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.judges) and all(r.ok for r in self.traffic)


@dataclass(frozen=True)
class ReplayRequest:
    """What `plan --replay` asked for."""

    repeat: int = 1
    # How old another run's shadows must be before this run sweeps them.
    grace: timedelta = DEFAULT_GRACE
    # Evaluate must_pass and the gates on emulated verdicts too (`--gate-emulated`).
    gate_emulated: bool = False
    traffic: TrafficRequest | None = None


def replay(
    plan: Plan,
    listed: Sequence[Judge],
    cases_by_judge: Mapping[str, Sequence[Case]],
    client: ReplayApi,
    gates: Gates,
    request: ReplayRequest,
    parallelism: int = 8,
    progress: Progress = SILENT,
) -> Replay:
    """Replay every created or updated judge with cases; no judge is created on an
    API with datasets, and no shadow outlives the call otherwise. `listed` is the
    workspace the plan was made from. The live-judging requests are one progress task."""
    run = ShadowRun.start()
    repeat = request.repeat
    swept = sweep(client, run, request.grace, listed)
    changed = [
        action
        for action in plan.changes
        if action.kind in (ActionKind.CREATE, ActionKind.UPDATE) and action.desired is not None
    ]
    total = cost_of_replay(plan, cases_by_judge, repeat).requests
    replayed = [action for action in changed if cases_by_judge.get(action.name)]
    records = sync_records(
        client, [c for a in replayed for c in cases_by_judge[a.name]], parallelism
    )
    traffic = None
    if request.traffic is not None:
        updates = [action for action in changed if action.kind is ActionKind.UPDATE]
        dataset_id = records.dataset_id if records is not None else None
        traffic = prepare_traffic(client, dataset_id, updates, request.traffic)
        total += traffic.judgements(repeat)
    results = []
    traffic_results: tuple[JudgeTraffic, ...] = ()
    progress.start(JUDGING, total)
    try:
        for action in replayed:
            cases = tuple(cases_by_judge[action.name])
            assert action.desired is not None
            current_definition = action.remote.definition if action.remote else None
            if records is not None:
                proposed = judge_inline(
                    client,
                    action.desired,
                    cases,
                    records.record_for,
                    parallelism=parallelism,
                    progress=progress,
                )
                current = None
                if current_definition is not None:
                    current = judge_inline(
                        client,
                        current_definition,
                        cases,
                        records.record_for,
                        repeat=repeat,
                        parallelism=parallelism,
                        progress=progress,
                    )
            else:
                with shadow_judge(client, run, action.desired) as shadow:
                    proposed = judge_cases(
                        client, shadow.id, cases, parallelism=parallelism, progress=progress
                    )
                current = None
                if action.remote is not None:
                    current = judge_cases(
                        client,
                        action.remote.id,
                        cases,
                        repeat=repeat,
                        parallelism=parallelism,
                        progress=progress,
                    )
            outputs = (current_definition.output if current_definition else None, action.desired)
            results.append(
                _judge_replay(
                    action.name, action.kind, cases, (proposed, current), outputs, gates, request
                )
            )
        if traffic is not None and request.traffic is not None:
            traffic_results = judge_traffic(
                client, traffic, request.traffic, repeat, parallelism, progress
            )
    finally:
        progress.finish()
    without = tuple(a.name for a in changed if not cases_by_judge.get(a.name))
    path = SHADOW_PATH if records is None else DATASET_PATH
    return Replay(tuple(results), repeat, without, swept, path, traffic_results)


def _judge_replay(
    name: str,
    kind: ActionKind,
    cases: tuple[Case, ...],
    verdicts: tuple[Verdicts, Verdicts | None],
    outputs: tuple[Output | None, JudgeDefinition],
    gates: Gates,
    request: ReplayRequest,
) -> JudgeReplay:
    """`verdicts`: the proposed version's, the current one's; `outputs`: the current
    version's output (None for a create), the proposed definition."""
    proposed, current = verdicts
    current_output, desired = outputs
    after = _agreement(cases, proposed)
    flips = agreement = transitions = comparison = noise = before = None
    if current is not None and current_output is not None:
        before = _agreement(cases, current)
        comparison = compare_versions(current.first(), proposed.first())
        repeats = max((len(a) for a in current.answers.values()), default=0)
        noise = noise_floor(current.answers) if repeats > 1 else None
        flips = flips_significance(current.answers, proposed.first())
        agreement = agreement_change(_passes(cases, current), _passes(cases, proposed))
        transitions = transition_table(current_output, desired.output, comparison)
    return JudgeReplay(
        name=name,
        kind=kind,
        cases=cases,
        proposed=proposed,
        current=current,
        comparison=comparison,
        agreement_before=before,
        agreement_after=after,
        noise=noise,
        failed_must_pass=failed_must_pass(cases, proposed.first()),
        flips_significance=flips,
        agreement_change=agreement,
        transitions=transitions,
        drop_gate=drop_gate(gates.for_judge(name), agreement),
        gate_emulated=request.gate_emulated,
    )


def _passes(cases: Sequence[Case], verdicts: Verdicts) -> dict[str, bool]:
    """Whether each answered case's (first) verdict meets its expectation."""
    first = verdicts.first()
    return {case.id: case.passes(first[case.id]) for case in cases if case.id in first}


def _agreement(cases: Sequence[Case], verdicts: Verdicts) -> float | None:
    passes = _passes(cases, verdicts)
    return sum(passes.values()) / len(passes) if passes else None
