"""The GitOps loop end to end: pull request → reviewed plan → merge → apply of that plan.

Each workflow run is what the action does on a runner: a fresh clone of the
repository (`origin`, a bare repository in a temporary folder) at the commit
GitHub checks out, a fresh RUNNER_TEMP, then the shell steps of action/run.sh
in the action's order (`scope`, the command, `conclude`), with the real
installed `judgesync` against the emulator running as a real server on
loopback. A pull request's run checks out GitHub's test merge of its head
into the base (`refs/pull/N/merge`); a merge's run checks out the merge commit
on `main`.

What only GitHub does is played by the test, and said where: the artifact
upload and download are a file copy; finding the merged pull request, its
head commit and its plan run (github-script in action.yml) is given as the
PR_NUMBER and HEAD_SHA that step hands on (tests/test_github_scripts.py runs
that script); comments are files.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.test_workflows import BIN, RUN_SH, git, runner_env

SHIPPED_JUDGES = Path(__file__).resolve().parent.parent / "judges"
PR_REFUSAL_HEAD = "### judgesync apply: nothing was applied\n\njudgesync apply stopped (exit 1):\n"


class Repository:
    """A judges repository on GitHub: `origin` (bare) and a developer's clone."""

    def __init__(self, tmp_path: Path, emulator_url: str, api_key: str) -> None:
        self.tmp = tmp_path
        self.origin = tmp_path / "origin.git"
        self.dev = tmp_path / "dev"
        self.runs = 0
        self.env = {
            **runner_env(tmp_path),
            # The workflows' env: the repository secret and variable.
            "MISTRAL_API_KEY": api_key,
            "JUDGESYNC_API_URL": emulator_url,
        }
        git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(self.origin))
        git(tmp_path, "init", "--quiet", "--initial-branch=main", str(self.dev))
        git(self.dev, "remote", "add", "origin", str(self.origin))
        shutil.copytree(SHIPPED_JUDGES, self.dev / "judges")
        self.main = self._commit("The shipped judges")
        git(self.dev, "push", "--quiet", "origin", "main")

    def _commit(self, message: str) -> str:
        git(self.dev, "add", "-A")
        git(self.dev, "commit", "--quiet", "-m", message)
        return git(self.dev, "rev-parse", "HEAD")

    def pull_request(self, number: int, edit: Callable[[Path], None]) -> PullRequest:
        """A branch from main with one commit, pushed, and GitHub's test merge of it."""
        branch = f"pr-{number}"
        git(self.dev, "checkout", "--quiet", "-b", branch, "main")
        edit(self.dev)
        head = self._commit(f"Pull request #{number}")
        git(self.dev, "push", "--quiet", "origin", branch)
        git(self.dev, "checkout", "--quiet", "main")
        return PullRequest(number, branch, head)

    def test_merge(self, pull: PullRequest) -> str:
        """refs/pull/N/merge: the head merged into the base as it is now."""
        git(self.dev, "checkout", "--quiet", "--detach", "main")
        git(self.dev, "merge", "--quiet", "--no-ff", "-m", "test merge", pull.branch)
        merge = git(self.dev, "rev-parse", "HEAD")
        git(self.dev, "push", "--quiet", "origin", f"HEAD:refs/pull/{pull.number}/merge")
        git(self.dev, "checkout", "--quiet", "main")
        return merge

    def merge(self, pull: PullRequest) -> str:
        """The merge button: a merge commit on main, pushed."""
        git(self.dev, "merge", "--quiet", "--no-ff", "-m", f"Merge #{pull.number}", pull.branch)
        git(self.dev, "push", "--quiet", "origin", "main")
        self.main = git(self.dev, "rev-parse", "HEAD")
        return self.main

    def runner(self, ref: str) -> Runner:
        """A fresh runner: actions/checkout of `ref` (a commit or refs/pull/N/merge)."""
        self.runs += 1
        root = self.tmp / f"run-{self.runs}"
        git(self.tmp, "clone", "--quiet", str(self.origin), str(root))
        git(root, "fetch", "--quiet", "origin", f"{ref}:refs/remotes/origin/checked-out")
        git(root, "checkout", "--quiet", "--detach", "refs/remotes/origin/checked-out")
        return Runner(root, self.env)


class PullRequest:
    def __init__(self, number: int, branch: str, head: str) -> None:
        self.number, self.branch, self.head = number, branch, head


