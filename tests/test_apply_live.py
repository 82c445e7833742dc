"""apply as a real process against a slow emulator: progress lines, -v, Ctrl-C,
and two applies racing on the same judges (the re-read before each write)."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from judgesync.remote.client import JudgesClient
from judgesync.specs.yamlio import dump
from tests.builders import definition
from tests.processes import RUN, hermetic_env, start_cli

PROGRESS_LINE = re.compile(r"^apply: (\d+)/(\d+) done, (\d+) failed, (\d+) retr(?:y|ies), \d+/s")


def write_specs(folder: Path, names: list[str], **changes: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / f"{name}.yaml").write_text(
            dump(definition(name, **changes).model_dump(mode="json"))
        )
    return folder


# The same CLI, its modules imported first, started by a line on stdin: the
# racing test decides when it starts, to within a few milliseconds.
RUN_ON_CUE = (
    "import sys, judgesync.commands.plan, judgesync.render.as_text;"
    " from judgesync.cli import main; sys.stdin.readline(); main()"
)


def start(workdir: Path, api_key: str, *args: str, script: str = RUN) -> subprocess.Popen[str]:
    stdin = subprocess.PIPE if script == RUN_ON_CUE else subprocess.DEVNULL
    env = hermetic_env(MISTRAL_API_KEY=api_key)
    return start_cli(*args, cwd=workdir, env=env, script=script, stdin=stdin)


def finish(process: subprocess.Popen[str]) -> tuple[str, str]:
    try:
        return process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    return tmp_path


def test_a_slow_apply_in_a_log_prints_progress_lines_every_few_seconds(emulator, api_key, repo):
    names = [f"judge-{i:03d}" for i in range(60)]
    write_specs(repo / "judges", names)
    emulator.configure(latency_ms=100)  # 60 creates, 2 at a time: about 3 s

    args = ("apply", "--api-url", emulator.url, "--auto-approve", "--parallelism", "2")
    process = start(repo, api_key, *args)
    stdout, stderr = finish(process)

    assert process.returncode == 0, stderr
    lines = [line for line in stderr.splitlines() if PROGRESS_LINE.match(line)]
    assert lines, stderr
    counts = [PROGRESS_LINE.match(line).groups() for line in lines]  # type: ignore[union-attr]
    assert all(total == "60" and failed == "0" for _, total, failed, _ in counts)
    done = [int(count[0]) for count in counts]
    assert done == sorted(done) and done[0] < 60  # while the apply was still running
    assert "Apply: 60 done, 0 failed." in stdout


def test_verbose_prints_each_retry_with_method_path_status_and_wait(emulator, api_key, repo):
    write_specs(repo / "judges", [f"judge-{i:02d}" for i in range(12)])
    emulator.configure(fail_rate=0.4, seed=7, retry_after_seconds=0)

    args = ("apply", "--api-url", emulator.url, "--auto-approve", "--parallelism", "2")
    process = start(repo, api_key, "-v", *args)
    _, stderr = finish(process)

    assert process.returncode == 0, stderr
    retries = [line for line in stderr.splitlines() if line.startswith("http: ")]
    assert retries, stderr
    decision = re.compile(
        r"^http: (GET|POST) /v1/observability/judges\S* answered (429|500|503);"
        r" (retrying in \d+\.\d{3} s|every request pauses \d+\.\d{3} s)"
    )
    assert all(decision.match(line) for line in retries), retries
    assert api_key not in stderr
    assert any(
        line.startswith("http: POST ") for line in retries
    )  # the apply's, not only listing's

    emulator.reset()
    emulator.configure(fail_rate=0.4, seed=7, retry_after_seconds=0)
    quiet_run = start(repo, api_key, *args)
    _, quiet_stderr = finish(quiet_run)
    assert quiet_run.returncode == 0
    assert "http: " not in quiet_stderr


def test_ctrl_c_mid_apply_reports_every_action_and_exits_130(emulator, api_key, repo):
    names = [f"judge-{i:03d}" for i in range(300)]
    write_specs(repo / "judges", names)
    emulator.configure(latency_ms=200)  # 300 creates, 4 at a time: about 15 s
    args = ("apply", "--api-url", emulator.url, "--auto-approve", "--parallelism", "4")
    process = start(repo, api_key, *args, "--format", "json")

    seen = _interrupt_when_under_way(process, times=1)
    stdout, rest = finish(process)
    stderr = seen + rest

    assert process.returncode == 130, stderr
    assert stderr.endswith("Interrupted.\n")
    report = json.loads(stdout)["report"]
    by_outcome: dict[str, set[str]] = {}
    for result in report["results"]:
        by_outcome.setdefault(result["outcome"], set()).add(result["name"])
    assert set().union(*by_outcome.values()) == set(names)
    assert set(by_outcome) <= {"done", "not started", "unknown"}
    assert by_outcome["done"] and by_outcome["not started"]
    assert len(by_outcome.get("unknown", ())) <= 4
    with JudgesClient(emulator.url, api_key) as client:
        remote = {judge.name for judge in client.list_judges()}
    assert by_outcome["done"] <= remote
    assert not by_outcome["not started"] & remote


def _read_until_plan(process: subprocess.Popen[str], lines: list[str]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        if line.startswith("Plan: "):
            return


def _report_lines(stdout: str) -> dict[str, str]:
    """judge name -> "ok" or "FAILED", from a text report."""
    found = re.findall(r"^~ (\S+): (ok|FAILED) ", stdout, re.MULTILINE)
    return dict(found)


def test_two_racing_applies_never_overwrite_each_other_silently(emulator, api_key, repo):
    """Both plans are read before either writes, so every write after the other's
    is a lost update unless refused. The second process (already started, its
    modules imported) is cued as soon as the first has shown its plan: with
    each request taking 1 s, its plan is read before the first one's writes
    land, and its re-reads after them. (Cued at the very same moment, the two
    could re-read in the same round trip and both write: the window the re-read
    leaves.) Without the re-read, both report every update done."""
    names = [f"judge-{i:02d}" for i in range(12)]
    with JudgesClient(emulator.url, api_key) as client:
        for name in names:
            client.create_judge(definition(name, description="base"))
    first = write_specs(repo / "first", names, description="first")
    second = write_specs(repo / "second", names, description="second")
    emulator.configure(revisions="in-place", latency_ms=1000)

    def apply(specs: Path, script: str) -> subprocess.Popen[str]:
        args = ("apply", str(specs), "--api-url", emulator.url, "--auto-approve")
        return start(repo, api_key, *args, "--parallelism", "12", script=script)

    two = apply(second, RUN_ON_CUE)
    one = apply(first, RUN)
    one_lines: list[str] = []
    _read_until_plan(one, one_lines)
    assert two.stdin is not None
    two.stdin.write("go\n")
    two.stdin.flush()  # communicate() closes it
    one_rest, one_err = finish(one)
    two_out, two_err = finish(two)
    reported = {
        "first": _report_lines("".join(one_lines) + one_rest),
        "second": _report_lines(two_out),
    }

    emulator.configure(latency_ms=0)
    with JudgesClient(emulator.url, api_key) as client:
        final = {judge.name: judge.description for judge in client.list_judges()}
    assert set(final) == set(names)
    for name in names:
        winner = final[name]
        loser = "second" if winner == "first" else "first"
        assert winner in ("first", "second"), (name, winner)
        assert reported[winner].get(name) == "ok", (name, reported, one_err, two_err)
        assert reported[loser].get(name) == "FAILED", (name, reported, one_err, two_err)
    refusals = re.findall(r"changed since the plan was read", one_rest + two_out)
    assert len(refusals) == len(names)


def test_quiet_prints_only_the_summaries(emulator, api_key, repo):
    write_specs(repo / "judges", ["tone"])
    process = start(repo, api_key, "-q", "apply", "--api-url", emulator.url, "--auto-approve")
    stdout, stderr = finish(process)
    assert process.returncode == 0, stderr
    assert stdout == "Plan: 1 to create, 0 to update, 0 to delete.\nApply: 1 done, 0 failed.\n"
    assert stderr == ""


def _interrupt_when_under_way(process: subprocess.Popen[str], times: int) -> str:
    """Send SIGINT `times` times once the first progress line shows the apply running;
    returns stderr read so far."""
    assert process.stderr is not None
    seen: list[str] = []
    for line in process.stderr:
        seen.append(line)
        if PROGRESS_LINE.match(line):
            break
    for _ in range(times):
        process.send_signal(signal.SIGINT)
        time.sleep(0.5)
    return "".join(seen)


def test_a_second_ctrl_c_abandons_the_actions_in_flight_as_unknown(emulator, api_key, repo):
    write_specs(repo / "judges", [f"judge-{i:02d}" for i in range(20)])
    emulator.configure(latency_ms=5000)  # the first line comes at 2 s, the first answer at 5 s
    args = ("apply", "--api-url", emulator.url, "--auto-approve", "--parallelism", "4")
    process = start(repo, api_key, *args, "--format", "json")

    seen = _interrupt_when_under_way(process, times=2)
    stdout, rest = finish(process)

    assert process.returncode == 130, seen + rest
    results = json.loads(stdout)["report"]["results"]
    outcomes = [result["outcome"] for result in results]
    # After one Ctrl-C the four in flight would have had time to finish as done.
    assert sorted(set(outcomes)) == ["not started", "unknown"]
    assert outcomes.count("unknown") == 4
    # Each message says why, after the outcome's word: no "UNKNOWN unknown:".
    assert {result["message"] for result in results} == {
        "because the run stopped first",
        "in flight when the run stopped waiting; check the remote",
    }


def test_a_bug_mid_apply_prints_the_report_before_the_error(emulator, api_key, repo, monkeypatch):
    from click.testing import CliRunner

    from judgesync.cli import cli

    write_specs(repo / "judges", [f"judge-{i}" for i in range(5)])
    real_create = JudgesClient.create_judge
    calls: list[str] = []

    def create_then_break(self, definition):
        calls.append(definition.name)
        if len(calls) == 3:
            raise RuntimeError("a bug")
        return real_create(self, definition)

    monkeypatch.setattr(JudgesClient, "create_judge", create_then_break)
    monkeypatch.setenv("MISTRAL_API_KEY", api_key)
    monkeypatch.chdir(repo)
    args = ["apply", "--api-url", emulator.url, "--auto-approve", "--parallelism", "1"]
    result = CliRunner().invoke(cli, args)

    assert result.exit_code == 3, result.output
    report, error = result.output.split("Apply: 2 done, 1 failed, 2 not started.\n")
    assert "+ judge-2: FAILED RuntimeError: a bug" in report
    # The outcome's word once, then why: never "not started not started:".
    assert "+ judge-4: not started because the run stopped first\n" in report
    assert error.startswith("Apply stopped early; run plan again to see what is left.\n")
    assert "judgesync hit an internal error (RuntimeError)" in error
    log = re.search(r"The traceback is in (\S+);", error)
    assert log is not None
    Path(log.group(1)).unlink()
