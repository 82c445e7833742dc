"""The offline judging rule: deterministic, inside the judge's output, and a function of
the judge's instructions and output and of the conversation's messages and properties."""

from __future__ import annotations

from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from judgesync.emulator.judging import hash_verdict
from judgesync.emulator.wire import Conversation

text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=20)
# Jinja text without tags, around the platform's variables: always renders.
plain = st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="{}%#"))
instructions = st.builds(
    "".join,
    st.lists(
        plain
        | st.sampled_from(
            ["{{ user_message }}", "{{ answer_type_definition }}", "{{ properties }}"]
        ),
        max_size=4,
    ),
)
messages = st.lists(
    st.fixed_dictionaries(
        {"role": st.sampled_from(["system", "user", "assistant"]), "content": text}
    ),
    min_size=1,
    max_size=4,
)
properties = st.dictionaries(text, text | st.integers() | st.booleans(), max_size=3)
conversations = st.builds(Conversation, messages=messages, properties=properties)
option_lists = st.lists(text, min_size=1, max_size=5, unique=True).map(
    lambda values: [{"value": value, "description": f"means {value}"} for value in values]
)
finite = st.floats(allow_nan=False, allow_infinity=False)

# The verdicts of one judge over these conversations: two unrelated judges agree on
# all of them with a chance of at most 2**-32.
SAMPLE = [
    Conversation(messages=[{"role": "user", "content": f"question {n}"}], properties={})
    for n in range(32)
]


def classification(source: str, options: list[dict[str, str]]) -> dict[str, Any]:
    return {"instructions": source, "output": {"type": "CLASSIFICATION", "options": options}}


def regression(source: str, low: float, high: float) -> dict[str, Any]:
    output = {
        "type": "REGRESSION",
        "min": low,
        "min_description": "worst",
        "max": high,
        "max_description": "best",
    }
    return {"instructions": source, "output": output}


def verdicts(definition: dict[str, Any], sample: list[Conversation]) -> list[Any]:
    return [hash_verdict(definition, conversation)["answer"] for conversation in sample]


@settings(max_examples=200, deadline=None)
@given(source=instructions, options=option_lists, conversation=conversations)
def test_a_classification_verdict_is_one_of_the_options_and_repeatable(
    source, options, conversation
):
    definition = classification(source, options)
    first = hash_verdict(definition, conversation)
    assert first == hash_verdict(definition, conversation)
    assert first["answer"] in [option["value"] for option in options]
    assert first["analysis"].startswith("Emulated verdict: no model was called")


@settings(max_examples=200, deadline=None)
@given(source=instructions, bounds=st.tuples(finite, finite), conversation=conversations)
def test_a_regression_verdict_is_within_the_range_and_repeatable(source, bounds, conversation):
    low, high = sorted(bounds)
    assume(low < high)
    first = hash_verdict(regression(source, low, high), conversation)
    assert first == hash_verdict(regression(source, low, high), conversation)
    assert isinstance(first["answer"], float)
    assert low <= first["answer"] <= high
    assert "Emulated verdict" in first["analysis"]


@settings(max_examples=50, deadline=None)
@given(source=instructions, options=option_lists.filter(lambda o: len(o) >= 2), edit=text)
def test_editing_the_instructions_changes_some_verdicts(source, options, edit):
    edited = source + "x" + edit
    before = verdicts(classification(source, options), SAMPLE)
    assert before != verdicts(classification(edited, options), SAMPLE)


@settings(max_examples=50, deadline=None)
@given(options=option_lists.filter(lambda o: len(o) >= 2), index=st.integers(min_value=0))
def test_editing_an_option_changes_some_verdicts_even_if_the_template_ignores_it(options, index):
    # The template reads no variable: only the rule can make the options count.
    edited = [dict(option) for option in options]
    edited[index % len(edited)]["description"] += " (edited)"
    before = verdicts(classification("Judge this.", options), SAMPLE)
    assert before != verdicts(classification("Judge this.", edited), SAMPLE)


def test_editing_a_regression_description_changes_some_verdicts():
    edited = regression("Rate.", 1.0, 5.0)
    edited["output"]["max_description"] = "best of all"
    assert verdicts(regression("Rate.", 1.0, 5.0), SAMPLE) != verdicts(edited, SAMPLE)


def test_messages_and_properties_the_template_ignores_still_change_verdicts():
    definition = classification("Judge this.", [{"value": v, "description": v} for v in "ab"])
    with_locale = [Conversation(messages=c.messages, properties={"locale": "fr"}) for c in SAMPLE]
    with_system = [
        Conversation(
            messages=[{"role": "system", "content": "Be brief."}, *c.messages], properties={}
        )
        for c in SAMPLE
    ]
    baseline = verdicts(definition, SAMPLE)
    assert len(set(baseline)) == 2  # the messages alone already spread the verdicts
    assert baseline != verdicts(definition, with_locale)
    assert baseline != verdicts(definition, with_system)
