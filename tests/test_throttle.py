"""The AIMD window's arithmetic, and the throttle's shared pause and in-flight bound."""

from __future__ import annotations

import threading

import pytest

from judgesync.remote.throttle import AimdWindow, Throttle, Ticket
from tests.fakes import FakeTime

# -- AimdWindow ----------------------------------------------------------------


def test_a_new_window_allows_its_ceiling():
    assert AimdWindow(ceiling=16).allowed == 16


def test_a_throttle_halves_what_was_really_in_flight():
    window = AimdWindow(ceiling=64)

    window.throttled(Ticket(generation=0, in_flight=16))

    assert window.allowed == 8


def test_only_the_first_throttle_of_a_burst_shrinks_the_window():
    window = AimdWindow(ceiling=16)
    burst = [Ticket(generation=0, in_flight=16) for _ in range(10)]

    for ticket in burst:
        window.throttled(ticket)

    assert window.allowed == 8


def test_a_throttle_of_a_request_sent_after_the_decrease_shrinks_again():
    window = AimdWindow(ceiling=16)
    window.throttled(Ticket(generation=0, in_flight=16))

    window.throttled(Ticket(generation=1, in_flight=8))

    assert window.allowed == 4


def test_the_window_never_shrinks_below_its_floor():
    window = AimdWindow(ceiling=4, floor=1)

    for generation in range(10):
        window.throttled(Ticket(generation=generation, in_flight=4))

    assert window.allowed == 1


def test_about_a_window_of_successes_adds_one():
    window = AimdWindow(ceiling=64)
    window.throttled(Ticket(generation=0, in_flight=8))  # limit 4

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


@pytest.mark.parametrize(
    ("ceiling", "floor", "factor"), [(0, 1, 0.5), (4, 5, 0.5), (4, 1, 1.0), (4, 1, 0.0)]
)
def test_a_window_refuses_impossible_settings(ceiling, floor, factor):
    with pytest.raises(ValueError):
        AimdWindow(ceiling=ceiling, floor=floor, decrease_factor=factor)


# -- Throttle ------------------------------------------------------------------


def test_a_throttled_request_pauses_every_later_request_once():
    time = FakeTime()
    throttle = Throttle(8, sleep=time.sleep, clock=time.clock)
    with throttle.slot() as ticket:
        pass

    throttle.throttled(ticket, pause=2.0)
    with throttle.slot():
        pass
    with throttle.slot():
        pass

    assert time.sleeps == [2.0]
    assert throttle.pause_remaining() == 0.0


def test_a_later_throttle_extends_the_pause_and_an_earlier_one_does_not_shorten_it():
    time = FakeTime()
    throttle = Throttle(8, sleep=time.sleep, clock=time.clock)
    ticket = Ticket(generation=0, in_flight=1)

    throttle.throttled(ticket, pause=5.0)
    throttle.throttled(ticket, pause=1.0)

    assert throttle.pause_remaining() == 5.0


def test_tickets_count_the_requests_in_flight_with_them():
    throttle = Throttle(8)

    with throttle.slot() as first, throttle.slot() as second:
        pass
    with throttle.slot() as alone:
        pass

    assert (first.in_flight, second.in_flight, alone.in_flight) == (1, 2, 1)


def test_a_request_waits_for_room_in_the_window():
    throttle = Throttle(1)
    entered = threading.Event()

    def second() -> None:
        with throttle.slot():
            entered.set()

    with throttle.slot():
        waiting = threading.Thread(target=second)
        waiting.start()
        waiting.join(timeout=0.2)  # long enough to enter if nothing held it back
        held_back = not entered.is_set()
    waiting.join()

    assert held_back
    assert entered.is_set()


def test_a_shrunken_window_holds_back_requests_beyond_it():
    throttle = Throttle(4)
    with throttle.slot() as ticket, throttle.slot():
        throttle.throttled(ticket, pause=0.0)  # 2 in flight, halved: 1 allowed

        assert throttle.allowed == 1
