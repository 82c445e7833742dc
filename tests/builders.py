"""Small builders for judge values used across unit tests."""

from __future__ import annotations

from typing import Any

from judgesync.models import Judge, JudgeDefinition


def definition(name: str = "tone", **fields: Any) -> JudgeDefinition:
    data: dict[str, Any] = {
        "name": name,
        "description": "Is the answer polite?",
        "model_name": "mistral-small-latest",
        "instructions": "Rate {{ assistant_message }}\n",
        "output": {
            "type": "CLASSIFICATION",
            "options": [
                {"value": "polite", "description": "Courteous."},
                {"value": "rude", "description": "Not courteous."},
            ],
        },
        "tools": [],
    }
    data.update(fields)
    return JudgeDefinition.model_validate(data)


def regression(name: str = "helpfulness", low: float = 1, high: float = 5) -> JudgeDefinition:
    return definition(
        name,
        output={
            "type": "REGRESSION",
            "min": low,
            "max": high,
            "min_description": "useless",
            "max_description": "perfect",
        },
    )


def remote(source: JudgeDefinition, judge_id: str | None = None, **fields: Any) -> Judge:
    data = source.model_dump(mode="json")
    data.update(
        id=judge_id or f"id-{source.name}",
        created_at="2026-01-01T00:00:00Z",
        updated_at="2026-01-01T00:00:00Z",
        deleted_at=None,
    )
    data.update(fields)
    return Judge.model_validate(data)
