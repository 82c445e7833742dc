"""Run a Plan against the API, idempotently, with bounded parallelism.

Every action converges instead of failing on a state it would have produced
itself: a create whose name is taken reconciles with the judge it finds, an
update the server calls unchanged is done, a delete of a judge already gone is
done. A judge changed by someone else between read and write is never
overwritten blindly: immediately before each update and delete the judge is
read again (GET by id) and compared with the plan's reading by the rule a
saved plan's preconditions use; when it changed, the action fails and says
to plan again. What remains is one round trip between that read and the
write (the API has no conditional writes). One failed action does not stop
the others.

Stopping: on Ctrl-C (KeyboardInterrupt in the calling thread) no further
action starts, those in flight get `grace` seconds to finish (a second
Ctrl-C abandons them), and the `Report` says what was done, what failed,
what never started and what is unknown (in flight when abandoned). A fatal
error (the API unreachable, or an unexpected exception in an action) stops
the run the same way; the report carries it in `stopped_by`.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from judgesync.errors import ApiError, ApiUnreachable, JudgesyncError
from judgesync.models import Judge, JudgeDefinition
from judgesync.names import find_by_name
from judgesync.plan.normalize import canonical
from judgesync.plan.planfile import changed_since
from judgesync.plan.planner import Action, ActionKind, Plan
from judgesync.progress import SILENT, Progress

# Seconds the actions in flight get to finish after a Ctrl-C or a fatal error.
DEFAULT_GRACE = 10.0


class JudgesApi(Protocol):
    """What the executor needs of the client."""

    def list_judges(self) -> list[Judge]: ...
    def get_judge(self, judge_id: str) -> Judge | None: ...
    def create_judge(self, definition: JudgeDefinition) -> Judge: ...
    def update_judge(self, judge_id: str, definition: JudgeDefinition) -> None: ...
    def delete_judge(self, judge_id: str) -> None: ...


class Outcome(StrEnum):
    DONE = "done"
    FAILED = "failed"
    # The run stopped before the action was sent.
    NOT_STARTED = "not started"
    # In flight when the run stopped waiting for it: it may or may not have happened.
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ActionResult:
    action: Action
    outcome: Outcome
    message: str


@dataclass(frozen=True)
class Report:
    results: tuple[ActionResult, ...]
    # What stopped the run early: KeyboardInterrupt (Ctrl-C) or a fatal error.
    stopped_by: BaseException | None = None

    def having(self, outcome: Outcome) -> tuple[ActionResult, ...]:
        return tuple(r for r in self.results if r.outcome is outcome)

    @property
    def failed(self) -> tuple[ActionResult, ...]:
        return self.having(Outcome.FAILED)

    @property
    def ok(self) -> bool:
        return self.stopped_by is None and all(r.outcome is Outcome.DONE for r in self.results)


# Deletes run first so that the names they free are there for creates and renames.
_PHASES = (ActionKind.DELETE, ActionKind.UPDATE, ActionKind.CREATE)
# Messages follow the outcome's own word in every report ("not started because ...").
_NOT_STARTED = "because the run stopped first"
_UNKNOWN = "in flight when the run stopped waiting; check the remote"


def apply(
    plan: Plan,
    client: JudgesApi,
    parallelism: int = 8,
    progress: Progress = SILENT,
    grace: float = DEFAULT_GRACE,
) -> Report:
    """Execute the plan's changes; no-ops are not sent. Ctrl-C and fatal errors
    end up in the report (`stopped_by`), never as an exception from here."""
    changes = [action for kind in _PHASES for action in plan.changes if action.kind is kind]
    progress.start("apply", len(changes))
    workers = _Workers(client, max(1, parallelism), progress)
    results: dict[int, ActionResult] = {}
    stopped_by: BaseException | None = None
    try:
        for kind in _PHASES:
            batch = [i for i, action in enumerate(changes) if action.kind is kind]
            stopped_by = workers.run(batch, changes, results)
            if stopped_by is not None:
                break
    except KeyboardInterrupt as interrupt:
        stopped_by = interrupt
    if stopped_by is not None:
        workers.stop(results, grace)
    in_flight = workers.close(results)
    progress.finish()
    for index, action in enumerate(changes):
        if index not in results:
            unknown = index in in_flight
            outcome = Outcome.UNKNOWN if unknown else Outcome.NOT_STARTED
            results[index] = ActionResult(action, outcome, _UNKNOWN if unknown else _NOT_STARTED)
    ordered = sorted(results.values(), key=lambda result: result.action.name)
    return Report(tuple(ordered), stopped_by)


class _Workers:
    """Daemon threads taking actions from a queue: abandoned ones never hold up
    the process's exit, which a ThreadPoolExecutor's threads would."""

    def __init__(self, client: JudgesApi, count: int, progress: Progress) -> None:
        self._client = client
        self._progress = progress
        self._todo: queue.SimpleQueue[tuple[int, Action] | None] = queue.SimpleQueue()
        self._done: queue.SimpleQueue[tuple[int, ActionResult, BaseException | None]] = (
            queue.SimpleQueue()
        )
        self._stopping = threading.Event()
        # Held while a worker decides to start an action (joining `_in_flight`)
        # and while it hands over the result (leaving it), so `close` never sees
        # an action that runs but is neither in flight nor with a result.
        self._lock = threading.Lock()
        self._pending = 0
        self._in_flight: set[int] = set()
        self._threads = [threading.Thread(target=self._work, daemon=True) for _ in range(count)]
        for thread in self._threads:
            thread.start()

    def run(
        self, batch: list[int], changes: list[Action], results: dict[int, ActionResult]
    ) -> BaseException | None:
        """Run one phase to its end; returns the fatal error that stopped it, if any."""
        for index in batch:
            self._pending += 1
            self._todo.put((index, changes[index]))
        while self._pending:
            fatal = self._collect(results, timeout=0.1)
            if fatal is not None:
                return fatal
        return None

    def stop(self, results: dict[int, ActionResult], grace: float) -> None:
        """Start nothing more; wait up to `grace` seconds for the actions in flight
        (a second KeyboardInterrupt stops the wait)."""
        self._stopping.set()
        deadline = time.monotonic() + grace
        try:
            while self._pending and time.monotonic() < deadline:
                self._collect(results, timeout=min(0.1, max(0.0, deadline - time.monotonic())))
        except KeyboardInterrupt:
            pass

    def close(self, results: dict[int, ActionResult]) -> set[int]:
        """Start nothing more; take the results already handed over; return the
        actions still in flight (abandoned: their outcome is unknown)."""
        for _ in self._threads:
            self._todo.put(None)
        with self._lock:
            self._stopping.set()
            while self._pending:
                try:
                    self._take(self._done.get_nowait(), results)
                except queue.Empty:
                    break
            return set(self._in_flight)

    def _collect(self, results: dict[int, ActionResult], timeout: float) -> BaseException | None:
        try:
            item = self._done.get(timeout=timeout)
        except queue.Empty:
            return None
        return self._take(item, results)

    def _take(
        self,
        item: tuple[int, ActionResult, BaseException | None],
        results: dict[int, ActionResult],
    ) -> BaseException | None:
        index, result, fatal = item
        self._pending -= 1
        if result.outcome is not Outcome.NOT_STARTED:
            results[index] = result
        return fatal

    def _work(self) -> None:
        while (item := self._todo.get()) is not None:
            index, action = item
            with self._lock:
                starting = not self._stopping.is_set()
                if starting:
                    self._in_flight.add(index)
            if not starting:
                self._done.put((index, ActionResult(action, Outcome.NOT_STARTED, ""), None))
                continue
            result, fatal = _run(action, self._client)
            if fatal is not None:
                self._stopping.set()  # before taking the next action, not when main notices
            self._progress.advance(failed=result.outcome is not Outcome.DONE)
            with self._lock:
                self._done.put((index, result, fatal))
                self._in_flight.discard(index)


def _run(action: Action, client: JudgesApi) -> tuple[ActionResult, BaseException | None]:
    """The action's result, and the error that must stop the whole run, if any."""
    step: Callable[[Action, JudgesApi], str] = _STEPS[action.kind]
    try:
        return ActionResult(action, Outcome.DONE, step(action, client)), None
    except ApiUnreachable as error:  # every other action would fail the same way
        return ActionResult(action, Outcome.FAILED, str(error)), error
    except JudgesyncError as error:
        return ActionResult(action, Outcome.FAILED, str(error)), None
    except BaseException as error:  # a bug: stop, report, then let the boundary say so
        return ActionResult(action, Outcome.FAILED, f"{type(error).__name__}: {error}"), error


