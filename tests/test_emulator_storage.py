"""The emulator's storage alone: what it refuses, as storage errors, and how the API
answers each (`refusals.refusal_for`, the one place that decides)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from judgesync import names
from judgesync.emulator import storage_errors
from judgesync.emulator.database import Database
from judgesync.emulator.refusals import refusal_for
from judgesync.emulator.storage import JudgeStore, uniqueness_key

WORKSPACE = "w"


@pytest.fixture
def store() -> Iterator[JudgeStore]:
    database = Database(":memory:")
    yield JudgeStore(database)
    database.close()


def body(name: str = "tone", description: str = "Polite?") -> dict[str, Any]:
    return {
        "name": name,
        "description": description,
        "model_name": "m",
        "instructions": "{{ assistant_message }}",
        "output": {"type": "CLASSIFICATION", "options": [{"value": "a", "description": "A"}]},
        "tools": [],
    }


def create(store: JudgeStore, name: str = "tone", uniqueness: Any = "exact") -> str:
    judge = store.create(
        workspace_id=WORKSPACE,
        owner_id="o",
        definition=body(name),
        uniqueness=uniqueness,
        revisions="new-id",
    )
    return judge.id


def update(store: JudgeStore, judge_id: str, definition: dict[str, Any], **options: Any) -> str:
    settings: dict[str, Any] = {
        "uniqueness": "exact",
        "revisions": "new-id",
        "campaign_judge_ids": frozenset(),
        **options,
    }
    return store.update(
        workspace_id=WORKSPACE, judge_id=judge_id, definition=definition, **settings
    )


def test_a_second_live_judge_with_a_name_is_refused_as_name_taken(store):
    create(store, "tone")
    with pytest.raises(storage_errors.NameTaken) as caught:
        create(store, "tone")
    assert (caught.value.name, caught.value.uniqueness) == ("tone", "exact")


def test_casefold_uniqueness_refuses_a_name_differing_in_case_and_spaces(store):
    create(store, "tone", uniqueness="casefold")
    with pytest.raises(storage_errors.NameTaken):
        create(store, " Tone ", uniqueness="casefold")


@pytest.mark.parametrize("revisions", ["new-id", "in-place"])
def test_renaming_onto_a_live_name_is_refused_as_name_taken(store, revisions):
    create(store, "taken")
    judge_id = create(store, "tone")
    with pytest.raises(storage_errors.NameTaken) as caught:
        update(store, judge_id, body("taken"), revisions=revisions)
    assert caught.value.name == "taken"


def test_an_update_that_changes_nothing_is_refused_as_unchanged(store):
    judge_id = create(store)
    with pytest.raises(storage_errors.Unchanged) as caught:
        update(store, judge_id, body())
    assert caught.value.judge_id == judge_id


def test_updating_an_older_revision_is_refused_as_superseded_naming_the_newer(store):
    first = create(store)
    second = update(store, first, body(description="Changed."))
    with pytest.raises(storage_errors.Superseded) as caught:
        update(store, first, body(description="Again."))
    assert (caught.value.judge_id, caught.value.newer_id) == (first, second)


def test_an_unknown_or_deleted_judge_is_not_found(store):
    judge_id = create(store)
    store.delete(WORKSPACE, judge_id)
    for missing in (judge_id, "no-such-id"):
        with pytest.raises(storage_errors.JudgeNotFound) as caught:
            update(store, missing, body(description="Changed."))
        assert caught.value.judge_id == missing


def test_a_judge_a_campaign_uses_is_locked(store):
    judge_id = create(store)
    with pytest.raises(storage_errors.LockedByCampaign):
        update(store, judge_id, body(description="x"), campaign_judge_ids=frozenset({judge_id}))


def test_switching_to_casefold_when_live_names_collide_is_refused(store):
    create(store, "tone")
    create(store, "TONE")
    with pytest.raises(storage_errors.NameTaken) as caught:
        store.use_name_uniqueness("casefold")
    assert (caught.value.name, caught.value.uniqueness) == (None, "casefold")


# Each storage error and the API's answer: status, error_code, message.
ANSWERS = [
    (storage_errors.JudgeNotFound("j1"), 404, "JUDGE_NOT_FOUND", "Judge j1 was not found."),
    (
        storage_errors.Superseded("j1", "j2"),
        409,
        "JUDGE_ALREADY_HAS_NEW_VERSION",
        "Judge j1 has a newer revision j2; change that one instead.",
    ),
    (
        storage_errors.Unchanged("j1"),
        400,
        "JUDGE_DID_NOT_CHANGE",
        "Judge j1 already has exactly this content.",
    ),
    (
        storage_errors.LockedByCampaign("j1"),
        409,
        "JUDGE_USED_IN_CAMPAIGN_CANNOT_BE_UPDATED",
        "Judge j1 is used in a campaign and cannot be updated.",
    ),
    (
        storage_errors.NameTaken("tone", "exact"),
        409,
        "JUDGE_NAME_ALREADY_EXISTS",
        "A judge named 'tone' already exists in this workspace.",
    ),
    (
        storage_errors.NameTaken(None, "casefold"),
        409,
        "JUDGE_NAME_ALREADY_EXISTS",
        "Live judges' names collide under name uniqueness 'casefold';"
        " reset the emulator or delete one of them first.",
    ),
    (
        storage_errors.DatasetNotFound("reviews"),
        404,
        "DATASET_NOT_FOUND",
        "Dataset 'reviews' was not found.",
    ),
    (
        storage_errors.RecordNotFound(("r1", "r2")),
        404,
        "DATASET_RECORD_NOT_FOUND",
        "Dataset record(s) r1, r2 were not found.",
    ),
]


@pytest.mark.parametrize(
    "error, status, code, message", ANSWERS, ids=[type(a[0]).__name__ for a in ANSWERS]
)
def test_each_storage_error_has_one_api_answer(error, status, code, message):
    refusal = refusal_for(error)
    assert (refusal.status, refusal.error_code, refusal.message) == (status, code, message)


def test_every_storage_error_has_an_api_answer():
    answered = {type(answer[0]) for answer in ANSWERS}
    assert answered == set(storage_errors.StorageError.__subclasses__())


@given(st.text(max_size=12))
def test_the_casefold_reading_keys_names_as_the_planner_does(name):
    # The planner's loose matching predicts which names the casefold emulator refuses.
    assert uniqueness_key(name, "casefold") == names.name_key(name)


@given(st.text(max_size=12))
def test_the_exact_reading_keys_a_name_as_itself(name):
    assert uniqueness_key(name, "exact") == name
