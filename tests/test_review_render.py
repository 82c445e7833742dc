"""The replay section of the PR comment stays within its limit, however large."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from judgesync.models import ClassificationOption, ClassificationOutput
from judgesync.plan.planner import ActionKind
from judgesync.render.markdown_text import DEFAULT_LIMIT
from judgesync.render.review_markdown import REPLAY_LIMIT, render_replay, render_test
from judgesync.render.review_text import render_replay as render_replay_text
from judgesync.review.live_judging import Verdicts
from judgesync.review.metrics import classification_metrics, compare_versions, noise_floor
from judgesync.review.replay import JudgeReplay, Replay
from judgesync.review.significance import GateDecision, agreement_change, flips_significance
from judgesync.review.testing import JudgeResult
from judgesync.review.testing import TestRun as Run
from judgesync.review.transitions import transition_table
from judgesync.specs.case import Case

YES_NO = ClassificationOutput(
    options=[ClassificationOption(value=v, description=v) for v in ("yes", "no")]
)


def judge_replay(name: str, cases: int, id_width: int = 10) -> JudgeReplay:
    ids = [f"{n:0{id_width}d}" for n in range(cases)]
    old = {case_id: "yes" for case_id in ids}
    new = {case_id: "no" if n % 2 else "yes" for n, case_id in enumerate(ids)}
    case_list = tuple(
        Case(name, case_id, ({"role": "user", "content": "hi"},), {}, "yes", False, "x", 1)
        for case_id in ids
    )
    comparison = compare_versions(old, new)
    current = {k: (v, v) for k, v in old.items()}
    return JudgeReplay(
        name=name,
        kind=ActionKind.UPDATE,
        cases=case_list,
        proposed=Verdicts({k: (v,) for k, v in new.items()}, {}, emulated=True),
        current=Verdicts(current, {}, emulated=True),
        comparison=comparison,
        agreement_before=1.0,
        agreement_after=0.5,
        noise=noise_floor(current),
        failed_must_pass=(),
        flips_significance=flips_significance(current, new),
        agreement_change=agreement_change(
            {k: True for k in ids}, {k: v == "yes" for k, v in new.items()}
        ),
        transitions=transition_table(YES_NO, YES_NO, comparison),
        drop_gate=GateDecision("pass", inconclusive=False, reason=None),
    )


def test_a_huge_replay_is_cut_to_the_limit_keeping_the_table_and_saying_so():
    replay = Replay(tuple(judge_replay(f"judge-{n}", 400, 200) for n in range(60)), 2, ())
    text = render_replay(replay)
    assert len(text) <= REPLAY_LIMIT
    assert "| **FAILED** |" not in text and "<code>judge-0</code>" in text
    assert "judge(s)' details left out to fit the comment" in text
    assert "> The verdicts are emulated" in text


def test_a_small_replay_is_whole_and_leads_with_its_significance_in_words():
    replay = Replay((judge_replay("tone", 4),), 2, ("helpfulness",))
    text = render_replay(replay)
    assert (
        "| inconclusive (4 cases, p = 0.25) | <code>tone</code> | 2 of 4, noise 0 of 4 |"
        " 1.00 → 0.50 (-0.50, 95% CI " in text
    )
    assert "| not evaluated (emulated verdicts) |\n" in text
    assert "ABOVE" not in text and "noise floor 0.00" not in text
    assert "with 4 cases this is inconclusive (p = 0.25)" in text
    assert "flip: 0000000001: yes -> no" in text
    assert "left out" not in text
    assert "No cases, nothing replayed: <code>helpfulness</code>." in text
    assert "  flip: 0000000003: yes -> no\n" in render_replay_text(replay)


@settings(max_examples=40, deadline=None)
@given(
    names=st.lists(st.text(min_size=1, max_size=300), min_size=1, max_size=40, unique=True),
    cases=st.integers(min_value=1, max_value=120),
    id_width=st.integers(min_value=1, max_value=400),
    limit=st.integers(min_value=2_000, max_value=REPLAY_LIMIT),
)
def test_the_replay_section_never_exceeds_its_limit(names, cases, id_width, limit):
    replay = Replay(tuple(judge_replay(name, cases, id_width) for name in names), 2, tuple(names))
    assert len(render_replay(replay, limit)) <= limit


HI = ({"role": "user", "content": "hi"},)


def failing_test_run(judges: int, cases_each: int) -> Run:
    """A run in which every case of every judge fails: the largest details there are."""
    results = []
    for number in range(judges):
        name = f"judge-{number:04d}"
        cases = tuple(
            Case(
                name, f"case-{n:05d}", ({"role": "user", "content": "hi"},), {}, "yes", True, "x", 1
            )
            for n in range(cases_each)
        )
        answers = {case.id: "no" for case in cases}
        results.append(
            JudgeResult(
                name=name,
                cases=cases,
                judge_id=f"id-{number}",
                verdicts=Verdicts({k: (v,) for k, v in answers.items()}, {}, emulated=True),
                metrics=classification_metrics(["yes"] * cases_each, ["no"] * cases_each),
                failed_must_pass=cases,
                gate_emulated=True,
            )
        )
    return Run("local", 1, tuple(results))


@settings(max_examples=15, deadline=None)
@given(judges=st.integers(1, 300), cases_each=st.integers(1, 60))
def test_the_markdown_test_run_never_exceeds_the_comment_limit(judges, cases_each):
    text = render_test(failing_test_run(judges, cases_each))
    assert len(text) <= DEFAULT_LIMIT
    assert text.endswith(f"**Test: 0 of {judges} judge(s) ok.**\n")


def test_a_huge_markdown_test_run_keeps_its_table_head_and_says_what_it_left_out():
    # The measure: 1,200 cases printed 92,307 characters.
    text = render_test(failing_test_run(1, 1_200))
    assert len(text) <= DEFAULT_LIMIT
    assert "| **FAILED** | <code>judge-0000</code> | 0 of 1200 |" in text
    assert "_1 judge(s)' details left out to fit the comment;" in text


def test_a_small_markdown_test_run_is_whole():
    text = render_test(failing_test_run(2, 3))
    assert "left out" not in text
    assert text.count("<details>") == 2


def test_the_markdown_matrix_has_current_rows_proposed_columns_and_bold_changed_cells():
    text = render_replay(Replay((judge_replay("tone", 6),), 2, ()))
    assert (
        "| current ↓ · proposed → | yes | no |\n| --- | --- | --- |\n| yes | 3 | **3** |\n"
    ) in text


def test_a_replay_on_real_verdicts_is_evaluated_and_a_gate_warning_shows():
    result = judge_replay("tone", 4)
    assert result.current is not None
    warned = GateDecision("warn", inconclusive=True, reason="accuracy drops; not significant")
    result = replace(
        result,
        proposed=Verdicts(result.proposed.answers, {}, emulated=False),
        current=Verdicts(result.current.answers, {}, emulated=False),
        drop_gate=warned,
    )
    text = render_replay(Replay((result,), 2, ()))
    assert "| warning |\n" in text and "The verdicts are emulated" not in text
    assert "gate warning: accuracy drops; not significant" in text
    assert result.ok and result.evaluated
