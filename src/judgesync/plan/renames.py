"""Renames a plan may have missed: a judge it creates whose name is a typo away from
an owned remote judge it deletes or leaves unmanaged.

A misspelt or renamed spec plans `+ create tnoe` beside the judge it meant; the
plan says once, per such pair, that `previous_names` would make it a rename.
Names are compared ignoring case by edit distance (adjacent swaps count one):
at most 2, and less than half the shorter name, so that `v1` and `v2` or
`team-a/tone` and `team-a/pii` (long shared prefixes fool ratio measures) are
not offered as renames.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from judgesync.models import Judge
from judgesync.names import name_key
from judgesync.plan.planner import ActionKind, Plan

_MAX_DISTANCE = 2
# Names YAML reads back as the same plain text inside `[...]`; others go quoted.
_PLAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*")


@dataclass(frozen=True)
class RenameHint:
    """`created` is planned as new, though `remote` (deleted, or left unmanaged) is close."""

    created: str
    remote: Judge
    deleted: bool

    def sentence(
        self,
        name: Callable[[str], str] = repr,
        line: Callable[[str], str] = "`{}`".format,
    ) -> str:
        """The hint, each judge name passed through `name` and the spec line through `line`."""
        fate = "the plan deletes" if self.deleted else "no spec names"
        old = self.remote.name
        listed = old if _PLAIN.fullmatch(old) else json.dumps(old, ensure_ascii=False)
        return (
            f"Did you mean a rename of {name(old)}, which {fate}? Then add"
            f" {line(f'previous_names: [{listed}]')} to the spec of {name(self.created)}."
        )


def rename_hints(plan: Plan) -> tuple[RenameHint, ...]:
    """Each created judge's closest deleted or unmanaged remote judge, when close enough;
    each remote judge offered once, to the create nearest to it."""
    created = sorted(a.name for a in plan.actions if a.kind is ActionKind.CREATE)
    gone = [(a.remote, True) for a in plan.actions if a.kind is ActionKind.DELETE and a.remote]
    gone += [(judge, False) for judge in plan.unmanaged]
    close = [
        (distance, RenameHint(name, judge, deleted))
        for name in created
        for judge, deleted in gone
        if (distance := _distance(name_key(name), name_key(judge.name))) <= _limit(name, judge)
    ]
    close.sort(key=lambda pair: (pair[0], pair[1].created, pair[1].remote.name))
    hints: list[RenameHint] = []
    named: set[str] = set()
    offered: set[str] = set()
    for _, hint in close:
        if hint.created not in named and hint.remote.id not in offered:
            named.add(hint.created)
            offered.add(hint.remote.id)
            hints.append(hint)
    return tuple(sorted(hints, key=lambda hint: hint.created))


def _limit(name: str, judge: Judge) -> int:
    """The largest distance offered: at most 2, and less than half the shorter name."""
    shorter = min(len(name_key(name)), len(name_key(judge.name)))
    return min(_MAX_DISTANCE, (shorter - 1) // 2)


def _distance(a: str, b: str) -> int:
    """Edits from `a` to `b`: insertions, deletions, substitutions and adjacent swaps
    (optimal string alignment)."""
    if abs(len(a) - len(b)) > _MAX_DISTANCE:
        return _MAX_DISTANCE + 1
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]
