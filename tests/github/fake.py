"""A stand-in for GitHub's REST API, served on loopback for the action's scripts.

It answers the endpoints the action's github-script and artifact steps call,
in GitHub's documented shapes; enforces each token's `permissions:` (a call
beyond them answers 403 "Resource not accessible by integration", as GitHub
does); pages lists with `per_page`/`page` and Link headers; and records every
request. State is plain data set up by the test: `repository`, `pull_request`,
`workflow_run`, `artifact`, `comment`, `issue`, `commit`.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import threading
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.github.endpoints import Answer, public, routes

Json = dict[str, Any]
READ_ONLY = {"contents": "read", "pull-requests": "read", "issues": "read", "actions": "read"}
FORBIDDEN = {
    "message": "Resource not accessible by integration",
    "documentation_url": "https://docs.github.com/rest",
}
STAMPS = (f"2026-11-29T{hour:02}:{minute:02}:00Z" for hour in range(24) for minute in range(60))


@dataclass(frozen=True)
class Recorded:
    """One request as the fake saw it: who asked, what it needed, what it answered."""

    method: str
    path: str
    query: dict[str, str]
    token: str | None
    needed: tuple[str, str] | None  # (scope, "read" | "write"), None for blob storage
    status: int
    body: Json | None = None


@dataclass
class Token:
    value: str
    permissions: dict[str, str]


@dataclass
class Repo:
    full_name: str
    default_branch: str = "main"
    pulls: dict[int, Json] = field(default_factory=dict)
    runs: list[Json] = field(default_factory=list)
    issues: dict[int, Json] = field(default_factory=dict)  # issues and PRs share numbers
    comments: list[Json] = field(default_factory=list)
    commits: dict[str, str] = field(default_factory=dict)  # sha -> message
    associations: dict[str, list[int]] = field(default_factory=dict)  # sha -> PR numbers


class FakeGitHub:
    """The state and the recorded requests; `serve()` runs it on a loopback port."""

    def __init__(self) -> None:
        self.repos: dict[str, Repo] = {}
        self.tokens: dict[str, Token] = {}
        self.artifacts: dict[int, Json] = {}
        self.blobs: dict[int, bytes] = {}
        self.requests: list[Recorded] = []
        # The commit→PR association lag: this many lookups answer [] first.
        self.association_lag = 0
        self.url = ""
        self._ids = itertools.count(1001)
        self._lock = threading.Lock()

    # --- state -----------------------------------------------------------------------

    def repository(self, full_name: str) -> Repo:
        return self.repos.setdefault(full_name, Repo(full_name))

    def token(self, value: str, permissions: dict[str, str]) -> str:
        self.tokens[value] = Token(value, dict(permissions))
        return value

    def pull_request(self, repo: str, number: int, head_sha: str, **fields: Any) -> Json:
        """An open PR; `head_repo` (default `repo`) names a fork; `merge()` merges it."""
        head_repo = fields.pop("head_repo", repo)
        pull = {
            "number": number,
            "state": "open",
            "title": f"Pull request #{number}",
            "html_url": f"https://github.com/{repo}/pull/{number}",
            "user": {"login": "developer", "type": "User"},
            "merged_at": None,
            "merge_commit_sha": None,
            "head": {"sha": head_sha, "ref": f"pr-{number}", "repo": {"full_name": head_repo}},
            "base": {"ref": "main", "repo": {"full_name": repo}},
            **fields,
        }
        self.repository(repo).pulls[number] = pull
        self.repository(repo).issues[number] = {
            "number": number,
            "pull_request": {"url": pull["html_url"]},
        }
        return pull

    def merge(self, repo: str, number: int, merge_sha: str, message: str) -> None:
        """The merge button: merged_at, merge_commit_sha, the commit and its association."""
        pull = self.repository(repo).pulls[number]
        pull.update(state="closed", merged_at=next(STAMPS), merge_commit_sha=merge_sha)
        self.commit(repo, merge_sha, message, pulls=[number])

    def commit(self, repo: str, sha: str, message: str, pulls: list[int] | None = None) -> None:
        self.repository(repo).commits[sha] = message
        self.repository(repo).associations[sha] = list(pulls or [])

    def workflow_run(
        self, repo: str, workflow: str, event: str, head_sha: str, **fields: Any
    ) -> Json:
        """A completed run of `.github/workflows/<workflow>`; `pulls` lists linked PR numbers."""
        head_repo = fields.pop("head_repo", repo)
        pulls = fields.pop("pulls", [])
        run_id = next(self._ids)
        run = {
            "id": run_id,
            "name": workflow.rsplit(".", 1)[0],
            "path": f".github/workflows/{workflow}",
            "event": event,
            "status": "completed",
            "conclusion": "success",
            "head_sha": head_sha,
            "head_branch": fields.pop("head_branch", "pr"),
            "head_repository": {"full_name": head_repo},
            "repository": {"full_name": repo},
            "pull_requests": [
                {"number": n, "head": {"sha": head_sha}, "base": {"ref": "main"}} for n in pulls
            ],
            "created_at": next(STAMPS),
            "html_url": f"https://github.com/{repo}/actions/runs/{run_id}",
            **fields,
        }
        self.repository(repo).runs.append(run)
        return run

    def artifact(self, run_id: int, name: str, files: dict[str, bytes], **fields: Any) -> Json:
        """An artifact of a run: `files` zipped as upload-artifact stores them."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for file_name, content in files.items():
                archive.writestr(file_name, content)
        artifact_id = next(self._ids)
        self.blobs[artifact_id] = buffer.getvalue()
        artifact = {
            "id": artifact_id,
            "name": name,
            "size_in_bytes": len(self.blobs[artifact_id]),
            "expired": False,
            "created_at": next(STAMPS),
            "workflow_run": {"id": run_id},
            **fields,
        }
        self.artifacts[artifact_id] = artifact
        return artifact

    def upload(self, run_id: int, name: str, paths: list[Path]) -> Json:
        """upload-artifact: the files at `paths` (by name) into the run's artifact."""
        return self.artifact(run_id, name, {path.name: path.read_bytes() for path in paths})

    def comment(self, repo: str, number: int, body: str, login: str, kind: str = "Bot") -> Json:
        found = {
            "id": next(self._ids),
            "issue_number": number,
            "body": body,
            "user": {"login": login, "type": kind},
        }
        self.repository(repo).comments.append(found)
        return found

    def issue(self, repo: str, body: str, labels: list[str], **fields: Any) -> Json:
        taken = self.repository(repo).issues
        number = max(taken, default=0) + 1
        issue = {
            "number": number,
            "state": "open",
            "state_reason": None,
            "title": fields.pop("title", "An issue"),
            "body": body,
            "labels": [{"name": label} for label in labels],
            "user": {"login": "github-actions[bot]", "type": "Bot"},
            **fields,
        }
        taken[number] = issue
        return issue

    def comments_on(self, repo: str, number: int) -> list[Json]:
        return [c for c in self.repository(repo).comments if c["issue_number"] == number]

    def issues_of(self, repo: str) -> list[Json]:
        return [i for i in self.repository(repo).issues.values() if "pull_request" not in i]

    def beyond_permissions(self) -> list[Recorded]:
        """Requests that asked for more than their token carries (answered 403)."""
        return [r for r in self.requests if r.needed and not self._grants(r.token, r.needed)]

    def _grants(self, token: str | None, needed: tuple[str, str]) -> bool:
        found = self.tokens.get(token or "")
        if found is None:
            return False
        level = found.permissions.get(needed[0], "none")
        return level == "write" or (level == "read" and needed[1] == "read")

    # --- serving ---------------------------------------------------------------------

    def serve(self) -> Iterator[FakeGitHub]:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{server.server_port}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)

    def answer(self, method: str, url: str, token: str | None, body: Json | None) -> Answer:
        with self._lock:
            parts = urlsplit(url)
            query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
            route = self._route(method, parts.path)
            if route is None:
                found = Answer(404, {"message": "Not Found"})
                needed = None
            else:
                needed, handle, params = route
                query = {**query, "__path": parts.path}
                if needed and token not in self.tokens:
                    found = Answer(401, {"message": "Bad credentials"})
                elif needed and not self._grants(token, needed):
                    found = Answer(403, FORBIDDEN)
                else:
                    try:
                        found = handle(self, query, body or {}, **params)
                    except Exception as error:  # a bug of the fake: a 500 the test sees
                        found = Answer(500, {"message": f"the fake GitHub failed: {error!r}"})
            self.requests.append(
                Recorded(method, parts.path, public(query), token, needed, found.status, body)
            )
            return found

    def _route(
        self, method: str, path: str
    ) -> tuple[tuple[str, str] | None, Callable[..., Answer], dict[str, str]] | None:
        needed: Any
        for verb, pattern, needed, handle in routes():
            matched = re.fullmatch(pattern, path)
            if verb == method and matched:
                params = matched.groupdict()
                repo = params.pop("repo", None)
                if repo is not None:
                    if repo not in self.repos:
                        return None
                    params["repo"] = repo
                if callable(needed):
                    needed = needed(self, params)
                return needed, handle, params
        return None


def _handler(fake: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            authorization = self.headers.get("Authorization") or ""
            token = authorization.split(" ", 1)[1] if " " in authorization else None
            answer = fake.answer(self.command, self.path, token, body)
            payload = answer.raw
            if payload is None and answer.data is not None:
                payload = json.dumps(answer.data).encode()
            self.send_response(answer.status)
            headers = {"Content-Type": "application/json; charset=utf-8", **answer.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload or b"")))
            self.end_headers()
            self.wfile.write(payload or b"")

        do_GET = do_POST = do_PATCH = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the recorded requests are the log

    return Handler
