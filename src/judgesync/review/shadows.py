"""Shadow judges: a proposed definition saved for the length of a replay.

Live judging runs only saved judges, so `plan --replay` saves the proposed
version of a judge under a reserved name, judges the cases with it, and
deletes it in a `finally`. A shadow is named

    judgesync-shadow/<run>/<judge name>      run = <UTC start, 20261129T071500Z>-<8 hex>

and `names.is_shadow` keeps every such name out of plans, imports, drift and
the unmanaged list (through `Policy.owns`); `validate` refuses it in specs.

A run that is killed (`kill -9`, a lost runner) cannot delete its shadows,
so every `plan --replay` and `test` first sweeps the shadows of *other* runs
that started more than a grace period ago (default 10 minutes, env
`JUDGESYNC_SHADOW_GRACE_SECONDS`). The grace keeps a concurrent run (two
pull requests planned at once on one workspace) from losing its shadows
mid-replay; the run's start is read from the name, so nothing but the name
is needed. A shadow whose name does not parse is swept at once: the prefix is
judgesync's, whatever the ownership scope says.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from judgesync.errors import ApiError, ConfigError, JudgesyncError
from judgesync.models import Judge, JudgeDefinition
from judgesync.names import SHADOW_PREFIX, is_shadow

GRACE_ENV = "JUDGESYNC_SHADOW_GRACE_SECONDS"
DEFAULT_GRACE = timedelta(minutes=10)
# Longer than any run lasts; a larger value (or inf) would only overflow timedelta.
MAX_GRACE = timedelta(weeks=1)
_STAMP = "%Y%m%dT%H%M%SZ"
_NAME_TAKEN = "JUDGE_NAME_ALREADY_EXISTS"
_NOT_FOUND = "JUDGE_NOT_FOUND"


class ShadowApi(Protocol):
    """What shadows need of the client."""

    def list_judges(self) -> list[Judge]: ...
    def create_judge(self, definition: JudgeDefinition) -> Judge: ...
    def delete_judge(self, judge_id: str) -> None: ...


@dataclass(frozen=True)
class ShadowRun:
    """One run's claim on the shadow space: its shadows share a token."""

    started: datetime
    token: str = field(default="")

    @classmethod
    def start(cls, now: datetime | None = None) -> ShadowRun:
        started = (now or datetime.now(UTC)).replace(microsecond=0)
        return cls(started, f"{started.strftime(_STAMP)}-{secrets.token_hex(4)}")

    def name_for(self, judge_name: str) -> str:
        return f"{SHADOW_PREFIX}{self.token}/{judge_name}"

    def created(self, name: str) -> bool:
        return name.startswith(f"{SHADOW_PREFIX}{self.token}/")


def shadow_started(name: str) -> datetime | None:
    """When the run that made shadow `name` started, or None when the name does not say."""
    token = name[len(SHADOW_PREFIX) :].split("/", 1)[0]
    try:
        return datetime.strptime(token.split("-", 1)[0], _STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None


def grace_from(environ: Mapping[str, str]) -> timedelta:
    """The sweep's grace period: `JUDGESYNC_SHADOW_GRACE_SECONDS`, else 10 minutes."""
    raw = environ.get(GRACE_ENV, "").strip()
    if not raw:
        return DEFAULT_GRACE
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= MAX_GRACE.total_seconds():
        raise ConfigError(
            f"{GRACE_ENV} must be a number of seconds from 0 to"
            f" {MAX_GRACE.total_seconds():.0f} (one week), got {raw!r}; fix or unset it."
        )
    return timedelta(seconds=seconds)


def sweep(
    client: ShadowApi, run: ShadowRun, grace: timedelta, remote: Iterable[Judge]
) -> tuple[str, ...]:
    """Delete the shadows other runs left that started `grace` or longer before `run`;
    `remote` is the workspace as the command listed it, so nothing lists it twice."""
    swept = []
    for judge in remote:
        if not is_shadow(judge.name) or run.created(judge.name):
            continue
        started = shadow_started(judge.name)
        if started is None or run.started - started >= grace:
            _delete(client, judge.id)
            swept.append(judge.name)
    return tuple(swept)


@contextmanager
def shadow_judge(client: ShadowApi, run: ShadowRun, definition: JudgeDefinition) -> Iterator[Judge]:
    """`definition` saved as this run's shadow while the block runs, deleted after it.

    The create runs inside the `try`: an interrupt that lands after the server saved
    the shadow but before its answer arrived still deletes it, found by its name.
    """
    name = run.name_for(definition.name)
    shadow: Judge | None = None
    try:
        shadow = _create(client, definition.model_copy(update={"name": name}))
        yield shadow
    finally:
        if shadow is not None:
            _delete(client, shadow.id)
        else:
            _delete_named(client, name)


def _create(client: ShadowApi, definition: JudgeDefinition) -> Judge:
    try:
        return client.create_judge(definition)
    except ApiError as error:
        # A retried POST whose first answer was lost: the shadow is ours already.
        if error.error_code != _NAME_TAKEN:
            raise
    found = [judge for judge in client.list_judges() if judge.name == definition.name]
    if not found:
        raise ApiError(
            "POST",
            "/v1/observability/judges",
            409,
            f"The shadow judge {definition.name!r} was reported taken but cannot be found;"
            " run the command again.",
            _NAME_TAKEN,
        )
    return found[0]


def _delete_named(client: ShadowApi, name: str) -> None:
    """Delete the shadow `name` if the create that failed saved it after all. Best
    effort: the error that stopped the create is the one to report, and the next
    run's sweep removes a shadow this could not."""
    try:
        for judge in client.list_judges():
            if judge.name == name:
                _delete(client, judge.id)
    except JudgesyncError:
        pass


def _delete(client: ShadowApi, judge_id: str) -> None:
    try:
        client.delete_judge(judge_id)
    except ApiError as error:
        if not (error.status == 404 and error.error_code == _NOT_FOUND):
            raise
