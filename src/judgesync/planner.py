"""Pure planning: desired definitions + remote judges + policy -> Plan.

Judges are matched by name. A remote judge whose name differs from a spec's
only by case or surrounding spaces is the same judge (some readings of the
API treat such names as equal), so the plan renames it in place instead of
creating a second judge the server may refuse.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from judgesync.errors import PlanError
from judgesync.normalize import canonical, flatten
from judgesync.spec import Judge, JudgeDefinition


class ActionKind(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    NOOP = "no-op"


@dataclass(frozen=True)
class FieldChange:
    """One managed field that differs; `path` is dotted, e.g. `output.max`."""

    path: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Action:
    kind: ActionKind
    name: str
    desired: JudgeDefinition | None = None
    remote: Judge | None = None
    changes: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class Policy:
    """What the plan may do beyond creating and updating the specs' judges."""

    prune: bool = False


@dataclass(frozen=True)
class Plan:
    actions: tuple[Action, ...]
    # Remote judges no spec names, left alone (no --prune).
    unmanaged: tuple[Judge, ...] = field(default=())

    def count(self, kind: ActionKind) -> int:
        return sum(1 for action in self.actions if action.kind is kind)

    @property
    def changes(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if a.kind is not ActionKind.NOOP)

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)


def name_key(name: str) -> str:
    """Names that some readings of the API treat as equal share a key."""
    return name.strip().casefold()


def diff(before: JudgeDefinition, after: JudgeDefinition) -> tuple[FieldChange, ...]:
    """The managed fields that differ, compared in canonical form."""
    old, new = flatten(canonical(before)), flatten(canonical(after))
    paths = list(new) + [path for path in old if path not in new]
    return tuple(
        FieldChange(path, old.get(path), new.get(path))
        for path in paths
        if old.get(path) != new.get(path)
    )


def plan(
    desired: Sequence[JudgeDefinition],
    remote: Sequence[Judge],
    policy: Policy = Policy(),
) -> Plan:
    """Compare the desired judges with the live remote ones.

    Raises PlanError when names are ambiguous on either side.
    """
    _check_desired_names(desired)
    remote_by_name = _unique_remote(remote)
    # Remote judges an exact name leaves free, by case-insensitive key: rename candidates.
    loose: dict[str, list[Judge]] = {}
    exact_names = {definition.name for definition in desired}
    for judge in remote_by_name.values():
        if judge.name not in exact_names:
            loose.setdefault(name_key(judge.name), []).append(judge)

    actions: list[Action] = []
    matched: set[str] = set()
    for definition in desired:
        judge = remote_by_name.get(definition.name)
        if judge is None:
            candidates = loose.get(name_key(definition.name), [])
            if len(candidates) > 1:
                ids = ", ".join(f"{c.name!r} ({c.id})" for c in candidates)
                raise PlanError(
                    f"Spec {definition.name!r} matches several remote judges by case-insensitive"
                    f" name: {ids}; rename the spec to one of them exactly."
                )
            judge = candidates[0] if candidates else None
        if judge is None:
            actions.append(Action(ActionKind.CREATE, definition.name, desired=definition))
            continue
        matched.add(judge.id)
        changes = diff(judge.definition, definition)
        kind = ActionKind.UPDATE if changes else ActionKind.NOOP
        actions.append(Action(kind, definition.name, definition, judge, changes))

    leftovers = sorted(
        (judge for judge in remote_by_name.values() if judge.id not in matched),
        key=lambda judge: judge.name,
    )
    if policy.prune:
        actions.extend(Action(ActionKind.DELETE, judge.name, remote=judge) for judge in leftovers)
        leftovers = []
    actions.sort(key=lambda action: (action.name, action.kind))
    return Plan(tuple(actions), tuple(leftovers))


def _check_desired_names(desired: Sequence[JudgeDefinition]) -> None:
    seen: dict[str, str] = {}
    for definition in desired:
        key = name_key(definition.name)
        if key in seen:
            raise PlanError(
                f"Specs name judges {seen[key]!r} and {definition.name!r}, which the API may"
                " treat as the same name; rename one of them."
            )
        seen[key] = definition.name


def _unique_remote(remote: Sequence[Judge]) -> dict[str, Judge]:
    by_name: dict[str, Judge] = {}
    for judge in remote:
        if judge.name in by_name:
            other = by_name[judge.name]
            raise PlanError(
                f"Two live remote judges are both named {judge.name!r} (ids {other.id} and"
                f" {judge.id}); delete or rename one of them in the workspace, then plan again."
            )
        by_name[judge.name] = judge
    return by_name
