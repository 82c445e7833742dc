"""Agreement metrics over judge verdicts: pure functions of plain values.

- `classification_metrics`: expected labels vs the judge's, as accuracy,
  Cohen's κ, per-label precision and recall, and a confusion matrix;
- `regression_metrics`: expected scores (a number or a range) vs the judge's,
  as mean absolute error, Spearman's rho and the share inside the range;
- `compare_versions`: the verdicts of the old and the new judge on the same
  cases, as flips, a transition matrix, κ between versions and a flip rate;
- `noise_floor`: how often repeats of one judge on one case disagree;
- `judge_metrics` and `failed_must_pass`: the above for a judge's `Case`s.

Definitions, and what each returns when it is undefined, are in
docs/review.md; a metric that is undefined is None, never NaN.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from judgesync.models import ClassificationOutput, JudgeDefinition
from judgesync.specs.case import Case, ScoreRange, is_number

Verdict = str | float
Label = TypeVar("Label", bound=Hashable)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def cohen_kappa(first: Sequence[Label], second: Sequence[Label]) -> float | None:
    """Cohen's κ of two raters on the same items; None when there are no items.

    κ = (p_o - p_e) / (1 - p_e). When p_e is 1 both raters gave one and the
    same label to every item, so p_o is 1 too and the ratio is 0/0: κ is
    then defined as 1, perfect agreement, which chance alone would also
    give (read it with the number of labels seen). Computed on integer
    counts, so that case is found exactly.
    """
    _same_length(first, second)
    n = len(first)
    if n == 0:
        return None
    agree = sum(a == b for a, b in zip(first, second, strict=True))
    counts_first, counts_second = Counter(first), Counter(second)
    # n² · p_e: the agreement expected from each rater's label frequencies.
    chance = sum(count * counts_second[label] for label, count in counts_first.items())
    if chance == n * n:
        return 1.0
    return (n * agree - chance) / (n * n - chance)


@dataclass(frozen=True)
class LabelScores:
    """Precision (None when the judge never gave the label) and recall (None when
    no case expects it) of one label; `support` is how many cases expect it."""

    precision: float | None
    recall: float | None
    support: int


@dataclass(frozen=True)
class ClassificationMetrics:
    count: int
    accuracy: float | None
    kappa: float | None
    labels: tuple[str, ...]
    per_label: Mapping[str, LabelScores]
    # (expected, given) -> number of cases; pairs that never happen are absent.
    confusion: Mapping[tuple[str, str], int]


def classification_metrics(
    expected: Sequence[str], given: Sequence[str], labels: Sequence[str] = ()
) -> ClassificationMetrics:
    """How the judge's labels (`given`) match the `expected` ones, case by case.

    `labels` (the judge's options, in order) come first in `labels` and
    `per_label`; any other label seen follows, sorted.
    """
    _same_length(expected, given)
    seen = sorted((set(expected) | set(given)) - set(labels))
    all_labels = tuple(dict.fromkeys([*labels, *seen]))
    confusion = Counter(zip(expected, given, strict=True))
    expected_counts, given_counts = Counter(expected), Counter(given)
    per_label = {
        label: LabelScores(
            precision=_share(confusion[label, label], given_counts[label]),
            recall=_share(confusion[label, label], expected_counts[label]),
            support=expected_counts[label],
        )
        for label in all_labels
    }
    correct = sum(confusion[label, label] for label in all_labels)
    return ClassificationMetrics(
        count=len(expected),
        accuracy=_share(correct, len(expected)),
        kappa=cohen_kappa(expected, given),
        labels=all_labels,
        per_label=per_label,
        confusion=dict(confusion),
    )


@dataclass(frozen=True)
class RegressionMetrics:
    count: int
    # Mean distance from each score to its expected range (0 inside it).
    mean_absolute_error: float | None
    # Between the expected ranges' midpoints and the scores.
    spearman: float | None
    within_range: float | None


def regression_metrics(
    expected: Sequence[ScoreRange | float], given: Sequence[float]
) -> RegressionMetrics:
    """How the judge's scores (`given`) match the `expected` numbers or ranges."""
    _same_length(expected, given)
    ranges = [item if isinstance(item, ScoreRange) else ScoreRange(item, item) for item in expected]
    errors = [
        max(span.min - score, score - span.max, 0.0)
        for span, score in zip(ranges, given, strict=True)
    ]
    inside = sum(score in span for span, score in zip(ranges, given, strict=True))
    midpoints = [(span.min + span.max) / 2 for span in ranges]
    return RegressionMetrics(
        count=len(given),
        mean_absolute_error=sum(errors) / len(errors) if errors else None,
        spearman=spearman(midpoints, given),
        within_range=_share(inside, len(given)),
    )


def judge_metrics(
    judge: JudgeDefinition, cases: Sequence[Case], answers: Mapping[str, Verdict]
) -> ClassificationMetrics | RegressionMetrics:
    """The metrics of `judge` on its `cases`, from its answers by case id.

    Cases without an answer (the request failed) are left out; so is a
    regression answer that is not a number. Both are the caller's to report.
    """
    answered = [case for case in cases if case.id in answers]
    if isinstance(judge.output, ClassificationOutput):
        pairs = [(case.expect, answers[case.id]) for case in answered]
        return classification_metrics(
            [str(expected) for expected, _ in pairs],
            [str(answer) for _, answer in pairs],
            labels=[option.value for option in judge.output.options],
        )
    expected: list[ScoreRange] = []
    scores: list[float] = []
    for case in answered:
        answer = answers[case.id]
        if isinstance(case.expect, ScoreRange) and is_number(answer):
            expected.append(case.expect)
            scores.append(answer)
    return regression_metrics(expected, scores)


def failed_must_pass(cases: Sequence[Case], answers: Mapping[str, Verdict]) -> tuple[Case, ...]:
    """The `must_pass` cases whose answer misses their expectation, or that have none."""
    return tuple(
        case
        for case in cases
        if case.must_pass and (case.id not in answers or not case.passes(answers[case.id]))
    )


def average_ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks; tied values share the average of the ranks they span."""
    order = sorted(range(len(values)), key=lambda index: values[index])
    ranks = [0.0] * len(values)
    start = 0
    for _, group in itertools.groupby(order, key=lambda index: values[index]):
        members = list(group)
        rank = start + (len(members) + 1) / 2
        for index in members:
            ranks[index] = rank
        start += len(members)
    return ranks


def spearman(first: Sequence[float], second: Sequence[float]) -> float | None:
    """Spearman's rho: Pearson's correlation of the average ranks.

    None when it is undefined: fewer than two items, or one side constant.
    """
    _same_length(first, second)
    if len(first) < 2 or len(set(first)) == 1 or len(set(second)) == 1:
        return None
    ranks_first, ranks_second = average_ranks(first), average_ranks(second)
    mean = (len(first) + 1) / 2  # the mean of ranks 1..n, ties included
    dx = [rank - mean for rank in ranks_first]
    dy = [rank - mean for rank in ranks_second]
    covariance = sum(x * y for x, y in zip(dx, dy, strict=True))
    spread = math.sqrt(sum(x * x for x in dx) * sum(y * y for y in dy))
    return max(-1.0, min(1.0, covariance / spread))


@dataclass(frozen=True)
class Flip:
    """A case the old and the new judge answer differently."""

    case_id: str
    old: Verdict
    new: Verdict


@dataclass(frozen=True)
class VersionComparison:
    count: int
    flips: tuple[Flip, ...]
    flip_rate: float | None
    # (old, new) -> number of cases, flips and unchanged verdicts alike.
    transitions: Mapping[tuple[Verdict, Verdict], int]
    kappa: float | None


def compare_versions(old: Mapping[str, Verdict], new: Mapping[str, Verdict]) -> VersionComparison:
    """The old and new judge's verdicts by case id, over the ids both have (in
    `old`'s order). Scores are compared exactly, as labels are."""
    ids = [case_id for case_id in old if case_id in new]
    pairs = [(old[case_id], new[case_id]) for case_id in ids]
    flips = tuple(
        Flip(case_id, before, after)
        for case_id, (before, after) in zip(ids, pairs, strict=True)
        if before != after
    )
    return VersionComparison(
        count=len(ids),
        flips=flips,
        flip_rate=_share(len(flips), len(ids)),
        transitions=dict(Counter(pairs)),
        kappa=cohen_kappa([before for before, _ in pairs], [after for _, after in pairs]),
    )


@dataclass(frozen=True)
class NoiseFloor:
    """How much one judge disagrees with itself on repeats of the same cases."""

    # The mean over cases of the share of pairs of repeats that differ: the flip
    # rate expected between two runs of an unchanged judge.
    rate: float | None
    unstable: tuple[str, ...]  # ids of the cases whose repeats do not all agree
    cases: int  # cases with at least two repeats


def noise_floor(repeats: Mapping[str, Sequence[Verdict]]) -> NoiseFloor:
    """The self-disagreement of N repeats per case id; cases with fewer than
    two repeats tell nothing and are left out."""
    shares: list[float] = []
    unstable: list[str] = []
    for case_id, verdicts in repeats.items():
        if len(verdicts) < 2:
            continue
        pairs = list(itertools.combinations(verdicts, 2))
        differing = sum(a != b for a, b in pairs)
        shares.append(differing / len(pairs))
        if differing:
            unstable.append(case_id)
    rate = sum(shares) / len(shares) if shares else None
    return NoiseFloor(rate=rate, unstable=tuple(unstable), cases=len(shares))


def _same_length(first: Sequence[object], second: Sequence[object]) -> None:
    if len(first) != len(second):
        raise ValueError(
            f"the verdicts to compare differ in number ({len(first)} and {len(second)});"
            " pair them case by case"
        )
