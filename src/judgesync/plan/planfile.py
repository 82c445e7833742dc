"""Saved plans: what `plan --out` writes and `apply --plan` executes.

A plan file is JSON (documented in docs/planfile.md):

    {"format_version": 1, "judgesync_version": str, "created_at": ISO-8601,
     "target": str (API URL or "local", never the key), "target_name": str | null,
     "target_label": str | null (how output names the target),
     "spec_directory": str | null (the spec directory, relative to the repository root: the folder
                            of judgesync.yaml, else the git root, else the working directory),
     "ownership": [str] | null (null: the whole workspace), "prune": bool,
     "key_fingerprint": str (12 hex digits of a salted SHA-256 of the key), "specs_hash": str,
     "spec_files": {path relative to the spec directory: "sha256:..."},
     "actions": [{"action": "create"|"update"|"delete", "name": str,
                  "desired": {judge definition} | null,
                  "remote": {judge as read at plan time} | null,
                  "precondition": {...},
                  "change_class": "major"|"minor"|"patch"|"none" (updates only),
                  "change_reasons": [str] (updates only),
                  "acknowledge_breaking": str | null (updates only: the spec's)}],
     "unmanaged": [{judge as read}],
     "model_overrides": [{"judge": str, "original": str, "replacement": str}]}

Preconditions: a create needs its name still free; an update or delete needs
the judge it read (same id, still the newest revision, same `updated_at`,
same content hash), and a rename needs its new name still free. Anything
else may change in between. A plan applies only to the target it was made
for: same URL, same target name and same key (compared by fingerprint, since
two targets may share a URL with different keys), and only to the files it
was made from (compared file by file): every file of the spec directory,
judgesync.yaml, and the prompt files outside the spec directory that its
specs read.

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
from judgesync.plan.normalize import content_hash
from judgesync.plan.planner import Action, ActionKind, ModelOverride, Plan, matched_action
from judgesync.specs.textfile import read_text

FORMAT_VERSION = 1
# A plan of tens of thousands of judges, with their definitions, fits.
PLAN_FILE_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class SavedPlan:
    plan: Plan
    target: str
    target_name: str | None
    key_fingerprint: str
    judgesync_version: str
    created_at: str
    spec_files: SpecFiles
    # The scope the plan was made with; prune None: a plan file from before they were recorded.
    ownership: tuple[str, ...] | None
    prune: bool | None
    # Both None in a plan file from before they were recorded.
    target_label: str | None = None
    spec_directory: str | None = None  # relative to the repository root, `/`-separated


@dataclass(frozen=True)
class SpecFiles:
    """The files a plan was made from, hashed: every regular file under the spec
    directory (specs, prompts, cases), and the files outside it that shaped the
    plan (judgesync.yaml, prompt files elsewhere in the repository).

    `files` maps each path relative to the spec directory, `/`-separated (so
    `../judgesync.yaml` for a file beside it), to the SHA-256 of its bytes;
    `overall` covers names and contents in path order.
    """

    overall: str
    files: Mapping[str, str] | None  # None: a plan file from before per-file hashes

    def differences(self, now: SpecFiles, directory: str = ".") -> list[str]:
        """One line per file that differs in `now`: changed, added or removed, its
        path shown joined to `directory` (the spec directory as the user gave it)."""
        if self.overall == now.overall:
            return []
        if self.files is None or now.files is None:
            return ["the spec files as a whole (this plan file has no per-file hashes)"]
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

    def outside(self, directory: Path) -> list[Path]:
        """The recorded files that lie outside `directory`, as paths to read again
        (joined as they were made relative: by name, not through symlinks)."""
        base = os.path.abspath(directory)
        return [
            Path(os.path.normpath(os.path.join(base, path)))
            for path in self.files or {}
            if path.startswith("../")
        ]


def hash_spec_files(directory: Path, also: Iterable[Path] = ()) -> SpecFiles:
    """The hashes of every regular file under `directory` and of each file of
    `also` that is a regular file (a missing one is left out), by relative path."""
    inside = sorted(p for p in directory.rglob("*") if p.is_file()) if directory.is_dir() else []
    base = os.path.abspath(directory)
    relative = {path.relative_to(directory).as_posix(): path for path in inside}
    for path in also:
        if path.is_file():
            relative[Path(os.path.relpath(os.path.abspath(path), base)).as_posix()] = path
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


def key_fingerprint(api_key: str) -> str:
    """Tells keys apart without revealing them: 48 bits of a salted hash."""
    return hashlib.sha256(b"judgesync plan target\0" + api_key.encode()).hexdigest()[:12]


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
) -> dict[str, Any]:
    """The plan file; `ownership`, `prune` and `target_label` as the plan was made (for
    its header), `spec_directory` as `apply --plan` reads it again without a DIRECTORY."""
    return {
        "format_version": FORMAT_VERSION,
        "judgesync_version": __version__,
        "created_at": datetime.now(UTC).isoformat(),
        "target": target,
        "target_name": target_name,
        "target_label": target_label,
        "spec_directory": spec_directory,
        "ownership": list(ownership) if ownership is not None else None,
        "prune": prune,
        "key_fingerprint": key_fingerprint(api_key),
        "specs_hash": spec_files.overall,
        "spec_files": dict(spec_files.files or {}),
        "actions": [_action_document(action) for action in plan.changes],
        "unmanaged": [judge.model_dump(mode="json") for judge in plan.unmanaged],
        "model_overrides": [asdict(override) for override in plan.model_overrides],
    }


def save(path: Path, document: dict[str, Any]) -> None:
    try:
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot write the plan file ({error.strerror}).") from None


def load(path: Path) -> SavedPlan:
    """Read a plan file; raises ConfigError naming the file when it cannot be used."""
    try:
        # The one text reader: a FIFO or device is refused, never waited on.
        document = json.loads(read_text(path, str(path), PLAN_FILE_BYTES))
    except SpecError as error:
        reason = error.problems[0].message
        raise ConfigError(f"{path}: cannot read the plan file ({reason}).") from None
    except json.JSONDecodeError as error:
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
            target_name=document["target_name"],
            key_fingerprint=str(document["key_fingerprint"]),
            judgesync_version=str(document["judgesync_version"]),
            created_at=str(document["created_at"]),
            spec_files=_spec_files_from(document),
            **_scope_from(document),
            target_label=_optional_text(document, "target_label"),
            spec_directory=_optional_text(document, "spec_directory"),
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


def check_target(saved: SavedPlan, target: str, target_name: str | None, api_key: str) -> None:
    """Refuse a plan made for another URL, named target or key."""
    if saved.target != target:
        raise PlanError(
            f"The plan was made against {saved.target}, not {target}; apply it with the"
            " same --api-url, or run plan again for this target."
        )
    if saved.target_name != target_name:
        if saved.target_name is None:
            raise PlanError(
                f"The plan was made without --target, not for target {target_name!r}; apply it"
                " without --target, or plan again for this target."
            )
        raise PlanError(
            f"The plan was made for target {saved.target_name!r}; pass --target"
            f" {saved.target_name}, or plan again for this target."
        )
    if saved.key_fingerprint != key_fingerprint(api_key):
        made_for = f"target {saved.target_name!r}" if saved.target_name else "no named target"
        raise PlanError(
            f"The plan was made for {made_for} with another API key; apply it with the"
            " same key, or run plan again for this target."
        )


def _spec_files_from(document: dict[str, Any]) -> SpecFiles:
    files = document.get("spec_files")
    if files is not None and not (
        isinstance(files, dict) and all(isinstance(v, str) for v in files.values())
    ):
        raise ValueError("spec_files must map paths to hashes")
    return SpecFiles(str(document["specs_hash"]), files)


def _optional_text(document: dict[str, Any], key: str) -> str | None:
    value = document.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{key} must be text")
    return value


def _scope_from(document: dict[str, Any]) -> dict[str, Any]:
    # Both absent from plan files of earlier versions: prune None says "not recorded".
    if "prune" not in document:
        return {"ownership": None, "prune": None}
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
    ack = item.get("acknowledge_breaking")  # absent from plan files of earlier versions
    if ack is not None and not isinstance(ack, str):
        raise ValueError("acknowledge_breaking must be text")
    if remote is None or desired is None:
        return Action(kind, str(item["name"]), desired, remote)
    return replace(matched_action(desired, remote, ack), kind=kind, name=str(item["name"]))
