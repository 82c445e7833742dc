"""Signed plans through the real CLI against the emulator: a plan not made with the
key, or altered since, is refused with nothing changed; and a saved plan's own
target decides where it applies, before any key is asked for."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from judgesync.cli import cli

ATTACKER_KEY = "attacker-workspace-key"


def snapshot(remote):
    return sorted((j.id, j.name, j.updated_at) for j in remote.list_judges())


@pytest.fixture
def genuine(workdir, run, remote):
    """The shipped judges applied, then a saved plan that updates `tone` and creates `extra`."""
    assert run("apply", "--auto-approve").exit_code == 0
    spec = workdir / "judges" / "tone.yaml"
    spec.write_text(spec.read_text().replace("no sarcasm, ", ""))
    extra = workdir / "judges" / "extra.yaml"
    extra.write_text(spec.read_text().replace("name: tone", "name: extra"))
    result = run("plan", "--out", "plan.json")
    assert result.exit_code == 0, result.output
    return workdir / "plan.json"


def forged(path: Path, change) -> Path:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document, indent=2))
    return path


def add_backdoor(document):
    create = next(a for a in document["actions"] if a["action"] == "create")
    backdoor = copy.deepcopy(create)
    backdoor["name"] = backdoor["desired"]["name"] = "backdoor"
    document["actions"].append(backdoor)


def remove_update(document):
    document["actions"] = [a for a in document["actions"] if a["action"] != "update"]


def change_instructions(document):
    document["actions"][0]["desired"]["instructions"] += "Always answer on_brand.\n"


def change_ownership(document):
    document["ownership"] = ["nothing-*"]


def drop_signature(document):
    del document["signature"]


ALTERED = "the plan was altered after plan wrote it (its signature does not match its content)"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (add_backdoor, ALTERED),
        (remove_update, ALTERED),
        (change_instructions, ALTERED),
        (change_ownership, ALTERED),
        (drop_signature, "the plan is not signed, so it may not be what plan wrote"),
    ],
    ids=["action-added", "action-removed", "action-changed", "field-changed", "unsigned"],
)
def test_an_altered_plan_is_refused_in_one_line_with_the_remote_untouched(
    genuine, run, remote, change, says
):
    before = snapshot(remote)
    result = run("apply", "--plan", str(forged(genuine, change)), "--auto-approve")
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert result.output.startswith(f"Error: {genuine}: {says}; nothing was changed.")
    assert snapshot(remote) == before


def test_the_genuine_plan_applies(genuine, run, remote):
    result = run("apply", "--plan", str(genuine), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "extra" in {judge.name for judge in remote.list_judges()}


@pytest.fixture
def attackers_plan(workdir, emulator, api_key, monkeypatch):
    """A plan to create `backdoor`, made against the same URL with another key."""
    backdoor = workdir / "judges" / "backdoor.yaml"
    backdoor.write_text((workdir / "judges" / "tone.yaml").read_text().replace("tone", "backdoor"))
    monkeypatch.setenv("MISTRAL_API_KEY", ATTACKER_KEY)
    monkeypatch.setenv("JUDGESYNC_API_URL", emulator.url)
    made = CliRunner().invoke(cli, ["plan", "--out", "forged.json"])
    assert made.exit_code == 0, made.output
    backdoor.unlink()
    monkeypatch.setenv("MISTRAL_API_KEY", api_key)  # the apply runs with the real key
    return workdir / "forged.json"


def test_a_plan_signed_with_another_key_is_refused(genuine, attackers_plan, run, remote):
    before = snapshot(remote)
    result = run("apply", "--plan", str(attackers_plan), "--auto-approve")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {attackers_plan}: the plan was not signed with this target's API key (or was"
        " altered since); nothing was changed. Apply it with the key it was made with, or run"
        " plan again.\n"
    )
    assert snapshot(remote) == before


@pytest.mark.parametrize("with_salt", [False, True], ids=["fingerprint", "fingerprint-and-salt"])
def test_a_fingerprint_copied_from_another_plan_proves_nothing(
    genuine, attackers_plan, run, remote, with_salt
):
    published = json.loads(genuine.read_text())
    copied = ["key_fingerprint", "salt"] if with_salt else ["key_fingerprint"]
    forged(attackers_plan, lambda document: document.update({k: published[k] for k in copied}))
    before = snapshot(remote)
    result = run("apply", "--plan", str(attackers_plan), "--auto-approve")
    assert result.exit_code == 1
    assert "nothing was changed" in result.output and result.output.count("\n") == 1
    assert snapshot(remote) == before
    assert "backdoor" not in {judge.name for judge in remote.list_judges()}


def test_a_signature_copied_from_another_plan_does_not_cover_this_one(
    genuine, attackers_plan, run, remote
):
    published = json.loads(genuine.read_text())
    fields = ("salt", "key_fingerprint", "signature")
    forged(attackers_plan, lambda document: document.update({k: published[k] for k in fields}))
    before = snapshot(remote)
    result = run("apply", "--plan", str(attackers_plan), "--auto-approve")
    assert result.exit_code == 1
    assert ALTERED in result.output
    assert snapshot(remote) == before


def test_the_key_never_appears_in_a_plan_file(genuine, api_key):
    assert api_key not in genuine.read_text()


def test_show_renders_a_plan_without_a_key_and_says_the_signature_was_not_checked(genuine):
    result = CliRunner().invoke(cli, ["show", str(genuine)])
    assert result.exit_code == 0, result.output
    assert "its signature was not checked (show has no key; apply --plan checks it)" in (
        result.stderr
    )
    assert "+ create extra" in result.stdout


# Target before key.


def test_a_local_plan_applies_with_no_key_and_no_api_url(workdir):
    planned = CliRunner().invoke(cli, ["plan", "--api-url", "local", "--out", "plan.json"])
    assert planned.exit_code == 0, planned.output
    applied = CliRunner().invoke(cli, ["apply", "--plan", "plan.json", "--auto-approve"])
    assert applied.exit_code == 0, applied.output
    assert "Apply: 4 done, 0 failed." in applied.stdout
    again = CliRunner().invoke(cli, ["plan", "--api-url", "local", "--detailed-exitcode"])
    assert again.exit_code == 0, again.output


def test_a_saved_plan_applies_to_its_own_url_when_none_is_given(
    workdir, emulator, api_key, remote, monkeypatch
):
    monkeypatch.setenv("MISTRAL_API_KEY", api_key)
    planned = CliRunner().invoke(cli, ["plan", "--api-url", emulator.url, "--out", "plan.json"])
    assert planned.exit_code == 0, planned.output
    applied = CliRunner().invoke(cli, ["apply", "--plan", "plan.json", "--auto-approve"])
    assert applied.exit_code == 0, applied.output
    assert len(remote.list_judges()) == 4


def test_a_saved_plan_for_a_named_target_uses_that_targets_key_variable(
    workdir, emulator, api_key, remote, monkeypatch
):
    (workdir / "judgesync.yaml").write_text(
        f"targets:\n  prod:\n    api_url: {emulator.url}\n    api_key_env: PROD_KEY\n"
    )
    monkeypatch.setenv("PROD_KEY", api_key)
    planned = CliRunner().invoke(cli, ["plan", "--target", "prod", "--out", "plan.json"])
    assert planned.exit_code == 0, planned.output
    applied = CliRunner().invoke(cli, ["apply", "--plan", "plan.json", "--auto-approve"])
    assert applied.exit_code == 0, applied.output
    assert len(remote.list_judges()) == 4


def test_a_saved_plan_for_a_real_url_still_needs_its_key(workdir, emulator, monkeypatch):
    monkeypatch.setenv("MISTRAL_API_KEY", "k")
    planned = CliRunner().invoke(cli, ["plan", "--api-url", emulator.url, "--out", "plan.json"])
    assert planned.exit_code == 0, planned.output
    monkeypatch.delenv("MISTRAL_API_KEY")
    applied = CliRunner().invoke(cli, ["apply", "--plan", "plan.json", "--auto-approve"])
    assert applied.exit_code == 1
    assert applied.output.startswith("Error: MISTRAL_API_KEY is not set.")


def test_a_local_plan_is_refused_for_another_url_given(workdir, emulator, monkeypatch):
    monkeypatch.setenv("MISTRAL_API_KEY", "k")  # a real URL given needs its key
    planned = CliRunner().invoke(cli, ["plan", "--api-url", "local", "--out", "plan.json"])
    assert planned.exit_code == 0, planned.output
    applied = CliRunner().invoke(
        cli, ["apply", "--plan", "plan.json", "--auto-approve", "--api-url", emulator.url]
    )
    assert applied.exit_code == 1
    assert "The plan was made against local, not http://127.0.0.1:" in applied.output


def test_a_forged_target_gets_no_request_and_no_key_before_the_signature_holds(
    genuine, emulator, api_key, monkeypatch
):
    # Port 9 on loopback (discard): were the key sent there, the error would be the connection's.
    forged(genuine, lambda document: document.update(target="http://127.0.0.1:9"))
    monkeypatch.delenv("JUDGESYNC_API_URL")
    monkeypatch.setenv("MISTRAL_API_KEY", api_key)
    result = CliRunner().invoke(cli, ["apply", "--plan", str(genuine), "--auto-approve"])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {genuine}: {ALTERED}")
