"""JudgesClient against `httpx.MockTransport`: the rare edge cases of retries,
error bodies, paging and key handling that a real server seldom shows on demand.
The waits the client chose are read from its logged decisions."""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from judgesync import __version__
from judgesync.errors import ApiError, ApiUnreachable, ConfigError
from judgesync.redact import MIN_SECRET_LENGTH as MIN_SCRUBBED_KEY_LENGTH
from judgesync.remote.client import JUDGES_PATH, JudgesClient
from judgesync.remote.failures import scrub_key
from judgesync.remote.retry import RetryPolicy
from tests.builders import definition, regression

API_KEY = "sk-test-5ecret-key-0123456789"
BASE_URL = "https://api.example.test"
Handler = Callable[[httpx.Request], httpx.Response]


# Real but tiny waits: the chosen wait is read from the log records.
QUICK = RetryPolicy(attempts=6, base_delay=0.001, max_delay=0.01)


@pytest.fixture
def make_client() -> Iterator[Callable[..., JudgesClient]]:
    clients: list[JudgesClient] = []

    def make(handler: Handler, **options: Any) -> JudgesClient:
        options.setdefault("retry", QUICK)
        client = JudgesClient(BASE_URL, API_KEY, transport=httpx.MockTransport(handler), **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def decisions(caplog: pytest.LogCaptureFixture) -> Callable[[], list[str]]:
    """The retry and throttle decisions logged so far."""
    caplog.set_level(logging.INFO, logger="judgesync.http")
    return lambda: [r.getMessage() for r in caplog.records if r.name == "judgesync.http"]


def waits(messages: list[str]) -> list[float]:
    """The waits chosen, in seconds, from the logged decisions."""
    return [float(wait) for m in messages for wait in re.findall(r"(?:in|pauses) ([\d.]+) s", m)]


def judge_body(number: int, **fields: Any) -> dict[str, Any]:
    body = definition(f"judge-{number:03d}").model_dump(mode="json")
    body.update(
        id=f"00000000-0000-0000-0000-{number:012d}",
        created_at="2025-01-01T00:00:00Z",
        updated_at="2025-01-01T00:00:00Z",
        deleted_at=None,
        owner_id="owner",
        workspace_id="workspace",
        a_field_from_the_future="ignored",
    )
    body.update(fields)
    return body


def error_response(status: int, message: str, code: str | None = None) -> httpx.Response:
    return httpx.Response(status, json={"detail": {"message": message, "error_code": code}})


def scripted(*responses: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    """A handler that answers with the given responses in order (the last one repeats)."""
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = responses[min(len(seen), len(responses)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handle, seen


OK_JUDGE = httpx.Response(200, json=judge_body(1))


# -- retries ---------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_retryable_status_is_retried_until_success(make_client, decisions, status):
    handler, seen = scripted(httpx.Response(status), httpx.Response(status), OK_JUDGE)

    judge = make_client(handler).get_judge("j1")

    assert judge is not None and judge.name == "judge-001"
    assert len(seen) == 3
    assert len(waits(decisions())) == 2


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("connection refused"),
        httpx.ReadTimeout("read timed out"),
        httpx.RemoteProtocolError("server disconnected"),
    ],
)
def test_connection_failures_and_timeouts_are_retried(make_client, failure):
    handler, seen = scripted(failure, OK_JUDGE)

    assert make_client(handler).get_judge("j1") is not None
    assert len(seen) == 2


@pytest.mark.parametrize("status", [400, 404, 408, 409, 422, 501])
def test_other_errors_are_not_retried(make_client, decisions, status):
    handler, seen = scripted(error_response(status, "no", "SOMETHING"))

    with pytest.raises(ApiError) as caught:
        make_client(handler).delete_judge("j1")

    assert caught.value.status == status
    assert len(seen) == 1
    assert decisions() == []


def test_create_is_retried_after_a_server_error(make_client):
    handler, seen = scripted(httpx.Response(503), httpx.Response(201, json=judge_body(1)))

    created = make_client(handler).create_judge(definition("judge-001"))

    assert created.id.endswith("1")
    assert [request.method for request in seen] == ["POST", "POST"]


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_in_seconds_is_the_wait(make_client, decisions, status):
    handler, _ = scripted(httpx.Response(status, headers={"Retry-After": "0.05"}), OK_JUDGE)

    make_client(handler, retry=RetryPolicy(base_delay=0.0)).get_judge("j1")

    assert waits(decisions()) == [0.05]


def test_retry_after_as_http_date_is_honoured_and_capped(make_client, decisions):
    in_an_hour = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    handler, _ = scripted(httpx.Response(503, headers={"Retry-After": in_an_hour}), OK_JUDGE)

    make_client(handler, retry=RetryPolicy(base_delay=0.0, max_delay=0.02)).get_judge("j1")

    assert waits(decisions()) == [0.02]


def test_retry_after_in_the_past_means_retry_at_once(make_client, decisions):
    long_ago = "Wed, 21 Oct 2015 07:28:00 GMT"
    handler, seen = scripted(httpx.Response(429, headers={"Retry-After": long_ago}), OK_JUDGE)

    make_client(handler, retry=RetryPolicy(base_delay=1.0)).get_judge("j1")

    assert len(seen) == 2
    assert waits(decisions()) == [0.0]


def test_unreadable_retry_after_falls_back_to_backoff(make_client, decisions):
    handler, _ = scripted(httpx.Response(429, headers={"Retry-After": "soon-ish"}), OK_JUDGE)

    make_client(handler, retry=RetryPolicy(base_delay=0.02)).get_judge("j1")

    [wait] = waits(decisions())
    assert 0.0 <= wait <= 0.02


def test_backoff_waits_stay_under_an_exponential_ceiling(make_client, decisions):
    handler, _ = scripted(httpx.Response(503))
    policy = RetryPolicy(attempts=6, base_delay=0.01, max_delay=0.04)

    with pytest.raises(ApiError):
        make_client(handler, retry=policy).get_judge("j1")

    ceilings = [0.01, 0.02, 0.04, 0.04, 0.04]
    chosen = waits(decisions())
    assert len(chosen) == len(ceilings)
    assert all(0.0 <= wait <= ceiling for wait, ceiling in zip(chosen, ceilings, strict=True))


def test_gives_up_after_the_attempts_with_the_last_status(make_client, decisions):
    handler, seen = scripted(error_response(503, "Overloaded."))

    with pytest.raises(ApiError) as caught:
        make_client(handler, retry=RetryPolicy(attempts=4, base_delay=0.001)).list_judges()

    assert len(seen) == 4
    assert caught.value.status == 503
    assert "still failing after 4 attempts" in str(caught.value)
    assert not isinstance(caught.value, ApiUnreachable)
    assert decisions()[-1] == f"GET {JUDGES_PATH} answered 503; giving up after 4 attempts."


def test_gives_up_when_waiting_would_exceed_the_time_budget(make_client, decisions):
    # The second wait would end past the budget however fast the first attempt was.
    handler, seen = scripted(httpx.Response(429, headers={"Retry-After": "0.2"}))
    policy = RetryPolicy(attempts=100, max_delay=60, total_budget=0.3)

    with pytest.raises(ApiError) as caught:
        make_client(handler, retry=policy).get_judge("j1")

    assert waits(decisions()) == [0.2]
    assert len(seen) == 2
    assert caught.value.status == 429


def test_decisions_name_method_path_status_and_wait(make_client, decisions):
    handler, _ = scripted(httpx.Response(503, headers={"Retry-After": "0.01"}), OK_JUDGE)

    make_client(handler).get_judge("j1")

    assert decisions() == [f"GET {JUDGES_PATH}/j1 answered 503; retrying in 0.010 s (attempt 1)."]


def test_unreachable_after_retries_names_the_url_and_the_option(make_client):
    handler, seen = scripted(httpx.ConnectError("connection refused"))

    with pytest.raises(ApiUnreachable) as caught:
        make_client(handler, retry=RetryPolicy(attempts=3, base_delay=0.001)).list_judges()

    assert len(seen) == 3
    assert caught.value.status is None
    assert BASE_URL in str(caught.value)
    assert "--api-url" in str(caught.value)
    assert "after 3 attempts" in str(caught.value)


def test_a_request_httpx_cannot_send_fails_at_once_as_what_it_is(make_client):
    handler, seen = scripted(httpx.UnsupportedProtocol("Request URL is missing a protocol."))

    with pytest.raises(ApiUnreachable) as caught:
        make_client(handler).get_judge("j1")

    assert len(seen) == 1
    assert "could not be sent (UnsupportedProtocol: " in str(caught.value)
    assert "Could not reach" not in str(caught.value)


def resolver_failure(code: int, text: str) -> httpx.ConnectError:
    """What httpx raises when a lookup fails; built by hand, as a real lookup would
    send a DNS query off the loopback."""
    failure = httpx.ConnectError(f"[Errno {code}] {text}")
    failure.__cause__ = socket.gaierror(code, text)
    return failure


def test_a_host_the_resolver_does_not_know_fails_at_once_named_as_such(make_client):
    handler, seen = scripted(resolver_failure(socket.EAI_NONAME, "Name or service not known"))

    with pytest.raises(ApiUnreachable) as caught:
        make_client(handler).get_judge("j1")

    assert len(seen) == 1
    assert f"The host of {BASE_URL} is not known to the name resolver" in str(caught.value)


def test_a_resolver_that_fails_for_now_is_retried(make_client):
    failure = resolver_failure(socket.EAI_AGAIN, "Temporary failure in name resolution")
    handler, seen = scripted(failure, OK_JUDGE)

    assert make_client(handler).get_judge("j1") is not None
    assert len(seen) == 2


@pytest.mark.parametrize("url", ["http://host:notaport", "http://host:99999", "ftp://host"])
def test_an_invalid_base_url_is_a_config_error(url):
    with pytest.raises(ConfigError, match="--api-url"):
        JudgesClient(url, API_KEY)


# -- requests ----------------------------------------------------------------


def test_requests_carry_the_key_and_a_user_agent(make_client):
    handler, seen = scripted(OK_JUDGE)

    make_client(handler).get_judge("j1")

    assert seen[0].headers["Authorization"] == f"Bearer {API_KEY}"
    assert seen[0].headers["User-Agent"] == f"judgesync/{__version__}"


def test_an_empty_key_sends_no_authorization_header():
    handler, seen = scripted(OK_JUDGE)

    with JudgesClient(BASE_URL, "", transport=httpx.MockTransport(handler)) as client:
        client.get_judge("j1")

    assert "Authorization" not in seen[0].headers


def test_judge_ids_are_quoted_into_one_path_segment(make_client):
    handler, seen = scripted(OK_JUDGE)

    make_client(handler).get_judge("../other?x=1")

    assert seen[0].url.raw_path == b"/v1/observability/judges/..%2Fother%3Fx%3D1"


def test_create_sends_the_definition_with_float_bounds(make_client):
    handler, seen = scripted(httpx.Response(201, json=judge_body(1)))

    make_client(handler).create_judge(regression("helpfulness", low=1, high=5))

    assert seen[0].method == "POST"
    assert seen[0].url.path == JUDGES_PATH
    assert b'"min":1.0' in seen[0].content.replace(b" ", b"")
    sent = json.loads(seen[0].content)
    assert sent["output"] == {
        "type": "REGRESSION",
        "min": 1.0,
        "min_description": "useless",
        "max": 5.0,
        "max_description": "perfect",
    }


def test_update_is_a_put_of_the_whole_definition_answered_without_body(make_client):
    handler, seen = scripted(httpx.Response(204))

    result = make_client(handler).update_judge("j1", definition("tone"))

    assert result is None
    assert seen[0].method == "PUT"
    assert seen[0].url.path == f"{JUDGES_PATH}/j1"
    assert json.loads(seen[0].content) == definition("tone").model_dump(mode="json")


def test_delete_is_a_delete_answered_without_body(make_client):
    handler, seen = scripted(httpx.Response(204))

    make_client(handler).delete_judge("j1")

    assert (seen[0].method, seen[0].url.path) == ("DELETE", f"{JUDGES_PATH}/j1")


def test_get_of_a_missing_judge_is_none(make_client):
    handler, _ = scripted(error_response(404, "Judge not found.", "JUDGE_NOT_FOUND"))

    assert make_client(handler).get_judge("j1") is None


def test_get_of_a_deleted_judge_is_none(make_client):
    handler, _ = scripted(httpx.Response(200, json=judge_body(1, deleted_at="2025-02-01T00:00Z")))

    assert make_client(handler).get_judge("j1") is None


def test_a_404_without_the_judge_code_is_an_error_not_a_missing_judge(make_client):
    handler, _ = scripted(httpx.Response(404, json={"detail": "Not Found"}))

    with pytest.raises(ApiError, match="Not Found"):
        make_client(handler).get_judge("j1")


def test_live_judge_posts_the_messages_and_returns_the_verdict(make_client):
    verdict = {"analysis": "Courteous throughout.", "answer": "polite"}
    handler, seen = scripted(httpx.Response(200, json=verdict))
    messages = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]

    request = {"messages": messages, "properties": {"lang": "en"}}
    answer = make_client(handler).live_judge("j1", request)

    assert answer == verdict
    assert seen[0].url.path == f"{JUDGES_PATH}/j1/live-judging"
    assert json.loads(seen[0].content) == {"messages": messages, "properties": {"lang": "en"}}


def test_an_unreadable_judge_is_an_api_error(make_client):
    handler, _ = scripted(httpx.Response(201, json={"id": "j1"}))

    with pytest.raises(ApiError, match="cannot be read"):
        make_client(handler).create_judge(definition())


# -- error bodies ------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "message", "error_code"),
    [
        (error_response(409, "Name taken.", "JUDGE_NAME_ALREADY_EXISTS"), "Name taken.",
         "JUDGE_NAME_ALREADY_EXISTS"),
        (error_response(400, "Brand new.", "A_CODE_NOBODY_KNOWS"), "Brand new.",
         "A_CODE_NOBODY_KNOWS"),
        (error_response(400, "No code.", None), "No code.", None),
        (httpx.Response(400, json={"detail": "Plain detail."}), "Plain detail.", None),
        (httpx.Response(422, json={"detail": [
            {"loc": ["body", "name"], "msg": "Field required", "type": "missing"},
            {"loc": ["body", "tools", 0], "msg": "Input should be a string"},
        ]}), "body.name: Field required; body.tools.0: Input should be a string", None),
        (httpx.Response(400, json={"message": "Gateway says no.", "type": "x"}),
         "Gateway says no.", None),
        (httpx.Response(400, text="upstream connect error\nmore lines"),
         "upstream connect error", None),
        (httpx.Response(400, text="<html><body><h1>400</h1></body></html>"),
         "Bad Request (the API gave no further explanation)", None),
        (httpx.Response(400), "Bad Request (the API gave no further explanation)", None),
        (httpx.Response(400, json={"detail": {"message": 42, "error_code": 7}}),
         "Bad Request (the API gave no further explanation)", None),
        (httpx.Response(400, json=["just", "a", "list"]), "just; a; list", None),
        (httpx.Response(400, content=b"\xff\xfe\x00garbage"), "\ufffd\ufffd\x00garbage", None),
    ],
)  # fmt: skip
def test_error_bodies_of_any_shape_become_api_errors(make_client, response, message, error_code):
    handler, _ = scripted(response)

    with pytest.raises(ApiError) as caught:
        make_client(handler).update_judge("j1", definition())

    assert caught.value.message == message
    assert caught.value.error_code == error_code
    assert caught.value.status == response.status_code
    assert (caught.value.method, caught.value.path) == ("PUT", f"{JUDGES_PATH}/j1")


