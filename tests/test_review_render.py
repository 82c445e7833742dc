"""The replay section of the PR comment stays within its limit, however large."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from judgesync.plan.planner import ActionKind
from judgesync.render.review_markdown import REPLAY_LIMIT, render_replay
from judgesync.render.review_text import render_replay as render_replay_text
from judgesync.review.judging import Verdicts
from judgesync.review.metrics import compare_versions, noise_floor
from judgesync.review.replay import JudgeReplay, Replay
from judgesync.specs.case import Case


def judge_replay(name: str, cases: int, id_width: int = 10) -> JudgeReplay:
    ids = [f"{n:0{id_width}d}" for n in range(cases)]
    old = {case_id: "yes" for case_id in ids}
    new = {case_id: "no" if n % 2 else "yes" for n, case_id in enumerate(ids)}
    case_list = tuple(
        Case(name, case_id, ({"role": "user", "content": "hi"},), {}, "yes", False, "x", 1)
        for case_id in ids
    )
    return JudgeReplay(
        name=name,
        kind=ActionKind.UPDATE,
        cases=case_list,
        proposed=Verdicts({k: (v,) for k, v in new.items()}, {}, emulated=True),
        current=Verdicts({k: (v, v) for k, v in old.items()}, {}, emulated=True),
        comparison=compare_versions(old, new),
        agreement_before=1.0,
        agreement_after=0.5,
        noise=noise_floor({k: (v, v) for k, v in old.items()}),
        failed_must_pass=(),
        gate_failures=(),
    )


def test_a_huge_replay_is_cut_to_the_limit_keeping_the_table_and_saying_so():
    replay = Replay(tuple(judge_replay(f"judge-{n}", 400, 200) for n in range(60)), 2, ())
    text = render_replay(replay)
    assert len(text) <= REPLAY_LIMIT
    assert "| **FAILED** |" not in text and "<code>judge-0</code>" in text
    assert "judge(s)' details left out to fit the comment" in text
    assert "> The verdicts are emulated" in text


def test_a_small_replay_is_whole_and_marks_flips_above_the_noise_floor():
    replay = Replay((judge_replay("tone", 4),), 2, ("helpfulness",))
    text = render_replay(replay)
    assert "| ok | <code>tone</code> | 2 of 4, ABOVE the noise floor 0.00 | 1.00 → 0.50 |" in text
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
