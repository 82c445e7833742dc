"""`judgesync emulator`: serve the local stand-in for the judges API."""

from __future__ import annotations

import click


@click.command("emulator")
def emulator_command() -> None:
    """Serve a local emulator of the Mistral judges API."""
    raise click.ClickException("The emulator is not built yet.")
