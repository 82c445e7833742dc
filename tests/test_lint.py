from pathlib import Path

import pytest

from judgesync.specs.case import Case
from judgesync.specs.cases_loader import load_cases
from judgesync.specs.lint import TextOrigin, lint
from judgesync.specs.loader import DesiredJudge, load_specs
from tests.builders import definition, regression

REPOSITORY = Path(__file__).parent.parent
REVIEW = Path(__file__).parent / "data" / "review" / "judges"
ANSWER_TYPE = "{{ answer_type_definition }}"


def tone(instructions: str) -> DesiredJudge:
    return DesiredJudge(definition(instructions=instructions), "judges/tone.yaml", 1)


def scored(instructions: str) -> DesiredJudge:
    judge = regression().model_copy(update={"instructions": instructions})
    return DesiredJudge(judge, "judges/helpfulness.yaml", 1)


def case(properties=None, roles=("user", "assistant")) -> Case:
    messages = tuple({"role": role, "content": "text"} for role in roles)
    return Case("tone", "c", messages, properties or {}, "polite", False, "t.cases.yaml", 3)


def messages(spec: DesiredJudge, cases=()) -> list[str]:
    return [problem.message for problem in lint(spec, list(cases))]


@pytest.mark.parametrize(
    "spec",
    [
        tone(f"Judge {{{{ assistant_message }}}}\n{ANSWER_TYPE}\n"),
        tone("Answer polite if courteous, else rude: {{ assistant_message }}"),
        tone("Answer POLITE or Rude."),
        scored(f"Rate the answer: {{{{ assistant_message }}}}\n{ANSWER_TYPE}"),
        scored("Score from 1 to 5: {{ assistant_message }}"),
        scored("A score of 5 means perfect, a score of 1 useless. Give 3/5 to half answers."),
        scored(f"Open 24/7 stores, dated 12/2024. Reply in 3 sentences.\n{ANSWER_TYPE}"),
        scored(f"Use a 10-point checklist, then between 1 and 5.\n{ANSWER_TYPE}"),
    ],
)
def test_instructions_that_tell_the_answers_get_no_warning(spec):
    assert messages(spec) == []


def test_the_shipped_judges_and_the_review_corpus_are_clean():
    for directory in (REPOSITORY / "judges", REVIEW):
        specs = load_specs(directory, repo_root=REPOSITORY).specs
        cases = load_cases(directory, [spec.definition for spec in specs]).cases_by_judge
        assert specs
        for spec in specs:
            assert lint(spec, cases.get(spec.definition.name, ())) == [], spec.path


def test_instructions_that_name_no_answer_are_told_to_use_answer_type_definition():
    [message] = messages(tone("Judge {{ assistant_message }}."))
    assert "neither {{ answer_type_definition }} nor any option (polite, rude) appears" in message
    [message] = messages(scored("Judge {{ assistant_message }}."))
    assert "nor the range (1..5) appears" in message


def test_an_option_never_named_is_reported_when_answer_type_definition_is_unused():
    [message] = messages(tone("Say polite when courteous. {{ assistant_message }}"))
    assert message.startswith("instructions (template line 1): the option 'rude' is never named")


def test_option_names_inside_other_words_do_not_count():
    [message] = messages(tone("Is it politeness or rudeness?"))
    assert "nor any option" in message


@pytest.mark.parametrize(
    ("text", "anchor"),
    [
        ("Give a score of 7 to good answers.", "score of 7"),
        ("Rate it as 8/10 when almost right.", "8/10"),
        ("Rate 9 out of 10 when almost right.", "9 out of 10"),
        ("Use a scale of 1 to 10.", "scale of 1 to 10"),
        ("Scores range between 0 and 100.", "between 0 and 100"),
        ("Wrong answers are rated 0.", "rated 0"),
        ("Use the rating: 10 for perfect.", "rating: 10"),
    ],
)
def test_regression_anchors_outside_the_range_are_reported_at_their_line(text, anchor):
    spec = scored(f"{ANSWER_TYPE}\n\n{text}\n")
    [problem] = lint(spec, [], TextOrigin("judges/helpfulness.yaml", 5))
    assert problem.line == 7  # template line 3
    expected = f"instructions: {anchor!r} lies outside the judge's range 1..5"
    assert problem.message.startswith(expected)


def test_a_classification_judge_has_no_range_to_leave():
    assert messages(tone(f"{ANSWER_TYPE} A score of 70 is fine.")) == []


def test_warnings_in_a_prompt_file_point_into_it():
    [problem] = lint(scored("Line one.\nJudge it.\n"), [], TextOrigin("prompts/h.md", 1))
    assert (problem.path, problem.line) == ("prompts/h.md", 1)  # the whole-text warning
    [anchor] = lint(scored(f"{ANSWER_TYPE}\nA score of 9.\n"), [], TextOrigin("prompts/h.md", 1))
    assert (anchor.path, anchor.line) == ("prompts/h.md", 2)
    assert anchor.message.startswith("'score of 9'")


def test_a_property_no_case_sets_is_reported():
    spec = tone(f"{ANSWER_TYPE}\n{{{{ assistant_message }}}}\nLocale: {{{{ properties.locale }}}}")
    [message] = messages(spec, [case()])
    assert message.startswith("instructions (template line 3): properties.locale is read but")
    # No cases: nothing to say about them.
    assert messages(spec) == []


def test_a_property_the_cases_set_but_the_template_never_reads_is_reported():
    spec = tone(f"{ANSWER_TYPE} {{{{ properties.locale }}}}")
    [message] = messages(spec, [case({"locale": "en", "locle": "fr"})])
    assert message == (
        "instructions: the cases set properties.locle, which the instructions never read;"
        " fix the spelling on either side, or remove it from the cases"
    )


def test_properties_read_dynamically_may_be_anything():
    spec = tone(f"{ANSWER_TYPE}{{% for k, v in properties.items() %}}{{{{ k }}}}{{% endfor %}}")
    assert messages(spec, [case({"anything": 1})]) == []


def test_a_conversation_variable_empty_in_every_case_is_reported():
    spec = tone(f"{ANSWER_TYPE}\nSystem: {{{{ system_prompt }}}}\n{{{{ user_message }}}}")
    [message] = messages(spec, [case(), case()])
    assert "{{ system_prompt }} is empty in every case, as no case has a system message" in message
    assert messages(spec, [case(), case(roles=("system", "user"))]) == []


def test_a_template_that_does_not_parse_is_left_to_the_loader():
    assert messages(tone("{{ assistant_message }")) == []