def test_a_very_long_error_text_is_shortened(make_client):
    handler, _ = scripted(httpx.Response(400, text="x" * 5000))

    with pytest.raises(ApiError) as caught:
        make_client(handler).delete_judge("j1")

    assert len(caught.value.message) <= 300


@pytest.mark.parametrize(
    ("status", "hint"), [(401, "the API key is missing or wrong"), (403, "API key is wrong")]
)
def test_auth_failures_say_the_key_is_missing_or_wrong(make_client, status, hint):
    handler, seen = scripted(error_response(status, "Unauthorized", "AUTH_UNAUTHORIZED"))

    with pytest.raises(ApiError) as caught:
        make_client(handler).list_judges()

    assert hint in str(caught.value)
    assert "MISTRAL_API_KEY" in str(caught.value)
    assert len(seen) == 1


# -- the key never leaks -------------------------------------------------------


def _echo_the_key(request: httpx.Request) -> httpx.Response:
    """A careless server that quotes the credentials it got, in every way it can fail."""
    header = request.headers.get("Authorization", "")
    match request.url.path.rsplit("/", 1)[-1]:
        case "unauthorized":
            return httpx.Response(401, json={"detail": {"message": header, "error_code": None}})
        case "plain-text":
            return httpx.Response(400, text=f"bad key {header}")
        case "validation":
            return httpx.Response(422, json={"detail": [{"loc": [header], "msg": header}]})
        case "overloaded":
            return httpx.Response(503, json={"detail": header})
        case "unreadable":
            return httpx.Response(200, json={"id": header, "name": header})
        case "judges":
            return httpx.Response(200, json={"judges": {"count": 1, "results": [{"id": header}]}})
        case _:
            raise httpx.ConnectError(f"refused for {header}")


