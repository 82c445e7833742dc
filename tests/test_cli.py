"""The real CLI (click's runner, and the installed script) against the emulator."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from judgesync.cli import cli
from tests.builders import definition
from tests.processes import hermetic_env
from tests.test_loader import BROKEN, BROKEN_CASES

REPO = Path(__file__).resolve().parent.parent
SHIPPED_JUDGES = REPO / "judges"


def test_validate_accepts_the_shipped_judges(workdir, run):
    result = run("validate")
    assert result.exit_code == 0, result.output
    assert result.output == "4 judge spec(s) valid.\n"


def test_plan_on_an_empty_workspace_creates_every_judge(workdir, run):
    result = run("plan", "--detailed-exitcode")
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"Target: {os.environ['JUDGESYNC_API_URL']}\n")
    assert result.output.endswith("Plan: 4 to create, 0 to update, 0 to delete.\n")


def no_changes(target: str) -> str:
    return (
        f"Target: {target}\n"
        "Ownership: the whole workspace\n"
        "Prune: off (owned judges that no spec names are left alone)\n\n"
        "No changes. The remote judges match the specs.\n\n"
        "Plan: 0 to create, 0 to update, 0 to delete.\n"
    )


def test_apply_then_plan_shows_no_changes(workdir, run, remote, emulator):
    applied = run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert applied.output.endswith("Apply: 4 done, 0 failed.\n")
    assert len(remote.list_judges()) == 4

    again = run("plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.output
    assert again.output == no_changes(emulator.url)


def test_apply_is_idempotent(workdir, run, emulator):
    assert run("apply", "--auto-approve").exit_code == 0
    second = run("apply", "--auto-approve")
    assert second.exit_code == 0
    assert second.output == no_changes(emulator.url)


def test_plan_shows_an_instructions_change_as_a_unified_diff(workdir, run):
    run("apply", "--auto-approve")
    spec = workdir / "judges" / "tone.yaml"
    spec.write_text(spec.read_text().replace("no sarcasm, ", ""))
    result = run("plan", "--detailed-exitcode")
    assert result.exit_code == 2, result.output
    assert "~ update tone (id " in result.output
    assert "-Our voice is warm, direct and professional: no slang, no sarcasm, no blame" in (
        result.output
    )
    assert result.output.endswith("Plan: 0 to create, 1 to update, 0 to delete.\n")


def test_unmanaged_judges_are_left_alone_unless_pruned(workdir, run, remote):
    legacy = remote.create_judge(definition("legacy"))
    kept = run("apply", "--auto-approve")
    assert kept.exit_code == 0, kept.output
    assert "legacy" in {j.name for j in remote.list_judges()}

    planned = run("plan", "--prune", "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert f"- delete legacy (id {legacy.id})\n" in planned.output
    assert planned.output.endswith("Plan: 0 to create, 0 to update, 1 to delete.\n")
    assert run("apply", "--prune", "--auto-approve").exit_code == 0
    assert "legacy" not in {j.name for j in remote.list_judges()}


def test_apply_refuses_without_auto_approve_when_not_interactive(workdir, run, remote):
    result = run("apply", input="")
    assert result.exit_code == 1
    assert result.output.endswith(
        "Error: Refusing to apply without confirmation: stdin is not a terminal."
        " Review the plan above and re-run with --auto-approve.\n"
    )
    assert remote.list_judges() == []


def test_plan_json_is_machine_readable(workdir, run):
    result = run("plan", "--format", "json", "--detailed-exitcode")
    assert result.exit_code == 2, result.output
    document = json.loads(result.output)
    assert document["summary"]["create"] == 4
    names = [action["name"] for action in document["actions"]]
    assert names == sorted(names)


def test_failed_action_gives_exit_1_and_the_others_finish(workdir, run, remote, emulator):
    run("apply", "--auto-approve")
    tone = next(j for j in remote.list_judges() if j.name == "tone")
    emulator.lock_for_campaign(tone.id)
    for name in ("tone", "helpfulness"):
        spec = workdir / "judges" / f"{name}.yaml"
        spec.write_text(spec.read_text().replace("description: ", "description: Edited. ", 1))

    result = run("apply", "--auto-approve")

    assert result.exit_code == 1
    assert "tone: FAILED" in result.output and "used in a campaign" in result.output
    assert "helpfulness: ok updated" in result.output
    assert result.output.endswith(
        "\nApply: 1 done, 1 failed.\n"
        "Run apply again once the failures are fixed; done actions are not repeated.\n"
    )


def test_missing_key_for_a_real_url_is_a_clear_error_before_any_request(workdir, monkeypatch):
    monkeypatch.delenv("MISTRAL_API_KEY", raising=False)
    result = CliRunner().invoke(cli, ["plan", "--api-url", "http://127.0.0.1:9"])
    assert result.exit_code == 1
    assert result.output == (
        "Error: MISTRAL_API_KEY is not set. Export your Mistral API key, or use --api-url local"
        " to work against the embedded emulator.\n"
    )


def test_an_api_error_names_the_request_but_never_the_key(workdir, emulator, monkeypatch):
    secret = "sk-very-secret-key-123"
    monkeypatch.setenv("MISTRAL_API_KEY", secret)
    result = CliRunner().invoke(cli, ["plan", "--api-url", f"{emulator.url}/wrong-prefix"])
    assert result.exit_code == 1
    assert result.output == "Error: GET /v1/observability/judges failed: 404: Not Found\n"
    assert secret not in result.output


def test_invalid_specs_exit_1_naming_the_file_and_touch_nothing(workdir, run, remote):
    (workdir / "judges" / "broken.yaml").write_text("name: broken\ndescripton: typo\n")
    result = run("apply", "--auto-approve")
    assert result.exit_code == 1
    assert result.output == (
        "judges/broken.yaml:1: model_name: field required; add 'model_name:'\n"
        "judges/broken.yaml:1: output: field required; add 'output:'\n"
        "judges/broken.yaml:1: instructions missing: add 'instructions' (the template text)"
        " or 'instructions_file' (its path, relative to this file)\n"
        "judges/broken.yaml:2: unknown key 'descripton'; did you mean 'description'?\n"
        "4 problem(s) in the spec files; nothing was sent to the API.\n"
    )
    assert remote.list_judges() == []


def test_every_command_has_help_with_an_example():
    for name, command in cli.commands.items():
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0
        assert command.help, name
        assert "Example" in result.output, name


def test_local_target_keeps_state_across_processes(workdir):
    script = shutil.which("judgesync") or str(Path(sys.executable).with_name("judgesync"))
    env = hermetic_env()

    def judgesync(*args):
        return subprocess.run(
            [script, *args], cwd=workdir, env=env, capture_output=True, text=True, timeout=60
        )

    applied = judgesync("apply", "--api-url", "local", "--auto-approve")
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.startswith("Target: local (embedded emulator, .judgesync/local.db)\n")
    planned = judgesync("plan", "--api-url", "local", "--detailed-exitcode")
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert planned.stdout == no_changes("local (embedded emulator, .judgesync/local.db)")
    assert (workdir / ".judgesync" / "local.db").is_file()


def test_plan_markdown_is_ready_for_a_pull_request_comment(workdir, run):
    result = run("plan", "--format", "markdown")
    assert result.exit_code == 0
    assert result.output.startswith("<!-- judgesync-plan -->\n")
    assert "| + create | <code>tone</code> |" in result.output
    # Creates are table rows only; a diff block is for updates.
    assert "<details>" not in result.output and "\x1b[" not in result.output


def test_debug_lets_the_traceback_through_with_the_same_exit_code(workdir):
    quiet = CliRunner().invoke(cli, ["plan", "--api-url", "ftp://nowhere"])
    assert quiet.exit_code == 1
    assert quiet.output == (
        "Error: The API URL 'ftp://nowhere' does not start with http:// or https://."
        " Pass --api-url https://api.mistral.ai, a running emulator's URL, or local.\n"
    )
    loud = CliRunner().invoke(cli, ["--debug", "plan", "--api-url", "ftp://nowhere"])
    assert loud.exit_code == 1
    assert loud.output.startswith("Traceback (most recent call last):\n")
    assert "judgesync.errors.ConfigError: The API URL 'ftp://nowhere'" in loud.output


def test_invalid_specs_are_reported_before_any_connection(workdir):
    (workdir / "judges" / "broken.yaml").write_text("name: [unclosed\n")
    result = CliRunner().invoke(cli, ["plan", "--api-url", "local"])
    assert result.exit_code == 1
    assert result.output == (
        "judges/broken.yaml:2: invalid YAML: while parsing a flow sequence, did not find"
        " expected ',' or ']'; check the indentation and quoting\n"
        "1 problem(s) in the spec files; nothing was sent to the API.\n"
    )
    # The embedded emulator never started (the template cache may be written).
    assert not (workdir / ".judgesync" / "local.db").exists()


def test_a_local_database_that_cannot_be_opened_is_one_line_of_error(workdir):
    (workdir / ".judgesync").write_text("not a folder")
    result = CliRunner().invoke(cli, ["plan", "--api-url", "local"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: Cannot open the emulator database")
    assert "Traceback" not in result.output


def test_an_unreachable_api_error_reads_as_one_sentence():
    from judgesync.errors import ApiError, ApiUnreachable

    unreachable = ApiUnreachable("GET", "/v1/x", None, "Could not reach it.")
    assert str(unreachable) == "GET /v1/x failed: Could not reach it."
    refused = ApiError("PUT", "/v1/x", 409, "Taken.", "JUDGE_NAME_ALREADY_EXISTS")
    assert str(refused) == "PUT /v1/x failed: 409 JUDGE_NAME_ALREADY_EXISTS: Taken."


@pytest.mark.parametrize(
    "case, file, line, message", BROKEN_CASES, ids=[case[0] for case in BROKEN_CASES]
)
def test_validate_rejects_each_broken_spec_naming_its_file(
    tmp_path, monkeypatch, case, file, line, message
):
    (tmp_path / ".git").mkdir()
    shutil.copytree(BROKEN / case, tmp_path / "judges", symlinks=True)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 1
    assert f"judges/{file}:{line}: " in result.output
    # A copied symlink points elsewhere than the original, so its message differs.
    assert message in result.output or case == "instructions-file-symlink"
    assert "Traceback" not in result.output


def test_validate_imports_no_http_client_planner_or_executor(tmp_path):
    """The pre-commit hook stays offline and light: a whole `validate` run in a
    fresh interpreter leaves httpx and the plan/review machinery unimported."""
    heavy = [
        "judgesync.plan.executor",
        "judgesync.plan.planfile",
        "judgesync.remote.client",
        "judgesync.review.replay",
    ]
    script = (
        "import sys\n"
        "from judgesync.cli import main\n"
        "try:\n"
        "    main(['validate', sys.argv[1]], prog_name='judgesync')\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] == 'httpx' or m in {heavy!r}))\n"
    )
    judges = Path(__file__).parent.parent / "judges"
    result = subprocess.run(
        [sys.executable, "-c", script, str(judges)],
        capture_output=True,
        text=True,
        check=True,
    )
    valid, imported = result.stdout.splitlines()
    assert valid.endswith("spec(s) valid.")
    assert imported == "[]"


def test_per_judge_settings_that_name_no_spec_are_refused(workdir, run):
    """A gates or traffic entry for a judge no spec defines would apply to nothing."""
    (workdir / "judgesync.yaml").write_text(
        "gates:\n  judges:\n    tnoe: {min_accuracy: 0.9}\n"
        "traffic:\n  judges:\n    helpfulness: {filter: 'span.a = \"b\"'}\n"
        "    ghost: {filter: 'span.a = \"b\"'}\n"
    )
    for command in ("validate", "plan"):
        result = run(command)
        assert result.exit_code == 1, result.output
        assert (
            "judgesync.yaml: gates.judges.tnoe: no spec under judges is named 'tnoe', so this"
            " applies to nothing; did you mean 'tone'? correct the name, or remove it"
        ) in result.output
        assert "traffic.judges.ghost: no spec" in result.output
        assert "traffic.judges.helpfulness" not in result.output
