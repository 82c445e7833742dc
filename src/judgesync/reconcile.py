"""The core of plan and apply: one function per command (validate's is specs/check.py).

Each command's flags arrive as `Choices`; `resolve` meets them with
judgesync.yaml and the environment exactly once, giving `Settings` (the
target and the `Policy`). From there: spec files -> desired judges -> plan,
fresh or saved, and the guards between a plan and the remote.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from judgesync.config import find_config, load_config
from judgesync.errors import ConfigError, PlanError, SpecError
from judgesync.plan import executor, planfile, planner
from judgesync.plan.executor import JudgesApi, Report
from judgesync.plan.planner import ActionKind, Plan
from judgesync.policy import Choices, Policy
from judgesync.progress import SILENT, Progress
from judgesync.remote.connect import Target, open_client, resolve_target
from judgesync.remote.local_state import local_db
from judgesync.render.header import PlanHeader
from judgesync.review.replay import Replay, ReplayRequest, replay
from judgesync.spec import Judge, JudgeDefinition
from judgesync.specs.cases import require_cases
from judgesync.specs.check import check_specs


@dataclass(frozen=True)
class Settings:
    """Where to connect and the rules to play by, resolved once per command."""

    target: Target
    policy: Policy
    config_file: Path | None  # judgesync.yaml, when there is one: a saved plan hashes it


def resolve(choices: Choices, environ: Mapping[str, str], workdir: Path) -> Settings:
    """judgesync.yaml (found from `workdir`), the flags and the environment, met once."""
    config_file = find_config(workdir)
    config = load_config(config_file)
    target = resolve_target(choices.api_url, environ, choices.target_name, config)
    if target.is_local:
        target = replace(target, local_db=local_db(workdir))
    return Settings(target, Policy.resolve(config, choices, target.model_overrides), config_file)


def header_of(settings: Settings) -> PlanHeader:
    """What a plan made with these settings says first: its target and scope."""
    policy = settings.policy
    return PlanHeader(settings.target.label, policy.ownership, policy.prune, only=policy.only)


@dataclass(frozen=True)
class Desired:
    """The judges the specs describe, with the names each had before."""

    definitions: tuple[JudgeDefinition, ...]
    previous_names: Mapping[str, tuple[str, ...]]
    # By judge name: each spec's `acknowledge_breaking`, where it has one.
    acknowledgements: Mapping[str, str]
    instruction_files: tuple[Path, ...]  # the prompt files read, wherever they are


def load_desired(policy: Policy) -> Desired:
    """Read the specs; raises SpecError listing every problem. Done before any
    connection, so invalid specs never reach the API."""
    loaded, problems = check_specs(policy)
    if problems:
        raise SpecError(problems)
    return Desired(
        tuple(spec.definition for spec in loaded.specs),
        {spec.definition.name: spec.previous_names for spec in loaded.specs},
        {
            spec.definition.name: spec.acknowledge_breaking
            for spec in loaded.specs
            if spec.acknowledge_breaking is not None
        },
        loaded.instruction_files,
    )


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
) -> Planned:
    """Plan afresh; with `out`, save the plan with the hashes of the files it was
    made from (the spec directory's, judgesync.yaml, and prompt files outside it);
    with `replay_request`, replay the changed judges' cases (review/replay.py)."""
    settings = resolve(choices, environ, workdir)
    policy, target = settings.policy, settings.target
    desired = load_desired(policy)
    cases = require_cases(policy.specs, desired.definitions) if replay_request else None
    with open_client(target, workdir, parallelism) as client:
        listed = list_judges(client, progress)
        fresh = _fresh_plan(desired, listed, policy)
        behaviour = None
        if replay_request is not None and cases is not None:
            behaviour = replay(
                fresh, listed, cases, client, policy.gates, replay_request, parallelism, progress
            )
    if out is not None:
        spec_files = planfile.hash_spec_files(
            policy.specs, [*_config_files(settings), *desired.instruction_files]
        )
        document = planfile.to_document(
            fresh,
            target.api_url,
            target.name,
            target.api_key,
            spec_files,
            ownership=policy.ownership,
            prune=policy.prune,
        )
        planfile.save(out, document)
    warnings = (
        policy.delete_limit_warning(fresh.count(ActionKind.DELETE)),
        policy.breaking_warning(fresh.unacknowledged),
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


@dataclass(frozen=True)
class Applied:
    plan: Plan
    header: PlanHeader
    report: Report


def apply(
    choices: Choices,
    environ: Mapping[str, str],
    workdir: Path,
    parallelism: int,
    *,
    saved_plan: Path | None,
    show: Callable[[Plan, PlanHeader], None],
    approve: Callable[[Plan], None] | None,
    progress: Progress = SILENT,
) -> Applied:
    """Execute a saved plan, or plan afresh, then make the remote match.

    `show` gets the plan and its header before anything changes (a saved
    plan's header is the one it was saved with); `approve` (None when
    approved in advance) raises to stop when the plan has changes.
    """
    settings = resolve(choices, environ, workdir)
    policy, target = settings.policy, settings.target
    saved = _load_saved(saved_plan, choices, settings, workdir) if saved_plan else None
    desired = load_desired(policy) if saved is None else None
    with open_client(target, workdir, parallelism) as client:
        if desired is not None:
            listed = list_judges(client, progress)
            chosen, header = _fresh_plan(desired, listed, policy), header_of(settings)
        else:
            assert saved is not None
            chosen, header = saved.plan, PlanHeader.of_saved(saved)
            _refuse_stale(chosen, client)
        show(chosen, header)
        policy.refuse_mass_delete(chosen.count(ActionKind.DELETE))
        policy.refuse_unacknowledged(chosen.unacknowledged)
        if chosen.has_changes and approve is not None:
            approve(chosen)
        report = executor.apply(chosen, client, parallelism, progress)
    return Applied(chosen, header, report)


def _fresh_plan(desired: Desired, listed: list[Judge], policy: Policy) -> Plan:
    return planner.plan(
        desired.definitions,
        listed,
        policy,
        desired.previous_names,
        desired.acknowledgements,
    )


def list_judges(client: JudgesApi, progress: Progress) -> list[Judge]:
    """The remote judges, with the listing shown as a task of unknown length."""
    progress.start("listing")
    try:
        return client.list_judges()
    finally:
        progress.finish()


def _load_saved(
    path: Path, choices: Choices, settings: Settings, workdir: Path
) -> planfile.SavedPlan:
    """The saved plan, when it may run here: nothing in it is decided again."""
    if choices.prune is not None or choices.allow_empty:
        flag = {True: "--prune", False: "--no-prune", None: "--allow-empty"}[choices.prune]
        raise ConfigError(
            f"{flag} does not apply with --plan: the saved plan already decided what to"
            f" delete. Drop {flag}, or run plan again with it."
        )
    if choices.only:
        raise ConfigError(
            "--only does not apply with --plan: the saved plan already decided which judges"
            " it touches. Drop --only, or run plan --only ... --out again."
        )
    saved = planfile.load(path)
    target, policy = settings.target, settings.policy
    planfile.check_target(saved, target.api_url, target.name, target.api_key)
    policy.refuse_protected_deletes(
        action.name for action in saved.plan.changes if action.kind is ActionKind.DELETE
    )
    # The same files again: the spec directory's, judgesync.yaml as found now, and the
    # prompt files outside the directory that the plan recorded.
    recorded_outside = saved.spec_files.outside(policy.specs)
    now = planfile.hash_spec_files(policy.specs, [*_config_files(settings), *recorded_outside])
    specs = policy.specs
    if specs.is_absolute() and specs.is_relative_to(workdir.resolve()):
        specs = specs.relative_to(workdir.resolve())
    differences = saved.spec_files.differences(now, specs.as_posix())
    if differences:
        lines = "\n".join(f"  {line}" for line in differences)
        raise PlanError(
            "The files the plan was made from differ now; nothing was changed.\n"
            f"{lines}\nApply the plan from the checkout it was made in, or run plan again"
            " to review these files."
        )
    return saved


def _config_files(settings: Settings) -> list[Path]:
    return [] if settings.config_file is None else [settings.config_file]


def _refuse_stale(saved: Plan, client: JudgesApi) -> None:
    """Raise PlanError, listing each judge, when the plan's preconditions no longer hold."""
    stale = planfile.stale_preconditions(saved, client.list_judges())
    if stale:
        lines = "\n".join(f"  {problem}" for problem in stale)
        raise PlanError(
            f"The saved plan is stale; nothing was changed.\n{lines}\n"
            "Run plan again to review the current state, then apply the new plan."
        )
