"""Saved plans: what `plan --out` writes and `apply --plan` executes.

A plan file is JSON (documented in docs/planfile.md):

    {"format_version": 2, "judgesync_version": str, "created_at": ISO-8601,
     "target": str (API URL or "local", never the key), "target_name": str | null,
     "target_label": str | null (how output names the target),
     "spec_directory": str | null (the spec directory, relative to the repository root: the folder
                            of judgesync.yaml, else the git root, else the working directory),
     "ownership": [str] | null (null: the whole workspace), "prune": bool,
     "specs_hash": str,
     "spec_files": {path relative to the spec directory: "sha256:..."},
     "actions": [{"action": "create"|"update"|"delete", "name": str,
                  "desired": {judge definition} | null,
                  "remote": {judge as read at plan time} | null,
                  "precondition": {...},
                  "change_class": "major"|"minor"|"patch"|"none" (updates only),
                  "change_reasons": [str] (updates only),
                  "acknowledge_breaking": str | null (updates only: the spec's)}],
     "unmanaged": [{judge as read}],
     "model_overrides": [{"judge": str, "original": str, "replacement": str}],
     "traffic": {"window": {"from", "to"}, "seed": int, "judges": [{"name", "filter",
                 "sample", "source", "span_ids": [str], "changed": int|null}]}
                (only from `plan --replay` with traffic),
     "salt": str, "key_fingerprint": str, "signature": "hmac-sha256:..."}

The last three are plan/signature.py's: a plan is signed with a key derived
from the target's API key, and `apply --plan` checks the signature before it
trusts anything in the file (only the target is read first, to know which
key to check with).

Preconditions: a create needs its name still free; an update or delete needs
the judge it read (same id, still the newest revision, same `updated_at`,
same content hash), and a rename needs its new name still free. Anything
else may change in between. A plan applies only to the target it was made
for (same URL and target name; the key is the signature's), and only to the
files it was made from, compared file by file: what a plan reads
(specs/inputs.py).

The change class and its reasons are written for readers of the file; on
loading they are computed again from `remote` and `desired`, as the changes
are, so a plan file cannot claim a milder class than its content has.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import ValidationError

from judgesync import __version__
from judgesync.errors import ConfigError, PlanError, SpecError
from judgesync.models import Judge, JudgeDefinition
from judgesync.names import name_key
from judgesync.plan import signature
from judgesync.plan.normalize import content_hash
from judgesync.plan.planner import Action, ActionKind, ModelOverride, Plan, matched_action
from judgesync.specs.textfile import read_text

FORMAT_VERSION = 2
# A plan of tens of thousands of judges, with their definitions, fits.
PLAN_FILE_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class SavedPlan:
    plan: Plan
    target: str
    target_name: str | None
    judgesync_version: str
    created_at: str
    spec_files: SpecFiles
    # The scope the plan was made with (ownership None: the whole workspace).
    ownership: tuple[str, ...] | None
    prune: bool
    target_label: str | None = None
    spec_directory: str | None = None  # relative to the repository root, `/`-separated
    # The traffic replay's selectors, window, seed and span ids (`plan --replay`).
    traffic: dict[str, Any] | None = None


@dataclass(frozen=True)
class SpecFiles:
    """The files a plan was made from, hashed: its inputs (specs/inputs.py).

    `files` maps each path relative to the spec directory, `/`-separated (so
    `../judgesync.yaml` for a file beside it), to the SHA-256 of its bytes;
    `overall` covers names and contents in path order.
    """

    overall: str
    files: Mapping[str, str]

    def differences(self, now: SpecFiles, directory: str = ".") -> list[str]:
        """One line per file that differs in `now`: changed, added or removed, its
        path shown joined to `directory` (the spec directory as the user gave it)."""
        if self.overall == now.overall:
            return []
        before, after = self.files, now.files
        lines = []
        for path in sorted(before.keys() | after.keys()):
            shown = posixpath.normpath(posixpath.join(directory, path))
            if path not in before:
                lines.append(f"{shown}: added since the plan")
            elif path not in after:
                lines.append(f"{shown}: removed since the plan")
            elif before[path] != after[path]:
                lines.append(f"{shown}: changed since the plan")
        return lines

    def paths(self, directory: Path) -> list[Path]:
        """The recorded files, as paths to read again (joined as they were made
        relative: by name, not through symlinks)."""
        base = os.path.abspath(directory)
        return [Path(os.path.normpath(os.path.join(base, path))) for path in self.files]


def hash_files(directory: Path, paths: Iterable[Path]) -> SpecFiles:
    """The hashes of each of `paths` that is a regular file (a missing one is left
    out), by path relative to `directory`."""
    base = os.path.abspath(directory)
    relative = {
        Path(os.path.relpath(os.path.abspath(path), base)).as_posix(): path
        for path in paths
        if path.is_file()
    }
    overall = hashlib.sha256()
    files: dict[str, str] = {}
    # In path order (parts, not characters), as plan files have always been hashed.
    for name, path in sorted(relative.items(), key=lambda item: PurePosixPath(item[0])):
        try:
            content = path.read_bytes()
        except OSError as error:
            raise ConfigError(f"{path}: cannot read the spec file ({error.strerror}).") from None
        overall.update(name.encode() + b"\0" + content + b"\0")
        files[name] = "sha256:" + hashlib.sha256(content).hexdigest()
    return SpecFiles("sha256:" + overall.hexdigest(), files)


def to_document(
    plan: Plan,
    target: str,
    target_name: str | None,
    api_key: str,
    spec_files: SpecFiles,
    *,
    ownership: tuple[str, ...] | None,
    prune: bool,
    target_label: str | None = None,
    spec_directory: str | None = None,
    traffic: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The plan file, signed with a key derived from `api_key`; `ownership`, `prune` and
    `target_label` as the plan was made (for its header), `spec_directory` as `apply --plan`
    reads it again without a DIRECTORY."""
    document = {
        "format_version": FORMAT_VERSION,
        "judgesync_version": __version__,
        "created_at": datetime.now(UTC).isoformat(),
        "target": target,
        "target_name": target_name,
        "target_label": target_label,
        "spec_directory": spec_directory,
        "ownership": list(ownership) if ownership is not None else None,
        "prune": prune,
        "specs_hash": spec_files.overall,
        "spec_files": dict(spec_files.files),
        "actions": [_action_document(action) for action in plan.changes],
        "unmanaged": [judge.model_dump(mode="json") for judge in plan.unmanaged],
        "model_overrides": [asdict(override) for override in plan.model_overrides],
    }
    if traffic is not None:
        document["traffic"] = dict(traffic)  # signed with the rest
    return signature.signed(document, api_key)


