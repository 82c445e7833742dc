"""Shadow judges: reserved names, never planned or imported, never left behind.

The Ctrl-C and `kill -9` tests run `plan --replay` as a real subprocess
against a slow emulator, and act once the shadow judge is seen remotely.
"""

from __future__ import annotations

import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from judgesync.cli import cli
from judgesync.names import is_shadow
from judgesync.review.shadows import ShadowRun, shadow_judge, shadow_started, sweep
from tests.builders import definition
from tests.processes import hermetic_env, start_cli


def shadows(remote) -> list[str]:
    return [judge.name for judge in remote.list_judges() if is_shadow(judge.name)]


def leftover(remote, minutes_ago: float = 60) -> str:
    """A shadow as a run that started `minutes_ago` and was killed would leave it."""
    started = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return remote.create_judge(
        definition(ShadowRun.start(started).name_for("tone"), instructions="Old {{ user_message }}")
    ).name


def test_shadow_names_are_reserved_in_specs(workdir, run):
    (workdir / "judges" / "shadowed.yaml").write_text(
        (workdir / "judges" / "tone.yaml")
        .read_text()
        .replace("name: tone", "name: JudgeSync-Shadow/tone")
    )
    result = run("validate")
    assert result.exit_code == 1
    assert (
        "judges/shadowed.yaml:2: name: 'judgesync-shadow/' is reserved for judgesync's"
        " shadow judges; rename it\n"
    ) in result.output


def test_shadows_are_never_planned_pruned_or_listed_as_unmanaged(workdir, run, remote):
    assert run("apply", "--auto-approve").exit_code == 0
    leftover(remote)
    result = run("plan", "--prune", "--detailed-exitcode")
    assert result.exit_code == 0, result.output
    assert "No changes." in result.output and "shadow" not in result.output


def test_shadows_are_never_imported(tmp_path, monkeypatch, run, remote):
    monkeypatch.chdir(tmp_path)
    remote.create_judge(definition("tone"))
    leftover(remote)
    result = run("import")
    assert result.exit_code == 0, result.output
    assert [path.name for path in (tmp_path / "judges").iterdir()] == ["tone.yaml"]


def test_a_shadow_is_deleted_even_when_the_block_fails(remote):
    run_ = ShadowRun.start()
    with pytest.raises(RuntimeError), shadow_judge(remote, run_, definition("tone")) as shadow:
        assert shadow.name == run_.name_for("tone") and shadows(remote) == [shadow.name]
        raise RuntimeError("interrupted")
    assert shadows(remote) == []


class InterruptedCreate:
    """The remote saves the shadow, then Ctrl-C arrives before its answer does."""

    def __init__(self, remote) -> None:
        self.remote = remote

    def create_judge(self, definition):
        self.remote.create_judge(definition)
        raise KeyboardInterrupt

    def list_judges(self):
        return self.remote.list_judges()

    def delete_judge(self, judge_id):
        self.remote.delete_judge(judge_id)


def test_a_shadow_saved_by_an_interrupted_create_is_deleted_too(remote):
    client, run = InterruptedCreate(remote), ShadowRun.start()
    with pytest.raises(KeyboardInterrupt), shadow_judge(client, run, definition("tone")):
        pytest.fail("the block must not run when the create did not answer")
    assert shadows(remote) == []


def test_sweep_deletes_other_runs_old_shadows_and_keeps_recent_ones(remote):
    old, recent = leftover(remote, minutes_ago=30), leftover(remote, minutes_ago=1)
    current = ShadowRun.start()
    own = remote.create_judge(definition(current.name_for("tone"))).name
    assert sweep(remote, current, timedelta(minutes=10), remote.list_judges()) == (old,)
    assert sorted(shadows(remote)) == sorted([recent, own])


def test_shadow_started_reads_the_run_start_from_the_name():
    started = datetime(2026, 11, 29, 7, 15, tzinfo=UTC)
    assert shadow_started(ShadowRun.start(started).name_for("a/b")) == started
    assert shadow_started("judgesync-shadow/garbage/tone") is None


def slow_replay(workdir: Path, emulator, remote, api_key: str) -> subprocess.Popen[str]:
    """`plan --replay` in a subprocess, judging 30 cases one at a time on a slow emulator
    without datasets (so through shadows); returns once its shadow judge exists remotely."""
    spec = workdir / "judges" / "tone.yaml"
    spec.write_text(spec.read_text().replace("no sarcasm, ", ""))
    cases = [
        {
            "id": f"case-{n}",
            "messages": [{"role": "user", "content": f"q{n}"}],
            "properties": {"locale": "en"},
            "expect": "on_brand",
        }
        for n in range(30)
    ]
    (workdir / "judges" / "tone.cases.yaml").write_text(
        yaml.safe_dump({"judge": "tone", "cases": cases})
    )
    emulator.configure(latency_ms=200, datasets=False)
    command = ["plan", "--replay", "--parallelism", "1", "--api-url", emulator.url]
    process = start_cli(*command, cwd=workdir, env=hermetic_env(MISTRAL_API_KEY=api_key))
    # Waiting for a state, not timing anything: a 60 s bound only stops a hung test.
    deadline = time.monotonic() + 60
    while not shadows(remote):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the replay never created its shadow"
    return process


@pytest.fixture
def applied(workdir, emulator, remote, api_key):
    command = ["apply", "--auto-approve", "--api-url", emulator.url]
    result = CliRunner().invoke(cli, command, env={"MISTRAL_API_KEY": api_key})
    assert result.exit_code == 0, result.output
    return workdir


def test_no_shadow_remains_after_ctrl_c_during_a_replay(applied, emulator, remote, api_key):
    process = slow_replay(applied, emulator, remote, api_key)
    try:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, stderr
    cost, interrupted = stderr.splitlines(keepends=True)
    assert cost.startswith("Cost: 60 judging request(s) (tone: 60), about ")
    assert interrupted == "Interrupted.\n"
    emulator.configure(latency_ms=0)
    assert shadows(remote) == []


def test_a_shadow_left_by_kill_9_is_swept_by_the_next_run(
    applied, emulator, remote, api_key, monkeypatch
):
    process = slow_replay(applied, emulator, remote, api_key)
    process.kill()
    process.communicate(timeout=60)
    emulator.configure(latency_ms=0)
    (left,) = shadows(remote)

    monkeypatch.setenv("MISTRAL_API_KEY", api_key)
    monkeypatch.setenv("JUDGESYNC_API_URL", emulator.url)
    # Within the grace period another run's shadow may still be in use: kept.
    kept = CliRunner().invoke(cli, ["test", "--only", "tone"])
    assert "tone: " in kept.output
    assert "shadow judge(s)" not in kept.output and shadows(remote) == [left]

    monkeypatch.setenv("JUDGESYNC_SHADOW_GRACE_SECONDS", "0")
    swept = CliRunner().invoke(cli, ["test", "--only", "tone"])
    assert "Deleted 1 shadow judge(s) a stopped run left behind." in swept.output
    assert shadows(remote) == []


@pytest.mark.parametrize("grace", ["1e309", "1e15", "-1", "soon"])
def test_a_bad_grace_period_is_a_one_line_error(workdir, run, monkeypatch, grace):
    monkeypatch.setenv("JUDGESYNC_SHADOW_GRACE_SECONDS", grace)
    result = run("test", "--only", "tone")
    assert result.exit_code == 1, result.output
    assert (
        f"Error: JUDGESYNC_SHADOW_GRACE_SECONDS must be a number of seconds from 0 to 604800"
        f" (one week), got {grace!r}; fix or unset it.\n"
    ) in result.output
