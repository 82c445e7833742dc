"""The gate values of judgesync.yaml's `gates:`: thresholds, globally and per judge.

Values only; review/gates.py evaluates a judge's metrics against them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import Literal

# What the `max_accuracy_drop` gate does with a drop past it that is not
# significant (review/gates.py): fail the replay, or warn and pass.
OnInconclusive = Literal["fail", "warn"]
DEFAULT_ON_INCONCLUSIVE: OnInconclusive = "warn"


@dataclass(frozen=True)
class Thresholds:
    min_accuracy: float | None = None
    min_kappa: float | None = None
    max_mae: float | None = None
    max_accuracy_drop: float | None = None
    # None: not set here (a judge's own value falls back to the global one, and
    # that to DEFAULT_ON_INCONCLUSIVE).
    on_inconclusive: OnInconclusive | None = None

    def over(self, base: Thresholds) -> Thresholds:
        """These thresholds where set, `base`'s elsewhere."""
        changes = {each.name: getattr(self, each.name) for each in fields(self)}
        return replace(base, **{key: value for key, value in changes.items() if value is not None})


@dataclass(frozen=True)
class Gates:
    default: Thresholds = Thresholds()
    judges: Mapping[str, Thresholds] = field(default_factory=lambda: MappingProxyType({}))

    def for_judge(self, name: str) -> Thresholds:
        own = self.judges.get(name)
        return self.default if own is None else own.over(self.default)
