"""`POST /v1/observability/spans/search` against the emulator as a real server, fed by
an OpenTelemetry-instrumented application of two services; and through the official SDK."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from mistralai.client import Mistral
from mistralai.client.errors import ObservabilityError

from tests.conftest import EmulatorHandle
from tests.genai_app import (
    chat_attributes,
    chat_turn,
    export_all,
    exporter,
    recorded_turns,
    service,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SECOND = 1_000_000_000


def unix_nano(moment: datetime) -> int:
    return int(moment.timestamp()) * SECOND


def search(client: httpx.Client, expression: str | None = None, **params: Any) -> httpx.Response:
    body = {} if expression is None else {"search_expression": expression}
    return client.post("/v1/observability/spans/search", params=params, json=body)


def page_of(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()["spans"]
    return page


def every_span(
    client: httpx.Client, expression: str | None = None, **params: Any
) -> Iterator[dict[str, Any]]:
    cursor = None
    while True:
        page = page_of(
            search(client, expression, **params, **({"cursor": cursor} if cursor else {}))
        )
        yield from page["results"]
        cursor = page["next"]
        if cursor is None:
            return
        assert page["cursor"] == cursor


@pytest.fixture
def two_services(emulator: EmulatorHandle, api_key: str) -> None:
    """support-bot: 3 turns on mistral-small at T0+0s, +10s, +20s (the last on
    mistral-large); billing-bot: 2 turns on mistral-small at T0+5s and T0+15s."""
    with service("support-bot", exporter(emulator.url, api_key)) as tracer:
        for offset, model in (
            (0, "mistral-small-latest"),
            (10, "mistral-small-latest"),
            (20, "mistral-large-latest"),
        ):
            chat_turn(
                tracer,
                chat_attributes(f"support {offset}", "ok", model=model),
                start_ns=unix_nano(T0) + offset * SECOND,
            )
    with service("billing-bot", exporter(emulator.url, api_key, gzip=True)) as tracer:
        for offset in (5, 15):
            chat_turn(
                tracer,
                chat_attributes(f"billing {offset}", "ok"),
                start_ns=unix_nano(T0) + offset * SECOND,
            )


def questions(spans: Iterator[dict[str, Any]] | list[dict[str, Any]]) -> list[str]:
    return [json.loads(s["input_messages"])[0]["parts"][0]["content"] for s in spans]


@pytest.mark.usefixtures("two_services")
def test_without_an_expression_every_span_comes_in_start_time_order(
    api_client: httpx.Client,
) -> None:
    assert questions(every_span(api_client)) == [
        "support 0",
        "billing 5",
        "support 10",
        "billing 15",
        "support 20",
    ]


@pytest.mark.usefixtures("two_services")
@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('{ resource.service.name = "billing-bot" }', ["billing 5", "billing 15"]),
        ('{ resource.service.name != "billing-bot" }', ["support 0", "support 10", "support 20"]),
        ('{ span.gen_ai.request.model = "mistral-large-latest" }', ["support 20"]),
        (
            '{ resource.service.name = "support-bot"'
            ' && span.gen_ai.request.model = "mistral-small-latest" }',
            ["support 0", "support 10"],
        ),
        (
            '{ resource.service.name = "billing-bot"'
            ' || span.gen_ai.request.model = "mistral-large-latest" }',
            ["billing 5", "billing 15", "support 20"],
        ),
        (
            '{ span.gen_ai.usage.input_tokens = "12"'
            ' && (span.x = "1" || resource.service.name = "billing-bot") }',
            ["billing 5", "billing 15"],
        ),
        ('{ span.no.such.key != "x" }', []),
        ("{ }", ["support 0", "billing 5", "support 10", "billing 15", "support 20"]),
    ],
)
def test_search_by_expression(
    api_client: httpx.Client, expression: str, expected: list[str]
) -> None:
    assert questions(every_span(api_client, expression)) == expected


@pytest.mark.usefixtures("two_services")
def test_the_time_window_includes_from_and_excludes_to(api_client: httpx.Client) -> None:
    window = {
        "from": (T0 + timedelta(seconds=5)).isoformat(),
        "to": (T0 + timedelta(seconds=15)).isoformat(),
    }
    assert questions(every_span(api_client, **window)) == ["billing 5", "support 10"]


@pytest.mark.usefixtures("two_services")
def test_a_window_combines_with_an_expression_and_naive_times_are_utc(
    api_client: httpx.Client,
) -> None:
    window = {"from": "2026-03-01T12:00:06", "to": "2026-03-01T13:00:00Z"}
    expression = '{ resource.service.name = "support-bot" }'
    assert questions(every_span(api_client, expression, **window)) == ["support 10", "support 20"]


@pytest.mark.usefixtures("two_services")
def test_a_page_that_ends_the_results_has_no_cursor(api_client: httpx.Client) -> None:
    page = page_of(search(api_client, page_size=5))
    assert len(page["results"]) == 5
    assert page["next"] is None and page["cursor"] is None


def test_cursor_paging_over_thousands_of_spans_sees_each_once_in_order(
    emulator: EmulatorHandle, api_client: httpx.Client, api_key: str
) -> None:
    # Many spans share a start time, so the order must fall back on the ids.
    starts = [unix_nano(T0) + (index // 7) * SECOND for index in range(3000)]
    spans = recorded_turns("support-bot", starts)
    export_all(exporter(emulator.url, api_key, gzip=True), spans)

    seen = list(every_span(api_client, page_size=100))

    keys = [(s["start_time"], s["trace_id"], s["span_id"]) for s in seen]
    assert len(seen) == 3000
    assert keys == sorted(keys)
    assert len(set(keys)) == 3000
    assert {s["span_id"] for s in seen} == {format(s.context.span_id, "016x") for s in spans}


def test_paging_stays_stable_while_spans_arrive_before_the_cursor(
    emulator: EmulatorHandle, api_client: httpx.Client, api_key: str
) -> None:
    export_all(
        exporter(emulator.url, api_key),
        recorded_turns("support-bot", [unix_nano(T0) + i * SECOND for i in range(10)]),
    )
    first = page_of(search(api_client, page_size=4))
    export_all(
        exporter(emulator.url, api_key),
        recorded_turns("support-bot", [unix_nano(T0) - SECOND]),
    )
    rest = page_of(search(api_client, page_size=10, cursor=first["next"]))
    assert questions(first["results"] + rest["results"]) == [f"question {i}" for i in range(10)]


def test_page_size_is_clamped_to_the_emulators_maximum(
    emulator: EmulatorHandle, api_client: httpx.Client, api_key: str
) -> None:
    export_all(
        exporter(emulator.url, api_key),
        recorded_turns("support-bot", [unix_nano(T0) + i for i in range(12)]),
    )
    emulator.configure(max_page_size=5)
    page = page_of(search(api_client, page_size=50))
    assert len(page["results"]) == 5 and page["next"] is not None


@pytest.mark.parametrize(
    ("params", "body", "words"),
    [
        ({}, {"search_expression": '{ span.a = "x" '}, "at column 16"),
        ({}, {"search_expression": "service.name = x"}, "at column 1"),
        ({}, {"search_expression": 3}, "must be a string"),
        ({}, {"from": "2026-01-01T00:00:00Z"}, "query parameters"),
        ({}, {"filter": "x"}, "unknown field"),
        ({"cursor": "not-a-cursor"}, {}, "cursor"),
        ({"from": "yesterday"}, {}, "ISO-8601"),
        ({"from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, {}, "later than to"),
        ({"page_size": "0"}, {}, "at least 1"),
    ],
)
def test_a_bad_search_answers_422_validation_error(
    emulator: EmulatorHandle,
    api_client: httpx.Client,
    params: dict[str, str],
    body: dict[str, Any],
    words: str,
) -> None:
    response = api_client.post("/v1/observability/spans/search", params=params, json=body)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail["error_code"] == "VALIDATION_ERROR"
    assert words in detail["message"]


def test_search_needs_a_bearer_key(emulator: EmulatorHandle) -> None:
    response = httpx.post(f"{emulator.url}/v1/observability/spans/search", json={})
    assert response.status_code == 401


@pytest.mark.usefixtures("two_services")
def test_the_official_sdk_searches_and_pages_spans(emulator: EmulatorHandle, api_key: str) -> None:
    with Mistral(api_key=api_key, server_url=emulator.url) as client:
        spans = client.beta.observability.spans
        first = spans.search_spans(
            search_expression='{ resource.service.name = "support-bot" }',
            from_=T0,
            to=T0 + timedelta(minutes=1),
            page_size=2,
        )
        assert first.spans.results is not None and first.spans.next is not None
        second = spans.search_spans(
            search_expression='{ resource.service.name = "support-bot" }',
            from_=T0,
            to=T0 + timedelta(minutes=1),
            page_size=2,
            cursor=first.spans.next,
        )
        assert second.spans.results is not None and second.spans.next is None
        found = first.spans.results + second.spans.results
        assert [s.service_name for s in found] == ["support-bot"] * 3
        assert [s.request_model for s in found] == [
            "mistral-small-latest",
            "mistral-small-latest",
            "mistral-large-latest",
        ]
        assert found[0].start_time == T0
        assert found[0].usage_input_tokens == 12

        with pytest.raises(ObservabilityError) as raised:
            spans.search_spans(search_expression="{ span.a = }")
        assert raised.value.data.detail.error_code == "VALIDATION_ERROR"
