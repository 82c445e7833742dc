"""One canonical form for both sides of a comparison, and the comparison itself.

What counts as a change (documented in the README, "How judges are compared"):
- text (name, description, model_name, instructions, option values and
  descriptions) is compared exactly, trailing newline included: the server
  stores what it is sent, so what you see in YAML is what runs;
- regression bounds are compared as numbers, so `1` and `1.0` are equal;
- classification options keep their order (the order is shown to the model);
- tools are a set: their order carries no meaning, so it never causes a diff.

`canonical` applies these rules to one definition (for the plan's content
hash and the quick equality check); `changed_fields` has DeepDiff apply them
to a pair.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from judgesync.models import JudgeDefinition, RegressionOutput

if TYPE_CHECKING:
    from deepdiff.model import DiffLevel


def canonical(definition: JudgeDefinition) -> dict[str, Any]:
    """The comparison form of a judge definition, as plain JSON-able data."""
    data = definition.model_dump(mode="json")
    data["tools"] = sorted(set(definition.tools))
    if isinstance(definition.output, RegressionOutput):
        for bound in ("min", "max"):
            value = data["output"][bound]
            data["output"][bound] = None if value is None else float(value)
    return data


def content_hash(definition: JudgeDefinition) -> str:
    """A stable hash of a definition's canonical form."""
    text = json.dumps(canonical(definition), sort_keys=True, ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def changed_fields(before: JudgeDefinition, after: JudgeDefinition) -> list[tuple[str, Any, Any]]:
    """(path, before, after) for each leaf of `flatten` whose value differs.

    DeepDiff, told the rules above, finds what differs; the values shown are
    the canonical ones, None where a field is missing. New fields come in
    their order in `after`, then the fields only `before` has.
    """
    old, new = canonical(before), canonical(after)
    if old == new:  # most judges in a plan: skip the deep comparison
        return []
    # Imported here: DeepDiff costs ~0.15 s of start-up, and most plans change nothing.
    from deepdiff import DeepDiff

    tree = DeepDiff(
        before.model_dump(),
        after.model_dump(),
        view="tree",
        ignore_numeric_type_changes=True,
        ignore_order_func=_is_tools,
        # Always name the fields that differ, never a whole mapping that changed a lot.
        threshold_to_diff_deeper=0,
    )
    old_leaves, new_leaves = flatten(old), flatten(new)
    leaves = list(dict.fromkeys([*new_leaves, *old_leaves]))
    differing: set[str] = set()
    for report in tree.values():
        for level in report:
            differing.update(_leaves_at(_dotted(level.path(output_format="list")), leaves))
    return [
        (leaf, old_leaves.get(leaf), new_leaves.get(leaf))
        for leaf in leaves
        # A None field is no change from a missing one.
        if leaf in differing and (old_leaves.get(leaf), new_leaves.get(leaf)) != (None, None)
    ]


def _is_tools(level: DiffLevel) -> bool:
    keys: list[str | int] = level.path(output_format="list")
    return keys[:1] == ["tools"]


def _dotted(keys: list[str | int]) -> str:
    return "".join(f"[{key}]" if isinstance(key, int) else f".{key}" for key in keys)[1:]


def _leaves_at(path: str, leaves: list[str]) -> list[str]:
    """The leaves below `path`, or the leaf holding it (`tools` for `tools[1]`)."""
    return [
        leaf
        for leaf in leaves
        if leaf == path
        or leaf.startswith((f"{path}.", f"{path}["))
        or path.startswith((f"{leaf}.", f"{leaf}["))
    ]


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
