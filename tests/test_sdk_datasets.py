"""The official `mistralai` SDK drives the emulator's datasets and records, and judges a
record with an inline definition, in both revision modes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from mistralai.client import Mistral, errors, models
from mistralai.client.datasets import Datasets

CONVERSATION = {
    "messages": [
        {"role": "user", "content": "Where is my refund?"},
        {"role": "assistant", "content": "It left today."},
    ]
}
DEFINITION = {
    "name": "tone",
    "description": "Tone of the answer.",
    "model_name": "mistral-small-latest",
    "instructions": "{{ assistant_message }} ({{ properties.locale }})",
    "output": {
        "type": "CLASSIFICATION",
        "options": [
            {"value": "on_brand", "description": "Warm."},
            {"value": "rude", "description": "Cold."},
        ],
    },
    "tools": [],
}


@pytest.fixture
def client(revisions, emulator, api_key) -> Iterator[Mistral]:
    with Mistral(server_url=emulator.url, api_key=api_key) as client:
        yield client


@pytest.fixture
def datasets(client) -> Datasets:
    return client.beta.observability.datasets


def test_the_sdk_creates_fetches_patches_and_deletes_a_dataset(datasets):
    created = datasets.create(name="Review cases", description="judgesync's own.")
    assert isinstance(created, models.Dataset)
    assert (created.slug, created.deleted_at) == ("review-cases", None)
    for reference in (created.slug, created.id):
        assert datasets.fetch(dataset_id=reference).model_dump() == created.model_dump()
    patched = datasets.update(dataset_id=created.id, description="Changed.")
    assert isinstance(patched, models.DatasetPreview)
    assert (patched.name, patched.description, patched.slug) == (
        "Review cases",
        "Changed.",
        "review-cases",
    )
    assert patched.updated_at > created.updated_at
    assert datasets.delete(dataset_id=created.slug) is None
    with pytest.raises(errors.ObservabilityError) as raised:
        datasets.fetch(dataset_id=created.id)
    assert raised.value.data.detail.error_code == "DATASET_NOT_FOUND"


def test_the_sdk_pages_through_datasets_and_searches_them(emulator, datasets):
    emulator.configure(max_page_size=4)
    for index in range(9):
        datasets.create(name=f"set {index}", description="odd" if index % 2 else "even")
    names: list[str] = []
    page_number = 1
    while True:
        page = datasets.list(page=page_number, page_size=10).datasets
        assert page.count == 9
        names += [dataset.name for dataset in page.results or []]
        if not page.next:
            break
        page_number += 1
    assert names == [f"set {index}" for index in range(9)]
    assert datasets.list(q="ODD").datasets.count == 4


def test_the_sdk_adds_lists_reads_and_deletes_records(datasets):
    dataset = datasets.create(name="cases", description="")
    first = datasets.create_record(
        dataset_id=dataset.slug, payload=CONVERSATION, properties={"locale": "en"}
    )
    assert isinstance(first, models.DatasetRecord)
    assert (first.dataset_id, first.source, first.properties) == (
        dataset.id,
        "DIRECT_INPUT",
        {"locale": "en"},
    )
    spans = [
        datasets.create_record(dataset_id=dataset.id, payload={"n": n}, source="TELEMETRY_SPAN")
        for n in range(3)
    ]
    listed = datasets.list_records(dataset_id=dataset.id, page_size=2).records
    assert listed.count == 4
    assert [record.id for record in listed.results or []] == [first.id, spans[0].id]
    assert datasets.records.fetch(dataset_record_id=first.id) == first
    datasets.records.delete(dataset_record_id=first.id)
    datasets.records.bulk_delete(dataset_record_ids=[spans[0].id, spans[1].id])
    remaining = datasets.list_records(dataset_id=dataset.id).records
    assert [record.id for record in remaining.results or []] == [spans[2].id]
    with pytest.raises(errors.ObservabilityError) as raised:
        datasets.records.fetch(dataset_record_id=first.id)
    assert raised.value.data.detail.error_code == "DATASET_RECORD_NOT_FOUND"


def test_the_sdk_replaces_a_records_payload_and_properties(datasets):
    dataset = datasets.create(name="cases", description="")
    record = datasets.create_record(dataset_id=dataset.id, payload={"old": 1})
    datasets.records.update_payload(dataset_record_id=record.id, payload=CONVERSATION)
    datasets.records.update_properties(dataset_record_id=record.id, properties={"locale": "fr"})
    changed = datasets.records.fetch(dataset_record_id=record.id)
    assert (changed.payload, changed.properties) == (CONVERSATION, {"locale": "fr"})
    assert changed.updated_at > record.updated_at


def test_the_sdk_judges_a_record_with_an_inline_definition_and_no_judge_appears(client):
    datasets = client.beta.observability.datasets
    dataset = datasets.create(name="cases", description="")
    record = datasets.create_record(
        dataset_id=dataset.id, payload=CONVERSATION, properties={"locale": "en"}
    )
    output = datasets.records.judge(
        dataset_record_id=record.id, judge_definition=models.CreateJudgeRequest(**DEFINITION)
    )
    assert isinstance(output, models.JudgeOutput)
    assert output.answer in {"on_brand", "rude"}
    assert client.beta.observability.judges.list().judges.count == 0


def test_the_sdk_reads_a_record_that_is_no_conversation_as_a_format_error(datasets):
    dataset = datasets.create(name="cases", description="")
    record = datasets.create_record(dataset_id=dataset.id, payload={"question": "hi"})
    with pytest.raises(errors.ObservabilityError) as raised:
        datasets.records.judge(
            dataset_record_id=record.id, judge_definition=models.CreateJudgeRequest(**DEFINITION)
        )
    assert raised.value.data.detail.error_code == "DATASET_RECORD_FORMAT_ERROR"
