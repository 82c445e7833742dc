"""How much an update to a judge breaks: its change class, offline.

Compared from two definitions, the class is the worst of the reasons found:

    major   verdicts before and after are not comparable: the model changes, the
            output type switches, an option is removed or renamed, the regression
            range moves
    minor   verdicts stay comparable but may shift, or what refers to the judge
            must follow: an option is added, an option's or a bound's description
            changes, tools change, the description or name changes
    patch   only the wording the model reads: the instructions, the order of options
    none    nothing managed changes

A major change can be required to carry an acknowledgement (`breaking_changes:
require_ack`): `breaking_fingerprint` names that one change, and `ack_covers`
tells whether an acknowledgement is for it. The design is in docs/review.md.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from judgesync.models import (
    FINGERPRINT_LENGTH,
    ClassificationOutput,
    JudgeDefinition,
    RegressionOutput,
)


class ChangeClass(IntEnum):
    """Ordered, so that the class of a change is the `max` of its reasons'."""

    NONE = 0
    PATCH = 1
    MINOR = 2
    MAJOR = 3

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Reason:
    change_class: ChangeClass
    sentence: str


@dataclass(frozen=True)
class Classification:
    """The class of one update and why, worst reasons first."""

    change_class: ChangeClass
    reasons: tuple[Reason, ...]


def classify(old: JudgeDefinition, new: JudgeDefinition) -> Classification:
    """The change class of updating `old` to `new` (both as the remote would hold
    them: model overrides applied), with one whole sentence per reason."""
    reasons = sorted(_reasons(old, new), key=lambda reason: -reason.change_class)
    worst = max((reason.change_class for reason in reasons), default=ChangeClass.NONE)
    return Classification(worst, tuple(reasons))


_NOT_COMPARABLE = "verdicts before and after this change are not comparable"


def _reasons(old: JudgeDefinition, new: JudgeDefinition) -> Iterator[Reason]:
    if old.model_name != new.model_name:
        yield Reason(
            ChangeClass.MAJOR,
            f"The model changes from {old.model_name!r} to {new.model_name!r}: another model"
            f" judges, so {_NOT_COMPARABLE}.",
        )
    if old.output.type != new.output.type:
        yield Reason(
            ChangeClass.MAJOR,
            f"The output type switches from {old.output.type} to {new.output.type}:"
            f" {_NOT_COMPARABLE}, and every case's expectation must be rewritten.",
        )
    elif isinstance(old.output, ClassificationOutput) and isinstance(
        new.output, ClassificationOutput
    ):
        yield from _option_reasons(old.output, new.output)
    elif isinstance(old.output, RegressionOutput) and isinstance(new.output, RegressionOutput):
        yield from _range_reasons(old.output, new.output)
    if sorted(old.tools) != sorted(new.tools):
        yield Reason(
            ChangeClass.MINOR,
            f"The tools change from {_listed(sorted(old.tools))} to {_listed(sorted(new.tools))}:"
            " the judge can call other tools, so verdicts may shift.",
        )
    if old.description != new.description:
        yield Reason(
            ChangeClass.MINOR,
            "The description changes: people read another purpose; verdicts do not depend on it.",
        )
    if old.name != new.name:
        yield Reason(
            ChangeClass.MINOR,
            f"The judge is renamed from {old.name!r} to {new.name!r}: whatever finds it by name"
            " must follow; its verdicts do not change.",
        )
    if old.instructions != new.instructions:
        yield Reason(
            ChangeClass.PATCH,
            "The instructions' wording changes: verdicts may shift, and a replay of the cases"
            " shows how much.",
        )


def _option_reasons(old: ClassificationOutput, new: ClassificationOutput) -> Iterator[Reason]:
    before = {option.value: option.description for option in old.options}
    after = {option.value: option.description for option in new.options}
    added = [value for value in after if value not in before]
    for value in (value for value in before if value not in after):
        # An option gone and one new with its description: read as a rename.
        renamed = next((other for other in added if after[other] == before[value]), None)
        if renamed is not None:
            added.remove(renamed)
        what = "removed" if renamed is None else f"renamed to {renamed!r}"
        yield Reason(
            ChangeClass.MAJOR,
            f"The option {value!r} is {what}: verdicts {value!r} from before this change have"
            f" no counterpart after it, so {_NOT_COMPARABLE}; cases expecting {value!r} must"
            " change too.",
        )
    for value in added:
        yield Reason(
            ChangeClass.MINOR,
            f"The option {value!r} is added: cases may now get it where they got another"
            " option before.",
        )
    for value in (value for value in before if value in after):
        if before[value] != after[value]:
            yield Reason(
                ChangeClass.MINOR,
                f"The description of option {value!r} changes: it is the option's definition"
                " shown to the model, so verdicts may move between options; the options"
                " themselves stay comparable.",
            )
    kept_before = [value for value in before if value in after]
    kept_after = [value for value in after if value in before]
    if kept_before != kept_after:
        yield Reason(
            ChangeClass.PATCH,
            "The options are reordered: the model reads them in another order.",
        )


def _range_reasons(old: RegressionOutput, new: RegressionOutput) -> Iterator[Reason]:
    if (old.min, old.max) != (new.min, new.max):
        yield Reason(
            ChangeClass.MAJOR,
            f"The score range changes from {_range(old)} to {_range(new)}: scores before and"
            " after this change are not comparable, and cases' expected scores must be"
            " checked against the new range.",
        )
    for bound in ("min", "max"):
        if getattr(old, f"{bound}_description") != getattr(new, f"{bound}_description"):
            yield Reason(
                ChangeClass.MINOR,
                f"The description of the {bound} score changes: it anchors the scale the model"
                " scores on, so scores may drift; the range itself stays comparable.",
            )


def breaking_fingerprint(old: JudgeDefinition, new: JudgeDefinition) -> str:
    """A short hash naming this breaking change: the judge's name and, before and
    after, the fields whose change is major. Wording changes do not alter it; any
    later breaking change gets another one."""
    payload = {"name": new.name, "old": _breaking_fields(old), "new": _breaking_fields(new)}
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:FINGERPRINT_LENGTH]


def ack_covers(old: JudgeDefinition, new: JudgeDefinition, ack: str | None) -> bool:
    """Whether the acknowledgement `ack` (a spec's `acknowledge_breaking`) is for
    the change from `old` to `new`, and for no other."""
    return ack is not None and ack.strip().lower() == breaking_fingerprint(old, new)


def _breaking_fields(definition: JudgeDefinition) -> dict[str, Any]:
    fields: dict[str, Any] = {"model_name": definition.model_name, "type": definition.output.type}
    output = definition.output
    if isinstance(output, ClassificationOutput):
        # A set: reordering options is a patch, not a break.
        fields["options"] = sorted(option.value for option in output.options)
    else:
        fields["range"] = [_number(output.min), _number(output.max)]
    return fields


def _number(value: float | None) -> float | None:
    return None if value is None else float(value)  # 1 and 1.0 are the same bound


def _range(output: RegressionOutput) -> str:
    low = "-inf" if output.min is None else f"{output.min:g}"
    high = "inf" if output.max is None else f"{output.max:g}"
    return f"{low}..{high}"


def _listed(values: list[str]) -> str:
    return "[" + ", ".join(values) + "]" if values else "none"
