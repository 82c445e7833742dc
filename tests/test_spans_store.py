"""The span store: search order, windows and cursor paging (sqlite, no server)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from judgesync.emulator.database import Database
from judgesync.emulator.span_fields import span_fields
from judgesync.emulator.spans_store import Position, SpanStore, SpanWindow, StoredSpan
from tests.test_span_fields import SPAN, WORKSPACE

OTHER_WORKSPACE = "00000000-0000-0000-0000-000000000002"

spans = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=5),  # few start times: ties are common
        st.binary(min_size=16, max_size=16).map(bytes.hex),
        st.binary(min_size=8, max_size=8).map(bytes.hex),
        st.sampled_from(["support-bot", "billing-bot"]),
    ),
    max_size=40,
    unique_by=lambda span: (span[1], span[2]),
)


def store_of(rows: list[tuple[int, str, str, str]]) -> SpanStore:
    store = SpanStore(Database(":memory:"))
    store.add(
        WORKSPACE,
        [
            span_fields(
                replace(
                    SPAN,
                    start_time_unix_nano=start,
                    trace_id=trace_id,
                    span_id=span_id,
                    resource_attributes={"service.name": service},
                ),
                WORKSPACE,
            )
            for start, trace_id, span_id, service in rows
        ],
    )
    return store


def is_support(span: Mapping[str, str], resource: Mapping[str, str]) -> bool:
    return resource.get("service.name") == "support-bot"


def every_page(store: SpanStore, window: SpanWindow, page_size: int) -> list[StoredSpan]:
    seen: list[StoredSpan] = []
    while True:
        found, more = store.search(WORKSPACE, window, is_support, page_size)
        seen.extend(found)
        assert len(seen) <= 1000, "paging does not advance"
        if not more:
            return seen
        assert len(found) == page_size
        window = replace(window, after=found[-1].position)


@settings(max_examples=60)
@given(spans, st.integers(min_value=1, max_value=7), st.integers(0, 6), st.integers(0, 6))
def test_paging_yields_every_matching_span_once_in_order(
    rows: list[tuple[int, str, str, str]], page_size: int, low: int, high: int
) -> None:
    store = store_of(rows)
    window = SpanWindow(start_from=min(low, high), start_before=max(low, high))

    seen = every_page(store, window, page_size)

    expected = [
        Position(start, trace_id, span_id)
        for start, trace_id, span_id, service in sorted(rows)
        if service == "support-bot" and min(low, high) <= start < max(low, high)
    ]
    assert [span.position for span in seen] == expected


def test_workspaces_do_not_see_each_others_spans() -> None:
    store = store_of([(1, "ab" * 16, "cd" * 8, "support-bot")])
    found, _ = store.search(OTHER_WORKSPACE, SpanWindow(), lambda span, resource: True, 10)
    assert found == []


def test_spans_survive_a_restart_of_a_file_database(tmp_path: Path) -> None:
    path = tmp_path / "emulator.db"
    database = Database(path)
    SpanStore(database).add(WORKSPACE, [span_fields(SPAN, WORKSPACE)])
    database.close()

    reopened = Database(path)
    found, more = SpanStore(reopened).search(
        WORKSPACE, SpanWindow(), lambda span, resource: True, 10
    )
    reopened.close()
    assert [span.body["span_id"] for span in found] == [SPAN.span_id] and not more
    assert found[0].body["resource_attributes"] == {"service.name": "support-bot"}
