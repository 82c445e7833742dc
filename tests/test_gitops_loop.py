"""The GitOps loop end to end: pull request → reviewed plan → merge → apply of that plan.

Each workflow run is what GitHub does: a fresh clone of the repository
(`origin`, a bare repository in a temporary folder) at the commit GitHub
checks out, a fresh RUNNER_TEMP, then EVERY step of action.yml run by
tests/github/runner.py (its `if:` and `${{ }}` evaluated, the shell steps under
bash, the github-script steps in node with the real Octokit, download-artifact
with the real @actions/artifact client), with the real installed `judgesync`
against the emulator running as a real server on loopback, and the GitHub API
played by tests/github/fake.py: the plan run's artifact travels through the
fake's artifact store, comments and issues live there, and each job's token
carries the `permissions:` of its workflow file. A pull request's run checks
out GitHub's test merge of its head into the base (`refs/pull/N/merge`); a
merge's run checks out the commit pushed to `main`. What the test still plays
is the GitHub state a merge creates (the PR's merged_at, merge_commit_sha and
the commit's association), said where.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.github.repository import (
    REPO,
    Repository,
    Run,
    apply_merge,
    apply_push,
    drift,
    permissions,
    plan_pull_request,
)
from tests.test_workflows import BIN

PR_REFUSAL_HEAD = "### judgesync apply: nothing was applied\n\njudgesync apply stopped (exit 1):\n"
FORK = "mallory/judges"
PLAN_COMMENT_HEAD = "<!-- judgesync-plan -->\n<!-- judgesync-action: sticky plan comment -->\n"


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
def repository(tmp_path, github, emulator, api_key, remote) -> Iterator[Repository]:
    """The shipped judges on main, and the remote in step with them (applied once by hand,
    as when a team adopts judgesync)."""
    repository = Repository(tmp_path, github, emulator.url, api_key)
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
    yield repository
    # Every scenario: no request went beyond its token's permissions.
    assert github.beyond_permissions() == []


@pytest.mark.parametrize("how", ["merge", "squash", "rebase"])
def test_a_merged_pull_request_applies_its_reviewed_plan_and_the_remote_then_matches(
    revisions, repository, remote, github, how
):
    pull = repository.pull_request(1, TONE_EDIT)
    repository.test_merge(pull)
    plan_pull_request(repository, pull)
    plan_pull_request(repository, pull)  # a second push's run updates the one comment
    (sticky,) = github.comments_on(REPO, pull.number)
    assert sticky["body"].startswith(PLAN_COMMENT_HEAD), sticky["body"]
    assert "| ~ update | <code>tone</code> |" in sticky["body"]

    merged = apply_merge(repository, pull, how)

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
    repository, remote, github, first, first_exitcode, differs
):
    late = repository.pull_request(1, TONE_EDIT)
    repository.test_merge(late)
    plan_pull_request(repository, late)
    early = repository.pull_request(2, first)
    repository.test_merge(early)
    plan_pull_request(repository, early, first_exitcode)
    applied = apply_merge(repository, early)
    assert applied.status == 0, applied.log
    before = state(remote)

    refused = apply_merge(repository, late)
    told = github.comments_on(REPO, late.number)[-1]["body"]
    assert told.startswith("### judgesync apply: nothing was applied"), told

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
    plan_pull_request(repository, pull)
    planned = next(j for j in remote.list_judges() if j.name == "tone")
    remote.update_judge(planned.id, planned.definition.model_copy(update={"description": "theirs"}))
    edited = next(j for j in remote.list_judges() if j.name == "tone")
    before = state(remote)

    refused = apply_merge(repository, pull)

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
    plan_pull_request(repository, first)
    first_merge = repository.merge(first)
    # Another pull request merges before the first merge's apply run starts.
    second = repository.pull_request(2, HELPFULNESS_EDIT)
    repository.test_merge(second)
    repository.merge(second)
    before = state(remote)

    stale = apply_push(repository, first_merge)

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


def test_a_forks_forged_plan_artifact_is_never_applied(repository, remote, github, tmp_path):
    pull = repository.pull_request(1, TONE_EDIT, head_repo=FORK)
    repository.test_merge(pull)
    forks_run = plan_pull_request(repository, pull)
    assert "plan skipped" in forks_run.summary
    assert [r.method for r in github.requests if r.token == forks_run.job.token] == []
    # The fork's run uploads a plan that would apply (made here with the key, from the
    # merged tree): the apply must not take it.
    forged = tmp_path / "forged.json"
    made = subprocess.run(
        [str(BIN / "judgesync"), "plan", "--out", str(forged)],
        cwd=forks_run.job.workspace,
        env=repository.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    github.upload(forks_run.job.run_id, "judgesync-plan", [forged.rename(tmp_path / "plan.json")])
    before = state(remote)

    refused = apply_merge(repository, pull)

    assert refused.status == 1
    assert state(remote) == before
    assert "no successful judges-plan.yml run of this repository exists for it" in refused.read(
        "refusal.md"
    )
    assert not any(r.path.endswith("/zip") for r in github.requests)


def test_the_commit_to_pull_request_lag_still_applies_the_reviewed_plan(repository, remote, github):
    pull = repository.pull_request(1, TONE_EDIT)
    repository.test_merge(pull)
    plan_pull_request(repository, pull)
    github.association_lag = 2

    merged = apply_merge(repository, pull, "rebase")

    assert merged.status == 0, merged.log
    assert "**Apply: 1 done, 0 failed.**" in merged.summary


def test_a_merge_queue_applies_the_plan_of_its_own_run_of_the_pushed_commit(
    repository, remote, github
):
    pull = repository.pull_request(1, TONE_EDIT)
    repository.test_merge(pull)
    plan_pull_request(repository, pull)
    sha = repository.merge(pull)
    # The queue's run of the commit it then pushes, as GitHub runs it on merge_group.
    queued = github.workflow_run(REPO, "judges-plan.yml", "merge_group", sha, head_branch="q")
    job = repository.job(sha, "merge_group", {}, permissions("judges-plan.yml"), queued)
    assert Run(job, job.run({"command": "plan"})).status == 0

    merged = apply_push(repository, sha)

    assert merged.status == 0, merged.log
    assert merged.result.step("reviewed").outputs["run-id"] == str(queued["id"])
    assert "**Apply: 1 done, 0 failed.**" in merged.summary


def test_a_direct_push_is_planned_not_applied(repository, remote, github):
    before = state(remote)

    pushed = apply_push(repository, repository.push(TONE_EDIT))

    assert pushed.status == 0, pushed.log
    assert "### Not applied: a direct push" in pushed.summary
    assert state(remote) == before
    assert not any(r.method != "GET" for r in github.requests)


def test_drift_opens_updates_then_closes_one_issue(repository, remote, github, api_key):
    tone = next(j for j in remote.list_judges() if j.name == "tone")
    remote.update_judge(tone.id, tone.definition.model_copy(update={"description": "theirs"}))
    assert drift(repository).outputs["drifted"] == "true"
    (issue,) = github.issues_of(REPO)
    assert "theirs" in issue["body"] and issue["state"] == "open"

    tone = next(j for j in remote.list_judges() if j.name == "tone")
    remote.update_judge(tone.id, tone.definition.model_copy(update={"description": "again"}))
    drift(repository)
    (issue,) = github.issues_of(REPO)
    assert "again" in issue["body"] and issue["state"] == "open"

    restored = subprocess.run(
        [str(BIN / "judgesync"), "apply", "--auto-approve"],
        cwd=repository.dev,
        env=repository.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert restored.returncode == 0, restored.stderr
    assert drift(repository).outputs["drifted"] == "false"
    (issue,) = github.issues_of(REPO)
    assert issue["state"] == "closed"
    assert len(github.comments_on(REPO, issue["number"])) == 1
