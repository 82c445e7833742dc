"""The GitHub stand-in itself: expressions read as GitHub reads them, and the fake
answers as GitHub's REST API does (permissions, paging, the artifact redirect)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.github import expressions
from tests.github.fake import READ_ONLY
from tests.github.runner import parse_commands_file

CONTEXTS: dict[str, Any] = {
    "github": {"event_name": "push", "repository": "acme/judges", "event": {}},
    "inputs": {"command": "apply", "plan-file": ""},
    "steps": {"judgesync": {"outputs": {"run-id": "7", "drifted": "false"}}},
}


def status(failed: bool = False) -> Any:
    return lambda name: {"success": not failed, "failure": failed, "always": True}[name]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("inputs.command == 'APPLY'", True),  # strings compare ignoring case
        ("inputs.plan-file == ''", True),
        ("steps.judgesync.outputs.run-id", "7"),
        ("steps.judgesync.outputs.run-id == 7", True),  # loose: both to numbers
        ("steps.nothing.outputs.x", None),  # a missing property is null
        ("steps.nothing.outputs.x || 'fallback'", "fallback"),
        ("inputs.command && 'yes'", "yes"),  # && yields an operand
        ("!inputs.plan-file", True),
        ("(1 == 1) && !(2 < 1)", True),
        ("github['event_name'] != 'pull_request'", True),
        ("format('refs/heads/{0}', 'main')", "refs/heads/main"),
        ("contains(fromJSON('[\"a\", \"b\"]'), 'B')", True),
        ("startsWith(github.repository, 'ACME/')", True),
        ("toJSON(inputs.command)", '"apply"'),
        ("'it''s'", "it's"),
    ],
)
def test_expressions_read_as_github_reads_them(text, value):
    assert expressions.evaluate(text, CONTEXTS, status()) == value


def test_null_equals_empty_string_after_number_conversion():
    # GitHub converts null and '' both to 0 when the types differ.
    assert expressions.evaluate("null == ''", CONTEXTS, status()) is True


@pytest.mark.parametrize(
    ("condition", "failed", "runs"),
    [
        ("inputs.command == 'apply'", False, True),
        ("inputs.command == 'apply'", True, False),  # success() && … is implied
        ("always()", True, True),
        ("${{ failure() }}", True, True),
        ("${{ steps.judgesync.outputs.drifted != '' }}", False, True),
    ],
)
def test_an_if_is_success_and_the_expression_unless_it_names_a_status(condition, failed, runs):
    assert expressions.condition(condition, CONTEXTS, status(failed)) is runs


@given(st.text().filter(lambda text: "${{" not in text))
def test_text_without_an_expression_is_left_as_it_is(text):
    assert expressions.substitute(text, CONTEXTS, status()) == text


def test_substitution_writes_null_as_nothing_and_booleans_as_words():
    text = "${{ steps.none.outputs.x }}|${{ 1 == 1 }}|${{ steps.judgesync.outputs.run-id }}"
    assert expressions.substitute(text, CONTEXTS, status()) == "|true|7"


def test_an_unknown_context_or_function_is_an_error_not_null():
    with pytest.raises(expressions.ExpressionError):
        expressions.evaluate("secret.KEY", CONTEXTS, status())
    with pytest.raises(expressions.ExpressionError):
        expressions.evaluate("hashFiles('x')", CONTEXTS, status())


def test_the_outputs_file_reads_lines_and_heredocs():
    text = "run=true\ncomment<<ghadelimiter_1\nline one\nline=two\nghadelimiter_1\nx=\n"
    assert parse_commands_file(text) == {"run": "true", "comment": "line one\nline=two", "x": ""}


# --- the fake GitHub -------------------------------------------------------------------


def call(github, token: str | None, method: str, path: str, **kwargs: Any) -> httpx.Response:
    headers = {"Authorization": f"token {token}"} if token else {}
    return httpx.request(method, github.url + path, headers=headers, timeout=10, **kwargs)


def test_a_call_beyond_the_tokens_permissions_answers_403_and_is_recorded(github):
    github.issue("acme/judges", "body", [])
    token = github.token("read-only", READ_ONLY)

    assert call(github, token, "GET", "/repos/acme/judges/issues").status_code == 200
    refused = call(github, token, "PATCH", "/repos/acme/judges/issues/1", json={"body": "x"})

    assert refused.status_code == 403
    assert refused.json()["message"] == "Resource not accessible by integration"
    assert [(r.method, r.needed) for r in github.beyond_permissions()] == [
        ("PATCH", ("issues", "write"))
    ]
    assert github.issues_of("acme/judges")[0]["body"] == "body"


def test_an_unknown_token_is_bad_credentials_and_an_unknown_repository_not_found(github):
    github.repository("acme/judges")
    assert call(github, "nobody", "GET", "/repos/acme/judges/issues").status_code == 401
    token = github.token("t", READ_ONLY)
    assert call(github, token, "GET", "/repos/acme/other/issues").status_code == 404


def test_a_comment_on_a_pull_request_needs_pull_requests_write(github):
    github.pull_request("acme/judges", 7, "head")
    plan = github.token("plan", {"contents": "read", "pull-requests": "write"})
    drift = github.token("drift", {"contents": "read", "issues": "write"})
    path = "/repos/acme/judges/issues/7/comments"
    assert call(github, plan, "POST", path, json={"body": "x"}).status_code == 201
    assert call(github, drift, "POST", path, json={"body": "y"}).status_code == 403


def test_lists_are_paged_with_link_headers(github):
    github.pull_request("acme/judges", 7, "head")
    for n in range(5):
        github.comment("acme/judges", 7, f"c{n}", "someone", "User")
    token = github.token("t", READ_ONLY)

    first = call(github, token, "GET", "/repos/acme/judges/issues/7/comments?per_page=2")
    last = call(github, token, "GET", "/repos/acme/judges/issues/7/comments?per_page=2&page=3")

    assert [c["body"] for c in first.json()] == ["c0", "c1"]
    assert 'page=2>; rel="next"' in first.headers["Link"]
    assert 'page=3>; rel="last"' in first.headers["Link"]
    assert [c["body"] for c in last.json()] == ["c4"]
    assert "next" not in last.headers["Link"]


def test_workflow_runs_are_filtered_as_the_api_filters_them(github):
    github.workflow_run("acme/judges", "judges-plan.yml", "pull_request", "a", pulls=[7])
    github.workflow_run("acme/judges", "judges-plan.yml", "push", "a")
    github.workflow_run("acme/judges", "judges-plan.yml", "pull_request", "b", conclusion="failure")
    github.workflow_run("acme/judges", "other.yml", "pull_request", "a")
    token = github.token("t", {"actions": "read"})

    found = call(
        github,
        token,
        "GET",
        "/repos/acme/judges/actions/workflows/judges-plan.yml/runs",
        params={"event": "pull_request", "status": "success"},
    ).json()

    assert found["total_count"] == 1
    (run,) = found["workflow_runs"]
    assert run["head_sha"] == "a" and run["pull_requests"][0]["number"] == 7
    assert run["path"] == ".github/workflows/judges-plan.yml"
    assert run["head_repository"]["full_name"] == "acme/judges"


def test_an_artifact_downloads_through_a_redirect_to_blob_storage(github):
    github.repository("acme/judges")
    artifact = github.artifact(5, "judgesync-plan", {"plan.json": b"{}"})
    token = github.token("t", {"actions": "read"})

    moved = call(github, token, "GET", f"/repos/acme/judges/actions/artifacts/{artifact['id']}/zip")

    assert moved.status_code == 302
    blob = httpx.get(moved.headers["Location"], timeout=10)
    assert blob.content[:2] == b"PK"
    assert call(github, None, "GET", moved.headers["Location"].split(github.url)[1]).is_success
