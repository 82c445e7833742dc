"""The GitHub workflows, the action (action.yml, action/run.sh) and the pre-commit hook.

actionlint (with shellcheck for the `run:` scripts) must pass on every
workflow, and must really run: a broken workflow is rejected; it also checks
each `uses: ./` against the action's inputs. The action's own scripts pass
shellcheck, and every judgesync command and flag that any of them calls
exists in the CLI, so the YAML cannot rot. The steps of action/run.sh then run
under bash, as on a runner, in a git checkout with an `origin`, against the
embedded emulator (`--api-url local`); GitHub's output and summary files are
temporary files. The github-script steps are covered by tests/test_github_scripts.py.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from click.testing import CliRunner

from judgesync.cli import cli
from judgesync.render import as_markdown, markdown_text

ROOT = Path(__file__).parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
ACTION = ROOT / "action.yml"
RUN_SH = ROOT / "action" / "run.sh"
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


def shellcheck(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool("shellcheck"), "--shell=bash", "-"],
        input=script,
        capture_output=True,
        text=True,
        timeout=120,
    )


def load(path: Path) -> dict[Any, Any]:
    document: dict[Any, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as the boolean true.
    if True in document:
        document["on"] = document.pop(True)
    return document


def workflow(name: str) -> dict[Any, Any]:
    return load(WORKFLOWS / name)


def all_steps(document: dict[Any, Any]) -> list[dict[str, Any]]:
    if "runs" in document:
        steps: list[dict[str, Any]] = document["runs"]["steps"]
        return steps
    return [step for job in document["jobs"].values() for step in job["steps"]]


WORKFLOW_FILES = sorted(WORKFLOWS.glob("*.yml"))
YAML_FILES = [*WORKFLOW_FILES, ACTION]


# --- linting -------------------------------------------------------------------------


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
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


def test_actionlint_checks_uses_of_this_action_against_its_inputs(tmp_path):
    # actionlint resolves `uses: ./` from the project root, so the probe lives beside the others.
    probe = WORKFLOWS / f"zz-probe-{os.getpid()}.yml"
    probe.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: ./\n        with: {comand: plan}\n",
        encoding="utf-8",
    )
    try:
        result = actionlint(str(probe.relative_to(ROOT)))
    finally:
        probe.unlink()
    assert result.returncode == 1
    assert 'missing input "command"' in result.stdout
    assert 'input "comand" is not defined in action "judgesync"' in result.stdout


def test_the_action_scripts_pass_shellcheck():
    assert shellcheck(RUN_SH.read_text(encoding="utf-8")).returncode == 0
    for step in all_steps(load(ACTION)):
        if "run" in step:
            result = shellcheck(step["run"])
            assert result.returncode == 0, (step["run"], result.stdout)


def test_shellcheck_really_checks():
    assert shellcheck('echo $1\n[ $x = y ] && cd "$d"\n').returncode == 1


def test_the_action_refers_only_to_its_own_inputs_and_steps():
    action = load(ACTION)
    text = ACTION.read_text(encoding="utf-8")
    inputs = set(re.findall(r"\binputs\.([\w-]+)", text))
    assert inputs and inputs <= set(action["inputs"]), inputs - set(action["inputs"])
    ids = {step["id"] for step in all_steps(action) if "id" in step}
    used = set(re.findall(r"\bsteps\.([\w-]+)\.outputs", text))
    assert used and used <= ids, used - ids


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: p.name)
def test_step_scripts_read_expressions_from_env_not_inline(path):
    # An inline ${{ }} in a script is an injection risk; env values are plain data.
    for step in all_steps(load(path)):
        assert "${{" not in step.get("run", ""), (path.name, step)
        assert "${{" not in step.get("with", {}).get("script", ""), (path.name, step)


# `uses: owner/name@<full commit SHA> # vX.Y.Z`: a tag can be moved to other code.
_PINNED = re.compile(r"uses: (?:[\w-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+|\./)\n")


@pytest.mark.parametrize("path", [ACTION, *WORKFLOW_FILES], ids=lambda p: p.name)
def test_actions_are_pinned_by_commit_sha_with_the_version_beside(path):
    text = path.read_text(encoding="utf-8")
    uses = re.findall(r"^\s*(?:- )?(uses: .*\n)", text, re.M)
    assert uses and all(_PINNED.fullmatch(line) for line in uses), uses
    assert not _PINNED.fullmatch("uses: actions/checkout@v5 # v5.1.0\n")


# --- every judgesync command and flag the YAML calls exists ----------------------------

# Prose ("judgesync: ...", "judgesync plan failed") is not a call: a call is `judgesync`,
# or run.sh's `judgesync_to FILE`, then a subcommand and its words up to a shell operator.
_CALL = re.compile(r"(?<![\w./$-])judgesync(?:_to\s+\S+)?\s+([a-z][a-z-]*)(?=\s|$)([^\n]*)")
_END_OF_COMMAND = re.compile(r"\|\||&&|[|;)]|[0-9]?>")


def judgesync_calls() -> list[tuple[str, str, list[str]]]:
    """(where, subcommand, words after it) for every judgesync call in the YAML and scripts."""
    scripts = [(RUN_SH.name, RUN_SH.read_text(encoding="utf-8"))]
    for path in YAML_FILES:
        scripts += [(path.name, step["run"]) for step in all_steps(load(path)) if "run" in step]
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    scripts += [(".pre-commit-hooks.yaml", hook["entry"]) for hook in hooks]
    calls = []
    for where, script in scripts:
        code = "\n".join(
            line
            for line in script.replace("\\\n", " ").splitlines()
            if not line.lstrip().startswith("#")
        )
        for match in _CALL.finditer(code):
            words = [word.strip("\"'") for word in _END_OF_COMMAND.split(match.group(2))[0].split()]
            calls.append((where, match.group(1), words))
    return calls


def missing_from_the_cli(subcommand: str, words: list[str]) -> list[str]:
    """What a call names that the CLI lacks: the subcommand, a flag, or a flag's choice."""
    command = cli.commands.get(subcommand)
    if command is None:
        return [f"judgesync {subcommand}"]
    options = {opt: param for param in command.params for opt in param.opts}
    missing = []
    for index, word in enumerate(words):
        if not word.startswith("--"):
            continue
        value = words[index + 1] if index + 1 < len(words) else ""
        param = options.get(word)
        if param is None:
            literal = value and not value.startswith(("-", "$"))
            missing.append(f"judgesync {subcommand} {word}{' ' + value if literal else ''}")
            continue
        choices = param.type.choices if isinstance(param.type, click.Choice) else None
        if choices is not None and not value.startswith("$") and value not in choices:
            missing.append(f"judgesync {subcommand} {word} {value}")
    return missing


