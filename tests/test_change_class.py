from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from judgesync.models import JudgeDefinition
from judgesync.plan.change_class import (
    ChangeClass,
    ack_covers,
    breaking_fingerprint,
    classify,
)
from tests.builders import definition, regression

OLD = definition()
OLD_SCORE = regression()


def changed(source: JudgeDefinition, **fields: Any) -> JudgeDefinition:
    return JudgeDefinition.model_validate({**source.model_dump(), **fields})


def options(*pairs: tuple[str, str]) -> dict[str, Any]:
    return {
        "type": "CLASSIFICATION",
        "options": [{"value": value, "description": text} for value, text in pairs],
    }


def score(low: float = 1, high: float = 5, low_text="useless", high_text="perfect") -> dict:
    return {
        "type": "REGRESSION",
        "min": low,
        "max": high,
        "min_description": low_text,
        "max_description": high_text,
    }


POLITE = ("polite", "Courteous.")
RUDE = ("rude", "Not courteous.")

# old, new, class, a part of the one reason
CHANGES = [
    (OLD, OLD, ChangeClass.NONE, None),
    (OLD, definition(model_name="mistral-large-latest"), ChangeClass.MAJOR, "The model changes"),
    (OLD, changed(OLD_SCORE, name="tone"), ChangeClass.MAJOR, "type switches"),
    (OLD, definition(output=options(POLITE)), ChangeClass.MAJOR, "'rude' is removed"),
    (
        OLD,
        definition(output=options(POLITE, ("impolite", "Not courteous."))),
        ChangeClass.MAJOR,
        "'rude' is renamed to 'impolite'",
    ),
    (OLD_SCORE, regression(high=10), ChangeClass.MAJOR, "range changes from 1..5 to 1..10"),
    (OLD_SCORE, regression(low=0), ChangeClass.MAJOR, "scores before and after this change"),
    (
        OLD,
        definition(output=options(POLITE, RUDE, ("curt", "Short."))),
        ChangeClass.MINOR,
        "'curt' is added",
    ),
    (OLD, definition(tools=["web_search"]), ChangeClass.MINOR, "tools change from none"),
    (OLD, definition(description="Polite?"), ChangeClass.MINOR, "The description changes"),
    (OLD, definition("voice"), ChangeClass.MINOR, "renamed from 'tone' to 'voice'"),
    (
        OLD,
        definition(output=options(POLITE, ("rude", "Dismissive."))),
        ChangeClass.MINOR,
        "description of option 'rude' changes",
    ),
    (
        OLD_SCORE,
        changed(regression(), output=score(high_text="flawless")),
        ChangeClass.MINOR,
        "description of the max score changes",
    ),
    (OLD, definition(instructions="Judge {{ assistant_message }}\n"), ChangeClass.PATCH, "wording"),
    (OLD, definition(instructions="Rate {{ assistant_message }}"), ChangeClass.PATCH, "wording"),
    (OLD, definition(output=options(RUDE, POLITE)), ChangeClass.PATCH, "reordered"),
]


@pytest.mark.parametrize(("old", "new", "change_class", "reason"), CHANGES)
def test_each_kind_of_change_has_its_class_and_one_reason(old, new, change_class, reason):
    result = classify(old, new)
    assert result.change_class is change_class
    if reason is None:
        assert result.reasons == ()
    else:
        [only] = result.reasons
        assert only.change_class is change_class
        assert reason in only.sentence
        assert only.sentence[0].isupper() and only.sentence.endswith(".")


def test_a_major_change_says_what_it_breaks():
    [reason] = classify(OLD_SCORE, regression(high=10)).reasons
    assert "scores before and after this change are not comparable" in reason.sentence


def test_tools_are_a_set_and_bounds_are_numbers():
    assert classify(definition(tools=["a", "b"]), definition(tools=["b", "a"])).reasons == ()
    assert classify(regression(high=5), regression(high=5.0)).reasons == ()


def test_the_class_is_the_worst_reason_and_worst_reasons_come_first():
    new = definition(
        "voice",
        instructions="Other\n",
        model_name="mistral-large-latest",
        output=options(POLITE),
    )
    result = classify(OLD, new)
    assert result.change_class is ChangeClass.MAJOR
    assert [reason.change_class for reason in result.reasons] == [
        ChangeClass.MAJOR,
        ChangeClass.MAJOR,
        ChangeClass.MINOR,
        ChangeClass.PATCH,
    ]
    assert str(result.change_class) == "major"


def test_the_fingerprint_is_short_stable_and_ignores_wording():
    new = definition(model_name="mistral-large-latest")
    fingerprint = breaking_fingerprint(OLD, new)
    assert len(fingerprint) == 12
    assert int(fingerprint, 16) >= 0
    reworded = changed(new, instructions="Other\n", description="Other.")
    assert breaking_fingerprint(OLD, reworded) == fingerprint
    reordered = changed(new, output=options(RUDE, POLITE))
    assert breaking_fingerprint(OLD, reordered) == fingerprint


def test_an_ack_covers_only_the_change_it_was_printed_for():
    larger = definition(model_name="mistral-large-latest")
    ack = breaking_fingerprint(OLD, larger)
    assert ack_covers(OLD, larger, ack)
    assert ack_covers(OLD, larger, f" {ack.upper()} ")
    assert not ack_covers(OLD, larger, None)
    assert not ack_covers(OLD, larger, "0" * 12)
    # The ack stays in the spec after the apply; the next break is not covered by it.
    medium = definition(model_name="mistral-medium-latest")
    assert not ack_covers(larger, medium, ack)
    # Nor is the way back, nor the same break of another judge.
    assert not ack_covers(larger, OLD, ack)
    other_old, other_new = definition("other"), definition("other", model_name=larger.model_name)
    assert not ack_covers(other_old, other_new, ack)


def test_a_further_break_in_the_same_change_needs_a_new_ack():
    larger = definition(model_name="mistral-large-latest")
    ack = breaking_fingerprint(OLD, larger)
    also_removes_rude = changed(larger, output=options(POLITE))
    assert not ack_covers(OLD, also_removes_rude, ack)


models = st.sampled_from(["small", "medium", "large"])
values = st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=3, unique=True)


def judge(model: str, option_values: list[str]) -> JudgeDefinition:
    return definition(model_name=model, output=options(*[(v, v) for v in option_values]))


@given(models, values, models, values)
def test_the_fingerprint_changes_exactly_when_a_breaking_field_does(m1, v1, m2, v2):
    old, new = judge("small", ["a"]), judge(m1, v1)
    other = judge(m2, v2)
    same_break = (m1, sorted(v1)) == (m2, sorted(v2))
    assert (breaking_fingerprint(old, new) == breaking_fingerprint(old, other)) is same_break
    is_major = classify(old, new).change_class is ChangeClass.MAJOR
    assert is_major is (m1 != "small" or "a" not in v1)
