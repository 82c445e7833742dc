"""Where `--api-url local` keeps its judges: one sqlite file per repository.

The repository root is the folder of `judgesync.yaml` (found as config.py
finds it), else the nearest folder holding `.git`, else the working
directory; so every command, from any subdirectory, sees the same state,
and none lands inside the spec directory.
"""

from __future__ import annotations

import os
from pathlib import Path

from judgesync.config import find_config

LOCAL_DB = Path(".judgesync") / "local.db"


def repository_root(workdir: Path) -> Path:
    """The folder whose `.judgesync/` holds the local state for commands run in `workdir`."""
    config = find_config(workdir)
    if config is not None:
        return config.parent
    start = workdir.resolve()
    return next((folder for folder in (start, *start.parents) if (folder / ".git").exists()), start)


def local_db(workdir: Path) -> Path:
    """The local state's file, relative to `workdir` (`../.judgesync/local.db` from a
    subdirectory), as output shows it and as `workdir / local_db(workdir)` opens it."""
    database = repository_root(workdir) / LOCAL_DB
    try:
        return Path(os.path.relpath(database, workdir.resolve()))
    except ValueError:  # another drive on Windows
        return database
