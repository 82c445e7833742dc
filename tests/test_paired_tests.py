import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binom, binomtest

from judgesync.review.paired_tests import (
    cases_needed,
    mcnemar_mid_p,
    min_discordant,
    newcombe_paired_interval,
    wilson_interval,
)


def test_mid_p_of_fagerlands_airway_example():
    # Fagerland, Lydersen & Laake 2013, BMC Med Res Methodol 13:91, the AHR
    # example (Bentur et al. 2009): 1 and 7 discordant pairs; exact conditional
    # p = 0.070 (= 2 * 9/256), mid-p = 0.039 (= 10/256).
    assert mcnemar_mid_p(1, 7) == pytest.approx(10 / 256, rel=1e-12)
    assert mcnemar_mid_p(7, 1) == pytest.approx(10 / 256, rel=1e-12)


def test_mid_p_of_the_complete_response_example():
    # Fagerland, Lydersen & Laake, "Statistical Analysis of Contingency Tables"
    # (2017), ch. 8, Cavo et al. 2012: table [[59, 6], [16, 80]], mid-p 0.034690.
    assert mcnemar_mid_p(6, 16) == pytest.approx(0.034690, abs=5e-7)


def test_mid_p_of_tied_discordant_pairs_halves_only_the_middle_outcome():
    # 2 and 2: every outcome is at least as extreme, P(X = 2) = 6/16.
    assert mcnemar_mid_p(2, 2) == pytest.approx(1 - 3 / 16)


def test_mid_p_without_discordant_pairs_is_one():
    assert mcnemar_mid_p(0, 0) == 1.0


def test_mid_p_refuses_negative_counts():
    with pytest.raises(ValueError, match="cannot be negative"):
        mcnemar_mid_p(-1, 3)


def scipy_mid_p(first_only: int, second_only: int) -> float:
    """scipy's exact two-sided binomial p-value, less half the probability of
    the outcomes exactly as likely as the one observed (k and n - k)."""
    total = first_only + second_only
    exact = binomtest(first_only, total, 0.5).pvalue
    as_extreme = binom.pmf(min(first_only, second_only), total, 0.5)
    return float(exact - as_extreme * (0.5 if first_only == second_only else 1.0))


@given(st.integers(0, 300), st.integers(0, 300))
def test_mid_p_matches_scipy(first_only, second_only):
    if first_only + second_only == 0:
        return
    assert mcnemar_mid_p(first_only, second_only) == pytest.approx(
        scipy_mid_p(first_only, second_only), rel=1e-9, abs=1e-300
    )


def test_mid_p_stays_accurate_for_large_tables():
    assert mcnemar_mid_p(5_200, 4_800) == pytest.approx(scipy_mid_p(5_200, 4_800), rel=1e-7)


def test_five_discordant_pairs_are_the_fewest_that_can_be_significant():
    assert mcnemar_mid_p(4, 0) == pytest.approx(0.0625)
    assert mcnemar_mid_p(5, 0) == pytest.approx(0.03125)
    assert min_discordant() == 5
    assert min_discordant(0.01) == 7  # 0.5**7 = 0.0078


def test_cases_needed_for_three_flips_in_four_cases():
    # Shares 3/4 and 0: 6 cases give 4.5 -> 4 one-way pairs (p = 0.0625), 7 give 5 (0.031).
    assert cases_needed(3, 0, 4) == 7


def test_cases_needed_is_none_when_the_shares_are_equal():
    assert cases_needed(3, 3, 10) is None
    assert cases_needed(0, 0, 10) is None


def test_cases_needed_is_none_past_a_million_cases():
    assert cases_needed(1_000, 999, 10_000) is None


@given(st.integers(0, 40), st.integers(0, 40), st.integers(0, 40))
def test_cases_needed_reaches_significance_at_the_observed_shares(first, second, rest):
    cases = first + second + rest
    needed = cases_needed(first, second, cases)
    if first == second:
        assert needed is None
        return
    assert needed is not None
    assert needed >= cases
    at = (round(first / cases * needed), round(second / cases * needed))
    assert mcnemar_mid_p(*at) < 0.05


@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_matches_scipy(counts):
    successes, trials = counts
    expected = binomtest(successes, trials).proportion_ci(method="wilson")
    assert wilson_interval(successes, trials) == pytest.approx(
        (expected.low, expected.high), abs=1e-12
    )


def test_newcombe_interval_of_the_complete_response_example():
    # Fagerland et al. 2017, ch. 8 (Cavo et al. 2012): estimate -0.0621,
    # Newcombe square-and-add 95% CI -0.1186 to -0.0046.
    low, high = newcombe_paired_interval(59, 6, 16, 80)
    assert (low, high) == pytest.approx((-0.1186, -0.0046), abs=5e-5)


def test_newcombe_interval_is_near_wald_on_agrestis_large_approval_table():
    # Agresti, Categorical Data Analysis (2nd ed.), Table 10.1: approval of the
    # President in two surveys of 1,600 people (794, 150, 86, 570); difference
    # 0.04, Wald 95% CI 0.021 to 0.059, which a score interval nears at this size.
    low, high = newcombe_paired_interval(794, 150, 86, 570)
    assert (low, high) == pytest.approx((0.021, 0.059), abs=2e-3)


tables = st.tuples(*[st.integers(0, 30)] * 4).filter(lambda cells: sum(cells) > 0)


@given(tables)
def test_newcombe_interval_holds_the_difference_inside_minus_one_to_one(cells):
    _, first_only, second_only, _ = cells
    difference = (first_only - second_only) / sum(cells)
    low, high = newcombe_paired_interval(*cells)
    assert -1.0 <= low <= difference + 1e-12
    assert difference - 1e-12 <= high <= 1.0


@given(tables)
def test_newcombe_interval_mirrors_when_the_two_measures_swap(cells):
    both, first_only, second_only, neither = cells
    low, high = newcombe_paired_interval(both, first_only, second_only, neither)
    assert newcombe_paired_interval(both, second_only, first_only, neither) == pytest.approx(
        (-high, -low), abs=1e-12
    )
