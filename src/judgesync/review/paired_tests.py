"""The statistics under review/significance.py: exact tests and intervals for paired shares.

- `mcnemar_mid_p`: McNemar's exact test on the discordant pairs, in its
  mid-p form (Fagerland, Lydersen & Laake 2013, "The McNemar test for binary
  matched-pairs data: mid-p and asymptotic are better than exact
  conditional", BMC Medical Research Methodology 13:91): the exact
  conditional test's two-sided p-value minus the probability of the outcomes
  as extreme as the one observed, half counted. Exact, as small review sets
  need, and close to the nominal 5 % where the exact conditional test is far
  too conservative. No discordant pair leaves nothing to test: p is 1;
- `min_discordant`: the fewest discordant pairs with which p < alpha is
  possible at all (5 at 0.05: with 4, even all one way gives p = 0.0625);
- `cases_needed`: the smallest number of cases at which the observed shares
  of the two kinds of discordant pairs, held fixed, would give p < alpha: an
  estimate under that assumption; None when the shares are equal (no number
  of cases would do) or the answer passes a million;
- `wilson_interval`: the 95 % Wilson score interval of one share;
- `newcombe_paired_interval`: the 95 % interval of the difference of two
  shares measured on the same items, Newcombe's method 10 (Newcombe 1998,
  "Improved confidence intervals for the difference between binomial
  proportions based on paired data", Statistics in Medicine 17:2635), as
  Fagerland, Lydersen & Laake, "Statistical Analysis of Contingency Tables"
  (2017), chapter 8, give it: each share's Wilson interval, combined with
  their correlation. Closed-form and deterministic (no seed: the same
  numbers in every run and format), inside [-1, 1], and it keeps its
  coverage at the small sizes review sets have, where the Wald interval
  does not.
"""

from __future__ import annotations

import math
from statistics import NormalDist

ALPHA = 0.05
Z95 = NormalDist().inv_cdf(0.975)
# Past this, `cases_needed` stops looking: no review set is that large.
_MOST_CASES = 1_000_000


def mcnemar_mid_p(first_only: int, second_only: int) -> float:
    """The two-sided McNemar mid-p of the discordant pairs: `first_only` pairs
    where only the first event happened, `second_only` where only the second did."""
    if first_only < 0 or second_only < 0:
        raise ValueError("discordant pairs are counts: they cannot be negative")
    total = first_only + second_only
    if total == 0:
        return 1.0
    smaller = min(first_only, second_only)
    tail, point = _binomial_half_lower_tail(total, smaller)
    if first_only == second_only:
        # Every outcome is as extreme as the middle one or more: only it is halved.
        return 1.0 - point / 2
    return min(1.0, 2 * tail - point)


def _binomial_half_lower_tail(total: int, upto: int) -> tuple[float, float]:
    """P(X <= upto) and P(X = upto) for X ~ Binomial(total, 1/2), upto <= total / 2.

    Summed downwards from the largest term, in floats (lgamma), stopping once
    the terms no longer change the sum: a few hundred terms at most.
    """
    log_point = (
        math.lgamma(total + 1)
        - math.lgamma(upto + 1)
        - math.lgamma(total - upto + 1)
        - total * math.log(2)
    )
    point = math.exp(log_point)
    tail = term = point
    for successes in range(upto, 0, -1):
        term *= successes / (total - successes + 1)
        tail += term
        if term < tail * 1e-17:
            break
    return tail, point


def min_discordant(alpha: float = ALPHA) -> int:
    """The fewest discordant pairs with which p < `alpha` is possible at all
    (all of them one way): 5 at 0.05."""
    pairs = 1
    while mcnemar_mid_p(pairs, 0) >= alpha:
        pairs += 1
    return pairs


def cases_needed(first_only: int, second_only: int, cases: int, alpha: float = ALPHA) -> int | None:
    """About how many cases would make this difference significant, were the
    observed shares of both kinds of discordant pairs (out of `cases`) to hold.

    None when the shares are equal, or when no number up to a million would do.
    """
    if cases <= 0 or first_only == second_only:
        return None
    shares = (first_only / cases, second_only / cases)

    def significant_at(size: int) -> bool:
        return mcnemar_mid_p(round(shares[0] * size), round(shares[1] * size)) < alpha

    if significant_at(cases):
        return cases
    # Double until significant, then halve the gap: the p-value falls with
    # the cases (up to rounding of the counts, which "about" covers).
    low, high = cases, cases * 2
    while not significant_at(high):
        if high > _MOST_CASES:
            return None
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if significant_at(middle) else (middle, high)
    return high


def wilson_interval(successes: int, trials: int) -> tuple[float, float]:
    """The 95 % Wilson score interval of a share (Wilson 1927); trials > 0."""
    share = successes / trials
    z2 = Z95 * Z95
    centre = (share + z2 / (2 * trials)) / (1 + z2 / trials)
    half = Z95 * math.sqrt(share * (1 - share) / trials + z2 / (4 * trials * trials))
    half /= 1 + z2 / trials
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_paired_interval(
    both: int, first_only: int, second_only: int, neither: int
) -> tuple[float, float]:
    """The 95 % interval of p1 - p2, the difference of two shares measured on
    the same items (Newcombe 1998, method 10). `both`: items where both events
    happened; `first_only`, `second_only`, `neither` likewise; p1 is the first
    event's share, (both + first_only) / n."""
    items = both + first_only + second_only + neither
    first, second = both + first_only, both + second_only
    p1, p2 = first / items, second / items
    low1, high1 = wilson_interval(first, items)
    low2, high2 = wilson_interval(second, items)
    margins = first * (items - first) * second * (items - second)
    correlation = 0.0
    if margins:
        cross = both * neither - first_only * second_only
        # Newcombe's correction of a positive correlation towards 0.
        if cross > items / 2:
            correlation = (cross - items / 2) / math.sqrt(margins)
        elif cross < 0:
            correlation = cross / math.sqrt(margins)
    below = _root(
        (p1 - low1) ** 2 - 2 * correlation * (p1 - low1) * (high2 - p2) + (high2 - p2) ** 2
    )
    above = _root(
        (p2 - low2) ** 2 - 2 * correlation * (p2 - low2) * (high1 - p1) + (high1 - p1) ** 2
    )
    return max(-1.0, p1 - p2 - below), min(1.0, p1 - p2 + above)


def _root(value: float) -> float:
    return math.sqrt(max(0.0, value))  # rounding can leave -1e-18
