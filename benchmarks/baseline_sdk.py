"""THE BASELINE: the straightforward sync loop a user would write with the official SDK.

This is what judgesync is compared against, not part of judgesync. It reads
the spec files with `yaml.safe_load`, lists the remote page by page with
`mistralai`, then creates, updates and (with --prune) deletes one judge at a
time. It prints a JSON line with its listing time and its counts.

    python -m benchmarks.baseline_sdk SPEC_DIR --api-url URL [--prune] [--dry-run]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import yaml
from mistralai.client import Mistral

MANAGED = ("name", "description", "model_name", "instructions", "output", "tools")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("spec_dir", type=Path)
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--prune", action="store_true")
    parser.add_argument("--dry-run", action="store_true", help="list and compare only (plan)")
    args = parser.parse_args()

    desired = {}
    for path in sorted(args.spec_dir.glob("*.yaml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        desired[spec["name"]] = {key: spec.get(key, []) for key in MANAGED}

    with Mistral(server_url=args.api_url, api_key=os.environ["MISTRAL_API_KEY"]) as client:
        judges = client.beta.observability.judges
        started = time.perf_counter()
        remote: dict[str, Any] = {}
        page = 1
        while True:
            listed = judges.list(page=page, page_size=100).judges
            for judge in listed.results or []:
                remote[judge.name] = judge
            if not listed.next:
                break
            page += 1
        list_seconds = time.perf_counter() - started

        counts = {"create": 0, "update": 0, "delete": 0}
        for name, spec in desired.items():
            judge = remote.get(name)
            if judge is None:
                counts["create"] += 1
                if not args.dry_run:
                    judges.create(**spec)
            elif _as_spec(judge) != spec:
                counts["update"] += 1
                if not args.dry_run:
                    judges.update(judge_id=judge.id, **spec)
        if args.prune:
            for name, judge in remote.items():
                if name not in desired:
                    counts["delete"] += 1
                    if not args.dry_run:
                        judges.delete(judge_id=judge.id)
    print(json.dumps({"list_seconds": list_seconds, **counts}))


def _as_spec(judge: Any) -> dict[str, Any]:
    data = judge.model_dump(mode="json")
    return {key: data.get(key) for key in MANAGED}


if __name__ == "__main__":
    main()
