"""The official `mistralai` SDK works against the emulator and parses every answer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from mistralai.client import Mistral, errors, models
from mistralai.client.judges import Judges


@pytest.fixture
def judges(emulator, api_key) -> Iterator[Judges]:
    with Mistral(server_url=emulator.url, api_key=api_key) as client:
        yield client.beta.observability.judges


CLASSIFICATION = {
    "type": "CLASSIFICATION",
    "options": [
        {"value": "yes", "description": "It is."},
        {"value": "no", "description": "It is not."},
    ],
}
REGRESSION = {
    "type": "REGRESSION",
    "min": 1,
    "min_description": "poor",
    "max": 5,
    "max_description": "great",
}


def create(judges, name: str, output=CLASSIFICATION, **changes) -> models.Judge:
    fields = {
        "name": name,
        "description": f"The {name} judge.",
        "model_name": "mistral-small-latest",
        "output": output,
        "instructions": "{{ user_message }} → {{ assistant_message }}",
        "tools": [],
    }
    return judges.create(**{**fields, **changes})


def test_the_sdk_creates_and_fetches_a_judge(judges):
    created = create(judges, "tone", output=REGRESSION)
    assert isinstance(created, models.Judge)
    assert created.deleted_at is None
    assert isinstance(created.output, models.JudgeRegressionOutput)
    assert (created.output.min, created.output.max) == (1.0, 5.0)
    fetched = judges.fetch(judge_id=created.id)
    assert fetched == created


def test_the_sdk_pages_through_every_judge(emulator, judges):
    emulator.configure(max_page_size=10)
    for index in range(23):
        create(judges, f"judge-{index:02}")
    names: list[str] = []
    page_number = 1
    while True:
        page = judges.list(page=page_number, page_size=10).judges
        assert page.count == 23
        names += [judge.name for judge in page.results or []]
        if not page.next:
            break
        page_number += 1
    assert names == [f"judge-{index:02}" for index in range(23)]


def test_the_sdk_lists_with_filters(judges):
    create(judges, "tone")
    create(judges, "score", output=REGRESSION)
    page = judges.list(type_filter=["REGRESSION"], q="SCO").judges
    assert [judge.name for judge in page.results or []] == ["score"]


def test_the_sdk_updates_and_finds_the_new_revision(judges, revisions):
    created = create(judges, "tone")
    answer = judges.update(
        judge_id=created.id,
        name="tone",
        description="Changed.",
        model_name="mistral-small-latest",
        output=CLASSIFICATION,
        instructions=created.instructions,
        tools=[],
    )
    assert answer is None
    newest = judges.list().judges.results[0]
    assert newest.description == "Changed."
    if revisions == "in-place":
        # As Mistral's docs tests read the live API: the same id, the new content.
        assert newest.id == created.id
        assert judges.fetch(judge_id=created.id).description == "Changed."
    else:
        assert newest.down_revision == created.id


def test_the_sdk_deletes_a_judge(judges):
    created = create(judges, "tone")
    judges.delete(judge_id=created.id)
    with pytest.raises(errors.ObservabilityError) as raised:
        judges.fetch(judge_id=created.id)
    assert raised.value.data.detail.error_code == "JUDGE_NOT_FOUND"


def test_the_sdk_live_judges_a_conversation(judges):
    created = create(judges, "tone")
    output = judges.judge_conversation(
        judge_id=created.id,
        messages=[{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}],
        properties={"locale": "en"},
    )
    assert isinstance(output, models.JudgeOutput)
    assert output.answer in {"yes", "no"}


@pytest.mark.parametrize(
    ("make_error", "code"),
    [
        (lambda judges, judge: create(judges, judge.name), "JUDGE_NAME_ALREADY_EXISTS"),
        (
            lambda judges, judge: judges.judge_conversation(judge_id=judge.id, messages=[]),
            "JUDGE_CONVERSATION_FORMAT_ERROR",
        ),
        (
            lambda judges, judge: create(judges, "broken", instructions="{% if %}"),
            "TEMPLATE_SYNTAX_ERROR",
        ),
    ],
)
def test_the_sdk_reads_error_bodies_as_observability_errors(judges, make_error, code):
    judge = create(judges, "tone")
    with pytest.raises(errors.ObservabilityError) as raised:
        make_error(judges, judge)
    assert raised.value.data.detail.error_code == code


def test_the_sdk_reads_unknown_error_codes_too(emulator, judges):
    judge = create(judges, "tone")
    emulator.lock_for_campaign(judge.id)
    with pytest.raises(errors.ObservabilityError) as raised:
        create_args = {
            "name": "tone",
            "description": "x",
            "model_name": "m",
            "output": CLASSIFICATION,
            "instructions": "",
            "tools": [],
        }
        judges.update(judge_id=judge.id, **create_args)
    assert raised.value.data.detail.error_code == "JUDGE_USED_IN_CAMPAIGN_CANNOT_BE_UPDATED"


@pytest.mark.parametrize(
    "reading",
    [
        {"deleted": "visible"},
        {"pagination": "count-only"},
        {"revisions": "in-place", "name_uniqueness": "casefold"},
    ],
)
def test_the_sdk_parses_lists_under_every_reading(emulator, judges, reading):
    emulator.configure(**reading)
    kept = create(judges, "kept")
    gone = create(judges, "gone")
    judges.delete(judge_id=gone.id)
    page = judges.list().judges
    listed = {judge.name: judge for judge in page.results or []}
    assert listed["kept"].id == kept.id
    if reading.get("deleted") == "visible":
        assert listed["gone"].deleted_at is not None
    else:
        assert "gone" not in listed
