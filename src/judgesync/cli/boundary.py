"""The one error boundary: how every way a command can end becomes an exit code.

    0    success (for `plan --detailed-exitcode`: no changes)
    1    an error: judgesync's own (one line per problem) or a usage error (click's message)
    2    only with `plan --detailed-exitcode`: changes are pending
    3    an unexpected internal error: one line naming a log file with the traceback
    130  interrupted (Ctrl-C)

Output that cannot be written is an error of the environment, not a bug: a
reader that went away (`judgesync schema | head -c 10`) ends the command
quietly with 1; another failure (a full disk) is one line and 1.

Tracebacks reach the terminal only with `--debug`; otherwise an unexpected
error's traceback goes to a log file, with API keys taken out. With
`--format github`, judgesync's own errors are also printed as GitHub
workflow commands, so that a run annotates them.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import traceback
from collections.abc import Callable, Mapping
from typing import Any

import click

from judgesync.errors import JudgesyncError, SpecError
from judgesync.redact import redact
from judgesync.render.formats import FORMATS, Format

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES_PENDING = 2
EXIT_INTERNAL_ERROR = 3
EXIT_INTERRUPTED = 130

# The key of click's context meta that holds the command's `--format`, looked up
# once (render/formats.py): the boundary annotates errors as that format does.
OUTPUT_FORMAT = "judgesync.output_format"

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
        _report(error, (meta or {}).get(OUTPUT_FORMAT, FORMATS["text"]))
        return EXIT_ERROR
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return EXIT_INTERRUPTED
    except Exception as error:
        if _writing_output(error):
            raise  # `usage_exit_code` ends the process, whose stdout is no more use
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
        _flush_stdout()
    except click.ClickException as error:
        error.show()
        return EXIT_ERROR
    except click.Abort:  # Ctrl-C at a prompt or while parsing
        click.echo("Interrupted.", err=True)
        return EXIT_INTERRUPTED
    except OSError as error:
        if not _writing_output(error):
            raise
        _silence_stdout()
        if not isinstance(error, BrokenPipeError):  # the reader left: nothing to say
            click.echo(f"Error: could not write the output ({error.strerror or error}).", err=True)
        return EXIT_ERROR
    return result if isinstance(result, int) else EXIT_OK


def _flush_stdout() -> None:
    # Output still buffered fails here, inside the boundary, not at interpreter exit.
    sys.stdout.flush()


def _writing_output(error: BaseException) -> bool:
    """Whether `error` is an OSError raised while writing the command's output."""
    if not isinstance(error, OSError):
        return False
    frames = traceback.extract_tb(error.__traceback__)
    return any(
        (frame.name == "echo" and frame.filename == click.utils.__file__)
        or (frame.name == "_flush_stdout" and frame.filename == __file__)
        for frame in frames
    )


def _silence_stdout() -> None:
    """Point stdout at devnull, so that the flush at interpreter exit fails no second time
    (Python's advice for SIGPIPE, in the `signal` module's documentation)."""
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (click's test runner)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, descriptor)
    os.close(devnull)


def _report(error: JudgesyncError, output_format: Format) -> None:
    if isinstance(error, SpecError):
        for problem in error.problems:
            click.echo(output_format.message(str(problem)), err=True)
        count = len(error.problems)
        summary = f"{count} problem(s) in {error.source}; nothing was sent to the API."
        click.echo(output_format.message(summary), err=True)
        annotations = output_format.annotations(problems=error.problems)
    else:
        click.echo(output_format.message(f"Error: {error}"), err=True)
        annotations = output_format.annotations(errors=[str(error)])
    click.echo(annotations, err=True, nl=False)


def _write_crash_log(error: BaseException) -> str:
    text = "".join(traceback.format_exception(error))
    for name, value in os.environ.items():
        if _SECRET_NAME.search(name) or _KEY_LIKE.fullmatch(value):
            text = redact(text, value, f"<{name}>")
    handle, path = tempfile.mkstemp(prefix="judgesync-crash-", suffix=".log")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(text)
    return path
