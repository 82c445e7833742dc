"""The adaptive throttle: the AIMD window's arithmetic alone, then the window and the
shared pause seen from the transport's side of a `JudgesClient` used by several threads.

The thread tests wait for evidence (a request inside the handler, a decision in the
log) rather than for time to pass, so a thread that starts late cannot make them pass
without exercising anything.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from judgesync.remote.client import JudgesClient
from judgesync.remote.retry import AimdWindow, RetryPolicy
from tests.test_client import OK_JUDGE

# -- AimdWindow ----------------------------------------------------------------


def test_a_new_window_allows_its_ceiling():
    assert AimdWindow(ceiling=16).allowed == 16


def test_a_throttle_halves_what_was_really_in_flight():
    window = AimdWindow(ceiling=64)

    window.throttled(generation=0, in_flight=16)

    assert window.allowed == 8


def test_only_the_first_throttle_of_a_burst_shrinks_the_window():
    window = AimdWindow(ceiling=16)

    for _ in range(10):
        window.throttled(generation=0, in_flight=16)

    assert window.allowed == 8


def test_a_throttle_of_a_request_sent_after_the_decrease_shrinks_again():
    window = AimdWindow(ceiling=16)
    window.throttled(generation=0, in_flight=16)

    window.throttled(generation=1, in_flight=8)

    assert window.allowed == 4


def test_the_window_never_shrinks_below_its_floor():
    window = AimdWindow(ceiling=4, floor=1)

    for generation in range(10):
        window.throttled(generation=generation, in_flight=4)

    assert window.allowed == 1


def test_about_a_window_of_successes_adds_one():
    window = AimdWindow(ceiling=64)
    window.throttled(generation=0, in_flight=8)  # limit 4

    for _ in range(3):
        window.succeeded()
    before = window.allowed
    for _ in range(2):
        window.succeeded()

    assert (before, window.allowed) == (4, 5)


def test_successes_never_grow_the_window_past_its_ceiling():
    window = AimdWindow(ceiling=3)

    for _ in range(100):
        window.succeeded()

    assert window.allowed == 3


@pytest.mark.parametrize(("ceiling", "floor"), [(0, 1), (4, 5), (4, 0)])
def test_a_window_refuses_impossible_settings(ceiling, floor):
    with pytest.raises(ValueError):
        AimdWindow(ceiling=ceiling, floor=floor)


# -- the window and the pause, through a client ---------------------------------


class Decisions(logging.Handler):
    """Collects the `judgesync.http` log records and signals the ones awaited."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []
        self._logged = threading.Condition()

    def emit(self, record: logging.LogRecord) -> None:
        with self._logged:
            self.messages.append(record.getMessage())
            self._logged.notify_all()

    def wait_for(self, fragment: str) -> str:
        with self._logged:
            found = self._logged.wait_for(
                lambda: next((m for m in self.messages if fragment in m), None), timeout=10
            )
        assert found, f"no decision with {fragment!r} was logged: {self.messages}"
        return found


@pytest.fixture
def decisions() -> Iterator[Decisions]:
    logger = logging.getLogger("judgesync.http")
    handler, level = Decisions(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def client_with(handler: Callable[[httpx.Request], httpx.Response], **policy) -> JudgesClient:
    retry = RetryPolicy(base_delay=0.001, **policy)
    return JudgesClient("https://api.example.test", "sk-key-0123456789", retry=retry,
                        transport=httpx.MockTransport(handler))  # fmt: skip


def in_thread(call: Callable[[], object]) -> threading.Thread:
    thread = threading.Thread(target=call)
    thread.start()
    return thread


def judge_id(request: httpx.Request) -> str:
    return request.url.path.rsplit("/", 1)[-1]


def test_a_request_waits_for_room_in_the_window(decisions):
    arrivals: list[str] = []
    first_inside, release_first = threading.Event(), threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        arrivals.append(judge_id(request))
        if judge_id(request) == "first":
            first_inside.set()
            assert release_first.wait(10)
        return OK_JUDGE

    with client_with(handler, max_in_flight=1) as client:
        first = in_thread(lambda: client.get_judge("first"))
        assert first_inside.wait(10)
        second = in_thread(lambda: client.get_judge("second"))
        # Logged under the window's lock just before waiting: the second request
        # is held back, not merely late.
        decisions.wait_for("GET /v1/observability/judges/second waits for room")
        arrivals_while_held = list(arrivals)
        release_first.set()
        first.join(10)
        second.join(10)

    assert arrivals_while_held == ["first"]
    assert arrivals == ["first", "second"]


def test_a_429_halves_the_requests_in_flight_not_the_ceiling(decisions):
    both_inside = threading.Barrier(2, timeout=10)
    seen: set[str] = set()

    def handler(request: httpx.Request) -> httpx.Response:
        if judge_id(request) not in seen:
            seen.add(judge_id(request))
            both_inside.wait()  # breaks, failing the test, unless both are in flight at once
            if judge_id(request) == "refused":
                return httpx.Response(429, headers={"Retry-After": "0"})
        return OK_JUDGE

    with client_with(handler, max_in_flight=8) as client:
        threads = [in_thread(lambda: client.get_judge("refused")),
                   in_thread(lambda: client.get_judge("served"))]  # fmt: skip
        for thread in threads:
            thread.join(10)

    # Halving the ceiling would have left 4; two were in flight, so one is allowed.
    assert "at most 1 in flight" in decisions.wait_for("answered 429")


def test_a_429_pauses_the_requests_of_other_threads_too(decisions):
    arrivals: dict[str, list[float]] = {"first": [], "other": []}
    answers = iter([httpx.Response(429, headers={"Retry-After": "0.3"})])

    def handler(request: httpx.Request) -> httpx.Response:
        arrivals[judge_id(request)].append(time.monotonic())
        return next(answers, OK_JUDGE)

    with client_with(handler) as client:
        first = in_thread(lambda: client.get_judge("first"))
        # Logged once the pause is set: the other request starts inside it.
        decisions.wait_for("every request pauses 0.300 s")
        client.get_judge("other")
        first.join(10)

    refused_at = arrivals["first"][0]
    assert len(arrivals["first"]) == 2
    assert arrivals["other"][0] >= refused_at + 0.3
