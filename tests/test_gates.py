"""Gates: which thresholds apply to a judge, and which metrics fail them."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from judgesync.review.gates import drop_failures, metric_failures
from judgesync.review.metrics import classification_metrics, regression_metrics
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


@pytest.mark.parametrize(
    ("before", "after", "fails"),
    [(1.0, 0.95, False), (1.0, 0.9, True), (None, 0.0, False), (0.5, 0.75, False)],
)
def test_the_accuracy_drop_gate(before, after, fails):
    assert bool(drop_failures(Thresholds(max_accuracy_drop=0.05), before, after)) is fails
    assert drop_failures(Thresholds(), before, after) == []
