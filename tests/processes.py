"""The real CLI as a process of its own: for signals, pipes, races and exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

RUN = "from judgesync.cli import main; main()"


def hermetic_env(**variables: str) -> dict[str, str]:
    """This process's environment without JUDGESYNC_* and MISTRAL_*, plus `variables`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MISTRAL_", "JUDGESYNC_"))}
    return {**env, **variables}


def start_cli(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    script: str = RUN,
    stdin: int | IO[Any] | None = None,
    stdout: int | IO[Any] | None = subprocess.PIPE,
) -> subprocess.Popen[str]:
    """`judgesync ARGS` (or `script` with them) started, with stderr captured."""
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=cwd,
        env=env,
        stdin=stdin,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
    )
