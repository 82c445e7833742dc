"""How a command prints a document: the terminal's colour and -q, as render's `Style`."""

from __future__ import annotations

import sys

import click

from judgesync.cli import terminal
from judgesync.render.formats import Style


def style(diff: str = "short", list_unmanaged: bool = False, *, quiet: bool = True) -> Style:
    """The style for stdout: colour by the colour rule, -q unless `quiet` is False (a
    plan to be approved is shown whole)."""
    shown = terminal.current()
    return Style(shown.colour(sys.stdout), shown.quiet and quiet, diff == "full", list_unmanaged)


def echo(text: str, style: Style) -> None:
    # color=: click would strip the codes again whenever stdout is no terminal.
    click.echo(text, nl=False, color=style.colour)
