"""Change some values of a spec file's YAML and leave every other byte as it is.

`rewrite(text, updates)` sets top-level keys to new values: comments, key
order, blank lines, quoting and the editor modeline outside the changed
values stay exactly as written. It edits the text at the positions the YAML
parser reports, descending into block mappings (and lists of them, such as
`output.options`) down to the values that differ, so a changed option
description replaces that one line. A value that cannot be narrowed down
(another shape, a flow collection) is replaced as a whole entry, written by
yamlio's dumper. A round-trip editor such as ruamel.yaml would re-emit the
whole file in its own style and read YAML 1.2, not the YAML 1.1 the loader
reads; editing positions keeps the same parser for reading and writing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from judgesync.specs import yamlio

_BLOCK_SCALAR_STYLES = ("|", ">")


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    text: str


def rewrite(text: str, updates: Mapping[str, Any], renamed: Mapping[str, str] = {}) -> str:
    """`text` with each top-level key of `updates` set to its value.

    A key absent from the document is appended at its end; `renamed` maps a
    key of the document to the key of `updates` that takes its place (an
    `instructions_file` that becomes inline `instructions`). `text` must be
    a block mapping, as every spec file the loader accepts is.
    """
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if not isinstance(root, MappingNode) or root.flow_style:
            raise ValueError("rewrite needs a block mapping at the top of the document")
        edits: list[_Edit] = []
        present = {key.value: (key, value) for key, value in root.value}
        appended = ""
        for key, new in updates.items():
            old_key = next((old for old, now in renamed.items() if now == key), key)
            if old_key in present:
                key_node, value_node = present[old_key]
                _entry(loader, text, key_node, value_node, key, new, edits, old_key != key)
            else:
                appended += yamlio.dump_fragment({key: new})
    finally:
        loader.dispose()
    for edit in sorted(edits, key=lambda edit: edit.start, reverse=True):
        text = text[: edit.start] + edit.text + text[edit.end :]
    if appended:
        text = (text if text.endswith("\n") or not text else text + "\n") + appended
    return text


def _entry(
    loader: yaml.SafeLoader,
    text: str,
    key_node: Node,
    value_node: Node,
    key: str,
    new: Any,
    edits: list[_Edit],
    rename: bool = False,
) -> None:
    """Record the edits that make the entry `key_node: value_node` hold `new`."""
    if not rename and _same(loader.construct_object(value_node, deep=True), new):
        return
    if not rename and _narrows(value_node, new):
        children = (
            [(value_node, new)]
            if isinstance(value_node, MappingNode)
            else list(zip(value_node.value, new, strict=True))
        )
        for mapping, values in children:
            for child_key, child_value in mapping.value:
                child_new = values[child_key.value]
                _entry(loader, text, child_key, child_value, child_key.value, child_new, edits)
        return
    edits.append(_replacement(text, key_node, value_node, key, new))


def _same(old: Any, new: Any) -> bool:
    """Equal as YAML values: `1` and `1.0` alike, but `true` is no `1`."""
    if isinstance(old, bool) or isinstance(new, bool):
        return type(old) is type(new) and old == new
    if isinstance(old, dict) and isinstance(new, dict):
        return old.keys() == new.keys() and all(_same(old[k], new[k]) for k in old)
    if isinstance(old, list) and isinstance(new, list):
        return len(old) == len(new) and all(_same(a, b) for a, b in zip(old, new, strict=True))
    return bool(old == new) and (isinstance(old, str) == isinstance(new, str))


def _narrows(node: Node, new: Any) -> bool:
    """Whether the edit can go inside `node`: a block mapping with the same keys,
    or a block list of as many such mappings."""
    if isinstance(node, MappingNode):
        return not node.flow_style and _same_keys(node, new)
    if isinstance(node, SequenceNode) and not node.flow_style and isinstance(new, list):
        return len(node.value) == len(new) and all(
            isinstance(item, MappingNode) and not item.flow_style and _same_keys(item, value)
            for item, value in zip(node.value, new, strict=True)
        )
    return False


def _same_keys(node: MappingNode, new: Any) -> bool:
    keys = [key.value for key, _ in node.value]
    return isinstance(new, dict) and len(keys) == len(set(keys)) and set(keys) == set(new)


def _replacement(text: str, key_node: Node, value_node: Node, key: str, new: Any) -> _Edit:
    """The whole entry written anew at the key's column; a comment after the old
    value stays on the entry's first line."""
    column = key_node.start_mark.column
    lines = yamlio.dump_fragment({key: new}).splitlines(keepends=True)
    indented = (" " * column + line if line.strip() else line for line in lines[1:])
    fragment = lines[0] + "".join(indented)
    end, ends_line = _value_end(text, value_node)
    if ends_line:
        return _Edit(key_node.start_mark.index, end, fragment)
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    rest = text[end:line_end]
    if len(lines) == 1:
        return _Edit(key_node.start_mark.index, end, fragment.rstrip("\n"))
    # The new value spans lines: the rest of the old line (a comment) moves to the
    # first one, where YAML allows it after a key or a block scalar's header.
    first, after = fragment.split("\n", 1)
    comment = f"{first}  {rest.strip()}" if rest.strip() else first
    stop = line_end + 1 if line_end < len(text) else line_end
    return _Edit(key_node.start_mark.index, stop, f"{comment}\n{after}")


def _value_end(text: str, node: Node) -> tuple[int, bool]:
    """Where a value's own text ends, and whether that is past its line's end.

    The parser's end marks of block collections and block scalars run on over
    the blank lines and comments that follow; those belong to what comes next.
    """
    if isinstance(node, ScalarNode) and node.style in _BLOCK_SCALAR_STYLES:
        start, end = node.start_mark.index, node.end_mark.index
        content = text[start:end].rstrip("\n")
        stop = start + len(content)
        return (stop + 1, True) if stop < len(text) else (stop, False)
    if isinstance(node, (MappingNode, SequenceNode)) and not node.flow_style and node.value:
        last = node.value[-1]
        return _value_end(text, last[1] if isinstance(node, MappingNode) else last)
    return node.end_mark.index, False
