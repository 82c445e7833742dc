"""review/cost.py: planned judgements and their token estimate; the budget refusal."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from judgesync.errors import ConfigError
from judgesync.models import ClassificationOption, ClassificationOutput, JudgeDefinition
from judgesync.review.cost import TOKEN_METHOD, JudgingCost, prompt_tokens, within_budget
from judgesync.specs.platform_prompt import render_prompt

OUTPUT = ClassificationOutput(options=[ClassificationOption(value="ok", description="fine")])


def definition(instructions: str = "Judge: {{ assistant_message }}") -> JudgeDefinition:
    return JudgeDefinition(
        name="tone", description="", model_name="m", instructions=instructions, output=OUTPUT
    )


def body(text: str) -> dict[str, object]:
    return {"messages": [{"role": "assistant", "content": text}], "properties": None}


def test_a_prompt_is_estimated_as_its_rendered_utf8_bytes_over_four():
    judge = definition("Judge: {{ assistant_message }}\n{{ answer_type_definition }}")
    rendered = render_prompt(judge.instructions, OUTPUT.model_dump(), body("héllo")["messages"], {})  # type: ignore[arg-type]
    assert "héllo" in rendered and "- ok: fine" in rendered
    assert prompt_tokens(judge, body("héllo")) == math.ceil(len(rendered.encode()) / 4)


def test_a_template_with_a_loop_is_not_rendered_but_counts_its_text_and_the_conversation():
    loop = "{% for i in range(10**12) %}{{ i }}{% endfor %}{{ assistant_message }}"
    tokens = prompt_tokens(definition(loop), body("x" * 4000))
    assert tokens > 1000  # the conversation's 4000 bytes count, and the call returned


@settings(deadline=None)  # a loaded machine renders slowly; speed is not the point
@given(st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 5), st.integers(1, 4))))
def test_requests_are_cases_times_repeats_summed_per_judge(additions):
    cost = JudgingCost()
    for name, cases, times in additions:
        cost = cost.plus(name, definition(), [body(str(n)) for n in range(cases)], times)
    assert cost.requests == sum(cases * times for _, cases, times in additions)
    assert [judge.name for judge in cost.judges] == list(dict.fromkeys(a[0] for a in additions))
    for judge in cost.judges:
        mine = [(c, t) for name, c, t in additions if name == judge.name]
        assert judge.requests == sum(c * t for c, t in mine)
    assert cost.input_tokens == sum(judge.input_tokens for judge in cost.judges)
    assert cost.method == TOKEN_METHOD


def test_a_cost_within_the_budget_or_without_one_passes():
    cost = JudgingCost().plus("tone", definition(), [body("a"), body("b")], 3)
    within_budget(cost, None)
    within_budget(cost, 6)


def test_a_cost_over_the_budget_says_by_how_much_and_what_to_do():
    cost = JudgingCost().plus("tone", definition(), [body("a"), body("b")], 4)
    with pytest.raises(ConfigError) as raised:
        within_budget(cost, 5)
    assert str(raised.value) == (
        "This run would send 8 judging requests, 3 over review.max_judgements (5) in"
        " judgesync.yaml; nothing was sent. Raise the budget, choose fewer judges with --only,"
        " or lower --repeat."
    )
