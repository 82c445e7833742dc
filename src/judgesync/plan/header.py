"""What every rendered plan says first: where it applies and what it may touch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from judgesync.settings.address import target_label
from judgesync.settings.policy import BreakingChanges

if TYPE_CHECKING:
    from judgesync.plan.planfile import SavedPlan


@dataclass(frozen=True)
class PlanHeader:
    """The target, the judges it owns (`ownership` globs; None owns the whole
    workspace) and whether owned judges that no spec names are deleted.

    `target` is how output names the target; `api_url` (the URL, or `local`) and
    `target_name` (judgesync.yaml's target) are what it is, for machines.
    `only` holds the --only patterns the plan was narrowed to; empty: not narrowed.
    `breaking_changes` is judgesync.yaml's rule for major updates; None where it
    is not known (a saved plan does not record it).
    """

    target: str
    ownership: tuple[str, ...] | None
    prune: bool
    only: tuple[str, ...] = ()
    api_url: str | None = None
    target_name: str | None = None
    breaking_changes: BreakingChanges | None = None

    @classmethod
    def of_saved(cls, saved: SavedPlan) -> PlanHeader:
        """The header the plan had when it was made."""
        target = saved.target_label or target_label(saved.target, saved.target_name)
        return cls(
            target,
            saved.ownership,
            saved.prune,
            api_url=saved.target,
            target_name=saved.target_name,
        )

    def scope(self, show: Callable[[str], str] = str) -> str:
        """The owned judges in words, each glob passed through `show`."""
        if self.ownership is None:
            return "the whole workspace"
        return "judges named " + ", ".join(show(glob) for glob in self.ownership)

    def only_text(self, show: Callable[[str], str] = str) -> str | None:
        """The --only patterns, each passed through `show`; None when the plan is not narrowed."""
        return ", ".join(show(glob) for glob in self.only) if self.only else None

    @property
    def prune_text(self) -> str:
        if self.prune:
            return "on (owned judges that no spec names are deleted)"
        return "off (owned judges that no spec names are left alone)"
