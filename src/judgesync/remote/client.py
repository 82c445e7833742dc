"""The only HTTP code in judgesync: the Mistral judges API over httpx.

`JudgesClient` takes and returns the models of `judgesync.spec`. It is safe to
call from many threads at once (one `httpx.Client`, which is thread-safe, and
one `Throttle`, which guards its state with a lock). Requests travel over
`judgesync.remote.transport.PooledTransport`, except through a proxy from the
environment or when a test passes its own transport.

Every request goes through one retry loop (see `judgesync.remote.retry`) and one
shared `Throttle` (see `judgesync.remote.throttle`): the requests in flight adapt to
429s, and a 429's `Retry-After` pauses every thread together. 429, 500,
502, 503, 504, timeouts and dropped connections are retried with backoff
until the attempts or the time budget run out. Creating a judge is a POST and
is retried too: when an answer is lost, the first attempt may already have
created the judge and the retry then fails with `JUDGE_NAME_ALREADY_EXISTS`.
That is deliberate; the executor reconciles that case by reading the judge.
Likewise a retried DELETE may answer 404 `JUDGE_NOT_FOUND`.

Errors become `ApiError` (the API answered) or `ApiUnreachable` (it did not).
The API key is sent only in the `Authorization` header and is scrubbed from
every message built here, even when a server echoes it back.
"""

from __future__ import annotations

import logging
import math
import time
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import ValidationError

from judgesync import __version__
from judgesync.errors import ApiError, ApiUnreachable, ConfigError
from judgesync.remote.retry import RETRYABLE_STATUS_CODES, Answer, Retrier, RetryPolicy
from judgesync.remote.throttle import Throttle
from judgesync.remote.transport import PooledTransport
from judgesync.spec import Judge, JudgeDefinition

JUDGES_PATH = "/v1/observability/judges"
JUDGE_NOT_FOUND = "JUDGE_NOT_FOUND"

_MAX_MESSAGE_LENGTH = 300
_WHOLE_BODY = object()

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Page:
    count: int
    results: list[Judge]


