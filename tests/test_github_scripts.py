"""The action's github-script steps, run by node against a recorded fake of the GitHub API.

Each script of action.yml runs as actions/github-script runs it: the body of an
async function of `github`, `context`, `core` and `require`, with the step's
`env:` in `process.env`. The fake answers each API method from a table and
records every call, so a test states which requests a situation leads to.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ACTION = Path(__file__).parent.parent / "action.yml"

HARNESS = r"""
const fs = require("fs");
const [scriptFile, answersFile] = process.argv.slice(2);
const answers = JSON.parse(fs.readFileSync(answersFile, "utf8"));
const calls = [];
const outputs = {};
const method = (name) => async (params) => {
  calls.push([name, params]);
  return { data: answers[name] === undefined ? {} : answers[name] };
};
const github = {
  rest: {
    repos: { listPullRequestsAssociatedWithCommit: method("listPullRequestsAssociatedWithCommit") },
    actions: {
      listWorkflowRuns: method("listWorkflowRuns"),
      listWorkflowRunArtifacts: method("listWorkflowRunArtifacts"),
    },
    issues: {
      listComments: method("listComments"),
      createComment: method("createComment"),
      updateComment: method("updateComment"),
      listForRepo: method("listForRepo"),
      create: method("create"),
      update: method("update"),
    },
  },
  paginate: async (fn, params) => (await fn(params)).data,
};
const context = {
  repo: { owner: "acme", repo: "judges" },
  sha: "merge5ha",
  serverUrl: "https://github.com",
  runId: 42,
  issue: { number: 7 },
};
const core = { setOutput: (key, value) => { outputs[key] = value; }, info: () => {} };
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
const body = fs.readFileSync(scriptFile, "utf8");
const script = new AsyncFunction("github", "context", "core", "require", body);
script(github, context, core, require).then(() => {
  process.stdout.write(JSON.stringify({ calls, outputs }));
});
"""


def script(name: str) -> str:
    steps = yaml.safe_load(ACTION.read_text(encoding="utf-8"))["runs"]["steps"]
    text: str = next(step for step in steps if step.get("name") == name)["with"]["script"]
    return text


@pytest.fixture
def run_script(tmp_path: Path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed; GitHub's runners run these scripts with it")

    def run(name: str, answers: dict[str, Any], **env: str) -> dict[str, Any]:
        (tmp_path / "harness.js").write_text(HARNESS, encoding="utf-8")
        (tmp_path / "script.js").write_text(script(name), encoding="utf-8")
        (tmp_path / "answers.json").write_text(json.dumps(answers), encoding="utf-8")
        result = subprocess.run(
            [node, "harness.js", "script.js", "answers.json"],
            cwd=tmp_path,
            env={"PATH": "/usr/bin:/bin", **env},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        found: dict[str, Any] = json.loads(result.stdout)
        return found

    return run


FIND_PLAN = "Find the merged pull request's reviewed plan"
MERGED = {"number": 7, "merged_at": "2026-11-29T06:00:00Z", "merge_commit_sha": "merge5ha"}


def merged_pull(head: str = "head5ha") -> dict[str, Any]:
    return {**MERGED, "head": {"sha": head}}


def test_the_reviewed_plan_is_the_newest_successful_plan_run_of_the_head_commit(run_script):
    runs = [
        {"id": 1, "created_at": "2026-11-29T05:00:00Z", "html_url": "u1"},
        {"id": 2, "created_at": "2026-11-29T05:30:00Z", "html_url": "u2"},
    ]
    found = run_script(
        FIND_PLAN,
        {
            "listPullRequestsAssociatedWithCommit": [merged_pull()],
            "listWorkflowRuns": {"workflow_runs": runs},
            "listWorkflowRunArtifacts": {"artifacts": [{"id": 9, "expired": False}]},
        },
        PLAN_WORKFLOW="judges-plan.yml",
    )
    assert found["outputs"] == {"pr": "7", "head-sha": "head5ha", "run-id": "2"}
    names = [name for name, _ in found["calls"]]
    assert names == [
        "listPullRequestsAssociatedWithCommit",
        "listWorkflowRuns",
        "listWorkflowRunArtifacts",
    ]
    assert found["calls"][0][1]["commit_sha"] == "merge5ha"
    assert found["calls"][1][1] == {
        "owner": "acme",
        "repo": "judges",
        "workflow_id": "judges-plan.yml",
        "head_sha": "head5ha",
        "event": "pull_request",
        "status": "success",
        "per_page": 100,
    }
    assert found["calls"][2][1]["run_id"] == 2
    assert found["calls"][2][1]["name"] == "judgesync-plan"


def test_a_direct_push_has_no_pull_request_and_no_plan(run_script):
    # A pull request that merely contains the commit, merged as another one, is not it.
    other = {**merged_pull(), "merge_commit_sha": "elsewhere"}
    found = run_script(FIND_PLAN, {"listPullRequestsAssociatedWithCommit": [other]})
    assert found["outputs"] == {}


@pytest.mark.parametrize(
    "runs, artifacts, reason",
    [
        ([], [], "no successful judges-plan.yml run exists for it"),
        (
            [{"id": 3, "created_at": "2026-11-29T05:00:00Z", "html_url": "u3"}],
            [{"id": 9, "expired": True}],
            "its last plan run (u3) saved no plan",
        ),
    ],
)
def test_a_merged_pull_request_without_a_plan_gets_a_reason(run_script, runs, artifacts, reason):
    found = run_script(
        FIND_PLAN,
        {
            "listPullRequestsAssociatedWithCommit": [merged_pull()],
            "listWorkflowRuns": {"workflow_runs": runs},
            "listWorkflowRunArtifacts": {"artifacts": artifacts},
        },
        PLAN_WORKFLOW="judges-plan.yml",
    )
    assert "run-id" not in found["outputs"]
    assert found["outputs"]["reason"].startswith(reason)


COMMENT = "Comment on the pull request"
MARKER = "<!-- judgesync-plan -->"


def comment_env(tmp_path: Path, mode: str, body: str = f"{MARKER}\nplan") -> dict[str, str]:
    (tmp_path / "body.md").write_text(body, encoding="utf-8")
    return {"BODY_FILE": str(tmp_path / "body.md"), "MODE": mode, "PR_NUMBER": "7"}


def our_comment(comment_id: int = 5) -> dict[str, Any]:
    return {"id": comment_id, "user": {"type": "Bot"}, "body": f"{MARKER}\nold plan"}


def test_the_plan_comment_updates_the_one_sticky_comment(run_script, tmp_path):
    someone = {"id": 4, "user": {"type": "User"}, "body": f"{MARKER} quoted by a person"}
    found = run_script(
        COMMENT, {"listComments": [someone, our_comment()]}, **comment_env(tmp_path, "sticky")
    )
    (_, update) = found["calls"]
    assert update == [
        "updateComment",
        {"owner": "acme", "repo": "judges", "comment_id": 5, "body": f"{MARKER}\nplan"},
    ]


def test_the_first_plan_comment_is_created(run_script, tmp_path):
    found = run_script(COMMENT, {"listComments": []}, **comment_env(tmp_path, "sticky"))
    assert [name for name, _ in found["calls"]] == ["listComments", "createComment"]
    assert found["calls"][1][1]["issue_number"] == 7


def test_no_judge_changes_only_updates_an_existing_comment(run_script, tmp_path):
    found = run_script(COMMENT, {"listComments": []}, **comment_env(tmp_path, "update"))
    assert [name for name, _ in found["calls"]] == ["listComments"]
    found = run_script(
        COMMENT, {"listComments": [our_comment()]}, **comment_env(tmp_path, "update")
    )
    assert [name for name, _ in found["calls"]] == ["listComments", "updateComment"]


def test_a_refused_apply_is_a_new_comment(run_script, tmp_path):
    found = run_script(
        COMMENT, {"listComments": [our_comment()]}, **comment_env(tmp_path, "new", "refused")
    )
    assert found["calls"] == [
        ["createComment", {"owner": "acme", "repo": "judges", "issue_number": 7, "body": "refused"}]
    ]


DRIFT = "Open, update or close the drift issue"
DRIFT_MARKER = "<!-- judgesync-drift -->"


def drift_issue(number: int = 3) -> dict[str, Any]:
    return {"number": number, "body": f"{DRIFT_MARKER}\nold plan"}


def drift_env(tmp_path: Path, drifted: str) -> dict[str, str]:
    (tmp_path / "issue.md").write_text(f"{DRIFT_MARKER}\nplan", encoding="utf-8")
    return {"BODY_FILE": str(tmp_path / "issue.md"), "DRIFTED": drifted}


def test_drift_opens_one_labelled_issue(run_script, tmp_path):
    found = run_script(DRIFT, {"listForRepo": []}, **drift_env(tmp_path, "true"))
    (listed, created) = found["calls"]
    assert listed[1]["labels"] == "judgesync-drift" and listed[1]["state"] == "open"
    assert created == [
        "create",
        {
            "owner": "acme",
            "repo": "judges",
            "title": "Judges drifted from the specs",
            "body": f"{DRIFT_MARKER}\nplan",
            "labels": ["judgesync-drift"],
        },
    ]


def test_drift_updates_the_open_issue_and_ignores_pull_requests(run_script, tmp_path):
    pull = {"number": 2, "body": f"{DRIFT_MARKER}\n", "pull_request": {}}
    found = run_script(DRIFT, {"listForRepo": [pull, drift_issue()]}, **drift_env(tmp_path, "true"))
    assert found["calls"][1] == [
        "update",
        {"owner": "acme", "repo": "judges", "issue_number": 3, "body": f"{DRIFT_MARKER}\nplan"},
    ]


def test_back_in_sync_closes_the_issue_with_a_comment(run_script, tmp_path):
    found = run_script(DRIFT, {"listForRepo": [drift_issue()]}, **drift_env(tmp_path, "false"))
    (_, commented, closed) = found["calls"]
    assert commented[0] == "createComment" and commented[1]["issue_number"] == 3
    assert "`merge5ha`" in commented[1]["body"]
    assert "https://github.com/acme/judges/actions/runs/42" in commented[1]["body"]
    assert closed == [
        "update",
        {
            "owner": "acme",
            "repo": "judges",
            "issue_number": 3,
            "state": "closed",
            "state_reason": "completed",
        },
    ]


def test_in_sync_without_an_open_issue_does_nothing(run_script, tmp_path):
    found = run_script(DRIFT, {"listForRepo": []}, **drift_env(tmp_path, "false"))
    assert [name for name, _ in found["calls"]] == ["listForRepo"]
