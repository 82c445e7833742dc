"""`--api-url local`: an emulator embedded in the judgesync process, stored in the repository.

Each judgesync command starts its own emulator on a free loopback port over
the same sqlite file, so `apply --api-url local` and a later
`plan --api-url local` see the same judges (remote/local_state.py says where
the file is). Any API key is accepted.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from judgesync.emulator import Emulator, EmulatorServer


@contextmanager
def embedded_emulator(database: Path) -> Iterator[str]:
    """Serve an emulator over the sqlite file `database`; yields its base URL."""
    with EmulatorServer(Emulator(db=database)) as server:
        yield server.url
