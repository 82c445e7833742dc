"""Where `--api-url local` keeps its judges: one sqlite file per repository, in
`.judgesync/` at the repository root (judgesync/repository.py), so that every
command, from any subdirectory, sees the same state."""

from __future__ import annotations

import os
from pathlib import Path

from judgesync.repository import STATE_FOLDER, state_folder

LOCAL_DB = Path(STATE_FOLDER) / "local.db"


def local_db(workdir: Path) -> Path:
    """The local state's file, relative to `workdir` (`../.judgesync/local.db` from a
    subdirectory), as output shows it and as `workdir / local_db(workdir)` opens it."""
    database = state_folder(workdir) / LOCAL_DB.name
    try:
        return Path(os.path.relpath(database, workdir.resolve()))
    except ValueError:  # another drive on Windows
        return database
