"""`judgesync test`, `judge` and `plan --replay` through the real CLI against the emulator.

The emulator's verdict is a hash of the judge's instructions and output and of
the conversation: the tests ask it for a case's verdict first, then write
expectations that must pass or must fail.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from judgesync.models import Judge
from judgesync.names import is_shadow
from judgesync.remote.client import JudgesClient
from judgesync.review.review_dataset import sync_records
from judgesync.specs.case import Case

TONE_OPTIONS = ("on_brand", "too_casual", "too_formal", "rude")


def conversation(number: int) -> dict[str, Any]:
    return {
        "messages": [
            {"role": "user", "content": f"Question number {number}?"},
            {"role": "assistant", "content": f"Answer number {number}."},
        ],
        "properties": {"locale": "en"},
    }


def tone_verdicts(remote, count: int) -> list[str]:
    """What the remote tone judge answers to conversations 0..count-1."""
    tone = next(judge for judge in remote.list_judges() if judge.name == "tone")
    return [remote.live_judge(tone.id, conversation(n))["answer"] for n in range(count)]


def replay_verdicts(remote, count: int) -> list[str]:
    """What the remote tone definition answers inline to the review dataset's records
    of conversations 0..count-1: the verdicts replay's current version gets."""
    tone = next(judge for judge in remote.list_judges() if judge.name == "tone")
    cases = [
        Case(
            "tone",
            f"case-{n}",
            tuple(conversation(n)["messages"]),
            {"locale": "en"},
            "on_brand",
            False,
            "tone.cases.yaml",
            None,
        )
        for n in range(count)
    ]
    records = sync_records(remote, cases)
    assert records is not None
    return [remote.judge_record(records.record_for(c), tone.definition)["answer"] for c in cases]


def other(option: str) -> str:
    return next(value for value in TONE_OPTIONS if value != option)


def write_cases(workdir: Path, expectations: list[str], must_pass: set[int] = frozenset()) -> None:
    cases = [
        {"id": f"case-{n}", **conversation(n), "expect": expect, "must_pass": n in must_pass}
        for n, expect in enumerate(expectations)
    ]
    text = yaml.safe_dump({"judge": "tone", "cases": cases}, sort_keys=False)
    (workdir / "judges" / "tone.cases.yaml").write_text(text)


@pytest.fixture
def applied(workdir, run):
    result = run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    return workdir


def test_test_reports_passed_and_failed_cases_and_says_verdicts_are_emulated(applied, run, remote):
    verdicts = tone_verdicts(remote, 4)
    write_cases(applied, [verdicts[0], verdicts[1], other(verdicts[2]), verdicts[3]])
    result = run("test", "--gate-emulated")
    assert result.exit_code == 0, result.output
    assert "The verdicts are emulated (the target is the judgesync emulator)" in result.output
    assert "tone: no gate failed 3 of 4 case(s) passed (judge id " in result.output
    assert f"  failed: case-2: expected {other(verdicts[2])}, got {verdicts[2]}\n" in result.output
    assert "  accuracy 0.75, Cohen's κ " in result.output
    assert result.output.endswith("Test: 1 of 1 judge(s) ok.\n")


def test_test_says_ok_only_when_every_case_passed(applied, run, remote):
    write_cases(applied, tone_verdicts(remote, 2))
    result = run("test", "--gate-emulated")
    assert result.exit_code == 0, result.output
    assert "tone: ok 2 of 2 case(s) passed (judge id " in result.output


def test_test_exit_rule_is_said_the_same_way_in_help_readme_and_docs(run):
    root = Path(__file__).resolve().parent.parent
    rule = (
        "exit 1 when a must_pass case fails, a request fails, a judge has no remote judge,"
        " or a gate fails (a case that misses its expect without must_pass is reported,"
        " not a failure)"
    )
    help_text = " ".join(run("test", "--help").output.split())
    assert rule in help_text
    for doc in ("README.md", "docs/review.md"):
        text = " ".join((root / doc).read_text().replace("`", "").split())
        assert (
            "exits 1 when a must_pass case fails, a request fails,"
            " a judge with cases has no remote judge" in text
        ), doc
        assert (
            "a case that misses its expect without must_pass is reported, not a failure" in text
        ), doc


def test_test_fails_on_a_failed_must_pass_case(applied, run, remote):
    verdicts = tone_verdicts(remote, 2)
    write_cases(applied, [verdicts[0], other(verdicts[1])], must_pass={1})
    result = run("test", "--gate-emulated")
    assert result.exit_code == 1, result.output
    assert "tone: FAILED 1 of 2 case(s) passed" in result.output
    assert "  must_pass failed: case-1\n" in result.output


