"""`--api-url local`: an emulator embedded in the judgesync process, stored in the work dir.

Each judgesync command starts its own emulator on a free loopback port over
the same sqlite file, so `apply --api-url local` and a later
`plan --api-url local` see the same judges. Any API key is accepted.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from judgesync.emulator import Emulator, EmulatorServer, EmulatorStartError
from judgesync.errors import ConfigError

LOCAL_DB = Path(".judgesync") / "local.db"


@contextmanager
def embedded_emulator(workdir: Path) -> Iterator[str]:
    """Serve an emulator over `workdir/.judgesync/local.db`; yields its base URL.
    Raises ConfigError when it cannot start."""
    with ExitStack() as stack:
        try:
            server = stack.enter_context(EmulatorServer(Emulator(db=workdir / LOCAL_DB)))
        except EmulatorStartError as error:
            raise ConfigError(f"{error} Check the .judgesync folder.") from None
        yield server.url