def _texts_of(error: BaseException) -> Iterator[str]:
    """Every message and repr along the exception chain."""
    current: BaseException | None = error
    while current is not None:
        yield str(current)
        yield repr(current)
        yield from (str(arg) for arg in current.args)
        current = current.__cause__ or current.__context__


def test_the_key_never_appears_in_errors_or_logs(make_client, caplog):
    caplog.set_level(logging.DEBUG)
    client = make_client(_echo_the_key, retry=RetryPolicy(attempts=2, base_delay=0.01))
    failing_calls: list[Callable[[], object]] = [
        client.list_judges,
        *(
            lambda judge_id=judge_id: client.get_judge(judge_id)
            for judge_id in ["unauthorized", "plain-text", "validation", "overloaded",
                             "unreadable", "unreachable"]
        ),
    ]  # fmt: skip
    texts: list[str] = [repr(client)]

    for call in failing_calls:
        with pytest.raises(ApiError) as caught:
            call()
        texts.extend(_texts_of(caught.value))

    texts.extend(record.getMessage() for record in caplog.records)
    assert len([record for record in caplog.records if "retrying" in record.getMessage()]) == 2
    assert len(texts) >= 7 * 3
    assert [text for text in texts if API_KEY in text] == []


@pytest.mark.parametrize(
    "key",
    ["sk-caf\u00e9-key", "sk-secret\nX-Injected: 1", "sk-null\x00key", "sk\ttab", "sk-\x7fdel"],
)
def test_a_key_that_no_header_can_carry_is_refused_naming_its_variable(key):
    with pytest.raises(ConfigError) as caught:
        JudgesClient(BASE_URL, key, key_env="STAGING_KEY")

    message = str(caught.value)
    assert message.startswith("The API key in STAGING_KEY holds a control or non-ASCII character")
    assert "\n" not in message
    assert key[:6] not in message