@pytest.mark.parametrize("output_format", ["text", "json", "markdown", "github"])
def test_a_failing_test_says_so_on_stderr_in_every_format(applied, run, remote, output_format):
    verdicts = tone_verdicts(remote, 2)
    write_cases(applied, [verdicts[0], other(verdicts[1])], must_pass={1})
    result = run("test", "--format", output_format, "--gate-emulated")
    assert result.exit_code == 1, result.output
    error = "the test fails for tone; see the report, and fix the judges or their cases."
    annotation = f"::error::{error}\n" if output_format == "github" else ""
    cost, *rest = result.stderr.splitlines(keepends=True)
    assert cost.startswith("Cost: 2 judging request(s) (tone: 2), about ")
    assert "".join(rest) == f"Error: {error}\n{annotation}"


@pytest.mark.parametrize(
    ("gates", "exit_code", "failure"),
    [
        ({"min_accuracy": 0.5}, 0, None),
        ({"min_accuracy": 0.6}, 1, "accuracy 0.50 is below min_accuracy 0.6"),
        ({"min_accuracy": 0.4, "judges": {"tone": {"min_accuracy": 0.9}}}, 1, "min_accuracy 0.9"),
        ({"min_kappa": 0.99}, 1, "is below min_kappa 0.99"),
    ],
)
def test_gates_in_judgesync_yaml_decide_the_exit_code(
    applied, run, remote, gates, exit_code, failure
):
    verdicts = tone_verdicts(remote, 4)
    write_cases(applied, [verdicts[0], verdicts[1], other(verdicts[2]), other(verdicts[3])])
    (applied / "judgesync.yaml").write_text(yaml.safe_dump({"gates": gates}))
    result = run("test", "--gate-emulated")
    assert result.exit_code == exit_code, result.output
    if failure is None:
        assert "  gate failed: " not in result.output
    else:
        assert "  gate failed: " in result.output and failure in result.output


def test_a_gate_out_of_range_is_a_config_problem(applied, run):
    (applied / "judgesync.yaml").write_text("gates:\n  min_accuracy: 80\n")
    result = run("test")
    assert result.exit_code == 1
    assert "judgesync.yaml:2: gates.min_accuracy: must be from 0 to 1, got 80" in result.output


def test_a_judge_with_cases_but_no_remote_judge_is_an_error(workdir, run):
    write_cases(workdir, ["on_brand"])
    result = run("test")
    assert result.exit_code == 1
    assert (
        "tone: ERROR no remote judge is named 'tone'; apply its spec first, or leave it out"
        " with --only.\n"
    ) in result.output


def test_only_names_a_judge_with_cases(applied, run):
    result = run("test", "--only", "tnoe")
    assert result.exit_code == 1
    assert result.output.startswith(
        "Error: --only 'tnoe' matches no judge with cases; did you mean 'tone'?"
    )


def test_only_takes_globs_as_plan_and_apply_do(workdir, run):
    """`team-a/*` selects the team's judges with cases and leaves the others untested."""
    for name in ("team-a/tone", "team-b/tone"):
        spec = yaml.safe_load((workdir / "judges" / "tone.yaml").read_text())
        stem = name.replace("/", "-")
        (workdir / "judges" / f"{stem}.yaml").write_text(yaml.safe_dump({**spec, "name": name}))
        cases = [{"id": "case-0", **conversation(0), "expect": "on_brand"}]
        (workdir / "judges" / f"{stem}.cases.yaml").write_text(
            yaml.safe_dump({"judge": name, "cases": cases})
        )
    assert run("apply", "--auto-approve").exit_code == 0

    document = json.loads(run("test", "--only", "team-a/*", "--format", "json").stdout)

    assert [judge["name"] for judge in document["judges"]] == ["team-a/tone"]