def test_the_call_finder_reads_what_run_sh_calls():
    subcommands = {subcommand for _, subcommand, _ in judgesync_calls()}
    assert {"validate", "plan", "apply"} <= subcommands
    assert missing_from_the_cli("plan", ["--out", "x", "--nope"]) == ["judgesync plan --nope"]
    assert missing_from_the_cli("show", ["--format", "yaml"]) == ["judgesync show --format yaml"]
    assert missing_from_the_cli("frobnicate", []) == ["judgesync frobnicate"]


def test_every_judgesync_command_and_flag_the_yaml_calls_exists():
    missing = sorted(
        {
            f"{where}: {gap}"
            for where, sub, words in judgesync_calls()
            for gap in missing_from_the_cli(sub, words)
        }
    )
    assert not missing, "The action and workflows call what the CLI lacks:\n" + "\n".join(missing)


# --- what each workflow is ---------------------------------------------------------------


def test_the_judges_workflows_exist():
    names = {path.name for path in WORKFLOWS.glob("judges-*.yml")}
    assert names == {"judges-plan.yml", "judges-apply.yml", "judges-drift.yml"}


def test_plan_runs_on_every_pull_request_and_merge_queue_never_on_pull_request_target():
    plan = workflow("judges-plan.yml")
    # No paths filter: a required check must report on every pull request.
    assert plan["on"] == {"pull_request": None, "merge_group": None}
    assert plan["permissions"] == {"contents": "read", "pull-requests": "write"}
    # One group per pull request, and per merge-queue entry (its own ref).
    assert "github.event.pull_request.number || github.ref" in plan["concurrency"]["group"]
    (job,) = plan["jobs"].values()
    assert job["steps"][-1] == {"uses": "./", "with": {"command": "plan"}}
    # A re-run checks out the current test merge, not the event's.
    assert "refs/pull/{0}/merge" in job["steps"][0]["with"]["ref"]
    for path in WORKFLOW_FILES:
        assert "pull_request_target" not in load(path)["on"], path.name