printable_keys = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1)


@given(text=st.text(), key=printable_keys.filter(lambda key: len(key) >= MIN_SCRUBBED_KEY_LENGTH))
@example(text="abcdef", key="abc***def")  # the text around the key rejoins into it
def test_scrubbing_leaves_no_copy_of_a_real_key(text, key):
    middle = len(text) // 2
    spliced = f"{text[:middle]}{key}{text[middle:]}"

    assert key not in scrub_key(spliced, key)


@given(text=st.text(), key=printable_keys)
def test_scrubbing_never_changes_text_without_a_real_key(text, key):
    assume(len(key) < MIN_SCRUBBED_KEY_LENGTH or key not in text)

    assert scrub_key(text, key) == text


def test_a_one_letter_key_does_not_mangle_words():
    assert scrub_key("none of the judges", "n") == "none of the judges"


# -- listing -------------------------------------------------------------------


class FakeListing:
    """A list endpoint over `judges`, with the server behaviours the contract allows."""

    def __init__(
        self,
        judges: list[dict[str, Any]],
        *,
        max_page_size: int = 1000,
        links: bool = True,
        with_results: bool = True,
    ) -> None:
        self.judges = judges
        self.max_page_size = max_page_size
        self.links = links
        self.with_results = with_results
        self.pages_read: list[int] = []
        self.lock = threading.Lock()

    def before_page(self, number: int) -> None:
        """A hook for tests that change the list while it is being read."""

    def __call__(self, request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["page"])
        size = min(int(request.url.params["page_size"]), self.max_page_size)
        self.before_page(number)
        with self.lock:
            self.pages_read.append(number)
            rows = self.judges[(number - 1) * size : number * size]
            page: dict[str, Any] = {"count": len(self.judges)}
            if self.with_results:
                page["results"] = rows
            if self.links:
                more = number * size < len(self.judges)
                page["next"] = f"{BASE_URL}{JUDGES_PATH}?page={number + 1}" if more else None
                page["previous"] = None
        return httpx.Response(200, json={"judges": page})


