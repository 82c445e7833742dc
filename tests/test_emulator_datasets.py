"""Datasets, records and record judging over HTTP against the emulator as a real server."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from judgesync.emulator import Emulator, EmulatorServer
from judgesync.emulator.database import Database
from judgesync.emulator.dataset_storage import DatasetStore, NewRecord, is_uuid, slug_for
from judgesync.emulator.storage_errors import DatasetNotFound

DATASETS = "/v1/observability/datasets"
RECORDS = "/v1/observability/dataset-records"
JUDGES = "/v1/observability/judges"
CONVERSATION = {
    "messages": [
        {"role": "user", "content": "Where is my refund?"},
        {"role": "assistant", "content": "It left today."},
    ]
}


def new_dataset(client: httpx.Client, name: str = "cases") -> dict:
    answer = client.post(DATASETS, json={"name": name, "description": ""})
    assert answer.status_code == 201, answer.text
    return answer.json()


def new_record(client: httpx.Client, dataset: str, **body) -> dict:
    answer = client.post(f"{DATASETS}/{dataset}/records", json={"payload": CONVERSATION, **body})
    assert answer.status_code == 201, answer.text
    return answer.json()


def code(answer: httpx.Response) -> tuple[int, str | None]:
    return answer.status_code, answer.json()["detail"]["error_code"]


@pytest.fixture
def other_workspace(emulator) -> httpx.Client:
    with httpx.Client(base_url=emulator.url, headers={"Authorization": "Bearer other"}) as client:
        yield client


def test_slugs_are_made_unique_in_a_workspace_and_freed_by_deletion(api_client):
    first = new_dataset(api_client, "Tone cases!")
    second = new_dataset(api_client, "tone  CASES")
    assert (first["slug"], second["slug"]) == ("tone-cases", "tone-cases-2")
    assert api_client.delete(f"{DATASETS}/tone-cases").status_code == 204
    assert new_dataset(api_client, "Tone cases")["slug"] == "tone-cases"


def test_a_uuid_shaped_reference_is_always_an_id(api_client):
    name = str(uuid.uuid4())
    dataset = new_dataset(api_client, name)
    assert dataset["slug"] == f"dataset-{name}"
    assert code(api_client.get(f"{DATASETS}/{name}")) == (404, "DATASET_NOT_FOUND")
    assert api_client.get(f"{DATASETS}/{dataset['id'].upper()}").json() == dataset


@given(st.text(max_size=40))
def test_a_slug_is_never_empty_nor_uuid_shaped_and_keeps_to_its_alphabet(name):
    slug = slug_for(name)
    assert slug and not is_uuid(slug)
    assert set(slug) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")


def test_patch_changes_only_what_it_sends_and_keeps_the_slug(api_client):
    dataset = new_dataset(api_client, "cases")
    patched = api_client.patch(f"{DATASETS}/cases", json={"name": "Renamed", "description": None})
    assert patched.status_code == 200
    assert (patched.json()["name"], patched.json()["slug"]) == ("Renamed", "cases")
    unchanged = api_client.patch(f"{DATASETS}/{dataset['id']}", json={})
    assert unchanged.json()["updated_at"] == patched.json()["updated_at"]


def test_deleting_a_dataset_deletes_its_records(api_client):
    dataset = new_dataset(api_client)
    record = new_record(api_client, dataset["id"])
    assert api_client.delete(f"{DATASETS}/{dataset['id']}").status_code == 204
    assert code(api_client.get(f"{RECORDS}/{record['id']}")) == (404, "DATASET_RECORD_NOT_FOUND")
    assert code(api_client.get(f"{DATASETS}/{dataset['id']}/records")) == (
        404,
        "DATASET_NOT_FOUND",
    )
    assert api_client.get(DATASETS).json()["datasets"]["count"] == 0


def test_records_of_a_dataset_are_paged_with_links_and_a_clamped_size(emulator, api_client):
    emulator.configure(max_page_size=2)
    dataset = new_dataset(api_client)
    ids = [new_record(api_client, dataset["slug"], properties={"n": n})["id"] for n in range(3)]
    first = api_client.get(f"{DATASETS}/{dataset['slug']}/records?page_size=50").json()["records"]
    assert (first["count"], [r["id"] for r in first["results"]]) == (3, ids[:2])
    assert first["previous"] is None
    second = httpx.get(first["next"], headers=api_client.headers).json()["records"]
    assert ([r["id"] for r in second["results"]], second["next"]) == (ids[2:], None)


def test_a_bulk_delete_with_one_unknown_id_deletes_nothing(api_client):
    dataset = new_dataset(api_client)
    record = new_record(api_client, dataset["id"])
    unknown = str(uuid.uuid4())
    answer = api_client.post(
        f"{RECORDS}/bulk-delete", json={"dataset_record_ids": [record["id"], unknown]}
    )
    assert code(answer) == (404, "DATASET_RECORD_NOT_FOUND")
    assert unknown in answer.json()["detail"]["message"]
    assert api_client.get(f"{RECORDS}/{record['id']}").status_code == 200


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (DATASETS, {"name": " ", "description": ""}, "name"),
        (DATASETS, {"name": "x"}, "description"),
        (f"{DATASETS}/cases/records", {"payload": CONVERSATION, "source": "EXPLORER"}, "source"),
        (f"{DATASETS}/cases/records", {"payload": [1]}, "payload"),
        (f"{DATASETS}/cases/records", {"payload": {}, "extra": 1}, "extra"),
        (f"{RECORDS}/bulk-delete", {"dataset_record_ids": ["nope"]}, "dataset_record_ids.0"),
    ],
)
def test_malformed_bodies_are_validation_errors_naming_the_field(api_client, path, body, field):
    new_dataset(api_client, "cases")
    answer = api_client.post(path, json=body)
    assert code(answer) == (422, "VALIDATION_ERROR")
    assert field in answer.json()["detail"]["message"]


def test_another_workspace_sees_none_of_the_datasets_or_records(api_client, other_workspace):
    dataset = new_dataset(api_client, "cases")
    record = new_record(api_client, dataset["id"])
    assert other_workspace.get(DATASETS).json()["datasets"]["count"] == 0
    for path in (f"{DATASETS}/cases", f"{DATASETS}/{dataset['id']}/records"):
        assert code(other_workspace.get(path)) == (404, "DATASET_NOT_FOUND")
    assert code(other_workspace.get(f"{RECORDS}/{record['id']}"))[0] == 404
    judging = other_workspace.post(
        f"{RECORDS}/{record['id']}/live-judging", json={"judge_definition": {}}
    )
    assert code(judging) == (404, "DATASET_RECORD_NOT_FOUND")
    assert code(other_workspace.delete(f"{RECORDS}/{record['id']}"))[0] == 404
    assert new_dataset(other_workspace, "cases")["slug"] == "cases"


def test_a_record_gets_the_verdict_its_conversation_gets_from_the_saved_judge(
    api_client, judge_definition
):
    definition = judge_definition(instructions="{{ assistant_message }} in {{ properties.locale }}")
    judge = api_client.post(JUDGES, json=definition).json()
    dataset = new_dataset(api_client)
    for locale in ("en", "fr", "de", "it"):
        record = new_record(api_client, dataset["id"], properties={"locale": locale})
        inline = api_client.post(
            f"{RECORDS}/{record['id']}/live-judging", json={"judge_definition": definition}
        )
        saved = api_client.post(
            f"{JUDGES}/{judge['id']}/live-judging",
            json={**CONVERSATION, "properties": {"locale": locale}},
        )
        assert inline.status_code == 200
        assert inline.json() == saved.json()
    assert api_client.get(JUDGES).json()["judges"]["count"] == 1


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"instructions": "{{ x.__class__.__mro__ }}"}, (400, "TEMPLATE_ERROR")),
        ({"instructions": "{% if %}"}, (400, "TEMPLATE_SYNTAX_ERROR")),
        ({"output": {"type": "CLASSIFICATION", "options": []}}, (422, "VALIDATION_ERROR")),
        ({"tools": "none"}, (422, "VALIDATION_ERROR")),
    ],
)
def test_an_inline_definition_is_refused_as_a_judge_would_be(
    api_client, judge_definition, changes, expected
):
    record = new_record(api_client, new_dataset(api_client)["id"])
    answer = api_client.post(
        f"{RECORDS}/{record['id']}/live-judging",
        json={"judge_definition": judge_definition(**changes)},
    )
    assert code(answer) == expected


@pytest.mark.parametrize(
    "payload", [{"question": "hi"}, {"messages": []}, {"messages": [{"role": "user"}]}]
)
def test_judging_a_record_that_is_no_conversation_is_a_record_format_error(
    api_client, judge_definition, payload
):
    record = new_record(api_client, new_dataset(api_client)["id"], payload=payload)
    answer = api_client.post(
        f"{RECORDS}/{record['id']}/live-judging", json={"judge_definition": judge_definition()}
    )
    assert code(answer) == (422, "DATASET_RECORD_FORMAT_ERROR")


def test_judging_needs_a_known_record_id(api_client, judge_definition):
    body = {"judge_definition": judge_definition()}
    unknown = api_client.post(f"{RECORDS}/{uuid.uuid4()}/live-judging", json=body)
    assert code(unknown) == (404, "DATASET_RECORD_NOT_FOUND")
    assert code(api_client.post(f"{RECORDS}/nope/live-judging", json=body)) == (
        422,
        "VALIDATION_ERROR",
    )


def test_without_datasets_every_dataset_path_answers_the_404_of_an_unknown_path(
    emulator, api_client
):
    dataset = new_dataset(api_client)
    record = new_record(api_client, dataset["id"])
    unknown_path = api_client.get("/v1/observability/no-such-thing")
    switched = httpx.post(f"{emulator.url}/_emulator/settings", json={"datasets": False})
    assert switched.json()["datasets"] is False
    for method, path in [
        ("GET", DATASETS),
        ("POST", DATASETS),
        ("GET", f"{DATASETS}/{dataset['id']}"),
        ("PATCH", f"{DATASETS}/{dataset['id']}"),
        ("GET", f"{DATASETS}/{dataset['id']}/records"),
        ("POST", f"{RECORDS}/bulk-delete"),
        ("GET", f"{RECORDS}/{record['id']}"),
        ("POST", f"{RECORDS}/{record['id']}/live-judging"),
    ]:
        answer = api_client.request(method, path, json={})
        assert (answer.status_code, answer.json()) == (404, unknown_path.json()), path
    emulator.configure(datasets=True)
    assert api_client.get(f"{RECORDS}/{record['id']}").status_code == 200


def test_a_reset_forgets_datasets(emulator, api_client):
    new_dataset(api_client)
    emulator.reset()
    assert api_client.get(DATASETS).json()["datasets"]["count"] == 0


def test_concurrent_creates_of_one_name_get_distinct_slugs(api_client):
    with ThreadPoolExecutor(max_workers=8) as pool:
        created = list(pool.map(lambda _: new_dataset(api_client, "cases"), range(12)))
    assert sorted(d["slug"] for d in created) == sorted(
        ["cases", *(f"cases-{n}" for n in range(2, 13))]
    )


def test_datasets_and_records_survive_a_restart_on_a_file_database(tmp_path):
    db = tmp_path / "emulator.db"
    headers = {"Authorization": "Bearer persistent-key"}
    with (
        EmulatorServer(Emulator(db=db)) as server,
        httpx.Client(base_url=server.url, headers=headers) as client,
    ):
        dataset = new_dataset(client, "kept")
        record = new_record(client, dataset["id"], properties={"locale": "en"})
    with (
        EmulatorServer(Emulator(db=db)) as server,
        httpx.Client(base_url=server.url, headers=headers) as client,
    ):
        assert client.get(f"{DATASETS}/kept").json() == dataset
        assert client.get(f"{RECORDS}/{record['id']}").json() == record


def test_add_records_keeps_their_order_and_writes_nothing_into_another_workspace():
    database = Database(":memory:")
    store = DatasetStore(database)
    dataset = store.create_dataset(workspace_id="w", owner_id="o", name="spans", description="")
    spans = [NewRecord({"messages": []}, {"span_id": str(n)}, "TELEMETRY_SPAN") for n in range(3)]
    stored = store.add_records("w", "spans", spans)
    count, listed = store.records_page("w", dataset.id, offset=0, limit=10)
    assert (count, listed) == (3, stored)
    assert [record.properties["span_id"] for record in listed] == ["0", "1", "2"]
    with pytest.raises(DatasetNotFound):
        store.add_records("other-workspace", dataset.id, spans)
    assert store.records_page("w", dataset.id, offset=0, limit=10)[0] == 3
    database.close()
