"""`--format github`: no text from specs or the remote reaches a step's log as a
workflow command, read by the runner's own rules (tests/runner_commands.py);
judgesync's own annotations stay commands."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from judgesync.render import as_github
from judgesync.render.as_github import BREAK, neutralise
from tests.processes import hermetic_env, start_cli
from tests.runner_commands import commands

HOSTILE_LINES = [
    "##[set-output name=comment]/etc/passwd",
    "::set-output name=comment::/etc/passwd",
    "::add-mask::x",
    "::stop-commands::tok",
    "  ::warning::indented",
    "text then ##[error]anywhere",
    "\u200b::set-output name=zw::after a zero-width space",
    ":\u200d:set-output name=zwj::a joiner between the colons",
    "#\u200b#[set-output name=zw]inside the prefix",
    "###[debug]three hashes",
]
HOSTILE_INSTRUCTIONS = "{{ user_message }}\n" + "\n".join(HOSTILE_LINES) + "\n"


def test_the_parser_finds_every_hostile_line_as_a_command():
    # Else the checks below could pass for want of a parser that sees anything.
    found = commands("\n".join(HOSTILE_LINES))
    assert [command.line for command in found] == HOSTILE_LINES


def test_neutralised_hostile_lines_are_no_commands_and_read_the_same():
    text = "\n".join(HOSTILE_LINES)
    safe = neutralise(text)
    assert commands(safe) == []
    assert safe.replace(BREAK, "") == text


# Pieces of commands, separators and characters collation may skip, in any order.
PIECES = ["##[", "::", "#", ":", "[", "]", "a", " ", "\n", "\t", "\u200b", "\u200d", "\u00ad"]
texts = st.lists(st.sampled_from([*PIECES, "\u0301", "\u200a", "%"]), max_size=20).map("".join)


@given(texts)
def test_no_text_is_a_command_once_neutralised(text):
    assert commands(neutralise(text)) == []


@given(texts)
def test_neutralising_changes_nothing_but_breaks_and_is_idempotent(text):
    safe = neutralise(text)
    assert safe.replace(BREAK, "") == text.replace(BREAK, "")
    assert neutralise(safe) == safe


@given(st.text(max_size=30), st.text(max_size=30))
def test_an_annotation_stays_exactly_one_command_of_its_own(message, path):
    line = as_github.command("error", message, {"file": path, "line": 3})
    (found,) = commands(line)
    assert (found.name, found.properties.get("line")) == ("error", "3")


# Through the real CLI, against the emulator as a real server.


def hostile_spec(name: str = "hostile", instructions: str = HOSTILE_INSTRUCTIONS) -> str:
    escaped = instructions.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return (
        f"name: {name}\n"
        'description: "##[warning]d"\n'
        "model_name: mistral-small-latest\n"
        f'instructions: "{escaped}"\n'
        "output: {type: CLASSIFICATION, options: [{value: a, description: b},"
        ' {value: c, description: "::set-output name=option::x"}]}\n'
    )


HOSTILE_CASES = (
    "judge: hostile\n"
    "cases:\n"
    '  - id: "##[set-output name=comment]case"\n'
    "    messages:\n"
    '      - {role: user, content: "::add-mask::x"}\n'
    "      - {role: assistant, content: ok}\n"
    "    expect: c\n"  # the emulator answers a: the case fails and is named
    "    must_pass: true\n"
)


@pytest.fixture
def hostile(workdir):
    for path in (workdir / "judges").iterdir():
        if path.is_file():
            path.unlink()
    (workdir / "judges" / "hostile.yaml").write_text(hostile_spec())
    (workdir / "judges" / "hostile.cases.yaml").write_text(HOSTILE_CASES)
    return workdir


def only_own_annotations(output: str) -> None:
    """Every command in `output` is an annotation judgesync made: error or warning."""
    for command in commands(output):
        assert command.name in ("error", "warning"), command.line
        assert set(command.properties) <= {"file", "line"}, command.line


def test_plan_apply_show_and_test_print_no_command_from_judge_text(hostile, run, remote):
    outputs = {
        "validate": run("validate", "--format", "github"),
        "plan": run("plan", "--format", "github", "--diff", "full", "--out", "plan.json"),
        "show": run("show", "plan.json", "--format", "github", "--diff", "full"),
        "apply": run("apply", "--format", "github", "--auto-approve", "--diff", "full"),
        "test": run("test", "--format", "github"),
    }
    for command, result in outputs.items():
        assert result.exit_code in (0, 1), (command, result.output)
        only_own_annotations(result.output)
    # The text is all there for a reader, the breaks aside.
    shown = outputs["plan"].output.replace(BREAK, "")
    assert "##[set-output name=comment]/etc/passwd" in shown
    assert "::stop-commands::tok" in shown
    assert "##[set-output name=comment]case" in outputs["test"].output.replace(BREAK, "")
    assert [judge.name for judge in remote.list_judges()] == ["hostile"]


def test_a_remote_judge_carrying_commands_is_shown_as_drift_without_any(hostile, run, remote):
    assert run("apply", "--auto-approve").exit_code == 0
    (judge,) = remote.list_judges()
    drifted = judge.definition.model_copy(
        update={"instructions": HOSTILE_INSTRUCTIONS + "::set-output name=drift::remote\n"}
    )
    remote.update_judge(judge.id, drifted)
    result = run("plan", "--format", "github", "--detailed-exitcode")
    assert result.exit_code == 2, result.output
    only_own_annotations(result.output)
    assert "set-output name=drift::remote" in result.output.replace(BREAK, "")


def test_problems_and_errors_print_no_command_from_judge_text(hostile, run):
    (hostile / "judges" / "bad.yaml").write_text(
        hostile_spec("bad") + '"::set-output name=key::x": 1\n'
    )
    for args in (["validate", "--format", "github"], ["plan", "--format", "github"]):
        result = run(*args)
        assert result.exit_code == 1
        only_own_annotations(result.output)
        assert any(c.name == "error" for c in commands(result.output)), result.output
    (hostile / "judges" / "bad.yaml").unlink()
    refused = run("plan", "--format", "github", "--only", "##[set-output name=comment]x")
    assert refused.exit_code == 1
    only_own_annotations(refused.output)
    assert [c.name for c in commands(refused.output)] == ["error"]


def test_the_installed_cli_in_its_own_process_prints_no_hostile_command(tmp_path):
    # The lead's shell check, as a real process: stdout and stderr together.
    (tmp_path / "judges").mkdir()
    (tmp_path / "judges" / "h.yaml").write_text(
        'name: hostile\ndescription: "##[warning]d"\nmodel_name: m\n'
        'instructions: "{{ user_message }}\\n##[set-output name=comment]/etc/passwd\\n'
        '::set-output name=comment::/etc/passwd\\n"\n'
        "output: {type: CLASSIFICATION, options: [{value: a, description: b}]}\n"
    )
    args = ("plan", "--api-url", "local", "--format", "github", "--diff", "full", "judges")
    process = start_cli(*args, cwd=tmp_path, env=hermetic_env())
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    log = stdout + stderr
    assert "##[" not in log
    assert not re.search(r"(?m)^\s*::set-output", log)
    assert commands(log) == []
