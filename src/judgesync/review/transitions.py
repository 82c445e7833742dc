"""A replay's transition matrix: the current version's verdicts against the proposed one's.

`transition_table(current, proposed, comparison)` groups the verdict pairs of
`metrics.compare_versions` into a table whose rows are the current version's
verdicts and whose columns are the proposed version's; markdown renders it.

- Classification: one row and one column per label seen on either side, in
  the options' order (the current version's, then the proposed one's new
  options, then any other answer, sorted). The axes are the same, so the
  diagonal holds the unchanged verdicts.
- Regression: scores are grouped into bands over the judges' range (the
  union of both versions' `min`..`max`; a bound not set is the lowest or
  highest score seen). A range of whole bounds spanning 2 to
  `WHOLE_BANDS_UPTO` points gets one band per whole number, a score going to
  its nearest one (1..5 gives the bands 1, 2, 3, 4, 5: what a model asked for
  a score mostly answers); any other range is cut into `EQUAL_BANDS` equal
  bands, each holding its lower edge, the last its upper one too. A score
  outside the range counts in the nearest end band. A flip inside one band
  lands on the diagonal: the flips list has every one.
- An output type that switched (a major change): each side its own axis.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from judgesync.models import ClassificationOutput, Output, RegressionOutput
from judgesync.review.metrics import Verdict, VersionComparison
from judgesync.specs.case import is_number

WHOLE_BANDS_UPTO = 10
EQUAL_BANDS = 5


@dataclass(frozen=True)
class TransitionTable:
    rows: tuple[str, ...]  # the current version's verdicts (labels or score bands)
    columns: tuple[str, ...]  # the proposed version's
    counts: Mapping[tuple[str, str], int]  # (row, column) -> cases; absent means 0
    banded: bool  # regression scores grouped into bands

    def changed(self, row: str, column: str) -> bool:
        """Whether the cell counts verdicts that moved between the versions."""
        return row != column or self.rows != self.columns


def transition_table(
    current: Output, proposed: Output, comparison: VersionComparison
) -> TransitionTable:
    """The comparison's transitions as a table (see the module docstring)."""
    pairs = comparison.transitions
    olds = [old for old, _ in pairs]
    news = [new for _, new in pairs]
    if isinstance(current, RegressionOutput) and isinstance(proposed, RegressionOutput):
        bands = _Bands([current, proposed], [*olds, *news])
        counts: Counter[tuple[str, str]] = Counter()
        for (old, new), count in pairs.items():
            counts[bands.label(old), bands.label(new)] += count
        return TransitionTable(bands.labels, bands.labels, dict(counts), banded=True)
    if isinstance(current, ClassificationOutput) and isinstance(proposed, ClassificationOutput):
        options = [o.value for o in current.options] + [o.value for o in proposed.options]
        axis = _label_axis(options, [*olds, *news])
        counts = Counter({(_text(old), _text(new)): count for (old, new), count in pairs.items()})
        return TransitionTable(axis, axis, dict(counts), banded=False)
    rows = _side_axis(current, olds)
    columns = _side_axis(proposed, news)
    mixed: Counter[tuple[str, str]] = Counter()
    for (old, new), count in pairs.items():
        mixed[rows.label(old), columns.label(new)] += count
    return TransitionTable(rows.labels, columns.labels, dict(mixed), banded=True)


def _text(value: Verdict) -> str:
    return value if isinstance(value, str) else f"{value:g}"


def _label_axis(options: Sequence[str], seen: Sequence[Verdict]) -> tuple[str, ...]:
    shown = {_text(value) for value in seen}
    ordered = [*dict.fromkeys(options), *sorted(shown - set(options))]
    return tuple(label for label in ordered if label in shown)


class _Labels:
    """One side's axis when the output type switched: labels, or bands of scores."""

    def __init__(self, labels: tuple[str, ...]) -> None:
        self.labels = labels

    def label(self, value: Verdict) -> str:
        return _text(value)


def _side_axis(output: Output, seen: Sequence[Verdict]) -> _Labels | _Bands:
    if isinstance(output, RegressionOutput):
        return _Bands([output], seen)
    return _Labels(_label_axis([o.value for o in output.options], seen))


class _Bands:
    """The score bands over the range of `outputs` (see the module docstring)."""

    def __init__(self, outputs: Sequence[RegressionOutput], seen: Sequence[Verdict]) -> None:
        scores = [float(value) for value in seen if is_number(value)]
        lows = [o.min for o in outputs if o.min is not None] or scores or [0.0]
        highs = [o.max for o in outputs if o.max is not None] or scores or [0.0]
        self.low, self.high = min(lows), max(max(highs), min(lows))
        whole = self.low.is_integer() and self.high.is_integer()
        self.whole = whole and 2 <= self.high - self.low <= WHOLE_BANDS_UPTO
        if self.whole:
            self.edges: list[float] = []
            self.labels = tuple(f"{k:g}" for k in range(int(self.low), int(self.high) + 1))
        elif self.high == self.low:
            self.edges, self.labels = [], (f"{self.low:g}",)
        else:
            step = (self.high - self.low) / EQUAL_BANDS
            self.edges = [self.low + step * index for index in range(EQUAL_BANDS + 1)]
            self.labels = tuple(
                f"{_edge(self.edges[i])}..{_edge(self.edges[i + 1])}" for i in range(EQUAL_BANDS)
            )
        # An answer that is not a number (a malformed one) keeps a row of its own.
        self.labels += tuple(sorted({_text(v) for v in seen if not is_number(v)}))

    def label(self, value: Verdict) -> str:
        if not is_number(value):
            return _text(value)
        score = min(self.high, max(self.low, float(value)))
        if self.whole:
            return f"{math.floor(score + 0.5):g}"
        if not self.edges:
            return self.labels[0]
        step = self.edges[1] - self.edges[0]
        return self.labels[min(EQUAL_BANDS - 1, int((score - self.low) / step))]


def _edge(value: float) -> str:
    return f"{round(value, 4):g}"