class Runner:
    """One job's checkout and RUNNER_TEMP; `step` runs a step of action/run.sh."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root = root
        self.temp = root.parent / f"{root.name}-temp"
        self.temp.mkdir()
        self.sha = git(root, "rev-parse", "HEAD")
        self.env = {**env, "RUNNER_TEMP": str(self.temp), "GITHUB_SHA": self.sha}
        self.outputs: dict[str, str] = {}
        self.summary = ""
        self.log = ""
        self.status: int | None = None  # the job's exit status, once `action` ran

    def step(self, name: str, **env: str) -> subprocess.CompletedProcess[str]:
        """`bash run.sh NAME` as the action runs it; each step its own output file."""
        output, summary = self.temp / f"output-{name}", self.temp / f"summary-{name}"
        output.write_text("", encoding="utf-8")
        summary.write_text("", encoding="utf-8")
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(RUN_SH), name],
            cwd=self.root,
            env={
                **self.env,
                **env,
                "GITHUB_OUTPUT": str(output),
                "GITHUB_STEP_SUMMARY": str(summary),
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode in (0, 1), result.stderr
        lines = output.read_text(encoding="utf-8").splitlines()
        self.outputs.update(line.split("=", 1) for line in lines)
        self.summary += summary.read_text(encoding="utf-8")
        self.log += result.stdout + result.stderr
        return result

    def action(self, command: str, **env: str) -> int:
        """The action's shell steps in order; returns the exit status of the job (conclude's)."""
        self.step("scope", ACTION_COMMAND=command, **env)
        if self.outputs["run"] == "true":
            self.step(command, ACTION_COMMAND=command, **env)
        failed = self.outputs.get("failed", "")
        self.status = self.step("conclude", ACTION_COMMAND=command, FAILED=failed).returncode
        return self.status

    def read(self, name: str) -> str:
        return (self.temp / "judgesync" / name).read_text(encoding="utf-8")


def plan_pull_request(repository: Repository, pull: PullRequest, exitcode: str = "2") -> Path:
    """judges-plan.yml on the pull request; returns its judgesync-plan artifact."""
    runner = repository.runner(f"refs/pull/{pull.number}/merge")
    status = runner.action("plan", BASE_SHA=repository.main, HEAD_SHA=pull.head, IS_FORK="false")
    assert status == 0, runner.log
    assert runner.outputs["exitcode"] == exitcode, runner.log
    assert runner.outputs["plan-file"] == str(runner.temp / "judgesync" / "plan.json")
    return Path(runner.outputs["plan-file"])


def apply_merge(repository: Repository, pull: PullRequest, artifact: Path, sha: str) -> Runner:
    """judges-apply.yml on the push of `sha`: the reviewed plan downloaded, then applied.

    GitHub's part, played here: the github-script step found `pull` merged as
    `sha` and its plan run; download-artifact put the plan under reviewed/."""
    runner = repository.runner(sha)
    reviewed = runner.temp / "judgesync" / "reviewed"
    reviewed.mkdir(parents=True)
    shutil.copy(artifact, reviewed / "plan.json")
    runner.action("apply", PR_NUMBER=str(pull.number), HEAD_SHA=pull.head)
    return runner


def drift(repository: Repository) -> Runner:
    """judges-drift.yml on main."""
    runner = repository.runner("refs/heads/main")
    runner.action("drift")
    return runner


def edit_file(path: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        file = root / path
        text = file.read_text(encoding="utf-8")
        assert old in text
        file.write_text(text.replace(old, new), encoding="utf-8")

    return edit


def write_file(path: str, text: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        (root / path).write_text(text, encoding="utf-8")

    return edit


TONE_EDIT = edit_file("judges/tone.yaml", "no sarcasm, ", "")
HELPFULNESS_EDIT = edit_file("judges/helpfulness.yaml", "(1 = not at all, 5 = fully)", "(1 to 5)")


def state(remote) -> list[tuple[str, str, str, str]]:
    """Everything apply could change on the remote: each judge's id, name, time and content."""
    return sorted(
        (judge.id, judge.name, judge.updated_at, judge.definition.model_dump_json())
        for judge in remote.list_judges()
    )


