"""The emulator's OTLP/HTTP receiver, `POST /v1/traces`, as a real server: fed by the
OpenTelemetry SDK's own exporter, and by hand for the encodings and refusals."""

from __future__ import annotations

import gzip
import json
from typing import Any

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from judgesync.emulator.otlp import MAX_EXPORT_BYTES
from judgesync.emulator.state import key_hash
from tests.conftest import EmulatorHandle
from tests.genai_app import chat_attributes, chat_turn, exporter, service

TRACE_ID = "5b8efff798038103d269b633813fc60c"
SPAN_ID = "eee19b7ec3c1b174"
START_NS = 1_767_225_600_000_000_000  # 2026-01-01T00:00:00Z


def search(client: httpx.Client, **params: Any) -> dict[str, Any]:
    expression = params.pop("search_expression", None)
    response = client.post(
        "/v1/observability/spans/search",
        params=params,
        json={} if expression is None else {"search_expression": expression},
    )
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()["spans"]
    return page


def otlp_json(*spans: dict[str, Any], service_name: str = "support-bot") -> dict[str, Any]:
    return {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": service_name}}]
                },
                "scopeSpans": [{"scope": {"name": "hand", "version": "0.1"}, "spans": list(spans)}],
            }
        ]
    }


def json_span(**changes: Any) -> dict[str, Any]:
    span: dict[str, Any] = {
        "traceId": TRACE_ID,
        "spanId": SPAN_ID,
        "name": "chat mistral-small-latest",
        "kind": 3,
        "startTimeUnixNano": str(START_NS),
        "endTimeUnixNano": str(START_NS + 1_500_000_000),
        "attributes": [
            {"key": "gen_ai.request.model", "value": {"stringValue": "mistral-small-latest"}},
            {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "42"}},
            {"key": "gen_ai.request.temperature", "value": {"doubleValue": 0.2}},
            {"key": "gen_ai.conversation.id", "value": {"stringValue": "conv-1"}},
            {"key": "retried", "value": {"boolValue": True}},
            {
                "key": "gen_ai.response.finish_reasons",
                "value": {"arrayValue": {"values": [{"stringValue": "stop"}]}},
            },
        ],
        "status": {"code": 1},
    }
    span.update(changes)
    return span


def post_traces(
    client: httpx.Client, body: bytes, content_type: str, **headers: str
) -> httpx.Response:
    return client.post(
        "/v1/traces", content=body, headers={"Content-Type": content_type, **headers}
    )


def test_spans_exported_by_the_opentelemetry_sdk_fill_the_getspan_fields(
    emulator: EmulatorHandle, api_client: httpx.Client, api_key: str
) -> None:
    attributes = chat_attributes(
        "Where is my refund?",
        "It left today.",
        **{"gen_ai.conversation.id": "conv-42", "gen_ai.response.id": "resp-1"},
    )
    with service("support-bot", exporter(emulator.url, api_key)) as tracer:
        chat_turn(tracer, attributes, start_ns=START_NS, duration_ns=2_000)

    (span,) = search(api_client)["results"]
    assert span["service_name"] == "support-bot"
    assert span["span_name"] == "chat mistral-small-latest"
    assert span["span_kind"] == "SPAN_KIND_CLIENT"
    assert span["request_model"] == "mistral-small-latest"
    assert span["response_model"] == "mistral-small-latest-2506"
    assert span["provider_name"] == "mistral_ai"
    assert span["operation_name"] == "chat"
    assert span["conversation_id"] == "conv-42"
    assert span["response_id"] == "resp-1"
    assert span["input_messages"] == attributes["gen_ai.input.messages"]
    assert span["output_messages"] == attributes["gen_ai.output.messages"]
    assert span["system_instructions"] == attributes["gen_ai.system_instructions"]
    assert (span["usage_input_tokens"], span["usage_output_tokens"]) == (12, 7)
    assert span["start_time"] == "2026-01-01T00:00:00.000000Z"
    assert span["end_time"] == "2026-01-01T00:00:00.000002Z"
    assert span["duration_ns"] == 2_000
    assert span["scope_name"] == "genai-app"
    assert span["scope_version"] == "1.0"
    assert span["resource_attributes"]["service.name"] == "support-bot"
    assert span["span_attributes"]["gen_ai.usage.input_tokens"] == "12"
    assert span["span_attributes"]["gen_ai.request.model"] == "mistral-small-latest"
    assert len(span["trace_id"]) == 32 and len(span["span_id"]) == 16