def _create(action: Action, client: JudgesApi) -> str:
    assert action.desired is not None
    try:
        judge = client.create_judge(action.desired)
    except ApiError as error:
        if error.error_code != "JUDGE_NAME_ALREADY_EXISTS":
            raise
        # Someone (or our own retried request) created it meanwhile: reconcile with it.
        existing = find_by_name(client.list_judges(), action.desired.name)
        if existing is None:
            raise
        if canonical(existing.definition) == canonical(action.desired):
            return f"already existed with this content (id {existing.id})"
        return _update_to(existing, action.desired, client)
    return f"created (id {judge.id})"


def _update(action: Action, client: JudgesApi) -> str:
    assert action.desired is not None and action.remote is not None
    current = client.get_judge(action.remote.id)
    if current is None:
        raise _changed_since_read(action.remote, "was deleted on the remote")
    if changed_since(action.remote, current):
        return _settle_newer_revision(action.remote, action.desired, client)
    return _update_to(action.remote, action.desired, client)


def _update_to(judge: Judge, desired: JudgeDefinition, client: JudgesApi) -> str:
    try:
        client.update_judge(judge.id, desired)
    except ApiError as error:
        match error.error_code:
            case "JUDGE_DID_NOT_CHANGE":
                return f"already up to date (id {judge.id})"
            case "JUDGE_ALREADY_HAS_NEW_VERSION":
                return _settle_newer_revision(judge, desired, client)
            case "JUDGE_NOT_FOUND":
                raise _changed_since_read(judge, "was deleted on the remote") from None
            case "JUDGE_USED_IN_CAMPAIGN_CANNOT_BE_UPDATED":
                raise ApiError(
                    error.method,
                    error.path,
                    error.status,
                    f"{judge.name!r} is used in a campaign and the API refuses to update it."
                    " Leave its spec as the remote has it, or put the new version under a new"
                    " name (a new judge) and point the campaign at it.",
                    error.error_code,
                ) from None
        raise
    return f"updated (id {judge.id})"


