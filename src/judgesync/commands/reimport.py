"""Importing into a spec directory that already holds specs.

Remote judges are paired with the existing specs by plan's own matching
(planner.plan: the name, then ignoring case and surrounding spaces, then
`previous_names`), wherever the files live under the folder, and compared
as plan compares them. A matched judge that equals its spec leaves the file
alone whatever its layout; one that differs is written into ITS file in
place (specs/rewrite.py: comments, key order and the modeline stay), its
prompt into the `instructions_file` the spec names. Only unmatched judges
get new files, under names no existing file uses.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from judgesync.models import Judge
from judgesync.plan import planner
from judgesync.plan.planner import Action, ActionKind
from judgesync.settings.policy import Policy
from judgesync.specs import yamlio
from judgesync.specs.loader import SPEC_SUFFIXES, DesiredJudge, LoadedSpecs
from judgesync.specs.rewrite import rewrite
from judgesync.specs.textfile import read_text


@dataclass(frozen=True)
class Match:
    """An existing spec and the remote judge it manages; `action` is plan's no-op or update."""

    spec: DesiredJudge
    judge: Judge
    action: Action

    @property
    def differs(self) -> bool:
        return self.action.kind is ActionKind.UPDATE


@dataclass(frozen=True)
class Matched:
    matches: tuple[Match, ...]
    unmatched: tuple[Judge, ...]  # remote judges no spec manages: they get new files


def match_existing(
    specs: Sequence[DesiredJudge],
    judges: Sequence[Judge],
    model_overrides: tuple[tuple[str, str], ...] = (),
) -> Matched:
    """Pair `judges` with `specs` as plan does; raises PlanError when plan would
    (two specs claiming one judge, an ambiguous name)."""
    by_name = {spec.definition.name: spec for spec in specs}
    made = planner.plan(
        [spec.definition for spec in specs],
        judges,
        Policy(model_overrides=model_overrides),
        {spec.definition.name: spec.previous_names for spec in specs},
    )
    matches = tuple(
        Match(by_name[action.name], action.remote, action)
        for action in made.actions
        if action.remote is not None and action.kind in (ActionKind.NOOP, ActionKind.UPDATE)
    )
    return Matched(matches, made.unmanaged)


def mismatches(
    loaded: LoadedSpecs,
    judges: Sequence[Judge],
    model_overrides: tuple[tuple[str, str], ...] = (),
) -> list[str]:
    """What keeps the folder as import would leave it from giving back `judges`
    exactly: each judge without a spec, or whose spec plan would still update."""
    matched = match_existing(loaded.specs, judges, model_overrides)
    found = [
        f"{match.spec.path}: would still differ from remote judge {match.judge.name!r}"
        f" ({', '.join(change.path for change in match.action.changes)})"
        for match in matched.matches
        if match.differs
    ]
    found.extend(f"no spec would manage remote judge {judge.name!r}" for judge in matched.unmatched)
    return found


def changed_fields(action: Action) -> list[str]:
    """The top-level spec keys an update changes: `output.options[0].value` -> `output`."""
    fields = (change.path.split(".")[0].split("[")[0] for change in action.changes)
    return list(dict.fromkeys(fields))


def in_place(match: Match, remote_data: Mapping[str, Any], prompt_ok: bool) -> dict[Path, str]:
    """The texts that make `match.spec`'s files describe its remote judge.

    `remote_data` is the judge as import writes it (inline instructions);
    `prompt_ok` says whether its instructions read back unchanged from a
    prompt file. A spec that reads its instructions from a file keeps doing
    so, unless the file could not give them back.
    """
    path = Path(match.spec.path)
    text = read_text(path, match.spec.path)
    data = yamlio.load_document(text, match.spec.path).data
    written: dict[Path, str] = {}
    updates: dict[str, Any] = {}
    renamed: dict[str, str] = {}
    for field in changed_fields(match.action):
        if field != "instructions":
            updates[field] = remote_data.get(field, [])  # only `tools` may be left out
            continue
        instructions = remote_data["instructions"]
        prompt = data.get("instructions_file")
        if isinstance(prompt, str) and prompt_ok:
            written[path.parent / prompt] = instructions
        else:
            updates["instructions"] = instructions
            if isinstance(prompt, str):
                renamed["instructions_file"] = "instructions"
    if updates:
        written[path] = rewrite(text, updates, renamed)
    return written


def taken_stems(folder: Path, prompts_folder: str) -> set[str]:
    """The file stems of the specs directly in `folder` and of its prompts,
    casefolded: a new file never takes the name of one already there."""
    taken: set[str] = set()
    for where in (folder, folder / prompts_folder):
        try:
            names = os.listdir(where)
        except OSError:
            continue
        for name in names:
            stem, suffix = os.path.splitext(name)
            if suffix.lower() in (*SPEC_SUFFIXES, ".md"):
                taken.add(stem.casefold())
    return taken