def save(path: Path, document: dict[str, Any]) -> None:
    try:
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot write the plan file ({error.strerror}).") from None


def read(path: Path) -> dict[str, Any]:
    """The plan file's document, unverified; raises ConfigError naming the file when
    it is no plan file of this format."""
    try:
        # The one text reader: a FIFO or device is refused, never waited on.
        document = json.loads(read_text(path, str(path), PLAN_FILE_BYTES))
    except SpecError as error:
        reason = error.problems[0].message
        raise ConfigError(f"{path}: cannot read the plan file ({reason}).") from None
    except json.JSONDecodeError as error:
        raise ConfigError(f"{path}: cannot read the plan file ({error}).") from None
    if not isinstance(document, dict):
        document = {}
    version = document.get("format_version")
    # A saved plan always names the judgesync that made it; `plan --format json` does not.
    if (
        isinstance(version, bool)
        or not isinstance(version, int)
        or "judgesync_version" not in document
    ):
        raise ConfigError(
            f"{path}: this is not a judgesync plan file (plan --out writes one; the output"
            " of plan --format json is not one)."
        )
    if version < FORMAT_VERSION:
        raise ConfigError(
            f"{path}: plan format_version {version} was made by an earlier judgesync (this one"
            f" reads {FORMAT_VERSION}, signed plans); run plan again."
        )
    if version != FORMAT_VERSION:
        raise ConfigError(
            f"{path}: plan format_version {version!r} is not {FORMAT_VERSION}; it was made by"
            " another judgesync. Run plan again with this version."
        )
    return document


def target_of(document: dict[str, Any], path: Path) -> tuple[str, str | None]:
    """The URL and target name a plan was made for: read before its signature, which
    the target's key checks."""
    target, name = document.get("target"), document.get("target_name")
    if not isinstance(target, str) or not (name is None or isinstance(name, str)):
        raise ConfigError(f"{path}: the plan file is damaged (no target); run plan again.")
    return target, name


def verified(document: dict[str, Any], api_key: str, path: Path) -> SavedPlan:
    """The plan, once its signature shows it was made with `api_key` as it is."""
    signature.check(document, api_key, path)
    return parse(document, path)


def load(path: Path) -> SavedPlan:
    """Read a plan file without checking its signature (`show`, offline)."""
    return parse(read(path), path)


