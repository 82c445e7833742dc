"""action/run.sh's answers to what GitHub leaves open (issue 16): a merge delivered
twice, a head that cannot be read, a superseded backstop run, a drift check
that fails, a fork's skipped plan, and comments that must fit GitHub's limit.
Against the embedded emulator, as tests/test_workflows.py runs the steps.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from judgesync.render import as_markdown, markdown_text
from tests.test_workflows import Checkout, git, reviewed_plan


@pytest.fixture
def checkout(tmp_path: Path) -> Checkout:
    return Checkout(tmp_path)


def pending(checkout: Checkout) -> int:
    """plan --detailed-exitcode of the checkout: 0 in step with the remote, 2 not."""
    return checkout.judgesync("plan", "--api-url", "local", "--detailed-exitcode").returncode


@pytest.mark.parametrize("event", ["push", "pull_request"])
def test_the_second_run_of_one_merge_finds_nothing_to_apply(checkout, event):
    reviewed_plan(checkout)
    first = checkout.step("apply", ACTION_COMMAND="apply", PR_NUMBER="7", HEAD_SHA="abc123")
    assert first.returncode == 0, first.stderr
    assert checkout.outputs() == {"exitcode": "0"} and pending(checkout) == 0

    second = checkout.step(
        "apply", ACTION_COMMAND="apply", PR_NUMBER="7", HEAD_SHA="abc123", GITHUB_EVENT_NAME=event
    )

    assert second.returncode == 0, second.stderr
    assert checkout.outputs() == {}  # no failure, no comment
    assert "Nothing to apply: the remote judges already match the specs" in second.stdout
    assert "nothing to apply" in checkout.summary.read_text(encoding="utf-8")


def test_a_head_that_cannot_be_read_is_not_called_stale(checkout):
    reviewed_plan(checkout)
    git(checkout.root, "remote", "set-url", "origin", str(checkout.root.parent / "gone.git"))
    result = checkout.step("apply", ACTION_COMMAND="apply", PR_NUMBER="7", HEAD_SHA="abc123")
    assert result.returncode == 0, result.stderr
    refusal = checkout.read("refusal.md")
    assert "The head of `main` could not be read (`git ls-remote origin` failed" in refusal
    assert "no longer the head" not in refusal
    assert checkout.outputs()["failed"] == "true"
    assert pending(checkout) == 2


def test_a_superseded_backstop_run_leaves_it_to_the_newer_runs(checkout):
    reviewed_plan(checkout)
    stale = checkout.head
    checkout.commit("a later merge")
    result = checkout.step(
        "apply",
        ACTION_COMMAND="apply",
        PR_NUMBER="7",
        GITHUB_SHA=stale,
        GITHUB_EVENT_NAME="pull_request",
    )
    assert result.returncode == 0, result.stderr
    assert f"::notice::Commit {stale} is no longer the head of main" in result.stdout
    assert checkout.outputs() == {}
    assert pending(checkout) == 2


def test_a_failing_drift_check_writes_its_error_for_the_drift_issue(checkout):
    result = checkout.step("drift", ACTION_COMMAND="drift", ACTION_API_URL="ftp://nowhere")
    assert result.returncode == 0, result.stderr
    outputs = checkout.outputs()
    error_file = checkout.temp / "judgesync" / "drift-error.md"
    assert outputs == {"exitcode": "1", "drift-error": str(error_file), "failed": "true"}
    body = error_file.read_text(encoding="utf-8")
    assert body.startswith("<!-- judgesync-drift -->\n### judgesync: the drift check failed\n")
    assert "ftp://nowhere" in body and "Commit `" in body
    assert checkout.summary.read_text(encoding="utf-8") == body


def test_a_fork_pull_request_gets_a_notice_that_its_plan_was_skipped(checkout):
    result = checkout.step("plan", ACTION_COMMAND="plan", IS_FORK="true", MISTRAL_API_KEY="")
    assert result.returncode == 0, result.stderr
    assert "::notice::The specs are valid; the plan is skipped: a pull request from a fork" in (
        result.stdout
    )
    assert checkout.outputs() == {}


def test_problems_are_escaped_before_they_are_cut_and_the_comment_fits(checkout):
    # 150 problems, each quoting 900 characters that escape to five times as many.
    keys = "".join(f"'{number:03}{'@' * 900}<é>': x\n" for number in range(150))
    (checkout.root / "judges" / "bad.yaml").write_text(keys, encoding="utf-8")
    result = checkout.step("validate", ACTION_COMMAND="validate", HEAD_SHA="abc123")
    assert result.returncode == 0, result.stderr
    comment = checkout.read("comment.md")
    assert comment.startswith(f"{as_markdown.PLAN_MARKER}\n### judgesync: the specs are invalid")
    assert len(comment) + (140 - len("acme/judges")) <= markdown_text.GITHUB_COMMENT_LIMIT
    block = comment.split("<pre>\n", 1)[1].split("</pre>", 1)[0]
    assert "@" not in block and "<" not in block
    lines = block.splitlines()
    assert len(lines) == 101 and lines[-1].startswith("… and ")
    assert all(len(line.encode()) <= 500 + len("…".encode()) for line in lines)
    # Cut after escaping, never inside an entity.
    quoting = [line for line in lines if "unknown key" in line]
    assert len(quoting) > 90 and all(line.endswith("&#64;…") for line in quoting)
