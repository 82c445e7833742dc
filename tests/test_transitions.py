"""The replay's transition matrix: current verdicts as rows, proposed ones as columns."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from judgesync.models import ClassificationOption, ClassificationOutput, RegressionOutput
from judgesync.review.metrics import compare_versions
from judgesync.review.transitions import transition_table


def classification(*values: str) -> ClassificationOutput:
    return ClassificationOutput(
        options=[ClassificationOption(value=v, description=v) for v in values]
    )


def regression(low: float | None, high: float | None) -> RegressionOutput:
    return RegressionOutput(min=low, max=high, min_description="low", max_description="high")


def comparison(pairs: list[tuple[object, object]]):
    old = {f"c{n}": before for n, (before, _) in enumerate(pairs)}
    new = {f"c{n}": after for n, (_, after) in enumerate(pairs)}
    return compare_versions(old, new)


def test_labels_come_in_the_options_order_and_only_when_seen():
    output = classification("on_brand", "too_casual", "too_formal", "rude")
    pairs = [("rude", "rude"), ("on_brand", "rude"), ("on_brand", "on_brand")]
    table = transition_table(output, output, comparison(pairs))
    assert table.rows == table.columns == ("on_brand", "rude")
    assert table.counts == {
        ("rude", "rude"): 1,
        ("on_brand", "rude"): 1,
        ("on_brand", "on_brand"): 1,
    }
    assert table.changed("on_brand", "rude") and not table.changed("rude", "rude")


def test_a_new_option_and_an_unknown_answer_follow_the_current_options():
    current = classification("yes", "no")
    proposed = classification("yes", "maybe", "no")
    pairs = [("no", "maybe"), ("yes", "YES"), ("no", "no")]
    table = transition_table(current, proposed, comparison(pairs))
    assert table.rows == ("yes", "no", "maybe", "YES")


def test_a_small_whole_range_gets_one_band_per_whole_number():
    output = regression(1, 5)
    table = transition_table(output, output, comparison([(1.2, 4.6), (2.5, 2.0), (5, 5)]))
    assert table.banded and table.rows == ("1", "2", "3", "4", "5")
    # 2.5 goes to its nearest whole number rounding up, as round-half-up does.
    assert table.counts == {("1", "5"): 1, ("3", "2"): 1, ("5", "5"): 1}


def test_any_other_range_gets_five_equal_bands_the_last_holding_the_maximum():
    output = regression(0, 1)
    table = transition_table(output, output, comparison([(0.0, 0.19), (0.2, 1.0), (1.5, -3)]))
    assert table.rows == ("0..0.2", "0.2..0.4", "0.4..0.6", "0.6..0.8", "0.8..1")
    # A score outside the range counts in the nearest end band.
    assert table.counts == {
        ("0..0.2", "0..0.2"): 1,
        ("0.2..0.4", "0.8..1"): 1,
        ("0.8..1", "0..0.2"): 1,
    }


def test_a_range_without_bounds_reads_them_from_the_scores_seen():
    output = regression(None, None)
    table = transition_table(output, output, comparison([(2, 4), (3, 3)]))
    assert table.rows == ("2", "3", "4")


def test_a_switched_output_type_has_an_axis_per_side_and_every_cell_changed():
    current, proposed = classification("yes", "no"), regression(1, 3)
    table = transition_table(current, proposed, comparison([("yes", 3), ("no", 1)]))
    assert table.rows == ("yes", "no") and table.columns == ("1", "2", "3")
    assert table.changed("yes", "yes") is True


verdict_pairs = st.lists(
    st.tuples(st.sampled_from("abcd"), st.sampled_from("abcd")), min_size=1, max_size=50
)


@given(verdict_pairs)
def test_the_matrix_holds_every_case_and_its_diagonal_the_unchanged_ones(pairs):
    output = classification("a", "b", "c", "d")
    compared = comparison(pairs)
    table = transition_table(output, output, compared)
    assert sum(table.counts.values()) == len(pairs)
    changed = sum(
        count for (row, column), count in table.counts.items() if table.changed(row, column)
    )
    assert changed == len(compared.flips)


@given(st.lists(st.tuples(st.floats(0, 10), st.floats(0, 10)), min_size=1, max_size=50))
def test_every_score_lands_in_one_band_of_the_axis(pairs):
    output = regression(0, 10)
    table = transition_table(output, output, comparison(pairs))
    assert sum(table.counts.values()) == len(pairs)
    assert {row for row, _ in table.counts} <= set(table.rows)
    assert {column for _, column in table.counts} <= set(table.columns)
