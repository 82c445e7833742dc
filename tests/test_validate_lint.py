"""`validate` warns about instructions (specs/lint.py) through the real CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from judgesync.cli import cli

CORPUS = Path(__file__).parent / "data" / "lint" / "judges"

WARNINGS = [
    "judges/prompts/labelled.md:1: warning: the option 'rude' is never named and"
    " {{ answer_type_definition }} is not used, so the model may never answer it; name it or"
    " add {{ answer_type_definition }}",
    "judges/prompts/labelled.md:1: warning: the cases set properties.channel, which the"
    " instructions never read; fix the spelling on either side, or remove it from the cases",
    "judges/scored.yaml:5: warning: instructions: neither {{ answer_type_definition }} nor the"
    " range (1..5) appears, so the model is not told how to score; add"
    " {{ answer_type_definition }}",
    "judges/scored.yaml:8: warning: instructions: 'score of 7' lies outside the judge's range"
    " 1..5: the model may score on another scale; use numbers inside the range",
]


@pytest.fixture
def corpus(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    shutil.copytree(CORPUS, tmp_path / "judges")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "judges"


def validate(*args: str):
    return CliRunner().invoke(cli, ["validate", *args])


def test_warnings_point_at_their_line_and_alone_exit_0(corpus):
    result = validate()
    assert result.exit_code == 0
    assert result.stderr.splitlines() == WARNINGS
    assert result.stdout == "3 judge spec(s) valid, with 4 warning(s).\n"


def test_strict_makes_warnings_errors(corpus):
    result = validate("--strict")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        *WARNINGS,
        "4 warning(s) found; --strict treats them as errors.",
    ]
    assert result.stdout == ""


def test_a_problem_in_a_cases_file_is_an_error(corpus):
    cases = corpus / "labelled.cases.yaml"
    cases.write_text(cases.read_text().replace("expect: polite", "expect: polit"))
    result = validate()
    assert result.exit_code == 1
    [problem] = [line for line in result.stderr.splitlines() if ": warning: " not in line][:-1]
    assert problem.startswith("judges/labelled.cases.yaml:8: cases[0].expect: ")
    assert "did you mean 'polite'?" in problem
    # A file with a problem contributes no case: the channel warning goes with it.
    assert result.stderr.splitlines()[-1] == "1 problem(s) and 3 warning(s) found."


def test_sound_instructions_get_no_warning(corpus):
    for name in ("scored.yaml", "labelled.yaml", "labelled.cases.yaml"):
        (corpus / name).unlink()
    result = validate("--strict")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "1 judge spec(s) valid.\n"


def test_plan_neither_lints_nor_reads_cases_files(corpus, emulator, api_key, monkeypatch):
    monkeypatch.setenv("MISTRAL_API_KEY", api_key)
    (corpus / "labelled.cases.yaml").write_text("judge: nobody\ncases: []\n")
    assert validate().exit_code == 1
    result = CliRunner().invoke(cli, ["plan", "--api-url", emulator.url])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout.endswith("Plan: 3 to create, 0 to update, 0 to delete.\n")
