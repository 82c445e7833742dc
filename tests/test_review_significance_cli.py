"""Significance, the accuracy-drop gate and emulated verdicts, through the real CLI
against the emulator (its hash rule: deterministic, so the current version's
repeats never disagree, and an instructions edit moves about 3 verdicts in 4).

The cases are chosen by asking the emulator first, so that each test holds
whatever the shipped judges' text: the verdicts the current and the edited
tone judge give each conversation.
"""

from __future__ import annotations

import html
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from judgesync.models import JudgeDefinition
from judgesync.review.live_judging import NOT_EVALUATED_NOTE
from judgesync.review.review_dataset import sync_records
from judgesync.specs.case import Case
from tests.processes import hermetic_env
from tests.test_review_cli import conversation, other, tone_verdicts

EDIT = "no sarcasm, "


@pytest.fixture
def applied(workdir, run):
    result = run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    return workdir


def tone_definition(remote) -> JudgeDefinition:
    return next(judge for judge in remote.list_judges() if judge.name == "tone").definition


def inline_verdicts(remote, definition: JudgeDefinition, numbers: list[int]) -> list[Any]:
    """What `definition` answers inline to the review records of these conversations."""
    cases = [
        Case(
            "tone",
            f"case-{n}",
            tuple(conversation(n)["messages"]),
            {"locale": "en"},
            "x",
            False,
            "f",
            None,
        )
        for n in numbers
    ]
    records = sync_records(remote, cases)
    assert records is not None
    return [remote.judge_record(records.record_for(c), definition)["answer"] for c in cases]


def by_edit(remote, flipped: int, kept: int = 0) -> list[tuple[int, str]]:
    """`flipped` conversations whose verdict the edit changes, then `kept` whose verdict
    it keeps, each with the current verdict."""
    current = tone_definition(remote)
    proposed = current.model_copy(update={"instructions": current.instructions.replace(EDIT, "")})
    numbers = list(range(40))
    pairs = list(
        zip(
            numbers,
            inline_verdicts(remote, current, numbers),
            inline_verdicts(remote, proposed, numbers),
            strict=True,
        )
    )
    flips = [(n, before) for n, before, after in pairs if before != after][:flipped]
    same = [(n, before) for n, before, after in pairs if before == after][:kept]
    assert (len(flips), len(same)) == (flipped, kept), "the edit flips too many or too few"
    return flips + same


def write_cases(workdir: Path, cases: list[tuple[int, str]], must_pass: bool = False) -> None:
    """Cases of these conversation numbers, each expecting the given verdict."""
    listed = [
        {"id": f"case-{n}", **conversation(n), "expect": expect, "must_pass": must_pass}
        for n, expect in cases
    ]
    text = yaml.safe_dump({"judge": "tone", "cases": listed}, sort_keys=False)
    (workdir / "judges" / "tone.cases.yaml").write_text(text)


def edit_tone(workdir: Path) -> None:
    spec = workdir / "judges" / "tone.yaml"
    spec.write_text(spec.read_text().replace(EDIT, ""))


def replay_json(run, *args: str) -> tuple[int, dict[str, Any]]:
    result = run("plan", "--replay", "--format", "json", *args)
    return result.exit_code, json.loads(result.stdout)


def test_the_four_case_example_is_inconclusive_and_says_how_many_cases_would_tell(
    applied, run, remote
):
    write_cases(applied, by_edit(remote, flipped=3, kept=1))
    edit_tone(applied)
    code, document = replay_json(run, "--repeat", "2")
    assert code == 0
    (tone,) = document["replay"]["judges"]
    flips = tone["significance"]["flips"]
    assert flips["verdict"] == "inconclusive"
    assert (flips["flips"], flips["noise_flips"], flips["cases"]) == (3, 0, 4)
    assert isinstance(flips["p_value"], float) and flips["p_value"] >= 0.05
    assert flips["cases_needed"] > 4
    agreement = tone["significance"]["agreement"]
    assert set(agreement) >= {"delta", "ci95", "p_value", "verdict"}
    assert agreement["verdict"] == "inconclusive" and len(agreement["ci95"]) == 2
    assert agreement["ci95"][0] <= agreement["delta"] <= agreement["ci95"][1]

    text = run("plan", "--replay", "--repeat", "2").output
    assert "flips: 3 of 4 verdicts flip, against 0 of 4 between two runs" in text
    assert "with 4 cases this is inconclusive (p = " in text
    assert f"about {flips['cases_needed']} cases would be needed to tell" in text
    assert "ABOVE" not in text


