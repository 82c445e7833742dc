"""How many requests may be in flight, and whether the API asked everyone to wait.

A rate-limited API answers 429 with `Retry-After`. Two things go wrong when
every thread handles that alone: threads that were not refused keep
hammering while the refused ones sleep, and the sleeps of many threads drift
apart so the API is never given the quiet moment it asked for. `Throttle`
is shared by all threads of one client and fixes both:

- an AIMD window (`AimdWindow`, pure arithmetic): the number of requests
  allowed in flight grows by one per window of successes (additive increase)
  and halves on a 429 (multiplicative decrease), once per burst of 429s;
- a gate: a 429's wait applies to every thread, so the whole client pauses
  once, together, for as long as the API asked, then resumes with the
  smaller window.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

DEFAULT_MAX_IN_FLIGHT = 64


@dataclass(frozen=True)
class Ticket:
    """One request's permission to be in flight.

    `generation` is the window's generation when the request was sent: a 429
    for a request sent before the last decrease is old news and shrinks
    nothing. `in_flight` counts the requests in flight with it, itself included.
    """

    generation: int
    in_flight: int


class AimdWindow:
    """Additive-increase / multiplicative-decrease of a concurrency limit.

    Not thread-safe on its own; `Throttle` calls it under its lock.
    """

    def __init__(self, ceiling: int, floor: int = 1, decrease_factor: float = 0.5) -> None:
        if not 1 <= floor <= ceiling:
            raise ValueError("AimdWindow needs 1 <= floor <= ceiling.")
        if not 0 < decrease_factor < 1:
            raise ValueError("AimdWindow.decrease_factor must be between 0 and 1.")
        self.ceiling = ceiling
        self.floor = floor
        self.decrease_factor = decrease_factor
        self.limit = float(ceiling)
        self.generation = 0

    @property
    def allowed(self) -> int:
        """Requests that may be in flight now (the limit, rounded down)."""
        return max(self.floor, int(self.limit))

    def succeeded(self) -> None:
        # +1/limit per success is +1 per full window of successes.
        self.limit = min(float(self.ceiling), self.limit + 1.0 / self.limit)

    def throttled(self, ticket: Ticket) -> None:
        """Halve the window, measured from what was really in flight.

        When 16 threads share a ceiling of 64, halving 64 would change nothing;
        halving the 16 in flight does. Only the first 429 of a burst counts.
        """
        if ticket.generation != self.generation:
            return
        measured = min(self.limit, float(ticket.in_flight))
        self.limit = max(float(self.floor), measured * self.decrease_factor)
        self.generation += 1


class Throttle:
    """The in-flight limit and the shared pause of one client; thread-safe.

    `sleep` and `clock` are injectable so tests can drive the pause without waiting.
    """

    def __init__(
        self,
        max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._window = AimdWindow(ceiling=max_in_flight)
        self._sleep = sleep
        self._clock = clock
        self._changed = threading.Condition()
        self._in_flight = 0
        self._paused_until = float("-inf")

    @property
    def allowed(self) -> int:
        with self._changed:
            return self._window.allowed

    def pause_remaining(self) -> float:
        """Seconds until the shared pause ends (0 when there is none)."""
        with self._changed:
            return max(0.0, self._paused_until - self._clock())

    @contextmanager
    def slot(self) -> Iterator[Ticket]:
        """Wait for the pause to end and for room in the window; hold a place meanwhile."""
        ticket = self._acquire()
        try:
            yield ticket
        finally:
            with self._changed:
                self._in_flight -= 1
                self._changed.notify()

    def succeeded(self) -> None:
        with self._changed:
            self._window.succeeded()
            self._changed.notify_all()

    def throttled(self, ticket: Ticket, pause: float) -> None:
        """A request was answered 429: shrink the window, and pause everyone `pause` seconds."""
        with self._changed:
            self._window.throttled(ticket)
            self._paused_until = max(self._paused_until, self._clock() + pause)

    def _acquire(self) -> Ticket:
        while True:
            with self._changed:
                wait = self._paused_until - self._clock()
                if wait <= 0:
                    if self._in_flight < self._window.allowed:
                        self._in_flight += 1
                        return Ticket(self._window.generation, self._in_flight)
                    # A release or a larger window wakes us; then look again.
                    self._changed.wait()
                    continue
            # Sleep outside the lock; the pause may have been extended meanwhile.
            self._sleep(wait)
