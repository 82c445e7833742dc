"""What a judging model is asked to answer, and the check of what it answered.

The model must answer one JSON object, `{"analysis": str, "answer": ...}`:
`answer` one of the option values (a JSON-schema `enum`) for a classification
judge, a number within `[min, max]` (`minimum`/`maximum`) for a regression
judge. The same schema is sent in every dialect (model_judging.py), and the
answer is checked here whatever the server claims to enforce: some grammars
(llama.cpp's) do not constrain a number's range.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from judgesync.specs.platform_prompt import regression_range


class InvalidAnswer(ValueError):
    """The model's answer is not the JSON object the schema asks for; the message says why."""


def answer_schema(output: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON schema of the verdict object for a judge's `output`."""
    if output["type"] == "CLASSIFICATION":
        answer: dict[str, Any] = {
            "type": "string",
            "enum": [option["value"] for option in output["options"]],
        }
    else:
        low, high = regression_range(output)
        answer = {"type": "number", "minimum": low, "maximum": high}
    return {
        "type": "object",
        "properties": {"analysis": {"type": "string"}, "answer": answer},
        "required": ["analysis", "answer"],
        "additionalProperties": False,
    }


def read_verdict(content: str, output: Mapping[str, Any]) -> dict[str, Any]:
    """The `JudgeOutput` body in the model's message `content`; InvalidAnswer otherwise."""
    try:
        verdict = json.loads(content)
    except ValueError:
        raise InvalidAnswer(f"it is not JSON: {_excerpt(content)}") from None
    if not isinstance(verdict, dict) or set(verdict) != {"analysis", "answer"}:
        raise InvalidAnswer(f"it is not an object of 'analysis' and 'answer': {_excerpt(content)}")
    analysis, answer = verdict["analysis"], verdict["answer"]
    if not isinstance(analysis, str):
        raise InvalidAnswer("its 'analysis' is not a string")
    if output["type"] == "CLASSIFICATION":
        values = [option["value"] for option in output["options"]]
        if answer not in values:
            raise InvalidAnswer(f"its answer {answer!r} is not one of {values}")
    else:
        low, high = regression_range(output)
        number_like = isinstance(answer, int | float) and not isinstance(answer, bool)
        if not number_like or not math.isfinite(answer) or not low <= answer <= high:
            raise InvalidAnswer(f"its answer {answer!r} is not a number from {low:g} to {high:g}")
        answer = float(answer)
    return {"analysis": analysis, "answer": answer}


def _excerpt(text: str, limit: int = 120) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "…")