def parse(document: dict[str, Any], path: Path) -> SavedPlan:
    """The plan in `document`; raises ConfigError naming `path` when it is damaged."""
    try:
        actions = tuple(_action_from(item) for item in document["actions"])
        unmanaged = tuple(Judge.model_validate(item) for item in document["unmanaged"])
        overrides = tuple(ModelOverride(**item) for item in document["model_overrides"])
        target, target_name = target_of(document, path)
        return SavedPlan(
            plan=Plan(actions, unmanaged, overrides),
            target=target,
            target_name=target_name,
            judgesync_version=str(document["judgesync_version"]),
            created_at=str(document["created_at"]),
            spec_files=_spec_files_from(document),
            **_scope_from(document),
            target_label=_optional_text(document, "target_label"),
            spec_directory=_optional_text(document, "spec_directory"),
            traffic=_traffic_from(document),
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
        if action.desired is not None and name_key(action.desired.name) != name_key(
            action.remote.name
        ):
            taken = by_key.get(name_key(action.desired.name))
            if taken is not None and taken.id != action.remote.id:
                problems.append(
                    f"{action.name}: the new name was taken since the plan (id {taken.id})."
                )
        if current is None:
            problems.append(
                f"{action.name}: judge {action.remote.id} was deleted or revised since the plan."
            )
        elif changed_since(action.remote, current):
            problems.append(
                f"{action.name}: judge {current.id} changed since the plan (updated_at"
                f" {action.remote.updated_at} -> {current.updated_at})."
            )
    return problems


def check_target(made: tuple[str, str | None], target: str, target_name: str | None) -> None:
    """Refuse a plan `made` for another URL or named target (from `target_of`);
    another key fails its signature instead."""
    made_for, made_name = made
    if made_for != target:
        raise PlanError(
            f"The plan was made against {made_for}, not {target}; apply it with the"
            " same --api-url, or run plan again for this target."
        )
    if made_name != target_name:
        if made_name is None:
            raise PlanError(
                f"The plan was made without --target, not for target {target_name!r}; apply it"
                " without --target, or plan again for this target."
            )
        raise PlanError(
            f"The plan was made for target {made_name!r}; pass --target"
            f" {made_name}, or plan again for this target."
        )


def _spec_files_from(document: dict[str, Any]) -> SpecFiles:
    files = document["spec_files"]
    if not (isinstance(files, dict) and all(isinstance(v, str) for v in files.values())):
        raise ValueError("spec_files must map paths to hashes")
    return SpecFiles(str(document["specs_hash"]), files)


def _traffic_from(document: dict[str, Any]) -> dict[str, Any] | None:
    traffic = document.get("traffic")
    if traffic is not None and not isinstance(traffic, dict):
        raise TypeError("traffic")
    return traffic


def _optional_text(document: dict[str, Any], key: str) -> str | None:
    value = document.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{key} must be text")
    return value


def _scope_from(document: dict[str, Any]) -> dict[str, Any]:
    ownership, prune = document.get("ownership"), document["prune"]
    if not isinstance(prune, bool) or not (
        ownership is None
        or (isinstance(ownership, list) and all(isinstance(g, str) for g in ownership))
    ):
        raise ValueError("ownership must be a list of globs or null, prune true or false")
    return {"ownership": None if ownership is None else tuple(ownership), "prune": prune}


def changed_since(read: Judge, now: Judge) -> bool:
    """Whether the judge `now` differs from the `read` a plan was made from: the
    one rule for saved plans' preconditions and the executor's re-read."""
    return _precondition(now) != _precondition(read)


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
    document: dict[str, Any] = {
        "action": action.kind.value,
        "name": action.name,
        "desired": action.desired.model_dump(mode="json") if action.desired else None,
        "remote": action.remote.model_dump(mode="json") if action.remote else None,
        "precondition": precondition,
    }
    if action.classification is not None:
        document["change_class"] = str(action.classification.change_class)
        document["change_reasons"] = [r.sentence for r in action.classification.reasons]
        document["acknowledge_breaking"] = action.acknowledge_breaking
    return document


# Which of desired / remote each saved action must carry.
_SHAPES = {
    ActionKind.CREATE: (True, False),
    ActionKind.UPDATE: (True, True),
    ActionKind.DELETE: (False, True),
}


def _action_from(item: dict[str, Any]) -> Action:
    kind = ActionKind(item["action"])
    desired = JudgeDefinition.model_validate(item["desired"]) if item["desired"] else None
    remote = Judge.model_validate(item["remote"]) if item["remote"] else None
    if _SHAPES.get(kind) != (desired is not None, remote is not None):
        raise ValueError(f"a saved {kind.value} action has the wrong fields")
    if remote is not None and _precondition(remote) != item["precondition"]:
        raise ValueError("precondition does not match the recorded remote judge")
    ack = item.get("acknowledge_breaking")  # only updates carry it
    if ack is not None and not isinstance(ack, str):
        raise ValueError("acknowledge_breaking must be text")
    if remote is None or desired is None:
        return Action(kind, str(item["name"]), desired, remote)
    return replace(matched_action(desired, remote, ack), kind=kind, name=str(item["name"]))