def names(judges) -> list[str]:
    return [judge.name for judge in judges]


@pytest.mark.parametrize("links", [True, False], ids=["with-next", "without-next"])
def test_listing_reads_every_page_with_or_without_next_links(make_client, links):
    server = FakeListing([judge_body(n) for n in range(1, 26)], links=links)

    judges = make_client(server, page_size=10).list_judges()

    assert names(judges) == [f"judge-{n:03d}" for n in range(1, 26)]
    assert sorted(server.pages_read) == [1, 2, 3]


def test_listing_follows_a_server_that_clamps_the_page_size(make_client):
    server = FakeListing([judge_body(n) for n in range(1, 26)], max_page_size=7)

    judges = make_client(server, page_size=100).list_judges()

    assert len(judges) == 25
    assert sorted(server.pages_read) == [1, 2, 3, 4]


def test_listing_of_an_empty_workspace_reads_one_page(make_client):
    server = FakeListing([])

    assert make_client(server).list_judges() == []
    assert server.pages_read == [1]


def test_listing_treats_absent_results_as_empty(make_client):
    server = FakeListing([judge_body(1), judge_body(2)], with_results=False)

    assert make_client(server).list_judges() == []
    assert server.pages_read == [1]


def test_listing_skips_deleted_judges(make_client):
    rows = [judge_body(1), judge_body(2, deleted_at="2025-03-01T00:00:00Z"), judge_body(3)]

    judges = make_client(FakeListing(rows), page_size=2).list_judges()

    assert names(judges) == ["judge-001", "judge-003"]