@pytest.fixture
def repository(tmp_path, emulator, api_key, remote) -> Repository:
    """The shipped judges on main, and the remote in step with them (applied once by hand,
    as when a team adopts judgesync)."""
    repository = Repository(tmp_path, emulator.url, api_key)
    adopted = subprocess.run(
        [str(BIN / "judgesync"), "apply", "--auto-approve"],
        cwd=repository.dev,
        env=repository.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert adopted.returncode == 0, adopted.stderr
    assert len(remote.list_judges()) == 4
    return repository


def test_a_merged_pull_request_applies_its_reviewed_plan_and_the_remote_then_matches(
    revisions, repository, remote
):
    pull = repository.pull_request(1, TONE_EDIT)
    repository.test_merge(pull)
    artifact = plan_pull_request(repository, pull)

    merged = apply_merge(repository, pull, artifact, repository.merge(pull))

    assert merged.status == 0, merged.log
    assert merged.outputs == {"run": "true", "exitcode": "0"}
    assert "**Apply: 1 done, 0 failed.**" in merged.summary
    assert (
        "no sarcasm" not in next(j for j in remote.list_judges() if j.name == "tone").instructions
    )
    after = drift(repository)
    assert after.status == 0, after.log
    assert after.outputs == {"run": "true", "exitcode": "0", "drifted": "false"}
    assert "No drift: the remote judges match the specs." in after.log


@pytest.mark.parametrize(
    ("first", "first_exitcode", "differs"),
    [
        (HELPFULNESS_EDIT, "2", "judges/helpfulness.yaml: changed since the plan"),
        # A policy change alone changes no judge: its plan is empty, yet it shaped the plan.
        (
            write_file("judgesync.yaml", 'protect: ["pii-*"]\n'),
            "0",
            "judgesync.yaml: added since the plan",
        ),
    ],
    ids=["another-spec", "the-policy"],
)
def test_a_plan_made_before_another_pull_request_merged_is_refused_and_changes_nothing(
    repository, remote, first, first_exitcode, differs
):
    late = repository.pull_request(1, TONE_EDIT)
    repository.test_merge(late)
    late_plan = plan_pull_request(repository, late)
    early = repository.pull_request(2, first)
    repository.test_merge(early)
    early_plan = plan_pull_request(repository, early, first_exitcode)
    applied = apply_merge(repository, early, early_plan, repository.merge(early))
    assert applied.status == 0, applied.log
    before = state(remote)

    refused = apply_merge(repository, late, late_plan, repository.merge(late))

    assert refused.status == 1
    assert refused.outputs["exitcode"] == "1" and refused.outputs["failed"] == "true"
    assert refused.outputs["comment-mode"] == "new"
    error = (
        "Error: The files the plan was made from differ now; nothing was changed.\n"
        f"  {differs}\n"
        "Apply the plan from the checkout it was made in, or run plan again to review these"
        " files.\n"
    )
    assert error in refused.log
    assert PR_REFUSAL_HEAD + "\n<pre>\n" + error + "</pre>\n" in refused.read("refusal.md")
    assert "::error::The files the plan was made from differ now; nothing was changed.%0A" in (
        refused.log
    )
    assert state(remote) == before


def test_a_plan_is_refused_when_the_remote_judge_changed_after_it_and_nothing_changes(
    revisions, repository, remote
):
    pull = repository.pull_request(1, TONE_EDIT)
    repository.test_merge(pull)
    artifact = plan_pull_request(repository, pull)
    planned = next(j for j in remote.list_judges() if j.name == "tone")
    remote.update_judge(planned.id, planned.definition.model_copy(update={"description": "theirs"}))
    edited = next(j for j in remote.list_judges() if j.name == "tone")
    before = state(remote)

    refused = apply_merge(repository, pull, artifact, repository.merge(pull))

    assert refused.status == 1
    assert refused.outputs["exitcode"] == "1" and refused.outputs["failed"] == "true"
    why = (
        f"judge {planned.id} was deleted or revised since the plan."
        if revisions == "new-id"
        else f"judge {planned.id} changed since the plan (updated_at {planned.updated_at}"
        f" -> {edited.updated_at})."
    )
    error = (
        "Error: The saved plan is stale; nothing was changed.\n"
        f"  tone: {why}\n"
        "Run plan again to review the current state, then apply the new plan.\n"
    )
    assert error in refused.log
    shown = error.replace(">", "&gt;")  # the comment's <pre> block is HTML-escaped
    assert PR_REFUSAL_HEAD + "\n<pre>\n" + shown + "</pre>\n" in refused.read("refusal.md")
    assert state(remote) == before


def test_an_old_commit_of_main_applies_nothing(revisions, repository, remote):
    first = repository.pull_request(1, TONE_EDIT)
    repository.test_merge(first)
    first_plan = plan_pull_request(repository, first)
    first_merge = repository.merge(first)
    # Another pull request merges before the first merge's apply run starts.
    second = repository.pull_request(2, HELPFULNESS_EDIT)
    repository.test_merge(second)
    repository.merge(second)
    before = state(remote)

    stale = apply_merge(repository, first, first_plan, first_merge)

    assert stale.status == 1
    assert stale.outputs == {
        "run": "true",
        "comment": str(stale.temp / "judgesync" / "refusal.md"),
        "comment-mode": "new",
        "failed": "true",
    }
    assert stale.read("refusal.md").startswith(
        "### judgesync apply: nothing was applied\n\n"
        f"Commit `{first_merge}` is no longer the head of `main`. The apply run of the newer"
        " head applies its own reviewed plan only if that plan was made from spec files that"
        " include this change; check that run.\n"
    )
    assert "::error::judgesync apply: nothing was applied; see the job summary." in stale.log
    assert state(remote) == before
