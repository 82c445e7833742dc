"""Benchmark of `plan --replay --traffic`: N spans sampled, imported and judged by two
versions at --parallelism 16, the emulator `--latency-ms` away (its own process) and
live judging `--judging-latency-ms` later still (a model's time).

    .venv/bin/python -m benchmarks.traffic --spans 1000 --latency-ms 150 --judging-latency-ms 1000

"ideal s" counts the requests that must follow one another (listings, search pages,
the import and its polls) at the mean latency, plus the judging requests spread
over the parallelism, each at the latency plus the judging latency. The second run
must import nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import httpx
from tests.genai_app import export_all, exporter, recorded_turns

from benchmarks.processes import JUDGESYNC, emulator, measure

JUDGES = Path(__file__).resolve().parent.parent / "judges"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spans", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=150.0)
    parser.add_argument("--parallelism", type=int, default=16)
    parser.add_argument("--judging-latency-ms", type=float, default=1000.0)
    args = parser.parse_args()
    key = "bench-traffic-key"
    with emulator(args.latency_ms, 0.0) as url, tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        (work / ".git").mkdir()
        shutil.copytree(JUDGES, work / "judges")
        (work / "judges" / "tone.cases.yaml").unlink()
        env = {**os.environ, "MISTRAL_API_KEY": key, "JUDGESYNC_API_URL": url}
        settings = {"judging_latency_ms": args.judging_latency_ms}
        httpx.post(f"{url}/_emulator/settings", json=settings).raise_for_status()
        measure([JUDGESYNC, "apply", "--auto-approve"], env, work)
        spec = work / "judges" / "tone.yaml"
        spec.write_text(spec.read_text().replace("no sarcasm, ", ""))
        start = time.time_ns() - 3_600_000_000_000
        spans = recorded_turns("bench", [start + i * 1_000_000 for i in range(args.spans)])
        for first in range(0, len(spans), 500):
            export_all(exporter(url, key), spans[first : first + 500])
        command = [
            JUDGESYNC, "plan", "--replay", "--traffic", "{ }", "--since", "1d",
            "--sample", str(args.spans), "--parallelism", str(args.parallelism),
            "--format", "json",
        ]  # fmt: skip
        latency = args.latency_ms / 1000
        pages = -(-args.spans // 100)
        # judges list, datasets list, records (cases sync, traffic before and after the
        # import), search pages, the import and a few polls.
        sequential = 1 + 1 + 3 * pages + pages + 1 + 3
        judging = 2 * args.spans
        judgement = latency + args.judging_latency_ms / 1000
        ideal = sequential * latency + judging / args.parallelism * judgement
        for run in ("first", "again"):
            measured = measure(command, env, work)
            traffic = next(
                judge["traffic"]
                for judge in json.loads(measured.stdout)["replay"]["judges"]
                if judge["name"] == "tone"
            )
            print(
                f"{run}: {measured.seconds:.1f} s wall, ideal {ideal:.1f} s,"
                f" ratio {measured.seconds / ideal:.2f}; sampled {traffic['sampled']},"
                f" imported {traffic['imported']}, changed {len(traffic['flips'])}"
            )


if __name__ == "__main__":
    main()
