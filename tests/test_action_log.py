"""What reaches a step's log: hostile judge text runs no workflow command.

A remote judge and a spec carry lines that a runner takes for commands
(`##[set-output …]` anywhere in a line, `::set-output …`, `::add-mask::`,
`::stop-commands::`); validate, plan, apply and drift run through
action/run.sh with the real CLI against the emulator as a real server. Each
step's log is parsed by the runner's own rules (tests/runner_log.py): it
holds no command but judgesync's annotations and the stop/resume pair, and
no step output points outside $RUNNER_TEMP/judgesync/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import runner_log
from tests.test_workflows import Checkout

HOSTILE = [
    "##[set-output name=comment]/proc/self/environ",
    "::set-output name=comment::/proc/self/environ",
    "::add-mask::x",
    "::stop-commands::x",
    "  ::set-env name=LD_PRELOAD::/tmp/x.so",
    "text ##[add-path]/tmp/evil",
]
ANNOTATIONS = {"error", "warning", "notice"}


def hostile_block(indent: str) -> str:
    return "".join(f"{indent}{line}\n" for line in HOSTILE)


@pytest.fixture
def checkout(tmp_path: Path, emulator, api_key) -> Checkout:
    checkout = Checkout(tmp_path)
    checkout.env.update(ACTION_API_URL=emulator.url, MISTRAL_API_KEY=api_key)
    return checkout


def hostile_spec(checkout: Checkout) -> None:
    tone = checkout.root / "judges" / "tone.yaml"
    text = tone.read_text(encoding="utf-8")
    tone.write_text(
        text.replace(
            "  {{ answer_type_definition }}\n",
            hostile_block("  ") + "\n  {{ answer_type_definition }}\n",
        ),
        encoding="utf-8",
    )


def hostile_remote_judge(api_client, judge_definition) -> None:
    instructions = (
        "Judge this: {{ assistant_message }}\n"
        + hostile_block("")
        + ("{{ answer_type_definition }}")
    )
    body = judge_definition("tone", instructions=instructions, description=HOSTILE[0])
    created = api_client.post("/v1/observability/judges", json=body)
    assert created.status_code in (200, 201), created.text


def assert_clean(checkout: Checkout, result) -> None:
    """Only judgesync's annotations and stop/resume pairs run; outputs stay in OUT."""
    processed = runner_log.commands(result.stdout)
    stopped: str | None = None
    for command in processed:
        if stopped is not None:
            assert command.name == stopped, command
            stopped = None
        elif command.name == "stop-commands":
            assert command.data.startswith("judgesync-") and len(command.data) == 42, command
            stopped = command.data
        else:
            assert command.name in ANNOTATIONS, command
    assert stopped is None, "commands were left stopped"
    assert runner_log.commands(result.stderr) == []
    out = (checkout.temp / "judgesync").resolve()
    for name, value in checkout.outputs().items():
        if "/" in value:
            assert Path(value).resolve().is_relative_to(out), (name, value)


def test_the_parser_finds_what_a_runner_would_run():
    found = runner_log.commands(hostile_block("") + "::error file=a,line=1::m\n")
    assert [command.name for command in found] == [
        "set-output",
        "set-output",
        "add-mask",
        "stop-commands",
    ]
    found = runner_log.commands("a\r::ADD-MASK::x\nx ##[set-env name=A]b\n::nope::x\n")
    assert [command.name for command in found] == ["add-mask", "set-env"]
    stopped = "::stop-commands::tok\n::set-output name=a::b\n::tok::\n::warning::w\n"
    assert [command.name for command in runner_log.commands(stopped)] == [
        "stop-commands",
        "tok",
        "warning",
    ]


def test_hostile_text_through_validate_runs_no_command(checkout):
    hostile_spec(checkout)
    # Problems that quote the hostile text: in the log, and annotated.
    (checkout.root / "judges" / "bad.yaml").write_text(
        "".join(f"{line.strip()!r}: x\n" for line in HOSTILE), encoding="utf-8"
    )
    result = checkout.step("validate", ACTION_COMMAND="validate")
    assert result.returncode == 0, result.stderr
    # As text: judgesync breaks each would-be command with a hair space (as_github.neutralise).
    assert "set-output name=comment]/proc/self/environ" in result.stdout
    assert checkout.outputs()["failed"] == "true"
    assert_clean(checkout, result)
    names = [command.name for command in runner_log.commands(result.stdout)]
    assert names.count("error") == 10


def test_hostile_text_through_plan_runs_no_command(checkout, api_client, judge_definition):
    hostile_spec(checkout)
    hostile_remote_judge(api_client, judge_definition)
    result = checkout.step("plan", ACTION_COMMAND="plan", HEAD_SHA="abc123", IS_FORK="false")
    assert result.returncode == 0, result.stderr
    assert checkout.outputs()["exitcode"] == "2"
    assert "add-mask::x" in checkout.read("comment.md")  # the plan shows it, as text
    assert "::add-mask::x" not in result.stdout  # the log does not
    assert_clean(checkout, result)


def test_hostile_text_through_apply_runs_no_command(checkout, api_client, judge_definition):
    hostile_spec(checkout)
    hostile_remote_judge(api_client, judge_definition)
    reviewed = checkout.temp / "judgesync" / "reviewed"
    reviewed.mkdir(parents=True)
    made = checkout.judgesync(
        "plan", "--api-url", checkout.env["ACTION_API_URL"], "--out", str(reviewed / "plan.json")
    )
    assert made.returncode == 0, made.stderr
    result = checkout.step("apply", ACTION_COMMAND="apply", PR_NUMBER="7", HEAD_SHA="abc123")
    assert result.returncode == 0, result.stderr
    assert checkout.outputs()["exitcode"] == "0"
    assert "set-output name=comment::" in checkout.summary.read_text(encoding="utf-8")
    assert_clean(checkout, result)


def test_hostile_text_through_a_failing_apply_runs_no_command(
    checkout, api_client, judge_definition
):
    hostile_spec(checkout)
    hostile_remote_judge(api_client, judge_definition)
    reviewed = checkout.temp / "judgesync" / "reviewed"
    reviewed.mkdir(parents=True)
    reviewed.joinpath("plan.json").write_text("##[set-output name=comment]x\n", "utf-8")
    result = checkout.step("apply", ACTION_COMMAND="apply", PR_NUMBER="7", HEAD_SHA="abc123")
    assert result.returncode == 0, result.stderr
    assert checkout.outputs()["failed"] == "true"
    assert_clean(checkout, result)


def test_hostile_text_through_drift_runs_no_command(checkout, api_client, judge_definition):
    hostile_remote_judge(api_client, judge_definition)
    result = checkout.step("drift", ACTION_COMMAND="drift")
    assert result.returncode == 0, result.stderr
    assert checkout.outputs()["drifted"] == "true"
    assert "stop-commands::x" in checkout.read("issue.md")
    assert_clean(checkout, result)