def test_a_sixty_case_replay_of_an_instructions_change_with_repeat_two_is_significant(
    applied, run, remote
):
    numbers = list(range(60))
    current = inline_verdicts(remote, tone_definition(remote), numbers)
    write_cases(applied, list(zip(numbers, current, strict=True)))
    edit_tone(applied)
    code, document = replay_json(run, "--repeat", "2")
    assert code == 0
    (tone,) = document["replay"]["judges"]
    flips = tone["significance"]["flips"]
    assert flips["verdict"] == "significant" and flips["p_value"] < 0.001
    assert flips["cases"] == 60 and flips["noise_flips"] == 0
    assert tone["significance"]["agreement"]["verdict"] == "significant"
    assert tone["significance"]["agreement"]["delta"] < 0


def test_without_a_repeat_there_is_no_noise_floor_so_flips_are_inconclusive(applied, run, remote):
    numbers = list(range(20))
    write_cases(
        applied,
        list(zip(numbers, inline_verdicts(remote, tone_definition(remote), numbers), strict=True)),
    )
    edit_tone(applied)
    _, document = replay_json(run)
    (tone,) = document["replay"]["judges"]
    assert tone["significance"]["flips"]["verdict"] == "inconclusive"
    assert tone["significance"]["flips"]["p_value"] is None


@pytest.mark.parametrize(
    ("on_inconclusive", "exit_code", "line"),
    [
        (None, 0, "  gate warning: accuracy drops from 1.00 to 0.25, more than max_accuracy_drop"),
        ("warn", 0, "  gate warning: accuracy drops from 1.00 to 0.25"),
        ("fail", 1, "  gate failed: accuracy drops from 1.00 to 0.25"),
    ],
)
def test_an_inconclusive_drop_warns_or_fails_as_on_inconclusive_says(
    applied, run, remote, on_inconclusive, exit_code, line
):
    write_cases(applied, by_edit(remote, flipped=3, kept=1))
    gates: dict[str, Any] = {"max_accuracy_drop": 0.05}
    if on_inconclusive is not None:
        gates["on_inconclusive"] = on_inconclusive
    (applied / "judgesync.yaml").write_text(yaml.safe_dump({"gates": gates}))
    edit_tone(applied)
    result = run("plan", "--replay", "--repeat", "2", "--gate-emulated")
    assert result.exit_code == exit_code, result.output
    assert line in result.output
    assert "but with 4 cases the drop is not significant" in result.output


def test_emulated_verdicts_are_reported_but_not_gated_unless_asked(applied, run, remote):
    verdicts = tone_verdicts(remote, 2)
    write_cases(applied, [(0, verdicts[0]), (1, other(verdicts[1]))], must_pass=True)
    (applied / "judgesync.yaml").write_text("gates: {min_accuracy: 0.9}\n")

    result = run("test")
    assert result.exit_code == 0, result.output
    assert f"\n{NOT_EVALUATED_NOTE}\n" in result.output
    assert "tone: not evaluated (emulated verdicts) 1 of 2 case(s) passed" in result.output
    assert "  must_pass missed (not evaluated): case-1\n" in result.output
    assert (
        "  gate missed (not evaluated): accuracy 0.50 is below min_accuracy 0.9\n" in result.output
    )
    assert result.output.endswith(
        "Test: 1 of 1 judge(s) not evaluated (emulated verdicts); 0 failed.\n"
    )
    document = json.loads(run("test", "--format", "json").stdout)
    assert document["ok"] is True and document["evaluated"] is False

    gated = run("test", "--gate-emulated")
    assert gated.exit_code == 1, gated.output
    assert "tone: FAILED 1 of 2 case(s) passed" in gated.output
    assert "  must_pass failed: case-1\n" in gated.output
    assert NOT_EVALUATED_NOTE not in gated.output


