"""A local emulator of the Mistral judges API, for tests, demos and offline work.

    settings.py  the contract readings, revision mode and faults (mutable at runtime)
    wire.py      request bodies and query strings → validated plain data
    dataset_wire.py  the same for datasets and records; a record → a conversation
    database.py  the one sqlite connection and its transactions
    storage.py   judges and revisions in sqlite; name uniqueness in the database
    dataset_storage.py  datasets and records in sqlite; slugs unique in the database
    storage_errors.py  what the storage refuses, as exceptions
    refusals.py  the contract's error body, and the one mapping of storage errors to it
    judging.py   live judging's halves: render the template, and the hash rule's verdict
    judging_pool.py  the one live-judging entry point: admits, renders in worker processes
                 (judging_worker.py) within a time and memory budget, then answers
    fair_turns.py  bounded admission (503 past it) and round-robin turns per workspace
    model_judging.py  verdicts from a model behind an OpenAI-compatible API (httpx)
    verdict_schema.py  the JSON schema a model must answer, and the check of its answer
    faults.py    latency, seeded random failures, per-key rate limit
    state.py     `Emulator`: settings + storage + faults + authentication
    request_io.py  what every endpoint shares: caller, body, JSON, list pages
    routes.py    the six judge endpoints; dataset_routes.py the dataset and record ones
    admin.py     the `/_emulator/` endpoints
    otlp.py      OTLP/HTTP trace exports → plain spans; span_fields.py those → GetSpan fields
    spans_store.py  spans in sqlite; traceql.py the search expressions
    spans_wire.py, spans_routes.py  POST /v1/traces and spans/search
    span_import_wire.py, import_routes.py  imports/from-spans and the dataset tasks
    span_imports.py  an import in the background; span_records.py a span → a record
    genai_messages.py  GenAI messages → chat messages; import_tasks.py the tasks in memory
    app.py       the FastAPI app and its error handlers; server.py uvicorn in a thread

It shares only `judgesync.specs.templates` with the rest of judgesync; see docs/emulator.md.

The names below are imported on first use (PEP 562): importing
`judgesync.emulator.settings` for a constant must not pull in FastAPI, which
would cost every `judgesync` command half a second of start-up.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from judgesync.emulator.app import create_app
    from judgesync.emulator.server import EmulatorServer
    from judgesync.emulator.settings import EmulatorSettings
    from judgesync.emulator.state import Emulator, EmulatorStartError

_HOMES = {
    "Emulator": "judgesync.emulator.state",
    "EmulatorServer": "judgesync.emulator.server",
    "EmulatorSettings": "judgesync.emulator.settings",
    "EmulatorStartError": "judgesync.emulator.state",
    "create_app": "judgesync.emulator.app",
}

__all__ = ["Emulator", "EmulatorServer", "EmulatorSettings", "EmulatorStartError", "create_app"]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(home), name)
