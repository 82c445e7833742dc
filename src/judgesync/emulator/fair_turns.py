"""Bounded, fair admission to live judging: no queue without bound, no workspace starved.

Two rules, both per request:

- admission: a workspace may have at most `per_workspace` judging requests
  admitted (rendering, waiting or asking the model), and all workspaces
  together at most `total`; past either, `Saturated` is raised at once (the
  pool answers 503 with `Retry-After`) instead of queueing;
- turns: at most `slots` admitted requests hold a turn (a render worker) at
  once, and when one ends the next turn goes round robin across the waiting
  workspaces, the one whose turn just ended last, not to the oldest request.
  So one workspace's flood of looping templates costs another workspace's
  single request at most the turns already running, however many of the
  flood are admitted.

Everything runs on the server's event loop: no locks.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Saturated(Exception):
    """Judging is full for this workspace, or for everyone; try again shortly."""


class Admission:
    """Counts the judging requests admitted per workspace and in all."""

    def __init__(self, per_workspace: int, total: int) -> None:
        self.per_workspace = per_workspace
        self.total = total
        self._admitted: dict[str, int] = {}
        self._count = 0

    @asynccontextmanager
    async def admit(self, workspace: str) -> AsyncIterator[None]:
        held = self._admitted.get(workspace, 0)
        if held >= self.per_workspace or self._count >= self.total:
            raise Saturated
        self._admitted[workspace] = held + 1
        self._count += 1
        try:
            yield
        finally:
            self._count -= 1
            left = self._admitted[workspace] - 1
            if left:
                self._admitted[workspace] = left
            else:
                del self._admitted[workspace]


class FairTurns:
    """Up to `slots` turns at once; waiting workspaces are served round robin."""

    def __init__(self, slots: int) -> None:
        self._free = slots
        # Workspace -> its waiters, oldest first; the ring's order is the order served.
        self._waiting: OrderedDict[str, deque[asyncio.Future[None]]] = OrderedDict()

    @asynccontextmanager
    async def turn(self, workspace: str) -> AsyncIterator[None]:
        if self._free and not self._waiting:
            self._free -= 1
        else:
            granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiting.setdefault(workspace, deque()).append(granted)
            try:
                await granted
            except asyncio.CancelledError:
                if granted.done() and not granted.cancelled():
                    self._pass_on(workspace)  # granted just as it was cancelled: hand it on
                else:
                    self._forget(workspace, granted)
                raise
        try:
            yield
        finally:
            self._pass_on(workspace)

    def _pass_on(self, ended: str) -> None:
        """`ended`'s turn ended: give it to the next workspace in the ring, or free it."""
        if len(self._waiting) > 1 and next(iter(self._waiting)) == ended:
            self._waiting.move_to_end(ended)  # the others first
        while self._waiting:
            workspace, waiters = self._waiting.popitem(last=False)
            granted = waiters.popleft()
            if waiters:
                self._waiting[workspace] = waiters  # back of the ring
            if not granted.done():
                granted.set_result(None)
                return
        self._free += 1

    def _forget(self, workspace: str, granted: asyncio.Future[None]) -> None:
        waiters = self._waiting.get(workspace)
        if waiters is not None and granted in waiters:
            waiters.remove(granted)
            if not waiters:
                del self._waiting[workspace]
