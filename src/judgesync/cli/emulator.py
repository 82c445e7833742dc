"""`judgesync emulator`: serve the local stand-in for the judges API."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from judgesync.emulator.limits import (
    DEFAULT_JUDGING_CONCURRENCY,
    DEFAULT_JUDGING_TIMEOUT_SECONDS,
    DEFAULT_MAX_PAGE_SIZE,
    DIALECTS,
    JUDGING_KEY_ENV,
)

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
    "--judging-latency-ms",
    type=click.FloatRange(min=0),
    default=0.0,
    help="Added to live judging only (saved judges and records), as a slow model.",
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
    "--judging-url",
    default=None,
    metavar="URL",
    help="Judge with the model behind this OpenAI-compatible API (e.g. http://127.0.0.1:8080/v1;"
    " key from JUDGESYNC_JUDGING_API_KEY). Default: the offline hash rule.",
)
@click.option(
    "--judging-model",
    default=None,
    metavar="NAME",
    help="Model to ask for every verdict. Default: the judge's own model_name.",
)
@click.option(
    "--judging-dialect",
    type=click.Choice(DIALECTS),
    default="auto",
    show_default=True,
    help="How structured output is asked for: json_schema (OpenAI, Mistral, vLLM, Ollama),"
    " json_object (llama-cpp-python); auto tries json_schema, then json_object.",
)
@click.option(
    "--judging-concurrency",
    type=click.IntRange(min=1),
    default=DEFAULT_JUDGING_CONCURRENCY,
    show_default=True,
    help="Requests to the judging model in flight at most.",
)
@click.option(
    "--judging-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_JUDGING_TIMEOUT_SECONDS,
    show_default=True,
    help="Seconds to wait for the model's answer before JUDGE_MISTRAL_API_TIMEOUT.",
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
    judging_url: str | None,
    judging_model: str | None,
    judging_dialect: Any,
    judging_concurrency: int,
    judging_timeout: float,
    **settings: Any,
) -> None:
    """Serve a local emulator of the Mistral judges API.

    Judges are kept in a sqlite file, so they survive restarts. Stop it with Ctrl-C.
    Admin endpoints live under /_emulator/ (see docs/emulator.md).

    \b
    Example:
      judgesync emulator --port 8765 --revisions new-id --fail-rate 0.1 --seed 7
      export JUDGESYNC_API_URL=http://127.0.0.1:8765
      judgesync emulator --judging-url http://127.0.0.1:11434/v1 --judging-model qwen2.5:3b
    """
    # Imported here: FastAPI and uvicorn are slow to import and only this command needs them.
    from judgesync.emulator import Emulator, EmulatorServer, EmulatorSettings, EmulatorStartError
    from judgesync.emulator.model_judging import JudgingModel

    model = None
    if judging_url is not None:
        try:
            model = JudgingModel(
                judging_url,
                judging_model,
                os.environ.get(JUDGING_KEY_ENV) or None,
                judging_dialect,
                judging_concurrency,
                judging_timeout,
            )
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="'--judging-url'") from None
    try:
        emulator = Emulator(EmulatorSettings(**settings), db=db, accepted_keys=api_keys)
        server = EmulatorServer(
            emulator,
            host,
            port,
            access_log=access_log,
            configure_logging=True,
            judging_model=model,
        )
        server.start()
    except EmulatorStartError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"judgesync emulator listening on {server.url} (judges stored in {db})")
    click.echo(f"export JUDGESYNC_API_URL={server.url}")
    if model is not None:
        click.echo(f"live judging asks the model at {model.endpoint}")
    server.serve_until_interrupted()
    click.echo("Emulator stopped.", err=True)
