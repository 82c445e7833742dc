"""The only HTTP code in judgesync: the Mistral judges API over httpx.

`JudgesClient` takes and returns the models of `judgesync.models`. It is safe to
call from many threads at once: one `httpx.Client` (thread-safe) on httpx's
own transport, so proxies, NO_PROXY and SSL_CERT_FILE work as httpx documents
(a test may pass another transport, such as `httpx.MockTransport`).

Every request goes through one `Retrier` (see `judgesync.remote.retry`): it
retries what is worth retrying and adapts the requests in flight to 429s.
Creating a judge is a POST and is retried too: when an answer is lost, the
first attempt may already have created the judge and the retry then fails
with `JUDGE_NAME_ALREADY_EXISTS`. That is deliberate; the executor reconciles
that case by reading the judge. Likewise a retried DELETE may answer 404
`JUDGE_NOT_FOUND`.

Errors become `ApiError` (the API answered) or `ApiUnreachable` (it did not,
or the connection could not be trusted). The API key is sent only in the
`Authorization` header and is scrubbed from every message built here, even
when a server echoes it back.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import ValidationError

from judgesync import __version__
from judgesync.errors import ApiError, ApiUnreachable, ConfigError
from judgesync.models import Judge, JudgeDefinition
from judgesync.remote.failures import json_or_none, refusal, scrub_key, transport_failure
from judgesync.remote.retry import Retrier, RetryPolicy
from judgesync.settings.address import api_url_problem

JUDGES_PATH = "/v1/observability/judges"
DATASETS_PATH = "/v1/observability/datasets"
RECORDS_PATH = "/v1/observability/dataset-records"
SPANS_SEARCH_PATH = "/v1/observability/spans/search"
JUDGE_NOT_FOUND = "JUDGE_NOT_FOUND"

_WHOLE_BODY = object()

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Page:
    count: int
    results: list[Judge]


class JudgesClient:
    """A client of the judges API. Use it as a context manager or call `close()`."""

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
        key_env: str = "MISTRAL_API_KEY",
        url_source: str | None = "--api-url",
    ) -> None:
        if page_size < 1 or list_concurrency < 1:
            raise ValueError("page_size and list_concurrency must be at least 1.")
        problem = api_url_problem(base_url)
        if problem:
            raise ConfigError(f"{problem} Check --api-url.")
        if not all(" " <= character <= "~" for character in api_key):
            # No header can carry it; the key itself is never quoted.
            raise ConfigError(
                f"The API key in {key_env} holds a control or non-ASCII character;"
                " set it again, as the plain ASCII text you were given."
            )
        self.base_url = base_url
        self._api_key = api_key
        # Named in 401/403 messages: where the user should look for the key.
        self._key_env = key_env
        # Named when the server cannot be reached: where the URL was set (None: the default).
        self._url_source = url_source
        self._retrier = Retrier(retry, partial(scrub_key, key=api_key))
        self._page_size = page_size
        self._list_concurrency = list_concurrency
        headers = {"User-Agent": f"judgesync/{__version__}", "Accept": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._http = httpx.Client(
            base_url=base_url,
            headers=headers,
            transport=transport,
            timeout=timeout,
            # Keep a connection alive for every request the window lets fly.
            limits=httpx.Limits(max_keepalive_connections=retry.max_in_flight),
        )

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

    def live_judge(self, judge_id: str, request: Mapping[str, Any]) -> dict[str, Any]:
        """POST a live-judging request body (e.g. `Case.request()`); returns the JudgeOutput."""
        path = f"{_judge_path(judge_id)}/live-judging"
        response = self._request("POST", path, json=dict(request))
        body = json_or_none(response)
        if not isinstance(body, dict):
            raise self._unreadable("POST", path, response, "the answer is not a JSON object")
        return body

    # -- datasets and records (SDK 3.7.0 `beta.observability.datasets`) ---

    def list_datasets(self, q: str | None = None) -> list[dict[str, Any]]:
        """Every dataset of the workspace (`q` filters by name as the server does)."""
        return self._list_all(DATASETS_PATH, "datasets", {"q": q} if q else {})

    def create_dataset(self, name: str, description: str) -> dict[str, Any]:
        body = {"name": name, "description": description}
        return self._object("POST", DATASETS_PATH, json=body)

    def list_records(self, dataset_id: str) -> list[dict[str, Any]]:
        return self._list_all(f"{DATASETS_PATH}/{quote(dataset_id, safe='')}/records", "records")

    def create_record(
        self, dataset_id: str, payload: Mapping[str, Any], properties: Mapping[str, Any]
    ) -> dict[str, Any]:
        path = f"{DATASETS_PATH}/{quote(dataset_id, safe='')}/records"
        body = {"payload": dict(payload), "properties": dict(properties), "source": "DIRECT_INPUT"}
        return self._object("POST", path, json=body)

    def delete_record(self, record_id: str) -> None:
        self._request("DELETE", f"{RECORDS_PATH}/{quote(record_id, safe='')}")

    def judge_record(self, record_id: str, definition: JudgeDefinition) -> dict[str, Any]:
        """Judge a record with an unsaved definition; returns the JudgeOutput."""
        path = f"{RECORDS_PATH}/{quote(record_id, safe='')}/live-judging"
        return self._object(
            "POST", path, json={"judge_definition": definition.model_dump(mode="json")}
        )

    # -- production traffic (SDK 3.7.0 `beta.observability.spans`, imports, tasks) --

    def search_spans(
        self, expression: str | None, start: datetime, end: datetime, page_size: int = 100
    ) -> Iterator[dict[str, Any]]:
        """Every span matching `expression` whose start lies in [start, end), page
        after page by cursor; the window and paging are query parameters, as the
        SDK sends them."""
        body = {"search_expression": expression}
        params: dict[str, int | str] = {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "page_size": page_size,
        }
        seen: set[str] = set()
        while True:
            response = self._request("POST", SPANS_SEARCH_PATH, params=params, json=body)
            answer = json_or_none(response)
            container = answer.get("spans") if isinstance(answer, dict) else None
            results = container.get("results") if isinstance(container, dict) else None
            if not isinstance(container, dict) or not isinstance(results or [], list):
                raise self._unreadable("POST", SPANS_SEARCH_PATH, response, "it has no spans")
            yield from (span for span in results or [] if isinstance(span, dict))
            cursor = container.get("cursor") or container.get("next")
            # A cursor seen before would read the same pages forever.
            if not isinstance(cursor, str) or not results or cursor in seen:
                return
            seen.add(cursor)
            params["cursor"] = cursor

    def import_spans(
        self, dataset_id: str, references: Sequence[Mapping[str, str]]
    ) -> dict[str, Any]:
        """Start importing spans into a dataset; returns the task (`DatasetImportTask`).
        No mapping: the conversation becomes the payload's messages by itself."""
        path = f"{DATASETS_PATH}/{quote(dataset_id, safe='')}/imports/from-spans"
        body = {
            "span_references": [dict(reference) for reference in references],
            "mapping_contract": {"version": 1, "mappings": []},
        }
        return self._object("POST", path, json=body)

    def get_task(self, dataset_id: str, task_id: str) -> dict[str, Any]:
        path = f"{DATASETS_PATH}/{quote(dataset_id, safe='')}/tasks/{quote(task_id, safe='')}"
        return self._object("GET", path)

    def _object(self, method: str, path: str, *, json: Any = None) -> dict[str, Any]:
        response = self._request(method, path, json=json)
        body = json_or_none(response)
        if not isinstance(body, dict):
            raise self._unreadable(method, path, response, "the answer is not a JSON object")
        return body

    def _list_all(
        self, path: str, key: str, extra: Mapping[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """Every item of a `{key: {count, results}}` listing, page by page until
        the count is reached or a page brings nothing."""
        items: list[dict[str, Any]] = []
        number = 1
        while True:
            params: dict[str, int | str] = {"page": number, "page_size": self._page_size}
            params.update(extra or {})
            response = self._request("GET", path, params=params)
            body = json_or_none(response)
            container = body.get(key) if isinstance(body, dict) else None
            if not isinstance(container, dict) or not isinstance(container.get("count"), int):
                raise self._unreadable("GET", path, response, f"it has no {key} count")
            results = container.get("results") or []
            if not isinstance(results, list):
                raise self._unreadable("GET", path, response, "its results are not a list")
            items.extend(item for item in results if isinstance(item, dict))
            if not results or len(items) >= container["count"]:
                return items
            number += 1

    # -- listing ----------------------------------------------------------

    def _read_page(self, number: int) -> _Page:
        params = {"page": number, "page_size": self._page_size}
        response = self._request("GET", JUDGES_PATH, params=params)
        path = f"{JUDGES_PATH}?page={number}"
        body = json_or_none(response)
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
        params: Mapping[str, int | str] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        """Send until a 2xx answer, retrying what is worth retrying."""
        outcome = self._retrier.send(
            method, path, partial(self._http.request, method, path, params=params, json=json)
        )
        answer = outcome.answer
        if isinstance(answer, httpx.TransportError):
            # Not chained: httpx's error text is in the message, scrubbed.
            message = transport_failure(answer, outcome.attempts, self.base_url, self._url_source)
            raise ApiUnreachable(method, path, None, self._scrub(message))
        if not answer.is_success:
            message, code = refusal(answer, outcome.attempts, self._key_env)
            code = self._scrub(code) if code else None
            raise ApiError(method, path, answer.status_code, self._scrub(message), code)
        return answer

    # -- errors -----------------------------------------------------------

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
            return Judge.model_validate(json_or_none(response) if data is _WHOLE_BODY else data)
        except ValidationError as error:
            why = _first_validation_error(error)
        raise self._unreadable(method, path, response, why)

    def _scrub(self, text: str) -> str:
        return scrub_key(text, self._api_key)


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


def _first_validation_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "the body"
    return f"{where}: {first['msg']}"
