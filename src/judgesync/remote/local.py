"""`--api-url local`: an emulator embedded in the judgesync process, stored in the repository.

Each judgesync command starts its own emulator on a free loopback port over
the same sqlite file, so `apply --api-url local` and a later
`plan --api-url local` see the same judges (settings/local_state.py says where
the file is). Any API key is accepted. With JUDGESYNC_JUDGING_URL set, it judges
with that model (JUDGESYNC_JUDGING_MODEL, JUDGESYNC_JUDGING_TIMEOUT in seconds, key
from JUDGESYNC_JUDGING_API_KEY), as `judgesync emulator --judging-url` does.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path

from judgesync.emulator import Emulator, EmulatorServer, EmulatorStartError
from judgesync.emulator.limits import DEFAULT_JUDGING_TIMEOUT_SECONDS, JUDGING_KEY_ENV
from judgesync.emulator.model_judging import JudgingModel
from judgesync.errors import ConfigError

JUDGING_URL_ENV = "JUDGESYNC_JUDGING_URL"
JUDGING_MODEL_ENV = "JUDGESYNC_JUDGING_MODEL"
JUDGING_TIMEOUT_ENV = "JUDGESYNC_JUDGING_TIMEOUT"


def judging_model_from(environ: Mapping[str, str]) -> JudgingModel | None:
    """The model the embedded emulator judges with, if the environment names one."""
    url = environ.get(JUDGING_URL_ENV)
    if not url:
        return None
    timeout = environ.get(JUDGING_TIMEOUT_ENV) or str(DEFAULT_JUDGING_TIMEOUT_SECONDS)
    try:
        seconds = float(timeout)
    except ValueError:
        raise ConfigError(f"{JUDGING_TIMEOUT_ENV} must be a number of seconds.") from None
    try:
        return JudgingModel(
            url,
            environ.get(JUDGING_MODEL_ENV) or None,
            environ.get(JUDGING_KEY_ENV) or None,
            timeout_seconds=seconds,
        )
    except ValueError as error:
        raise ConfigError(f"{JUDGING_URL_ENV}: {error}") from None


@contextmanager
def embedded_emulator(database: Path) -> Iterator[str]:
    """Serve an emulator over the sqlite file `database`; yields its base URL.
    Raises ConfigError when it cannot start."""
    model = judging_model_from(os.environ)
    with ExitStack() as stack:
        try:
            server = stack.enter_context(EmulatorServer(Emulator(db=database), judging_model=model))
        except EmulatorStartError as error:
            raise ConfigError(f"{error} Check the .judgesync folder.") from None
        yield server.url