def test_repeat_reports_the_noise_floor_in_json(applied, run, remote):
    write_cases(applied, tone_verdicts(remote, 3))
    result = run("test", "--repeat", "3", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["emulated"] is True and document["repeat"] == 3
    (judge,) = document["judges"]
    assert judge["passed"] == 3 and judge["metrics"]["accuracy"] == 1.0
    # The emulator is deterministic: repeats never disagree.
    assert judge["noise_floor"] == {"rate": 0.0, "unstable": [], "cases": 3}


def test_markdown_test_results_carry_the_emulated_note(applied, run, remote):
    write_cases(applied, tone_verdicts(remote, 2))
    result = run("test", "--format", "markdown", "--gate-emulated")
    assert result.exit_code == 0, result.output
    assert "> The verdicts are emulated" in result.output
    assert "| ok | <code>tone</code> | 2 of 2 |" in result.output


def test_github_test_results_are_exactly_the_markdown(applied, run, remote):
    """github is markdown declared once: `test --format github` printed plain text."""
    write_cases(applied, tone_verdicts(remote, 2))
    markdown = run("test", "--format", "markdown")
    github = run("test", "--format", "github")
    assert github.exit_code == markdown.exit_code == 0
    assert github.stdout == markdown.stdout
    assert github.stdout.startswith("<!-- judgesync-test -->\n### judgesync test\n")


def test_judge_prints_the_analysis_and_the_answer(applied, run, remote, tmp_path):
    messages = tmp_path / "chat.json"
    messages.write_text(json.dumps(conversation(0)["messages"]))
    properties = tmp_path / "props.yaml"
    properties.write_text("locale: en\n")
    result = run("judge", "tone", "--messages", str(messages), "--properties", str(properties))
    assert result.exit_code == 0, result.output
    assert result.output.endswith(f"Answer: {tone_verdicts(remote, 1)[0]}\n")
    assert "\nAnalysis: Emulated verdict: no model was called" in result.output


def test_judge_names_an_unknown_judge(applied, run, tmp_path):
    messages = tmp_path / "chat.yaml"
    messages.write_text("- {role: user, content: hi}\n")
    result = run("judge", "tnoe", "--messages", str(messages))
    assert result.exit_code == 1
    assert result.output.startswith("Error: No remote judge is named 'tnoe'; did you mean 'tone'?")


def replayed(run, *args: str) -> dict[str, Any]:
    result = run("plan", "--replay", "--format", "json", *args)
    return {"exit_code": result.exit_code, **json.loads(result.stdout)}


def test_replay_shows_flips_for_an_edited_judge(applied, run, remote):
    write_cases(applied, replay_verdicts(remote, 8))
    spec = applied / "judges" / "tone.yaml"
    spec.write_text(spec.read_text().replace("no sarcasm, ", ""))
    document = replayed(run, "--repeat", "2")
    (tone,) = document["replay"]["judges"]
    assert tone["action"] == "update" and tone["cases"] == 8
    assert tone["flips"], "an instructions edit changes some emulated verdicts"
    assert tone["agreement_before"] == 1.0
    assert tone["agreement_after"] == 1 - len(tone["flips"]) / 8
    assert tone["noise_floor"]["rate"] == 0.0
    assert document["replay"]["emulated"] is True
    assert not [judge for judge in remote.list_judges() if is_shadow(judge.name)]


def test_replay_shows_no_flips_when_verdicts_do_not_depend_on_the_change(applied, run, remote):
    write_cases(applied, replay_verdicts(remote, 8))
    spec = applied / "judges" / "tone.yaml"
    # The emulator's verdict does not read the description.
    spec.write_text(spec.read_text().replace("against the brand voice", "against our voice"))
    document = replayed(run)
    assert document["exit_code"] == 0
    (tone,) = document["replay"]["judges"]
    assert tone["flips"] == [] and tone["kappa_between_versions"] == 1.0
    assert tone["agreement_before"] == tone["agreement_after"] == 1.0


def test_replay_gates_make_plan_exit_1_after_printing_it(applied, run, remote):
    write_cases(applied, replay_verdicts(remote, 8))
    (applied / "judgesync.yaml").write_text(
        "gates: {max_accuracy_drop: 0, on_inconclusive: fail}\n"
    )
    spec = applied / "judges" / "tone.yaml"
    spec.write_text(spec.read_text().replace("no sarcasm, ", ""))
    result = run("plan", "--replay", "--detailed-exitcode", "--gate-emulated")
    assert result.exit_code == 1
    assert "~ update tone (id " in result.output
    assert "gate failed: accuracy drops from 1.00 to " in result.output
    assert result.output.endswith(
        "Error: the replay fails (see above); fix the judges or their cases.\n"
    )


def test_replay_of_a_new_judge_checks_it_against_its_cases(workdir, run):
    write_cases(workdir, ["on_brand", "rude"], must_pass={0, 1})
    document = replayed(run, "--gate-emulated")
    (tone,) = document["replay"]["judges"]
    assert tone["action"] == "create" and tone["flips"] == []
    assert tone["agreement_before"] is None
    # Two different expectations: a verdict can meet one at most, so a must_pass fails.
    assert tone["failed_must_pass"] and document["exit_code"] == 1
    assert document["replay"]["without_cases"] == ["groundedness", "helpfulness", "pii-leak"]


def test_replay_markdown_stays_under_githubs_limit(applied, run, remote):
    write_cases(applied, tone_verdicts(remote, 8))
    spec = applied / "judges" / "tone.yaml"
    spec.write_text(spec.read_text().replace("no sarcasm, ", ""))
    result = run("plan", "--replay", "--format", "markdown")
    assert "### Replay: what the changes do to verdicts" in result.output
    assert "<details><summary>Replay of <code>tone</code></summary>" in result.output
    assert len(result.output) < 65_536


def test_repeat_needs_replay(workdir, run):
    result = run("plan", "--repeat", "3")
    assert result.exit_code == 1
    assert result.output == (
        "Error: --repeat applies to --replay only; add --replay, or drop --repeat.\n"
    )


def test_judge_refuses_a_messages_file_that_is_not_a_list_of_messages(applied, run, tmp_path):
    messages = tmp_path / "chat.yaml"
    messages.write_text("role: user\ncontent: hi\n")
    result = run("judge", "tone", "--messages", str(messages))
    assert result.exit_code == 1
    assert result.output == (
        f"{messages}: must hold a non-empty list of messages, each a mapping with 'role' and"
        " 'content', e.g. [{role: user, content: Hi}]\n"
        "1 problem(s) in the conversation files; nothing was sent to the API.\n"
    )


def test_a_regression_judge_reports_mae_spearman_and_the_share_within_range(applied, run, remote):
    helpfulness = next(judge for judge in remote.list_judges() if judge.name == "helpfulness")
    scores = [remote.live_judge(helpfulness.id, conversation(n))["answer"] for n in range(3)]
    cases = [
        {"id": "inside", **conversation(0), "expect": {"min": 1, "max": 5}},
        {"id": "exact", **conversation(1), "expect": scores[1]},
        {"id": "off", **conversation(2), "expect": scores[2] + 1 if scores[2] < 4 else 1},
    ]
    text = yaml.safe_dump({"judge": "helpfulness", "cases": cases}, sort_keys=False)
    (applied / "judges" / "helpfulness.cases.yaml").write_text(text)
    document = json.loads(run("test", "--only", "helpfulness", "--format", "json").stdout)
    (judge,) = document["judges"]
    assert judge["passed"] == 2
    assert judge["metrics"]["within_range"] == pytest.approx(2 / 3)
    off = abs(cases[2]["expect"] - scores[2])
    assert judge["metrics"]["mae"] == pytest.approx(off / 3)


@pytest.mark.parametrize("command", [("test",), ("plan", "--replay")])
def test_a_run_lists_the_workspace_once(applied, run, remote, monkeypatch, command):
    """The shadow sweep reuses the listing the plan or the tests read."""
    write_cases(applied, tone_verdicts(remote, 2))
    listings = []
    list_judges = JudgesClient.list_judges

    def counted(client: JudgesClient) -> list[Judge]:
        listings.append(client)
        return list_judges(client)

    monkeypatch.setattr(JudgesClient, "list_judges", counted)
    result = run(*command)
    assert result.exit_code == 0, result.output
    assert len(listings) == 1


def test_judge_refuses_a_role_the_api_does_not_know(applied, run, tmp_path):
    messages = tmp_path / "chat.yaml"
    messages.write_text("- {role: usr, content: hi}\n- {role: assistant, content: hello}\n")
    result = run("judge", "tone", "--messages", str(messages))
    assert result.exit_code == 1
    assert result.output == (
        f"{messages}: messages[0].role: 'usr' is not a role; did you mean 'user'? use one of"
        " system, user, assistant, tool\n"
        "1 problem(s) in the conversation files; nothing was sent to the API.\n"
    )


def test_judge_refuses_a_conversation_without_the_properties_the_instructions_read(
    applied, run, tmp_path
):
    messages = tmp_path / "chat.yaml"
    messages.write_text("- {role: user, content: hi}\n- {role: assistant, content: hello}\n")
    result = run("judge", "tone", "--messages", str(messages))
    assert result.exit_code == 1
    assert result.output == (
        "Error: The instructions of 'tone' read properties.locale, which the conversation"
        " does not set (it would render as empty text); pass them with --properties FILE.\n"
    )


def test_the_readme_judge_example_runs_with_the_shipped_files(applied, run):
    examples = Path(__file__).resolve().parent.parent / "examples"
    result = run(
        "judge",
        "tone",
        "--messages",
        str(examples / "chat.yaml"),
        "--properties",
        str(examples / "properties.yaml"),
    )
    assert result.exit_code == 0, result.output
    assert "\nAnswer: " in result.output
