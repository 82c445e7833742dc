"""`plan --out` / `apply --plan` / `show` through the real CLI against the emulator."""

from __future__ import annotations

import json
import os
import re
import shutil

import pytest
from click.testing import CliRunner

from judgesync.cli import cli
from judgesync.plan import signature
from judgesync.plan.normalize import canonical
from judgesync.specs.yamlio import dump
from tests.builders import definition
from tests.processes import hermetic_env, start_cli

# Every saved-plan check, in both revision modes: a plan records ids and revisions.
pytestmark = pytest.mark.usefixtures("revisions")


@pytest.fixture
def saved_update(workdir, run, remote):
    """The shipped judges applied, then a saved plan updating `tone`."""
    assert run("apply", "--auto-approve").exit_code == 0
    spec = workdir / "judges" / "tone.yaml"
    spec.write_text(spec.read_text().replace("no sarcasm, ", ""))
    result = run("plan", "--out", "plan.json")
    assert result.exit_code == 0, result.output
    return workdir / "plan.json"


def snapshot(remote):
    return sorted((j.id, j.updated_at) for j in remote.list_judges())


def judge_named(remote, name):
    return next(j for j in remote.list_judges() if j.name == name)


def test_saved_plan_records_target_version_and_preconditions_but_not_the_key(
    saved_update, api_key, emulator
):
    document = json.loads(saved_update.read_text())
    assert document["format_version"] == 2
    assert re.fullmatch(r"hmac-sha256:[0-9a-f]{64}", document["signature"])
    assert re.fullmatch(r"[0-9a-f]{12}", document["key_fingerprint"])
    assert document["target"] == emulator.url
    assert document["specs_hash"].startswith("sha256:")
    (action,) = document["actions"]
    assert action["action"] == "update" and action["name"] == "tone"
    assert set(action["precondition"]) >= {"judge_id", "updated_at", "content_hash"}
    assert api_key not in saved_update.read_text()


