"""The replay row: `plan --replay --repeat 3` of one changed judge with 200 cases,
against an emulator 150 ms away (100-200 ms) that answers live judging 1 s late
(`judging_latency_ms`), run twice on the same workspace.

    .venv/bin/python -m benchmarks.replay [--cases 200] [--repeat 3] [--parallelism 8]

Ideal: judgements / parallelism * (judging latency + mean API latency); the
second run must upload no record (the review dataset's records are compared).
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import uuid
from pathlib import Path

import httpx
import yaml

from benchmarks.processes import JUDGESYNC, emulator, measure
from judgesync.remote.client import JudgesClient
from judgesync.review.review_dataset import REVIEW_DATASET

SHIPPED = Path(__file__).parent.parent / "judges"


def _cases(count: int) -> str:
    cases = [
        {
            "id": f"case-{n}",
            "messages": [
                {"role": "user", "content": f"Where is my order number {n}?"},
                {"role": "assistant", "content": f"Order {n} left our warehouse today."},
            ],
            "properties": {"locale": "en"},
            "expect": "on_brand",
        }
        for n in range(count)
    ]
    return yaml.safe_dump({"judge": "tone", "cases": cases})


def _records(url: str, key: str) -> list[str]:
    with JudgesClient(url, key) as client:
        (dataset,) = [d for d in client.list_datasets() if d["name"] == REVIEW_DATASET]
        return sorted(str(record["id"]) for record in client.list_records(dataset["id"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--parallelism", type=int, default=8)
    parser.add_argument("--judging-latency-ms", type=float, default=1000.0)
    args = parser.parse_args()
    key = f"bench-{uuid.uuid4().hex}"
    with emulator(100.0, 100.0) as url, tempfile.TemporaryDirectory() as scratch:
        httpx.post(
            f"{url}/_emulator/settings", json={"judging_latency_ms": args.judging_latency_ms}
        ).raise_for_status()
        work = Path(scratch)
        (work / ".git").mkdir()
        shutil.copytree(SHIPPED, work / "judges")
        (work / "judges" / "tone.cases.yaml").write_text(_cases(args.cases))
        env = {
            "MISTRAL_API_KEY": key,
            "JUDGESYNC_API_URL": url,
            "PATH": str(Path(JUDGESYNC).parent),
        }
        measure([JUDGESYNC, "apply", "--auto-approve"], env, work)
        spec = work / "judges" / "tone.yaml"
        spec.write_text(spec.read_text().replace("no sarcasm, ", ""))
        command = [
            JUDGESYNC, "plan", "--replay", "--repeat", str(args.repeat), "--format", "json",
            "--parallelism", str(args.parallelism),
        ]  # fmt: skip
        judgements = args.cases * (1 + args.repeat)
        ideal = judgements / args.parallelism * (args.judging_latency_ms + 150) / 1000
        print(f"judgements {judgements}, parallelism {args.parallelism}, ideal {ideal:.1f} s")
        before: list[str] = []
        for run in (1, 2):
            measured = measure(command, env, work)
            cost = json.loads(measured.stdout)["replay"]["cost"]
            records = _records(url, key)
            reused = "" if run == 1 else f", records reused: {records == before}"
            print(
                f"run {run}: wall {measured.seconds:.1f} s"
                f" = {measured.seconds / ideal:.2f} x ideal,"
                f" CPU {measured.cpu_seconds:.1f} s, cost.requests {cost['requests']},"
                f" records {len(records)}{reused}",
                flush=True,
            )
            if run == 2 and records != before:
                raise SystemExit("the second run uploaded records")
            before = records


if __name__ == "__main__":
    main()
