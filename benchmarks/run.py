"""judgesync against the naive SDK loop, on a real emulator server with injected latency.

    .venv/bin/python -m benchmarks.run                       # full: 100, 1,000, 10,000 judges
    .venv/bin/python -m benchmarks.run --sizes 100,1000 --runs 3   # quick
    .venv/bin/python -m benchmarks.run --latency-ms 25 --jitter-ms 0   # a nearby remote

The default remote is 150 ms away with ±50 ms of jitter: a hosted API seen
from a CI runner.

See benchmarks/README.md for what each row means and the results on our machine.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager as ContextManager
from dataclasses import dataclass, replace
from pathlib import Path

from benchmarks import workload
from benchmarks.processes import BIN, JUDGESYNC, Measurement, emulator, measure, reset
from judgesync.remote.client import JudgesClient

PAGE_SIZE = 100  # what judgesync asks for and the emulator's default maximum


@dataclass(frozen=True)
class Scenario:
    """One row: how to prepare the remote and the spec files, and what to run."""

    label: str
    remote: Callable[[int], range]  # judges on the server before the run
    specs: Callable[[int], range]  # judges in the spec files
    changed: Callable[[int], range]  # spec judges whose content differs
    command: str  # validate | plan | apply
    prune: bool = False
    writes: Callable[[int], int] = lambda n: 0  # requests apply must send
    # GETs judgesync adds: it re-reads each judge right before updating or deleting it.
    rereads: Callable[[int], int] = lambda n: 0


def _tenth(n: int) -> range:
    return range(0, n, 10)


SCENARIOS = (
    Scenario("validate", lambda n: range(0), range, lambda n: range(0), "validate"),
    Scenario("plan, nothing changed", range, range, lambda n: range(0), "plan"),
    Scenario("plan, 10% changed", range, range, _tenth, "plan"),
    Scenario("apply, all creates", lambda n: range(0), range, lambda n: range(0), "apply",
             writes=lambda n: n),
    Scenario("apply, 10% updates", range, range, _tenth, "apply", writes=lambda n: len(_tenth(n)),
             rereads=lambda n: len(_tenth(n))),
    Scenario("apply --prune, 10% deletes", range, lambda n: range(n - n // 10),
             lambda n: range(0), "apply", prune=True, writes=lambda n: n // 10,
             rereads=lambda n: n // 10),
)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--baseline-runs", type=int, default=1, help="runs of the (slow, sequential) baseline"
    )
    parser.add_argument("--latency-ms", type=float, default=150.0, help="mean latency")
    parser.add_argument("--jitter-ms", type=float, default=50.0, help="latency varies by ±this")
    parser.add_argument("--parallelism", type=int, default=16)
    parser.add_argument(
        "--baseline-max",
        type=int,
        default=1000,
        help="skip the (slow, sequential) baseline above this many judges",
    )
    parser.add_argument("--rate-limit", type=float, default=20.0)
    parser.add_argument(
        "--rereads",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="count judgesync's re-read before each update and delete (off for versions without)",
    )
    parser.add_argument("--rate-limited-creates", type=int, default=300)
    parser.add_argument(
        "--prompts",
        choices=workload.PROMPTS,
        default="jinja",
        help="jinja: prompts with {% if %} and {% for %} blocks; prose: {{ var }} prints only",
    )
    parser.add_argument(
        "--commands",
        default="validate,plan,apply",
        help="the rows to run, by command; the rate-limited apply runs with apply",
    )
    args = parser.parse_args()  # fmt: skip
    sizes = [int(size) for size in args.sizes.split(",")]
    commands = set(args.commands.split(","))

    print(f"cores: {os.cpu_count()}, latency {args.latency_ms:g} ± {args.jitter_ms:g} ms, "
          f"--parallelism {args.parallelism}, medians of {args.runs} runs "
          f"(baseline: {args.baseline_runs}), {args.prompts} prompts")  # fmt: skip
    header = ("judges", "scenario", "requests", "judgesync s", "RSS MB", "ideal s",
              "baseline s", "ratio", "CPU ms/request: judgesync / baseline",
              "listing s: judgesync / baseline = ratio")  # fmt: skip
    rows: list[tuple[str, ...]] = []
    with tempfile.TemporaryDirectory() as scratch, _emulator(args) as url:
        for size in sizes:
            for scenario in (s for s in SCENARIOS if s.command in commands):
                rows.append(_row(scenario, size, args, url, Path(scratch)))
                print(" | ".join(rows[-1]), flush=True)
    print()
    _print_table(header, rows)
    if "apply" not in commands:
        return
    print()
    limited = _emulator(args, args.rate_limit)
    with tempfile.TemporaryDirectory() as scratch, limited as url:
        _rate_limited(url, Path(scratch), args)


def _emulator(args: argparse.Namespace, rate_limit: float = 0.0) -> ContextManager[str]:
    """Latency - jitter, plus 0 to twice the jitter at random: a mean of `latency_ms`."""
    base = max(0.0, args.latency_ms - args.jitter_ms)
    return emulator(base, 2 * args.jitter_ms, rate_limit)


def _requests(scenario: Scenario, size: int) -> int:
    """Requests a run sends: the writes plus one per list page (both clients ask 100)."""
    if scenario.command == "validate":
        return 0
    pages = max(1, math.ceil(len(scenario.remote(size)) / PAGE_SIZE))
    return scenario.writes(size) + pages


def _cpu_ms_per_request(measurements: list[Measurement], requests: int) -> float:
    return statistics.median(m.cpu_seconds for m in measurements) * 1000 / requests


def _row(
    scenario: Scenario, size: int, args: argparse.Namespace, url: str, scratch: Path
) -> tuple[str, ...]:
    ours: list[Measurement] = []
    theirs: list[Measurement] = []
    for _ in range(args.runs):
        work = scratch / f"{size}-{scenario.command}-{uuid.uuid4().hex[:8]}"
        specs = work / "judges"
        workload.write_specs(specs, scenario.specs(size), scenario.changed(size), args.prompts)
        ours.append(_once(scenario, size, url, specs, args, judgesync=True))
        wants_baseline = scenario.command != "validate" and size <= args.baseline_max
        if wants_baseline and len(theirs) < args.baseline_runs:
            theirs.append(_once(scenario, size, url, specs, args, judgesync=False))
    seconds = statistics.median(m.seconds for m in ours)
    rss = statistics.median(m.peak_rss_mb for m in ours)
    requests = _requests(scenario, size)
    ideal = baseline = ratio = listing = cpu = "-"
    if scenario.command == "apply":
        ideal = f"{requests / args.parallelism * args.latency_ms / 1000:.2f}"
    ours_requests = requests + (scenario.rereads(size) if args.rereads else 0)
    if requests:
        cpu = f"{_cpu_ms_per_request(ours, ours_requests):.2f}"
    if theirs:
        baseline_seconds = statistics.median(m.seconds for m in theirs)
        baseline = f"{baseline_seconds:.2f}"
        ratio = f"{seconds / baseline_seconds:.3f}"
        cpu += f" / {_cpu_ms_per_request(theirs, requests):.2f}"
        if scenario.command == "plan":
            ours_list = statistics.median(m.list_seconds or 0.0 for m in ours)
            base_list = statistics.median(json.loads(m.stdout)["list_seconds"] for m in theirs)
            listing = f"{ours_list:.2f} / {base_list:.2f} = {ours_list / base_list:.2f}"
    added = ours_requests - requests
    sent = f"{requests} (+{added})" if added else str(requests)
    return (f"{size:,}", scenario.label, sent, f"{seconds:.2f}", f"{rss:.0f}", ideal,
            baseline, ratio, cpu, listing)  # fmt: skip


def _once(
    scenario: Scenario, size: int, url: str, specs: Path, args: argparse.Namespace, judgesync: bool
) -> Measurement:
    """Prepare a fresh workspace (a new key) with the scenario's remote judges, run once."""
    reset(url)
    key = f"bench-{uuid.uuid4().hex}"
    workload.seed(url, key, scenario.remote(size), args.prompts)
    env = {**os.environ, "MISTRAL_API_KEY": key, "NO_COLOR": "1"}
    env.pop("JUDGESYNC_API_URL", None)
    if judgesync:
        command = [JUDGESYNC, scenario.command]
        if scenario.command != "validate":
            command += ["--api-url", url, "--parallelism", str(args.parallelism)]
        if scenario.command == "apply":
            command.append("--auto-approve")
    else:
        command = [str(BIN / "python"), "-m", "benchmarks.baseline_sdk", "--api-url", url]
        if scenario.command == "plan":
            command.append("--dry-run")
    if scenario.prune:
        command.append("--prune")
        if judgesync:
            command.append("--allow-mass-delete")  # judgesync's guard against deleting many
    command.append(str(specs))
    measured = measure(command, env, cwd=Path.cwd())
    if judgesync and scenario.command == "plan":
        # The same listing code plan runs, timed alone, against the same workspace.
        with JudgesClient(url, key, list_concurrency=args.parallelism) as client:
            started = time.perf_counter()
            client.list_judges()
            measured = replace(measured, list_seconds=time.perf_counter() - started)
    return measured


def _rate_limited(url: str, scratch: Path, args: argparse.Namespace) -> None:
    creates = args.rate_limited_creates
    specs = scratch / "judges"
    workload.write_specs(specs, range(creates), prompts=args.prompts)
    env = {**os.environ, "MISTRAL_API_KEY": f"bench-{uuid.uuid4().hex}", "NO_COLOR": "1"}
    command = [JUDGESYNC, "apply", "--api-url", url, "--parallelism", str(args.parallelism),
               "--auto-approve", "--format", "json", str(specs)]  # fmt: skip
    result = measure(command, env, cwd=Path.cwd())
    report = json.loads(result.stdout)["report"]
    done = sum(r["outcome"] == "done" for r in report["results"])
    failed = len(report["results"]) - done
    requests = creates + 1  # the creates and one page of listing
    throughput = requests / result.seconds
    print(
        f"Rate limit {args.rate_limit:g} req/s, apply of {creates} creates at --parallelism"
        f" {args.parallelism}: {result.seconds:.2f} s whole process, {done} done,"
        f" {failed} failed, {throughput:.1f} successful req/s"
        f" = {throughput / args.rate_limit:.0%} of the limit"
    )


def _print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