def test_applies_run_one_at_a_time_never_cancelled_only_on_the_default_branch():
    apply = workflow("judges-apply.yml")
    # No paths filter: the action knows the spec directory (scope).
    assert apply["on"]["push"] == {"branches": ["main"]}
    assert apply["on"]["pull_request"] == {"types": ["closed"], "branches": ["main"]}
    assert "workflow_dispatch" in apply["on"]
    jobs = apply["jobs"]
    for name in ("apply", "apply-merged", "apply-by-hand"):
        assert jobs[name]["concurrency"] == {"group": "judges-apply", "cancel-in-progress": False}
        assert jobs[name]["steps"][-1]["with"]["command"] == "apply"
    assert jobs["apply"]["environment"] == "judges"
    assert jobs["apply"]["if"] == "github.event_name == 'push'"
    merged = jobs["apply-merged"]["if"]
    assert "github.event.pull_request.merged" in merged and "head.repo.full_name" in merged
    assert "default_branch" in jobs["plan-by-hand"]["if"]
    assert apply["permissions"]["actions"] == "read"


def test_a_hand_run_waits_for_approval_in_a_job_of_its_own_outside_the_apply_group():
    jobs = workflow("judges-apply.yml")["jobs"]
    approve = jobs["approve-by-hand"]
    assert approve["needs"] == "plan-by-hand"
    assert approve["environment"] == "judges-approval"
    assert "concurrency" not in approve
    assert all("uses" not in step for step in approve["steps"])  # no checkout, no key
    assert jobs["apply-by-hand"]["needs"] == "approve-by-hand"
    assert "judges-approval" not in str(jobs["apply-by-hand"])


def test_drift_runs_on_a_schedule_without_approval_and_may_write_issues():
    drift = workflow("judges-drift.yml")
    assert drift["on"]["schedule"] and "workflow_dispatch" in drift["on"]
    assert drift["permissions"] == {"contents": "read", "issues": "write"}
    (job,) = drift["jobs"].values()
    assert "environment" not in job
    assert job["steps"][-1] == {"uses": "./", "with": {"command": "drift"}}


def test_the_action_installs_judgesync_from_its_own_checkout():
    runs = [step["run"] for step in all_steps(load(ACTION)) if "run" in step]
    installs = [run for run in runs if "pip install" in run]
    assert installs == [
        'python -m pip install --disable-pip-version-check --quiet "$GITHUB_ACTION_PATH"'
    ]


def test_the_action_comment_marker_is_the_renderer_marker():
    assert f'PLAN_MARKER="{as_markdown.PLAN_MARKER}"' in RUN_SH.read_text(encoding="utf-8")
    scripts = (ROOT / "action" / "github.js").read_text(encoding="utf-8")
    assert f'const PLAN_MARKER = "{as_markdown.PLAN_MARKER}";' in scripts


# --- action/run.sh, step by step, against the embedded emulator -------------------------


