import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from judgesync.models import JudgeDefinition
from judgesync.specs import yamlio
from judgesync.specs.case import Case, ScoreRange
from judgesync.specs.cases_loader import load_cases
from judgesync.specs.loader import load_specs

JUDGES = Path(__file__).parent / "data" / "review" / "judges"


@pytest.fixture(scope="module")
def specs() -> list[JudgeDefinition]:
    loaded = load_specs(JUDGES, repo_root=JUDGES)
    assert loaded.problems == ()
    return [spec.definition for spec in loaded.specs]


def test_spec_loader_skips_cases_files_beside_the_specs():
    loaded = load_specs(JUDGES, repo_root=JUDGES)
    assert [spec.path.rsplit("/", 1)[-1] for spec in loaded.specs] == [
        "helpfulness.yaml",
        "tone.yaml",
    ]


def test_cases_load_by_judge_from_yaml_and_yml_files_in_subfolders(specs):
    loaded = load_cases(JUDGES, specs)
    assert loaded.problems == ()
    assert {name: [case.id for case in cases] for name, cases in loaded.cases_by_judge.items()} == {
        "helpfulness": ["full-answer", "off-topic"],
        "tone": ["polite-refund", "blames-customer"],
    }
    polite = loaded.cases_by_judge["tone"][0]
    assert polite.expect == "on_brand"
    assert polite.must_pass is True
    assert polite.line == 3
    assert polite.path.endswith("tone.cases.yaml")
    assert polite.request() == {
        "messages": [
            {"role": "user", "content": "Where is my refund?"},
            {"role": "assistant", "content": "Sorry for the wait: it left today."},
        ],
        "properties": {"locale": "en"},
    }
    full, off_topic = loaded.cases_by_judge["helpfulness"]
    assert full.expect == ScoreRange(4, 5)
    assert off_topic.expect == ScoreRange(1, 1)
    assert off_topic.must_pass is False
    assert off_topic.request()["properties"] is None


def test_a_case_request_is_a_copy_the_caller_may_change(specs):
    case = load_cases(JUDGES, specs).cases_by_judge["tone"][0]
    body = case.request()
    body["messages"][0]["content"] = "changed"
    body["properties"]["locale"] = "fr"
    assert case.request()["messages"][0]["content"] == "Where is my refund?"
    assert case.properties["locale"] == "en"


@pytest.mark.parametrize(
    ("expect", "answer", "passes"),
    [
        ("on_brand", "on_brand", True),
        ("on_brand", "rude", False),
        (ScoreRange(4, 5), 4, True),
        (ScoreRange(4, 5), 5.0, True),
        (ScoreRange(4, 5), 3.99, False),
        (ScoreRange(1, 1), 1, True),
        (ScoreRange(1, 1), "1", False),
    ],
)
def test_a_case_passes_when_the_answer_meets_its_expectation(expect, answer, passes):
    case = Case("j", "c", (), {}, expect, False, "f.cases.yaml", 1)
    assert case.passes(answer) is passes


def test_score_ranges_print_as_a_number_or_a_span():
    assert str(ScoreRange(4, 4)) == "4"
    assert str(ScoreRange(1, 2.5)) == "1..2.5"


MESSAGES = """    messages:
      - {role: user, content: "Hi"}
      - {role: assistant, content: "Hello!"}
"""


def tone_case(extra: str = "    expect: on_brand\n", props: str = "{locale: en}") -> str:
    return f"judge: tone\ncases:\n  - id: one\n{MESSAGES}    properties: {props}\n{extra}"


def helpfulness_case(expect: str) -> str:
    return f"judge: helpfulness\ncases:\n  - id: one\n{MESSAGES}    expect: {expect}\n"


