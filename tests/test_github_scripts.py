"""The action's github-script steps, run as GitHub runs them, against the fake GitHub.

Each step of action.yml runs through tests/github/runner.py: its `if:` and
`env:` evaluated, its script in node inside actions/github-script@v8's wrapper
with the real @actions/github Octokit, pointed at tests/github/fake.py with a
token carrying the job's permissions. The earlier steps' outputs are given.
Every test also checks that no request went beyond the token's permissions.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.github.fake import READ_ONLY, FakeGitHub
from tests.github.runner import ACTION, Job, Result

REPO = "acme/judges"
FIND = "Find the merged pull request's reviewed plan"
COMMENT = "Comment on the pull request"
DRIFT = "Open, update or close the drift issue"
MARKER = "<!-- judgesync-plan -->"
TAG = "<!-- judgesync-action: sticky plan comment -->"
DRIFT_MARKER = "<!-- judgesync-drift -->"
APPLY_PERMISSIONS = {"contents": "read", "actions": "read", "pull-requests": "write"}
PLAN_PERMISSIONS = {"contents": "read", "pull-requests": "write"}
DRIFT_PERMISSIONS = {"contents": "read", "issues": "write"}


def job(
    github: FakeGitHub,
    tmp_path: Path,
    permissions: dict[str, str],
    event_name: str = "push",
    event: dict[str, Any] | None = None,
    sha: str = "merge5ha",
) -> Job:
    github.repository(REPO)
    (tmp_path / "workspace").mkdir(exist_ok=True)
    return Job(
        fake=github,
        workspace=tmp_path / "workspace",
        temp=tmp_path / "temp",
        repository=REPO,
        event_name=event_name,
        event=event or {},
        sha=sha,
        ref="refs/heads/main",
        token=github.token(f"token-{len(github.tokens)}", permissions),
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "JUDGESYNC_LOOKUP_BACKOFF": "0,0,0,0"},
        run_id=42,
    )


def said(result: Result, step: str) -> dict[str, str]:
    """A github-script step's outputs but `result`, which github-script always sets."""
    return {k: v for k, v in result.step(step).outputs.items() if k != "result"}


def within_permissions(github: FakeGitHub) -> None:
    assert github.beyond_permissions() == []


def find(github: FakeGitHub, tmp_path: Path, **given: str) -> Result:
    # As after a scope step that found judge changes (action/run.sh scope).
    scoped = {"scope": {"run": "true"}}
    result = job(github, tmp_path, APPLY_PERMISSIONS).run(
        {"command": "apply", **given}, [FIND], scoped
    )
    within_permissions(github)
    return result


def reviewed_pull(github: FakeGitHub, number: int = 7, head: str = "head5ha") -> None:
    github.pull_request(REPO, number, head)
    github.merge(REPO, number, "merge5ha", f"Merge pull request #{number} from acme/pr-{number}")


def plan_run(github: FakeGitHub, head: str = "head5ha", **fields: Any) -> dict[str, Any]:
    fields.setdefault("pulls", [7])
    run = github.workflow_run(REPO, "judges-plan.yml", "pull_request", head, **fields)
    github.artifact(run["id"], "judgesync-plan", {"plan.json": b"{}"})
    return run


def test_the_reviewed_plan_is_the_newest_successful_plan_run_of_the_merged_head(github, tmp_path):
    reviewed_pull(github)
    plan_run(github)
    newest = plan_run(github)

    found = find(github, tmp_path)

    assert found.step(FIND).outcome == "success", found.log
    assert said(found, FIND) == {"pr": "7", "head-sha": "head5ha", "run-id": str(newest["id"])}
    runs = [r for r in github.requests if r.path.endswith("/runs")]
    assert {r.query["event"] for r in runs} == {"merge_group", "pull_request"}
    assert next(r for r in runs if r.query["event"] == "pull_request").query["head_sha"] == (
        "head5ha"
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"head_repo": "mallory/judges"},  # a fork's run of the same head commit
        {"pulls": []},  # a fork's run lists no pull request of this repository
        {"pulls": [8]},  # another pull request's run of the same commit
        {"path": ".github/workflows/other.yml"},  # another workflow of the same name
    ],
    ids=["fork-run", "no-pull-request", "other-pull-request", "other-workflow"],
)
def test_only_this_repositorys_plan_run_of_the_merged_pull_request_counts(github, tmp_path, fields):
    reviewed_pull(github)
    plan_run(github, **fields)

    found = find(github, tmp_path)

    assert "run-id" not in said(found, FIND)
    assert said(found, FIND)["reason"] == (
        "no successful judges-plan.yml run of this repository exists for it"
    )


