"""The one module that reads and writes YAML.

Reading is safe and strict: plain YAML only (no tags that build objects), one
document per file, no duplicate keys, no merge keys, and a bound on the nodes
built so aliases cannot expand into a "billion laughs". The document is
composed to nodes and turned into plain data here, so the line of every key
is known. Writing is deterministic and round-trips exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from judgesync.errors import Problem, SpecError
from judgesync.specs.textfile import line_at

KeyPath = tuple[Hashable, ...]

# A judge spec has a few dozen nodes; these bounds only stop hostile or broken input.
MAX_NODES = 100_000
MAX_DEPTH = 64

_Loader = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
_constructor = SafeConstructor()
_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_SCALAR_BUILDERS: dict[str, Callable[[ScalarNode], Any]] = {
    _STR: lambda node: node.value,
    "tag:yaml.org,2002:null": lambda node: None,
    "tag:yaml.org,2002:bool": _constructor.construct_yaml_bool,
    "tag:yaml.org,2002:int": _constructor.construct_yaml_int,
    "tag:yaml.org,2002:float": _constructor.construct_yaml_float,
    "tag:yaml.org,2002:timestamp": _constructor.construct_yaml_timestamp,
}
_SEQUENCE = "tag:yaml.org,2002:seq"
_MAPPING = "tag:yaml.org,2002:map"


@dataclass(frozen=True)
class Document:
    """Plain data from one YAML document, with where its parts are.

    `lines` maps the key path of every mapping entry to the line of its key,
    and of every sequence item to the line where the item starts; the empty
    path is the document itself. `text_lines` maps the path of each text
    value whose lines are the file's lines (a literal `|` block, or a
    one-line scalar) to the file line holding the value's first line.
    """

    data: Any
    lines: Mapping[KeyPath, int]
    text_lines: Mapping[KeyPath, int]


class _Refused(Exception):
    """A node the reader will not turn into data; aborts the document."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def load_document(text: str, path: str) -> Document:
    """Parse one YAML document; raise SpecError with every problem found.

    An empty document (or one with only comments) has `data` None.
    """
    document, problems = read_document(text, path)
    if problems:
        raise SpecError(problems)
    return document


