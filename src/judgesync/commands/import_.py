"""`import`'s core: the owned remote judges that match, written into the specs
already in the folder (commands/reimport.py matches them) or as new spec files
(specs/writer.py), never leaving the folder invalid."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from judgesync.commands import reimport
from judgesync.commands.setup import list_judges, resolve
from judgesync.errors import ConfigError
from judgesync.models import Judge
from judgesync.names import is_shadow
from judgesync.progress import SILENT, Progress
from judgesync.remote.connect import open_client
from judgesync.settings.policy import Choices
from judgesync.specs.loader import LoadedSpecs, load_specs
from judgesync.specs.writer import (
    PROMPTS_FOLDER,
    SHOWN_CONFLICTS,
    Imported,
    Written,
    select_judges,
    spec_data,
    spec_files_for,
    survives_prompt_file,
    write,
)


def import_judges(
    judges: Sequence[Judge],
    out_dir: Path,
    *,
    split_instructions: bool,
    force: bool,
    model_overrides: tuple[tuple[str, str], ...] = (),
) -> Imported:
    """Write `judges` into the specs under `out_dir` (commands/reimport.py: matched judges in
    their own files, in place; the others in new files), having checked the folder as
    it would be: with any problem there, before or after, nothing is written.

    Raises ConfigError, having written nothing, when a matched judge differs from its
    spec and not `force`, or when the files would not give the judges back exactly.
    """
    before = load_specs(out_dir) if out_dir.is_dir() else LoadedSpecs((), ())
    if before.problems:
        return Imported(Written((), (), ()), before.problems, problems_were_there=True)
    matched = reimport.match_existing(before.specs, judges, model_overrides)
    differing = [match for match in matched.matches if match.differs]
    if differing and not force:
        _refuse_to_update(sorted(Path(match.spec.path) for match in differing))
    pending: dict[Path, str] = {}
    for match in differing:
        prompt_ok = survives_prompt_file(match.judge.instructions)
        pending.update(reimport.in_place(match, spec_data(match.judge), prompt_ok))
    taken = reimport.taken_stems(out_dir, PROMPTS_FOLDER)
    for file in spec_files_for(matched.unmatched, split_instructions, taken):
        pending[out_dir / Path(*file.relative_path.parts)] = file.text
    after = load_specs(out_dir, pending=pending)
    if after.problems:
        return Imported(Written((), (), ()), after.problems)
    wrong = reimport.mismatches(after, judges, model_overrides)
    if wrong:
        listed = "\n".join(f"  {line}" for line in wrong)
        raise ConfigError(
            f"The files import would write do not give the remote judges back exactly;"
            f" nothing was written:\n{listed}\nImport into an empty folder"
            " (judgesync import DIRECTORY) and compare."
        )
    existed = {path for path in pending if path.exists()}
    written = write(pending)
    unchanged = tuple(Path(match.spec.path) for match in matched.matches if not match.differs)
    return Imported(
        Written(
            tuple(path for path in written if path not in existed),
            tuple(path for path in written if path in existed),
            unchanged,
        ),
        (),
    )


def _refuse_to_update(paths: Sequence[Path]) -> None:
    listed = "\n".join(f"  {path}" for path in paths[:SHOWN_CONFLICTS])
    if len(paths) > SHOWN_CONFLICTS:
        listed += f"\n  and {len(paths) - SHOWN_CONFLICTS} more"
    raise ConfigError(
        f"Refusing to update {len(paths)} spec file(s) whose judge differs from the remote"
        f" judge; nothing was written:\n{listed}\nCompare them with `judgesync plan`,"
        " import into another folder (judgesync import DIRECTORY), or pass --force to"
        " update them in place (comments and layout are kept)."
    )


@dataclass(frozen=True)
class WorkspaceImport:
    """What `import_workspace` did: `imported` is None when no judge matched."""

    judges: int
    folder: Path
    target: str
    model_overrides: tuple[tuple[str, str], ...]
    imported: Imported | None
    # Why no judge matched, when the ownership scope left every remote judge out.
    unowned: UnownedJudges | None = None


@dataclass(frozen=True)
class UnownedJudges:
    """Remote judges there were, none inside `scope` (ownership.names)."""

    count: int
    scope: tuple[str, ...]


def import_workspace(
    choices: Choices,
    environ: Mapping[str, str],
    workdir: Path,
    *,
    query: str | None,
    names: Sequence[str],
    split_instructions: bool,
    force: bool,
    progress: Progress = SILENT,
) -> WorkspaceImport:
    """Write spec files for the owned remote judges that match, into
    `choices.directory` (default: judgesync.yaml's specs)."""
    settings = resolve(choices, environ, workdir)
    policy, target = settings.policy, settings.target
    with open_client(target, workdir) as client:
        every = [j for j in list_judges(client, progress) if not is_shadow(j.name)]
        policy.refuse_unmatched_only([j.name for j in every], "remote judge")
        listed = [j for j in every if policy.selects(j.name)]
        judges = select_judges(listed, query, names, policy.owns)
    unowned = None
    if listed and policy.ownership is not None and not any(policy.owns(j.name) for j in listed):
        unowned = UnownedJudges(len(listed), policy.ownership)
    imported = (
        import_judges(
            judges,
            policy.specs,
            split_instructions=split_instructions,
            force=force,
            model_overrides=policy.model_overrides,
        )
        if judges
        else None
    )
    return WorkspaceImport(
        len(judges), policy.specs, target.label, target.model_overrides, imported, unowned
    )