def test_a_merge_queue_run_of_the_pushed_commit_is_preferred(github, tmp_path):
    reviewed_pull(github)
    plan_run(github)
    queued = github.workflow_run(REPO, "judges-plan.yml", "merge_group", "merge5ha")
    github.artifact(queued["id"], "judgesync-plan", {"plan.json": b"{}"})
    plan_run(github)  # newer, but of the pull request's head, not of the pushed commit

    found = find(github, tmp_path)

    assert said(found, FIND)["run-id"] == str(queued["id"])


def test_the_commit_to_pull_request_lag_is_waited_out(github, tmp_path):
    reviewed_pull(github)
    plan_run(github)
    github.association_lag = 3

    found = find(github, tmp_path)

    assert said(found, FIND)["pr"] == "7"
    lookups = [r for r in github.requests if r.path.endswith("/commits/merge5ha/pulls")]
    assert len(lookups) == 4


@pytest.mark.parametrize(
    "message",
    ["Merge pull request #7 from acme/pr-7\n\nTone", "Make the tone judge kinder (#7)\n\n* x"],
    ids=["merge-commit", "squash"],
)
def test_without_an_association_the_pull_request_named_in_the_message_is_verified(
    github, tmp_path, message
):
    reviewed_pull(github)
    github.commit(REPO, "merge5ha", message, pulls=[])  # GitHub never associated it
    plan_run(github)

    found = find(github, tmp_path)

    assert said(found, FIND)["pr"] == "7"
    assert any(r.path == f"/repos/{REPO}/git/commits/merge5ha" for r in github.requests)


def test_a_message_naming_a_pull_request_not_merged_as_the_commit_fails_the_step(github, tmp_path):
    github.pull_request(REPO, 7, "head5ha")  # open, never merged
    github.commit(REPO, "merge5ha", "Merge pull request #7 from acme/pr-7")

    found = find(github, tmp_path)

    assert found.step(FIND).outcome == "failure"
    assert "names pull request #7, but GitHub does not show #7 merged as merge5ha" in found.log
    assert "pr" not in said(found, FIND)


def test_a_direct_push_has_no_pull_request_and_no_plan(github, tmp_path):
    # A pull request that merely contains the commit, merged as another one, is not it.
    github.pull_request(REPO, 7, "merge5ha")
    github.merge(REPO, 7, "elsewhere", "Merge pull request #7 from acme/pr-7")
    github.commit(REPO, "merge5ha", "Fix a typo", pulls=[7])

    found = find(github, tmp_path)

    assert found.step(FIND).outcome == "success"
    assert said(found, FIND) == {}
    assert "No pull request was merged as merge5ha: a direct push." in found.log


def test_an_expired_artifact_gives_a_reason(github, tmp_path):
    reviewed_pull(github)
    run = github.workflow_run(REPO, "judges-plan.yml", "pull_request", "head5ha", pulls=[7])
    github.artifact(run["id"], "judgesync-plan", {"plan.json": b"{}"}, expired=True)

    found = find(github, tmp_path)

    assert said(found, FIND)["reason"].startswith(
        f"its last plan run ({run['html_url']}) saved no plan"
    )


def test_the_step_runs_only_for_an_apply_on_a_push(github, tmp_path):
    result = job(github, tmp_path, APPLY_PERMISSIONS).run(
        {"command": "apply", "plan-file": "/tmp/plan.json"}, [FIND]
    )
    assert result.step(FIND).outcome == "skipped"
    assert github.requests == []


# --- the plan comment ----------------------------------------------------------------