def runner_env(home: Path) -> dict[str, str]:
    """What the action's steps see on a runner: our judgesync first on PATH, git that
    needs no user config, and the GitHub variables the steps read."""
    path = f"{BIN}{os.pathsep}{os.environ['PATH']}"
    return {
        "PATH": path,
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "NO_COLOR": "1",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "acme/judges",
        "GITHUB_RUN_ID": "42",
        "DEFAULT_BRANCH": "main",
    }


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True, timeout=60
    ).stdout.strip()


class Checkout:
    """A judges repository checked out as on a runner: `origin` is a bare repository."""

    def __init__(self, tmp_path: Path) -> None:
        self.root = tmp_path / "checkout"
        self.temp = tmp_path / "runner-temp"
        self.output = tmp_path / "github-output"
        self.summary = tmp_path / "step-summary"
        self.temp.mkdir()
        shutil.copytree(ROOT / "judges", self.root / "judges")
        (self.root / "README.md").write_text("judges\n", encoding="utf-8")
        self.env = {
            **runner_env(tmp_path),
            "RUNNER_TEMP": str(self.temp),
            "GITHUB_OUTPUT": str(self.output),
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "ACTION_API_URL": "local",
            "MISTRAL_API_KEY": "workflow-test-key",
        }
        git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", "origin.git")
        git(tmp_path, "init", "--quiet", "--initial-branch=main", str(self.root))
        git(self.root, "remote", "add", "origin", str(tmp_path / "origin.git"))
        self.base = self.commit("judges")

    def commit(self, message: str) -> str:
        git(self.root, "add", "-A")
        git(self.root, "commit", "--quiet", "--allow-empty", "-m", message)
        git(self.root, "push", "--quiet", "origin", "HEAD:refs/heads/main")
        return git(self.root, "rev-parse", "HEAD")

    @property
    def head(self) -> str:
        return git(self.root, "rev-parse", "HEAD")

    def step(self, name: str, **env: str) -> subprocess.CompletedProcess[str]:
        """run.sh NAME as the action runs it: bash -e, in the checkout."""
        for path in (self.output, self.summary):
            path.write_text("", encoding="utf-8")
        return subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(RUN_SH), name],
            cwd=self.root,
            env={**self.env, "GITHUB_SHA": self.head, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )

    def outputs(self) -> dict[str, str]:
        lines = self.output.read_text(encoding="utf-8").splitlines()
        return dict(line.split("=", 1) for line in lines)

    def read(self, name: str) -> str:
        return (self.temp / "judgesync" / name).read_text(encoding="utf-8")

    def judgesync(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "judgesync"), *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )


@pytest.fixture
def checkout(tmp_path: Path) -> Checkout:
    return Checkout(tmp_path)


def test_validate_annotates_each_problem_and_puts_them_in_the_comment(checkout):
    (checkout.root / "judges" / "bad.yaml").write_text(
        "name: bad\ndescripton: x\n", encoding="utf-8"
    )
    result = checkout.step("validate", ACTION_COMMAND="validate", HEAD_SHA="abc123")
    assert result.returncode == 0, result.stderr
    assert "::error file=judges/bad.yaml,line=2::unknown key 'descripton'" in result.stdout
    assert checkout.outputs()["failed"] == "true"
    comment = checkout.read("comment.md")
    assert comment.startswith(f"{as_markdown.PLAN_MARKER}\n### judgesync: the specs are invalid")
    assert "<pre>\njudges/bad.yaml:1: model_name: field required" in comment
    assert "\njudges/bad.yaml:2: unknown key 'descripton'" in comment
    assert "4 problem(s) found.\n</pre>\n" in comment
    assert checkout.step("conclude", ACTION_COMMAND="validate", FAILED="true").returncode == 1


def test_an_invalid_config_is_annotated_in_the_log_and_plain_in_the_comment(checkout):
    (checkout.root / "judgesync.yaml").write_text("prun: true\n", encoding="utf-8")
    result = checkout.step("validate", ACTION_COMMAND="validate")
    assert result.returncode == 0, result.stderr
    assert "::error file=judgesync.yaml,line=1::unknown key 'prun'" in result.stdout
    comment = checkout.read("comment.md")
    assert "<pre>\njudgesync.yaml:1: unknown key 'prun'" in comment
    assert "::" not in comment
    assert checkout.outputs()["failed"] == "true"


