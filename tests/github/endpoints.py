"""The REST endpoints of the fake GitHub (tests/github/fake.py): each a function of
the fake's state, the query, the JSON body and the path's parameters, answering in
GitHub's documented shapes; `routes()` maps paths to them with the permission each
needs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

if TYPE_CHECKING:
    from tests.github.fake import FakeGitHub

Json = dict[str, Any]


@dataclass(frozen=True)
class Answer:
    status: int
    data: Any
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None


def public(query: Json) -> Json:
    return {key: value for key, value in query.items() if not key.startswith("__")}


def routes() -> list[tuple[str, str, Any, Callable[..., Answer]]]:
    """(method, path pattern, permission needed, handler) for each endpoint."""
    repo = r"/repos/(?P<repo>[^/]+/[^/]+)"
    return [
        ("GET", repo + r"/commits/(?P<sha>\w+)/pulls", ("contents", "read"), associated),
        ("GET", repo + r"/git/commits/(?P<sha>\w+)", ("contents", "read"), git_commit),
        ("GET", repo + r"/pulls/(?P<number>\d+)", ("pull-requests", "read"), pull),
        (
            "GET",
            repo + r"/actions/workflows/(?P<workflow>[^/]+)/runs",
            ("actions", "read"),
            runs,
        ),
        (
            "GET",
            repo + r"/actions/runs/(?P<run_id>\d+)/artifacts",
            ("actions", "read"),
            run_artifacts,
        ),
        (
            "GET",
            repo + r"/actions/artifacts/(?P<artifact_id>\d+)/zip",
            ("actions", "read"),
            artifact_zip,
        ),
        ("GET", r"/_blobs/(?P<artifact_id>\d+)", None, blob),
        (
            "GET",
            repo + r"/issues/(?P<number>\d+)/comments",
            on_conversation("read"),
            list_comments,
        ),
        (
            "POST",
            repo + r"/issues/(?P<number>\d+)/comments",
            on_conversation("write"),
            create_comment,
        ),
        (
            "PATCH",
            repo + r"/issues/comments/(?P<comment_id>\d+)",
            on_conversation("write"),
            update_comment,
        ),
        ("GET", repo + r"/issues", ("issues", "read"), list_issues),
        ("POST", repo + r"/issues", ("issues", "write"), create_issue),
        ("PATCH", repo + r"/issues/(?P<number>\d+)", ("issues", "write"), update_issue),
    ]


def on_conversation(level: str) -> Callable[[FakeGitHub, dict[str, str]], tuple[str, str]]:
    """A comment on a pull request asks for pull-requests, on an issue for issues.
    (GitHub also lets issues permission comment on a pull request; the shipped
    workflows grant pull-requests, so the stricter reading is checked.)"""

    def needed(fake: FakeGitHub, params: dict[str, str]) -> tuple[str, str]:
        repo = fake.repos[params["repo"]]
        number = params.get("number")
        if number is None:
            by_id = {str(c["id"]): c["issue_number"] for c in repo.comments}
            number = str(by_id.get(params["comment_id"], 0))
        if int(number) in repo.pulls:
            return ("pull-requests", level)
        return ("issues", level)

    return needed


# --- endpoints -------------------------------------------------------------------


def associated(fake: FakeGitHub, query: Json, body: Json, repo: str, sha: str) -> Answer:
    found = fake.repos[repo]
    if fake.association_lag > 0:
        fake.association_lag -= 1
        return page(fake, [], query)
    return page(fake, [found.pulls[n] for n in found.associations.get(sha, [])], query)


def git_commit(fake: FakeGitHub, query: Json, body: Json, repo: str, sha: str) -> Answer:
    message = fake.repos[repo].commits.get(sha)
    if message is None:
        return Answer(404, {"message": "Not Found"})
    return Answer(200, {"sha": sha, "message": message})


def pull(fake: FakeGitHub, query: Json, body: Json, repo: str, number: str) -> Answer:
    pull = fake.repos[repo].pulls.get(int(number))
    return Answer(200, pull) if pull else Answer(404, {"message": "Not Found"})


def runs(fake: FakeGitHub, query: Json, body: Json, repo: str, workflow: str) -> Answer:
    def kept(run: Json) -> bool:
        return (
            run["path"].rsplit("/", 1)[-1] == workflow
            and query.get("event", run["event"]) == run["event"]
            and query.get("head_sha", run["head_sha"]) == run["head_sha"]
            and query.get("status", run["conclusion"]) in (run["status"], run["conclusion"])
        )

    # GitHub lists the newest first.
    runs = [run for run in reversed(fake.repos[repo].runs) if kept(run)]
    return page(fake, runs, query, key="workflow_runs")


def run_artifacts(fake: FakeGitHub, query: Json, body: Json, repo: str, run_id: str) -> Answer:
    found = [
        artifact
        for artifact in fake.artifacts.values()
        if artifact["workflow_run"]["id"] == int(run_id)
        and query.get("name", artifact["name"]) == artifact["name"]
    ]
    return page(fake, found, query, key="artifacts")


def artifact_zip(fake: FakeGitHub, query: Json, body: Json, repo: str, artifact_id: str) -> Answer:
    artifact = fake.artifacts.get(int(artifact_id))
    if artifact is None or artifact["expired"]:
        return Answer(410 if artifact else 404, {"message": "Artifact has expired"})
    return Answer(302, None, {"Location": f"{fake.url}/_blobs/{artifact_id}?sig=opaque"})


def blob(fake: FakeGitHub, query: Json, body: Json, artifact_id: str) -> Answer:
    return Answer(200, None, {"Content-Type": "application/zip"}, fake.blobs[int(artifact_id)])


def list_comments(fake: FakeGitHub, query: Json, body: Json, repo: str, number: str) -> Answer:
    return page(fake, fake.comments_on(repo, int(number)), query)


def create_comment(fake: FakeGitHub, query: Json, body: Json, repo: str, number: str) -> Answer:
    if int(number) not in fake.repos[repo].issues:
        return Answer(404, {"message": "Not Found"})
    return Answer(201, fake.comment(repo, int(number), body["body"], "github-actions[bot]"))


def update_comment(fake: FakeGitHub, query: Json, body: Json, repo: str, comment_id: str) -> Answer:
    for found in fake.repos[repo].comments:
        if found["id"] == int(comment_id):
            found["body"] = body["body"]
            return Answer(200, found)
    return Answer(404, {"message": "Not Found"})


def list_issues(fake: FakeGitHub, query: Json, body: Json, repo: str) -> Answer:
    state = query.get("state", "open")
    labels = set(filter(None, query.get("labels", "").split(",")))
    # GitHub's issue list includes pull requests.
    found = [
        issue
        for issue in fake.repos[repo].issues.values()
        if state in ("all", issue.get("state", "open"))
        and labels <= {label["name"] for label in issue.get("labels", [])}
    ]
    return page(fake, found, query)


def create_issue(fake: FakeGitHub, query: Json, body: Json, repo: str) -> Answer:
    fields = {"title": body["title"]}
    return Answer(201, fake.issue(repo, body.get("body", ""), body.get("labels", []), **fields))


def update_issue(fake: FakeGitHub, query: Json, body: Json, repo: str, number: str) -> Answer:
    issue = fake.repos[repo].issues.get(int(number))
    if issue is None:
        return Answer(404, {"message": "Not Found"})
    issue.update(
        {key: body[key] for key in ("title", "body", "state", "state_reason") if key in body}
    )
    return Answer(200, issue)


def page(fake: FakeGitHub, items: list[Json], query: Json, key: str | None = None) -> Answer:
    per_page = min(int(query.get("per_page", 30)), 100)
    page = int(query.get("page", 1))
    chunk = items[(page - 1) * per_page : page * per_page]
    last = max(1, -(-len(items) // per_page))
    links = []
    if page < last:
        links.append(("next", page + 1))
        links.append(("last", last))
    if page > 1:
        links.append(("prev", page - 1))
        links.append(("first", 1))
    headers = {}
    if links:
        base = f"{fake.url}{query['__path']}"
        headers["Link"] = ", ".join(
            f'<{base}?{urlencode({**public(query), "page": n})}>; rel="{rel}"' for rel, n in links
        )
    data: Any = chunk if key is None else {"total_count": len(items), key: chunk}
    return Answer(200, data, headers)