# file text, line, part of the message
BROKEN = [
    ("- a list\n", 1, "a cases file must be a mapping with 'judge' and 'cases' (it holds a list)"),
    ("", 1, "(the file is empty)"),
    ("judge: tone\ncases: [\n", 3, "invalid YAML"),
    ("judge: tone\ncase: []\n", 2, "unknown key 'case'; did you mean 'cases'?"),
    ("cases: []\n", 1, "judge: field required"),
    ("judge: tone\n", 1, "cases: field required"),
    ("judge: tone\ncases: []\n", 2, "cases: must be a non-empty list of cases, got an empty list"),
    ("judge: 7\ncases: [x]\n", 1, "judge: must be text, got a number (7)"),
    (
        tone_case().replace("judge: tone", "judge: tonne"),
        1,
        "no spec defines a judge named 'tonne'; did you mean 'tone'?",
    ),
    ("judge: tone\ncases: [just text]\n", 2, "cases[0]: must be a mapping, got text"),
    (tone_case("    expected: on_brand\n"), 8, "unknown key 'expected' in 'cases[0]'; did you"),
    (tone_case("    expect: polite\n"), 8, "'polite' is not an option of 'tone'; its options:"),
    (tone_case("    expect: on_brnd\n"), 8, "did you mean 'on_brand'?"),
    (tone_case("    expect: 1\n"), 8, "'tone' is a classification judge, so expect one of"),
    (tone_case(""), 3, "cases[0].expect: field required"),
    (tone_case("    expect: rude\n    must_pass: yes please\n"), 9, "must be true or false"),
    (tone_case(props="{}"), 7, "use properties.locale, which this case does not set"),
    (tone_case(props="[en]"), 7, "cases[0].properties: must be a mapping, got a list"),
    (
        tone_case(props="{locale: en, since: 2024-05-01}"),
        7,
        "cases[0].properties.since: 2024-05-01 is read as a date; put it in quotes",
    ),
    (helpfulness_case("7"), 7, "7 lies outside the range of 'helpfulness' (1..5)"),
    (helpfulness_case("{min: 0, max: 3}"), 7, "0..3 lies outside the range"),
    (helpfulness_case("{min: 4, max: 2}"), 7, "min (4) is greater than max (2); swap them"),
    (helpfulness_case("{min: 4}"), 7, "cases[0].expect.max: field required"),
    (helpfulness_case("{min: 4, max: high}"), 7, "expect.max: must be a number, got text"),
    (helpfulness_case("{low: 4, max: 5}"), 7, "unknown key 'low' in 'cases[0].expect'"),
    (helpfulness_case("good"), 7, "'helpfulness' is a regression judge, so expect a number"),
    (helpfulness_case(".nan"), 7, "so expect a number or a range"),
    (helpfulness_case("true"), 7, "got a boolean (true)"),
    (
        "judge: helpfulness\ncases:\n  - id: one\n    messages: []\n    expect: 3\n",
        4,
        "cases[0].messages: must be a non-empty list of messages, got an empty list",
    ),
    (
        "judge: helpfulness\ncases:\n  - id: one\n    expect: 3\n",
        3,
        "cases[0].messages: field required",
    ),
    (
        helpfulness_case("3").replace("role: user", "role: human"),
        5,
        "cases[0].messages[0].role: 'human' is not a role; use one of system, user",
    ),
    (
        helpfulness_case("3").replace("role: user", "role: usr"),
        5,
        "did you mean 'user'?",
    ),
    (
        helpfulness_case("3").replace('content: "Hi"', "content: 42"),
        5,
        "cases[0].messages[0].content: must be text, got a number (42)",
    ),
    (
        helpfulness_case("3").replace('content: "Hi"', "text: Hi"),
        5,
        "unknown key 'text' in 'cases[0].messages[0]'",
    ),
    (
        helpfulness_case("3").replace("{role: user, ", "{"),
        5,
        "cases[0].messages[0].role: field required",
    ),
    (
        helpfulness_case("3").replace("  - id: one\n", "  - id: ''\n"),
        3,
        "cases[0].id: must be a non-empty text, got empty text",
    ),
    (
        helpfulness_case("3").replace("  - id: one\n    messages:", "  - messages:"),
        3,
        "cases[0].id: field required",
    ),
    (
        helpfulness_case("3") + helpfulness_case("4").split("cases:\n", 1)[1],
        8,
        "cases[1].id: 'one' repeats cases[0].id (line 3); ids must be unique",
    ),
]


@pytest.mark.parametrize(("text", "line", "message"), BROKEN)
def test_a_broken_cases_file_is_reported_at_its_line(tmp_path, specs, text, line, message):
    (tmp_path / "broken.cases.yaml").write_text(text, encoding="utf-8")
    loaded = load_cases(tmp_path, specs)
    assert loaded.cases_by_judge == {}
    assert any(
        problem.line == line and message in problem.message for problem in loaded.problems
    ), loaded.problems