def test_gzip_export_from_the_sdk_is_received(
    emulator: EmulatorHandle, api_client: httpx.Client, api_key: str
) -> None:
    with service("billing-bot", exporter(emulator.url, api_key, gzip=True)) as tracer:
        chat_turn(tracer, chat_attributes("Invoice?", "Sent."))
    (span,) = search(api_client)["results"]
    assert span["service_name"] == "billing-bot"


def test_otlp_json_reads_hex_ids_and_answers_json(
    emulator: EmulatorHandle, api_client: httpx.Client
) -> None:
    response = post_traces(
        api_client, json.dumps(otlp_json(json_span())).encode(), "application/json"
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {}
    (span,) = search(api_client)["results"]
    assert (span["trace_id"], span["span_id"]) == (TRACE_ID, SPAN_ID)
    assert span["status_code"] == "Ok"
    assert span["usage_input_tokens"] == 42
    assert span["request_temperature"] == 0.2
    assert span["response_finish_reasons"] == ["stop"]
    assert span["span_attributes"]["retried"] == "true"
    assert span["span_attributes"]["gen_ai.response.finish_reasons"] == '["stop"]'
    assert span["span_attributes"]["gen_ai.request.temperature"] == "0.2"


def test_protobuf_answer_is_an_export_trace_service_response(
    emulator: EmulatorHandle, api_client: httpx.Client
) -> None:
    request = ExportTraceServiceRequest()
    resource_spans = request.resource_spans.add()
    span = resource_spans.scope_spans.add().spans.add()
    span.trace_id = bytes.fromhex(TRACE_ID)
    span.span_id = bytes.fromhex(SPAN_ID)
    span.start_time_unix_nano = START_NS
    body = gzip.compress(request.SerializeToString())

    response = post_traces(
        api_client, body, "application/x-protobuf", **{"Content-Encoding": "gzip"}
    )

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-protobuf"
    answer = ExportTraceServiceResponse()
    answer.ParseFromString(response.content)
    assert not answer.HasField("partial_success")
    assert [s["span_id"] for s in search(api_client)["results"]] == [SPAN_ID]


def test_spans_with_invalid_ids_are_rejected_in_partial_success_and_the_rest_stored(
    emulator: EmulatorHandle, api_client: httpx.Client
) -> None:
    body = otlp_json(
        json_span(),
        json_span(spanId="0000000000000000"),
        json_span(traceId="abcd", spanId="1111111111111111"),
    )
    response = post_traces(api_client, json.dumps(body).encode(), "application/json")

    assert response.status_code == 200
    partial = response.json()["partialSuccess"]
    assert int(partial["rejectedSpans"]) == 2
    assert "16 bytes" in partial["errorMessage"]
    assert [s["span_id"] for s in search(api_client)["results"]] == [SPAN_ID]


def test_a_span_sent_twice_is_stored_once_with_the_later_content(
    emulator: EmulatorHandle, api_client: httpx.Client
) -> None:
    for name in ("first", "second"):
        body = json.dumps(otlp_json(json_span(name=name))).encode()
        assert post_traces(api_client, body, "application/json").status_code == 200
    assert [s["span_name"] for s in search(api_client)["results"]] == ["second"]


@pytest.mark.parametrize(
    ("body", "content_type", "headers", "status", "words"),
    [
        (b"{}", "text/plain", {}, 415, "application/x-protobuf"),
        (b"{}", "", {}, 415, "no content type"),
        (b"{}", "application/json", {"Content-Encoding": "br"}, 415, "gzip"),
        (b"{not json", "application/json", {}, 400, "ExportTraceServiceRequest"),
        (b"[]", "application/json", {}, 400, "JSON object"),
        (b'{"resourceSpans": 3}', "application/json", {}, 400, "resourceSpans"),
        (
            json.dumps(otlp_json(json_span(traceId="zz"))).encode(),
            "application/json",
            {},
            400,
            "traceId must be a hex string",
        ),
        (b"\xff\xff\xff", "application/x-protobuf", {}, 400, "ExportTraceServiceRequest"),
        (b"not gzip", "application/x-protobuf", {"Content-Encoding": "gzip"}, 400, "gzip"),
        (
            gzip.compress(b"\0" * (MAX_EXPORT_BYTES + 1)),
            "application/x-protobuf",
            {"Content-Encoding": "gzip"},
            413,
            "decompressed",
        ),
    ],
)
def test_bodies_that_are_not_otlp_exports_are_refused_and_nothing_is_stored(
    emulator: EmulatorHandle,
    api_client: httpx.Client,
    body: bytes,
    content_type: str,
    headers: dict[str, str],
    status: int,
    words: str,
) -> None:
    response = post_traces(api_client, body, content_type, **headers)

    assert response.status_code == status
    assert words in response.json()["detail"]["message"]
    assert search(api_client).get("results") == []


def test_a_body_over_the_limit_is_refused_with_413(
    emulator: EmulatorHandle, api_client: httpx.Client
) -> None:
    response = post_traces(api_client, b"\0" * (1024 * 1024 + 1), "application/x-protobuf")
    assert response.status_code == 413


def test_traces_need_a_bearer_key(emulator: EmulatorHandle) -> None:
    body = json.dumps(otlp_json(json_span())).encode()
    response = httpx.post(
        f"{emulator.url}/v1/traces", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 401
    assert response.json()["detail"]["error_code"] == "AUTH_UNAUTHORIZED"


def test_spans_are_per_workspace(emulator: EmulatorHandle, api_key: str) -> None:
    with service("support-bot", exporter(emulator.url, api_key)) as tracer:
        chat_turn(tracer, chat_attributes("mine", "yes"))
    with service("support-bot", exporter(emulator.url, "other-key")) as tracer:
        chat_turn(tracer, chat_attributes("theirs", "no"))
        chat_turn(tracer, chat_attributes("theirs too", "no"))

    def questions(key: str) -> list[str]:
        with httpx.Client(
            base_url=emulator.url, headers={"Authorization": f"Bearer {key}"}
        ) as client:
            results = search(client)["results"]
        return [json.loads(s["input_messages"])[0]["parts"][0]["content"] for s in results]

    assert questions(api_key) == ["mine"]
    assert sorted(questions("other-key")) == ["theirs", "theirs too"]


@pytest.mark.parametrize(
    ("messages", "problem"),
    [
        ("Hello, this is not JSON", "is not JSON"),
        ('{"role": "user"}', "not a JSON array"),
        (None, "has no gen_ai.input.messages"),
    ],
)
def test_a_span_without_a_usable_conversation_is_stored_and_flagged(
    emulator: EmulatorHandle,
    api_client: httpx.Client,
    api_key: str,
    messages: str | None,
    problem: str,
) -> None:
    attributes = chat_attributes("q", "a")
    del attributes["gen_ai.input.messages"]
    if messages is not None:
        attributes["gen_ai.input.messages"] = messages
    with service("support-bot", exporter(emulator.url, api_key)) as tracer:
        chat_turn(tracer, attributes)

    (span,) = search(api_client)["results"]
    assert span["input_messages"] == (messages or "")
    workspace = emulator.emulator.authenticate(key_hash(api_key)).workspace_id
    stored = emulator.emulator.spans.get(workspace, span["trace_id"], span["span_id"])
    assert stored is not None and stored.conversation_problem is not None
    assert problem in stored.conversation_problem


def test_a_span_with_a_conversation_is_not_flagged(
    emulator: EmulatorHandle, api_client: httpx.Client, api_key: str
) -> None:
    with service("support-bot", exporter(emulator.url, api_key)) as tracer:
        chat_turn(tracer, chat_attributes("q", "a"))
    (span,) = search(api_client)["results"]
    workspace = emulator.emulator.authenticate(key_hash(api_key)).workspace_id
    stored = emulator.emulator.spans.get(workspace, span["trace_id"], span["span_id"])
    assert stored is not None and stored.conversation_problem is None


def test_otlp_json_with_the_protos_own_field_names_is_read_too(
    emulator: EmulatorHandle, api_client: httpx.Client
) -> None:
    span = json_span()
    span["trace_id"], span["span_id"] = span.pop("traceId"), span.pop("spanId")
    span["parent_span_id"] = "1111111111111111"
    body = {"resource_spans": otlp_json(span)["resourceSpans"]}

    response = post_traces(api_client, json.dumps(body).encode(), "application/json; charset=utf-8")

    assert response.status_code == 200
    (stored,) = search(api_client)["results"]
    assert (stored["trace_id"], stored["span_id"]) == (TRACE_ID, SPAN_ID)
    assert stored["parent_span_id"] == "1111111111111111"
