"""Replay against an API whose datasets endpoints are absent, through the real client
on `httpx.MockTransport`: each way an API says "no datasets" is detected on the first
dataset call, and the replay falls back to shadow judges without asking again."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from judgesync.plan import planner
from judgesync.remote.client import DATASETS_PATH, JUDGES_PATH, RECORDS_PATH, JudgesClient
from judgesync.remote.retry import RetryPolicy
from judgesync.review.replay import SHADOW_PATH, ReplayRequest, replay
from judgesync.settings.thresholds import Gates
from judgesync.specs.case import Case
from tests.builders import definition, remote

CURRENT = remote(definition("tone"), "id-tone")
PROPOSED = definition("tone", instructions="Rate the tone of {{ assistant_message }}\n")
CASES = [
    Case(
        "tone",
        f"case-{n}",
        ({"role": "assistant", "content": f"hi {n}"},),
        {},
        "polite",
        False,
        "tone.cases.yaml",
        None,
    )
    for n in range(3)
]
ABSENT = {
    "404": httpx.Response(404, json={"detail": "Not Found"}),
    "405": httpx.Response(405, json={"detail": "Method Not Allowed"}),
    "FEATURE_NOT_SUPPORTED": httpx.Response(
        400,
        json={
            "detail": {
                "message": "Datasets are not enabled.",
                "error_code": "FEATURE_NOT_SUPPORTED",
            }
        },
    ),
}


class AbsentDatasets:
    """An API with judges and live judging but without datasets; it logs each request."""

    def __init__(self, absent: httpx.Response) -> None:
        self.absent = absent
        self.seen: list[tuple[str, str]] = []
        self.shadows: dict[str, dict[str, Any]] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        method, path = request.method, request.url.path
        self.seen.append((method, path))
        if path.startswith((DATASETS_PATH, RECORDS_PATH)):
            return httpx.Response(self.absent.status_code, content=self.absent.content)
        if (method, path) == ("GET", JUDGES_PATH):
            body = [CURRENT.model_dump(mode="json"), *self.shadows.values()]
            return httpx.Response(200, json={"count": len(body), "results": body})
        if (method, path) == ("POST", JUDGES_PATH):
            created = {**json.loads(request.content), "id": f"shadow-{len(self.shadows)}"}
            created |= {"created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}
            self.shadows[created["id"]] = created
            return httpx.Response(201, json=created)
        if method == "DELETE" and path.startswith(JUDGES_PATH):
            self.shadows.pop(path.rsplit("/", 1)[1], None)
            return httpx.Response(204)
        if method == "POST" and path.endswith("/live-judging"):
            return httpx.Response(200, json={"analysis": "ok", "answer": "polite"})
        return httpx.Response(500, json={"detail": f"unexpected {method} {path}"})


@pytest.mark.parametrize("absent", list(ABSENT), ids=list(ABSENT))
def test_absent_datasets_are_detected_once_and_replay_uses_shadows(absent):
    api = AbsentDatasets(ABSENT[absent])
    quick = RetryPolicy(attempts=2, base_delay=0.001, max_delay=0.01)
    fresh = planner.plan([PROPOSED], [CURRENT])
    transport = httpx.MockTransport(api)
    with JudgesClient(
        "https://api.example.test", "sk-key", transport=transport, retry=quick
    ) as client:
        result = replay(
            fresh, [CURRENT], {"tone": CASES}, client, Gates(), ReplayRequest(repeat=2), 2
        )
    assert result.path == SHADOW_PATH
    dataset_calls = [s for s in api.seen if s[1].startswith((DATASETS_PATH, RECORDS_PATH))]
    assert dataset_calls == [("GET", DATASETS_PATH)]
    (judged,) = result.judges
    assert judged.proposed.answers == {case.id: ("polite",) for case in CASES}
    assert judged.current is not None
    assert judged.current.answers == {case.id: ("polite", "polite") for case in CASES}
    live = [s for s in api.seen if s[1].endswith("/live-judging")]
    assert len(live) == 3 + 3 * 2
    assert api.shadows == {}  # the shadow was created for the run and deleted after it
    assert ("POST", JUDGES_PATH) in api.seen
