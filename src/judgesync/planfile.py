"""Saved plans: what `plan --out` writes and `apply --plan` executes.

A plan file is JSON (documented in docs/planfile.md):

    {"format_version": 1, "judgesync_version": str, "created_at": ISO-8601,
     "target": str (API URL or "local", never the key), "specs_hash": str,
     "actions": [{"action": "create"|"update"|"delete", "name": str,
                  "desired": {judge definition} | null,
                  "remote": {judge as read at plan time} | null,
                  "precondition": {...}}],
     "unmanaged": [{judge as read}],
     "model_overrides": [{"judge": str, "original": str, "replacement": str}]}

Preconditions: a create needs its name still free; an update or delete needs
the judge it read (same id, still the newest revision, same `updated_at`,
same content hash). Anything else may change in between.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from judgesync import __version__
from judgesync.errors import ConfigError, PlanError
from judgesync.names import name_key
from judgesync.normalize import content_hash
from judgesync.planner import Action, ActionKind, ModelOverride, Plan, diff
from judgesync.spec import Judge, JudgeDefinition

FORMAT_VERSION = 1


@dataclass(frozen=True)
class SavedPlan:
    plan: Plan
    target: str
    judgesync_version: str
    created_at: str
    specs_hash: str


def specs_hash(directory: Path) -> str:
    """A hash of every file under the spec directory, names included."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(path.relative_to(directory).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return "sha256:" + digest.hexdigest()


def to_document(plan: Plan, target: str, spec_files_hash: str) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "judgesync_version": __version__,
        "created_at": datetime.now(UTC).isoformat(),
        "target": target,
        "specs_hash": spec_files_hash,
        "actions": [_action_document(action) for action in plan.changes],
        "unmanaged": [judge.model_dump(mode="json") for judge in plan.unmanaged],
        "model_overrides": [asdict(override) for override in plan.model_overrides],
    }


def save(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def load(path: Path) -> SavedPlan:
    """Read a plan file; raises ConfigError naming the file when it cannot be used."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the plan file ({error}).") from None
    if not isinstance(document, dict) or document.get("format_version") != FORMAT_VERSION:
        version = document.get("format_version") if isinstance(document, dict) else None
        raise ConfigError(
            f"{path}: plan format_version {version!r} is not {FORMAT_VERSION}; it was made by an"
            " incompatible judgesync. Run plan again with this version."
        )
    try:
        actions = tuple(_action_from(item) for item in document["actions"])
        unmanaged = tuple(Judge.model_validate(item) for item in document["unmanaged"])
        overrides = tuple(ModelOverride(**item) for item in document["model_overrides"])
        return SavedPlan(
            plan=Plan(actions, unmanaged, overrides),
            target=str(document["target"]),
            judgesync_version=str(document["judgesync_version"]),
            created_at=str(document["created_at"]),
            specs_hash=str(document["specs_hash"]),
        )
    except (KeyError, TypeError, ValueError, ValidationError) as error:
        raise ConfigError(
            f"{path}: the plan file is damaged ({type(error).__name__}); run plan again."
        ) from None


def stale_preconditions(plan: Plan, live: Sequence[Judge]) -> list[str]:
    """Why each action's precondition no longer holds against `live`, one line each."""
    by_id = {judge.id: judge for judge in live}
    by_key = {name_key(judge.name): judge for judge in live}
    problems = []
    for action in plan.changes:
        if action.kind is ActionKind.CREATE:
            taken = by_key.get(name_key(action.name))
            if taken is not None:
                problems.append(
                    f"{action.name}: a judge with this name was created since the plan"
                    f" (id {taken.id})."
                )
            continue
        assert action.remote is not None
        current = by_id.get(action.remote.id)
        if current is None:
            problems.append(
                f"{action.name}: judge {action.remote.id} was deleted or revised since the plan."
            )
        elif _precondition(current) != _precondition(action.remote):
            problems.append(
                f"{action.name}: judge {current.id} changed since the plan (updated_at"
                f" {action.remote.updated_at} -> {current.updated_at})."
            )
    return problems


def check_target(saved: SavedPlan, target: str) -> None:
    if saved.target != target:
        raise PlanError(
            f"The plan was made against {saved.target}, not {target}; apply it with the"
            " same --api-url, or run plan again for this target."
        )


def _precondition(judge: Judge) -> dict[str, Any]:
    return {
        "judge_id": judge.id,
        "updated_at": judge.updated_at,
        "up_revision": judge.up_revision,
        "down_revision": judge.down_revision,
        "base_revision": judge.base_revision,
        "content_hash": content_hash(judge.definition),
    }


def _action_document(action: Action) -> dict[str, Any]:
    precondition = {"name_free": True} if action.remote is None else _precondition(action.remote)
    return {
        "action": action.kind.value,
        "name": action.name,
        "desired": action.desired.model_dump(mode="json") if action.desired else None,
        "remote": action.remote.model_dump(mode="json") if action.remote else None,
        "precondition": precondition,
    }


def _action_from(item: dict[str, Any]) -> Action:
    kind = ActionKind(item["action"])
    desired = JudgeDefinition.model_validate(item["desired"]) if item["desired"] else None
    remote = Judge.model_validate(item["remote"]) if item["remote"] else None
    if remote is not None and _precondition(remote) != item["precondition"]:
        raise ValueError("precondition does not match the recorded remote judge")
    changes = diff(remote.definition, desired) if remote and desired else ()
    return Action(kind, str(item["name"]), desired, remote, changes)
