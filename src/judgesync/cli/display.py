"""How plan, apply and show print a plan: --format, --diff and --list-unmanaged."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from judgesync.cli import terminal

if TYPE_CHECKING:
    from judgesync.plan.planner import Plan
    from judgesync.render.header import PlanHeader

diff_option = click.option(
    "--diff",
    type=click.Choice(["short", "full"]),
    default="short",
    show_default=True,
    help="short: one line per created or deleted judge; full: also every field of each."
    " Updates always show their changed fields.",
)
list_unmanaged_option = click.option(
    "--list-unmanaged",
    is_flag=True,
    help="Name each owned remote judge that no spec names, instead of counting them"
    " (--format json always lists them).",
)


@dataclass(frozen=True)
class Display:
    """How a plan is shown: --format, --diff and --list-unmanaged."""

    output_format: str
    full: bool
    list_unmanaged: bool

    @classmethod
    def of(cls, output_format: str, diff: str, list_unmanaged: bool) -> Display:
        return cls(output_format, diff == "full", list_unmanaged)


def for_format(text: str, output_format: str) -> str:
    """`text` as printed under `output_format`: under github, no line of it is a
    workflow command (render/as_github.py). Every print site of a github run uses it."""
    if output_format != "github":
        return text
    from judgesync.render import as_github

    return as_github.neutralise(text)


def echo_plan(plan: Plan, header: PlanHeader, display: Display, approving: bool = False) -> None:
    """The plan as `display` asks; with -q only its summary, unless it is to be approved."""
    from judgesync.render import as_json, as_markdown, as_text

    full, listed = display.full, display.list_unmanaged
    if display.output_format == "json":
        click.echo(as_json.dumps(as_json.plan_document(plan, header)), nl=False)
    elif display.output_format in ("markdown", "github"):
        text = as_markdown.render_plan(plan, header, full=full, list_unmanaged=listed)
        click.echo(for_format(text, display.output_format), nl=False)
    else:
        shown = terminal.current()
        if shown.quiet and not approving:
            click.echo(as_text.summary(plan))
        else:
            colour = shown.colour(sys.stdout)
            text = as_text.render_plan(plan, header, colour, full=full, list_unmanaged=listed)
            click.echo(text, nl=False, color=colour)
