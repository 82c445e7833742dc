"""`import`'s core: the owned remote judges that match, written as spec files."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from judgesync.commands.setup import list_judges, resolve
from judgesync.names import is_shadow
from judgesync.progress import SILENT, Progress
from judgesync.remote.connect import open_client
from judgesync.settings.policy import Choices
from judgesync.specs.writer import Imported, import_judges, select_judges


@dataclass(frozen=True)
class WorkspaceImport:
    """What `import_workspace` did: `imported` is None when no judge matched."""

    judges: int
    folder: Path
    target: str
    model_overrides: tuple[tuple[str, str], ...]
    imported: Imported | None


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
    imported = (
        import_judges(judges, policy.specs, split_instructions=split_instructions, force=force)
        if judges
        else None
    )
    return WorkspaceImport(
        len(judges), policy.specs, target.label, target.model_overrides, imported
    )
