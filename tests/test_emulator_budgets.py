"""The emulator stays responsive: hostile templates and oversized bodies are refused
without holding the server, a core or the memory they ask for."""

from __future__ import annotations

import http.client
import os
import socket
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from judgesync.emulator import EmulatorServer
from judgesync.emulator.wire import MAX_BODY_BYTES

JUDGES = "/v1/observability/judges"
CONVERSATION = {"messages": [{"role": "user", "content": "hi"}]}
# Far above any render budget: a request still pending then means the budget failed.
BOUND_SECONDS = 30.0

# Each runs for hours or needs gigabytes unless the emulator stops it.
HUGE_STRING = "{{ 'a' * 10**9 }}"
HUGE_PADDING = "{{ 'a'|center(10**9) }}"
HUGE_FORMAT = "{{ '%2000000000s'|format('a') }}"
HUGE_RANGE = "{% for i in range(10**10) %}x{% endfor %}"
NESTED_LOOPS = "{% for a in range(99999) %}{% for b in range(99999) %}{% endfor %}{% endfor %}"
DEEP_LOOPS = (
    "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}"
    "{{ a }}{{ b }}{{ c }}{% endfor %}{% endfor %}{% endfor %}"
)
ENDLESS_MACRO = "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"
EXPONENTIAL_MACRO = (
    "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(60) }}"
)


def create_judge(api_client: httpx.Client, body: dict[str, Any]) -> str:
    response = api_client.post(JUDGES, json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def judge_in_background(
    executor: ThreadPoolExecutor, api_client: httpx.Client, judge_id: str
) -> Future[httpx.Response]:
    def post() -> httpx.Response:
        with httpx.Client(
            base_url=str(api_client.base_url), headers=api_client.headers, timeout=BOUND_SECONDS
        ) as client:
            return client.post(f"{JUDGES}/{judge_id}/live-judging", json=CONVERSATION)

    return executor.submit(post)


def wait_for(condition: Callable[[], list[int]]) -> list[int]:
    deadline = time.monotonic() + BOUND_SECONDS
    while not (value := condition()):
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.005)
    return value


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def assert_template_error(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["detail"]["error_code"] == "TEMPLATE_ERROR"


@pytest.mark.parametrize(
    "instructions",
    [HUGE_STRING, HUGE_PADDING, HUGE_FORMAT, HUGE_RANGE, NESTED_LOOPS, DEEP_LOOPS, ENDLESS_MACRO],
)
def test_a_hostile_template_answers_template_error_while_lists_are_served(
    api_client, judge_definition, instructions
):
    judge_id = create_judge(api_client, judge_definition(instructions=instructions))
    with ThreadPoolExecutor(1) as executor:
        hostile = judge_in_background(executor, api_client, judge_id)
        listed = api_client.get(JUDGES)
        response = hostile.result(timeout=BOUND_SECONDS)
    assert listed.status_code == 200
    assert_template_error(response)


@pytest.mark.parametrize("instructions", [NESTED_LOOPS, EXPONENTIAL_MACRO])
def test_a_render_past_its_time_budget_is_killed_while_others_are_served(
    emulator_server: EmulatorServer, api_client, judge_definition, instructions
):
    pool = emulator_server.app.state.judging_pool
    judge_id = create_judge(api_client, judge_definition("hostile", instructions=instructions))
    with ThreadPoolExecutor(1) as executor:
        hostile = judge_in_background(executor, api_client, judge_id)
        rendering = wait_for(pool.busy_pids)
        listed = api_client.get(JUDGES)
        created = api_client.post(JUDGES, json=judge_definition("benign"))
        still_rendering = not hostile.done()
        response = hostile.result(timeout=BOUND_SECONDS)
    assert (listed.status_code, created.status_code) == (200, 201)
    assert still_rendering, "the list and create were answered only after the render"
    assert_template_error(response)
    assert "longer than" in response.json()["detail"]["message"]
    assert not any(is_running(pid) for pid in rendering), "the render still uses a process"


def test_judging_works_again_after_a_render_was_killed(api_client, judge_definition):
    hostile = create_judge(api_client, judge_definition("hostile", instructions=NESTED_LOOPS))
    benign = create_judge(api_client, judge_definition("benign"))
    assert_template_error(api_client.post(f"{JUDGES}/{hostile}/live-judging", json=CONVERSATION))
    response = api_client.post(f"{JUDGES}/{benign}/live-judging", json=CONVERSATION)
    assert response.status_code == 200
    assert response.json()["answer"] in {"helpful", "unhelpful"}


def test_a_template_that_ran_out_of_memory_says_so(api_client, judge_definition):
    judge_id = create_judge(api_client, judge_definition(instructions=HUGE_STRING))
    response = api_client.post(f"{JUDGES}/{judge_id}/live-judging", json=CONVERSATION)
    assert_template_error(response)
    assert "MiB" in response.json()["detail"]["message"]


def request_head(emulator_url: str, path: str, framing: str) -> tuple[socket.socket, bytes]:
    host, port = emulator_url.removeprefix("http://").rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=BOUND_SECONDS)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer test-key-1\r\n"
        f"Content-Type: application/json\r\n{framing}\r\n\r\n"
    )
    return sock, head.encode()


def read_response(sock: socket.socket) -> tuple[int, dict[str, Any], bool]:
    """Status, JSON body, and whether the server then closed the connection."""
    response = http.client.HTTPResponse(sock)
    response.begin()
    body = httpx.Response(response.status, content=response.read()).json()
    # A server that closes sends its FIN with the response; one keeping the connection
    # alive would only drop it after uvicorn's 5 s keep-alive timeout.
    sock.settimeout(2)
    try:
        closed = sock.recv(1) == b""
    except ConnectionResetError:
        closed = True
    except TimeoutError:
        closed = False
    return response.status, body, closed


@pytest.mark.parametrize("live_judging", [False, True])
def test_a_body_declared_too_large_is_refused_before_it_is_sent(
    emulator, api_client, judge_definition, live_judging
):
    path = JUDGES
    if live_judging:
        path = f"{JUDGES}/{create_judge(api_client, judge_definition())}/live-judging"
    sock, head = request_head(emulator.url, path, f"Content-Length: {100 * MAX_BODY_BYTES}")
    with sock:
        sock.settimeout(5)
        sock.sendall(head)  # and none of the body: an answer shows it was not awaited
        status, body, closed = read_response(sock)
    assert status == 413
    assert body["detail"]["error_code"] is None
    assert closed, "the server kept the connection open to read the rest of the body"


def test_a_chunked_body_is_refused_once_past_the_limit_without_reading_the_rest(emulator):
    sock, head = request_head(emulator.url, JUDGES, "Transfer-Encoding: chunked")
    chunk = b"x" * 65536
    with sock:
        sock.settimeout(5)
        sock.sendall(head)
        for _ in range(MAX_BODY_BYTES // len(chunk)):
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        sock.sendall(b"1\r\nx\r\n")  # one byte past the limit; the body never ends
        status, body, closed = read_response(sock)
    assert status == 413
    assert "larger than" in body["detail"]["message"]
    assert closed, "the server kept the connection open to read the rest of the body"
