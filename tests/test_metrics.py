import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import rankdata, spearmanr
from sklearn.metrics import cohen_kappa_score, confusion_matrix, precision_recall_fscore_support

from judgesync.review.metrics import (
    ClassificationMetrics,
    Flip,
    RegressionMetrics,
    average_ranks,
    classification_metrics,
    cohen_kappa,
    compare_versions,
    failed_must_pass,
    judge_metrics,
    noise_floor,
    regression_metrics,
    spearman,
)
from judgesync.specs.case import Case, ScoreRange
from tests.builders import definition, regression


def table(*cells: tuple[str, str, int]) -> tuple[list[str], list[str]]:
    """Two raters' labels from a contingency table of (first, second, count)."""
    first = [a for a, _, count in cells for _ in range(count)]
    second = [b for _, b, count in cells for _ in range(count)]
    return first, second


def test_kappa_of_the_textbook_two_rater_example_is_0_4():
    # 50 proposals read by two readers: p_o = 0.7, p_e = 0.5 (Wikipedia, "Cohen's kappa").
    first, second = table(("yes", "yes", 20), ("yes", "no", 5), ("no", "yes", 10), ("no", "no", 15))
    assert cohen_kappa(first, second) == pytest.approx(0.4)


@pytest.mark.parametrize(
    ("cells", "kappa"),
    [
        # Same p_o = 0.6, different marginals (Wikipedia's "same percentages" examples).
        ([("y", "y", 45), ("y", "n", 15), ("n", "y", 25), ("n", "n", 15)], 0.1304),
        ([("y", "y", 25), ("y", "n", 35), ("n", "y", 5), ("n", "n", 35)], 0.2593),
        # Agreement no better than chance, and worse than chance.
        ([("y", "y", 1), ("y", "n", 1), ("n", "y", 1), ("n", "n", 1)], 0.0),
        ([("y", "n", 5), ("n", "y", 5)], -1.0),
    ],
)
def test_kappa_of_worked_tables(cells, kappa):
    assert cohen_kappa(*table(*cells)) == pytest.approx(kappa, abs=1e-4)


def test_kappa_is_one_when_both_raters_give_one_same_label_to_every_item():
    assert cohen_kappa(["a"] * 4, ["a"] * 4) == 1.0


def test_kappa_of_no_items_is_undefined():
    assert cohen_kappa([], []) is None


labels = st.sampled_from(["a", "b", "c"])
label_pairs = st.lists(st.tuples(labels, labels), min_size=1, max_size=40)


@given(label_pairs)
def test_kappa_matches_scikit_learn(pairs):
    first, second = [a for a, _ in pairs], [b for _, b in pairs]
    ours = cohen_kappa(first, second)
    if len(set(first) | set(second)) == 1:  # scikit-learn answers NaN (0/0) here
        assert ours == 1.0
    else:
        assert ours == pytest.approx(cohen_kappa_score(first, second))


@given(label_pairs)
def test_precision_recall_and_confusion_match_scikit_learn(pairs):
    expected, given_labels = [a for a, _ in pairs], [b for _, b in pairs]
    metrics = classification_metrics(expected, given_labels, labels=["a", "b", "c"])
    assert metrics.labels == ("a", "b", "c")
    precision, recall, _, support = precision_recall_fscore_support(
        expected, given_labels, labels=["a", "b", "c"], zero_division=np.nan
    )
    for index, label in enumerate(metrics.labels):
        scores = metrics.per_label[label]
        for ours, theirs in ((scores.precision, precision[index]), (scores.recall, recall[index])):
            assert (ours is None) == math.isnan(theirs)
            if ours is not None:
                assert ours == pytest.approx(theirs)
        assert scores.support == support[index]
    matrix = confusion_matrix(expected, given_labels, labels=["a", "b", "c"])
    for (row, expected_label), (column, given_label) in (
        (r, c) for r in enumerate(metrics.labels) for c in enumerate(metrics.labels)
    ):
        count = metrics.confusion.get((expected_label, given_label), 0)
        assert count == matrix[row][column]
    assert metrics.accuracy == pytest.approx(np.trace(matrix) / len(pairs))


