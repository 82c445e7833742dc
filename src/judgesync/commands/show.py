"""`show`'s core: a saved plan and the header it was made with, offline."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from judgesync.plan import planfile
from judgesync.plan.header import PlanHeader
from judgesync.plan.planner import Plan


@dataclass(frozen=True)
class Shown:
    plan: Plan
    header: PlanHeader
    saved_by: str  # "judgesync <version> at <time>"
    # The traffic the plan's replay judged (planfile's `traffic`), or None.
    traffic: dict[str, Any] | None = None


def show(plan_file: Path) -> Shown:
    """The saved plan at `plan_file`, as it was made; raises PlanError for a bad file."""
    saved = planfile.load(plan_file)
    return Shown(
        saved.plan,
        PlanHeader.of_saved(saved),
        f"judgesync {saved.judgesync_version} at {saved.created_at}",
        saved.traffic,
    )
