"""Fault injection: seeded random failures, the per-key rate limit, latency settings."""

from __future__ import annotations

import httpx
import pytest

JUDGES = "/v1/observability/judges"


def statuses(api_client: httpx.Client, count: int) -> list[int]:
    return [api_client.get(JUDGES).status_code for _ in range(count)]


def test_a_seeded_fail_rate_fails_the_same_requests_every_run(emulator, api_client):
    emulator.configure(fail_rate=0.5, seed=1234)
    first = statuses(api_client, 30)
    emulator.reset()
    emulator.configure(fail_rate=0.5, seed=1234)
    assert statuses(api_client, 30) == first
    assert set(first) == {200, 429, 500, 503}


def test_injected_failures_carry_the_error_body_and_429_a_retry_after(emulator, api_client):
    emulator.configure(fail_rate=1.0, seed=7, retry_after_seconds=3)
    seen: dict[int, httpx.Response] = {}
    for _ in range(30):
        response = api_client.get(JUDGES)
        seen.setdefault(response.status_code, response)
    assert set(seen) == {429, 500, 503}
    assert seen[429].headers["retry-after"] == "3"
    for response in seen.values():
        assert set(response.json()["detail"]) == {"message", "error_code"}


def test_admin_endpoints_are_never_failed(emulator):
    emulator.configure(fail_rate=1.0)
    assert httpx.get(f"{emulator.url}/_emulator/settings").status_code == 200


def test_the_rate_limit_refuses_a_burst_with_retry_after(emulator, api_client):
    # One request per 100 s: a burst of three gets one through whatever the machine speed.
    emulator.configure(rate_limit=0.01)
    responses = [api_client.get(JUDGES) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 429, 429]
    assert int(responses[1].headers["retry-after"]) >= 1


def test_the_rate_limit_counts_each_key_separately(emulator, api_client):
    emulator.configure(rate_limit=0.01)
    assert api_client.get(JUDGES).status_code == 200
    other = httpx.get(f"{emulator.url}{JUDGES}", headers={"Authorization": "Bearer other"})
    assert other.status_code == 200


def test_reset_turns_faults_off(emulator, api_client):
    emulator.configure(fail_rate=1.0, rate_limit=0.01, latency_ms=5000)
    emulator.reset()
    assert statuses(api_client, 3) == [200, 200, 200]


def test_judging_latency_delays_live_judging_and_nothing_else(emulator, judge_definition):
    # Its own workspace: the late answer keeps a judging slot after this test ends.
    headers = {"Authorization": "Bearer judging-latency"}
    with httpx.Client(base_url=emulator.url, headers=headers) as client:
        created = client.post(JUDGES, json=judge_definition())
        assert created.status_code == 201, created.text
        emulator.configure(judging_latency_ms=3000)
        assert client.get(JUDGES).status_code == 200
        conversation = {"messages": [{"role": "user", "content": "hi"}], "properties": {}}
        judging = f"{JUDGES}/{created.json()['id']}/live-judging"
        with pytest.raises(httpx.ReadTimeout):
            client.post(judging, json=conversation, timeout=0.5)
