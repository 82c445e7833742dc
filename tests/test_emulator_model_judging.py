"""Live judging with a model: the emulator against a scripted OpenAI-compatible server.

The rare edges live here (malformed answers, answers outside the options or the
range, server errors, slow answers, both dialects); test_model_server.py runs
the same wiring against a real model.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from judgesync.emulator import Emulator, EmulatorServer
from judgesync.emulator.limits import ANALYSIS_MAX_CHARS
from judgesync.emulator.model_judging import SYSTEM_PROMPT, JudgingModel
from judgesync.remote.local import embedded_emulator
from judgesync.review.live_judging import EMULATED_MARK
from tests.fake_model import FakeModelServer, Reply
from tests.processes import hermetic_env, start_cli

JUDGES = "/v1/observability/judges"
MODEL_KEY = "sk-judging-secret-0123456789"
CONVERSATION = {
    "messages": [
        {"role": "user", "content": "Where is my refund?"},
        {"role": "assistant", "content": "It left today."},
    ]
}
INSTRUCTIONS = (
    "User: {{ user_message }}\nAnswer: {{ assistant_message }}\n{{ answer_type_definition }}"
)
RENDERED = (
    "User: Where is my refund?\nAnswer: It left today.\n"
    "Answer with exactly one of these values:\n"
    "- helpful: Answers the question.\n- unhelpful: Does not."
)
REGRESSION = {
    "type": "REGRESSION",
    "min": 1,
    "max": 5,
    "min_description": "Useless.",
    "max_description": "Solves it.",
}


@pytest.fixture
def fake_model() -> Iterator[FakeModelServer]:
    with FakeModelServer() as fake:
        yield fake


@pytest.fixture
def judging_with(fake_model: FakeModelServer) -> Iterator[Callable[..., httpx.Client]]:
    """`judging_with(**JudgingModel fields)`: a client of an emulator judging with the fake."""
    servers: list[EmulatorServer] = []
    clients: list[httpx.Client] = []

    def start(**fields: Any) -> httpx.Client:
        model = JudgingModel(**{"url": fake_model.url, "api_key": MODEL_KEY, **fields})
        server = EmulatorServer(Emulator(), judging_model=model)
        server.start()
        servers.append(server)
        client = httpx.Client(
            base_url=server.url, headers={"Authorization": "Bearer test-key-1"}, timeout=30
        )
        clients.append(client)
        return client

    yield start
    for client in clients:
        client.close()
    for server in servers:
        server.stop()


def judge_once(client: httpx.Client, body: dict[str, Any]) -> httpx.Response:
    created = client.post(JUDGES, json=body)
    assert created.status_code == 201, created.text
    return client.post(f"{JUDGES}/{created.json()['id']}/live-judging", json=CONVERSATION)


def error_code(response: httpx.Response) -> str:
    return str(response.json()["detail"]["error_code"])


def test_the_model_is_sent_the_rendered_instructions_and_its_verdict_is_answered(
    fake_model, judging_with, judge_definition
):
    fake_model.script(Reply(content='{"analysis": "It answers.", "answer": "helpful"}'))
    response = judge_once(judging_with(), judge_definition(instructions=INSTRUCTIONS))
    assert response.status_code == 200, response.text
    assert response.json() == {"analysis": "It answers.", "answer": "helpful"}
    (sent,) = fake_model.requests
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {MODEL_KEY}"
    assert sent.body["messages"] == [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": RENDERED},
    ]
    assert sent.body["model"] == "mistral-small-latest"  # the judge's own model
    assert sent.body["temperature"] == 0
    assert sent.body["response_format"] == {
        "type": "json_schema",
        "json_schema": {
            "name": "judge_output",
            "strict": True,
            "schema": {
                "type": "object",
                "properties": {
                    "analysis": {"type": "string"},
                    "answer": {"type": "string", "enum": ["helpful", "unhelpful"]},
                },
                "required": ["analysis", "answer"],
                "additionalProperties": False,
            },
        },
    }


def test_a_model_verdict_is_not_marked_as_emulated(fake_model, judging_with, judge_definition):
    response = judge_once(judging_with(), judge_definition())
    assert not response.json()["analysis"].startswith(EMULATED_MARK)


def test_judging_model_overrides_the_judges_model(fake_model, judging_with, judge_definition):
    judge_once(judging_with(model="smollm2"), judge_definition())
    assert fake_model.requests[0].body["model"] == "smollm2"


def test_a_regression_judge_asks_for_a_number_in_its_range(
    fake_model, judging_with, judge_definition
):
    fake_model.script(Reply(content='{"analysis": "Mostly.", "answer": 4}'))
    response = judge_once(judging_with(), judge_definition(output=REGRESSION))
    assert response.json() == {"analysis": "Mostly.", "answer": 4.0}
    schema = fake_model.requests[0].body["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["answer"] == {"type": "number", "minimum": 1.0, "maximum": 5.0}


@pytest.mark.parametrize(
    ("output", "reply", "reason"),
    [
        (None, Reply(content="helpful"), "not JSON"),
        (None, Reply(content='{"answer": "helpful"}'), "not an object of"),
        (
            None,
            Reply(content='{"analysis": "x", "answer": "helpful", "extra": 1}'),
            "not an object",
        ),
        (None, Reply(content='{"analysis": 3, "answer": "helpful"}'), "'analysis' is not a string"),
        (None, Reply(content='{"analysis": "x", "answer": "great"}'), "'great' is not one of"),
        (REGRESSION, Reply(content='{"analysis": "x", "answer": 7}'), "not a number from 1 to 5"),
        (REGRESSION, Reply(content='{"analysis": "x", "answer": true}'), "not a number from"),
        (REGRESSION, Reply(content='{"analysis": "x", "answer": "4"}'), "not a number from"),
        (None, Reply(finish_reason="length"), "cut off at"),
        (None, Reply(raw="<html>gateway</html>"), "not a chat completion"),
    ],
)
def test_an_answer_that_is_not_a_valid_verdict_is_a_mistral_api_error(
    fake_model, judging_with, judge_definition, output, reply, reason
):
    fake_model.script(reply)
    body = judge_definition() if output is None else judge_definition(output=output)
    response = judge_once(judging_with(), body)
    assert (response.status_code, error_code(response)) == (400, "JUDGE_MISTRAL_API_ERROR")
    assert reason in response.json()["detail"]["message"]


def test_a_server_error_is_a_mistral_api_error_without_the_key(
    fake_model, judging_with, judge_definition
):
    fake_model.script(Reply(status=503, raw=f'{{"error": "overloaded; key {MODEL_KEY}"}}'))
    response = judge_once(judging_with(), judge_definition())
    assert (response.status_code, error_code(response)) == (400, "JUDGE_MISTRAL_API_ERROR")
    assert "HTTP 503" in response.text
    assert MODEL_KEY not in response.text
    assert len(fake_model.requests) == 1  # not a dialect refusal: nothing is retried


def test_a_slow_model_is_a_mistral_api_timeout(fake_model, judging_with, judge_definition):
    fake_model.script(Reply(delay=3.0))
    response = judge_once(judging_with(timeout_seconds=0.2), judge_definition())
    assert (response.status_code, error_code(response)) == (408, "JUDGE_MISTRAL_API_TIMEOUT")


def test_an_unreachable_model_is_a_mistral_api_error(judging_with, judge_definition):
    with FakeModelServer() as gone:
        url = gone.url
    response = judge_once(judging_with(url=url), judge_definition())
    assert (response.status_code, error_code(response)) == (400, "JUDGE_MISTRAL_API_ERROR")
    assert "could not be reached" in response.json()["detail"]["message"]


LLAMA_CPP_REFUSAL = Reply(
    status=500,
    raw=json.dumps(
        {
            "error": {
                "message": "response_format.type: Input should be 'text' or"
                " 'json_object', got 'json_schema'"
            }
        }
    ),
)


def test_auto_falls_back_to_json_object_once_and_keeps_it(
    fake_model, judging_with, judge_definition
):
    fake_model.script(LLAMA_CPP_REFUSAL, Reply())
    client = judging_with()
    first = judge_once(client, judge_definition("first"))
    second = judge_once(client, judge_definition("second"))
    assert (first.status_code, second.status_code) == (200, 200), (first.text, second.text)
    formats = [sent.body["response_format"] for sent in fake_model.requests]
    assert [f["type"] for f in formats] == ["json_schema", "json_object", "json_object"]
    assert formats[2]["schema"]["properties"]["answer"]["enum"] == ["helpful", "unhelpful"]


def test_json_object_is_sent_as_llama_cpp_python_reads_it(
    fake_model, judging_with, judge_definition
):
    judge_once(judging_with(dialect="json_object"), judge_definition())
    response_format = fake_model.requests[0].body["response_format"]
    assert set(response_format) == {"type", "schema"}
    assert response_format["type"] == "json_object"
    analysis = response_format["schema"]["properties"]["analysis"]
    assert analysis == {"type": "string", "maxLength": ANALYSIS_MAX_CHARS}


def test_a_fixed_json_schema_dialect_is_not_retried(fake_model, judging_with, judge_definition):
    fake_model.script(LLAMA_CPP_REFUSAL)
    response = judge_once(judging_with(dialect="json_schema"), judge_definition())
    assert error_code(response) == "JUDGE_MISTRAL_API_ERROR"
    assert len(fake_model.requests) == 1


def test_a_template_that_fails_is_refused_before_the_model_is_asked(
    fake_model, judging_with, judge_definition
):
    response = judge_once(judging_with(), judge_definition(instructions="{{ 1 / 0 }}"))
    assert error_code(response) == "TEMPLATE_ERROR"
    assert fake_model.requests == []


def test_requests_to_the_model_are_bounded_in_concurrency(
    fake_model, judging_with, judge_definition
):
    fake_model.script(Reply(delay=1.0))  # long enough to overlap on a loaded machine
    client = judging_with(concurrency=2)
    created = client.post(JUDGES, json=judge_definition()).json()["id"]
    with ThreadPoolExecutor(6) as executor:
        answers = list(
            executor.map(
                lambda _: client.post(f"{JUDGES}/{created}/live-judging", json=CONVERSATION),
                range(6),
            )
        )
    assert [answer.status_code for answer in answers] == [200] * 6
    assert len(fake_model.requests) == 6
    assert fake_model.most_in_flight == 2


def test_the_command_judges_with_the_model_and_never_prints_its_key(
    fake_model, tmp_path, judge_definition
):
    command = ["emulator", "--port", "0", "--db", ":memory:", "--judging-url", fake_model.url]
    process = start_cli(*command, env=hermetic_env(JUDGESYNC_JUDGING_API_KEY=MODEL_KEY))
    try:
        assert process.stdout is not None
        # Every line read here, before the requests: communicate() does not see lines that
        # readline() buffered ahead.
        listening, _export, model_line = (process.stdout.readline() for _ in range(3))
        url = listening.split(" listening on ")[1].split()[0]
        with httpx.Client(
            base_url=url, headers={"Authorization": "Bearer test-key-1"}, timeout=30
        ) as client:
            response = judge_once(client, judge_definition())
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert response.json() == {"analysis": "Fine.", "answer": "helpful"}
    assert fake_model.requests[0].headers["authorization"] == f"Bearer {MODEL_KEY}"
    assert model_line == f"live judging asks the model at {fake_model.url}/chat/completions\n"
    assert "live-judging" in stdout  # the access log is on
    assert MODEL_KEY not in listening + model_line + stdout + stderr


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/v1", "127.0.0.1:8080", "http://"])
def test_the_command_refuses_a_judging_url_that_is_not_http(run, url):
    result = run("emulator", "--judging-url", url)
    assert result.exit_code == 1
    assert "Invalid value for '--judging-url': The judging URL must be an http(s) URL" in (
        result.output
    )


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"JUDGESYNC_JUDGING_URL": "ftp://x"}, "JUDGESYNC_JUDGING_URL: The judging URL must be"),
        (
            {"JUDGESYNC_JUDGING_URL": "http://127.0.0.1:9/v1", "JUDGESYNC_JUDGING_TIMEOUT": "soon"},
            "JUDGESYNC_JUDGING_TIMEOUT must be a number of seconds.",
        ),
    ],
)
def test_the_embedded_emulator_refuses_a_bad_judging_setting_before_anything_is_sent(
    run, workdir, monkeypatch, variables, message
):
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    result = run("plan", "--api-url", "local")
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line.startswith(f"Error: {message}")


def test_the_embedded_emulator_judges_with_the_model_named_by_the_environment(
    fake_model, tmp_path, monkeypatch, judge_definition
):
    monkeypatch.setenv("JUDGESYNC_JUDGING_URL", fake_model.url)
    monkeypatch.setenv("JUDGESYNC_JUDGING_MODEL", "local-model")
    monkeypatch.setenv("JUDGESYNC_JUDGING_API_KEY", MODEL_KEY)
    with (
        embedded_emulator(tmp_path / "local.db") as url,
        httpx.Client(base_url=url, headers={"Authorization": "Bearer k"}, timeout=30) as client,
    ):
        response = judge_once(client, judge_definition())
    assert response.json()["answer"] == "helpful"
    (sent,) = fake_model.requests
    assert sent.body["model"] == "local-model"
    assert sent.headers["authorization"] == f"Bearer {MODEL_KEY}"
