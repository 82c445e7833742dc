"""Whether a difference between verdicts is real: exact paired tests and 95 % intervals.

Pure functions of plain values, for a replay (current vs proposed version)
and for `test`; nothing here reads a file or the network. The calls:

- `flips_significance(current, proposed)` -> `FlipsSignificance`: do the
  version change's flips exceed the noise floor? (JSON `significance.flips`:
  `p_value`, `verdict`);
- `agreement_change(before, after)` -> `AgreementChange`: agreement with
  `expect` before -> after, its change with a 95 % interval (JSON
  `significance.agreement`: `delta`, `ci95`, `p_value`, `verdict`);
- `accuracy_drop_gate(change, max_drop, on_inconclusive)` -> `GateDecision`:
  the `max_accuracy_drop` gate on that change;
- `kappa_interval(expected, given)` -> `KappaInterval`: Cohen's κ with a 95 %
  interval, for `test`;
- `describe_flips`, `describe_agreement`, `describe_kappa`: the sentence
  for each, whose words follow the numbers;
- the tests and intervals underneath are in review/paired_tests.py.

A verdict (`Finding`) is "significant" when p < 0.05; "inconclusive" when
nothing could be concluded from the data whatever it held: no noise floor
(flips), no paired case, or fewer discordant pairs than `min_discordant()`
(5: with 4 or fewer, even all of them going one way gives p >= 0.0625);
"within_noise" otherwise. A verdict that is not significant says about how
many cases would be needed (`cases_needed`: the observed shares held fixed).

**The flips test.** Each case is a paired observation of two binary events,
both measured against the same reference, the current version's first run:
X, the version change flips it (proposed != current run 1), and Y, a second
run of the current version flips it (current run 2 != current run 1). If the
proposed version answered each case as one more run of the current version
would (the null hypothesis: the change does nothing beyond noise), proposed
and run 2 are exchangeable given the case, so P(X and not Y) = P(Y and not
X): McNemar's test on the discordant pairs, mid-p. Pairing per case cancels
what makes cases differ (some are unstable, some never move), and one run is
compared with one run because the proposed version runs once; further
repeats sharpen `metrics.noise_floor`'s rate but not this test. Only cases
that the proposed version answered and the current one answered twice
count. The test is two-sided, as Fagerland et al. define it; flips are
"significant" only when the change flips more verdicts than the noise does.

**The agreement change**: each version agrees with `expect` on a case or not
(`Case.passes`); the test is the McNemar mid-p on the cases where exactly one
version agrees, the interval Newcombe's method 10 for paired shares; both
read only the cases both versions answered. The `max_accuracy_drop` gate
fails on a drop past the threshold that is significant; a drop past it that
is not is inconclusive, and `on_inconclusive` (fail or warn) decides.

**κ's interval** uses the large-sample standard error of Fleiss, Cohen &
Everitt 1969 ("Large sample standard errors of kappa and weighted kappa",
Psychological Bulletin 72:323), the delta-method variance of κ, which SAS and
statsmodels print: deterministic and cheap, where a bootstrap would need a
seed and thousands of resamples. The half-width shrinks as 1/√n: with κ near
0.6 an interval of ±0.1 needs about 200 cases, and `describe_kappa` says how
many a given one would need. When the variance is 0 (the raters agree on
every case, say) the asymptotic interval is a point that says nothing about
other cases, so there is none.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from judgesync.review.metrics import Label, Verdict, cohen_kappa
from judgesync.review.paired_tests import (
    ALPHA,
    Z95,
    cases_needed,
    mcnemar_mid_p,
    min_discordant,
    newcombe_paired_interval,
)
from judgesync.settings.thresholds import DEFAULT_ON_INCONCLUSIVE, OnInconclusive

Finding = Literal["significant", "within_noise", "inconclusive"]

# Shares are compared with this slack, so 0.1 + 0.2 counts as 0.3.
_EPSILON = 1e-12


def _finding(first_only: int, second_only: int, p_value: float) -> Finding:
    if first_only + second_only < min_discordant():
        return "inconclusive"
    return "significant" if p_value < ALPHA else "within_noise"


@dataclass(frozen=True)
class FlipsSignificance:
    """The version change's flips against the noise floor's (see the module docstring)."""

    # Cases counted: answered by both versions, and by the current one twice
    # when there is a noise floor.
    cases: int
    flips: int  # cases where the proposed verdict differs from the current run 1
    noise_flips: int | None  # cases where run 2 differs from run 1; None: no run 2
    p_value: float | None  # None without a noise floor
    verdict: Finding
    cases_needed: int | None  # when not significant and the change flips more than noise


def flips_significance(
    current: Mapping[str, Sequence[Verdict]], proposed: Mapping[str, Verdict]
) -> FlipsSignificance:
    """Whether the proposed version flips more verdicts than re-running the current
    one does. `current`: each case's verdicts in repeat order (`Verdicts.answers`);
    `proposed`: one verdict per case (`Verdicts.first()`)."""
    answered = [case_id for case_id, runs in current.items() if runs and case_id in proposed]
    repeated = [case_id for case_id in answered if len(current[case_id]) >= 2]
    if not repeated:
        flips = sum(proposed[case_id] != current[case_id][0] for case_id in answered)
        return FlipsSignificance(len(answered), flips, None, None, "inconclusive", None)
    change_only = noise_only = both = 0
    for case_id in repeated:
        first, second = current[case_id][0], current[case_id][1]
        by_change, by_noise = proposed[case_id] != first, second != first
        change_only += by_change and not by_noise
        noise_only += by_noise and not by_change
        both += by_change and by_noise
    p_value = mcnemar_mid_p(change_only, noise_only)
    verdict = _finding(change_only, noise_only, p_value)
    if verdict == "significant" and change_only < noise_only:
        verdict = "within_noise"  # fewer flips than noise: nothing beyond it
    needed = None
    if verdict != "significant" and change_only > noise_only:
        needed = cases_needed(change_only, noise_only, len(repeated))
    return FlipsSignificance(
        cases=len(repeated),
        flips=change_only + both,
        noise_flips=noise_only + both,
        p_value=p_value,
        verdict=verdict,
        cases_needed=needed,
    )


@dataclass(frozen=True)
class AgreementChange:
    """Agreement with `expect` of the current (`before`) and the proposed
    (`after`) version on the cases both answered, and its change."""

    cases: int
    before: float | None  # None when no case was answered by both
    after: float | None
    delta: float | None  # after - before
    ci95: tuple[float, float] | None
    p_value: float | None
    verdict: Finding
    cases_needed: int | None  # when not significant and the shares differ


def agreement_change(before: Mapping[str, bool], after: Mapping[str, bool]) -> AgreementChange:
    """The change in agreement with `expect`, paired by case id: whether each
    version's verdict met the case's expectation (`Case.passes`)."""
    ids = [case_id for case_id in before if case_id in after]
    if not ids:
        return AgreementChange(0, None, None, None, None, None, "inconclusive", None)
    cells = Counter((after[case_id], before[case_id]) for case_id in ids)
    both, after_only = cells[True, True], cells[True, False]
    before_only, neither = cells[False, True], cells[False, False]
    p_value = mcnemar_mid_p(after_only, before_only)
    verdict = _finding(after_only, before_only, p_value)
    needed = None if verdict == "significant" else cases_needed(after_only, before_only, len(ids))
    return AgreementChange(
        cases=len(ids),
        before=(both + before_only) / len(ids),
        after=(both + after_only) / len(ids),
        delta=(after_only - before_only) / len(ids),
        ci95=newcombe_paired_interval(both, after_only, before_only, neither),
        p_value=p_value,
        verdict=verdict,
        cases_needed=needed,
    )


@dataclass(frozen=True)
class GateDecision:
    """What the `max_accuracy_drop` gate makes of a replay's agreement change."""

    outcome: Literal["pass", "fail", "warn"]
    # The drop passes the threshold but is not significant: `on_inconclusive` decided.
    inconclusive: bool
    reason: str | None  # a sentence, unless the gate passes plainly