def test_a_long_list_of_problems_is_cut_in_the_comment_not_in_the_log(checkout):
    for number in range(120):
        path = checkout.root / "judges" / f"bad-{number:03}.yaml"
        path.write_text(f"name: bad-{number}\ndescripton: x\n", encoding="utf-8")
    result = checkout.step("validate", ACTION_COMMAND="validate")
    assert result.returncode == 0, result.stderr
    # A step shows 10 annotations: 9 problems, then the failure, which counts the rest.
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert len(annotations) == 10
    assert all(line.startswith("::error file=judges/bad-") for line in annotations[:9])
    assert annotations[9] == (
        "::error::The spec files are invalid; each problem is annotated on its file and line."
        " 471 more annotation(s) not shown (a step shows 10); the log and the job summary have"
        " them all."
    )
    assert result.stdout.count("\njudges/bad-") == 480
    comment = checkout.read("comment.md")
    # 480 problems and the count: 100 lines shown.
    assert "\n… and 381 more lines: see the log of the run.\n</pre>\n" in comment
    assert comment.count("judges/bad-") == 100


def test_plan_keeps_pending_changes_as_success_with_comment_and_artifact(checkout):
    result = checkout.step("plan", ACTION_COMMAND="plan", HEAD_SHA="abc123", IS_FORK="false")
    assert result.returncode == 0, result.stderr
    outputs = checkout.outputs()
    assert outputs["exitcode"] == "2" and "failed" not in outputs
    assert outputs["plan-file"] == str(checkout.temp / "judgesync" / "plan.json")
    comment = checkout.read("comment.md")
    assert comment.startswith(as_markdown.PLAN_MARKER)
    assert "Plan: 4 to create, 0 to update, 0 to delete." in comment
    assert fits_github_limit(comment, checkout.read("plan.md"))
    assert comment.endswith(
        "Commit `abc123` · [workflow run](https://github.com/acme/judges/actions/runs/42)\n"
    )
    assert checkout.summary.read_text(encoding="utf-8") == comment


def test_a_fork_pull_request_is_validated_and_its_plan_skipped(checkout):
    result = checkout.step("plan", ACTION_COMMAND="plan", IS_FORK="true", MISTRAL_API_KEY="")
    assert result.returncode == 0, result.stderr
    assert checkout.outputs() == {}
    assert "A pull request from a fork gets no secrets" in checkout.summary.read_text()


def test_a_plan_error_fails_the_action_after_saying_so_in_the_comment(checkout):
    result = checkout.step("plan", ACTION_COMMAND="plan", ACTION_API_URL="ftp://nowhere")
    assert result.returncode == 0, result.stderr
    assert checkout.outputs()["exitcode"] == "1" and checkout.outputs()["failed"] == "true"
    comment = checkout.read("comment.md")
    assert comment.startswith(f"{as_markdown.PLAN_MARKER}\n### judgesync plan failed\n\n<pre>\n")
    assert "ftp://nowhere" in comment


def fits_github_limit(body: str, plan: str) -> bool:
    """What run.sh wraps around a plan fits in the room the markdown renderer leaves,
    with an owner/name and a run id as long as GitHub allows (140 and 11 characters)."""
    added = len(body) - len(plan) + (140 - len("acme/judges")) + (11 - len("42"))
    return added <= markdown_text.GITHUB_COMMENT_LIMIT - markdown_text.DEFAULT_LIMIT


def reviewed_plan(checkout: Checkout) -> Path:
    """The plan a pull request's plan run saved, where the action downloads it."""
    reviewed = checkout.temp / "judgesync" / "reviewed"
    reviewed.mkdir(parents=True)
    made = checkout.judgesync("plan", "--api-url", "local", "--out", str(reviewed / "plan.json"))
    assert made.returncode == 0, made.stderr
    return reviewed / "plan.json"