class JudgesClient:
    """A client of the judges API. Use it as a context manager or call `close()`.

    `retry`, `on_throttle`, `on_success`, `sleep` and `clock` configure the
    retry loop; see `judgesync.remote.retry.Retrier`.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008 - a frozen value, safe to share
        page_size: int = 100,
        list_concurrency: int = 8,
        on_throttle: Callable[[], None] | None = None,
        on_success: Callable[[], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        key_env: str = "MISTRAL_API_KEY",
    ) -> None:
        if page_size < 1 or list_concurrency < 1:
            raise ValueError("page_size and list_concurrency must be at least 1.")
        if any(ord(character) < 0x20 or ord(character) == 0x7F for character in api_key):
            # No header can carry it, and the error http.client would raise quotes it.
            raise ConfigError(
                f"The API key in {key_env} holds a line break or another control"
                " character; set it again, without them."
            )
        self.base_url = base_url
        self._api_key = api_key
        # Named in 401/403 messages: where the user should look for the key.
        self._key_env = key_env
        throttle = Throttle(sleep=sleep, clock=clock)
        self._retrier = Retrier(retry, sleep, clock, on_throttle, on_success, throttle)
        self._page_size = page_size
        self._list_concurrency = list_concurrency
        headers = {"User-Agent": f"judgesync/{__version__}", "Accept": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        try:
            self._http = httpx.Client(
                base_url=base_url,
                headers=headers,
                transport=transport or _default_transport(),
                timeout=timeout,
            )
        except httpx.InvalidURL as error:
            message = f"The API URL {base_url!r} is not a valid URL ({error}). Check --api-url."
            raise ConfigError(message) from None

    def __repr__(self) -> str:
        return f"JudgesClient(base_url={self.base_url!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> JudgesClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- operations -------------------------------------------------------

    def list_judges(self) -> list[Judge]:
        """Every live judge, across all pages, each once.

        Page 1 gives the total `count` and the page size the server really
        uses (it may clamp `page_size`); the remaining pages are then read
        concurrently. `next` links are ignored, since they may be absent. When
        a later page disagrees with page 1 (judges were created or deleted
        meanwhile), the list is read again page by page until a short page.
        """
        first = self._read_page(1)
        if not first.results or len(first.results) >= first.count:
            return _live_and_unique(first.results)
        page_size = len(first.results)
        last_page = math.ceil(first.count / page_size)
        later = self._read_pages_concurrently(range(2, last_page + 1))
        consistent = all(
            page.count == first.count
            and len(page.results) == _expected_length(number, first.count, page_size)
            for number, page in enumerate(later, start=2)
        )
        seen = [*first.results, *(judge for page in later for judge in page.results)]
        if consistent:
            return _live_and_unique(seen)
        logger.info("The judge list changed while it was read; reading it again page by page.")
        # The fresh pass comes first so its copy of a judge wins; the earlier
        # pages still count, so a judge that moved between pages is not lost.
        return _live_and_unique([*self._read_sequentially(page_size), *seen])

    def get_judge(self, judge_id: str) -> Judge | None:
        """The judge, or None when it does not exist or is (soft-)deleted."""
        path = _judge_path(judge_id)
        try:
            response = self._request("GET", path)
        except ApiError as error:
            if error.status == 404 and error.error_code == JUDGE_NOT_FOUND:
                return None
            raise
        judge = self._parse_judge("GET", path, response)
        return None if judge.deleted_at is not None else judge

    def create_judge(self, definition: JudgeDefinition) -> Judge:
        response = self._request("POST", JUDGES_PATH, json=definition.model_dump(mode="json"))
        return self._parse_judge("POST", JUDGES_PATH, response)

    def update_judge(self, judge_id: str, definition: JudgeDefinition) -> None:
        """Replace the judge's definition (PUT). The answer has no body; a
        server that versions judges may give the new revision a new id."""
        self._request("PUT", _judge_path(judge_id), json=definition.model_dump(mode="json"))

    def delete_judge(self, judge_id: str) -> None:
        self._request("DELETE", _judge_path(judge_id))

    def judge_conversation(
        self,
        judge_id: str,
        messages: list[dict[str, Any]],
        properties: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Ask the judge to judge a conversation; returns `{"analysis", "answer"}`."""
        path = f"{_judge_path(judge_id)}/live-judging"
        response = self._request(
            "POST", path, json={"messages": messages, "properties": properties}
        )
        body = _json_or_none(response)
        if not isinstance(body, dict):
            raise self._unreadable("POST", path, response, "the answer is not a JSON object")
        return body

    # -- listing ----------------------------------------------------------

    def _read_page(self, number: int) -> _Page:
        params = {"page": number, "page_size": self._page_size}
        response = self._request("GET", JUDGES_PATH, params=params)
        path = f"{JUDGES_PATH}?page={number}"
        body = _json_or_none(response)
        # The documented shape wraps the page in "judges"; a bare page is read too.
        container = body.get("judges", body) if isinstance(body, dict) else None
        if not isinstance(container, dict) or not isinstance(container.get("count"), int):
            raise self._unreadable("GET", path, response, "it has no judge count")
        raw_results = container.get("results") or []
        if not isinstance(raw_results, list):
            raise self._unreadable("GET", path, response, "its results are not a list")
        results = [self._parse_judge("GET", path, response, item) for item in raw_results]
        return _Page(count=container["count"], results=results)

    def _read_pages_concurrently(self, numbers: range) -> list[_Page]:
        workers = min(self._list_concurrency, len(numbers))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="judgesync-list") as pool:
            return list(pool.map(self._read_page, numbers))

    def _read_sequentially(self, page_size: int) -> list[Judge]:
        """Read pages 1, 2, ... until an empty or short page, or a page that
        brings nothing new (a server that ignores `page` would loop forever)."""
        judges: list[Judge] = []
        ids: set[str] = set()
        number = 1
        while True:
            page = self._read_page(number)
            new = [judge for judge in page.results if judge.id not in ids]
            judges.extend(new)
            ids.update(judge.id for judge in new)
            if not new or len(page.results) < page_size:
                return judges
            number += 1

    # -- the request loop -------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, int] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        """Send until a 2xx answer, retrying what is worth retrying."""

        def send() -> Answer:
            try:
                return self._http.request(method, path, params=params, json=json)
            except httpx.TransportError as error:
                return error

        outcome = self._retrier.run(send, f"{method} {path}")
        if isinstance(outcome.answer, httpx.TransportError):
            # Not chained: httpx's error text is in the message, scrubbed.
            raise self._unreachable(method, path, outcome.answer, outcome.attempts)
        if not outcome.answer.is_success:
            raise self._api_error(method, path, outcome.answer, outcome.attempts)
        return outcome.answer

    # -- errors -----------------------------------------------------------

    def _api_error(
        self, method: str, path: str, response: httpx.Response, attempts: int
    ) -> ApiError:
        status = response.status_code
        message, error_code = _read_error_body(response)
        if status == 401:
            message = (
                "The API refused the request as unauthenticated: the API key is missing "
                f"or wrong. Set {self._key_env} to a valid key."
            )
        elif status == 403:
            message = (
                "The API refused the request: the API key is wrong or has no access to "
                f"this workspace. Check {self._key_env}."
            )
        elif status in RETRYABLE_STATUS_CODES and attempts > 1:
            message = f"{message} (still failing after {attempts} attempts; try again later)"
        code = self._scrub(error_code) if error_code else None
        return ApiError(method, path, status, self._scrub(message), code)

    def _unreachable(
        self, method: str, path: str, error: httpx.TransportError, attempts: int
    ) -> ApiUnreachable:
        tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
        reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        message = (
            f"Could not reach the judges API at {self.base_url} after {tries} ({reason}). "
            "Check --api-url (or JUDGESYNC_API_URL) and the network."
        )
        return ApiUnreachable(method, path, None, self._scrub(message))

    def _unreadable(self, method: str, path: str, response: httpx.Response, why: str) -> ApiError:
        message = (
            f"The API's answer cannot be read: {why}. "
            "Check that --api-url points at the Mistral judges API."
        )
        return ApiError(method, path, response.status_code, self._scrub(message))

    def _parse_judge(
        self, method: str, path: str, response: httpx.Response, data: Any = _WHOLE_BODY
    ) -> Judge:
        """A judge from the answer (or from `data`, a part of it).

        The error is raised outside the `except` block on purpose: pydantic's
        error quotes the input, which a careless server may have filled with
        the key, and it must not ride along as `__context__`.
        """
        try:
            return Judge.model_validate(_json_or_none(response) if data is _WHOLE_BODY else data)
        except ValidationError as error:
            why = _first_validation_error(error)
        raise self._unreadable(method, path, response, why)

    def _scrub(self, text: str) -> str:
        """Remove the API key from text that came from a server or an exception."""
        return text.replace(self._api_key, "***") if self._api_key else text


