"""What every rendered plan says first: where it applies and what it may touch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PlanHeader:
    """The target, the judges it owns (`ownership` globs; None owns the whole
    workspace) and whether owned judges that no spec names are deleted."""

    target: str
    ownership: tuple[str, ...] | None = None
    prune: bool = False

    @classmethod
    def of(cls, header: PlanHeader | str) -> PlanHeader:
        """A bare target means the default policy: the whole workspace, no pruning."""
        return header if isinstance(header, PlanHeader) else cls(header)

    def scope(self, show: Callable[[str], str] = str) -> str:
        """The owned judges in words, each glob passed through `show`."""
        if self.ownership is None:
            return "the whole workspace"
        return "judges named " + ", ".join(show(glob) for glob in self.ownership)

    @property
    def prune_text(self) -> str:
        if self.prune:
            return "on (owned judges that no spec names are deleted)"
        return "off (owned judges that no spec names are left alone)"