def test_every_problem_of_a_file_is_reported_in_one_run(tmp_path, specs):
    text = tone_case("    expect: polite\n    must_pass: 1\n", props="{}")
    (tmp_path / "x.cases.yaml").write_text(text, encoding="utf-8")
    problems = load_cases(tmp_path, specs).problems
    assert [(problem.line, problem.message.split(":")[0]) for problem in problems] == [
        (7, "cases[0].properties"),
        (8, "cases[0].expect"),
        (9, "cases[0].must_pass"),
    ]


def test_a_file_with_a_problem_gives_no_cases_but_others_still_load(tmp_path, specs):
    (tmp_path / "good.cases.yaml").write_text(helpfulness_case("3"), encoding="utf-8")
    (tmp_path / "bad.cases.yaml").write_text(tone_case("    expect: nope\n"), encoding="utf-8")
    loaded = load_cases(tmp_path, specs)
    assert list(loaded.cases_by_judge) == ["helpfulness"]
    assert [problem.path.rsplit("/", 1)[-1] for problem in loaded.problems] == ["bad.cases.yaml"]


def test_two_files_may_not_give_one_judge_the_same_case_id(tmp_path, specs):
    (tmp_path / "a.cases.yaml").write_text(helpfulness_case("3"), encoding="utf-8")
    (tmp_path / "b.cases.yaml").write_text(helpfulness_case("4"), encoding="utf-8")
    loaded = load_cases(tmp_path, specs)
    [problem] = loaded.problems
    assert problem.path.endswith("b.cases.yaml")
    assert problem.line == 3
    assert "case id 'one' is also a case of judge 'helpfulness' in " in problem.message
    assert "a.cases.yaml:3" in problem.message
    assert [case.expect for case in loaded.cases_by_judge["helpfulness"]] == [ScoreRange(3, 3)]


def test_properties_read_through_a_method_call_are_not_required(tmp_path):
    judge = JudgeDefinition.model_validate(
        {
            "name": "j",
            "description": "d",
            "model_name": "m",
            "instructions": '{{ properties.get("tier") }} {{ properties["region"] }}',
            "output": {"type": "CLASSIFICATION", "options": [{"value": "a", "description": ""}]},
        }
    )
    text = f"judge: j\ncases:\n  - id: one\n{MESSAGES}    expect: a\n"
    (tmp_path / "j.cases.yaml").write_text(text, encoding="utf-8")
    [problem] = load_cases(tmp_path, [judge]).problems
    assert "properties.region" in problem.message


def test_a_missing_directory_is_one_problem(tmp_path, specs):
    loaded = load_cases(tmp_path / "nowhere", specs)
    assert loaded.cases_by_judge == {}
    [problem] = loaded.problems
    assert "does not exist" in problem.message


def test_a_directory_without_cases_files_has_no_cases_and_no_problems(tmp_path, specs):
    assert load_cases(tmp_path, specs) == ({}, ())


texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)
message = st.fixed_dictionaries(
    {"role": st.sampled_from(["system", "user", "assistant", "tool"]), "content": texts}
)
generated_case = st.fixed_dictionaries(
    {
        "messages": st.lists(message, min_size=1, max_size=3),
        "properties": st.fixed_dictionaries(
            {"locale": texts}, optional={"tier": st.integers() | st.booleans() | texts}
        ),
        "expect": st.sampled_from(["on_brand", "rude"]),
    },
    optional={"must_pass": st.booleans()},
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(generated_case, min_size=1, max_size=4))
def test_cases_written_as_yaml_load_back_as_written(specs, items):
    items = [{"id": f"case-{index}", **item} for index, item in enumerate(items)]
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory, "tone.cases.yaml")
        path.write_text(yamlio.dump({"judge": "tone", "cases": items}), encoding="utf-8")
        loaded = load_cases(Path(directory), specs)
    assert loaded.problems == ()
    cases = loaded.cases_by_judge["tone"]
    assert [case.id for case in cases] == [item["id"] for item in items]
    for case, item in zip(cases, items, strict=True):
        assert case.request() == {"messages": item["messages"], "properties": item["properties"]}
        assert case.expect == item["expect"]
        assert case.must_pass is item.get("must_pass", False)
