"""`breaking_changes: require_ack` through the real CLI against the emulator."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from judgesync.cli import cli

RUDE = "    - value: rude\n      description: Dismissive, sarcastic or blaming the customer.\n"
TO_ADD = re.compile(
    r"Required \(breaking_changes: require_ack\): add to the spec:"
    r" acknowledge_breaking: ([0-9a-f]{12})\n"
)


@pytest.fixture
def breaking(workdir, run):
    """The shipped judges applied; then, under require_ack, `tone` loses an option."""
    assert run("apply", "--auto-approve").exit_code == 0
    (workdir / "judgesync.yaml").write_text("breaking_changes: require_ack\n")
    spec = workdir / "judges" / "tone.yaml"
    spec.write_text(spec.read_text().replace(RUDE, ""))
    return spec


def options_of_tone(remote) -> list[str]:
    tone = next(judge for judge in remote.list_judges() if judge.name == "tone")
    return [option.value for option in tone.output.options]


def acknowledge(spec, run) -> str:
    [fingerprint] = TO_ADD.findall(run("plan").stdout)
    spec.write_text(spec.read_text() + f"acknowledge_breaking: {fingerprint}\n")
    return fingerprint


def test_plan_shows_the_major_change_and_warns_that_apply_will_refuse_it(breaking, run):
    result = run("plan", "--detailed-exitcode")
    assert result.exit_code == 2, result.output
    assert "    change class: major\n      The option 'rude' is removed" in result.stdout
    [fingerprint] = TO_ADD.findall(result.stdout)
    assert "1 breaking change: scores before and after this change are not comparable." in (
        result.stdout
    )
    assert result.stderr.startswith("Warning: apply will refuse this plan:")
    assert f"To accept it, add to its spec: acknowledge_breaking: {fingerprint}" in result.stderr


@pytest.mark.parametrize("saved", [False, True], ids=["fresh", "saved plan"])
def test_apply_refuses_an_unacknowledged_breaking_change_and_changes_nothing(
    breaking, run, remote, saved
):
    before = sorted((judge.id, judge.updated_at) for judge in remote.list_judges())
    if saved:
        assert run("plan", "--out", "plan.json").exit_code == 0
        result = run("apply", "--plan", "plan.json", "--auto-approve")
    else:
        result = run("apply", "--auto-approve")
    assert result.exit_code == 1
    assert "The plan makes breaking changes that their specs do not acknowledge" in result.output
    assert "nothing was changed" in result.output
    assert "  tone: The option 'rude' is removed" in result.output
    assert re.search(r"add to its spec: acknowledge_breaking: [0-9a-f]{12}\n", result.output)
    assert sorted((judge.id, judge.updated_at) for judge in remote.list_judges()) == before


@pytest.mark.parametrize("saved", [False, True], ids=["fresh", "saved plan"])
def test_apply_accepts_the_change_its_spec_acknowledges(breaking, run, remote, saved):
    acknowledge(breaking, run)
    if saved:
        assert run("plan", "--out", "plan.json").exit_code == 0
        result = run("apply", "--plan", "plan.json", "--auto-approve")
    else:
        result = run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "      Acknowledged in the spec: acknowledge_breaking: " in result.output
    assert "rude" not in options_of_tone(remote)


def test_the_ack_covers_that_change_only_and_is_stale_once_applied(breaking, run, remote):
    fingerprint = acknowledge(breaking, run)
    assert run("apply", "--auto-approve").exit_code == 0
    after = run("plan", "--detailed-exitcode")
    assert after.exit_code == 0, after.output
    assert after.stderr == (
        f"Note: the spec of 'tone' acknowledges a breaking change (acknowledge_breaking:"
        f" {fingerprint}) that this plan does not make; once it is applied on every target,"
        " remove the line.\n"
    )
    # The next breaking change is another one: the ack left in the spec does not cover it.
    text = breaking.read_text()
    breaking.write_text(text.replace("mistral-small-latest", "mistral-large-latest"))
    refused = run("apply", "--auto-approve")
    assert refused.exit_code == 1
    assert f"Its acknowledge_breaking ({fingerprint}) is for another change." in refused.output
    assert "The model changes from 'mistral-small-latest'" in refused.output


def test_without_require_ack_a_breaking_change_is_shown_and_applied(breaking, run, remote):
    (breaking.parent.parent / "judgesync.yaml").unlink()
    result = run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "change class: major" in result.output
    # The line is offered, not demanded: warn applies the change without it.
    assert "Optional (breaking_changes: warn): to acknowledge it, add to the spec:" in (
        result.output
    )
    assert not TO_ADD.search(result.output)
    assert "rude" not in options_of_tone(remote)


def test_show_of_a_saved_plan_says_when_the_acknowledgement_is_needed(breaking, run):
    assert run("plan", "--out", "plan.json").exit_code == 0
    shown = run("show", "plan.json")
    assert shown.exit_code == 0, shown.output
    assert "To acknowledge it (required under breaking_changes: require_ack), add to" in (
        shown.stdout
    )


def test_an_ack_that_is_not_a_fingerprint_is_a_spec_problem(breaking, run):
    breaking.write_text(breaking.read_text() + "acknowledge_breaking: yes please\n")
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "judges/tone.yaml:29: acknowledge_breaking: 'yes please' is not a fingerprint of 12 hex"
        " digits; copy the one `judgesync plan` prints for the breaking change\n"
    )


def test_breaking_changes_is_warn_or_require_ack(workdir):
    (workdir / "judgesync.yaml").write_text("breaking_changes: require-ack\n")
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "judgesync.yaml:1: breaking_changes: must be 'warn' or 'require_ack',"
        " got text ('require-ack')"
    )