def test_a_replay_on_emulated_verdicts_reports_its_gates_but_exits_0(applied, run, remote):
    write_cases(applied, by_edit(remote, flipped=3, kept=1), must_pass=True)
    (applied / "judgesync.yaml").write_text(
        "gates: {max_accuracy_drop: 0, on_inconclusive: fail}\n"
    )
    edit_tone(applied)
    result = run("plan", "--replay", "--detailed-exitcode")
    assert result.exit_code == 2, result.output
    assert "tone (update): not evaluated (emulated verdicts)\n" in result.output
    assert "  must_pass missed (proposed; not evaluated): case-" in result.output
    assert "  gate missed (not evaluated): accuracy drops from 1.00 to 0.25" in result.output
    assert "must_pass and gates not evaluated (emulated verdicts)." in result.output

    gated = run("plan", "--replay", "--gate-emulated")
    assert gated.exit_code == 1, gated.output
    assert "tone (update): FAILED\n" in gated.output


def test_gate_emulated_on_plan_needs_replay(workdir, run):
    result = run("plan", "--gate-emulated")
    assert result.exit_code == 1
    assert result.output == (
        "Error: --gate-emulated applies to --replay only; add --replay, or drop --gate-emulated.\n"
    )


def test_the_markdown_replay_shows_a_transition_matrix_with_the_changed_cells_in_bold(
    applied, run, remote
):
    write_cases(applied, by_edit(remote, flipped=3, kept=1))
    edit_tone(applied)
    result = run("plan", "--replay", "--repeat", "2", "--format", "markdown")
    assert result.exit_code == 0, result.output
    text = result.output
    assert "| inconclusive (4 cases, p = " in text
    matrix = text.split("| current ↓ · proposed → |")[1].split("\n\n")[0].split("\n")
    columns = [html.unescape(cell.strip()) for cell in matrix[0].split("|") if cell.strip()]
    assert set(columns) <= {"on_brand", "too_casual", "too_formal", "rude"}
    cells = {}
    for line in matrix[2:]:
        row, *counts = [html.unescape(cell.strip()) for cell in line.strip("|").split("|")]
        cells.update({(row, column): count for column, count in zip(columns, counts, strict=True)})
    bold = {key: int(count.strip("*")) for key, count in cells.items() if count.startswith("**")}
    plain = {key: int(count) for key, count in cells.items() if not count.startswith("**")}
    assert all(row != column and count for (row, column), count in bold.items())
    assert all(row == column or not count for (row, column), count in plain.items())
    assert (sum(bold.values()), sum(plain.values())) == (3, 1)
    assert len(text) < 65_536


def test_test_reports_kappa_with_its_95_percent_interval(applied, run, remote):
    verdicts = tone_verdicts(remote, 6)
    write_cases(applied, [(n, v if n % 3 else other(v)) for n, v in enumerate(verdicts)])
    text = run("test").output
    assert "  accuracy 0.67, Cohen's κ " in text and "(95% CI " in text and "6 cases" in text
    document = json.loads(run("test", "--format", "json").stdout)
    (judge,) = document["judges"]
    low, high = judge["metrics"]["kappa_ci95"]
    assert low <= judge["metrics"]["kappa"] <= high
    markdown = run("test", "--format", "markdown").output
    assert "(95% CI " in markdown


def test_the_readme_quick_start_then_test_exits_0_and_says_the_verdicts_are_not_gated(workdir):
    """The shipped judges and cases, as a newcomer runs them: a real process each."""
    env = hermetic_env()
    script = shutil.which("judgesync") or str(Path(sys.executable).with_name("judgesync"))

    def judgesync(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [script, *args], cwd=workdir, env=env, capture_output=True, text=True, timeout=120
        )

    assert judgesync("apply", "--api-url", "local", "--auto-approve").returncode == 0
    tested = judgesync("test", "--api-url", "local")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "The verdicts are emulated" in tested.stdout
    assert NOT_EVALUATED_NOTE in tested.stdout
    assert "not evaluated (emulated verdicts)" in tested.stdout
