"""When and how long to wait before asking the API again.

`Retrier.run` repeats one request; the decisions are pure functions
(`next_delay`, `parse_retry_after`) so they can be tested alone. Waits use
exponential backoff with full jitter (a random delay between 0 and the
exponential ceiling, so that many threads throttled at once do not come back
in lockstep), except when the server says `Retry-After`, which wins (capped).
Attempts and total time are both bounded.

With a `Throttle` (see `judgesync.remote.throttle`), each attempt holds a place in
its window, and a 429's wait becomes a pause shared by every thread of the
client instead of one thread's sleep. A 429 says "later", not "this request
is broken", so it has its own, larger attempt limit (`throttled_attempts`).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from judgesync.remote.throttle import Throttle, Ticket

# 429 is throttling; the 5xx codes are the ones a gateway or an overloaded
# service answers transiently. 501 and 505 would not change on a retry.
RETRYABLE_STATUS_CODES = frozenset({429, 500, 502, 503, 504})

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """How persistent the client is. Tests pass tiny delays."""

    attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    total_budget: float = 60.0
    # Under a rate limit a request may be refused many times through no fault
    # of its own; the time budget bounds it too.
    throttled_attempts: int = 30

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.throttled_attempts < 1:
            raise ValueError("RetryPolicy.attempts and throttled_attempts must be at least 1.")
        if min(self.base_delay, self.max_delay, self.total_budget) < 0:
            raise ValueError("RetryPolicy delays and budget must not be negative.")


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or HTTP date).

    None when the header is absent or unreadable; never negative.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
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
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


def backoff_ceiling(policy: RetryPolicy, attempts_made: int) -> float:
    """The largest wait after `attempts_made` failed attempts (1 → base delay)."""
    exponent = min(attempts_made - 1, 60)  # 2**60 seconds is already past any cap
    return min(policy.max_delay, policy.base_delay * 2.0**exponent)


def next_delay(
    policy: RetryPolicy,
    attempts_made: int,
    elapsed: float,
    retry_after: float | None = None,
    rng: random.Random | None = None,
    attempt_limit: int | None = None,
) -> float | None:
    """Seconds to sleep before the next attempt, or None to give up now.

    Gives up when the attempts are spent (`attempt_limit`, by default
    `policy.attempts`) or when sleeping would carry the whole call past
    `total_budget` seconds: better to fail now than to sleep and fail anyway.
    """
    if attempts_made >= (policy.attempts if attempt_limit is None else attempt_limit):
        return None
    if retry_after is not None:
        delay = min(retry_after, policy.max_delay)
    else:
        uniform = rng.uniform if rng is not None else random.uniform
        delay = uniform(0.0, backoff_ceiling(policy, attempts_made))
    if elapsed + delay > policy.total_budget:
        return None
    return delay


# Failures where the request may never have reached the server, or its answer
# was lost: worth another attempt. Other transport errors (a URL without
# http://, a broken proxy setting) would fail the same way again.
RETRYABLE_TRANSPORT_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)

Answer = httpx.Response | httpx.TransportError


@dataclass(frozen=True)
class Outcome:
    """The last answer of a retried request and how many attempts it took."""

    answer: Answer
    attempts: int


@dataclass(frozen=True)
class Retrier:
    """Runs one request until it succeeds or is not worth another attempt.

    `on_throttle` hears of every 429 and `on_success` of every 2xx answer.
    `throttle`, when given, bounds the attempts in flight and turns 429 waits
    into shared pauses. `sleep` and `clock` are injectable so tests drive the
    loop without waiting.
    """

    policy: RetryPolicy
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    on_throttle: Callable[[], None] | None = None
    on_success: Callable[[], None] | None = None
    throttle: Throttle | None = None

    def run(self, send: Callable[[], Answer], label: str) -> Outcome:
        """`send` returns the response or the transport error; `label` names it in logs."""
        started = self.clock()
        attempts = 0
        throttled = 0
        while True:
            attempts += 1
            with self._slot() as ticket:
                answer = send()
            elapsed = self.clock() - started
            if _is_throttled(answer):
                assert isinstance(answer, httpx.Response)
                throttled += 1
                delay = self._delay_after_throttle(answer, throttled, elapsed, ticket)
            else:
                delay = self._delay_after(answer, attempts - throttled, elapsed)
            if delay is None:
                return Outcome(answer, attempts)
            what = (
                f"answered {answer.status_code}"
                if isinstance(answer, httpx.Response)
                else type(answer).__name__
            )
            logger.info("%s %s; retrying in %.2f s (attempt %d).", label, what, delay, attempts + 1)
            if _is_throttled(answer) and self.throttle is not None:
                continue  # the throttle's shared pause does the waiting, in `_slot`
            self.sleep(delay)

    def _slot(self) -> AbstractContextManager[Ticket | None]:
        return nullcontext() if self.throttle is None else self.throttle.slot()

    def _delay_after_throttle(
        self, answer: httpx.Response, throttled: int, elapsed: float, ticket: Ticket | None
    ) -> float | None:
        retry_after = parse_retry_after(answer.headers.get("Retry-After"))
        delay = next_delay(
            self.policy,
            throttled,
            elapsed,
            retry_after,
            attempt_limit=self.policy.throttled_attempts,
        )
        if self.throttle is not None and ticket is not None:
            self.throttle.throttled(ticket, pause=delay or 0.0)
        if self.on_throttle is not None:
            self.on_throttle()
        return delay

    def _delay_after(self, answer: Answer, attempts: int, elapsed: float) -> float | None:
        if isinstance(answer, httpx.TransportError):
            if not isinstance(answer, RETRYABLE_TRANSPORT_ERRORS):
                return None
            return next_delay(self.policy, attempts, elapsed)
        if answer.is_success:
            if self.throttle is not None:
                self.throttle.succeeded()
            if self.on_success is not None:
                self.on_success()
            return None
        if answer.status_code not in RETRYABLE_STATUS_CODES:
            return None
        retry_after = parse_retry_after(answer.headers.get("Retry-After"))
        return next_delay(self.policy, attempts, elapsed, retry_after)


def _is_throttled(answer: Answer) -> bool:
    return isinstance(answer, httpx.Response) and answer.status_code == 429
