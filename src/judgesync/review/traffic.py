"""Production traffic for `plan --replay --traffic`: which spans, and their records.

- `TrafficRequest`: each judge's selector (a TraceQL expression and a sample
  size), the window resolved to absolute times, the seed; built once from the
  flags and judgesync.yaml's `traffic:` by `traffic_request`.
- `sample_keys`: a seeded uniform sample of span keys. Each key's rank is the
  SHA-256 of the seed and the key, and the `n` lowest ranks win: the ranks act
  as independent uniform draws, so every n-subset of the matches is equally
  likely, and the sample depends on neither page order nor paging.
- `sample_spans`: reads every match of the window by cursor, keeps the
  conversations (a span whose `input_messages` is not a JSON array is skipped
  and counted) and samples them.
- `span_records`: the review dataset's records of the sampled spans. Records
  imported by an earlier run are found by the `trace_id`/`span_id` properties
  the import attaches (importing a span twice would make a second record);
  only the missing spans are imported, as one task polled with a bounded wait.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from judgesync.errors import ApiError, ConfigError, JudgesyncError
from judgesync.review.cost import JudgingCost

DEFAULT_SAMPLE = 50
DEFAULT_SINCE = "7d"
DEFAULT_SEED = 0
IMPORT_TIMEOUT_ENV = "JUDGESYNC_IMPORT_TIMEOUT_SECONDS"
DEFAULT_IMPORT_TIMEOUT = 120.0
_POLL_SECONDS = (0.05, 0.1, 0.2, 0.5, 1.0)
_DURATION = re.compile(r"(\d+)([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class TrafficApi(Protocol):
    """What traffic needs of the client."""

    def search_spans(
        self, expression: str | None, start: datetime, end: datetime, page_size: int = 100
    ) -> Iterable[dict[str, Any]]: ...
    def list_records(self, dataset_id: str) -> list[dict[str, Any]]: ...
    def import_spans(
        self, dataset_id: str, references: Sequence[Mapping[str, str]]
    ) -> dict[str, Any]: ...
    def get_task(self, dataset_id: str, task_id: str) -> dict[str, Any]: ...


class TrafficImportError(JudgesyncError):
    """The import task failed, or did not end within the wait."""


@dataclass(frozen=True)
class TrafficSelector:
    """Which spans replay a judge: `expression` (TraceQL), `sample` of them."""

    expression: str
    sample: int
    source: str  # where it was written: "--traffic" or "judgesync.yaml traffic.judges.<name>"


@dataclass(frozen=True)
class Window:
    """Span start times, `start` inclusive, `end` exclusive, both UTC."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class TrafficOptions:
    """The traffic flags of `plan --replay`, as typed."""

    expression: str | None = None
    since: str | None = None
    start: str | None = None
    end: str | None = None
    sample: int | None = None
    seed: int | None = None
    show_conversations: bool = False

    @property
    def given(self) -> bool:
        """Whether any traffic flag was typed."""
        return self != TrafficOptions()


@dataclass(frozen=True)
class TrafficRequest:
    selectors: Mapping[str, TrafficSelector]  # by judge name; `default` for the others
    default: TrafficSelector | None
    window: Window
    seed: int
    show_conversations: bool = False
    import_timeout: float = DEFAULT_IMPORT_TIMEOUT

    def selector_for(self, name: str) -> TrafficSelector | None:
        return self.selectors.get(name, self.default)


def cost_of_traffic(
    cost: JudgingCost, updated: Iterable[str], request: TrafficRequest, repeat: int
) -> JudgingCost:
    """`cost` and, for each updated judge with a selector, at most its sample size of
    spans judged (`judgements`): known before any span is searched, so a budget can
    refuse the run before anything is sent."""
    for name in updated:
        selector = request.selector_for(name)
        if selector is not None:
            cost = cost.plus_unread(name, judgements(selector.sample, repeat))
    return cost


def judgements(sampled: int, repeat: int) -> int:
    """The judging requests of one updated judge's traffic: the proposed version once
    and the current one `repeat` times on each sampled span."""
    return sampled * (1 + repeat)