def test_classification_metrics_of_a_small_run():
    metrics = classification_metrics(
        ["on_brand", "on_brand", "rude", "rude"],
        ["on_brand", "rude", "rude", "sarcastic"],
        labels=["on_brand", "rude"],
    )
    assert metrics.count == 4
    assert metrics.accuracy == 0.5
    assert metrics.labels == ("on_brand", "rude", "sarcastic")
    assert metrics.per_label["on_brand"].precision == 1.0
    assert metrics.per_label["on_brand"].recall == 0.5
    assert metrics.per_label["rude"].precision == 0.5
    assert metrics.per_label["sarcastic"].precision == 0.0
    assert metrics.per_label["sarcastic"].recall is None  # no case expects it
    assert metrics.confusion == {
        ("on_brand", "on_brand"): 1,
        ("on_brand", "rude"): 1,
        ("rude", "rude"): 1,
        ("rude", "sarcastic"): 1,
    }


def test_classification_metrics_of_no_cases_are_undefined():
    metrics = classification_metrics([], [], labels=["a"])
    assert (metrics.accuracy, metrics.kappa) == (None, None)
    assert metrics.per_label["a"].precision is None


def test_verdicts_must_pair_up():
    with pytest.raises(ValueError, match=r"differ in number \(2 and 1\)"):
        classification_metrics(["a", "b"], ["a"])


def test_spearman_of_the_textbook_iq_and_television_example():
    # Wikipedia, "Spearman's rank correlation coefficient": rho = -29/165.
    iq = [106, 100, 86, 101, 99, 103, 97, 113, 112, 110]
    tv_hours = [7, 27, 2, 50, 28, 29, 20, 12, 6, 17]
    assert spearman(iq, tv_hours) == pytest.approx(-29 / 165)


def test_average_ranks_share_ties():
    assert average_ranks([10, 20, 20, 30, 20]) == [1.0, 3.0, 3.0, 5.0, 3.0]


@pytest.mark.parametrize(
    ("first", "second"), [([1, 1, 1], [1, 2, 3]), ([1, 2, 3], [5, 5, 5]), ([1], [2]), ([], [])]
)
def test_spearman_is_undefined_when_a_side_is_constant_or_too_short(first, second):
    assert spearman(first, second) is None


scores = st.lists(
    st.tuples(st.integers(1, 5), st.floats(1, 5, allow_nan=False)), min_size=2, max_size=30
)


@given(scores)
def test_spearman_and_ranks_match_scipy(pairs):
    first, second = [a for a, _ in pairs], [b for _, b in pairs]
    assert average_ranks(second) == pytest.approx(list(rankdata(second)))
    ours = spearman(first, second)
    if len(set(first)) == 1 or len(set(second)) == 1:
        assert ours is None
    else:
        assert ours == pytest.approx(spearmanr(first, second).statistic, abs=1e-9)


def test_regression_metrics_measure_the_distance_to_each_expected_range():
    metrics = regression_metrics(
        [ScoreRange(4, 5), 1, ScoreRange(2, 3), 5], [4.5, 2, 1, 5]
    )  # errors 0, 1, 1, 0
    assert metrics.count == 4
    assert metrics.mean_absolute_error == 0.5
    assert metrics.within_range == 0.5
    # Midpoints 4.5, 1, 2.5, 5 rank as 3, 1, 2, 4; the scores as 3, 2, 1, 4.
    assert metrics.spearman == pytest.approx(0.8)


def test_regression_metrics_of_point_expectations_give_the_usual_mae():
    metrics = regression_metrics([1, 2, 3], [2, 2, 5])
    assert metrics.mean_absolute_error == pytest.approx(1.0)
    assert metrics.within_range == pytest.approx(1 / 3)


def test_regression_metrics_of_no_cases_are_undefined():
    metrics = regression_metrics([], [])
    assert (metrics.mean_absolute_error, metrics.spearman, metrics.within_range) == (
        None,
        None,
        None,
    )