def _settle_newer_revision(judge: Judge, desired: JudgeDefinition, client: JudgesApi) -> str:
    """The judge has a newer revision than the one we read: done if it already
    holds what we want (our own earlier attempt), otherwise refuse to overwrite."""
    newest = find_by_name(client.list_judges(), judge.name)
    if newest is not None and canonical(newest.definition) == canonical(desired):
        return f"already up to date (id {newest.id})"
    raise _changed_since_read(judge, "changed")


def _delete(action: Action, client: JudgesApi) -> str:
    assert action.remote is not None
    current = client.get_judge(action.remote.id)
    if current is None:
        return f"already deleted (id {action.remote.id})"
    if changed_since(action.remote, current):
        raise _changed_since_read(action.remote, "changed")
    try:
        client.delete_judge(action.remote.id)
    except ApiError as error:
        if error.error_code == "JUDGE_NOT_FOUND" or error.status == 404:
            return f"already deleted (id {action.remote.id})"
        raise
    return f"deleted (id {action.remote.id})"


def _changed_since_read(judge: Judge, what: str) -> JudgesyncError:
    return JudgesyncError(
        f"{judge.name!r} (id {judge.id}) {what} since the plan was read; it was not"
        " overwritten. Run plan again to review the current remote state."
    )


_STEPS: dict[ActionKind, Callable[[Action, JudgesApi], str]] = {
    ActionKind.CREATE: _create,
    ActionKind.UPDATE: _update,
    ActionKind.DELETE: _delete,
}
