"""Sampling, windows and span import reuse (review/traffic.py): pure logic with property
tests, and the client's cursor paging against the emulator as a real server."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from judgesync.errors import ConfigError
from judgesync.review.cost import JudgingCost
from judgesync.review.traffic import (
    TrafficOptions,
    cost_of_traffic,
    parse_duration,
    resolve_window,
    sample_keys,
    traffic_request,
)
from tests.genai_app import export_all, exporter, recorded_turns

keys = st.lists(st.text("0123456789abcdef", min_size=1, max_size=8), unique=True, max_size=60)


@given(keys, st.integers(0, 70), st.integers())
def test_the_same_seed_gives_the_same_sample_whatever_the_order(matches, n, seed):
    sample = sample_keys(matches, n, seed)
    assert sample == sample_keys(matches, n, seed)
    assert set(sample) == set(sample_keys(list(reversed(matches)), n, seed))
    assert set(sample) <= set(matches) and len(sample) == min(n, len(matches))


@given(keys, st.integers(1, 10), st.integers(), st.integers(0, 60))
def test_a_sample_of_a_wider_window_keeps_what_it_samples_of_the_narrower(matches, n, seed, cut):
    """Every window's sample is the lowest ranks of its spans: a span sampled from a wide
    window is sampled from any narrower window holding it."""
    wide = set(sample_keys(matches, n, seed))
    narrow = matches[:cut]
    assert wide & set(narrow) <= set(sample_keys(narrow, n, seed))


def test_each_span_is_equally_likely_to_be_sampled():
    matches = [f"span-{i}" for i in range(10)]
    counts = Counter(key for seed in range(3000) for key in sample_keys(matches, 3, seed))
    expected = 3000 * 3 / 10
    chi_square = sum((counts[key] - expected) ** 2 / expected for key in matches)
    assert chi_square < 27.9  # χ² with 9 degrees of freedom, p = 0.001


@pytest.mark.parametrize(
    ("text", "expected"),
    [("30m", timedelta(minutes=30)), ("7d", timedelta(days=7)), ("1d12h", timedelta(hours=36))],
)
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "7", "7 days", "0d", "d7", "1.5h"])
def test_bad_durations_are_errors(text):
    with pytest.raises(ConfigError):
        parse_duration(text)


def test_from_and_to_are_resolved_to_utc():
    window = resolve_window(
        TrafficOptions(start="2026-11-01T10:00:00+01:00", end="2026-11-02"), NOW
    )
    assert window.start == datetime(2026, 11, 1, 9, tzinfo=UTC)
    assert window.end == datetime(2026, 11, 2, tzinfo=UTC)


NOW = datetime(2026, 12, 1, tzinfo=UTC)


def test_the_flag_selector_overrides_judgesync_yaml():
    request = traffic_request(TrafficOptions(expression="{ }"), {"tone": ("x", 3)}, {}, NOW)
    assert request is not None and request.selector_for("tone").expression == "{ }"
    assert request.window.end - request.window.start == timedelta(days=7)


def test_judgesync_yaml_selectors_apply_per_judge_and_sample_overrides_them():
    request = traffic_request(TrafficOptions(sample=4), {"tone": ("x", 3)}, {}, NOW)
    assert request is not None
    assert request.selector_for("tone").sample == 4 and request.selector_for("other") is None
    cost = cost_of_traffic(JudgingCost(), ["tone", "other"], request, repeat=2)
    assert cost.requests == 4 * 3 and [judge.name for judge in cost.judges] == ["tone"]


def test_no_traffic_without_a_selector():
    assert traffic_request(TrafficOptions(), {}, {}, NOW) is None


def test_client_pages_by_cursor_over_thousands_of_spans(emulator, api_key, remote):
    start = time.time_ns() - 3_600_000_000_000
    spans = recorded_turns("a", [start + i * 1_000_000 for i in range(2500)])
    for first in range(0, len(spans), 500):
        export_all(exporter(emulator.url, api_key), spans[first : first + 500])
    now = datetime.now(UTC)
    found = list(remote.search_spans(None, now - timedelta(hours=2), now))
    assert len(found) == 2500
    assert len({(s["trace_id"], s["span_id"]) for s in found}) == 2500
