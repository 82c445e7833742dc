"""One canonical form for both sides of a comparison.

What counts as a change (documented in the README, "How judges are compared"):
- text (name, description, model_name, instructions, option values and
  descriptions) is compared exactly, trailing newline included: the server
  stores what it is sent, so what you see in YAML is what runs;
- regression bounds are compared as numbers, so `1` and `1.0` are equal;
- classification options keep their order (the order is shown to the model);
- tools are a set: their order carries no meaning, so it never causes a diff.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from judgesync.spec import JudgeDefinition, RegressionOutput


def canonical(definition: JudgeDefinition) -> dict[str, Any]:
    """The comparison form of a judge definition, as plain JSON-able data."""
    data = definition.model_dump(mode="json")
    data["tools"] = sorted(definition.tools)
    if isinstance(definition.output, RegressionOutput):
        for bound in ("min", "max"):
            value = data["output"][bound]
            data["output"][bound] = None if value is None else float(value)
    return data


def content_hash(definition: JudgeDefinition) -> str:
    """A stable hash of a definition's canonical form."""
    text = json.dumps(canonical(definition), sort_keys=True, ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted paths to leaves: {"output": {"max": 5}} -> {"output.max": 5}.

    Lists of scalars and text stay whole; lists of mappings get `[i]` paths.
    """
    if isinstance(value, dict):
        leaves: dict[str, Any] = {}
        for key, item in value.items():
            leaves.update(flatten(item, f"{prefix}.{key}" if prefix else key))
        return leaves
    if isinstance(value, list) and value and all(isinstance(i, dict) for i in value):
        leaves = {}
        for index, item in enumerate(value):
            leaves.update(flatten(item, f"{prefix}[{index}]"))
        return leaves
    return {prefix: value}
