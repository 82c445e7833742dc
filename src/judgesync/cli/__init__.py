"""The command line: parse options, call one core function, render, exit.

Exit codes (the boundary in `boundary.py`): 0 success; 1 error, usage errors
included; 2 changes pending (`plan --detailed-exitcode`); 3 internal error;
130 interrupted. Tracebacks only with `--debug`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click

from judgesync import __version__
from judgesync.cli.boundary import run_command, usage_exit_code
from judgesync.cli.emulator import emulator_command
from judgesync.cli.extras import schema_command
from judgesync.cli.importer import import_command
from judgesync.cli.reconcile import (
    apply_command,
    plan_command,
    show_command,
    validate_command,
)
from judgesync.cli.review import judge_command, test_command
from judgesync.cli.terminal import COLOR_CHOICES, Terminal


class _Group(click.Group):
    """The one error boundary: a command's int return value is the exit code;
    errors become exit codes in `boundary`, usage errors included."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        def parse_and_run() -> Any:
            return super(_Group, self).main(args, prog_name, complete_var, False, **extra)

        if not standalone_mode:
            return parse_and_run()
        sys.exit(usage_exit_code(parse_and_run))

    def invoke(self, ctx: click.Context) -> Any:
        debug = bool(ctx.params.get("debug"))
        return run_command(lambda: super(_Group, self).invoke(ctx), debug, ctx.meta)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="judgesync")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.option(
    "--color",
    type=click.Choice(COLOR_CHOICES),
    default="auto",
    show_default=True,
    help="Colour the output; auto follows NO_COLOR, FORCE_COLOR, GitHub Actions and the terminal.",
)
@click.option("-v", "--verbose", is_flag=True, help="Also print each retry and throttle decision.")
@click.option("-q", "--quiet", is_flag=True, help="Print only summaries and errors; no progress.")
@click.pass_context
def cli(ctx: click.Context, debug: bool, color: str, verbose: bool, quiet: bool) -> None:
    """Manage Mistral judges as YAML files in git: validate, plan, apply.

    \b
    Example:
      judgesync plan --api-url local judges/
      judgesync -v --color never apply --auto-approve
    """
    if verbose and quiet:
        raise click.UsageError("-v/--verbose and -q/--quiet contradict each other; pick one.")
    terminal = Terminal(color, verbose, quiet)
    terminal.start_logging()
    ctx.obj = terminal


for command in (
    validate_command,
    plan_command,
    apply_command,
    show_command,
    emulator_command,
    import_command,
    schema_command,
    test_command,
    judge_command,
):
    cli.add_command(command)

main = cli