def accuracy_drop_gate(
    change: AgreementChange,
    max_drop: float | None,
    on_inconclusive: OnInconclusive = DEFAULT_ON_INCONCLUSIVE,
) -> GateDecision:
    """The gate fails only on a significant drop past `max_drop`; a drop past it
    that is not significant is inconclusive, and `on_inconclusive` says whether
    that fails or warns. Not set, or nothing to compare: it passes."""
    if max_drop is None or change.delta is None or -change.delta <= max_drop + _EPSILON:
        return GateDecision("pass", inconclusive=False, reason=None)
    assert change.before is not None and change.after is not None and change.p_value is not None
    drop = (
        f"accuracy drops from {change.before:.2f} to {change.after:.2f},"
        f" more than max_accuracy_drop {max_drop:g}"
    )
    if change.verdict == "significant":
        return GateDecision(
            "fail", inconclusive=False, reason=f"{drop} ({p_value_text(change.p_value)})"
        )
    reason = (
        f"{drop}, but with {change.cases} cases the drop is not significant"
        f" ({p_value_text(change.p_value)}); on_inconclusive: {on_inconclusive}"
    )
    return GateDecision(on_inconclusive, inconclusive=True, reason=reason)


@dataclass(frozen=True)
class KappaInterval:
    """Cohen's κ of two raters with its 95 % interval (Fleiss, Cohen & Everitt 1969)."""

    cases: int
    kappa: float | None
    standard_error: float | None  # None when κ is undefined or its variance is 0
    ci95: tuple[float, float] | None


