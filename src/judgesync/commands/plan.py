"""`plan`'s core: the specs against the remote, saved with `--out`, replayed with `--replay`."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from judgesync.commands.setup import (
    fresh_plan,
    header_of,
    list_judges,
    load_desired,
    resolve,
)
from judgesync.plan import guards, planfile, planner
from judgesync.plan.header import PlanHeader
from judgesync.plan.planner import ActionKind, Plan
from judgesync.progress import SILENT, Progress
from judgesync.remote.connect import open_client
from judgesync.review.cost import JudgingCost, cost_of_replay, within_budget
from judgesync.review.replay import Replay, ReplayRequest, replay
from judgesync.review.traffic import TrafficOptions, cost_of_traffic, traffic_request
from judgesync.review.traffic_replay import traffic_record
from judgesync.settings.policy import Choices
from judgesync.specs.cases_loader import require_cases


@dataclass(frozen=True)
class Planned:
    plan: Plan
    header: PlanHeader  # the target and scope, for rendering
    # What apply would refuse (too many deletions, unacknowledged breaking changes)
    # and what the specs should tidy (stale acknowledgements).
    warnings: tuple[str, ...]
    # What the changes do to the judges' verdicts, with `plan --replay`.
    replay: Replay | None = None


def plan(
    choices: Choices,
    environ: Mapping[str, str],
    workdir: Path,
    parallelism: int,
    out: Path | None = None,
    replay_request: ReplayRequest | None = None,
    progress: Progress = SILENT,
    traffic: TrafficOptions = TrafficOptions(),  # noqa: B008 - a frozen value
    announce: Callable[[JudgingCost], None] = lambda cost: None,
) -> Planned:
    """Plan afresh; with `out`, save the plan with the hashes of the files it was
    made from (the spec directory's, judgesync.yaml, and prompt files outside it);
    with `replay_request`, replay the changed judges' cases (review/replay.py), and
    their production traffic per `traffic` and judgesync.yaml (review/traffic.py),
    its cost told to `announce` first, and nothing sent when over
    `review.max_judgements`."""
    settings = resolve(choices, environ, workdir)
    policy, target = settings.policy, settings.target
    if replay_request is not None:
        selectors = traffic_request(traffic, policy.traffic, environ, datetime.now(UTC))
        replay_request = replace(replay_request, traffic=selectors)
    desired = load_desired(policy, settings.config_file)
    cases = require_cases(policy.specs, desired.definitions) if replay_request else None
    with open_client(target, workdir, parallelism) as client:
        listed = list_judges(client, progress)
        fresh = fresh_plan(desired, listed, policy)
        behaviour = None
        if replay_request is not None and cases is not None:
            cost = cost_of_replay(fresh, cases, replay_request.repeat)
            if replay_request.traffic is not None:
                updated = [a.name for a in fresh.changes if a.kind is ActionKind.UPDATE]
                cost = cost_of_traffic(cost, updated, replay_request.traffic, replay_request.repeat)
            within_budget(cost, policy.max_judgements)
            announce(cost)
            replayed = replay(
                fresh, listed, cases, client, policy.gates, replay_request, parallelism, progress
            )
            behaviour = replace(replayed, cost=cost)
    if out is not None:
        spec_files = planfile.hash_files(policy.specs, desired.inputs.files)
        document = planfile.to_document(
            fresh,
            target.api_url,
            target.name,
            target.api_key,
            spec_files,
            ownership=policy.ownership,
            prune=policy.prune,
            target_label=target.label,
            spec_directory=Path(os.path.relpath(policy.specs.resolve(), settings.root)).as_posix(),
            traffic=traffic_record(behaviour.traffic) if behaviour and behaviour.traffic else None,
        )
        planfile.save(out, document)
    warnings = (
        policy.delete_limit_warning(fresh.count(ActionKind.DELETE)),
        guards.breaking_warning(policy, fresh.unacknowledged),
        *(
            f"Note: the spec of {name!r} acknowledges a breaking change"
            f" (acknowledge_breaking: {ack.strip()}) that this plan does not make; once it is"
            " applied on every target, remove the line."
            for name, ack in planner.stale_acknowledgements(fresh, desired.acknowledgements)
        ),
    )
    return Planned(
        fresh, header_of(settings), tuple(w for w in warnings if w is not None), behaviour
    )