def test_apply_of_a_fresh_saved_plan_executes_it(saved_update, run, remote):
    result = run("apply", "--plan", str(saved_update), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "no sarcasm" not in judge_named(remote, "tone").instructions
    assert run("plan", "--detailed-exitcode").exit_code == 0


def test_saved_plan_still_applies_after_an_unrelated_remote_change(saved_update, run, remote):
    other = judge_named(remote, "helpfulness")
    remote.update_judge(other.id, other.definition.model_copy(update={"description": "edited"}))
    result = run("apply", "--plan", str(saved_update), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert judge_named(remote, "helpfulness").description == "edited"


def test_stale_plan_is_refused_when_the_judge_changed(saved_update, run, remote):
    tone = judge_named(remote, "tone")
    remote.update_judge(tone.id, tone.definition.model_copy(update={"description": "theirs"}))
    before = snapshot(remote)

    result = run("apply", "--plan", str(saved_update), "--auto-approve")

    assert result.exit_code == 1
    assert "The saved plan is stale; nothing was changed." in result.output
    assert "  tone: judge " in result.output
    assert "Run plan again" in result.output
    assert snapshot(remote) == before


def test_stale_plan_is_refused_when_the_judge_was_deleted(saved_update, run, remote):
    remote.delete_judge(judge_named(remote, "tone").id)
    before = snapshot(remote)
    result = run("apply", "--plan", str(saved_update), "--auto-approve")
    assert result.exit_code == 1
    assert "was deleted or revised since the plan" in result.output
    assert snapshot(remote) == before


def test_stale_plan_is_refused_when_a_create_finds_its_name_taken(workdir, run, remote):
    assert run("plan", "--out", "plan.json").exit_code == 0
    remote.create_judge(definition("tone"))
    before = snapshot(remote)
    result = run("apply", "--plan", "plan.json", "--auto-approve")
    assert result.exit_code == 1
    assert "tone: a judge with this name was created since the plan" in result.output
    assert snapshot(remote) == before


def test_plan_for_another_target_is_refused(saved_update, run, remote):
    before = snapshot(remote)
    result = run("apply", "--plan", str(saved_update), "--auto-approve", "--api-url", "local")
    assert result.exit_code == 1
    assert "The plan was made against http://127.0.0.1:" in result.output
    assert snapshot(remote) == before


def test_plan_from_an_incompatible_version_is_refused(saved_update, run, remote):
    document = json.loads(saved_update.read_text())
    document["format_version"] = 99
    saved_update.write_text(json.dumps(document))
    result = run("apply", "--plan", str(saved_update), "--auto-approve")
    assert result.exit_code == 1
    assert "format_version 99 is not 2" in result.output


def test_a_plan_of_the_unsigned_format_is_refused_as_made_by_an_earlier_judgesync(
    saved_update, run
):
    document = json.loads(saved_update.read_text())
    document["format_version"] = 1
    saved_update.write_text(json.dumps(document))
    result = run("apply", "--plan", str(saved_update), "--auto-approve")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {saved_update}: plan format_version 1 was made by an earlier judgesync"
        " (this one reads 2, signed plans); run plan again.\n"
    )


def test_tampered_plan_is_refused(saved_update, run):
    document = json.loads(saved_update.read_text())
    document["actions"][0]["precondition"]["updated_at"] = "2000-01-01T00:00:00Z"
    saved_update.write_text(json.dumps(document))
    result = run("apply", "--plan", str(saved_update), "--auto-approve")
    assert result.exit_code == 1
    assert "the plan was altered after plan wrote it" in result.output


def test_show_renders_a_saved_plan_offline(saved_update, remote):
    result = CliRunner().invoke(cli, ["show", str(saved_update)])
    assert result.exit_code == 0, result.output
    assert "~ update tone (id " in result.output
    assert "Plan: 0 to create, 1 to update, 0 to delete." in result.output

    as_json = CliRunner().invoke(cli, ["show", str(saved_update), "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    document = json.loads(as_json.stdout)
    (action,) = [a for a in document["actions"] if a["action"] == "update"]
    assert canonical(definition("x")).keys() == action["desired"].keys()


def test_plan_for_another_key_at_the_same_url_is_refused(saved_update, remote, monkeypatch):
    monkeypatch.setenv("MISTRAL_API_KEY", "another-workspace-key")
    before = snapshot(remote)
    result = CliRunner().invoke(
        cli, ["apply", "--plan", str(saved_update), "--auto-approve", "--api-url", remote.base_url]
    )
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {saved_update}: the plan was not signed with this target's API key (or was"
        " altered since); nothing was changed. Apply it with the key it was made with, or run"
        " plan again.\n"
    )
    assert snapshot(remote) == before


def test_stale_plan_is_refused_when_a_renames_new_name_was_taken(workdir, run, remote):
    old = remote.create_judge(definition("old-name"))
    spec = definition("new-name").model_dump(mode="json") | {"previous_names": ["old-name"]}
    shutil.rmtree(workdir / "judges")
    (workdir / "judges").mkdir()
    (workdir / "judges" / "new.yaml").write_text(dump(spec))
    assert run("plan", "--out", "plan.json").exit_code == 0
    remote.create_judge(definition("new-name", description="someone else's"))
    before = snapshot(remote)

    result = run("apply", "--plan", "plan.json", "--auto-approve")

    assert result.exit_code == 1
    assert "new-name: the new name was taken since the plan" in result.output
    assert snapshot(remote) == before
    assert judge_named(remote, "old-name").id == old.id


def test_a_saved_plan_that_deletes_a_now_protected_judge_is_refused(workdir, run, remote):
    assert run("apply", "--auto-approve").exit_code == 0
    remote.create_judge(definition("critical-legacy"))
    assert run("plan", "--prune", "--out", "plan.json").exit_code == 0
    (workdir / "judgesync.yaml").write_text('protect: ["critical-*"]\n')
    before = snapshot(remote)
    result = run("apply", "--plan", "plan.json", "--auto-approve")
    assert result.exit_code == 1
    assert "would delete protected judge(s) 'critical-legacy'; nothing was changed" in (
        result.output
    )
    assert snapshot(remote) == before


def test_a_plan_file_with_a_malformed_action_is_refused_without_a_traceback(
    saved_update, run, api_key
):
    document = json.loads(saved_update.read_text())
    document["actions"][0]["remote"] = None
    # Signed again with the key: the damage is found behind a valid signature.
    saved_update.write_text(json.dumps(signature.signed(document, api_key)))
    result = run("apply", "--plan", str(saved_update), "--auto-approve")
    assert result.exit_code == 1
    assert "the plan file is damaged" in result.output
    assert "Traceback" not in result.output


def test_an_unwritable_plan_path_is_one_line_of_error(workdir, run):
    result = run("plan", "--out", str(workdir / "missing" / "dir" / "plan.json"))
    assert result.exit_code == 1
    assert result.output.strip().endswith("cannot write the plan file (No such file or directory).")


def test_saved_plan_records_a_hash_per_spec_file_and_prompt_read(saved_update, workdir):
    document = json.loads(saved_update.read_text())
    specs = sorted(
        path.relative_to(workdir / "judges").as_posix()
        for path in (workdir / "judges").glob("*.yaml")
        if not path.name.endswith(".cases.yaml")
    )
    assert sorted(document["spec_files"]) == sorted([*specs, "prompts/groundedness.md"])
    assert all(value.startswith("sha256:") for value in document["spec_files"].values())


def test_a_saved_plan_is_refused_when_the_spec_files_changed_since(saved_update, run, remote):
    # From judgesync.yaml the spec directory is absolute; it is shown relative.
    (saved_update.parent / "judgesync.yaml").write_text("specs: judges\n")
    judges = saved_update.parent / "judges"
    (judges / "prompts" / "groundedness.md").write_text("edited after review\n")
    (judges / "tone.yaml").unlink()
    (judges / "new.yaml").write_text("name: new\n")
    before = snapshot(remote)

    result = run("apply", "--plan", str(saved_update), "--auto-approve")

    assert result.exit_code == 1
    assert result.output == (
        "Error: The files the plan was made from differ now; nothing was changed.\n"
        "  judgesync.yaml: added since the plan\n"
        "  judges/new.yaml: added since the plan\n"
        "  judges/prompts/groundedness.md: changed since the plan\n"
        "  judges/tone.yaml: removed since the plan\n"
        "Apply the plan from the checkout it was made in, or run plan again to review"
        " these files.\n"
    )
    assert snapshot(remote) == before


def test_a_saved_plan_without_a_directory_is_checked_against_the_one_it_was_made_from(
    workdir, run, remote
):
    shutil.move(workdir / "judges", workdir / "want")
    assert run("plan", "want", "--out", "plan.json").exit_code == 0
    assert json.loads((workdir / "plan.json").read_text())["spec_directory"] == "want"

    applied = run("apply", "--plan", "plan.json", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert len(remote.list_judges()) == 4


def test_a_saved_plan_records_its_directory_relative_to_the_repository_root(
    workdir, run, remote, monkeypatch
):
    (workdir / "judgesync.yaml").write_text("specs: judges\n")
    assert run("plan", "--out", "plan.json").exit_code == 0
    assert json.loads((workdir / "plan.json").read_text())["spec_directory"] == "judges"
    # From a subfolder, judgesync.yaml's folder is still the root the path is relative to.
    (workdir / "sub").mkdir()
    monkeypatch.chdir(workdir / "sub")
    applied = run("apply", "--plan", "../plan.json", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert len(remote.list_judges()) == 4


def test_a_refused_saved_plan_names_the_directory_it_compared(workdir, run, remote):
    shutil.copytree(workdir / "judges", workdir / "want")
    assert run("plan", "want", "--out", "plan.json").exit_code == 0
    (workdir / "judges" / "tone.yaml").unlink()

    refused = run("apply", "judges", "--plan", "plan.json", "--auto-approve")
    assert refused.exit_code == 1
    assert "  judges/tone.yaml: removed since the plan\n" in refused.output
    assert (
        f"  (compared the spec directory judges; the plan was made from want, relative to"
        f" {workdir.resolve()})\n" in refused.output
    )
    assert remote.list_judges() == []


@pytest.fixture
def outside_prompt(workdir):
    """judgesync.yaml, and `groundedness` reading its prompt from outside the spec directory."""
    (workdir / "judgesync.yaml").write_text("specs: judges\n")
    (workdir / "prompts").mkdir()
    shutil.move(workdir / "judges" / "prompts" / "groundedness.md", workdir / "prompts")
    spec = workdir / "judges" / "groundedness.yaml"
    spec.write_text(
        spec.read_text().replace("prompts/groundedness.md", "../prompts/groundedness.md")
    )
    (workdir / "unrelated.md").write_text("not read by any spec\n")
    return workdir


def test_a_saved_plan_records_judgesync_yaml_and_prompts_outside_the_spec_directory(
    outside_prompt, run
):
    assert run("plan", "--out", "plan.json").exit_code == 0
    recorded = json.loads((outside_prompt / "plan.json").read_text())["spec_files"]
    inside = sorted(
        path.relative_to(outside_prompt / "judges").as_posix()
        for path in (outside_prompt / "judges").glob("*.yaml")
        if not path.name.endswith(".cases.yaml")
    )
    read = ["../judgesync.yaml", "../prompts/groundedness.md"]
    assert sorted(recorded) == sorted([*inside, *read])


@pytest.mark.parametrize(
    ("edit", "line"),
    [
        (
            lambda root: (root / "judgesync.yaml").write_text("specs: judges\nprotect: [tone]\n"),
            "  judgesync.yaml: changed since the plan\n",
        ),
        (
            lambda root: (root / "judgesync.yaml").unlink(),
            "  judgesync.yaml: removed since the plan\n",
        ),
        (
            lambda root: (root / "prompts" / "groundedness.md").write_text("{{ user_message }}\n"),
            "  prompts/groundedness.md: changed since the plan\n",
        ),
        (
            lambda root: (root / "prompts" / "groundedness.md").unlink(),
            "  prompts/groundedness.md: removed since the plan\n",
        ),
    ],
    ids=["config-changed", "config-removed", "prompt-changed", "prompt-removed"],
)
def test_a_saved_plan_is_refused_when_a_file_outside_the_spec_directory_changed(
    outside_prompt, run, remote, edit, line
):
    assert run("plan", "--out", "plan.json").exit_code == 0
    edit(outside_prompt)
    (outside_prompt / "unrelated.md").write_text("edited: no spec reads it\n")

    result = run("apply", "--plan", "plan.json", "--auto-approve")

    assert result.exit_code == 1
    assert result.output == (
        "Error: The files the plan was made from differ now; nothing was changed.\n"
        f"{line}"
        "Apply the plan from the checkout it was made in, or run plan again to review"
        " these files.\n"
    )
    assert remote.list_judges() == []


def test_a_saved_plan_applies_when_only_unread_files_outside_the_specs_changed(
    outside_prompt, run, remote
):
    assert run("plan", "--out", "plan.json").exit_code == 0
    (outside_prompt / "unrelated.md").write_text("edited: no spec reads it\n")
    (outside_prompt / "prompts" / "unread.md").write_text("nor this\n")
    result = run("apply", "--plan", "plan.json", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert len(remote.list_judges()) == 4


@pytest.mark.parametrize("flag", ["--prune", "--allow-empty"])
def test_a_saved_plan_refuses_flags_that_would_decide_again(saved_update, run, remote, flag):
    before = snapshot(remote)
    result = run("apply", "--plan", str(saved_update), "--auto-approve", flag)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {flag} does not apply with --plan: the saved plan already decided what to"
        f" delete. Drop {flag}, or run plan again with it.\n"
    )
    assert snapshot(remote) == before


def test_a_saved_plan_refuses_a_target_other_than_its_own(saved_update, workdir, emulator):
    (workdir / "judgesync.yaml").write_text(
        f"targets:\n  prod:\n    api_url: {emulator.url}\n    api_key_env: MISTRAL_API_KEY\n"
    )
    result = CliRunner().invoke(
        cli, ["apply", "--plan", str(saved_update), "--auto-approve", "--target", "prod"]
    )
    assert result.exit_code == 1
    assert result.output == (
        "Error: The plan was made without --target, not for target 'prod'; apply it"
        " without --target, or plan again for this target.\n"
    )


def test_a_plan_for_a_named_target_is_refused_for_another_name_at_the_same_url_and_key(
    workdir, emulator, remote, api_key, monkeypatch
):
    monkeypatch.setenv("MISTRAL_API_KEY", api_key)
    target = f"    api_url: {emulator.url}\n    api_key_env: MISTRAL_API_KEY\n"
    (workdir / "judgesync.yaml").write_text(f"targets:\n  stg:\n{target}  prod:\n{target}")
    planned = CliRunner().invoke(cli, ["plan", "--target", "stg", "--out", "plan.json"])
    assert planned.exit_code == 0, planned.output
    before = snapshot(remote)
    for other in (["--target", "prod"], ["--api-url", emulator.url]):
        result = CliRunner().invoke(cli, ["apply", "--plan", "plan.json", "--auto-approve", *other])
        assert result.exit_code == 1
        assert result.output == (
            "Error: The plan was made for target 'stg'; pass --target stg, or plan again"
            " for this target.\n"
        )
    assert snapshot(remote) == before


def test_show_of_a_named_pipe_is_refused_at_once_rather_than_waiting(tmp_path):
    """The plan file goes through the one text reader: a FIFO is refused, never read."""
    fifo = tmp_path / "plan.json"
    os.mkfifo(fifo)
    process = start_cli("show", str(fifo), cwd=tmp_path, env=hermetic_env())
    try:
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 1
    assert out == ""
    assert err == (
        f"Error: {fifo}: cannot read the plan file (the path is a named pipe (FIFO), not a"
        " regular file; use a regular file instead).\n"
    )


@pytest.mark.parametrize("content", ["{}", '{"format_version": null}', "[]"])
def test_show_of_a_file_that_is_no_plan_says_so_in_one_line(workdir, content):
    (workdir / "plan.json").write_text(content)
    result = CliRunner().invoke(cli, ["show", "plan.json"])
    assert result.exit_code == 1
    assert result.output == (
        "Error: plan.json: this is not a judgesync plan file (plan --out writes one; the"
        " output of plan --format json is not one).\n"
    )


def test_show_and_plan_json_name_the_target_as_the_plan_file_does(saved_update, run, emulator):
    saved = json.loads(saved_update.read_text())
    shown = json.loads(run("show", str(saved_update), "--format", "json").stdout)
    planned = json.loads(run("plan", "--format", "json").stdout)
    for document in (shown, planned):
        assert document["target"] == saved["target"] == emulator.url
        assert document["target_name"] is saved["target_name"] is None
        assert document["target_label"] == saved["target_label"]