def kappa_interval(first: Sequence[Label], second: Sequence[Label]) -> KappaInterval:
    """κ (as `metrics.cohen_kappa` defines it) with its asymptotic 95 % interval."""
    kappa = cohen_kappa(first, second)
    cases = len(first)
    rows, columns = Counter(first), Counter(second)
    chance = sum(count * columns[label] for label, count in rows.items()) / (cases * cases or 1)
    if kappa is None or chance >= 1 - _EPSILON:
        return KappaInterval(cases, kappa, None, None)
    # The delta-method variance of κ over the table's cell shares (FCE 1969, eq. 13).
    spread = 0.0
    for (row, column), count in Counter(zip(first, second, strict=True)).items():
        # How much the chance agreement moves with this cell's share.
        pull = (columns[row] + rows[column]) / cases * (1 - kappa)
        spread += count / cases * ((1.0 if row == column else 0.0) - pull) ** 2
    variance = (spread - (kappa - chance * (1 - kappa)) ** 2) / (cases * (1 - chance) ** 2)
    if variance <= _EPSILON * _EPSILON:
        return KappaInterval(cases, kappa, None, None)
    error = math.sqrt(variance)
    low, high = kappa - Z95 * error, kappa + Z95 * error
    return KappaInterval(cases, kappa, error, (max(-1.0, low), min(1.0, high)))


def describe_flips(result: FlipsSignificance) -> str:
    """E.g. "3 of 4 verdicts flip, against 0 of 4 between two runs of the current
    version; with 4 cases this is inconclusive (p = 0.125); about 7 cases would
    be needed to tell"."""
    flips = f"{result.flips} of {result.cases} verdicts flip"
    if result.noise_flips is None:
        return (
            f"{flips}; without a second run of the current version (repeat 2 or more)"
            " there is no noise floor, so this is inconclusive"
        )
    assert result.p_value is not None
    noise = f"{result.noise_flips} of {result.cases} between two runs of the current version"
    said = f"{flips}, against {noise}"
    if result.verdict == "significant":
        return f"{said}: more than noise explains ({p_value_text(result.p_value)})"
    if result.verdict == "within_noise":
        return f"{said}: within the noise floor ({p_value_text(result.p_value)})"
    return f"{said}; {_inconclusive(result.cases, result.p_value, result.cases_needed)}"


def describe_agreement(result: AgreementChange) -> str:
    """E.g. "agreement with expect 0.25 -> 0.75 (+0.50, 95% CI -0.14 to 0.79);
    with 4 cases this is inconclusive (p = 0.25); about 10 cases would be needed
    to tell"."""
    if result.delta is None or result.ci95 is None or result.p_value is None:
        return (
            "agreement with expect: no case was answered by both versions, so this is inconclusive"
        )
    assert result.before is not None and result.after is not None
    low, high = result.ci95
    said = (
        f"agreement with expect {result.before:.2f} -> {result.after:.2f}"
        f" ({result.delta:+.2f}, 95% CI {low:.2f} to {high:.2f})"
    )
    if result.verdict == "significant":
        direction = "rise" if result.delta > 0 else "drop"
        return f"{said}: a significant {direction} ({p_value_text(result.p_value)})"
    if result.verdict == "within_noise":
        return f"{said}: no significant change ({p_value_text(result.p_value)})"
    return f"{said}; {_inconclusive(result.cases, result.p_value, result.cases_needed)}"


def describe_kappa(result: KappaInterval, half_width: float = 0.1) -> str:
    """E.g. "κ 0.48 (95% CI 0.21 to 0.75, 19 cases; about 140 would narrow it to ±0.1)"."""
    if result.kappa is None:
        return "κ undefined (no cases)"
    if result.ci95 is None or result.standard_error is None:
        return f"κ {result.kappa:.2f} over {result.cases} cases (no interval: its variance is 0)"
    low, high = result.ci95
    said = f"κ {result.kappa:.2f} (95% CI {low:.2f} to {high:.2f}, {result.cases} cases"
    # The half-width shrinks as 1/√n, the table's shares held fixed.
    needed = math.ceil(result.cases * (Z95 * result.standard_error / half_width) ** 2)
    if needed > result.cases:
        return f"{said}; about {needed} would narrow it to ±{half_width:g})"
    return f"{said})"


def _inconclusive(cases: int, p_value: float, needed: int | None) -> str:
    said = f"with {cases} cases this is inconclusive ({p_value_text(p_value)})"
    return f"{said}; about {needed} cases would be needed to tell" if needed else said


def p_value_text(p_value: float) -> str:
    """A p-value as the sentences print it: "p = 0.25", "p < 0.001"."""
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.3g}"