def traffic_request(
    options: TrafficOptions,
    configured: Mapping[str, tuple[str, int]],
    environ: Mapping[str, str],
    now: datetime,
) -> TrafficRequest | None:
    """The request from the flags over judgesync.yaml's selectors (`configured`: name ->
    (filter, sample)); None when neither asks for traffic. Raises ConfigError for a
    traffic flag that cannot apply or a bad value."""
    if options.expression is None and not configured:
        used = [
            flag
            for flag, value in (
                ("--since", options.since),
                ("--from", options.start),
                ("--to", options.end),
                ("--sample", options.sample),
                ("--seed", options.seed),
                ("--show-conversations", options.show_conversations or None),
            )
            if value is not None
        ]
        if used:
            raise ConfigError(
                f"{', '.join(used)} applies to traffic replay only; add --traffic EXPR,"
                " or give judges a selector under traffic: in judgesync.yaml."
            )
        return None
    if options.sample is not None and options.sample < 1:
        raise ConfigError(f"--sample must be 1 or more, got {options.sample}.")
    if options.expression is not None and not options.expression.strip():
        raise ConfigError("--traffic is empty; write a TraceQL expression such as '{ }'.")
    default = None
    if options.expression is not None:
        sample = options.sample or DEFAULT_SAMPLE
        default = TrafficSelector(options.expression, sample, "--traffic")
    selectors = (
        {}
        if default is not None
        else {
            name: TrafficSelector(
                expression,
                options.sample or sample,
                f"judgesync.yaml traffic.judges.{name}",
            )
            for name, (expression, sample) in configured.items()
        }
    )
    return TrafficRequest(
        selectors,
        default,
        resolve_window(options, now),
        DEFAULT_SEED if options.seed is None else options.seed,
        options.show_conversations,
        import_timeout_from(environ),
    )


def resolve_window(options: TrafficOptions, now: datetime) -> Window:
    """--since DURATION (default 7d) before `now`, or --from and --to, as UTC."""
    if options.since is not None and (options.start is not None or options.end is not None):
        raise ConfigError("--since and --from/--to both set the window; keep one.")
    if (options.start is None) != (options.end is None):
        raise ConfigError("--from and --to go together; give both, or --since instead.")
    if options.start is not None and options.end is not None:
        start = _instant(options.start, "--from")
        end = _instant(options.end, "--to")
        if start >= end:
            raise ConfigError(f"--from ({options.start}) must be before --to ({options.end}).")
        return Window(start, end)
    return Window(now - parse_duration(options.since or DEFAULT_SINCE), now)


def parse_duration(text: str) -> timedelta:
    """`30m`, `24h`, `7d`, `2w`, or combined like `1d12h`; more than zero."""
    parts = _DURATION.findall(text.strip())
    if not parts or "".join(f"{n}{u}" for n, u in parts) != text.strip():
        raise ConfigError(f"--since {text!r} is not a duration; write e.g. 30m, 24h, 7d or 1d12h.")
    duration = sum(
        (timedelta(**{_UNITS[unit]: int(number)}) for number, unit in parts), timedelta()
    )
    if duration <= timedelta():
        raise ConfigError(f"--since {text!r} is empty; give a duration above zero.")
    return duration


def _instant(text: str, flag: str) -> datetime:
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"{flag} {text!r} is not an ISO-8601 date-time; write e.g. 2026-11-24T00:00:00Z."
        ) from None
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)


