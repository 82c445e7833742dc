import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from judgesync.review.metrics import cohen_kappa
from judgesync.review.paired_tests import mcnemar_mid_p
from judgesync.review.significance import (
    AgreementChange,
    accuracy_drop_gate,
    agreement_change,
    describe_agreement,
    describe_flips,
    describe_kappa,
    flips_significance,
    kappa_interval,
)


def replay(*cases: tuple[str, str, str, int]) -> tuple[dict, dict]:
    """Current runs 1 and 2 and the proposed verdict per case, from rows of
    (run 1, run 2, proposed, how many cases)."""
    current, proposed = {}, {}
    for first, second, new, count in cases:
        for _ in range(count):
            case_id = f"case-{len(current)}"
            current[case_id] = (first, second)
            proposed[case_id] = new
    return current, proposed


def test_three_flips_of_four_cases_are_inconclusive():
    # The example: 3 of 4 flip, repeat 3, the current version never flips.
    current = {f"case-{n}": ("a", "a", "a") for n in range(4)}
    proposed = {"case-0": "b", "case-1": "b", "case-2": "b", "case-3": "a"}
    result = flips_significance(current, proposed)
    assert (result.flips, result.noise_flips, result.cases) == (3, 0, 4)
    assert result.verdict == "inconclusive"
    assert result.p_value == pytest.approx(0.125)  # mid-p; the exact conditional p is 0.25
    assert result.cases_needed == 7
    assert describe_flips(result) == (
        "3 of 4 verdicts flip, against 0 of 4 between two runs of the current version;"
        " with 4 cases this is inconclusive (p = 0.125); about 7 cases would be needed to tell"
    )


def test_forty_flips_of_sixty_cases_against_two_noise_flips_are_significant():
    current, proposed = replay(("a", "a", "b", 40), ("a", "b", "a", 2), ("a", "a", "a", 18))
    result = flips_significance(current, proposed)
    assert (result.flips, result.noise_flips, result.cases) == (40, 2, 60)
    assert result.verdict == "significant"
    assert result.p_value == pytest.approx(mcnemar_mid_p(40, 2))
    assert result.p_value < 1e-9
    assert result.cases_needed is None
    assert describe_flips(result) == (
        "40 of 60 verdicts flip, against 2 of 60 between two runs of the current version:"
        " more than noise explains (p < 0.001)"
    )


def test_flips_without_a_second_run_have_no_noise_floor():
    result = flips_significance({"x": ("a",), "y": ("a",)}, {"x": "b", "y": "a"})
    assert (result.flips, result.noise_flips, result.p_value) == (1, None, None)
    assert result.verdict == "inconclusive"
    assert describe_flips(result) == (
        "1 of 2 verdicts flip; without a second run of the current version (repeat 2 or more)"
        " there is no noise floor, so this is inconclusive"
    )


def test_flips_as_many_as_the_noise_are_within_it():
    current, proposed = replay(("a", "a", "b", 4), ("a", "b", "a", 4), ("a", "a", "a", 12))
    result = flips_significance(current, proposed)
    assert result.verdict == "within_noise"
    assert result.p_value == pytest.approx(mcnemar_mid_p(4, 4))
    assert result.cases_needed is None
    assert describe_flips(result).endswith(": within the noise floor (p = 0.863)")


def test_flips_significantly_fewer_than_the_noise_are_within_it():
    current, proposed = replay(("a", "b", "a", 12), ("a", "a", "a", 8))
    assert flips_significance(current, proposed).verdict == "within_noise"


def test_a_case_flipped_by_both_counts_for_both_and_tests_nothing():
    current, proposed = replay(("a", "b", "c", 3), ("a", "a", "a", 3))
    result = flips_significance(current, proposed)
    assert (result.flips, result.noise_flips, result.p_value) == (3, 3, 1.0)


def test_flips_leave_out_cases_without_a_proposed_verdict_or_a_second_run():
    current = {"x": ("a", "a"), "y": ("a",), "z": ("a", "a"), "w": ()}
    result = flips_significance(current, {"x": "b", "y": "b", "w": "b"})
    assert (result.cases, result.flips) == (1, 1)


runs = st.lists(st.tuples(*[st.sampled_from("abc")] * 3), max_size=60)


@given(runs)
def test_flips_verdict_follows_the_discordant_pairs(rows):
    current = {f"c{n}": (first, second) for n, (first, second, _) in enumerate(rows)}
    proposed = {f"c{n}": new for n, (_, _, new) in enumerate(rows)}
    result = flips_significance(current, proposed)
    if not rows:
        assert (result.verdict, result.noise_flips) == ("inconclusive", None)
        return
    change_only = sum(new != first and second == first for first, second, new in rows)
    noise_only = sum(second != first and new == first for first, second, new in rows)
    assert result.flips == sum(new != first for first, _, new in rows)
    assert result.noise_flips == sum(second != first for first, second, _ in rows)
    assert result.p_value == pytest.approx(mcnemar_mid_p(change_only, noise_only))
    significant = change_only + noise_only >= 5 and result.p_value < 0.05
    assert (result.verdict == "significant") == (significant and change_only > noise_only)
    assert (result.verdict == "inconclusive") == (change_only + noise_only < 5)
    assert "ABOVE" not in describe_flips(result)


