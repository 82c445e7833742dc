"""`test` and `judge`: judges' behaviour on conversations, against the remote as it is."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from judgesync.cli import terminal
from judgesync.cli.boundary import EXIT_ERROR, EXIT_OK
from judgesync.cli.display import echo, style
from judgesync.cli.options import (
    api_url_option,
    format_option,
    gate_emulated_option,
    parallelism_option,
    repeat_option,
    spec_directory,
    target_option,
)

# The core is imported inside each command: `judgesync --help` stays quick.
if TYPE_CHECKING:
    from judgesync.render.formats import Format


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
@gate_emulated_option(
    "Evaluate must_pass and the gates even when the verdicts are emulated (the emulator's"
    " hash rule), and exit 1 when they fail; real verdicts are always evaluated."
)
@format_option
@parallelism_option
def test_command(
    directory: Path | None,
    api_url: str | None,
    target_name: str | None,
    only: tuple[str, ...],
    repeat: int,
    gate_emulated: bool,
    output_format: Format,
    parallelism: int,
) -> int:
    """Run every judge's cases (*.cases.yaml) through live judging, against the
    remote judges as they are; exit 1 when a must_pass case fails, a request
    fails, a judge has no remote judge, or a gate fails (a case that misses its
    expect without must_pass is reported, not a failure). Emulated verdicts
    (the emulator's hash rule) are reported but not evaluated, unless
    --gate-emulated.

    \b
    Example:
      judgesync test --api-url local judges/
      judgesync test --only tone --repeat 3 --format markdown
      judgesync test --only 'team-a/*'
    """
    from judgesync.commands.test import test
    from judgesync.settings.policy import Choices

    choices = Choices(directory, api_url, target_name, only=only)
    progress = terminal.current().progress()
    run = test(
        choices,
        os.environ,
        Path.cwd(),
        parallelism,
        repeat=repeat,
        gate_emulated=gate_emulated,
        progress=progress,
        announce=lambda cost: click.echo(output_format.cost(cost), err=True),
    )
    shown = style()
    echo(output_format.test_run(run, shown), shown)
    if run.ok:
        return EXIT_OK
    failing = ", ".join(result.name for result in run.judges if not result.ok)
    error = f"the test fails for {failing}; see the report, and fix the judges or their cases."
    click.echo(output_format.message(f"Error: {error}"), err=True)
    click.echo(output_format.annotations(errors=[error]), err=True, nl=False)
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
    from judgesync.commands.judge import read_conversation, try_judge
    from judgesync.render.formats import FORMATS
    from judgesync.settings.policy import Choices

    request = read_conversation(messages_file, properties_file)
    choices = Choices(api_url=api_url, target_name=target_name)
    progress = terminal.current().progress()
    target, output = try_judge(choices, os.environ, Path.cwd(), name, request, progress)
    # judge has no --format: its verdict is always text.
    shown = style()
    echo(FORMATS["text"].verdict(target, output, shown), shown)
    return EXIT_OK
