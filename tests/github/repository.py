"""A judges repository on GitHub, as the loop tests play it: `origin` (a bare
repository), a developer's clone, the repository's state in the fake GitHub, and
jobs of the shipped workflows run through the runner harness (tests/github/runner.py)
on fresh clones, each with a token carrying its workflow's `permissions:`."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.github.fake import READ_ONLY, FakeGitHub
from tests.github.runner import Job, Result
from tests.test_workflows import git, runner_env, workflow

SHIPPED_JUDGES = Path(__file__).resolve().parent.parent.parent / "judges"
REPO = "acme/judges"


def permissions(name: str) -> dict[str, str]:
    """The token of a job of the shipped workflow `name`: its `permissions:`."""
    granted: dict[str, str] = workflow(name)["permissions"]
    return granted


class Repository:
    """A judges repository on GitHub: `origin` (bare), a developer's clone, and its
    state in the fake GitHub."""

    def __init__(self, tmp_path: Path, github: FakeGitHub, emulator_url: str, api_key: str):
        self.tmp = tmp_path
        self.github = github
        self.origin = tmp_path / "origin.git"
        self.dev = tmp_path / "dev"
        self.runs = 0
        self.env = {
            **runner_env(tmp_path),
            # The workflows' env: the repository secret and variable.
            "MISTRAL_API_KEY": api_key,
            "JUDGESYNC_API_URL": emulator_url,
            # The find step's backoff, without the waiting.
            "JUDGESYNC_LOOKUP_BACKOFF": "0,0,0,0",
        }
        github.repository(REPO)
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

    def pull_request(
        self, number: int, edit: Callable[[Path], None], head_repo: str = REPO
    ) -> PullRequest:
        """A branch from main with one commit, pushed, and the PR on GitHub."""
        branch = f"pr-{number}"
        git(self.dev, "checkout", "--quiet", "-b", branch, "main")
        edit(self.dev)
        head = self._commit(f"Pull request #{number}")
        git(self.dev, "push", "--quiet", "origin", branch)
        git(self.dev, "checkout", "--quiet", "main")
        self.github.pull_request(REPO, number, head, head_repo=head_repo)
        return PullRequest(number, branch, head, head_repo)

    def test_merge(self, pull: PullRequest) -> str:
        """refs/pull/N/merge: the head merged into the base as it is now."""
        git(self.dev, "checkout", "--quiet", "--detach", "main")
        git(self.dev, "merge", "--quiet", "--no-ff", "-m", "test merge", pull.branch)
        merge = git(self.dev, "rev-parse", "HEAD")
        git(self.dev, "push", "--quiet", "origin", f"HEAD:refs/pull/{pull.number}/merge")
        git(self.dev, "checkout", "--quiet", "main")
        return merge

    def merge(self, pull: PullRequest, how: str = "merge") -> str:
        """The merge button (merge commit, squash or rebase), pushed to main; GitHub
        then records the PR as merged as the new head and associates the commit."""
        if how == "merge":
            message = f"Merge pull request #{pull.number} from acme/{pull.branch}"
            git(self.dev, "merge", "--quiet", "--no-ff", "-m", message, pull.branch)
        elif how == "squash":
            message = f"Pull request #{pull.number} (#{pull.number})"
            git(self.dev, "merge", "--quiet", "--squash", pull.branch)
            git(self.dev, "commit", "--quiet", "-m", message)
        else:
            message = f"Pull request #{pull.number}"
            git(self.dev, "checkout", "--quiet", "-B", "rebased", pull.branch)
            git(self.dev, "rebase", "--quiet", "main")
            git(self.dev, "checkout", "--quiet", "main")
            git(self.dev, "merge", "--quiet", "--ff-only", "rebased")
        git(self.dev, "push", "--quiet", "origin", "main")
        self.main = git(self.dev, "rev-parse", "HEAD")
        self.github.merge(REPO, pull.number, self.main, message)
        return self.main

    def push(self, edit: Callable[[Path], None], message: str = "A direct push") -> str:
        edit(self.dev)
        self.main = self._commit(message)
        git(self.dev, "push", "--quiet", "origin", "main")
        self.github.commit(REPO, self.main, message)
        return self.main

    def job(
        self,
        ref: str,
        event_name: str,
        event: dict[str, Any],
        granted: dict[str, str],
        workflow_run: dict[str, Any] | None = None,
        env: dict[str, str] | None = None,
    ) -> Job:
        """A fresh runner: actions/checkout of `ref` (a commit or refs/pull/N/merge)."""
        self.runs += 1
        root = self.tmp / f"run-{self.runs}"
        git(self.tmp, "clone", "--quiet", str(self.origin), str(root))
        git(root, "fetch", "--quiet", "origin", f"{ref}:refs/remotes/origin/checked-out")
        git(root, "checkout", "--quiet", "--detach", "refs/remotes/origin/checked-out")
        return Job(
            fake=self.github,
            workspace=root,
            temp=self.tmp / f"run-{self.runs}-temp",
            repository=REPO,
            event_name=event_name,
            event={"repository": {"default_branch": "main"}, **event},
            sha=git(root, "rev-parse", "HEAD"),
            ref=ref,
            token=self.github.token(f"token-of-run-{self.runs}", granted),
            env=env if env is not None else self.env,
            run_id=workflow_run["id"] if workflow_run else 90000 + self.runs,
        )


class PullRequest:
    def __init__(self, number: int, branch: str, head: str, head_repo: str = REPO) -> None:
        self.number, self.branch, self.head, self.head_repo = number, branch, head, head_repo


class Run:
    """A finished job: the action's result, run.sh's outputs, its status and files."""

    def __init__(self, job: Job, result: Result) -> None:
        self.job, self.result, self.temp = job, result, job.temp
        self.outputs: dict[str, str] = {}
        for step in result.steps:
            if step.id in ("scope", "judgesync"):
                self.outputs.update(step.outputs)
        self.status = 1 if result.failed else 0
        self.log = result.log
        self.summary = result.summary

    def read(self, name: str) -> str:
        return (self.temp / "judgesync" / name).read_text(encoding="utf-8")


def plan_pull_request(repository: Repository, pull: PullRequest, exitcode: str = "2") -> Run:
    """judges-plan.yml on the pull request; its plan goes to the fake's artifact store."""
    merge = git(repository.origin, "rev-parse", f"refs/pull/{pull.number}/merge")
    linked = [pull.number] if pull.head_repo == REPO else []  # GitHub lists none for a fork
    run = repository.github.workflow_run(
        REPO, "judges-plan.yml", "pull_request", pull.head, pulls=linked, head_repo=pull.head_repo
    )
    event = {
        "pull_request": {
            "number": pull.number,
            "head": {"sha": pull.head, "repo": {"full_name": pull.head_repo}},
            "base": {"sha": repository.main, "repo": {"full_name": REPO}},
        }
    }
    fork = pull.head_repo != REPO
    job = repository.job(
        f"refs/pull/{pull.number}/merge",
        "pull_request",
        event,
        READ_ONLY if fork else permissions("judges-plan.yml"),
        run,
        # A fork's run gets no secrets.
        {k: v for k, v in repository.env.items() if k != "MISTRAL_API_KEY"} if fork else None,
    )
    assert job.sha == merge
    planned = Run(job, job.run({"command": "plan"}))
    assert planned.status == 0, planned.log
    if not fork:
        assert planned.outputs["exitcode"] == exitcode, planned.log
        assert planned.outputs["plan-file"] == str(job.temp / "judgesync" / "plan.json")
    return planned


def apply_push(repository: Repository, sha: str) -> Run:
    """judges-apply.yml on the push of `sha` to main: the action finds the merged PR's
    reviewed plan through the fake GitHub, downloads it, applies it."""
    job = repository.job(sha, "push", {"after": sha}, permissions("judges-apply.yml"))
    return Run(job, job.run({"command": "apply"}))


def apply_merge(repository: Repository, pull: PullRequest, how: str = "merge") -> Run:
    return apply_push(repository, repository.merge(pull, how))


def drift(repository: Repository) -> Run:
    """judges-drift.yml on main."""
    job = repository.job("refs/heads/main", "schedule", {}, permissions("judges-drift.yml"))
    return Run(job, job.run({"command": "drift"}))