def test_merge_applies_the_reviewed_plan(checkout):
    reviewed_plan(checkout)
    result = checkout.step("apply", ACTION_COMMAND="apply", PR_NUMBER="7", HEAD_SHA="abc123")
    assert result.returncode == 0, result.stderr
    assert checkout.outputs() == {"exitcode": "0"}
    summary = checkout.summary.read_text(encoding="utf-8")
    assert "**Apply: 4 done, 0 failed.**" in summary
    assert checkout.judgesync("plan", "--api-url", "local", "--detailed-exitcode").returncode == 0


def test_merge_refuses_a_reviewed_plan_when_the_remote_changed_since(checkout):
    reviewed_plan(checkout)
    # Someone applies another version of the specs by hand, then the merge's run comes.
    tone = checkout.root / "judges" / "tone.yaml"
    tone.write_text(tone.read_text(encoding="utf-8").replace("no sarcasm, ", ""), "utf-8")
    applied = checkout.judgesync("apply", "--api-url", "local", "--auto-approve")
    assert applied.returncode == 0, applied.stderr
    git(checkout.root, "checkout", "--", "judges/tone.yaml")
    result = checkout.step("apply", ACTION_COMMAND="apply", PR_NUMBER="7", HEAD_SHA="abc123")
    assert result.returncode == 0, result.stderr
    outputs = checkout.outputs()
    assert outputs["exitcode"] == "1" and outputs["failed"] == "true"
    assert outputs["comment-mode"] == "new"
    refusal = checkout.read("refusal.md")
    assert refusal.startswith("### judgesync apply: nothing was applied\n")
    assert "judgesync apply stopped (exit 1):" in refusal
    assert "What to do:" in refusal and "Commit `abc123`" in refusal
    assert outputs["comment"] == str(checkout.temp / "judgesync" / "refusal.md")


def test_merge_without_a_reviewed_plan_applies_nothing_and_says_why(checkout):
    result = checkout.step(
        "apply",
        ACTION_COMMAND="apply",
        PR_NUMBER="7",
        HEAD_SHA="abc123",
        NO_PLAN_REASON="no successful judges-plan.yml run exists for it",
    )
    assert result.returncode == 0, result.stderr
    refusal = checkout.read("refusal.md")
    assert (
        "Pull request #7 has no reviewed plan for its head commit `abc123`: no successful"
        " judges-plan.yml run exists for it." in refusal
    )
    assert checkout.outputs()["failed"] == "true"
    assert checkout.judgesync("plan", "--api-url", "local", "--detailed-exitcode").returncode == 2


def test_an_apply_for_a_commit_that_is_no_longer_the_head_applies_nothing(checkout):
    reviewed_plan(checkout)
    stale = checkout.head
    checkout.commit("a later merge")
    result = checkout.step("apply", ACTION_COMMAND="apply", PR_NUMBER="7", GITHUB_SHA=stale)
    assert result.returncode == 0, result.stderr
    assert f"Commit `{stale}` is no longer the head of `main`" in checkout.read("refusal.md")
    assert checkout.outputs()["failed"] == "true"
    assert checkout.judgesync("plan", "--api-url", "local", "--detailed-exitcode").returncode == 2


def test_a_direct_push_is_planned_not_applied(checkout):
    result = checkout.step("apply", ACTION_COMMAND="apply")
    assert result.returncode == 0, result.stderr
    assert "::warning::Commit " in result.stdout
    summary = checkout.summary.read_text(encoding="utf-8")
    assert summary.startswith("### Not applied: a direct push\n")
    assert "Plan: 4 to create" in summary
    assert "failed" not in checkout.outputs()
    assert checkout.judgesync("plan", "--api-url", "local", "--detailed-exitcode").returncode == 2


def test_an_apply_by_hand_applies_the_given_plan_file(checkout):
    plan_file = reviewed_plan(checkout)
    result = checkout.step("apply", ACTION_COMMAND="apply", ACTION_PLAN_FILE=str(plan_file))
    assert result.returncode == 0, result.stderr
    assert "**Apply: 4 done, 0 failed.**" in checkout.summary.read_text(encoding="utf-8")


