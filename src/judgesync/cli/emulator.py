"""`judgesync emulator`: serve the local stand-in for the judges API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from judgesync.emulator.limits import DEFAULT_MAX_PAGE_SIZE

DEFAULT_DB = Path(".judgesync") / "emulator.db"


@click.command("emulator")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8765, show_default=True, help="Port to listen on (0 = any).")
@click.option(
    "--db",
    default=str(DEFAULT_DB),
    show_default=True,
    help="sqlite file that keeps the judges (':memory:' for none).",
)
@click.option(
    "--api-key",
    "api_keys",
    multiple=True,
    help="Accept only this key (repeatable). Default: any key, each its own workspace.",
)
@click.option(
    "--revisions",
    type=click.Choice(["in-place", "new-id"]),
    default="in-place",
    show_default=True,
    help="Whether an update keeps the judge id or makes a new one.",
)
@click.option(
    "--name-uniqueness",
    type=click.Choice(["exact", "casefold"]),
    default="exact",
    show_default=True,
    help="casefold: names clash ignoring case and surrounding spaces.",
)
@click.option(
    "--deleted",
    type=click.Choice(["hidden", "visible"]),
    default="hidden",
    show_default=True,
    help="visible: deleted judges still appear in list and get, with deleted_at set.",
)
@click.option(
    "--pagination",
    type=click.Choice(["links", "count-only"]),
    default="links",
    show_default=True,
    help="count-only: list pages carry no next/previous links.",
)
@click.option(
    "--max-page-size",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_PAGE_SIZE,
    show_default=True,
    help="Larger page_size requests are clamped to this.",
)
@click.option(
    "--datasets/--no-datasets",
    default=True,
    show_default=True,
    help="--no-datasets: the dataset and record endpoints answer 404, as an API without them.",
)
@click.option("--latency-ms", type=click.FloatRange(min=0), default=0.0, help="Added latency.")
@click.option(
    "--jitter-ms", type=click.FloatRange(min=0), default=0.0, help="Random extra latency, up to."
)
@click.option(
    "--fail-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    help="Share of requests answered 429, 500 or 503.",
)
@click.option("--seed", type=int, default=None, help="Seed for repeatable faults and jitter.")
@click.option(
    "--rate-limit",
    type=click.FloatRange(min=0),
    default=0.0,
    help="Requests per second per key before 429 (0 = off).",
)
@click.option(
    "--access-log/--no-access-log",
    default=True,
    show_default=True,
    help="Print a line per request; turning it off saves CPU under load.",
)
def emulator_command(
    host: str,
    port: int,
    db: str,
    api_keys: tuple[str, ...],
    access_log: bool,
    **settings: Any,
) -> None:
    """Serve a local emulator of the Mistral judges API.

    Judges are kept in a sqlite file, so they survive restarts. Stop it with Ctrl-C.
    Admin endpoints live under /_emulator/ (see docs/emulator.md).

    \b
    Example:
      judgesync emulator --port 8765 --revisions new-id --fail-rate 0.1 --seed 7
      export JUDGESYNC_API_URL=http://127.0.0.1:8765
    """
    # Imported here: FastAPI and uvicorn are slow to import and only this command needs them.
    from judgesync.emulator import Emulator, EmulatorServer, EmulatorSettings, EmulatorStartError

    try:
        emulator = Emulator(EmulatorSettings(**settings), db=db, accepted_keys=api_keys)
        server = EmulatorServer(emulator, host, port, access_log=access_log, configure_logging=True)
        server.start()
    except EmulatorStartError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"judgesync emulator listening on {server.url} (judges stored in {db})")
    click.echo(f"export JUDGESYNC_API_URL={server.url}")
    server.serve_until_interrupted()
    click.echo("Emulator stopped.", err=True)
