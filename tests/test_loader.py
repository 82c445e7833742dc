import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from judgesync.cli import cli
from judgesync.errors import Problem
from judgesync.models import ClassificationOutput, RegressionOutput
from judgesync.specs import templates, yamlio
from judgesync.specs.loader import TextOrigin, instructions_problem, load_specs
from judgesync.specs.textfile import MAX_FILE_BYTES

DATA = Path(__file__).parent / "data"
BROKEN = DATA / "broken"
REPOSITORY = Path(__file__).parent.parent

CLASSIFICATION = """output:
  type: CLASSIFICATION
  options:
    - value: pass
      description: Good enough.
    - value: fail
      description: Not good enough.
"""


def spec_text(name: str = "judge", body: str = 'instructions: "{{ assistant_message }}"\n') -> str:
    return (
        f"name: {name}\ndescription: A judge.\nmodel_name: mistral-small-latest\n"
        f"{body}{CLASSIFICATION}"
    )


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory that is also a repository root."""
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


# case folder, file in it, line, part of the message
BROKEN_CASES = [
    ("yaml-syntax", "judge.yaml", 3, "invalid YAML: mapping values are not allowed"),
    ("not-utf8", "judge.yaml", 2, "not UTF-8 (byte 0xe9); save it as UTF-8"),
    ("duplicate-key", "judge.yaml", 12, "duplicate key 'name' (lines 1 and 12)"),
    ("multi-document", "judge.yaml", 12, "more than one YAML document"),
    ("top-level-list", "judge.yaml", 1, "must be a mapping of judge fields (it holds a list)"),
    ("empty-file", "judge.yaml", 1, "(the file is empty)"),
    ("missing-option-value", "judge.yaml", 10, "output.options[1].value: field required"),
    ("unknown-key", "judge.yaml", 2, "unknown key 'descripton'; did you mean 'description'?"),
    ("wrong-type", "judge.yaml", 1, "name: must be text, got a number (123); put it in quotes"),
    ("option-values-repeat", "judge.yaml", 10, "'pass' repeats output.options[0].value"),
    ("option-value-empty", "judge.yaml", 10, "output.options[1].value: is empty"),
    ("no-options", "judge.yaml", 7, "a classification needs at least one option"),
    ("regression-min-not-below-max", "judge.yaml", 7, "min (5) must be less than output.max"),
    ("regression-missing-max", "judge.yaml", 5, "output.max: field required"),
    ("regression-bound-is-text", "judge.yaml", 7, "output.min: must be a number, got text"),
    ("regression-bound-is-nan", "judge.yaml", 9, "output.max: must be a finite number"),
    ("output-type-unknown", "judge.yaml", 6, "'classification' is not an output type"),
    ("tools-repeat", "judge.yaml", 14, "tools[1]: 'web_search' repeats tools[0]"),
    ("tool-empty", "judge.yaml", 14, "tools[1]: is empty"),
    ("name-empty", "judge.yaml", 1, "name: is empty"),
    ("name-padded", "judge.yaml", 1, "name: has leading or trailing spaces"),
    ("previous-name-is-current", "judge.yaml", 14, "'Judge' is the judge's current name"),
    ("previous-names-not-a-list", "judge.yaml", 12, "previous_names: must be a list"),
    ("previous-name-taken", "b.yaml", 12, "previous name 'tone' is also the name of the judge"),
    ("duplicate-names", "b.yaml", 1, "name 'Tone' is also the name of the judge in"),
    ("jinja-syntax-inline", "judge.yaml", 7, "instructions: Jinja2 syntax error: unexpected '}'"),
    ("jinja-syntax-in-file", "prompts/judge.md", 4, "Jinja2 syntax error: Unexpected end"),
    ("unknown-variable", "judge.yaml", 6, "did you mean 'assistant_message'?"),
    ("instructions-and-file", "judge.yaml", 12, "either 'instructions' or 'instructions_file'"),
    ("no-instructions", "judge.yaml", 1, "instructions missing"),
    ("instructions-empty", "judge.yaml", 4, "instructions: is empty"),
    ("instructions-file-missing", "judge.yaml", 4, "prompts/nowhere.md does not exist"),
    ("instructions-file-is-a-folder", "judge.yaml", 4, "prompts is a folder, not a regular"),
    ("instructions-file-escapes", "judge.yaml", 4, "'../../etc/passwd' leads outside"),
    ("instructions-file-absolute", "judge.yaml", 4, "must be relative to this file"),
    ("instructions-file-symlink", "judge.yaml", 4, "'prompts/leak.md' leads outside"),
    ("instructions-file-not-utf8", "prompts/judge.md", 1, "not UTF-8 (byte 0xc9)"),
    ("python-tag", "judge.yaml", 1, "the tag '!!python/object/apply:os.system' is not allowed"),
    ("custom-tag", "judge.yaml", 12, "the tag '!tools' is not allowed"),
    ("merge-key", "judge.yaml", 4, "merge keys ('<<') are not supported"),
    ("recursive-alias", "judge.yaml", 12, "an alias refers to its own anchor"),
    ("deep-nesting", "judge.yaml", 12, "nests deeper than"),
    ("billion-laughs", "judge.yaml", 1, "expands to more than 100000 values"),
]


@pytest.mark.parametrize(
    "case, file, line, message", BROKEN_CASES, ids=[case[0] for case in BROKEN_CASES]
)
def test_each_broken_spec_yields_a_problem_at_its_file_and_line(case, file, line, message):
    folder = BROKEN / case
    loaded = load_specs(folder, repo_root=folder)
    found = [
        (Path(problem.path).resolve(), problem.line)
        for problem in loaded.problems
        if message in problem.message
    ]
    assert found == [((folder / file).resolve(), line)], [str(p) for p in loaded.problems]
    assert loaded.specs == () or case in {"duplicate-names", "previous-name-taken"}


def test_the_broken_corpus_has_a_case_for_every_folder():
    folders = {path.name for path in BROKEN.iterdir() if path.is_dir()}
    assert folders == {case[0] for case in BROKEN_CASES}


def test_the_shipped_judges_validate_clean():
    loaded = load_specs(REPOSITORY / "judges")
    assert loaded.problems == ()
    names = [spec.definition.name for spec in loaded.specs]
    assert names == ["groundedness", "helpfulness", "pii-leak", "tone"]


def test_a_file_with_bom_and_crlf_loads_with_exact_text():
    folder = DATA / "good" / "bom-crlf"
    loaded = load_specs(folder, repo_root=folder)
    assert loaded.problems == ()
    [spec] = loaded.specs
    assert spec.definition.name == "bom-crlf"
    assert spec.definition.instructions == (
        "Rate the answer.\n{{ assistant_message }}\nNo final newline."
    )
    output = spec.definition.output
    assert isinstance(output, ClassificationOutput)
    assert output.options[0].description == "Good\nenough.\n"


def test_a_missing_directory_is_a_problem(in_tmp):
    loaded = load_specs(Path("nowhere"))
    assert [str(problem) for problem in loaded.problems] == [
        "nowhere: the spec directory does not exist;"
        " pass the folder that holds the judge YAML files"
    ]


def test_a_file_in_place_of_the_directory_is_a_problem(in_tmp):
    write(in_tmp / "judges", "not a folder")
    [problem] = load_specs(Path("judges")).problems
    assert "is not a directory" in problem.message


def test_an_empty_directory_holds_zero_specs_and_no_problems(in_tmp):
    (in_tmp / "judges").mkdir()
    assert load_specs(Path("judges")).specs == ()
    assert load_specs(Path("judges")).problems == ()


def test_problems_of_every_file_are_reported_in_one_run(in_tmp):
    write(in_tmp / "judges/a.yaml", spec_text("a").replace("description:", "descripton:", 1))
    write(in_tmp / "judges/b.yaml", spec_text("b").replace("mistral-small-latest", "''"))
    write(in_tmp / "judges/c.yaml", spec_text("c"))
    loaded = load_specs(Path("judges"))
    assert [(problem.path, problem.line) for problem in loaded.problems] == [
        ("judges/a.yaml", 2),
        ("judges/b.yaml", 3),
    ]
    assert [spec.definition.name for spec in loaded.specs] == ["c"]


def test_every_problem_of_one_file_is_reported(in_tmp):
    write(
        in_tmp / "judges/judge.yaml",
        "name: 7\ndescription: [a]\nmodel_name: m\ninstructions: '{{ usr_message }}'\n"
        "output: {type: REGRESSION, min: 3, max: 1, min_description: a, max_description: b}\n"
        "tools: [x, x]\ncolour: blue\n",
    )
    problems = load_specs(Path("judges")).problems
    assert [problem.line for problem in problems] == [1, 2, 4, 5, 6, 7]


def test_specs_are_found_recursively_in_yaml_and_yml_files_and_sorted_by_name(in_tmp):
    write(in_tmp / "judges/z/first.yml", spec_text("zeta"))
    write(in_tmp / "judges/alpha.yaml", spec_text("alpha"))
    write(in_tmp / "judges/notes.txt", "not a spec")
    write(in_tmp / "judges/prompts/readme.md", "not a spec either")
    loaded = load_specs(Path("judges"))
    assert loaded.problems == ()
    assert [(spec.definition.name, spec.path) for spec in loaded.specs] == [
        ("alpha", "judges/alpha.yaml"),
        ("zeta", os.path.join("judges", "z", "first.yml")),
    ]


def test_a_desired_judge_knows_its_file_line_and_previous_names(in_tmp):
    write(
        in_tmp / "judges/tone.yaml", "# comment\n" + spec_text("tone") + "previous_names: [voice]\n"
    )
    [spec] = load_specs(Path("judges")).specs
    assert (spec.path, spec.line, spec.previous_names) == ("judges/tone.yaml", 2, ("voice",))


def test_paths_outside_the_working_directory_are_shown_as_given(tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    write(tmp_path / "judges/bad.yaml", "name: [")
    [problem] = load_specs(tmp_path / "judges").problems
    assert problem.path == str(tmp_path / "judges/bad.yaml")


def test_text_values_are_kept_exactly_as_yaml_yields_them(in_tmp):
    body = "instructions: |\n  Rate {{ assistant_message }}.\n\n"
    write(in_tmp / "judges/keep.yaml", spec_text("keep", body).replace("A judge.", "'  padded '"))
    write(in_tmp / "judges/strip.yaml", spec_text("strip", body.replace("|", "|-")))
    keep, strip = load_specs(Path("judges")).specs
    assert keep.definition.instructions == "Rate {{ assistant_message }}.\n"
    assert keep.definition.description == "  padded "
    assert strip.definition.instructions == "Rate {{ assistant_message }}."


def test_regression_bounds_accept_ints_and_floats_and_store_floats(in_tmp):
    output = (
        "output: {type: REGRESSION, min: 0, max: 2.5, min_description: a, max_description: b}\n"
    )
    text = spec_text("score").replace(CLASSIFICATION, output)
    write(in_tmp / "judges/score.yaml", text)
    [spec] = load_specs(Path("judges")).specs
    assert isinstance(spec.definition.output, RegressionOutput)
    assert (spec.definition.output.min, spec.definition.output.max) == (0.0, 2.5)
    assert isinstance(spec.definition.output.min, float)


@pytest.mark.parametrize("value", ["yes", "true", "1", "1.5", "2024-01-01", "null"])
def test_yaml_values_that_are_not_text_are_never_coerced_to_text(in_tmp, value):
    write(in_tmp / "judges/judge.yaml", spec_text("judge").replace("A judge.", value))
    [problem] = load_specs(Path("judges")).problems
    assert problem.message.startswith("description: must be text, got ")


def test_tools_default_to_an_empty_list(in_tmp):
    write(in_tmp / "judges/judge.yaml", spec_text())
    [spec] = load_specs(Path("judges")).specs
    assert spec.definition.tools == []


def test_a_misspelt_key_suggests_the_field_and_hides_its_missing_error(in_tmp):
    write(in_tmp / "judges/judge.yaml", spec_text().replace("model_name", "modelname"))
    assert [str(problem) for problem in load_specs(Path("judges")).problems] == [
        "judges/judge.yaml:3: unknown key 'modelname'; did you mean 'model_name'?"
    ]


def test_an_unknown_key_without_a_close_match_lists_the_allowed_keys(in_tmp):
    write(in_tmp / "judges/judge.yaml", spec_text() + "colour: blue\n")
    [problem] = load_specs(Path("judges")).problems
    assert problem.message.startswith("unknown key 'colour'; allowed keys: name, description")


def test_an_unknown_template_variable_lists_the_allowed_ones(in_tmp):
    write(in_tmp / "judges/judge.yaml", spec_text(body="instructions: '{{ verdict }}'\n"))
    [problem] = load_specs(Path("judges")).problems
    assert problem.line == 4
    assert "'verdict'" in problem.message
    assert "conversation_history" in problem.message
    assert "properties.*" in problem.message


@pytest.mark.parametrize(
    ("origin", "line", "expected"),
    [
        (TextOrigin("p.md", 1), 3, Problem("p.md", "bad", 3)),
        (TextOrigin("s.yaml", 5), 3, Problem("s.yaml", "instructions: bad", 7)),
        (TextOrigin("s.yaml", 5), None, Problem("s.yaml", "instructions: bad", 5)),
        (None, 2, Problem("s.yaml", "instructions (template line 2): bad", 4)),
        (None, None, Problem("s.yaml", "instructions: bad", 4)),
    ],
    ids=["prompt-file", "inline", "inline-line-unknown", "no-origin", "no-origin-no-line"],
)
def test_a_template_problem_is_placed_where_the_instructions_are(origin, line, expected):
    assert instructions_problem("bad", line, origin, "s.yaml", 4) == expected


def test_properties_and_loop_variables_are_allowed_in_templates(in_tmp):
    body = (
        "instructions: |\n  {{ properties.locale }}\n"
        "  {% for m in conversation_history %}{{ m.content }} {{ loop.index }}{% endfor %}\n"
    )
    write(in_tmp / "judges/judge.yaml", spec_text(body=body))
    assert load_specs(Path("judges")).problems == ()


def test_a_template_error_in_folded_text_names_the_template_line(in_tmp):
    body = 'instructions: "line one\\n{{ user_message }\\n"\n'
    write(in_tmp / "judges/judge.yaml", spec_text(body=body))
    [problem] = load_specs(Path("judges")).problems
    assert problem.line == 4
    assert problem.message.startswith("instructions (template line 2): Jinja2 syntax error")


def test_instructions_file_is_read_exactly_relative_to_the_spec(in_tmp):
    write(in_tmp / "judges/nested/judge.yaml", spec_text(body="instructions_file: ../p/j.md\n"))
    (in_tmp / "judges/p").mkdir()
    (in_tmp / "judges/p/j.md").write_bytes(b"\xef\xbb\xbf  Rate\r\n{{ user_message }}  \r\n\r\n")
    [spec] = load_specs(Path("judges")).specs
    assert spec.definition.instructions == "  Rate\n{{ user_message }}  \n\n"


def test_instructions_file_may_leave_the_spec_folder_but_not_the_repository(in_tmp):
    write(in_tmp / "prompts/shared.md", "{{ user_message }}")
    write(in_tmp / "judges/judge.yaml", spec_text(body="instructions_file: ../prompts/shared.md\n"))
    assert load_specs(Path("judges")).problems == ()
    [problem] = load_specs(Path("judges"), repo_root=in_tmp / "judges").problems
    assert "leads outside the repository" in problem.message


def test_the_repository_root_defaults_to_the_nearest_folder_holding_git(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    repository = tmp_path / "repository"
    (repository / ".git").mkdir(parents=True)
    write(tmp_path / "outside.md", "{{ user_message }}")
    write(repository / "inside.md", "{{ user_message }}")
    write(repository / "judges/in.yaml", spec_text("in", "instructions_file: ../inside.md\n"))
    write(repository / "judges/out.yaml", spec_text("out", "instructions_file: ../../outside.md\n"))
    loaded = load_specs(repository / "judges")
    assert [spec.definition.name for spec in loaded.specs] == ["in"]
    [problem] = loaded.problems
    assert problem.path == os.path.join("repository", "judges", "out.yaml")
    assert problem.message == (
        f"instructions_file: '../../outside.md' leads outside the repository"
        f" ({repository.resolve()}); keep prompts inside it"
    )


@pytest.mark.parametrize("cwd", [".", "specs", "specs/nested"])
def test_outside_git_prompts_must_stay_in_the_spec_directory_from_any_working_directory(
    tmp_path, monkeypatch, cwd
):
    write(tmp_path / "above.md", "{{ user_message }}")
    write(tmp_path / "specs/inside.md", "{{ user_message }} {{ answer_type_definition }}")
    write(tmp_path / "specs/nested/in.yaml", spec_text("in", "instructions_file: ../inside.md\n"))
    write(tmp_path / "specs/out.yaml", spec_text("out", "instructions_file: ../above.md\n"))
    monkeypatch.chdir(tmp_path / cwd)
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "specs")])
    assert result.exit_code == 1
    [problem, total] = result.stderr.splitlines()
    shown, message = problem.split(":4: ")
    assert Path(shown).resolve() == (tmp_path / "specs/out.yaml").resolve()
    assert message == (
        f"instructions_file: '../above.md' leads outside the repository"
        f" ({(tmp_path / 'specs').resolve()}); keep prompts inside it"
    )
    assert total == "1 problem(s) found."


@pytest.mark.parametrize("cwd", [".", "specs"])
def test_in_git_prompts_may_be_anywhere_in_the_repository_from_any_working_directory(
    tmp_path, monkeypatch, cwd
):
    (tmp_path / ".git").mkdir()
    write(tmp_path / "above.md", "{{ user_message }} {{ answer_type_definition }}")
    write(tmp_path / "specs/out.yaml", spec_text("out", "instructions_file: ../above.md\n"))
    monkeypatch.chdir(tmp_path / cwd)
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "specs")])
    assert (result.exit_code, result.stdout) == (0, "1 judge spec(s) valid.\n")


def test_a_prompt_shared_by_two_specs_reports_its_problem_once(in_tmp):
    write(in_tmp / "judges/p.md", "{% if %}")
    write(in_tmp / "judges/a.yaml", spec_text("a", "instructions_file: p.md\n"))
    write(in_tmp / "judges/b.yaml", spec_text("b", "instructions_file: p.md\n"))
    loaded = load_specs(Path("judges"))
    assert [problem.path for problem in loaded.problems] == ["judges/p.md"]
    assert loaded.specs == ()


def test_an_empty_instructions_file_is_a_problem(in_tmp):
    write(in_tmp / "judges/p.md", "\n")
    write(in_tmp / "judges/a.yaml", spec_text("a", "instructions_file: p.md\n"))
    assert [str(problem) for problem in load_specs(Path("judges")).problems] == [
        "judges/p.md: the instructions file is empty"
    ]


def test_a_file_over_the_size_limit_is_refused_without_parsing(in_tmp):
    write(in_tmp / "judges/big.yaml", "# " + "x" * MAX_FILE_BYTES + "\n")
    [problem] = load_specs(Path("judges")).problems
    assert problem.message.startswith("the file is larger than 1 MiB")


def test_a_name_used_twice_makes_the_later_file_invalid_and_names_both(in_tmp):
    write(in_tmp / "judges/a.yaml", spec_text("tone"))
    write(in_tmp / "judges/b.yaml", spec_text("tone"))
    loaded = load_specs(Path("judges"))
    [problem] = loaded.problems
    assert problem.path == "judges/b.yaml"
    assert "judges/a.yaml:1" in problem.message
    assert [spec.path for spec in loaded.specs] == ["judges/a.yaml"]


def test_a_bad_template_repeated_in_many_files_is_reported_in_each(in_tmp):
    for index in range(3):
        write(in_tmp / f"judges/j{index}.yaml", spec_text(f"j{index}", "instructions: '{{ x }}'\n"))
    problems = load_specs(Path("judges")).problems
    assert [problem.path for problem in problems] == [f"judges/j{index}.yaml" for index in range(3)]


spec_keys = st.sampled_from(
    [
        "name",
        "description",
        "model_name",
        "instructions",
        "instructions_file",
        "output",
        "tools",
        "previous_names",
        "type",
        "options",
        "value",
        "min",
        "max",
        "min_description",
        "other",
    ]
)
spec_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=8)
    | st.sampled_from(["CLASSIFICATION", "REGRESSION", "{{ x", "../x", "/etc/passwd", "."]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(spec_keys, children, max_size=6)
    ),
    max_leaves=15,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.dictionaries(spec_keys, spec_values, max_size=9) | spec_values)
def test_no_spec_content_makes_loading_raise(in_tmp, data):
    write(in_tmp / "judges/fuzz.yaml", yamlio.dump(data))
    loaded = load_specs(Path("judges"))
    # One file: either a judge or the reasons it is not one.
    assert len(loaded.specs) + bool(loaded.problems) == 1


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=200))
def test_no_bytes_make_loading_raise(in_tmp, content):
    (in_tmp / "judges").mkdir(exist_ok=True)
    (in_tmp / "judges/fuzz.yaml").write_bytes(content)
    loaded = load_specs(Path("judges"))
    assert loaded.specs == ()
    assert loaded.problems


template_pieces = st.sampled_from(
    [
        "{{ ",
        " }}",
        "{% for m in conversation_history %}",
        "{% endfor %}",
        "{% set v = 1 %}",
        "{% if ",
        " %}",
        "{% endif %}",
        "user_message",
        "v",
        "m.content",
        "loop.index",
        "usr",
        "properties.locale",
        "text ",
        "\n",
        "{# c #}",
        "range(2)",
        # Pieces of the simple-print fast path and its near misses.
        "{{-",
        "-}}",
        "{{user_message}}",
        "{{ assistant_message }}",
        "properties.in",
        "properties.x.y",
        "system_prompt.",
        "true",
        "{",
        "}",
        "}}",
        " ",
    ]
)


@settings(max_examples=1000, deadline=None)
@given(st.lists(template_pieces, max_size=12).map("".join))
def test_the_single_parse_template_check_agrees_with_the_separate_helpers(source):
    check = templates.check(source)
    assert check.syntax == templates.syntax_problem(source)
    if check.syntax is None:
        assert list(check.unknown_variables) == sorted(
            templates.read_variables(source) - templates.PLATFORM_VARIABLES
        )


def test_the_spec_examples_in_the_docs_are_valid(in_tmp):
    docs = (REPOSITORY / "docs" / "specs.md").read_text(encoding="utf-8")
    examples = re.findall(r"```yaml\n(.*?)```", docs, re.DOTALL)
    specs = [example for example in examples if example.startswith("name:")]
    assert len(specs) == 2
    for index, example in enumerate(specs):
        write(in_tmp / f"judges/example{index}.yaml", example)
    write(in_tmp / "judges/prompts/helpfulness.md", "{{ assistant_message }}\n")
    loaded = load_specs(Path("judges"))
    assert loaded.problems == ()
    assert len(loaded.specs) == 2


def test_a_prompt_reached_through_dot_dot_is_shown_by_its_plain_path(in_tmp):
    write(in_tmp / "judges/p/j.md", "{{ nope }}")
    write(in_tmp / "judges/nested/judge.yaml", spec_text(body="instructions_file: ../p/j.md\n"))
    [problem] = load_specs(Path("judges")).problems
    assert (problem.path, problem.line) == (os.path.join("judges", "p", "j.md"), 1)


def mixed_repository(root: Path, files: int) -> None:
    """A git repository of `files` spec files with many kinds of trouble: broken
    files, one name in two far-apart files, a shared prompt, a broken prompt
    reached directly and through a symlinked folder."""
    (root / ".git").mkdir()
    write(root / "prompts" / "shared.md", "Judge {{ assistant_message }}.\n")
    (root / "prompts" / "latin1.md").write_bytes(b"caf\xe9 {{ assistant_message }}\n")
    (root / "aliases").symlink_to(root / "prompts")
    for index in range(files):
        body = 'instructions: "{{ assistant_message }}"\n'
        if index % 7 == 0:
            body = "instructions_file: ../prompts/shared.md\n"
        if index % 11 == 2:
            body = "instructions_file: ../prompts/latin1.md\n"
        if index % 11 == 8:
            body = "instructions_file: ../aliases/latin1.md\n"
        text = spec_text(f"judge-{index:04d}", body)
        if index % 13 == 5:
            text = text.replace("description:", "descripton:")
        if index % 17 == 3:
            text = "name: [unclosed\n"
        write(root / "judges" / f"judge-{index:04d}.yaml", text)
    write(root / "judges" / "judge-9999-twin.yaml", spec_text("judge-0001"))


def test_validate_prints_every_problem_the_loader_finds(tmp_path, monkeypatch):
    mixed_repository(tmp_path, 60)
    script = shutil.which("judgesync") or str(Path(sys.executable).with_name("judgesync"))
    result = subprocess.run(
        [script, "validate", "judges"], capture_output=True, text=True, cwd=tmp_path
    )
    monkeypatch.chdir(tmp_path)
    expected = [str(problem) for problem in load_specs(Path("judges")).problems]
    assert len(expected) > 5
    assert result.returncode == 1
    # Instruction warnings (specs/lint.py) follow the problems; they are tested elsewhere.
    printed = [line for line in result.stderr.splitlines() if ": warning: " not in line]
    assert printed[:-1] == expected
    assert "Traceback" not in result.stderr


def test_pending_texts_are_read_in_place_of_the_files_and_new_ones_are_found(tmp_path):
    folder = tmp_path / "judges"
    (folder / "prompts").mkdir(parents=True)
    (folder / "prompts" / "tone.md").write_text("On disk {{ user_message }}\n")
    spec = yamlio.dump(
        {
            "name": "tone",
            "description": "d",
            "model_name": "m",
            "instructions_file": "../prompts/tone.md",
            "output": {"type": "CLASSIFICATION", "options": [{"value": "a", "description": "b"}]},
        }
    )
    pending = {
        folder / "sub" / "tone.yaml": spec,
        folder / "prompts" / "tone.md": "Pending {{ user_message }}\n",
    }

    loaded = load_specs(folder, repo_root=tmp_path, pending=pending)

    assert loaded.problems == ()
    [judge] = loaded.specs
    assert judge.path.endswith("sub/tone.yaml")
    assert judge.definition.instructions == "Pending {{ user_message }}\n"
    assert not (folder / "sub").exists()


def test_a_folder_about_to_be_made_holds_only_its_pending_files(tmp_path):
    folder = tmp_path / "new"
    loaded = load_specs(folder, repo_root=tmp_path, pending={folder / "x.yaml": "name: [\n"})
    [problem] = loaded.problems
    assert problem.message.startswith("invalid YAML")
    assert not folder.exists()


def test_a_yaml_problem_in_a_spec_hides_neither_its_schema_problems_nor_the_spec(in_tmp):
    write(
        in_tmp / "judges" / "a.yaml",
        "name: x\nname: y\ndescripton: d\nmodel_name: !!binary aGk=\n",
    )
    loaded = load_specs(in_tmp / "judges")
    assert loaded.specs == ()
    assert [(p.line, p.message.split(";")[0]) for p in loaded.problems] == [
        (1, "output: field required"),
        (
            1,
            "instructions missing: add 'instructions' (the template text) or 'instructions_file'"
            " (its path, relative to this file)",
        ),
        (2, "duplicate key 'name' (lines 1 and 2)"),
        (3, "unknown key 'descripton'"),
        (4, "the tag '!!binary' is not allowed"),
    ]
