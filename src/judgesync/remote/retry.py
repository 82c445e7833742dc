"""The one layer every request of a client passes through: retries and the adaptive throttle.

`Retrier.send` repeats one request until it succeeds or another attempt is not
worth it. All threads of one client share one `Retrier`, and with it:

- a window of requests in flight (`AimdWindow`): it grows by one per window of
  successes and halves on a 429, measured from what was really in flight;
- a shared pause: a 429's wait applies to every thread, so the whole client
  gives the API the quiet moment it asked for, together, instead of threads
  hammering on while the refused ones sleep.

Retried: 429, 500, 502, 503, 504, timeouts and dropped connections. Not
retried: any other answer, and failures another attempt cannot heal (an
untrusted certificate, a refused TLS handshake, a host name that does not
exist, a URL or request httpx cannot send). The wait is the server's
`Retry-After` (seconds or an HTTP date, capped at `max_delay`), else
exponential backoff with full jitter (uniform between 0 and the ceiling, so
threads refused together do not return in lockstep).
429s count against `throttled_attempts`, other failures against `attempts`,
and all of them against `total_budget` seconds: a wait that would overrun
the budget is not started.

A refused connection (nothing listens on the port) is retried only
`refused_attempts - 1` times, after `refused_delay` each: a mistyped port
or a stopped emulator fails within a second instead of after the whole
backoff. The one retry is for an API that is restarting: its port is
closed for a moment, and then it listens again.

Every decision is logged to the `judgesync.http` logger, scrubbed of the key;
a record's `decision` attribute says which ("retry", "throttle", "give-up",
"wait"), so a progress display can count retries without reading messages.
"""

from __future__ import annotations

import logging
import random
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from judgesync.words import counted

# 429 is throttling; the 5xx codes are the ones a gateway or an overloaded
# service answers transiently. 501 and 505 would not change on a retry.
RETRYABLE_STATUS_CODES = frozenset({429, 500, 502, 503, 504})
# The request may never have reached the server, or its answer was lost.
RETRYABLE_TRANSPORT_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
# TLS errors that mean the connection dropped mid-handshake, not that it was refused.
_TRANSIENT_TLS_ERRORS = (ssl.SSLEOFError, ssl.SSLZeroReturnError, ssl.SSLSyscallError)

logger = logging.getLogger("judgesync.http")

Answer = httpx.Response | httpx.TransportError