def import_timeout_from(environ: Mapping[str, str]) -> float:
    """How long an import task may run: `JUDGESYNC_IMPORT_TIMEOUT_SECONDS`, else 120 s."""
    raw = environ.get(IMPORT_TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_IMPORT_TIMEOUT
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 3600:
        raise ConfigError(
            f"{IMPORT_TIMEOUT_ENV} must be a number of seconds above 0 and at most 3600,"
            f" got {raw!r}; fix or unset it."
        )
    return seconds


def span_key(trace_id: str, span_id: str) -> str:
    """A span's id in reports: `<trace_id>:<span_id>`, lower-case hex."""
    return f"{trace_id.lower()}:{span_id.lower()}"


def sample_keys(keys: Iterable[str], n: int, seed: int) -> list[str]:
    """A uniform sample of `n` distinct keys (all of them when fewer), the same for the
    same seed and keys whatever their order; in the order the keys came."""
    unique = list(dict.fromkeys(keys))
    chosen = set(heapq.nsmallest(n, unique, key=lambda key: _rank(seed, key)))
    return [key for key in unique if key in chosen]


def _rank(seed: int, key: str) -> bytes:
    return hashlib.sha256(f"{seed}\0{key}".encode()).digest()


def is_conversation(span: Mapping[str, Any]) -> bool:
    """Whether the span carries input messages as a non-empty JSON array (the import
    skips the others)."""
    try:
        messages = json.loads(span.get("input_messages") or "")
    except (TypeError, ValueError):
        return False
    return isinstance(messages, list) and bool(messages)


@dataclass(frozen=True)
class TrafficSample:
    """One selector's sample: the spans' keys in search order, and what was passed over."""

    selector: TrafficSelector
    keys: tuple[str, ...]
    matched: int  # spans in the window that match the expression
    skipped: tuple[str, ...]  # matching spans that are no conversation
    # Conversation text by key, only when the user asked to see it.
    conversations: Mapping[str, Any] = field(default_factory=dict)


def sample_spans(
    client: TrafficApi,
    selector: TrafficSelector,
    window: Window,
    seed: int,
    keep_text: bool = False,
) -> TrafficSample:
    """Sample `selector.sample` conversations among the spans matching it in `window`."""
    conversations: list[str] = []
    skipped: list[str] = []
    texts: dict[str, Any] = {}
    matched = 0
    try:
        for span in client.search_spans(selector.expression, window.start, window.end):
            key = span_key(str(span.get("trace_id", "")), str(span.get("span_id", "")))
            matched += 1
            if not is_conversation(span):
                skipped.append(key)
                continue
            conversations.append(key)
            if keep_text:
                texts[key] = {
                    field_name: span.get(field_name)
                    for field_name in ("system_instructions", "input_messages", "output_messages")
                }
    except ApiError as error:
        if error.status == 422:
            raise ConfigError(
                f"The traffic selector {selector.expression!r} ({selector.source}) was refused:"
                f" {error.message}"
            ) from None
        raise
    keys = tuple(sample_keys(conversations, selector.sample, seed))
    kept = {key: texts[key] for key in keys} if keep_text else {}
    return TrafficSample(selector, keys, matched, tuple(dict.fromkeys(skipped)), kept)


@dataclass(frozen=True)
class SpanRecords:
    """Record ids by span key, and what this run imported."""

    by_key: Mapping[str, str]
    imported: int
    # Sampled spans the import skipped: no record came of them.
    skipped: tuple[str, ...]


def span_records(
    client: TrafficApi,
    dataset_id: str,
    keys: Sequence[str],
    timeout: float,
    sleep: Any = time.sleep,
) -> SpanRecords:
    """The records of `keys` in the dataset, importing the spans that have none yet.
    Raises TrafficImportError when the task fails or outlives `timeout`."""
    wanted = list(dict.fromkeys(keys))
    found = _span_records(client, dataset_id)
    missing = [key for key in wanted if key not in found]
    if missing:
        pairs = (k.split(":") for k in missing)
        references = [{"trace_id": t, "span_id": s} for t, s in pairs]
        task = client.import_spans(dataset_id, references)
        _wait(client, dataset_id, task, len(missing), timeout, sleep)
        found = _span_records(client, dataset_id)
    by_key = {key: found[key] for key in wanted if key in found}
    skipped = tuple(key for key in wanted if key not in found)
    return SpanRecords(by_key, imported=len(missing) - len(skipped), skipped=skipped)


def _span_records(client: TrafficApi, dataset_id: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for record in client.list_records(dataset_id):
        properties = record.get("properties") or {}
        trace_id, span_id = properties.get("trace_id"), properties.get("span_id")
        if isinstance(trace_id, str) and isinstance(span_id, str):
            found.setdefault(span_key(trace_id, span_id), str(record["id"]))
    return found


def _wait(
    client: TrafficApi,
    dataset_id: str,
    task: Mapping[str, Any],
    count: int,
    timeout: float,
    sleep: Any,
) -> None:
    task_id = str(task.get("id", ""))
    what = f"The import of {count} span(s) into the review dataset (task {task_id})"
    deadline = time.monotonic() + timeout
    polls = 0
    while True:
        status = str(task.get("status", ""))
        if status == "COMPLETED":
            return
        if status != "RUNNING":
            why = task.get("message") or "no reason given"
            raise TrafficImportError(f"{what} ended {status}: {why}. Run the replay again.")
        if time.monotonic() >= deadline:
            raise TrafficImportError(
                f"{what} is still RUNNING after {timeout:g} s; it was not waited on further."
                f" Run the replay again later (or raise {IMPORT_TIMEOUT_ENV})."
            )
        sleep(_POLL_SECONDS[min(polls, len(_POLL_SECONDS) - 1)])
        polls += 1
        task = client.get_task(dataset_id, task_id)
