"""The exit codes contract through the real CLI: 0, 1 (usage errors too), 2, 3, 130."""

from __future__ import annotations

import signal
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from judgesync.cli import cli
from tests.processes import hermetic_env, start_cli


def test_0_when_the_command_succeeds(workdir):
    result = CliRunner().invoke(cli, ["validate"])
    assert (result.exit_code, result.output) == (0, "4 judge spec(s) valid.\n")


def test_0_for_a_plan_without_changes_and_2_with_changes_under_detailed_exitcode(workdir, run):
    assert run("plan").exit_code == 0
    assert run("plan", "--detailed-exitcode").exit_code == 2
    assert run("apply", "--auto-approve").exit_code == 0
    assert run("plan", "--detailed-exitcode").exit_code == 0


def test_1_for_a_judgesync_error(workdir, run):
    result = run("plan", "--target", "prod")
    assert result.exit_code == 1
    assert result.output == (
        "Error: There is no target 'prod': judgesync.yaml defines no targets."
        " Add it under 'targets:', or pass --api-url instead.\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--xyzzy"], "Error: No such option '--xyzzy'."),
        (["plan", "--bogus"], "Error: No such option '--bogus'. Did you mean '--out'?"),
        (["nosuchcommand"], "Error: No such command 'nosuchcommand'."),
        (
            ["plan", "--parallelism", "0"],
            "Error: Invalid value for '--parallelism': 0 is not in the range 1<=x<=64.",
        ),
        (
            ["validate", "judges/tone.yaml"],
            "Error: Invalid value for '[DIRECTORY]': Directory 'judges/tone.yaml' is a file.",
        ),
    ],
)
def test_1_for_a_usage_error_with_clicks_message(workdir, args, message):
    result = CliRunner().invoke(cli, args, prog_name="judgesync")
    assert result.exit_code == 1
    assert result.output.startswith("Usage: judgesync ")
    assert result.output.endswith(f"\n{message}\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["plan", "--target", "prod", "--api-url", "local"],
            "Error: --api-url and --target both say where to connect; pass only one of them.\n",
        ),
        (
            ["apply", "--format", "json"],
            "Error: apply --format json needs --auto-approve: a plan must be shown as text to"
            " be approved. Review it with plan first.\n",
        ),
        (
            ["apply", "--format", "markdown"],
            "Error: apply --format markdown needs --auto-approve: a plan must be shown as"
            " text to be approved. Review it with plan first.\n",
        ),
    ],
)
def test_1_for_conflicting_options_in_one_line(workdir, args, message):
    result = CliRunner().invoke(cli, args)
    assert (result.exit_code, result.output) == (1, message)
    assert not (workdir / ".judgesync").exists()


def test_3_for_an_internal_error_one_line_naming_a_log_without_the_key(
    workdir, run, monkeypatch, api_key
):
    import judgesync.commands.plan

    # A target's key may live in a variable of any name.
    monkeypatch.setenv("PROD_ACCESS", "Zq81fakeKeyForTests0123456789")

    def broken(*args, **kwargs):
        raise RuntimeError(f"a bug that quotes {api_key} and Zq81fakeKeyForTests0123456789")

    monkeypatch.setattr(judgesync.commands.plan, "plan", broken)
    result = run("plan")
    assert result.exit_code == 3
    line, rest = result.output.split("\n", 1)
    assert rest == ""
    assert line.startswith("judgesync hit an internal error (RuntimeError); this is a bug.")
    log = Path(line.split("The traceback is in ")[1].split(";")[0])
    try:
        text = log.read_text(encoding="utf-8")
        assert text.startswith("Traceback (most recent call last):\n")
        assert "RuntimeError: a bug that quotes <MISTRAL_API_KEY> and <PROD_ACCESS>" in text
        assert api_key not in text and "Zq81fakeKey" not in text
    finally:
        log.unlink()


def test_3_with_debug_shows_the_traceback_instead(workdir, run, monkeypatch):
    import judgesync.commands.plan

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(judgesync.commands.plan, "plan", broken)
    result = run("--debug", "plan")
    assert result.exit_code == 3
    assert result.output.startswith("Traceback (most recent call last):\n")
    assert result.output.endswith("RuntimeError: a bug\n")


def test_130_when_interrupted_while_waiting_for_the_api(workdir):
    # A server that accepts and never answers: the CLI is surely waiting when we interrupt.
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(60)
        port = server.getsockname()[1]
        env = hermetic_env(MISTRAL_API_KEY="interrupt-test-key")
        command = ["plan", "--api-url", f"http://127.0.0.1:{port}"]
        process = start_cli(*command, cwd=workdir, env=env)
        try:
            connection, _ = server.accept()
            with connection:
                process.send_signal(signal.SIGINT)
                stdout, stderr = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert process.returncode == 130
    assert (stdout, stderr) == ("", "Interrupted.\n")


def judgesync_process(workdir: Path, *args: str, stdout: Any) -> subprocess.Popen[str]:
    return start_cli(*args, cwd=workdir, env=hermetic_env(), stdout=stdout)


def test_1_and_quiet_when_the_reader_of_the_output_goes_away(workdir):
    process = judgesync_process(workdir, "schema", stdout=subprocess.PIPE)
    assert process.stdout is not None
    process.stdout.close()  # as `judgesync schema | head -c 10` does, before judgesync writes
    _, stderr = process.communicate(timeout=60)
    assert (process.returncode, stderr) == (1, "")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", [("schema",), ("plan", "--api-url", "local")])
def test_1_and_one_line_when_the_output_cannot_be_written(workdir, args):
    with open("/dev/full", "w") as full:
        process = judgesync_process(workdir, *args, stdout=full)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1
    assert stderr == "Error: could not write the output (No space left on device).\n"
