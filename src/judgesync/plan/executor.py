"""Run a Plan against the API, idempotently, with bounded parallelism.

Every action converges instead of failing on a state it would have produced
itself: a create whose name is taken reconciles with the judge it finds, an
update the server calls unchanged is done, a delete of a judge already gone is
done. A judge changed by someone else between read and write is never
overwritten blindly: the action fails and says to plan again. One failed
action does not stop the others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from judgesync.errors import ApiError, JudgesyncError
from judgesync.names import name_key
from judgesync.plan.normalize import canonical
from judgesync.plan.planner import Action, ActionKind, Plan
from judgesync.spec import Judge, JudgeDefinition


class JudgesApi(Protocol):
    """What the executor needs of the client."""

    def list_judges(self) -> list[Judge]: ...
    def create_judge(self, definition: JudgeDefinition) -> Judge: ...
    def update_judge(self, judge_id: str, definition: JudgeDefinition) -> None: ...
    def delete_judge(self, judge_id: str) -> None: ...


class Outcome(StrEnum):
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class ActionResult:
    action: Action
    outcome: Outcome
    message: str


@dataclass(frozen=True)
class Report:
    results: tuple[ActionResult, ...]

    @property
    def failed(self) -> tuple[ActionResult, ...]:
        return tuple(r for r in self.results if r.outcome is Outcome.FAILED)

    @property
    def ok(self) -> bool:
        return not self.failed


# Deletes run first so that the names they free are there for creates and renames.
_PHASES = (ActionKind.DELETE, ActionKind.UPDATE, ActionKind.CREATE)


def apply(plan: Plan, client: JudgesApi, parallelism: int = 8) -> Report:
    """Execute the plan's changes; no-ops are not sent."""
    results: list[ActionResult] = []
    with ThreadPoolExecutor(max_workers=max(1, parallelism)) as pool:
        for kind in _PHASES:
            batch = [action for action in plan.changes if action.kind is kind]
            results.extend(pool.map(lambda action: _run(action, client), batch))
    results.sort(key=lambda result: result.action.name)
    return Report(tuple(results))


def _run(action: Action, client: JudgesApi) -> ActionResult:
    step: Callable[[Action, JudgesApi], str] = _STEPS[action.kind]
    try:
        return ActionResult(action, Outcome.DONE, step(action, client))
    except JudgesyncError as error:
        return ActionResult(action, Outcome.FAILED, str(error))


def _create(action: Action, client: JudgesApi) -> str:
    assert action.desired is not None
    try:
        judge = client.create_judge(action.desired)
    except ApiError as error:
        if error.error_code != "JUDGE_NAME_ALREADY_EXISTS":
            raise
        # Someone (or our own retried request) created it meanwhile: reconcile with it.
        existing = _find_live(client.list_judges(), action.desired.name)
        if existing is None:
            raise
        if canonical(existing.definition) == canonical(action.desired):
            return f"already existed with this content (id {existing.id})"
        return _update_to(existing, action.desired, client)
    return f"created (id {judge.id})"


def _update(action: Action, client: JudgesApi) -> str:
    assert action.desired is not None and action.remote is not None
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
    newest = _find_live(client.list_judges(), judge.name)
    if newest is not None and canonical(newest.definition) == canonical(desired):
        return f"already up to date (id {newest.id})"
    raise _changed_since_read(judge, "has a newer revision")


def _delete(action: Action, client: JudgesApi) -> str:
    assert action.remote is not None
    try:
        client.delete_judge(action.remote.id)
    except ApiError as error:
        if error.error_code == "JUDGE_NOT_FOUND" or error.status == 404:
            return f"already deleted (id {action.remote.id})"
        raise
    return f"deleted (id {action.remote.id})"


def _find_live(judges: Sequence[Judge], name: str) -> Judge | None:
    exact = [j for j in judges if j.name == name]
    loose = [j for j in judges if name_key(j.name) == name_key(name)]
    found = exact or loose
    return found[0] if len(found) == 1 else None


def _changed_since_read(judge: Judge, what: str) -> JudgesyncError:
    return JudgesyncError(
        f"{judge.name!r} (id {judge.id}) {what} since it was read; it was not overwritten."
        " Run plan again to review the current remote state."
    )


_STEPS: dict[ActionKind, Callable[[Action, JudgesApi], str]] = {
    ActionKind.CREATE: _create,
    ActionKind.UPDATE: _update,
    ActionKind.DELETE: _delete,
}
