"""The one error boundary: how every way a command can end becomes an exit code.

    0    success (for `plan --detailed-exitcode`: no changes)
    1    an error: judgesync's own (one line per problem) or a usage error (click's message)
    2    only with `plan --detailed-exitcode`: changes are pending
    3    an unexpected internal error: one line naming a log file with the traceback
    130  interrupted (Ctrl-C)

Tracebacks reach the terminal only with `--debug`; otherwise an unexpected
error's traceback goes to a log file, with API keys taken out. With
`--format github`, judgesync's own errors are also printed as GitHub
workflow commands, so that a run annotates them.
"""

from __future__ import annotations

import os
import re
import tempfile
import traceback
from collections.abc import Callable, Mapping
from typing import Any

import click

from judgesync.errors import JudgesyncError, SpecError
from judgesync.render import as_github

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES_PENDING = 2
EXIT_INTERNAL_ERROR = 3
EXIT_INTERRUPTED = 130

# The key of click's context meta that a command's `--format github` sets.
GITHUB_ANNOTATIONS = "judgesync.github_annotations"

# Environment values that never reach a crash log: those of variables named like
# secrets, and any long value without '/' or spaces, which is how API keys look
# (a target's key variable may have any name).
_SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL", re.IGNORECASE)
_KEY_LIKE = re.compile(r"[^/\s]{16,}")


def run_command(
    command: Callable[[], object], debug: bool, meta: Mapping[str, Any] | None = None
) -> int:
    """Run a parsed command; return its exit code, whatever happens inside it.

    `meta` is click's context meta, read once the command has parsed its options.
    """
    try:
        result = command()
    except (click.ClickException, click.exceptions.Exit, click.Abort):
        raise  # click's own ways out; `usage_exit_code` words and codes them
    except JudgesyncError as error:
        if debug:
            traceback.print_exc()
        _report(error, annotate=bool((meta or {}).get(GITHUB_ANNOTATIONS)))
        return EXIT_ERROR
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return EXIT_INTERRUPTED
    except Exception as error:
        if debug:
            traceback.print_exc()
            return EXIT_INTERNAL_ERROR
        log = _write_crash_log(error)
        click.echo(
            f"judgesync hit an internal error ({type(error).__name__}); this is a bug."
            f" The traceback is in {log}; please report it with that file.",
            err=True,
        )
        return EXIT_INTERNAL_ERROR
    return result if isinstance(result, int) else EXIT_OK


def usage_exit_code(run: Callable[[], object]) -> int:
    """Run click's parsing and dispatch; usage errors exit 1 with click's message."""
    try:
        result = run()
    except click.ClickException as error:
        error.show()
        return EXIT_ERROR
    except click.Abort:  # Ctrl-C at a prompt or while parsing
        click.echo("Interrupted.", err=True)
        return EXIT_INTERRUPTED
    return result if isinstance(result, int) else EXIT_OK


def _report(error: JudgesyncError, annotate: bool) -> None:
    if isinstance(error, SpecError):
        for problem in error.problems:
            click.echo(str(problem), err=True)
        click.echo(
            f"{len(error.problems)} problem(s) in {error.source}; nothing was sent to the API.",
            err=True,
        )
        if annotate:
            click.echo(as_github.render_problems(error.problems), err=True, nl=False)
    else:
        click.echo(f"Error: {error}", err=True)
        if annotate:
            click.echo(as_github.render_error(str(error)), err=True, nl=False)


def _write_crash_log(error: BaseException) -> str:
    text = "".join(traceback.format_exception(error))
    for name, value in os.environ.items():
        if (_SECRET_NAME.search(name) and len(value) >= 4) or _KEY_LIKE.fullmatch(value):
            text = text.replace(value, f"<{name}>")
    handle, path = tempfile.mkstemp(prefix="judgesync-crash-", suffix=".log")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(text)
    return path