def _default_transport() -> httpx.BaseTransport | None:
    """`PooledTransport`, unless the environment configures a proxy: httpx routes
    requests through proxies (and honours NO_PROXY) only with its own transport."""
    return None if urllib.request.getproxies() else PooledTransport()


def _judge_path(judge_id: str) -> str:
    # Quote everything, so that an id can never reach another endpoint.
    return f"{JUDGES_PATH}/{quote(judge_id, safe='')}"


def _expected_length(number: int, count: int, page_size: int) -> int:
    last_page = math.ceil(count / page_size)
    return page_size if number < last_page else count - page_size * (last_page - 1)


def _live_and_unique(judges: Iterable[Judge]) -> list[Judge]:
    """Judges without `deleted_at`, each id once (first copy wins), in order."""
    unique: dict[str, Judge] = {}
    for judge in judges:
        unique.setdefault(judge.id, judge)
    return [judge for judge in unique.values() if judge.deleted_at is None]


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:  # includes JSONDecodeError and undecodable bytes
        return None


def _first_validation_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "the body"
    return f"{where}: {first['msg']}"


def _read_error_body(response: httpx.Response) -> tuple[str, str | None]:
    """(message, error_code) from an error answer of any shape.

    The documented shape is `{"detail": {"message", "error_code"}}`; FastAPI
    also answers `{"detail": "text"}` and `{"detail": [validation errors]}`,
    and gateways answer plain text, HTML or nothing at all.
    """
    body = _json_or_none(response)
    detail = body.get("detail", body) if isinstance(body, dict) else body
    message: object = None
    error_code: str | None = None
    if isinstance(detail, dict):
        message = detail.get("message")
        code = detail.get("error_code")
        error_code = code if isinstance(code, str) and code else None
    elif isinstance(detail, list):
        message = "; ".join(_describe_validation_item(item) for item in detail)
    elif isinstance(detail, str):
        message = detail
    elif body is None:
        text = response.text.strip()
        if text and not text.startswith("<"):  # plain text, not an HTML error page
            message = text.splitlines()[0]
    if not isinstance(message, str) or not message.strip():
        reason = response.reason_phrase or "Error"
        message = f"{reason} (the API gave no further explanation)"
    return _shorten(message.strip()), error_code


def _describe_validation_item(item: object) -> str:
    if not isinstance(item, dict):
        return str(item)
    location = item.get("loc")
    where = ".".join(str(part) for part in location) if isinstance(location, list) else ""
    text = str(item.get("msg", "invalid"))
    return f"{where}: {text}" if where else text


def _shorten(text: str) -> str:
    if len(text) <= _MAX_MESSAGE_LENGTH:
        return text
    return text[: _MAX_MESSAGE_LENGTH - 1] + "…"
