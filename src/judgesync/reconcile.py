"""The core steps the commands chain: spec files -> desired state -> plan."""

from __future__ import annotations

from pathlib import Path

from judgesync import planfile, planner
from judgesync.errors import PlanError, SpecError
from judgesync.executor import JudgesApi
from judgesync.loader import load_specs
from judgesync.planner import Plan, Policy
from judgesync.spec import JudgeDefinition


def load_desired(directory: Path) -> list[JudgeDefinition]:
    """The judges the specs describe; raises SpecError listing every problem."""
    loaded = load_specs(directory)
    if loaded.problems:
        raise SpecError(list(loaded.problems))
    return [spec.definition for spec in loaded.specs]


def build_plan(directory: Path, client: JudgesApi, policy: Policy) -> Plan:
    """Plan the changes that make the remote match the specs in `directory`."""
    desired = load_desired(directory)
    return planner.plan(desired, client.list_judges(), policy)


def verify_saved_plan(plan: Plan, client: JudgesApi) -> None:
    """Raise PlanError, listing each judge, when the plan's preconditions no longer hold."""
    stale = planfile.stale_preconditions(plan, client.list_judges())
    if stale:
        lines = "\n".join(f"  {problem}" for problem in stale)
        raise PlanError(
            f"The saved plan is stale; nothing was changed.\n{lines}\n"
            "Run plan again to review the current state, then apply the new plan."
        )
