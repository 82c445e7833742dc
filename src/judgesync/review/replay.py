"""`plan --replay`: what a plan's changes do to the judges' verdicts.

For every judge the plan creates or updates that has cases, the proposed
definition and (for an update) the current remote definition, `repeat` times,
are judged inline on the same records of the review dataset
(review/review_dataset.py): no judge is created, and the path cannot explain
a difference. The current version's own flip rate (the noise floor) stands
beside the flips the change makes. An API without datasets falls back to
shadow judges (review/shadows.py): the proposed version saved for the run,
the current one judged by id. Gates: `max_accuracy_drop` and any failed `must_pass` case of the
proposed version fail the replay.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from judgesync.models import Judge, JudgeDefinition
from judgesync.plan.planner import ActionKind, Plan
from judgesync.progress import SILENT, Progress
from judgesync.review.cost import JudgingCost, cost_of_replay
from judgesync.review.gates import drop_failures
from judgesync.review.live_judging import (
    JUDGING,
    LiveJudgingApi,
    Verdicts,
    judge_cases,
    judge_each,
)
from judgesync.review.metrics import (
    NoiseFloor,
    VersionComparison,
    compare_versions,
    failed_must_pass,
    noise_floor,
)
from judgesync.review.review_dataset import ReviewDatasetApi, ReviewRecords, sync_records
from judgesync.review.shadows import DEFAULT_GRACE, ShadowApi, ShadowRun, shadow_judge, sweep
from judgesync.settings.thresholds import Gates
from judgesync.specs.case import Case


class ReplayApi(LiveJudgingApi, ShadowApi, ReviewDatasetApi, Protocol):
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
    gate_failures: tuple[str, ...]

    @property
    def errors(self) -> dict[str, str]:
        """Failed requests by case id, either version's."""
        current = self.current.errors if self.current is not None else {}
        return {**current, **self.proposed.errors}

    @property
    def ok(self) -> bool:
        return not self.failed_must_pass and not self.gate_failures and not self.errors


@dataclass(frozen=True)
class Replay:
    judges: tuple[JudgeReplay, ...]
    repeat: int
    # Changed judges that have no cases: nothing could be replayed for them.
    without_cases: tuple[str, ...]
    swept: tuple[str, ...] = ()
    path: str = SHADOW_PATH
    cost: JudgingCost | None = None

    @property
    def emulated(self) -> bool:
        return any(
            result.proposed.emulated or (result.current is not None and result.current.emulated)
            for result in self.judges
        )

    @property
    def ok(self) -> bool:
        return all(result.ok for result in self.judges)


@dataclass(frozen=True)
class ReplayRequest:
    """What `plan --replay` asked for."""

    repeat: int = 1
    # How old another run's shadows must be before this run sweeps them.
    grace: timedelta = DEFAULT_GRACE


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
    records = sync_records(client, [c for a in replayed for c in cases_by_judge[a.name]])
    results = []
    progress.start(JUDGING, total)
    try:
        for action in replayed:
            cases = tuple(cases_by_judge[action.name])
            assert action.desired is not None
            current_definition = action.remote.definition if action.remote else None
            if records is not None:
                proposed = _inline(client, records, action.desired, cases, 1, parallelism, progress)
                current = None
                if current_definition is not None:
                    current = _inline(
                        client, records, current_definition, cases, repeat, parallelism, progress
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
            results.append(_judge_replay(action.name, action.kind, cases, proposed, current, gates))
    finally:
        progress.finish()
    without = tuple(a.name for a in changed if not cases_by_judge.get(a.name))
    path = SHADOW_PATH if records is None else DATASET_PATH
    return Replay(tuple(results), repeat, without, swept, path)


def _inline(
    client: ReviewDatasetApi,
    records: ReviewRecords,
    definition: JudgeDefinition,
    cases: Sequence[Case],
    repeat: int,
    parallelism: int,
    progress: Progress,
) -> Verdicts:
    return judge_each(
        lambda case: client.judge_record(records.record_for(case), definition),
        cases,
        repeat=repeat,
        parallelism=parallelism,
        progress=progress,
    )


def _judge_replay(
    name: str,
    kind: ActionKind,
    cases: tuple[Case, ...],
    proposed: Verdicts,
    current: Verdicts | None,
    gates: Gates,
) -> JudgeReplay:
    after = _agreement(cases, proposed)
    before = _agreement(cases, current) if current is not None else None
    comparison = compare_versions(current.first(), proposed.first()) if current else None
    repeats = max((len(a) for a in current.answers.values()), default=0) if current else 0
    noise = noise_floor(current.answers) if current is not None and repeats > 1 else None
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
        gate_failures=tuple(drop_failures(gates.for_judge(name), before, after)),
    )


def _agreement(cases: Sequence[Case], verdicts: Verdicts) -> float | None:
    first = verdicts.first()
    answered = [case for case in cases if case.id in first]
    if not answered:
        return None
    return sum(case.passes(first[case.id]) for case in answered) / len(answered)
