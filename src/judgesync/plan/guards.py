"""The guards on breaking changes, in words: what `plan` warns and `apply` refuses
under judgesync.yaml's `breaking_changes: require_ack`."""

from __future__ import annotations

from collections.abc import Sequence

from judgesync.errors import PlanError
from judgesync.plan.change_class import ChangeClass
from judgesync.plan.planner import Action
from judgesync.settings.policy import BreakingChanges, Policy


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