@dataclass(frozen=True)
class RetryPolicy:
    """How persistent and how parallel a client is. Tests pass tiny delays."""

    attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    total_budget: float = 60.0
    # Under a rate limit a request may be refused many times through no fault
    # of its own; the time budget bounds it too.
    throttled_attempts: int = 30
    max_in_flight: int = 64
    # A refused connection: one quick retry, for an API that is restarting.
    refused_attempts: int = 2
    refused_delay: float = 0.5

    def __post_init__(self) -> None:
        counts = (self.attempts, self.throttled_attempts, self.max_in_flight, self.refused_attempts)
        if min(counts) < 1:
            raise ValueError("RetryPolicy's attempts and max_in_flight must be at least 1.")
        if min(self.base_delay, self.max_delay, self.total_budget, self.refused_delay) < 0:
            raise ValueError("RetryPolicy's delays and budget must not be negative.")


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or HTTP date).

    None when the header is absent or unreadable; never negative.
    """
    text = (value or "").strip()
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT; a zone-less one is read as such
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff_ceiling(policy: RetryPolicy, failures: int) -> float:
    """The largest backoff after `failures` failed attempts (1 → the base delay)."""
    exponent = min(failures - 1, 60)  # 2**60 seconds is already past any cap
    return min(policy.max_delay, policy.base_delay * 2.0**exponent)


def next_delay(
    policy: RetryPolicy,
    failures: int,
    elapsed: float,
    retry_after: float | None = None,
    attempt_limit: int | None = None,
    rng: random.Random | None = None,
) -> float | None:
    """Seconds to wait before the next attempt, or None to give up now: when the
    attempts are spent (`attempt_limit`, by default `policy.attempts`), or when
    waiting would carry the whole call past `total_budget` (better to fail now
    than to wait and fail anyway)."""
    if failures >= (policy.attempts if attempt_limit is None else attempt_limit):
        return None
    if retry_after is not None:
        delay = min(retry_after, policy.max_delay)
    else:
        delay = (rng or random).uniform(0.0, backoff_ceiling(policy, failures))
    return None if elapsed + delay > policy.total_budget else delay


def lasting_cause(error: BaseException) -> ssl.SSLError | socket.gaierror | None:
    """The failure behind `error` that another attempt would meet again, if any: a TLS
    error other than a dropped handshake, or a host name the resolver says does not exist."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ssl.SSLError) and not isinstance(seen, _TRANSIENT_TLS_ERRORS):
            return seen
        if isinstance(seen, socket.gaierror) and seen.errno == socket.EAI_NONAME:
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def refused(error: BaseException) -> bool:
    """Whether `error` is a connection the other side refused: nothing listens there."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class AimdWindow:
    """Additive-increase / multiplicative-decrease of the requests allowed in flight.

    Pure arithmetic, not thread-safe: `Retrier` calls it under its lock.
    `generation` counts the decreases: a 429 to a request sent before the
    last decrease is old news and shrinks nothing, so a burst halves once.
    """

    def __init__(self, ceiling: int, floor: int = 1) -> None:
        if not 1 <= floor <= ceiling:
            raise ValueError("AimdWindow needs 1 <= floor <= ceiling.")
        self.ceiling = ceiling
        self.floor = floor
        self.limit = float(ceiling)
        self.generation = 0

    @property
    def allowed(self) -> int:
        return max(self.floor, int(self.limit))

    def succeeded(self) -> None:
        # +1/limit per success is +1 per full window of successes.
        self.limit = min(float(self.ceiling), self.limit + 1.0 / self.limit)

    def throttled(self, generation: int, in_flight: int) -> None:
        """Halve what was really in flight: when 16 threads share a ceiling of
        64, halving 64 would change nothing; halving the 16 does."""
        if generation != self.generation:
            return
        self.limit = max(float(self.floor), min(self.limit, float(in_flight)) / 2)
        self.generation += 1


@dataclass(frozen=True)
class Outcome:
    """The last answer to a request (a response or a transport error), and the attempts made."""

    answer: Answer
    attempts: int


class Retrier:
    """Retries, the in-flight window and the shared pause of one client; thread-safe.

    `scrub` removes the API key from log messages.
    """

    def __init__(self, policy: RetryPolicy, scrub: Callable[[str], str]) -> None:
        self._policy = policy
        self._scrub = scrub
        self._window = AimdWindow(policy.max_in_flight)
        self._changed = threading.Condition()
        self._in_flight = 0
        self._paused_until = float("-inf")

    def send(self, method: str, path: str, attempt: Callable[[], httpx.Response]) -> Outcome:
        """Call `attempt` until an answer is final; `method` and `path` name it in logs."""
        label = f"{method} {path}"
        started = time.monotonic()
        attempts = failures = throttles = refusals = 0
        while True:
            attempts += 1
            generation, in_flight = self._enter(label)
            try:
                answer: Answer = attempt()
            except httpx.TransportError as error:
                answer = error
            finally:
                self._leave()
            elapsed = time.monotonic() - started
            if isinstance(answer, httpx.Response) and answer.is_success:
                with self._changed:
                    self._window.succeeded()
                    self._changed.notify_all()
                return Outcome(answer, attempts)
            if not _worth_retrying(answer):
                return Outcome(answer, attempts)
            throttled = isinstance(answer, httpx.Response) and answer.status_code == 429
            if throttled:
                throttles += 1
                delay = self._delay(answer, throttles, elapsed, self._policy.throttled_attempts)
                allowed = self._throttled(generation, in_flight, pause=delay or 0.0)
            elif isinstance(answer, httpx.ConnectError) and refused(answer):
                refusals += 1
                quick = refusals < self._policy.refused_attempts
                delay = self._policy.refused_delay if quick else None
            else:
                failures += 1
                delay = self._delay(answer, failures, elapsed, self._policy.attempts)
            what = f"{label} {_describe(answer)}"
            if delay is None:
                tries = counted(attempts, "attempt")
                self._log(logging.INFO, f"{what}; giving up after {tries}.", "give-up")
                return Outcome(answer, attempts)
            if throttled:  # the shared pause, in `_enter`, does the waiting
                wait = f"every request pauses {delay:.3f} s, at most {allowed} in flight"
                self._log(logging.INFO, f"{what}; {wait} (attempt {attempts}).", "throttle")
            else:
                retry = f"retrying in {delay:.3f} s (attempt {attempts})"
                self._log(logging.INFO, f"{what}; {retry}.", "retry")
                time.sleep(delay)

    def _delay(self, answer: Answer, tries: int, elapsed: float, limit: int) -> float | None:
        retry_after = None
        if isinstance(answer, httpx.Response):
            retry_after = parse_retry_after(answer.headers.get("Retry-After"))
        return next_delay(self._policy, tries, elapsed, retry_after, attempt_limit=limit)

    def _throttled(self, generation: int, in_flight: int, pause: float) -> int:
        """Shrink the window and pause every thread; returns the requests now allowed."""
        with self._changed:
            self._window.throttled(generation, in_flight)
            self._paused_until = max(self._paused_until, time.monotonic() + pause)
            return self._window.allowed

    def _enter(self, label: str) -> tuple[int, int]:
        """Wait for the shared pause to end and for room in the window, then take a
        place; returns the window's generation and the requests in flight, this one included."""
        told = False
        while True:
            with self._changed:
                pause = self._paused_until - time.monotonic()
                if pause <= 0:
                    if self._in_flight < self._window.allowed:
                        self._in_flight += 1
                        return self._window.generation, self._in_flight
                    if not told:
                        told = True
                        self._log(
                            logging.DEBUG,
                            f"{label} waits for room: {self._in_flight} requests in flight,"
                            f" {self._window.allowed} allowed.",
                            "wait",
                        )
                    self._changed.wait()  # a finished request or a larger window wakes us
                    continue
            time.sleep(pause)  # outside the lock; the pause may be extended meanwhile

    def _leave(self) -> None:
        with self._changed:
            self._in_flight -= 1
            self._changed.notify()

    def _log(self, level: int, message: str, decision: str) -> None:
        if logger.isEnabledFor(level):
            logger.log(level, self._scrub(message), extra={"decision": decision})


def _worth_retrying(answer: Answer) -> bool:
    if isinstance(answer, httpx.Response):
        return answer.status_code in RETRYABLE_STATUS_CODES
    return isinstance(answer, RETRYABLE_TRANSPORT_ERRORS) and lasting_cause(answer) is None


def _describe(answer: Answer) -> str:
    if isinstance(answer, httpx.Response):
        return f"answered {answer.status_code}"
    name = type(answer).__name__
    return f"failed ({name}: {answer})" if str(answer) else f"failed ({name})"