def read_document(text: str, path: str) -> tuple[Document, list[Problem]]:
    """Parse one YAML document, with the problems that still leave it readable (a
    duplicate key, a refused tag or value: the data holds what could be read), so
    that its other checks can run too. Raises SpecError when it cannot be read, or
    when entries had to be left out (a merge key), which would make keys look missing."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        raise SpecError([_syntax_problem(error, path)]) from None
    except yaml.reader.ReaderError as error:
        line = line_at(text, error.position)
        message = f"invalid YAML: {error.reason}; remove or escape that character"
        raise SpecError([Problem(path, message, line)]) from None
    except RecursionError:
        raise SpecError([Problem(path, "the YAML nests too deeply to read")]) from None
    finally:
        loader.dispose()
    if root is None:
        return Document(None, {(): 1}, {}), []
    builder = _Builder()
    try:
        data = builder.build(root, (), 0)
    except _Refused as refused:
        raise SpecError([Problem(path, refused.message, refused.line)]) from None
    problems = [Problem(path, message, line) for message, line in builder.problems]
    if builder.incomplete:
        raise SpecError(problems)
    return Document(data, builder.lines, builder.text_lines), problems


def load(text: str) -> Any:
    """The plain data of a YAML document; raises SpecError when it is refused."""
    return load_document(text, "<string>").data


def _syntax_problem(error: yaml.MarkedYAMLError, path: str) -> Problem:
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark is not None else None
    if error.problem == "but found another document":
        return Problem(
            path, "the file holds more than one YAML document; put one judge per file", line
        )
    what = ", ".join(part for part in (error.context, error.problem) if part)
    return Problem(path, f"invalid YAML: {what}; check the indentation and quoting", line)


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


class _Builder:
    """Turns composed nodes into plain data, recording lines and problems."""

    def __init__(self) -> None:
        self.lines: dict[KeyPath, int] = {}
        self.text_lines: dict[KeyPath, int] = {}
        # A dict, not a list: a problem inside an aliased node is met once per alias.
        self.problems: dict[tuple[str, int], None] = {}
        self._nodes_left = MAX_NODES
        # Nodes being built right now: meeting one again means an alias loops.
        self._open: set[int] = set()
        # Entries were left out (a merge key, a key that is a list): checking what is
        # left would report the keys they held as missing.
        self.incomplete = False

    def build(self, node: Node, path: KeyPath, depth: int) -> Any:
        self._nodes_left -= 1
        if self._nodes_left < 0:
            raise _Refused(
                f"the document expands to more than {MAX_NODES} values (through aliases?);"
                " a judge spec should be small",
                _line(node),
            )
        if depth > MAX_DEPTH:
            raise _Refused(f"the document nests deeper than {MAX_DEPTH} levels", _line(node))
        if path not in self.lines:
            self.lines[path] = _line(node)
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        if id(node) in self._open:
            raise _Refused("an alias refers to its own anchor; remove the loop", _line(node))
        self._open.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                self._check_tag(node, _SEQUENCE)
                return [
                    self.build(item, (*path, index), depth + 1)
                    for index, item in enumerate(node.value)
                ]
            if isinstance(node, MappingNode):
                self._check_tag(node, _MAPPING)
                return self._mapping(node, path, depth)
        finally:
            self._open.discard(id(node))
        raise _Refused(f"unsupported YAML node {type(node).__name__}", _line(node))

    def _problem(self, message: str, node: Node) -> None:
        self.problems[(message, _line(node))] = None

    def _check_tag(self, node: Node, expected: str) -> None:
        if node.tag != expected:
            self._problem(_tag_message(node.tag), node)

    def _scalar(self, node: ScalarNode, path: KeyPath) -> Any:
        value = self._scalar_value(node)
        if isinstance(value, str):
            if node.style == "|":
                self.text_lines[path] = _line(node) + 1
            elif "\n" not in value and node.start_mark.line == node.end_mark.line:
                self.text_lines[path] = _line(node)
        return value

    def _scalar_value(self, node: ScalarNode) -> Any:
        if node.tag == _STR:  # most values and every key: skip the builder lookup
            return node.value
        builder = _SCALAR_BUILDERS.get(node.tag)
        if builder is None:
            self._problem(_tag_message(node.tag), node)
            return node.value
        try:
            return builder(node)
        except (ValueError, yaml.YAMLError):
            self._problem(f"{node.value!r} is not a valid {_short_tag(node.tag)}", node)
            return node.value

    def _mapping(self, node: MappingNode, path: KeyPath, depth: int) -> dict[Hashable, Any]:
        result: dict[Hashable, Any] = {}
        first_lines: dict[Hashable, int] = {}
        for key_node, value_node in node.value:
            line = _line(key_node)
            if key_node.tag == _MERGE:
                self._problem("merge keys ('<<') are not supported; write the keys out", key_node)
                self.incomplete = True
                continue
            if not isinstance(key_node, ScalarNode):
                self._problem(
                    "a mapping key must be a plain value, not a list or mapping", key_node
                )
                self.incomplete = True
                continue
            key = self._scalar_value(key_node)
            if key in first_lines:
                message = f"duplicate key {key!r} (lines {first_lines[key]} and {line}); keep one"
                self._problem(message, key_node)
                continue
            first_lines[key] = line
            self.lines[(*path, key)] = line
            result[key] = self.build(value_node, (*path, key), depth + 1)
        return result


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:")


def _tag_message(tag: str) -> str:
    shown = _short_tag(tag) if tag.startswith("tag:yaml.org,2002:") else tag
    return f"the tag {shown!r} is not allowed; use plain YAML values (remove the tag)"


class _Dumper(yaml.SafeDumper):
    """Indents lists under their key and writes multi-line text as `|` blocks.

    The pure-Python dumper is used even when libyaml is present so the output
    is the same everywhere. When a text cannot be a block scalar without
    changing it (trailing spaces, tabs, control characters) the emitter
    falls back to a double-quoted scalar, which is exact.
    """

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


# Line breaks other than "\n" are folded away unless escaped in double quotes.
_OTHER_BREAKS = frozenset("\x85\u2028\u2029")


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style: str | None = None
    if not _OTHER_BREAKS.isdisjoint(text):
        style = '"'
    elif "\n" in text:
        style = "|"
    return dumper.represent_scalar(_STR, text, style=style)


_Dumper.add_representer(str, _represent_text)


def dump(data: Any) -> str:
    """Deterministic YAML: mappings keep their key order; `load(dump(x)) == x`."""
    return _dump_with(_Dumper, data)


def _dump_with(dumper: type[yaml.SafeDumper], data: Any) -> str:
    """How judgesync writes YAML: keys in their order, block style, lines never folded."""
    return yaml.dump(
        data,
        Dumper=dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=2**31 - 1,
        indent=2,
    )


class _FragmentDumper(_Dumper):
    """For entries spliced into a document that goes on after them."""


def _represent_fragment_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    # A `|+` block (text ending in blank lines) would take in the blank lines that
    # follow it in the document: such text is written double-quoted, which is exact.
    if text.endswith("\n\n") or text == "\n":
        return dumper.represent_scalar(_STR, text, style='"')
    return _represent_text(dumper, text)


_FragmentDumper.add_representer(str, _represent_fragment_text)


def dump_fragment(data: Mapping[str, Any]) -> str:
    """Entries of a block mapping, to splice into a document (specs/rewrite.py): as
    `dump` writes them, but with no document end marker, and no text block that
    would change by what follows it."""
    return _dump_with(_FragmentDumper, dict(data)).removesuffix("...\n")
