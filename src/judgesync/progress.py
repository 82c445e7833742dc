"""What a long operation reports as it goes, for a display to show.

The core (the executor, listing, import, test runs) reports into a
`Progress` it is given; the command line decides what a report looks like
(a live bar on a terminal, a line every few seconds in a CI log, nothing
with --quiet). The core never imports a display library.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """One task at a time: `start`, any number of `advance`, then `finish`."""

    def start(self, task: str, total: int | None = None) -> None:
        """`task` names it ("apply", "listing"); `total` is None when unknown."""

    def advance(self, *, failed: bool = False) -> None:
        """One item of the task ended, done or failed."""

    def finish(self) -> None:
        """The task ended (also when it was interrupted)."""


class Silent:
    """The Progress of a run nobody watches."""

    def start(self, task: str, total: int | None = None) -> None:
        pass

    def advance(self, *, failed: bool = False) -> None:
        pass

    def finish(self) -> None:
        pass


SILENT = Silent()