def body_file(tmp_path: Path, text: str, name: str = "comment.md") -> str:
    folder = tmp_path / "temp" / "judgesync"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return str(folder / name)


def comment(
    github: FakeGitHub, tmp_path: Path, mode: str, body: str, permissions=PLAN_PERMISSIONS
) -> Result:
    event = {"pull_request": {"number": 7, "head": {"repo": {"full_name": REPO}}}}
    runner = job(github, tmp_path, permissions, "pull_request", event)
    earlier = {"judgesync": {"comment": body, "comment-mode": mode}}
    return runner.run({"command": "plan"}, [COMMENT], earlier)


def test_the_plan_comment_updates_the_one_sticky_comment_whoever_wrote_it(github, tmp_path):
    github.pull_request(REPO, 7, "head5ha")
    github.comment(REPO, 7, f"> {MARKER} quoted by a person", "someone", "User")
    ours = github.comment(REPO, 7, f"{MARKER}\n{TAG}\nold plan", "maintainer", "User")

    result = comment(github, tmp_path, "sticky", body_file(tmp_path, f"{MARKER}\nnew plan"))

    assert result.step(COMMENT).outcome == "success", result.log
    assert [c["body"] for c in github.comments_on(REPO, 7)] == [
        f"> {MARKER} quoted by a person",
        f"{MARKER}\n{TAG}\nnew plan",
    ]
    assert ours["id"] == github.comments_on(REPO, 7)[1]["id"]
    within_permissions(github)


def test_a_comment_of_an_older_version_by_a_bot_is_still_the_sticky_one(github, tmp_path):
    github.pull_request(REPO, 7, "head5ha")
    github.comment(REPO, 7, f"{MARKER}\nold plan", "github-actions[bot]", "Bot")

    comment(github, tmp_path, "sticky", body_file(tmp_path, f"{MARKER}\nnew plan"))

    assert [c["body"] for c in github.comments_on(REPO, 7)] == [f"{MARKER}\n{TAG}\nnew plan"]


def test_the_sticky_comment_is_found_on_any_page(github, tmp_path):
    github.pull_request(REPO, 7, "head5ha")
    for n in range(120):
        github.comment(REPO, 7, f"comment {n}", "someone", "User")
    github.comment(REPO, 7, f"{MARKER}\n{TAG}\nold", "github-actions[bot]")

    comment(github, tmp_path, "sticky", body_file(tmp_path, f"{MARKER}\nnew"))

    assert github.comments_on(REPO, 7)[-1]["body"] == f"{MARKER}\n{TAG}\nnew"
    assert len(github.comments_on(REPO, 7)) == 121
    pages = [r.query.get("page", "1") for r in github.requests if r.method == "GET"]
    assert pages == ["1", "2"]


def test_the_first_plan_comment_is_created_and_update_mode_creates_none(github, tmp_path):
    github.pull_request(REPO, 7, "head5ha")
    comment(github, tmp_path, "update", body_file(tmp_path, f"{MARKER}\nno changes"))
    assert github.comments_on(REPO, 7) == []
    comment(github, tmp_path, "sticky", body_file(tmp_path, f"{MARKER}\nplan"))
    assert [c["body"] for c in github.comments_on(REPO, 7)] == [f"{MARKER}\n{TAG}\nplan"]


def test_a_refused_apply_is_a_new_comment(github, tmp_path):
    github.pull_request(REPO, 7, "head5ha")
    github.comment(REPO, 7, f"{MARKER}\n{TAG}\nplan", "github-actions[bot]")
    comment(github, tmp_path, "new", body_file(tmp_path, "refused", "refusal.md"))
    assert [c["body"] for c in github.comments_on(REPO, 7)][-1] == "refused"
    assert len(github.comments_on(REPO, 7)) == 2