def test_drift_writes_the_issue_and_is_gone_after_apply(checkout):
    result = checkout.step("drift", ACTION_COMMAND="drift")
    assert result.returncode == 0, result.stderr
    outputs = checkout.outputs()
    assert outputs["drifted"] == "true" and outputs["exitcode"] == "2"
    issue = checkout.read("issue.md")
    assert issue.startswith("<!-- judgesync-drift -->\n")
    assert "Plan: 4 to create" in issue
    assert fits_github_limit(issue, checkout.read("drift.md"))
    assert checkout.judgesync("apply", "--api-url", "local", "--auto-approve").returncode == 0
    assert checkout.step("drift", ACTION_COMMAND="drift").returncode == 0
    assert checkout.outputs() == {"exitcode": "0", "drifted": "false"}


def test_conclude_fails_only_when_a_step_recorded_a_failure(checkout):
    assert checkout.step("conclude", ACTION_COMMAND="plan").returncode == 0
    failed = checkout.step("conclude", ACTION_COMMAND="plan", FAILED="true")
    assert failed.returncode == 1
    assert "judgesync plan failed" in failed.stdout
    assert checkout.step("nonsense").returncode == 1


# --- docs/ci.md: the workflows a user copies, and how to install ----------------------

CI_DOC = ROOT / "docs" / "ci.md"


def user_copy(text: str) -> str:
    """A workflow of this repository as a judges repository uses it: the action by name."""
    local = (
        "      # In your own judges repository: uses: OWNER/judgesync@v1 (docs/ci.md).\n"
        "      - uses: ./\n"
    )
    return text.replace(local, "      - uses: OWNER/judgesync@v1\n")


@pytest.mark.parametrize("name", ["judges-plan.yml", "judges-apply.yml", "judges-drift.yml"])
def test_docs_show_each_workflow_whole_with_the_action_by_name(name):
    copy = user_copy((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert "uses: ./" not in copy
    assert f"```yaml\n{copy}```" in CI_DOC.read_text(encoding="utf-8")
    result = actionlint("-", stdin=copy)
    assert result.returncode == 0, result.stdout


def test_docs_describe_every_input_of_the_action():
    documented = set(re.findall(r"^\| `([\w-]+)` \|", CI_DOC.read_text(encoding="utf-8"), re.M))
    assert set(load(ACTION)["inputs"]) <= documented


# The PyPI project named `judgesync` is someone else's: install by path or git URL only.
_INSTALL_BY_NAME = re.compile(r"pip install(?: -\S+)* [\"']?judgesync(?!-gitops)\b")


def test_no_doc_or_workflow_installs_judgesync_by_its_taken_name():
    assert _INSTALL_BY_NAME.search("python -m pip install judgesync==0.1.0")
    assert not _INSTALL_BY_NAME.search('pip install "judgesync-gitops @ git+https://x"')
    assert not _INSTALL_BY_NAME.search("pip install ./judgesync")
    texts = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *YAML_FILES, RUN_SH]
    for path in texts:
        # Fenced blocks and scripts only: the docs name the wrong command to warn about it.
        text = path.read_text(encoding="utf-8")
        blocks = re.findall(r"```.*?```", text, re.DOTALL) if path.suffix == ".md" else [text]
        assert not any(_INSTALL_BY_NAME.search(block) for block in blocks), path.name


def test_the_distribution_is_named_judgesync_gitops():
    project = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '\nname = "judgesync-gitops"\n' in project
    assert 'judgesync = "judgesync.cli:main"' in project


# --- python -m judgesync and the pre-commit hook ---------------------------------------


def test_python_m_judgesync_runs_the_cli():
    result = subprocess.run(
        [sys.executable, "-m", "judgesync", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"judgesync, version {__import__('judgesync').__version__}\n"


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