def agreement(before_only: int, after_only: int, both: int = 0, neither: int = 0):
    """The agreement change of a table: per case, whether (before, after) agree with expect."""
    rows = (
        [(True, False)] * before_only
        + [(False, True)] * after_only
        + [(True, True)] * both
        + [(False, False)] * neither
    )
    before = {f"c{n}": first for n, (first, _) in enumerate(rows)}
    after = {f"c{n}": second for n, (_, second) in enumerate(rows)}
    return agreement_change(before, after)


def test_agreement_of_four_cases_is_inconclusive():
    result = agreement(before_only=0, after_only=2, both=1, neither=1)
    assert (result.before, result.after, result.delta) == (0.25, 0.75, 0.5)
    assert result.verdict == "inconclusive"
    assert result.p_value == pytest.approx(0.25)
    assert describe_agreement(result) == (
        "agreement with expect 0.25 -> 0.75 (+0.50, 95% CI -0.14 to 0.79);"
        " with 4 cases this is inconclusive (p = 0.25); about 10 cases would be needed to tell"
    )


def test_a_drop_of_ten_in_forty_cases_is_significant():
    result = agreement(before_only=10, after_only=0, both=30)
    assert result.delta == pytest.approx(-0.25)
    assert result.verdict == "significant"
    assert result.p_value == pytest.approx(2 * 0.5**11)  # mid-p: 2 * (1/2) * P(X = 0)
    assert result.ci95 is not None
    assert result.ci95[1] < 0
    assert result.cases_needed is None
    assert describe_agreement(result) == (
        "agreement with expect 1.00 -> 0.75 (-0.25, 95% CI -0.40 to -0.11):"
        " a significant drop (p < 0.001)"
    )


def test_agreement_of_a_change_matching_the_cavo_table():
    # Fagerland et al. 2017, ch. 8 (Cavo et al. 2012): 59 / 6 / 16 / 80, the
    # first measure being "after"; mid-p 0.034690, 95% CI -0.1186 to -0.0046.
    result = agreement(before_only=16, after_only=6, both=59, neither=80)
    assert result.delta == pytest.approx(-10 / 161)
    assert result.ci95 == pytest.approx((-0.1186, -0.0046), abs=5e-5)
    assert result.p_value == pytest.approx(0.034690, abs=5e-7)
    assert result.verdict == "significant"


def test_agreement_without_common_cases_is_inconclusive():
    result = agreement_change({"a": True}, {"b": False})
    assert (result.cases, result.delta, result.ci95, result.p_value) == (0, None, None, None)
    assert result.verdict == "inconclusive"
    assert "no case was answered by both versions" in describe_agreement(result)


@given(st.tuples(*[st.integers(0, 25)] * 4).filter(lambda cells: sum(cells) > 0))
def test_agreement_interval_holds_its_delta_and_the_verdict_its_p_value(cells):
    result = agreement(*cells)
    assert result.delta is not None and result.ci95 is not None and result.p_value is not None
    assert result.ci95[0] - 1e-12 <= result.delta <= result.ci95[1] + 1e-12
    if result.verdict == "significant":
        assert result.p_value < 0.05
    if result.verdict == "within_noise":
        assert result.p_value >= 0.05


def change(before_only: int, after_only: int, both: int) -> AgreementChange:
    return agreement(before_only=before_only, after_only=after_only, both=both)


@pytest.mark.parametrize(
    ("result", "max_drop", "setting", "outcome", "inconclusive"),
    [
        (change(10, 0, 30), None, "warn", "pass", False),  # the gate is not set
        (change(1, 0, 39), 0.05, "warn", "pass", False),  # a drop of 0.025: within the limit
        (change(0, 10, 30), 0.05, "fail", "pass", False),  # a rise
        (change(10, 0, 30), 0.05, "warn", "fail", False),  # significant, past the limit
        (change(3, 0, 1), 0.05, "warn", "warn", True),  # past the limit, 4 cases
        (change(3, 0, 1), 0.05, "fail", "fail", True),
        (change(6, 4, 30), 0.04, "warn", "warn", True),  # past the limit, within noise
    ],
)
def test_accuracy_drop_gate_fails_only_on_a_significant_drop(
    result, max_drop, setting, outcome, inconclusive
):
    decision = accuracy_drop_gate(result, max_drop, setting)
    assert (decision.outcome, decision.inconclusive) == (outcome, inconclusive)
    assert (decision.reason is None) == (outcome == "pass")


