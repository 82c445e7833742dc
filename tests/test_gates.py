"""Gates: which thresholds apply to a judge, and which metrics fail them."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from judgesync.review.gates import drop_gate, metric_failures
from judgesync.review.metrics import classification_metrics, regression_metrics
from judgesync.review.significance import agreement_change
from judgesync.settings.thresholds import Gates, Thresholds
from judgesync.specs.case import ScoreRange


def test_a_judges_own_thresholds_override_the_global_ones_field_by_field():
    gates = Gates(
        Thresholds(min_accuracy=0.8, min_kappa=0.6),
        MappingProxyType({"tone": Thresholds(min_accuracy=0.9)}),
    )
    assert gates.for_judge("tone") == Thresholds(min_accuracy=0.9, min_kappa=0.6)
    assert gates.for_judge("other") == Thresholds(min_accuracy=0.8, min_kappa=0.6)


def test_classification_gates_read_accuracy_and_kappa():
    metrics = classification_metrics(["a", "a", "b", "b"], ["a", "a", "b", "a"])
    assert metrics.accuracy == 0.75
    assert metric_failures(Thresholds(min_accuracy=0.75, min_kappa=0.5), metrics) == []
    assert metric_failures(Thresholds(min_accuracy=0.8, min_kappa=0.9), metrics) == [
        "accuracy 0.75 is below min_accuracy 0.8",
        "κ 0.50 is below min_kappa 0.9",
    ]


def test_regression_gates_read_the_share_within_range_and_mae():
    metrics = regression_metrics([ScoreRange(1, 2), ScoreRange(4, 5)], [1.5, 3.0])
    assert metric_failures(Thresholds(min_accuracy=0.5, max_mae=0.5), metrics) == []
    assert metric_failures(Thresholds(min_accuracy=0.6, max_mae=0.4), metrics) == [
        "accuracy 0.50 is below min_accuracy 0.6",
        "MAE 0.50 is above max_mae 0.4",
    ]


def test_an_undefined_metric_fails_the_threshold_that_reads_it():
    metrics = classification_metrics([], [])
    assert metric_failures(Thresholds(min_accuracy=0.0), metrics) == [
        "accuracy undefined is below min_accuracy 0"
    ]


def change(before_only: int, both: int):
    """An agreement change where `before_only` cases stopped meeting expect."""
    before = {f"c{n}": True for n in range(before_only + both)}
    after = {f"c{n}": n >= before_only for n in range(before_only + both)}
    return agreement_change(before, after)


@pytest.mark.parametrize(
    ("before_only", "both", "on_inconclusive", "outcome"),
    [
        (10, 30, None, "fail"),  # a significant drop of 0.25 fails, whatever on_inconclusive
        (10, 30, "warn", "fail"),
        (3, 1, None, "warn"),  # 4 cases: inconclusive; warn is the default
        (3, 1, "fail", "fail"),
        (0, 40, "fail", "pass"),  # no drop
    ],
)
def test_the_accuracy_drop_gate_fails_only_on_a_significant_drop_unless_told(
    before_only, both, on_inconclusive, outcome
):
    thresholds = Thresholds(max_accuracy_drop=0.05, on_inconclusive=on_inconclusive)
    decision = drop_gate(thresholds, change(before_only, both))
    assert decision.outcome == outcome
    assert (decision.reason is None) is (outcome == "pass")


def test_the_accuracy_drop_gate_passes_when_not_set_or_for_a_new_judge():
    assert drop_gate(Thresholds(), change(10, 30)).outcome == "pass"
    assert drop_gate(Thresholds(max_accuracy_drop=0.0), None).outcome == "pass"


def test_on_inconclusive_is_set_per_judge_over_the_global_value():
    gates = Gates(
        Thresholds(max_accuracy_drop=0.05),
        MappingProxyType({"tone": Thresholds(on_inconclusive="fail")}),
    )
    inconclusive = change(3, 1)
    assert drop_gate(gates.for_judge("tone"), inconclusive).outcome == "fail"
    assert drop_gate(gates.for_judge("other"), inconclusive).outcome == "warn"
