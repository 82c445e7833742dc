"""The guards on breaking changes, in words: what `plan` warns and `apply` refuses
under judgesync.yaml's `breaking_changes: require_ack`, and how a plan words the
acknowledgement under each rule."""

from __future__ import annotations

from collections.abc import Sequence

from judgesync.errors import PlanError
from judgesync.plan.change_class import ChangeClass
from judgesync.plan.planner import Action
from judgesync.settings.policy import BreakingChanges, Policy


def acknowledgement(action: Action, rule: BreakingChanges | None) -> tuple[str, str] | None:
    """For a major update: what the plan says of its acknowledgement, and the spec line.

    Under `require_ack` apply needs the line; under `warn` it only records that the
    change was reviewed; `rule` None (a saved plan, which does not record it) says both.
    """
    if not action.breaking:
        return None
    line = f"acknowledge_breaking: {action.fingerprint}"
    if action.acknowledged:
        return "Acknowledged in the spec:", line
    if rule is BreakingChanges.REQUIRE_ACK:
        return "Required (breaking_changes: require_ack): add to the spec:", line
    if rule is BreakingChanges.WARN:
        return "Optional (breaking_changes: warn): to acknowledge it, add to the spec:", line
    return (
        "To acknowledge it (required under breaking_changes: require_ack), add to the spec:",
        line,
    )


def breaking_warning(policy: Policy, unacknowledged: Sequence[Action]) -> str | None:
    """What `plan` says when apply would refuse these unacknowledged major updates."""
    if policy.breaking_changes is not BreakingChanges.REQUIRE_ACK or not unacknowledged:
        return None
    return (
        f"Warning: apply will refuse this plan: {_breaking_list(unacknowledged)}\n"
        "Review each change, then add the line to the judge's spec."
    )


def refuse_unacknowledged(policy: Policy, unacknowledged: Sequence[Action]) -> None:
    """Raise PlanError, under `require_ack`, for major updates no spec acknowledges."""
    if policy.breaking_changes is not BreakingChanges.REQUIRE_ACK or not unacknowledged:
        return
    raise PlanError(
        f"The plan makes breaking changes that their specs do not acknowledge"
        f" (breaking_changes: require_ack in judgesync.yaml); nothing was changed.\n"
        f"{_breaking_list(unacknowledged)}\n"
        "Review each change, add the line to the judge's spec in a reviewed change,"
        " then plan and apply again."
    )


def _breaking_list(unacknowledged: Sequence[Action]) -> str:
    """One paragraph per judge: why its change breaks, and the line that accepts it."""
    count = len(unacknowledged)
    lines = [f"{count} breaking change(s) not acknowledged:"]
    for action in unacknowledged:
        assert action.classification is not None
        reasons = [
            r.sentence for r in action.classification.reasons if r.change_class is ChangeClass.MAJOR
        ]
        lines.append(f"  {action.name}: {' '.join(reasons)}")
        written = action.acknowledge_breaking
        if written is not None:
            lines.append(f"    Its acknowledge_breaking ({written.strip()}) is for another change.")
        lines.append(
            f"    To accept it, add to its spec: acknowledge_breaking: {action.fingerprint}"
        )
    return "\n".join(lines)
