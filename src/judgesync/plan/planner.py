"""Pure planning: desired definitions + remote judges + policy -> Plan.

A spec is matched to a remote judge, in this order: by exact name; by name
ignoring case and surrounding spaces (some readings of the API treat such
names as equal, so the plan renames in place rather than create a judge the
server may refuse); by one of its `previous_names` (a rename). Only judges
the policy owns are ever matched, updated or deleted.

Each update carries its change class (plan/change_class.py) and the spec's
`acknowledge_breaking`, so that whoever shows or applies the plan can tell a
breaking change, and whether its spec acknowledges that very change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from judgesync.errors import PlanError
from judgesync.models import Judge, JudgeDefinition
from judgesync.names import find_by_name, is_shadow, name_key
from judgesync.plan.change_class import (
    ChangeClass,
    Classification,
    ack_covers,
    breaking_fingerprint,
    classify,
)
from judgesync.plan.normalize import changed_fields
from judgesync.settings.policy import Policy


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
    # Updates only: how much the change breaks, and the spec's acknowledgement if any.
    classification: Classification | None = None
    acknowledge_breaking: str | None = None

    @property
    def breaking(self) -> bool:
        """Whether this is a major update: verdicts before and after are not comparable."""
        return (
            self.classification is not None
            and self.classification.change_class is ChangeClass.MAJOR
        )

    @property
    def fingerprint(self) -> str | None:
        """What a spec writes in `acknowledge_breaking` to accept this change; major only."""
        if not self.breaking:
            return None
        assert self.remote is not None and self.desired is not None
        return breaking_fingerprint(self.remote.definition, self.desired)

    @property
    def acknowledged(self) -> bool:
        """Whether the spec's acknowledgement covers this major change, and only it."""
        if not self.breaking:
            return False
        assert self.remote is not None and self.desired is not None
        return ack_covers(self.remote.definition, self.desired, self.acknowledge_breaking)


@dataclass(frozen=True)
class ModelOverride:
    judge: str
    original: str
    replacement: str


@dataclass(frozen=True)
class Plan:
    actions: tuple[Action, ...]
    # Owned remote judges no spec names, left alone (no --prune).
    unmanaged: tuple[Judge, ...] = field(default=())
    model_overrides: tuple[ModelOverride, ...] = field(default=())

    def count(self, kind: ActionKind) -> int:
        return sum(1 for action in self.actions if action.kind is kind)

    @property
    def changes(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if a.kind is not ActionKind.NOOP)

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    @property
    def breaking(self) -> tuple[Action, ...]:
        """The major updates: after them, past verdicts are not comparable."""
        return tuple(a for a in self.actions if a.breaking)

    @property
    def unacknowledged(self) -> tuple[Action, ...]:
        """The major updates whose spec does not acknowledge them."""
        return tuple(a for a in self.breaking if not a.acknowledged)


def diff(before: JudgeDefinition, after: JudgeDefinition) -> tuple[FieldChange, ...]:
    """The managed fields that differ, by the rules of `normalize` (tools a set, bounds
    as numbers, options in order); paths are dotted, e.g. `output.options[0].value`."""
    return tuple(FieldChange(*change) for change in changed_fields(before, after))


def matched_action(
    definition: JudgeDefinition, judge: Judge, acknowledge_breaking: str | None = None
) -> Action:
    """The update that makes remote `judge` match `definition`, classified; or a no-op."""
    changes = diff(judge.definition, definition)
    if not changes:
        return Action(ActionKind.NOOP, definition.name, definition, judge)
    classification = classify(judge.definition, definition)
    return Action(
        ActionKind.UPDATE,
        definition.name,
        definition,
        judge,
        changes,
        classification,
        acknowledge_breaking,
    )


def plan(
    desired: Sequence[JudgeDefinition],
    remote: Sequence[Judge],
    policy: Policy = Policy(),  # noqa: B008 - a frozen value, safe to share
    previous_names: Mapping[str, Sequence[str]] | None = None,
    acknowledgements: Mapping[str, str] | None = None,
) -> Plan:
    """Compare the desired judges with the live remote judges the policy owns.

    `previous_names` maps a spec's name to the names it had before;
    `acknowledgements` maps a spec's name to its `acknowledge_breaking`.
    Raises PlanError when names are ambiguous or a guard forbids the plan.
    """
    desired, overrides = _override_models(desired, dict(policy.model_overrides))
    _check_desired_names(desired)
    # The emptying guard counts every owned judge: --only narrowing them is no emptying.
    owned_in_all = sum(policy.owns(judge.name) for judge in remote)
    desired, remote = _selected(desired, remote, previous_names or {}, policy)
    owned = [judge for judge in remote if policy.owns(judge.name)]
    matches = _match(desired, _unique_remote(owned), previous_names or {})

    actions: list[Action] = []
    for definition in desired:
        judge = matches.get(definition.name)
        if judge is None:
            actions.append(Action(ActionKind.CREATE, definition.name, desired=definition))
            continue
        ack = (acknowledgements or {}).get(definition.name)
        actions.append(matched_action(definition, judge, ack))

    matched_ids = {judge.id for judge in matches.values()}
    leftovers = sorted(
        (judge for judge in owned if judge.id not in matched_ids), key=lambda j: j.name
    )
    if policy.prune:
        policy.refuse_protected_deletes(judge.name for judge in leftovers)
        policy.refuse_emptying(len(leftovers), owned_in_all)
        actions.extend(Action(ActionKind.DELETE, judge.name, remote=judge) for judge in leftovers)
        leftovers = []
    actions.sort(key=lambda action: (action.name, action.kind))
    return Plan(tuple(actions), tuple(leftovers), overrides)