def test_listing_reports_each_judge_once(make_client):
    rows = [judge_body(1), judge_body(2), judge_body(2), judge_body(3)]

    judges = make_client(FakeListing(rows), page_size=2).list_judges()

    assert names(judges) == ["judge-001", "judge-002", "judge-003"]


def test_listing_reads_the_later_pages_concurrently(make_client):
    server = FakeListing([judge_body(n) for n in range(1, 41)])
    # Pages 2, 3 and 4 can only pass this barrier together: read one after
    # the other, the first would wait in vain and the barrier would break.
    barrier = threading.Barrier(3, timeout=10)
    server.before_page = lambda number: barrier.wait() if number > 1 else None

    judges = make_client(server, page_size=10, list_concurrency=3).list_judges()

    assert len(judges) == 40


def test_listing_rereads_page_by_page_when_the_count_changes_meanwhile(make_client):
    server = FakeListing([judge_body(n) for n in range(1, 31)])
    inserted = threading.Event()

    def insert_a_judge_first(number: int) -> None:
        if number == 2 and not inserted.is_set():
            inserted.set()
            with server.lock:
                server.judges.insert(0, judge_body(99))

    server.before_page = insert_a_judge_first

    judges = make_client(server, page_size=10).list_judges()

    assert sorted(names(judges)) == sorted([f"judge-{n:03d}" for n in [*range(1, 31), 99]])
    assert len(judges) == 31
    assert server.pages_read.count(1) == 2


