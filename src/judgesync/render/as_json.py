"""The machine-readable plan and report (`--format json`).

Schema, format_version 1 (fields are only ever added within a version):

    {"format_version": 1, "target": str, "target_name": str|null, "target_label": str,
     "ownership": [str]|null, "prune": bool,  (ownership null: the whole workspace
                                               is owned)
     "summary": {"create": int, "update": int, "delete": int, "no_op": int, "unmanaged": int,
                 "breaking": int},
     "actions": [{"action": "create"|"update"|"delete"|"no-op", "name": str,
                  "judge_id": str|null, "changes": [{"field": str, "before": any, "after": any}],
                  "desired": {judge definition}|null,
                  "change_class": "major"|"minor"|"patch"|null,
                  "change_reasons": [str],
                  "breaking_fingerprint": str|null, "acknowledged": bool}],
     "unmanaged": [{"name": str, "judge_id": str}],
     "model_overrides": [{"judge": str, "original": str, "replacement": str}],
     "rename_hints": [{"create": str, "remote_name": str, "judge_id": str,
                       "deleted": bool}],  (a create close to a deleted or unmanaged
                                            judge's name: perhaps a missed rename)
     "replay": {...}}  (only with `plan --replay`; its schema is in render/review_json.py)

    report: {"format_version": 1, "ok": bool,
             "results": [{"action": str, "name": str,
                          "outcome": "done"|"failed"|"not started"|"unknown",
                          "message": str}]}
    ("not started" and "unknown" only when apply was interrupted or hit a fatal error.)

`target` is the API URL, or `local`; `target_name` the judgesync.yaml target, if
any; `target_label` how text output names them (the same three fields as a saved
plan file, docs/planfile.md). `change_class` is set on updates only
(plan/change_class.py: major means verdicts before and after are not
comparable), with one sentence per reason, worst first;
`breaking_fingerprint` on major updates only: the value a spec's
`acknowledge_breaking` takes to accept that change, and `acknowledged` whether it
does. `summary.breaking` counts the major updates.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from judgesync.plan.executor import Report
from judgesync.plan.header import PlanHeader
from judgesync.plan.planner import Action, ActionKind, Plan
from judgesync.plan.renames import rename_hints

FORMAT_VERSION = 1


def plan_document(plan: Plan, header: PlanHeader) -> dict[str, Any]:
    """Everything in the plan: each action with its full content, each unmanaged judge."""
    ownership = list(header.ownership) if header.ownership is not None else None
    return {
        "format_version": FORMAT_VERSION,
        "target": header.api_url,
        "target_name": header.target_name,
        "target_label": header.target,
        "ownership": ownership,
        "prune": header.prune,
        "summary": {
            "create": plan.count(ActionKind.CREATE),
            "update": plan.count(ActionKind.UPDATE),
            "delete": plan.count(ActionKind.DELETE),
            "no_op": plan.count(ActionKind.NOOP),
            "unmanaged": len(plan.unmanaged),
            "breaking": len(plan.breaking),
        },
        "actions": [_action(action) for action in plan.actions],
        "unmanaged": [{"name": j.name, "judge_id": j.id} for j in plan.unmanaged],
        "model_overrides": [asdict(override) for override in plan.model_overrides],
        "rename_hints": [
            {
                "create": hint.created,
                "remote_name": hint.remote.name,
                "judge_id": hint.remote.id,
                "deleted": hint.deleted,
            }
            for hint in rename_hints(plan)
        ],
    }


def report_document(report: Report) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "ok": report.ok,
        "results": [
            {
                "action": r.action.kind.value,
                "name": r.action.name,
                "outcome": r.outcome.value,
                "message": r.message,
            }
            for r in report.results
        ],
    }


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def _action(action: Action) -> dict[str, Any]:
    classification = action.classification
    return {
        "action": action.kind.value,
        "name": action.name,
        "judge_id": action.remote.id if action.remote else None,
        "changes": [
            {"field": c.path, "before": c.before, "after": c.after} for c in action.changes
        ],
        "desired": action.desired.model_dump(mode="json") if action.desired else None,
        "change_class": str(classification.change_class) if classification else None,
        "change_reasons": [r.sentence for r in classification.reasons] if classification else [],
        "breaking_fingerprint": action.fingerprint,
        "acknowledged": action.acknowledged,
    }
