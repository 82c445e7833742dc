"""The process that renders for live judging: `python -m judgesync.emulator.judging_worker`.

It reads one JSON job per line on stdin (`{"definition", "messages", "properties"}`)
and writes one JSON line per job on stdout (`{"rendered": str}`, the rendered
instructions, or `{"refusal": {"status", "error_code", "message"}}`), after a first `"ready"` line,
until stdin closes. judging_pool.py drives it and kills it past the time budget.

Its own limits: an address-space cap (Linux), so a template building a huge string
fails here with MemoryError instead of swapping the machine; and a CPU-time limit
per job, so a render still stops if the server died without killing it.
"""

from __future__ import annotations

import json
import math
import os
import sys
from typing import Any

from judgesync.emulator import judging
from judgesync.emulator.limits import RENDER_MEMORY_BYTES, RENDER_SECONDS
from judgesync.emulator.refusals import ApiRefusal
from judgesync.emulator.wire import Conversation

# Past the parent's deadline: this limit is only a backstop for an orphaned render.
_CPU_GRACE_SECONDS = 2


def _within(soft: int, hard: int) -> int:
    import resource

    return soft if hard == resource.RLIM_INFINITY else min(soft, hard)


def _cap_memory() -> None:
    """Allow the address space in use now plus the render budget."""
    if sys.platform != "linux":  # other systems do not enforce RLIMIT_AS
        return
    import resource

    with open("/proc/self/statm") as statm:
        in_use = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = in_use + RENDER_MEMORY_BYTES
    resource.setrlimit(resource.RLIMIT_AS, (_within(soft, hard), hard))


def _limit_cpu_for_one_job() -> None:
    if sys.platform == "win32":
        return
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(usage.ru_utime + usage.ru_stime + RENDER_SECONDS) + _CPU_GRACE_SECONDS
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(resource.RLIMIT_CPU, (_within(soft, hard), hard))


def outcome(job: dict[str, Any]) -> dict[str, Any]:
    conversation = Conversation(messages=job["messages"], properties=job["properties"])
    try:
        return {"rendered": judging.render_instructions(job["definition"], conversation)}
    except ApiRefusal as refusal:
        return {
            "refusal": {
                "status": refusal.status,
                "error_code": refusal.error_code,
                "message": refusal.message,
            }
        }


def main() -> None:
    jobs, outcomes = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write into the answers
    _cap_memory()
    outcomes.write(b'"ready"\n')
    outcomes.flush()
    for line in jobs:
        _limit_cpu_for_one_job()
        outcomes.write(json.dumps(outcome(json.loads(line))).encode() + b"\n")
        outcomes.flush()


if __name__ == "__main__":
    main()