def test_compare_versions_lists_flips_transitions_and_agreement():
    old = {"a": "on_brand", "b": "on_brand", "c": "rude", "d": "rude", "only-old": "rude"}
    new = {"d": "on_brand", "c": "rude", "b": "on_brand", "a": "rude", "only-new": "rude"}
    comparison = compare_versions(old, new)
    assert comparison.count == 4
    assert comparison.flips == (Flip("a", "on_brand", "rude"), Flip("d", "rude", "on_brand"))
    assert comparison.flip_rate == 0.5
    assert comparison.transitions == {
        ("on_brand", "rude"): 1,
        ("on_brand", "on_brand"): 1,
        ("rude", "rude"): 1,
        ("rude", "on_brand"): 1,
    }
    assert comparison.kappa == pytest.approx(0.0)


def test_compare_versions_of_unchanged_scores_has_no_flips():
    comparison = compare_versions({"a": 4.0, "b": 2.0}, {"a": 4.0, "b": 2.0})
    assert comparison.flips == ()
    assert comparison.flip_rate == 0.0
    assert comparison.kappa == 1.0


def test_compare_versions_without_common_cases_is_undefined():
    comparison = compare_versions({"a": "x"}, {"b": "x"})
    assert (comparison.count, comparison.flip_rate, comparison.kappa) == (0, None, None)


def test_noise_floor_is_the_mean_share_of_disagreeing_pairs_of_repeats():
    floor = noise_floor(
        {
            "steady": ["a", "a", "a"],  # 0 of 3 pairs differ
            "shaky": ["a", "a", "b"],  # 2 of 3 pairs differ
            "once": ["b"],  # tells nothing
            "split": [3.0, 4.0],  # 1 of 1
        }
    )
    assert floor.cases == 3
    assert floor.rate == pytest.approx((0 + 2 / 3 + 1) / 3)
    assert floor.unstable == ("shaky", "split")


@given(st.lists(labels, min_size=2, max_size=8))
def test_noise_floor_equals_the_chance_two_repeats_differ(verdicts):
    # For one case, the rate is the probability that two distinct repeats drawn at
    # random differ: the flip rate an unchanged judge would show.
    n = len(verdicts)
    same_pairs = sum(count * (count - 1) for count in map(verdicts.count, set(verdicts)))
    assert noise_floor({"c": verdicts}).rate == pytest.approx(1 - same_pairs / (n * (n - 1)))


def test_noise_floor_without_repeats_is_undefined():
    assert noise_floor({"a": ["x"]}).rate is None


def tone_case(case_id: str, expect, must_pass: bool = False) -> Case:
    return Case("tone", case_id, (), {}, expect, must_pass, "tone.cases.yaml", 1)


def test_judge_metrics_of_a_classification_judge_use_its_options_as_labels():
    cases = [tone_case("a", "polite"), tone_case("b", "rude"), tone_case("unanswered", "rude")]
    metrics = judge_metrics(definition(), cases, {"a": "polite", "b": "polite"})
    assert isinstance(metrics, ClassificationMetrics)
    assert metrics.count == 2
    assert metrics.labels == ("polite", "rude")
    assert metrics.accuracy == 0.5


def test_judge_metrics_of_a_regression_judge_skip_answers_that_are_not_numbers():
    cases = [tone_case("a", ScoreRange(4, 5)), tone_case("b", ScoreRange(1, 1))]
    metrics = judge_metrics(regression(), cases, {"a": 3.0, "b": "oops"})
    assert isinstance(metrics, RegressionMetrics)
    assert (metrics.count, metrics.mean_absolute_error, metrics.within_range) == (1, 1.0, 0.0)


def test_failed_must_pass_lists_missed_and_unanswered_required_cases():
    cases = [
        tone_case("kept", "polite", must_pass=True),
        tone_case("missed", "polite", must_pass=True),
        tone_case("unanswered", "polite", must_pass=True),
        tone_case("optional", "polite"),
    ]
    answers = {"kept": "polite", "missed": "rude", "optional": "rude"}
    assert [case.id for case in failed_must_pass(cases, answers)] == ["missed", "unanswered"]
