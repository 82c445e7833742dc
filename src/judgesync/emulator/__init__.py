"""A local emulator of the Mistral judges API, for tests, demos and offline work.

    settings.py  the contract readings, revision mode and faults (mutable at runtime)
    wire.py      request bodies and query strings → validated plain data
    storage.py   judges and revisions in sqlite; name uniqueness in the database
    judging.py   offline live judging: render the template, answer deterministically
    faults.py    latency, seeded random failures, per-key rate limit
    state.py     `Emulator`: settings + storage + faults + authentication
    routes.py    the six API endpoints; admin.py the `/_emulator/` endpoints
    app.py       the FastAPI app and its error handlers; server.py uvicorn in a thread

It shares only `judgesync.templates` with the rest of judgesync; see docs/emulator.md.
"""

from judgesync.emulator.app import create_app
from judgesync.emulator.server import EmulatorServer
from judgesync.emulator.settings import EmulatorSettings
from judgesync.emulator.state import Emulator, EmulatorStartError

__all__ = ["Emulator", "EmulatorServer", "EmulatorSettings", "EmulatorStartError", "create_app"]
