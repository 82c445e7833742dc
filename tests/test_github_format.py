"""`--format github` through the real CLI against the emulator: what a workflow step reads.

validate prints annotations on stdout and the plain problems on stderr; plan,
apply and show print the markdown on stdout, and the error boundary adds an
annotation for each error on stderr after the usual lines.
"""

from __future__ import annotations

import json

import pytest

from judgesync.render import as_github
from tests.builders import definition


@pytest.fixture
def broken(workdir):
    (workdir / "judges" / "bad.yaml").write_text("name: bad\ndescripton: x\n", encoding="utf-8")
    return workdir


BAD_PROBLEMS = [
    ("judges/bad.yaml", 1, "model_name: field required; add 'model_name:'"),
    ("judges/bad.yaml", 1, "output: field required; add 'output:'"),
    (
        "judges/bad.yaml",
        1,
        "instructions missing: add 'instructions' (the template text) or"
        " 'instructions_file' (its path, relative to this file)",
    ),
    ("judges/bad.yaml", 2, "unknown key 'descripton'; did you mean 'description'?"),
]
PLAIN = "".join(f"{path}:{line}: {message}\n" for path, line, message in BAD_PROBLEMS)
ANNOTATIONS = "".join(
    f"::error file={path},line={line}::{message}\n" for path, line, message in BAD_PROBLEMS
)


def test_validate_github_annotates_on_stderr_after_the_plain_lines(broken, run):
    """Annotations go to stderr for every command: stdout holds only the document."""
    result = run("validate", "--format", "github")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == PLAIN + "4 problem(s) found.\n" + ANNOTATIONS


def test_validate_text_prints_no_annotation(broken, run):
    result = run("validate")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == PLAIN + "4 problem(s) found.\n"


def test_validate_github_of_valid_specs_prints_no_annotation(workdir, run):
    result = run("validate", "--format", "github")
    assert result.exit_code == 0
    assert result.stdout == "4 judge spec(s) valid.\n"


def test_validate_github_annotates_a_broken_config_on_stderr(workdir, run):
    (workdir / "judgesync.yaml").write_text("prun: true\n", encoding="utf-8")
    result = run("validate", "--format", "github")
    assert result.exit_code == 1
    assert result.stdout == ""
    (problem,) = [line for line in result.stderr.splitlines() if line.startswith("::")]
    assert problem.startswith("::error file=judgesync.yaml,line=1::unknown key 'prun'")
    assert result.stderr.startswith("judgesync.yaml:1: unknown key 'prun'")


@pytest.mark.parametrize("command", ["plan", "show"])
def test_github_output_is_exactly_the_markdown(workdir, run, command):
    assert run("plan", "--out", "plan.json").exit_code == 0
    args = ["show", "plan.json"] if command == "show" else ["plan"]
    markdown = run(*args, "--format", "markdown")
    github = run(*args, "--format", "github")
    assert github.exit_code == markdown.exit_code == 0
    assert "Plan: 4 to create" in github.stdout
    assert github.stdout == markdown.stdout
    assert "::" not in github.stderr


def test_apply_github_reports_in_markdown(workdir, run):
    result = run("apply", "--auto-approve", "--format", "github")
    assert result.exit_code == 0, result.output
    assert "**Apply: 4 done, 0 failed.**\n" in result.stdout
    assert result.stderr == ""


def test_plan_github_annotates_invalid_specs_after_the_usual_lines(broken, run, remote):
    result = run("plan", "--format", "github")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        PLAIN + "4 problem(s) in the spec files; nothing was sent to the API.\n" + ANNOTATIONS
    )
    assert remote.list_judges() == []


def test_plan_github_annotates_an_error_after_its_error_line(workdir, run):
    result = run("plan", "--format", "github", "--api-url", "ftp://nowhere")
    message = (
        "The API URL 'ftp://nowhere' does not start with http:// or https://. Pass --api-url"
        " https://api.mistral.ai, a running emulator's URL, or local."
    )
    assert result.exit_code == 1
    assert result.stderr == f"Error: {message}\n::error::{message}\n"


def test_plan_text_annotates_nothing(workdir, run):
    result = run("plan", "--api-url", "ftp://nowhere")
    assert result.exit_code == 1
    assert "::" not in result.output


def test_a_refused_saved_plan_is_one_annotation_of_every_line(workdir, run, remote):
    assert run("plan", "--out", "plan.json").exit_code == 0
    remote.create_judge(definition("tone"))
    result = run("apply", "--plan", "plan.json", "--auto-approve", "--format", "github")
    assert result.exit_code == 1
    error, annotation = result.stderr.split("\n::error::")
    assert error.startswith("Error: The saved plan is stale; nothing was changed.\n  tone: ")
    assert annotation == as_github.render_error(error.removeprefix("Error: "))[len("::error::") :]
    assert "%0A  tone: a judge with this name was created since the plan" in annotation
    assert len(remote.list_judges()) == 1


def test_plan_github_warns_of_too_many_deletions_as_an_annotation_too(workdir, run, remote):
    assert run("apply", "--auto-approve").exit_code == 0
    (workdir / "judgesync.yaml").write_text("max_deletes: 1\n", encoding="utf-8")
    for name in ("old-a", "old-b"):
        remote.create_judge(definition(name))
    result = run("plan", "--prune", "--format", "github", "--out", "plan.json")
    warning = (
        "Warning: apply will refuse this plan: it deletes 2 judges, more than max_deletes (1),"
        " unless --allow-mass-delete is given."
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == f"{warning}\n::warning::{warning}\n"
    assert len(json.loads((workdir / "plan.json").read_text())["actions"]) == 2
