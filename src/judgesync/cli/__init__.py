"""The command line: parse options, call one core function, render, exit.

Exit codes: 0 success; 1 error; 2 changes pending (`plan --detailed-exitcode`);
130 interrupted. Tracebacks only with `--debug`.
"""

from __future__ import annotations

from typing import Any

import click

from judgesync import __version__
from judgesync.cli.emulator import emulator_command
from judgesync.cli.extras import schema_command
from judgesync.cli.importer import import_command
from judgesync.cli.reconcile import (
    apply_command,
    plan_command,
    show_command,
    validate_command,
)
from judgesync.errors import JudgesyncError, SpecError

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130


class _Group(click.Group):
    """The one error boundary: a command's int return value is the exit code;
    a judgesync error prints one line per problem and exits 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            result = super().invoke(ctx)
        except JudgesyncError as error:
            if ctx.params.get("debug"):
                raise
            _report(error)
            ctx.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        ctx.exit(result if isinstance(result, int) else 0)


def _report(error: JudgesyncError) -> None:
    if isinstance(error, SpecError):
        for problem in error.problems:
            click.echo(str(problem), err=True)
        click.echo(
            f"{len(error.problems)} problem(s) in the spec files; nothing was sent to the API.",
            err=True,
        )
    else:
        click.echo(f"Error: {error}", err=True)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="judgesync")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def cli(debug: bool) -> None:
    """Manage Mistral judges as YAML files in git: validate, plan, apply.

    \b
    Example:
      judgesync plan --api-url local judges/
    """


for command in (
    validate_command,
    plan_command,
    apply_command,
    show_command,
    emulator_command,
    import_command,
    schema_command,
):
    cli.add_command(command)

main = cli
