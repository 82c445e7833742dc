"""`test` and `plan --replay` as real processes against a slow emulator: in a log
(stderr not a terminal) they print the same progress lines as apply."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from click.testing import CliRunner

from judgesync.cli import cli
from tests.test_apply_live import finish, start

JUDGING_LINE = re.compile(r"^judging: (\d+)/(\d+) done, (\d+) failed, (\d+) retr(?:y|ies), \d+/s")


def write_tone_cases(workdir: Path, count: int) -> None:
    cases = [
        {
            "id": f"case-{n}",
            "messages": [{"role": "user", "content": f"q{n}"}],
            "properties": {"locale": "en"},
            "expect": "rude",
        }
        for n in range(count)
    ]
    (workdir / "judges" / "tone.cases.yaml").write_text(
        yaml.safe_dump({"judge": "tone", "cases": cases})
    )


def judging_lines(stderr: str) -> list[tuple[int, int, int]]:
    """(done, total, failed) of each progress line."""
    matches = [JUDGING_LINE.match(line) for line in stderr.splitlines()]
    return [(int(m[1]), int(m[2]), int(m[3])) for m in matches if m is not None]


def apply_shipped(emulator, api_key: str, monkeypatch) -> None:
    monkeypatch.setenv("MISTRAL_API_KEY", api_key)
    result = CliRunner().invoke(cli, ["apply", "--auto-approve", "--api-url", emulator.url])
    assert result.exit_code == 0, result.output


def test_a_slow_test_run_in_a_log_prints_judging_progress_lines(
    workdir, emulator, api_key, monkeypatch
):
    apply_shipped(emulator, api_key, monkeypatch)
    write_tone_cases(workdir, 30)
    emulator.configure(latency_ms=100)  # 30 requests, 1 at a time: about 3 s

    process = start(workdir, api_key, "test", "--api-url", emulator.url, "--parallelism", "1")
    stdout, stderr = finish(process)

    assert "Test: " in stdout, stderr
    lines = judging_lines(stderr)
    assert lines, stderr
    assert all(total == 30 and failed == 0 for _, total, failed in lines)
    assert lines[0][0] < 30  # while the requests were still being answered


def test_a_slow_replay_in_a_log_prints_judging_progress_lines(
    workdir, emulator, api_key, monkeypatch
):
    apply_shipped(emulator, api_key, monkeypatch)
    write_tone_cases(workdir, 20)
    spec = workdir / "judges" / "tone.yaml"
    spec.write_text(spec.read_text().replace("no sarcasm, ", ""))
    emulator.configure(latency_ms=60)  # the proposed and the current judge: 40 requests

    args = ("plan", "--replay", "--api-url", emulator.url, "--parallelism", "1")
    stdout, stderr = finish(start(workdir, api_key, *args))

    assert "Replay: 1 judge(s) replayed" in stdout, stderr
    lines = judging_lines(stderr)
    assert lines, stderr
    assert all(total == 40 and failed == 0 for _, total, failed in lines)
