"""Gates: whether a judge's verdicts meet the thresholds of judgesync.yaml's `gates:`
(their values: settings/thresholds.py).

    gates:
      min_accuracy: 0.8          # share of cases passed (regression: scores within range)
      min_kappa: 0.6             # Cohen's κ against `expect` (classification only)
      max_mae: 0.5               # mean absolute error (regression only)
      max_accuracy_drop: 0.05    # plan --replay: accuracy before minus after
      judges:
        tone: {min_accuracy: 0.9}  # per judge, over the global values

A threshold that is not set is not checked; a metric that is undefined (no
case answered) fails the threshold that reads it. Failing `must_pass` cases
always fail, gates or not.
"""

from __future__ import annotations

from judgesync.review.metrics import ClassificationMetrics, RegressionMetrics
from judgesync.settings.thresholds import Thresholds


def accuracy(metrics: ClassificationMetrics | RegressionMetrics) -> float | None:
    """The share of cases passed: accuracy, or for a regression the share within range."""
    if isinstance(metrics, ClassificationMetrics):
        return metrics.accuracy
    return metrics.within_range


def metric_failures(
    thresholds: Thresholds, metrics: ClassificationMetrics | RegressionMetrics
) -> list[str]:
    """One sentence per threshold the metrics miss."""
    failures = []
    share = accuracy(metrics)
    if thresholds.min_accuracy is not None and not _at_least(share, thresholds.min_accuracy):
        floor = thresholds.min_accuracy
        failures.append(f"accuracy {_show(share)} is below min_accuracy {floor:g}")
    if isinstance(metrics, ClassificationMetrics):
        if thresholds.min_kappa is not None and not _at_least(metrics.kappa, thresholds.min_kappa):
            failures.append(f"κ {_show(metrics.kappa)} is below min_kappa {thresholds.min_kappa:g}")
    elif thresholds.max_mae is not None:
        mae = metrics.mean_absolute_error
        if mae is None or mae > thresholds.max_mae:
            failures.append(f"MAE {_show(mae)} is above max_mae {thresholds.max_mae:g}")
    return failures


def drop_failures(thresholds: Thresholds, before: float | None, after: float | None) -> list[str]:
    """The accuracy-drop gate of a replay, as a sentence when it fails."""
    limit = thresholds.max_accuracy_drop
    if limit is None or before is None:
        return []
    drop = before - (after or 0.0)
    if drop > limit + 1e-12:
        return [
            f"accuracy drops from {before:.2f} to {_show(after)}, more than"
            f" max_accuracy_drop {limit:g}"
        ]
    return []


def _at_least(value: float | None, floor: float) -> bool:
    return value is not None and value >= floor - 1e-12


def _show(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.2f}"
