"""How plan, apply and show print a plan: --format, --diff and --list-unmanaged."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from judgesync.cli import terminal

if TYPE_CHECKING:
    from judgesync.plan.header import PlanHeader
    from judgesync.plan.planner import Plan
    from judgesync.review.replay import Replay


@dataclass(frozen=True)
class Display:
    """How a plan is shown: --format, --diff and --list-unmanaged."""

    output_format: str
    full: bool
    list_unmanaged: bool

    @classmethod
    def of(cls, output_format: str, diff: str, list_unmanaged: bool) -> Display:
        return cls(output_format, diff == "full", list_unmanaged)


def echo_plan(plan: Plan, header: PlanHeader, display: Display, approving: bool = False) -> None:
    """The plan as `display` asks; with -q only its summary, unless it is to be approved."""
    from judgesync.render import as_json, as_markdown, as_text

    full, listed = display.full, display.list_unmanaged
    if display.output_format == "json":
        click.echo(as_json.dumps(as_json.plan_document(plan, header)), nl=False)
    elif display.output_format in ("markdown", "github"):
        text = as_markdown.render_plan(plan, header, full=full, list_unmanaged=listed)
        click.echo(text, nl=False)
    else:
        shown = terminal.current()
        if shown.quiet and not approving:
            click.echo(as_text.summary(plan))
        else:
            colour = shown.colour(sys.stdout)
            text = as_text.render_plan(plan, header, colour, full=full, list_unmanaged=listed)
            click.echo(text, nl=False, color=colour)


def echo_plan_with_replay(plan: Plan, header: PlanHeader, replay: Replay, display: Display) -> None:
    """The plan with its replay section: after the text plan, inside the markdown comment's
    limit (the plan gets what the replay leaves), as the JSON plan's `replay` key."""
    from judgesync.render import (
        as_json,
        as_markdown,
        as_text,
        markdown_text,
        review_json,
        review_markdown,
        review_text,
    )

    full, listed = display.full, display.list_unmanaged
    if display.output_format == "json":
        document = as_json.plan_document(plan, header)
        document["replay"] = review_json.replay_document(replay)
        click.echo(as_json.dumps(document), nl=False)
    elif display.output_format in ("markdown", "github"):
        section = review_markdown.render_replay(replay)
        room = max(markdown_text.MIN_LIMIT, markdown_text.DEFAULT_LIMIT - len(section) - 1)
        text = as_markdown.render_plan(plan, header, room, full=full, list_unmanaged=listed)
        click.echo(text + "\n" + section, nl=False)
    else:
        colour = terminal.current().colour(sys.stdout)
        text = as_text.render_plan(plan, header, colour, full=full, list_unmanaged=listed)
        # color=: click would strip the codes again whenever stdout is no terminal.
        click.echo(text + "\n" + review_text.render_replay(replay), nl=False, color=colour)
