"""`test` and `judge`: judges' behaviour on conversations, against the remote as it is."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from judgesync.cli import terminal
from judgesync.cli.boundary import EXIT_ERROR, EXIT_OK
from judgesync.cli.display import for_format
from judgesync.cli.reconcile import (
    api_url_option,
    format_option,
    parallelism_option,
    repeat_option,
    spec_directory,
    target_option,
)

# The core is imported inside each command: `judgesync --help` stays quick.
if TYPE_CHECKING:
    from judgesync.cli.display import Display
    from judgesync.plan.planner import Plan
    from judgesync.render.header import PlanHeader
    from judgesync.review.replay import Replay


@click.command("test")
@spec_directory
@api_url_option
@target_option
@click.option(
    "--only",
    metavar="NAME|GLOB",
    multiple=True,
    help="Test only the judges whose name matches (repeatable; globs as in judgesync.yaml)."
    " [default: every judge with cases]",
)
@repeat_option(
    "Judge each case N times and report how often the verdicts disagree with"
    " themselves (the noise floor)."
)
@format_option
@parallelism_option
def test_command(
    directory: Path | None,
    api_url: str | None,
    target_name: str | None,
    only: tuple[str, ...],
    repeat: int,
    output_format: str,
    parallelism: int,
) -> int:
    """Run every judge's cases (*.cases.yaml) through live judging, against the
    remote judges as they are; exit 1 when a case, must_pass or gate fails.

    \b
    Example:
      judgesync test --api-url local judges/
      judgesync test --only tone --repeat 3 --format markdown
      judgesync test --only 'team-a/*'
    """
    from judgesync.policy import Choices
    from judgesync.render import review_json, review_markdown, review_text
    from judgesync.render.as_json import dumps
    from judgesync.review.session import test

    choices = Choices(directory, api_url, target_name, only=only)
    progress = terminal.current().progress()
    run = test(choices, os.environ, Path.cwd(), parallelism, repeat=repeat, progress=progress)
    if output_format == "json":
        click.echo(dumps(review_json.test_document(run)), nl=False)
    elif output_format == "markdown":
        click.echo(review_markdown.render_test(run), nl=False)
    else:
        click.echo(for_format(review_text.render_test(run), output_format), nl=False)
    if run.ok:
        return EXIT_OK
    failing = ", ".join(result.name for result in run.judges if not result.ok)
    error = f"the test fails for {failing}; see the report, and fix the judges or their cases."
    click.echo(for_format(f"Error: {error}", output_format), err=True)
    if output_format == "github":
        from judgesync.render import as_github

        click.echo(as_github.render_error(error), err=True, nl=False)
    return EXIT_ERROR


@click.command("judge")
@click.argument("name")
@click.option(
    "--messages",
    "messages_file",
    required=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A JSON or YAML file holding the conversation: a list of {role, content} messages.",
)
@click.option(
    "--properties",
    "properties_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A JSON or YAML file holding the properties the instructions read, as a mapping.",
)
@api_url_option
@target_option
def judge_command(
    name: str,
    messages_file: Path,
    properties_file: Path | None,
    api_url: str | None,
    target_name: str | None,
) -> int:
    """Try the remote judge NAME on one conversation; print its analysis and answer.

    \b
    Example:
      judgesync judge tone --messages chat.yaml --properties props.yaml --api-url local
    """
    from judgesync.policy import Choices
    from judgesync.review.judging import EMULATED_MARK, EMULATED_NOTE
    from judgesync.review.session import read_conversation, try_judge

    request = read_conversation(messages_file, properties_file)
    choices = Choices(api_url=api_url, target_name=target_name)
    progress = terminal.current().progress()
    target, output = try_judge(choices, os.environ, Path.cwd(), name, request, progress)
    analysis = str(output.get("analysis", ""))
    click.echo(f"Target: {target}")
    if analysis.startswith(EMULATED_MARK):
        click.echo(EMULATED_NOTE)
    click.echo(f"Analysis: {analysis}")
    click.echo(f"Answer: {output.get('answer')}")
    return EXIT_OK


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
        click.echo(for_format(text + "\n" + section, display.output_format), nl=False)
    else:
        colour = terminal.current().colour(sys.stdout)
        text = as_text.render_plan(plan, header, colour, full=full, list_unmanaged=listed)
        # color=: click would strip the codes again whenever stdout is no terminal.
        click.echo(text + "\n" + review_text.render_replay(replay), nl=False, color=colour)
