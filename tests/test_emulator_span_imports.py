"""`imports/from-spans` and the dataset tasks against the emulator as a real server, fed
by an OpenTelemetry-instrumented application; and through the official SDK."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from mistralai.client import Mistral
from mistralai.client.errors import ObservabilityError

from tests.conftest import EmulatorHandle
from tests.genai_app import chat_attributes, chat_turn, exporter, service

DATASETS = "/v1/observability/datasets"
LOCALE_TO_PROPERTIES = {
    "target_field": "properties.locale",
    "source_field": {"namespace": "span_attributes", "key": "app.locale"},
}
SERVICE_TO_PAYLOAD = {
    "target_field": "service",
    "source_field": {"namespace": "resource_attributes", "key": "service.name"},
}


def export_turns(url: str, api_key: str, turns: list[dict[str, Any]]) -> None:
    with service("support-bot", exporter(url, api_key)) as tracer:
        for attributes in turns:
            chat_turn(tracer, attributes)


def spans_of(client: httpx.Client) -> list[dict[str, Any]]:
    answer = client.post("/v1/observability/spans/search", json={})
    assert answer.status_code == 200, answer.text
    results: list[dict[str, Any]] = answer.json()["spans"]["results"]
    return results


def reference(span: dict[str, Any]) -> dict[str, str]:
    return {"trace_id": span["trace_id"], "span_id": span["span_id"]}


def new_dataset(client: httpx.Client, name: str = "traffic") -> str:
    answer = client.post(DATASETS, json={"name": name, "description": ""})
    assert answer.status_code == 201, answer.text
    dataset_id: str = answer.json()["id"]
    return dataset_id


def start_import(
    client: httpx.Client,
    dataset: str,
    references: list[dict[str, str]],
    mappings: list[dict[str, Any]] | None = None,
) -> httpx.Response:
    return client.post(
        f"{DATASETS}/{dataset}/imports/from-spans",
        json={
            "span_references": references,
            "mapping_contract": {"version": 1, "mappings": mappings or []},
        },
    )


def finished(client: httpx.Client, dataset: str, task_id: str) -> dict[str, Any]:
    """The task once it is no longer RUNNING (polling, as a client does; 10 s at most)."""
    deadline = time.monotonic() + 10
    while True:
        answer = client.get(f"{DATASETS}/{dataset}/tasks/{task_id}")
        assert answer.status_code == 200, answer.text
        task: dict[str, Any] = answer.json()
        if task["status"] != "RUNNING" or time.monotonic() > deadline:
            return task
        time.sleep(0.02)


def records_of(client: httpx.Client, dataset: str) -> list[dict[str, Any]]:
    answer = client.get(f"{DATASETS}/{dataset}/records", params={"page_size": 100})
    assert answer.status_code == 200, answer.text
    results: list[dict[str, Any]] = answer.json()["records"]["results"]
    return results


@pytest.fixture
def exported(emulator: EmulatorHandle, api_key: str, api_client: httpx.Client) -> list[dict]:
    """Three spans of support-bot: a conversation with a locale, one without, and one
    whose input messages are not JSON; as spans/search returns them."""
    export_turns(
        emulator.url,
        api_key,
        [
            chat_attributes("Where is my refund?", "It left today.", **{"app.locale": "en-GB"}),
            chat_attributes("Hello?", "Hello!"),
            chat_attributes("x", "y", **{"gen_ai.input.messages": "Hello, this is not JSON"}),
        ],
    )
    spans = spans_of(api_client)
    assert len(spans) == 3
    return sorted(spans, key=lambda span: span["start_time"])


def test_an_import_answers_running_then_completes_with_conversation_records(
    api_client: httpx.Client, exported: list[dict[str, Any]]
) -> None:
    refund, hello, not_json = exported
    dataset = new_dataset(api_client)
    unknown = {"trace_id": "ab" * 16, "span_id": "cd" * 8}
    answer = start_import(
        api_client,
        dataset,
        [reference(refund), reference(hello), reference(not_json), unknown],
        [LOCALE_TO_PROPERTIES, SERVICE_TO_PAYLOAD],
    )

    assert answer.status_code == 202, answer.text
    started = answer.json()
    assert (started["status"], started["dataset_id"], started["result"]) == (
        "RUNNING",
        dataset,
        None,
    )
    task = finished(api_client, dataset, started["id"])
    assert task["status"] == "COMPLETED"
    assert task["result"] == {
        "requested_record_count": 4,
        "imported_record_count": 2,
        "skipped_record_count": 2,
    }
    records = records_of(api_client, dataset)
    assert [record["source"] for record in records] == ["TELEMETRY_SPAN"] * 2
    assert records[0]["payload"] == {
        "messages": [
            {"role": "system", "content": "You are a helpful support agent."},
            {"role": "user", "content": "Where is my refund?"},
            {"role": "assistant", "content": "It left today."},
        ],
        "service": "support-bot",
    }
    assert records[0]["properties"] == {
        "trace_id": refund["trace_id"],
        "span_id": refund["span_id"],
        "locale": "en-GB",
    }
    # A mapping whose attribute the span lacks omits its key.
    assert records[1]["properties"] == reference(hello)


def test_the_imported_records_can_be_judged(
    api_client: httpx.Client,
    exported: list[dict[str, Any]],
    judge_definition: Any,
) -> None:
    dataset = new_dataset(api_client)
    task = start_import(api_client, dataset, [reference(exported[0])]).json()
    assert finished(api_client, dataset, task["id"])["status"] == "COMPLETED"
    (record,) = records_of(api_client, dataset)
    answer = api_client.post(
        f"/v1/observability/dataset-records/{record['id']}/live-judging",
        json={"judge_definition": judge_definition()},
    )
    assert answer.status_code == 200, answer.text


def test_a_dataset_lists_its_tasks_and_addresses_them_by_slug(
    api_client: httpx.Client, exported: list[dict[str, Any]]
) -> None:
    dataset = new_dataset(api_client, name="Support traffic")
    first = start_import(api_client, "support-traffic", [reference(exported[0])]).json()
    second = start_import(api_client, dataset, [reference(exported[1])]).json()
    finished(api_client, dataset, second["id"])
    other = new_dataset(api_client, name="other")

    listed = api_client.get(f"{DATASETS}/support-traffic/tasks").json()["tasks"]
    assert listed["count"] == 2
    assert [task["id"] for task in listed["results"]] == [first["id"], second["id"]]
    assert api_client.get(f"{DATASETS}/{other}/tasks").json()["tasks"]["count"] == 0
    # A task is found only under its own dataset.
    answer = api_client.get(f"{DATASETS}/{other}/tasks/{first['id']}")
    assert answer.status_code == 404
    assert answer.json()["detail"]["error_code"] == "DATASET_TASK_NOT_FOUND"


def test_importing_a_span_twice_makes_two_records(
    api_client: httpx.Client, exported: list[dict[str, Any]]
) -> None:
    dataset = new_dataset(api_client)
    for _ in range(2):
        task = start_import(api_client, dataset, [reference(exported[0])]).json()
        assert finished(api_client, dataset, task["id"])["result"]["imported_record_count"] == 1
    records = records_of(api_client, dataset)
    assert [record["properties"]["span_id"] for record in records] == [exported[0]["span_id"]] * 2


def test_another_workspaces_spans_are_skipped(
    emulator: EmulatorHandle, exported: list[dict[str, Any]]
) -> None:
    with httpx.Client(base_url=emulator.url, headers={"Authorization": "Bearer other"}) as other:
        dataset = new_dataset(other)
        task = start_import(other, dataset, [reference(span) for span in exported]).json()
        result = finished(other, dataset, task["id"])["result"]
        assert result == {
            "requested_record_count": 3,
            "imported_record_count": 0,
            "skipped_record_count": 3,
        }
        assert records_of(other, dataset) == []


def test_an_injected_failure_ends_the_task_failed_with_a_message_and_no_records(
    emulator: EmulatorHandle, api_client: httpx.Client, exported: list[dict[str, Any]]
) -> None:
    dataset = new_dataset(api_client)
    emulator.configure(import_fail=True)
    task = start_import(api_client, dataset, [reference(exported[0])]).json()
    ended = finished(api_client, dataset, task["id"])
    assert ended["status"] == "FAILED"
    assert "import_fail" in ended["message"]
    assert ended["result"] is None
    assert records_of(api_client, dataset) == []


def test_a_stalled_task_stays_running_while_the_server_answers(
    emulator: EmulatorHandle, api_client: httpx.Client, exported: list[dict[str, Any]]
) -> None:
    dataset = new_dataset(api_client)
    emulator.configure(import_delay_seconds=3600)
    task = start_import(api_client, dataset, [reference(exported[0])]).json()
    for _ in range(3):
        polled = api_client.get(f"{DATASETS}/{dataset}/tasks/{task['id']}").json()
        assert (polled["status"], polled["result"]) == ("RUNNING", None)
    assert records_of(api_client, dataset) == []
    emulator.reset()  # cancels the sleeping import, even when no test follows


def test_a_dataset_deleted_while_the_import_waits_fails_the_task(
    emulator: EmulatorHandle, api_client: httpx.Client, exported: list[dict[str, Any]]
) -> None:
    dataset = new_dataset(api_client)
    emulator.configure(import_delay_seconds=0.3)
    task = start_import(api_client, dataset, [reference(exported[0])]).json()
    assert api_client.delete(f"{DATASETS}/{dataset}").status_code == 204
    ended = emulator.emulator.import_tasks.get(task["workspace_id"], dataset, task["id"])
    deadline = time.monotonic() + 10
    while ended is not None and ended.status == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.02)
        ended = emulator.emulator.import_tasks.get(task["workspace_id"], dataset, task["id"])
    assert ended is not None and ended.status == "FAILED"
    assert ended.message is not None and "deleted" in ended.message


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"span_references": []}, "mapping_contract"),
        (
            {"span_references": [], "mapping_contract": {"version": 2, "mappings": []}},
            "version",
        ),
        (
            {
                "span_references": [{"trace_id": "a"}],
                "mapping_contract": {"version": 1, "mappings": []},
            },
            "span_id",
        ),
        (
            {
                "span_references": [],
                "mapping_contract": {
                    "version": 1,
                    "mappings": [
                        {"target_field": "x", "source_field": {"namespace": "events", "key": "k"}}
                    ],
                },
            },
            "namespace",
        ),
        (
            {
                "span_references": [],
                "mapping_contract": {
                    "version": 1,
                    "mappings": [{**SERVICE_TO_PAYLOAD, "target_field": "messages"}],
                },
            },
            "mappings.0.target_field",
        ),
        (
            {
                "span_references": [],
                "mapping_contract": {
                    "version": 1,
                    "mappings": [{**SERVICE_TO_PAYLOAD, "target_field": "properties.span_id"}],
                },
            },
            "mappings.0.target_field",
        ),
        (
            {
                "span_references": [],
                "mapping_contract": {
                    "version": 1,
                    "mappings": [SERVICE_TO_PAYLOAD, SERVICE_TO_PAYLOAD],
                },
            },
            "mappings.1.target_field",
        ),
    ],
)
def test_a_bad_request_is_refused_with_422_naming_the_field(
    api_client: httpx.Client, body: dict[str, Any], named: str
) -> None:
    dataset = new_dataset(api_client)
    answer = api_client.post(f"{DATASETS}/{dataset}/imports/from-spans", json=body)
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert detail["error_code"] == "VALIDATION_ERROR"
    assert named in detail["message"]
    assert api_client.get(f"{DATASETS}/{dataset}/tasks").json()["tasks"]["count"] == 0


def test_an_unknown_dataset_or_task_is_404(api_client: httpx.Client) -> None:
    answer = start_import(api_client, "no-such-dataset", [])
    assert (answer.status_code, answer.json()["detail"]["error_code"]) == (
        404,
        "DATASET_NOT_FOUND",
    )
    dataset = new_dataset(api_client)
    answer = api_client.get(f"{DATASETS}/{dataset}/tasks/{'0' * 8}-0000-0000-0000-{'0' * 12}")
    assert (answer.status_code, answer.json()["detail"]["error_code"]) == (
        404,
        "DATASET_TASK_NOT_FOUND",
    )
    assert api_client.get(f"{DATASETS}/{dataset}/tasks/not-a-uuid").status_code == 422


def test_without_a_key_the_import_is_refused(emulator: EmulatorHandle) -> None:
    answer = httpx.post(
        f"{emulator.url}{DATASETS}/traffic/imports/from-spans",
        json={"span_references": [], "mapping_contract": {"version": 1, "mappings": []}},
    )
    assert answer.status_code == 401


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/imports/from-spans"),
        ("GET", "/tasks"),
        ("GET", "/tasks/00000000-0000-0000-0000-000000000000"),
    ],
)
def test_without_datasets_the_import_endpoints_are_404(
    emulator: EmulatorHandle, api_client: httpx.Client, method: str, path: str
) -> None:
    dataset = new_dataset(api_client)
    emulator.configure(datasets=False)
    answer = api_client.request(method, f"{DATASETS}/{dataset}{path}", json={})
    assert answer.status_code == 404
    assert answer.json() == {"detail": {"message": "Not Found", "error_code": None}}


@pytest.fixture
def sdk(emulator: EmulatorHandle, api_key: str) -> Iterator[Mistral]:
    with Mistral(server_url=emulator.url, api_key=api_key) as client:
        yield client


def test_the_official_sdk_imports_and_polls(
    sdk: Mistral, api_client: httpx.Client, exported: list[dict[str, Any]]
) -> None:
    datasets = sdk.beta.observability.datasets
    dataset = datasets.create(name="sdk traffic", description="")
    task = datasets.import_from_spans(
        dataset_id=dataset.id,
        span_references=[reference(span) for span in exported],
        mapping_contract={"version": 1, "mappings": [LOCALE_TO_PROPERTIES]},
    )
    assert task.status == "RUNNING"
    finished(api_client, dataset.id, task.id)
    fetched = datasets.fetch_task(dataset_id=dataset.id, task_id=task.id)
    assert fetched.status == "COMPLETED"
    assert fetched.result is not None
    assert (fetched.result.imported_record_count, fetched.result.skipped_record_count) == (2, 1)
    listed = datasets.list_tasks(dataset_id=dataset.id)
    assert [t.id for t in listed.tasks.results or []] == [task.id]
    records = datasets.list_records(dataset_id=dataset.id).records.results or []
    assert {record.source for record in records} == {"TELEMETRY_SPAN"}
    with pytest.raises(ObservabilityError) as refused:
        datasets.fetch_task(dataset_id=dataset.id, task_id="00000000-0000-0000-0000-000000000000")
    assert refused.value.data.detail.error_code == "DATASET_TASK_NOT_FOUND"
