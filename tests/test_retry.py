"""The pure retry decisions; the retry loop itself is exercised in test_client.py and
test_throttle.py."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from judgesync.remote.retry import RetryPolicy, backoff_ceiling, next_delay, parse_retry_after

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        (" 2.5 ", 2.5),
        ("0", 0.0),
        ("-3", 0.0),
        ("Sun, 01 Jun 2025 12:00:30 GMT", 30.0),
        ("Sunday, 01-Jun-25 12:01:00 GMT", 60.0),
        ("Sun Jun  1 12:00:10 2025", 10.0),
        ("Sat, 31 May 2025 12:00:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_is_read_as_seconds_or_http_date(header, seconds):
    assert parse_retry_after(header, now=NOW) == seconds


def test_backoff_ceiling_doubles_from_the_base_up_to_the_cap():
    policy = RetryPolicy(base_delay=0.5, max_delay=3.0)

    assert [backoff_ceiling(policy, n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_backoff_ceiling_survives_absurd_attempt_counts():
    assert backoff_ceiling(RetryPolicy(max_delay=9.0), 10_000) == 9.0


def test_full_jitter_spreads_waits_between_zero_and_the_ceiling():
    policy = RetryPolicy(base_delay=1.0, max_delay=100.0, total_budget=1000.0)
    rng = random.Random(7)

    waits = [next_delay(policy, 3, elapsed=0.0, rng=rng) for _ in range(200)]

    assert all(wait is not None and 0.0 <= wait <= 4.0 for wait in waits)
    assert len({round(wait or 0, 6) for wait in waits}) > 150


def test_retry_after_wins_over_backoff_but_is_capped():
    policy = RetryPolicy(max_delay=20.0, total_budget=100.0)

    assert next_delay(policy, 1, elapsed=0.0, retry_after=12.0) == 12.0
    assert next_delay(policy, 1, elapsed=0.0, retry_after=500.0) == 20.0


def test_no_delay_once_the_attempts_are_spent():
    assert next_delay(RetryPolicy(attempts=3), 3, elapsed=0.0) is None


def test_no_delay_when_the_wait_would_overrun_the_budget():
    policy = RetryPolicy(total_budget=10.0, max_delay=30.0)

    assert next_delay(policy, 1, elapsed=4.0, retry_after=6.0) == 6.0
    assert next_delay(policy, 1, elapsed=4.0, retry_after=6.5) is None


@pytest.mark.parametrize(
    "fields",
    [
        {"attempts": 0},
        {"throttled_attempts": 0},
        {"max_in_flight": 0},
        {"base_delay": -1.0},
        {"max_delay": -1.0},
        {"total_budget": -1},
    ],
)
def test_a_nonsensical_policy_is_refused(fields):
    with pytest.raises(ValueError):
        RetryPolicy(**fields)