def stale_acknowledgements(
    plan: Plan, acknowledgements: Mapping[str, str]
) -> tuple[tuple[str, str], ...]:
    """(judge, ack) for each spec acknowledging a breaking change this plan does not
    make to its judge: left from an earlier change, it can be removed."""
    breaking = {action.name for action in plan.breaking}
    return tuple(
        (name, ack) for name, ack in sorted(acknowledgements.items()) if name not in breaking
    )


def _selected(
    desired: Sequence[JudgeDefinition],
    remote: Sequence[Judge],
    previous_names: Mapping[str, Sequence[str]],
    policy: Policy,
) -> tuple[list[JudgeDefinition], list[Judge]]:
    """The judges --only selects; everything else stays out of the plan. A spec and
    its previous names go together, so a rename is never half selected (a create
    without its judge, or a prune of the judge a spec was renamed from)."""
    if not policy.only:
        return list(desired), list(remote)
    policy.refuse_unmatched_only(
        [name for spec in desired for name in (spec.name, *previous_names.get(spec.name, ()))]
        + [judge.name for judge in remote if not is_shadow(judge.name)],
        "spec and no remote judge",
    )

    def names(spec: JudgeDefinition) -> set[str]:
        return {name_key(name) for name in (spec.name, *previous_names.get(spec.name, ()))}

    chosen, others = [], set()
    for spec in desired:
        if any(policy.selects(name) for name in (spec.name, *previous_names.get(spec.name, ()))):
            chosen.append(spec)
        else:
            others |= names(spec)
    chosen_names = set().union(*(names(spec) for spec in chosen))
    kept = [
        judge
        for judge in remote
        if name_key(judge.name) in chosen_names
        or (policy.selects(judge.name) and name_key(judge.name) not in others)
    ]
    return chosen, kept


def _override_models(
    desired: Sequence[JudgeDefinition], overrides: Mapping[str, str]
) -> tuple[list[JudgeDefinition], tuple[ModelOverride, ...]]:
    replaced: list[JudgeDefinition] = []
    applied: list[ModelOverride] = []
    for definition in desired:
        replacement = overrides.get(definition.model_name)
        if replacement is None or replacement == definition.model_name:
            replaced.append(definition)
            continue
        applied.append(ModelOverride(definition.name, definition.model_name, replacement))
        replaced.append(definition.model_copy(update={"model_name": replacement}))
    return replaced, tuple(sorted(applied, key=lambda o: o.judge))


def _match(
    desired: Sequence[JudgeDefinition],
    remote_by_name: Mapping[str, Judge],
    previous_names: Mapping[str, Sequence[str]],
) -> dict[str, Judge]:
    """Pair each spec name with the remote judge it manages, if any."""
    exact_names = {definition.name for definition in desired}
    # Remote judges that no spec names exactly, by loose key: candidates for the loose pass.
    loose: dict[str, list[Judge]] = {}
    for judge in remote_by_name.values():
        if judge.name not in exact_names:
            loose.setdefault(name_key(judge.name), []).append(judge)

    matches: dict[str, Judge] = {}
    claimed: dict[str, str] = {}

    def claim(spec: str, judge: Judge) -> None:
        if judge.id in claimed:
            raise PlanError(
                f"Specs {claimed[judge.id]!r} and {spec!r} both claim remote judge"
                f" {judge.name!r} ({judge.id}); keep the old name in one spec's"
                " previous_names only."
            )
        claimed[judge.id] = spec
        matches[spec] = judge

    for definition in desired:
        name = definition.name
        found = remote_by_name.get(name) or _only(loose.get(name_key(name), []), name)
        old = [
            j
            for old in previous_names.get(name, ())
            if (j := find_by_name(remote_by_name.values(), old))
        ]
        old = list({judge.id: judge for judge in old}.values())
        if found is not None and old:
            raise PlanError(
                f"Spec {name!r} lists previous name {old[0].name!r}, but both {name!r}"
                f" ({found.id}) and {old[0].name!r} ({old[0].id}) are live remotely;"
                " delete one of them or drop the previous name."
            )
        if len(old) > 1:
            ids = ", ".join(f"{j.name!r} ({j.id})" for j in old)
            raise PlanError(
                f"Spec {name!r} has several previous names live remotely: {ids};"
                " keep only the one it was renamed from."
            )
        if found is not None:
            claim(name, found)
        elif old:
            claim(name, old[0])
    return matches


def _only(candidates: list[Judge], spec: str) -> Judge | None:
    if len(candidates) > 1:
        ids = ", ".join(f"{c.name!r} ({c.id})" for c in candidates)
        raise PlanError(
            f"Spec {spec!r} matches several remote judges by case-insensitive"
            f" name: {ids}; rename the spec to one of them exactly."
        )
    return candidates[0] if candidates else None


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
