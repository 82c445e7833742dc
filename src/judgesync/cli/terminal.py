"""How a run talks to a person: colour, verbosity and progress, decided once.

The global options `--color`, `-v` and `-q` become one `Terminal` (the click
context's object); commands ask it whether to paint, how much to say, and for
the `Progress` to hand the core. Colour is one rule, `colour_enabled`:

    --color always / never     wins
    NO_COLOR (non-empty)       off
    FORCE_COLOR (non-empty)    on
    GITHUB_ACTIONS=true        on (Actions logs show colour; they are not terminals)
    otherwise                  on when the stream is a terminal

Progress goes to stderr: a live display (rich) on a terminal, a plain line
every few seconds elsewhere (CI logs), nothing with `-q`. `-v` prints each
retry and throttle decision of the HTTP layer (logger `judgesync.http`,
already scrubbed of the key).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

import click

from judgesync.progress import SILENT, Progress
from judgesync.words import counted

if TYPE_CHECKING:  # rich is imported when a display starts: `--help` stays quick
    import rich.progress

COLOR_CHOICES = ("auto", "always", "never")
# Seconds between two plain progress lines in a log.
PLAIN_INTERVAL = 2.0
_HTTP_LOGGER = "judgesync.http"
_RETRY_DECISIONS = frozenset({"retry", "throttle"})


def colour_enabled(choice: str, environ: Mapping[str, str], is_terminal: bool) -> bool:
    """The one colour rule (see the module docstring)."""
    if choice != "auto":
        return choice == "always"
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    if environ.get("GITHUB_ACTIONS") == "true":
        return True
    return is_terminal


@dataclass(frozen=True)
class Terminal:
    """The global output options of one run."""

    color: str = "auto"
    verbose: bool = False
    quiet: bool = False

    def colour(self, stream: TextIO) -> bool:
        return colour_enabled(self.color, os.environ, stream.isatty())

    def progress(self) -> Progress:
        """Where the core reports progress: a live display, plain lines, or nowhere."""
        if self.quiet:
            return SILENT
        if sys.stderr.isatty():
            return LiveProgress(colour=self.colour(sys.stderr))
        return PlainProgress(sys.stderr)

    def start_logging(self) -> None:
        """With -v, print the HTTP layer's retry and throttle decisions on stderr
        (and without it, not: one process may run several commands, as tests do)."""
        logger = logging.getLogger(_HTTP_LOGGER)
        if self.verbose:
            logger.addHandler(_ECHO)
            logger.setLevel(logging.INFO)
        else:
            logger.removeHandler(_ECHO)
            logger.setLevel(logging.NOTSET)


def current() -> Terminal:
    """The run's Terminal (the defaults outside a command, e.g. in unit tests)."""
    context = click.get_current_context(silent=True)
    found = context.find_object(Terminal) if context is not None else None
    return found or Terminal()


class _EchoHandler(logging.Handler):
    """Writes through click at emit time, so a live display keeps its place below."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"http: {record.getMessage()}", err=True)


_ECHO = _EchoHandler(logging.INFO)


class Tally(logging.Handler):
    """The counts a display shows: ended items, failures and retries (counted from
    the HTTP layer's log records while the task runs)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.task = ""
        self.total: int | None = None
        self.ended = self.failed = self.retries = 0
        self.started_at = time.monotonic()
        self._lock = threading.Lock()
        self._logger = logging.getLogger(_HTTP_LOGGER)
        self._level = self._logger.level

    def begin(self, task: str, total: int | None) -> None:
        self.task, self.total = task, total
        self.ended = self.failed = self.retries = 0
        self.started_at = time.monotonic()
        self._level = self._logger.level
        if not self._logger.isEnabledFor(logging.INFO):
            self._logger.setLevel(logging.INFO)  # the records carry the retries
        self._logger.addHandler(self)

    def end(self) -> None:
        self._logger.removeHandler(self)
        self._logger.setLevel(self._level)

    def count(self, failed: bool) -> None:
        with self._lock:
            self.ended += 1
            self.failed += int(failed)

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "decision", None) in _RETRY_DECISIONS:
            with self._lock:
                self.retries += 1

    def line(self) -> str:
        """E.g. "apply: 120/1000 done, 2 failed, 3 retries, 41/s, ETA 21 s"."""
        elapsed = max(time.monotonic() - self.started_at, 1e-6)
        if self.total is None:  # a listing: nothing to count yet but time and retries
            return f"{self.task}: {elapsed:.0f} s, {counted(self.retries, 'retry', 'retries')}"
        rate = self.ended / elapsed
        done = self.ended - self.failed
        retries = counted(self.retries, "retry", "retries")
        parts = [f"{done}/{self.total} done", f"{self.failed} failed", retries]
        parts.append(f"{rate:.0f}/s")
        if rate > 0:
            parts.append(f"ETA {(self.total - self.ended) / rate:.0f} s")
        return f"{self.task}: {', '.join(parts)}"


class PlainProgress:
    """A line every PLAIN_INTERVAL seconds while a task runs (its end is the
    command's own output: the plan, or the report's summary)."""

    def __init__(self, stream: TextIO, interval: float = PLAIN_INTERVAL) -> None:
        self._stream = stream
        self._interval = interval
        self._tally = Tally()
        self._ended = threading.Event()
        self._ticker: threading.Thread | None = None

    def start(self, task: str, total: int | None = None) -> None:
        self._tally.begin(task, total)
        self._ended.clear()
        self._ticker = threading.Thread(target=self._tick, daemon=True)
        self._ticker.start()

    def advance(self, *, failed: bool = False) -> None:
        self._tally.count(failed)

    def finish(self) -> None:
        self._ended.set()
        if self._ticker is not None:
            self._ticker.join()
        self._tally.end()

    def _tick(self) -> None:
        while not self._ended.wait(self._interval):
            self._print()

    def _print(self) -> None:
        print(self._tally.line(), file=self._stream, flush=True)


class LiveProgress:
    """rich's live display on a terminal: bar, counts, rate and ETA."""

    def __init__(self, colour: bool) -> None:
        from rich.console import Console

        self._console = Console(stderr=True, no_color=not colour)
        self._tally = Tally()
        self._display: rich.progress.Progress | None = None
        self._task_id: rich.progress.TaskID | None = None

    def start(self, task: str, total: int | None = None) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeRemainingColumn,
        )

        self._tally.begin(task, total)
        display = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[counts]}"),
            TimeRemainingColumn(),
            console=self._console,
            transient=total is None,
        )
        self._task_id = display.add_task(task, total=total, counts="")
        display.start()
        self._display = display

    def advance(self, *, failed: bool = False) -> None:
        self._tally.count(failed)
        if self._display is not None and self._task_id is not None:
            self._display.update(self._task_id, advance=1, counts=self._counts())

    def finish(self) -> None:
        self._tally.end()
        if self._display is not None and self._task_id is not None:
            self._display.update(self._task_id, counts=self._counts())
            self._display.stop()
        self._display = None

    def _counts(self) -> str:
        tally = self._tally
        rate = tally.ended / max(time.monotonic() - tally.started_at, 1e-6)
        return f"{tally.failed} failed, {counted(tally.retries, 'retry', 'retries')}, {rate:.0f}/s"
