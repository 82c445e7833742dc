"""The command line: parse options, call one core function, render, exit.

Exit codes: 0 success; 1 error; 2 changes pending (`plan --detailed-exitcode`);
130 interrupted. Tracebacks only with `--debug`.
"""

from __future__ import annotations

import sys

import click

from judgesync import __version__
from judgesync.cli.emulator import emulator_command
from judgesync.errors import JudgesyncError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES_PENDING = 2
EXIT_INTERRUPTED = 130


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="judgesync")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Manage Mistral judges as YAML files in git: validate, plan, apply.

    \b
    Example:
      judgesync plan --api-url local judges/
    """
    ctx.obj = {"debug": debug}


cli.add_command(emulator_command)


def main() -> None:
    """Entry point: the one error boundary."""
    debug = "--debug" in sys.argv[1:]
    try:
        code = cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Interrupted.", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except JudgesyncError as error:
        if debug:
            raise
        click.echo(f"Error: {error}", err=True)
        sys.exit(EXIT_ERROR)
    sys.exit(code if isinstance(code, int) else EXIT_OK)
