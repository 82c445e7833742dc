"""The cost line and the budget of `test` and `plan --replay`, through the real CLI
against the emulator server, whose judging requests are counted as they arrive."""

from __future__ import annotations

import json
from typing import Any

import pytest

from judgesync.review.review_dataset import REVIEW_DATASET
from tests.test_review_dataset import write_cases

pytestmark = pytest.mark.usefixtures("revisions")


@pytest.fixture
def judged(emulator_server, monkeypatch) -> list[int]:
    """One item per live-judging request the emulator receives (saved judge or record)."""
    pool = emulator_server.app.state.judging_pool
    seen: list[int] = []
    judge = pool.judge

    async def counted(*args: Any, **kwargs: Any) -> dict[str, Any]:
        seen.append(1)
        return await judge(*args, **kwargs)

    monkeypatch.setattr(pool, "judge", counted)
    return seen


def budget(workdir, limit: int) -> None:
    (workdir / "judgesync.yaml").write_text(f"review:\n  max_judgements: {limit}\n")


def test_test_states_its_cost_first_and_sends_exactly_that(edited, run, judged):
    write_cases(edited, 5)
    result = run("test", "--repeat", "2", "--format", "json")
    assert result.exit_code in (0, 1), result.output
    cost = json.loads(result.stdout)["cost"]
    assert cost["requests"] == len(judged) == 10
    assert cost["judges"] == [
        {
            "name": "tone",
            "requests": 10,
            "input_tokens_estimate": cost["input_tokens_estimate"],
            "estimated": True,
        }
    ]
    assert cost["input_tokens_estimate"] > 0
    assert cost["method"] == "utf-8 bytes / 4"
    first = result.stderr.splitlines()[0]
    assert first.startswith("Cost: 10 judging request(s) (tone: 10), about ")


def test_replay_states_its_cost_and_sends_exactly_that(edited, run, judged):
    write_cases(edited, 5)
    result = run("plan", "--replay", "--repeat", "3")
    assert result.exit_code in (0, 1), result.output
    # The proposed version once, the current one three times.
    assert len(judged) == 20
    line = next(line for line in result.stderr.splitlines() if line.startswith("Cost:"))
    assert line.startswith("Cost: 20 judging request(s) (tone: 20), about ")
    # Text prints it once, on stderr: the document on the same terminal does not repeat it.
    assert line not in result.stdout
    markdown = run("plan", "--replay", "--repeat", "3", "--format", "markdown")
    assert line.replace("Cost: ", "") in markdown.stdout  # markdown and JSON carry it


@pytest.mark.parametrize(
    "command", [("test", "--repeat", "2"), ("plan", "--replay", "--repeat", "3")]
)
def test_over_the_budget_nothing_is_sent(edited, run, remote, judged, command):
    write_cases(edited, 5)
    budget(edited, 7)
    judges_before = sorted(judge.id for judge in remote.list_judges())
    result = run(*command)
    assert result.exit_code == 1
    over = 10 - 7 if command[0] == "test" else 20 - 7
    requests = 10 if command[0] == "test" else 20
    assert result.stderr == (
        f"Error: This run would send {requests} judging requests, {over} over"
        " review.max_judgements (7) in judgesync.yaml; nothing was sent. Raise the budget,"
        " choose fewer judges with --only, or lower --repeat.\n"
    )
    assert judged == []
    assert [d for d in remote.list_datasets() if d["name"] == REVIEW_DATASET] == []
    assert sorted(judge.id for judge in remote.list_judges()) == judges_before


def test_at_the_budget_the_run_goes_ahead(edited, run, judged):
    write_cases(edited, 5)
    budget(edited, 10)
    result = run("test", "--repeat", "2")
    assert result.exit_code in (0, 1), result.output
    assert len(judged) == 10
