"""The GitHub workflows and the pre-commit hook.

actionlint (with shellcheck for the `run:` scripts) must pass on every
workflow, and must really run: a broken workflow is rejected. The scripts of
the judges-* workflows' steps then run under bash, as on a runner, against the
embedded emulator (`JUDGESYNC_API_URL=local`), with GitHub's output and summary
files stood in by temporary files.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from judgesync.cli import cli
from judgesync.render import as_markdown

ROOT = Path(__file__).parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    """A tool installed by the test extras, in this interpreter's bin directory first."""
    found = shutil.which(name, path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    assert found, f"{name} is missing; install the test extras: pip install -e '.[test]'"
    return found


def actionlint(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool("actionlint"), "-no-color", "-shellcheck", tool("shellcheck"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def load(name: str) -> dict[Any, Any]:
    workflow: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as the boolean true.
    workflow["on"] = workflow.pop(True)
    return workflow


def step(workflow: dict[Any, Any], name: str) -> dict[str, Any]:
    steps = next(iter(workflow["jobs"].values()))["steps"]
    return next(s for s in steps if s.get("name") == name)


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.yml")), ids=lambda p: p.name)
def test_workflow_lints_clean_with_actionlint(path):
    result = actionlint(str(path.relative_to(ROOT)))
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_rejects_a_broken_workflow():
    broken = (
        "on: pull_request\n"
        "jobs:\n"
        "  plan:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - run: echo ${{ secret.MISTRAL_API_KEY }}\n"
        "      - uses: actions/checkout@v5\n"
        "        with: {fetch_depth: 0}\n"
    )
    result = actionlint("-", stdin=broken)
    assert result.returncode == 1
    assert 'undefined variable "secret"' in result.stdout
    assert "fetch_depth" in result.stdout


def test_step_scripts_read_expressions_from_env_not_inline():
    # An inline ${{ }} in a script is an injection risk, and these tests run the scripts.
    for path in WORKFLOWS.glob("judges-*.yml"):
        for job in load(path.name)["jobs"].values():
            assert all("${{" not in s.get("run", "") for s in job["steps"]), path.name


def test_the_judges_workflows_exist():
    names = {path.name for path in WORKFLOWS.glob("judges-*.yml")}
    assert names == {"judges-plan.yml", "judges-apply.yml", "judges-drift.yml"}


def test_plan_runs_on_pull_requests_that_touch_judges_or_the_config():
    workflow = load("judges-plan.yml")
    paths = workflow["on"]["pull_request"]["paths"]
    assert "judges/**" in paths and "judgesync.yaml" in paths
    assert workflow["permissions"] == {"contents": "read", "pull-requests": "write"}


def test_plan_comment_finds_its_previous_comment_by_the_renderer_marker():
    script = step(load("judges-plan.yml"), "Comment the plan on the pull request")["with"]["script"]
    assert f'const marker = "{as_markdown.PLAN_MARKER}";' in script
    assert "updateComment" in script and "createComment" in script


def test_apply_runs_one_at_a_time_from_an_environment_on_the_default_branch():
    workflow = load("judges-apply.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    assert workflow["concurrency"] == {"group": "judges-apply", "cancel-in-progress": False}
    job = workflow["jobs"]["apply"]
    assert job["environment"] == "judges"
    assert "default_branch" in job["if"]
    assert "apply --auto-approve" in step(workflow, "Apply")["run"]


def test_drift_runs_on_a_schedule_and_by_hand():
    workflow = load("judges-drift.yml")
    assert workflow["on"]["schedule"] and "workflow_dispatch" in workflow["on"]


@pytest.mark.parametrize("name", sorted(p.name for p in WORKFLOWS.glob("judges-*.yml")))
def test_actions_are_pinned_to_a_major_version(name):
    uses = re.findall(r"uses: (\S+)", (WORKFLOWS / name).read_text(encoding="utf-8"))
    assert uses
    assert all(re.fullmatch(r"actions/[a-z-]+@v\d+", action) for action in uses), uses


class Runner:
    """Runs one step's script as GitHub does: bash -eo pipefail, in the checkout."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.output = workdir / "github-output"
        self.summary = workdir / "step-summary"
        self.env = {
            "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(workdir),
            "NO_COLOR": "1",
            "JUDGESYNC_API_URL": "local",
            "MISTRAL_API_KEY": "workflow-test-key",
            "GITHUB_OUTPUT": str(self.output),
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_REPOSITORY": "acme/judges",
            "GITHUB_RUN_ID": "42",
        }

    def __call__(self, workflow: str, name: str, **env: str) -> subprocess.CompletedProcess[str]:
        for path in (self.output, self.summary):
            path.write_text("", encoding="utf-8")
        script = self.workdir / "step.sh"
        script.write_text(step(load(workflow), name)["run"], encoding="utf-8")
        return subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=self.workdir,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )

    def outputs(self) -> dict[str, str]:
        lines = self.output.read_text(encoding="utf-8").splitlines()
        return dict(line.split("=", 1) for line in lines)


@pytest.fixture
def runner(tmp_path: Path) -> Runner:
    shutil.copytree(ROOT / "judges", tmp_path / "judges")
    return Runner(tmp_path)


def test_plan_step_records_pending_changes_as_success_with_comment_and_artifact(runner):
    result = runner("judges-plan.yml", "Plan")
    assert result.returncode == 0, result.stderr
    assert runner.outputs() == {"exitcode": "2"}
    comment = (runner.workdir / "plan.md").read_text(encoding="utf-8")
    assert comment.startswith(as_markdown.PLAN_MARKER)
    assert "Plan: 4 to create, 0 to update, 0 to delete." in comment
    assert runner.summary.read_text(encoding="utf-8") == comment
    assert (runner.workdir / "plan.json").is_file()


def test_plan_step_without_a_key_skips_the_plan_and_says_why(runner):
    result = runner("judges-plan.yml", "Plan", MISTRAL_API_KEY="")
    assert result.returncode == 0, result.stderr
    assert runner.outputs() == {"exitcode": "skipped"}
    assert "the MISTRAL_API_KEY secret is not available" in runner.summary.read_text()


def test_plan_step_turns_an_error_into_a_failure_comment(runner):
    result = runner("judges-plan.yml", "Plan", JUDGESYNC_API_URL="ftp://nowhere")
    assert result.returncode == 0, result.stderr
    assert runner.outputs() == {"exitcode": "1"}
    comment = (runner.workdir / "plan.md").read_text(encoding="utf-8")
    assert comment.startswith(f"{as_markdown.PLAN_MARKER}\n### judgesync plan failed")
    assert "https://github.com/acme/judges/actions/runs/42" in comment
    failing = runner("judges-plan.yml", "Fail on plan errors", PLAN_EXIT="1")
    assert failing.returncode == 1
    assert failing.stdout.startswith("::error::judgesync plan failed (exit 1)")


def test_drift_step_fails_naming_each_drifted_judge(runner):
    result = runner("judges-drift.yml", "Detect drift")
    assert result.returncode == 1
    assert "::error title=Drift::tone: apply would create it\n" in result.stdout
    assert "4 judge(s) drifted from the specs" in result.stdout
    assert "Plan: 4 to create" in runner.summary.read_text(encoding="utf-8")


def test_after_apply_the_report_is_in_the_summary_and_there_is_no_drift(runner):
    applied = runner("judges-apply.yml", "Apply")
    assert applied.returncode == 0, applied.stderr
    report = runner.summary.read_text(encoding="utf-8")
    assert f"\n{as_markdown.REPORT_MARKER}\n" in report
    assert "**Apply: 4 done, 0 failed.**" in report
    assert applied.stdout == report
    drift = runner("judges-drift.yml", "Detect drift")
    assert drift.returncode == 0, drift.stdout + drift.stderr
    assert "No drift" in drift.stdout


def load_hooks() -> list[dict[str, Any]]:
    hooks: list[dict[str, Any]] = yaml.safe_load(
        (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    )
    return hooks


def test_pre_commit_hook_runs_judgesync_validate_once_on_spec_changes():
    (hook,) = load_hooks()
    assert hook["id"] == "judgesync-validate"
    assert hook["entry"] == "judgesync validate"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    assert files.search("judges/tone.yaml") and files.search("judges/prompts/groundedness.md")
    assert files.search("judgesync.yaml")
    assert not files.search("src/judgesync/cli/__init__.py")
    assert not files.search("docs/judgesync.yaml.md")


def test_pre_commit_hook_entry_passes_on_the_shipped_judges(monkeypatch):
    (hook,) = load_hooks()
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, hook["entry"].split()[1:])
    assert result.exit_code == 0, result.output
