"""Gates: whether a judge's verdicts meet the thresholds of judgesync.yaml's `gates:`
(their values: settings/thresholds.py).

    gates:
      min_accuracy: 0.8          # share of cases passed (regression: scores within range)
      min_kappa: 0.6             # Cohen's κ against `expect` (classification only)
      max_mae: 0.5               # mean absolute error (regression only)
      max_accuracy_drop: 0.05    # plan --replay: accuracy before minus after
      on_inconclusive: warn      # plan --replay: a drop past it that is not significant
      judges:
        tone: {min_accuracy: 0.9, on_inconclusive: fail}  # per judge, over the global values

A threshold that is not set is not checked; a metric that is undefined (no
case answered) fails the threshold that reads it. Failing `must_pass` cases
always fail, gates or not.

`max_accuracy_drop` reads the paired change in agreement with `expect`
(review/significance.py): it fails only on a drop past the threshold that is
significant (McNemar mid-p < 0.05). A drop past it that is not significant
(too few cases, or within chance) is inconclusive: `on_inconclusive: warn`
(the default) reports it and passes, `fail` fails the replay. Why warn by
default: a gate that fails on noise trains reviewers to ignore it, and the
warning still names the drop and how many cases would tell.
"""

from __future__ import annotations

from judgesync.review.metrics import ClassificationMetrics, RegressionMetrics
from judgesync.review.significance import AgreementChange, GateDecision, accuracy_drop_gate
from judgesync.settings.thresholds import DEFAULT_ON_INCONCLUSIVE, Thresholds


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


def drop_gate(thresholds: Thresholds, change: AgreementChange | None) -> GateDecision:
    """The `max_accuracy_drop` gate of a replay on its agreement change (None for
    a created judge: nothing to drop from)."""
    if change is None:
        return GateDecision("pass", inconclusive=False, reason=None)
    on_inconclusive = thresholds.on_inconclusive or DEFAULT_ON_INCONCLUSIVE
    return accuracy_drop_gate(change, thresholds.max_accuracy_drop, on_inconclusive)


def _at_least(value: float | None, floor: float) -> bool:
    return value is not None and value >= floor - 1e-12


def _show(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.2f}"
