"""The machine-readable plan and report (`--format json`).

Schema, format_version 1 (fields are only ever added within a version):

    {"format_version": 1, "target": str,
     "summary": {"create": int, "update": int, "delete": int, "no_op": int, "unmanaged": int},
     "actions": [{"action": "create"|"update"|"delete"|"no-op", "name": str,
                  "judge_id": str|null, "changes": [{"field": str, "before": any, "after": any}],
                  "desired": {judge definition}|null}],
     "unmanaged": [{"name": str, "judge_id": str}],
     "model_overrides": [{"judge": str, "original": str, "replacement": str}]}

    report: {"format_version": 1, "ok": bool,
             "results": [{"action": str, "name": str,
                          "outcome": "done"|"failed"|"not started"|"unknown",
                          "message": str}]}
    ("not started" and "unknown" only when apply was interrupted or hit a fatal error.)
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from judgesync.plan.executor import Report
from judgesync.plan.planner import Action, ActionKind, Plan

FORMAT_VERSION = 1


def plan_document(plan: Plan, target: str) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "target": target,
        "summary": {
            "create": plan.count(ActionKind.CREATE),
            "update": plan.count(ActionKind.UPDATE),
            "delete": plan.count(ActionKind.DELETE),
            "no_op": plan.count(ActionKind.NOOP),
            "unmanaged": len(plan.unmanaged),
        },
        "actions": [_action(action) for action in plan.actions],
        "unmanaged": [{"name": j.name, "judge_id": j.id} for j in plan.unmanaged],
        "model_overrides": [asdict(override) for override in plan.model_overrides],
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
    return {
        "action": action.kind.value,
        "name": action.name,
        "judge_id": action.remote.id if action.remote else None,
        "changes": [
            {"field": c.path, "before": c.before, "after": c.after} for c in action.changes
        ],
        "desired": action.desired.model_dump(mode="json") if action.desired else None,
    }