@pytest.mark.parametrize("path", ["/proc/self/environ", "{temp}/judgesync/../secret.md"])
def test_a_body_from_outside_the_action_folder_is_refused(github, tmp_path, path):
    github.pull_request(REPO, 7, "head5ha")
    (tmp_path / "temp" / "judgesync").mkdir(parents=True)
    (tmp_path / "temp" / "secret.md").write_text("MISTRAL_API_KEY=k", encoding="utf-8")

    result = comment(github, tmp_path, "sticky", path.format(temp=tmp_path / "temp"))

    assert result.step(COMMENT).outcome == "failure"
    assert "Refusing to post" in result.log
    assert github.comments_on(REPO, 7) == []
    assert [r.method for r in github.requests] == []


def test_a_token_without_write_access_cannot_comment(github, tmp_path):
    github.pull_request(REPO, 7, "head5ha")
    result = comment(github, tmp_path, "sticky", body_file(tmp_path, "x"), READ_ONLY)
    assert result.step(COMMENT).outcome == "failure"
    assert "Resource not accessible by integration" in result.log
    assert [(r.method, r.status) for r in github.requests] == [("GET", 200), ("POST", 403)]


# --- the drift issue -----------------------------------------------------------------


def drift(github: FakeGitHub, tmp_path: Path, **outputs: str) -> Result:
    runner = job(github, tmp_path, DRIFT_PERMISSIONS, "schedule")
    result = runner.run({"command": "drift"}, [DRIFT], {"judgesync": outputs})
    within_permissions(github)
    return result


def test_drift_opens_one_labelled_issue_then_updates_it(github, tmp_path):
    github.repository(REPO)
    github.pull_request(REPO, 2, "x")  # GitHub lists pull requests among issues
    github.repository(REPO).issues[2].update(body=f"{DRIFT_MARKER}\n", labels=[])

    drift(github, tmp_path, drifted="true", issue=body_file(tmp_path, f"{DRIFT_MARKER}\none"))
    drift(github, tmp_path, drifted="true", issue=body_file(tmp_path, f"{DRIFT_MARKER}\ntwo"))

    (issue,) = github.issues_of(REPO)
    assert issue["title"] == "Judges drifted from the specs"
    assert issue["body"] == f"{DRIFT_MARKER}\ntwo" and issue["state"] == "open"
    assert issue["labels"] == [{"name": "judgesync-drift"}]


def test_back_in_sync_closes_the_issue_with_a_comment(github, tmp_path):
    issue = github.issue(REPO, f"{DRIFT_MARKER}\nold", ["judgesync-drift"])

    drift(github, tmp_path, drifted="false")

    assert issue["state"] == "closed" and issue["state_reason"] == "completed"
    (said,) = github.comments_on(REPO, issue["number"])
    assert said["body"] == (
        "The remote judges match the specs again at `merge5ha`"
        " ([run](https://github.com/acme/judges/actions/runs/42))."
    )


def test_in_sync_without_an_open_issue_does_nothing(github, tmp_path):
    drift(github, tmp_path, drifted="false")
    assert [r.method for r in github.requests] == ["GET"]


def test_a_failed_drift_check_opens_or_updates_the_issue_with_what_failed(github, tmp_path):
    issue = github.issue(REPO, f"{DRIFT_MARKER}\ndrifted", ["judgesync-drift"])
    failed = f"{DRIFT_MARKER}\n### judgesync: the drift check failed\n"

    drift(github, tmp_path, **{"drift-error": body_file(tmp_path, failed, "drift-error.md")})

    assert issue["body"] == failed and issue["state"] == "open"
    issue["state"] = "closed"
    drift(github, tmp_path, **{"drift-error": body_file(tmp_path, failed, "drift-error.md")})
    (_, opened) = github.issues_of(REPO)
    assert opened["title"] == "The judges drift check failed" and opened["body"] == failed


# --- pinning -------------------------------------------------------------------------


def test_every_action_the_composite_uses_is_pinned_by_a_full_commit_sha():
    text = ACTION.read_text(encoding="utf-8")
    steps = yaml.safe_load(text)["runs"]["steps"]
    uses = [step["uses"] for step in steps if "uses" in step]
    assert uses
    for line in (line for line in text.splitlines() if re.match(r"\s+(- )?uses:", line)):
        assert re.fullmatch(r"\s+(- )?uses: [\w-]+/[\w-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", line), (
            line
        )
