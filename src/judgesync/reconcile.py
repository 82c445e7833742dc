"""The core steps the commands chain: spec files -> desired state -> plan,
and the guards that stand between a plan and the remote."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from judgesync.config import Config
from judgesync.errors import PlanError, Problem, SpecError
from judgesync.plan import planfile, planner
from judgesync.plan.executor import JudgesApi
from judgesync.plan.planner import ActionKind, Plan, Policy
from judgesync.spec import JudgeDefinition
from judgesync.specs.loader import LoadedSpecs, load_specs


def policy_for(
    config: Config,
    *,
    prune: bool,
    allow_empty: bool,
    model_overrides: tuple[tuple[str, str], ...] = (),
) -> Policy:
    """The planner's policy: the config's settings, with command-line flags on top."""
    return Policy(
        prune=prune or config.prune,
        ownership=config.ownership,
        protect=config.protect,
        allow_empty=allow_empty,
        model_overrides=model_overrides,
    )


def check_specs(directory: Path, policy: Policy) -> tuple[LoadedSpecs, list[Problem]]:
    """The specs, and every problem with them, scope included."""
    loaded = load_specs(directory)
    problems = list(loaded.problems)
    scope = ", ".join(policy.ownership or ())
    problems.extend(
        Problem(
            spec.path,
            f"judge {spec.definition.name!r} is outside the ownership"
            f" scope ({scope}) set in judgesync.yaml",
            spec.line,
        )
        for spec in loaded.specs
        if not policy.owns(spec.definition.name)
    )
    return loaded, problems


@dataclass(frozen=True)
class Desired:
    """The judges the specs describe, with the names each had before."""

    definitions: tuple[JudgeDefinition, ...]
    previous_names: Mapping[str, tuple[str, ...]]


def load_desired(directory: Path, policy: Policy) -> Desired:
    """Read the specs; raises SpecError listing every problem. Done before any
    connection, so invalid specs never reach the API."""
    loaded, problems = check_specs(directory, policy)
    if problems:
        raise SpecError(problems)
    return Desired(
        tuple(spec.definition for spec in loaded.specs),
        {spec.definition.name: spec.previous_names for spec in loaded.specs},
    )


def build_plan(desired: Desired, client: JudgesApi, policy: Policy) -> Plan:
    """Plan the changes that make the remote match the desired judges."""
    return planner.plan(desired.definitions, client.list_judges(), policy, desired.previous_names)


def check_delete_limit(plan: Plan, max_deletes: int, allow_mass_delete: bool) -> None:
    deletes = plan.count(ActionKind.DELETE)
    if deletes > max_deletes and not allow_mass_delete:
        raise PlanError(
            f"The plan deletes {deletes} judges, more than max_deletes ({max_deletes});"
            " nothing was changed. Review the deletions, then pass --allow-mass-delete"
            " or raise max_deletes in judgesync.yaml."
        )


def check_protected(plan: Plan, policy: Policy) -> None:
    """A saved plan may predate a protection; it must not delete what is protected now."""
    protected = [
        action.name
        for action in plan.changes
        if action.kind is ActionKind.DELETE and policy.protects(action.name)
    ]
    if protected:
        names = ", ".join(repr(name) for name in protected)
        raise PlanError(
            f"The saved plan deletes protected judge(s) {names}; nothing was changed."
            " Lift the protection in judgesync.yaml in a reviewed change first."
        )


def verify_saved_plan(plan: Plan, client: JudgesApi) -> None:
    """Raise PlanError, listing each judge, when the plan's preconditions no longer hold."""
    stale = planfile.stale_preconditions(plan, client.list_judges())
    if stale:
        lines = "\n".join(f"  {problem}" for problem in stale)
        raise PlanError(
            f"The saved plan is stale; nothing was changed.\n{lines}\n"
            "Run plan again to review the current state, then apply the new plan."
        )
