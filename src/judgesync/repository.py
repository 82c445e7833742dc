"""Where a repository of judges begins, and where judgesync keeps its files in it.

The repository root is the folder of `judgesync.yaml` (looked for in the
working directory and its ancestors up to the nearest folder holding `.git`),
else that git root, else the working directory. Everything judgesync keeps
for a repository — the `--api-url local` state, the template-check cache —
lives in `.judgesync/` at that root, so every command sees the same files
from any subdirectory, and none lands inside the spec directory.
"""

from __future__ import annotations

from pathlib import Path

CONFIG_FILE = "judgesync.yaml"
STATE_FOLDER = ".judgesync"


def _searched(start: Path) -> tuple[Path, ...]:
    """`start` and its ancestors up to the git root; outside a repository, `start` only."""
    start = start.resolve()
    ancestors = (start, *start.parents)
    roots = [index for index, folder in enumerate(ancestors) if (folder / ".git").exists()]
    return ancestors[: roots[0] + 1] if roots else ancestors[:1]


def find_config(start: Path) -> Path | None:
    """`judgesync.yaml` in `start` or its nearest ancestor up to the git root."""
    for folder in _searched(start):
        candidate = folder / CONFIG_FILE
        if candidate.exists() or candidate.is_symlink():
            return candidate
    return None


def repository_root(start: Path) -> Path:
    """The folder of judgesync.yaml, else the git root above `start`, else `start`."""
    config = find_config(start)
    return config.parent.resolve() if config is not None else _searched(start)[-1]


def state_folder(start: Path) -> Path:
    """`.judgesync/` at the repository root of commands run in `start`."""
    return repository_root(start) / STATE_FOLDER
