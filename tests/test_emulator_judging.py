"""Offline live judging: request checks, template variables, the deterministic answer."""

from __future__ import annotations

import pytest

from judgesync.specs.platform_prompt import platform_variables

JUDGES = "/v1/observability/judges"
CONVERSATION = {
    "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is 2+2?"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [{"function": {"name": "calculator", "arguments": "{}"}}],
        },
        {"role": "tool", "name": "calculator", "content": "4"},
        {"role": "assistant", "content": "4"},
    ],
    "properties": {"locale": "en"},
}
REGRESSION = {
    "type": "REGRESSION",
    "min": 1.0,
    "min_description": "bad",
    "max": 5.0,
    "max_description": "good",
}


def judge_id(api_client, body) -> str:
    response = api_client.post(JUDGES, json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_a_classification_judge_answers_one_of_its_options(api_client, judge_definition):
    identifier = judge_id(api_client, judge_definition())
    response = api_client.post(f"{JUDGES}/{identifier}/live-judging", json=CONVERSATION)
    assert response.status_code == 200
    output = response.json()
    assert output["answer"] in {"helpful", "unhelpful"}
    assert output["analysis"].startswith("Emulated verdict: no model was called")


def test_a_regression_judge_answers_a_number_in_its_range(api_client, judge_definition):
    identifier = judge_id(api_client, judge_definition(output=REGRESSION))
    answer = api_client.post(f"{JUDGES}/{identifier}/live-judging", json=CONVERSATION).json()
    assert isinstance(answer["answer"], float)
    assert 1.0 <= answer["answer"] <= 5.0


def test_the_same_conversation_always_gets_the_same_answer(api_client, judge_definition):
    identifier = judge_id(api_client, judge_definition(output=REGRESSION))
    answers = {
        api_client.post(f"{JUDGES}/{identifier}/live-judging", json=CONVERSATION).json()["answer"]
        for _ in range(3)
    }
    assert len(answers) == 1


def test_the_answer_depends_on_the_rendered_variables(api_client, judge_definition):
    body = judge_definition(instructions="{{ user_message }}", output=REGRESSION)
    identifier = judge_id(api_client, body)
    answers = {
        api_client.post(
            f"{JUDGES}/{identifier}/live-judging",
            json={"messages": [{"role": "user", "content": f"question {n}"}]},
        ).json()["answer"]
        for n in range(5)
    }
    assert len(answers) > 1


def test_template_variables_are_derived_from_the_messages():
    variables = platform_variables(CONVERSATION["messages"], CONVERSATION["properties"], REGRESSION)
    assert variables["user_message"] == "What is 2+2?"
    assert variables["assistant_message"] == "4"
    assert variables["system_prompt"] == "Be brief."
    assert variables["available_tools"] == ["calculator"]
    assert variables["conversation_history"] == CONVERSATION["messages"]
    assert variables["properties"] == {"locale": "en"}
    assert variables["answer_type_definition"] == "Answer with a number from 1 (bad) to 5 (good)."


def test_a_template_that_escapes_the_sandbox_answers_400_template_error(
    api_client, judge_definition
):
    identifier = judge_id(
        api_client, judge_definition(instructions="{{ user_message.__class__.__mro__ }}")
    )
    response = api_client.post(f"{JUDGES}/{identifier}/live-judging", json=CONVERSATION)
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail["error_code"] == "TEMPLATE_ERROR"
    assert detail["message"].startswith("The instructions failed to render: ")
    assert "unsafe" in detail["message"]


def test_a_template_that_fails_at_runtime_answers_400_template_error(api_client, judge_definition):
    identifier = judge_id(api_client, judge_definition(instructions="{{ 1 // 0 }}"))
    response = api_client.post(f"{JUDGES}/{identifier}/live-judging", json=CONVERSATION)
    assert response.status_code == 400
    assert response.json()["detail"] == {
        "message": "The instructions failed to render: integer division or modulo by zero",
        "error_code": "TEMPLATE_ERROR",
    }


@pytest.mark.parametrize(
    "body",
    [
        {"messages": []},
        {"messages": "hello"},
        {"messages": [{"role": "user"}]},
        {"messages": [{"role": 1, "content": "hi"}]},
        {"messages": ["hi"]},
        {"messages": [{"role": "user", "content": "hi"}], "properties": [1]},
        {"messages": [{"role": "user", "content": "hi"}], "extra": 1},
        [],
    ],
)
def test_a_malformed_conversation_answers_422_conversation_format_error(
    api_client, judge_definition, body
):
    identifier = judge_id(api_client, judge_definition())
    response = api_client.post(f"{JUDGES}/{identifier}/live-judging", json=body)
    assert response.status_code == 422
    assert response.json()["detail"]["error_code"] == "JUDGE_CONVERSATION_FORMAT_ERROR"


def test_properties_may_be_null(api_client, judge_definition):
    identifier = judge_id(api_client, judge_definition(instructions="{{ properties }}"))
    body = {"messages": [{"role": "user", "content": "hi"}], "properties": None}
    assert api_client.post(f"{JUDGES}/{identifier}/live-judging", json=body).status_code == 200


def test_judging_a_deleted_judge_answers_404(emulator, api_client, judge_definition):
    emulator.configure(deleted="visible")
    identifier = judge_id(api_client, judge_definition())
    api_client.delete(f"{JUDGES}/{identifier}")
    response = api_client.post(f"{JUDGES}/{identifier}/live-judging", json=CONVERSATION)
    assert response.status_code == 404
    assert response.json()["detail"]["error_code"] == "JUDGE_NOT_FOUND"