def test_accuracy_drop_gate_says_why_it_fails_or_warns():
    assert accuracy_drop_gate(change(10, 0, 30), 0.05).reason == (
        "accuracy drops from 1.00 to 0.75, more than max_accuracy_drop 0.05 (p < 0.001)"
    )
    assert accuracy_drop_gate(change(3, 0, 1), 0.05).reason == (
        "accuracy drops from 1.00 to 0.25, more than max_accuracy_drop 0.05, but with 4 cases"
        " the drop is not significant (p = 0.125); on_inconclusive: warn"
    )


def test_accuracy_drop_gate_passes_a_drop_exactly_at_the_limit():
    # 0.1 + 0.2 is not 0.3 in floats; a drop of 0.3 against 0.3 is within it.
    result = change(3, 0, 7)
    assert accuracy_drop_gate(result, 0.1 + 0.2).outcome == "pass"


def table(rows: list[list[int]]) -> tuple[list[int], list[int]]:
    first = [i for i, row in enumerate(rows) for j, count in enumerate(row) for _ in range(count)]
    second = [j for row in rows for j, count in enumerate(row) for _ in range(count)]
    return first, second


def test_kappa_interval_of_the_sas_example():
    # SAS PROC FREQ's simple kappa of [[0, 4, 1], [0, 8, 0], [0, 1, 5]], as
    # statsmodels' test_inter_rater.py records it: κ 0.4842, ASE 0.1380,
    # 95% limits 0.2137 and 0.7547.
    result = kappa_interval(*table([[0, 4, 1], [0, 8, 0], [0, 1, 5]]))
    assert result.kappa == pytest.approx(0.4842, abs=5e-5)
    assert result.standard_error == pytest.approx(0.1380, abs=5e-5)
    assert result.ci95 == pytest.approx((0.2137, 0.7547), abs=5e-5)
    assert describe_kappa(result) == (
        "κ 0.48 (95% CI 0.21 to 0.75, 19 cases; about 140 would narrow it to ±0.1)"
    )


def test_a_kappa_interval_of_a_tenth_needs_about_two_hundred_cases():
    # κ 0.6 from 80% agreement on balanced labels: ±0.11 with 200 cases.
    result = kappa_interval(*table([[80, 20], [20, 80]]))
    assert result.kappa == pytest.approx(0.6)
    assert result.ci95 is not None
    assert 0.1 < (result.ci95[1] - result.ci95[0]) / 2 < 0.12


def test_kappa_interval_is_absent_when_the_raters_agree_on_every_case():
    result = kappa_interval(["a", "b", "a"], ["a", "b", "a"])
    assert (result.kappa, result.ci95) == (1.0, None)
    assert describe_kappa(result) == "κ 1.00 over 3 cases (no interval: its variance is 0)"


def test_kappa_interval_of_no_cases_is_undefined():
    result = kappa_interval([], [])
    assert (result.kappa, result.ci95) == (None, None)
    assert describe_kappa(result) == "κ undefined (no cases)"


def delta_method_variance(first: list[int], second: list[int]) -> float:
    """κ's variance by the delta method with a numerical gradient: an independent
    reading of Fleiss, Cohen & Everitt's closed form."""
    labels = sorted(set(first) | set(second))
    shares = np.zeros((len(labels), len(labels)))
    for a, b in zip(first, second, strict=True):
        shares[labels.index(a), labels.index(b)] += 1 / len(first)

    def kappa_of(cells: np.ndarray) -> float:
        observed = np.trace(cells)
        chance = float(cells.sum(axis=1) @ cells.sum(axis=0))
        return float((observed - chance) / (1 - chance))

    gradient = np.zeros_like(shares)
    step = 1e-6
    for index in np.ndindex(shares.shape):
        up, down = shares.copy(), shares.copy()
        up[index] += step
        down[index] -= step
        gradient[index] = (kappa_of(up) - kappa_of(down)) / (2 * step)
    mean = float((shares * gradient).sum())
    return float((shares * gradient**2).sum() - mean**2) / len(first)


pairs = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=2, max_size=80)


@given(pairs)
def test_kappa_standard_error_matches_the_delta_method(rows):
    first, second = [a for a, _ in rows], [b for _, b in rows]
    result = kappa_interval(first, second)
    assert result.kappa == cohen_kappa(first, second)
    if result.standard_error is None:
        return
    assert result.standard_error**2 == pytest.approx(
        delta_method_variance(first, second), rel=1e-5, abs=1e-9
    )
    assert result.ci95 is not None
    assert -1.0 <= result.ci95[0] <= result.kappa <= result.ci95[1] <= 1.0