def test_listing_stops_when_a_server_ignores_the_page_number(make_client):
    first_ten = [judge_body(n) for n in range(1, 11)]

    def same_page_forever(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"judges": {"count": 35, "results": first_ten}})

    judges = make_client(same_page_forever, page_size=10).list_judges()

    assert len(judges) == 10


def test_listing_rereads_when_a_later_page_is_short_and_stops_at_a_short_page(make_client):
    calls: list[int] = []

    def shrinking(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["page"])
        calls.append(number)
        count = 20 if len(calls) == 1 else 15
        rows = [judge_body(n) for n in range(1, count + 1)][(number - 1) * 10 : number * 10]
        return httpx.Response(200, json={"judges": {"count": count, "results": rows}})

    judges = make_client(shrinking, page_size=10).list_judges()

    assert len(judges) == 15
    assert calls == [1, 2, 1, 2]


@pytest.mark.parametrize(
    "body",
    [
        {"judges": {"results": []}},
        {"judges": {"count": 1, "results": {"not": "a list"}}},
        {"judges": {"count": 1, "results": [{"id": "no other fields"}]}},
        ["not", "an", "object"],
    ],
)
def test_an_unreadable_list_is_an_api_error(make_client, body):
    handler, _ = scripted(httpx.Response(200, json=body))

    with pytest.raises(ApiError, match="cannot be read"):
        make_client(handler).list_judges()


def test_a_bare_page_without_the_judges_wrapper_is_read_too(make_client):
    handler, _ = scripted(httpx.Response(200, json={"count": 1, "results": [judge_body(1)]}))

    assert names(make_client(handler).list_judges()) == ["judge-001"]


# -- throttling ----------------------------------------------------------------


def test_429s_have_their_own_larger_attempt_limit(make_client):
    throttled = httpx.Response(429, headers={"Retry-After": "0.001"})
    handler, seen = scripted(throttled, throttled, throttled, OK_JUDGE)
    policy = RetryPolicy(attempts=2, throttled_attempts=4)

    assert make_client(handler, retry=policy).get_judge("j1") is not None
    assert len(seen) == 4


def test_gives_up_when_the_throttled_attempts_are_spent(make_client):
    handler, seen = scripted(httpx.Response(429, headers={"Retry-After": "0.001"}))
    policy = RetryPolicy(attempts=6, throttled_attempts=3, total_budget=100)

    with pytest.raises(ApiError) as caught:
        make_client(handler, retry=policy).get_judge("j1")

    assert caught.value.status == 429
    assert len(seen) == 3


@pytest.mark.parametrize(
    ("url_source", "hint"),
    [
        ("--api-url", "Check --api-url for a typo."),
        ("JUDGESYNC_API_URL", "Check JUDGESYNC_API_URL for a typo."),
        # Nobody typed the default URL: the hint names no option to correct.
        (None, "It is the default URL (no --api-url, JUDGESYNC_API_URL or judgesync.yaml"),
    ],
)
def test_an_unknown_host_names_where_its_url_was_set(make_client, url_source, hint):
    handler, _ = scripted(resolver_failure(socket.EAI_NONAME, "Name or service not known"))

    with pytest.raises(ApiUnreachable) as caught:
        make_client(handler, url_source=url_source).get_judge("j1")

    assert hint in str(caught.value)
