"""The gate values of judgesync.yaml's `gates:`: thresholds, globally and per judge.

Values only; review/gates.py evaluates a judge's metrics against them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType


@dataclass(frozen=True)
class Thresholds:
    min_accuracy: float | None = None
    min_kappa: float | None = None
    max_mae: float | None = None
    max_accuracy_drop: float | None = None

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
