"""What a plan reads (specs/inputs.py): `validate --print-inputs` lists it, and a
saved plan hashes exactly it, so that files no plan reads never refuse an apply."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml
from click.testing import CliRunner

from judgesync.cli import cli
from judgesync.specs.yamlio import dump


def print_inputs(*args: str):
    return CliRunner().invoke(cli, ["validate", "--print-inputs", *args])


def test_the_shipped_judges_read_only_their_own_directory(workdir):
    result = print_inputs()
    assert result.exit_code == 0, result.output
    assert result.stdout == "judges/\n"


@pytest.fixture
def custom_layout(workdir):
    """judgesync.yaml pointing at config/judges, one prompt outside it and one inside."""
    (workdir / "config").mkdir()
    shutil.move(workdir / "judges", workdir / "config" / "judges")
    (workdir / "judgesync.yaml").write_text("specs: config/judges\n")
    (workdir / "prompts").mkdir()
    (workdir / "prompts" / "tone.md").write_text("{{ user_message }}\n{{ assistant_message }}\n")
    spec = workdir / "config" / "judges" / "tone.yaml"
    data = yaml.safe_load(spec.read_text())
    del data["instructions"]
    spec.write_text(dump({**data, "instructions_file": "../../prompts/tone.md"}))
    (workdir / "prompts" / "unread.md").write_text("no spec reads this\n")
    return workdir


def test_the_spec_directory_judgesync_yaml_and_outside_prompts_are_listed(custom_layout):
    assert CliRunner().invoke(cli, ["validate"]).exit_code == 0
    result = print_inputs()
    assert result.exit_code == 0, result.output
    assert result.stdout == "config/judges/\njudgesync.yaml\nprompts/tone.md\n"
    assert result.stderr == ""


def test_paths_are_relative_to_the_working_directory(custom_layout, monkeypatch):
    monkeypatch.chdir(custom_layout / "config")
    result = print_inputs()
    assert result.exit_code == 0, result.output
    assert result.stdout == "judges/\n../judgesync.yaml\n../prompts/tone.md\n"


def test_the_spec_directory_given_is_the_working_directory(workdir, monkeypatch):
    monkeypatch.chdir(workdir / "judges")
    assert print_inputs(".").stdout == "./\n"


def test_invalid_specs_still_list_what_can_be_found(custom_layout):
    spec = custom_layout / "config" / "judges" / "tone.yaml"
    spec.write_text(spec.read_text() + "descripton: typo\n")
    (custom_layout / "config" / "judges" / "broken.yaml").write_text("name: [unclosed\n")
    result = print_inputs()
    assert result.exit_code == 0, result.output
    assert result.stdout == "config/judges/\njudgesync.yaml\nprompts/tone.md\n"


def test_an_invalid_judgesync_yaml_is_an_error_since_the_spec_directory_is_unknown(workdir):
    (workdir / "judgesync.yaml").write_text("specs: [judges\n")
    result = print_inputs()
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("judgesync.yaml:2: invalid YAML")


@pytest.mark.parametrize("flag", [["--strict"], ["--format", "github"]])
def test_print_inputs_refuses_the_flags_of_a_check(workdir, flag):
    result = print_inputs(*flag)
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: --print-inputs checks nothing; drop --strict and --format.\n"
    )


def git(root, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)


def test_git_diff_over_the_inputs_sees_a_prompt_outside_but_not_an_unread_file(custom_layout):
    shutil.rmtree(custom_layout / ".git")
    assert git(custom_layout, "init", "-q").returncode == 0
    ident = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    git(custom_layout, "add", "-A")
    assert git(custom_layout, *ident, "commit", "-qm", "base").returncode == 0
    paths = print_inputs().stdout.split()

    (custom_layout / "prompts" / "unread.md").write_text("edited\n")
    git(custom_layout, *ident, "commit", "-qam", "unread")
    assert git(custom_layout, "diff", "--quiet", "HEAD~1", "HEAD", "--", *paths).returncode == 0

    (custom_layout / "prompts" / "tone.md").write_text("{{ user_message }}\n")
    git(custom_layout, *ident, "commit", "-qam", "prompt")
    assert git(custom_layout, "diff", "--quiet", "HEAD~1", "HEAD", "--", *paths).returncode == 1


# A saved plan hashes exactly these files.


def test_a_plan_saved_inside_the_spec_directory_applies(workdir, run, remote):
    assert run("plan", "--out", "judges/plan.json").exit_code == 0
    result = run("apply", "--plan", "judges/plan.json", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert len(remote.list_judges()) == 4


def test_editing_a_cases_file_or_another_file_after_planning_does_not_refuse_the_apply(
    workdir, run, remote
):
    assert run("plan", "--out", "plan.json").exit_code == 0
    cases = workdir / "judges" / "tone.cases.yaml"
    cases.write_text(cases.read_text() + "# reviewed later\n")
    (workdir / "judges" / "README.md").write_text("notes beside the specs\n")
    (workdir / "judges" / "prompts" / "unused.md").write_text("no spec reads this\n")
    result = run("apply", "--plan", "plan.json", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert len(remote.list_judges()) == 4


def test_a_prompt_read_inside_the_spec_directory_is_still_checked(workdir, run, remote):
    assert run("plan", "--out", "plan.json").exit_code == 0
    (workdir / "judges" / "prompts" / "groundedness.md").write_text("{{ user_message }}\n")
    result = run("apply", "--plan", "plan.json", "--auto-approve")
    assert result.exit_code == 1
    assert "  judges/prompts/groundedness.md: changed since the plan\n" in result.output
    assert remote.list_judges() == []


def test_a_spec_added_in_a_subfolder_after_planning_refuses_the_apply(workdir, run, remote):
    assert run("plan", "--out", "plan.json").exit_code == 0
    (workdir / "judges" / "team").mkdir()
    shutil.copy(workdir / "judges" / "tone.yaml", workdir / "judges" / "team" / "tone2.yml")
    result = run("apply", "--plan", "plan.json", "--auto-approve")
    assert result.exit_code == 1
    assert "  judges/team/tone2.yml: added since the plan\n" in result.output
    assert remote.list_judges() == []
