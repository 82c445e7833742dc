"""Processes the benchmark runs: the emulator server, and measured commands.

A measured command runs as its own process; its wall time is taken around
it and its peak RSS comes from `wait4`'s resource usage of that very child.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent
JUDGESYNC = str(BIN / "judgesync")


@dataclass(frozen=True)
class Measurement:
    seconds: float
    peak_rss_mb: float
    stdout: str
    cpu_seconds: float  # user + sys of the measured process
    list_seconds: float | None = None  # listing alone, where the row reports it


class CommandFailed(RuntimeError):
    pass


def measure(command: Sequence[str], env: Mapping[str, str], cwd: Path) -> Measurement:
    """Run `command` to completion; its wall time, peak RSS and output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=dict(env), cwd=cwd)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode()
        if process.returncode != 0:
            raise CommandFailed(
                f"{' '.join(command)} exited {process.returncode}:\n{err.read().decode()[-2000:]}"
            )
    # ru_maxrss is in kilobytes on Linux.
    return Measurement(seconds, usage.ru_maxrss / 1024, stdout, usage.ru_utime + usage.ru_stime)


@contextmanager
def emulator(latency_ms: float, jitter_ms: float, rate_limit: float = 0.0) -> Iterator[str]:
    """A `judgesync emulator` server in its own process (its CPU is not judgesync's)."""
    command = [
        JUDGESYNC, "emulator", "--port", "0", "--db", ":memory:",
        "--latency-ms", str(latency_ms), "--jitter-ms", str(jitter_ms),
        "--rate-limit", str(rate_limit), "--no-access-log",
    ]  # fmt: skip
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        found = re.search(r"listening on (http://\S+)", first_line)
        if not found:
            raise CommandFailed(f"The emulator did not start: {first_line!r}")
        # Keep reading its output, or the server blocks once the pipe is full.
        threading.Thread(target=process.stdout.read, daemon=True).start()
        yield found.group(1)
    finally:
        process.terminate()
        process.wait(timeout=10)


def reset(api_url: str) -> None:
    httpx.post(f"{api_url}/_emulator/reset").raise_for_status()
