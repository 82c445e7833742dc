"""Judge instructions are Jinja2 templates: parsing, the platform's variables,
and sandboxed rendering. Shared by the spec loader and the emulator."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2.nodes
    from jinja2.sandbox import ImmutableSandboxedEnvironment

# The variables the service injects when it judges (see the API contract).
PLATFORM_VARIABLES = frozenset(
    {
        "conversation_history",
        "user_message",
        "assistant_message",
        "system_prompt",
        "available_tools",
        "answer_type_definition",
        "properties",
    }
)


@functools.cache
def _environment() -> ImmutableSandboxedEnvironment:
    # Imported on first use: most prompts pass `check` without Jinja (see below),
    # and importing it costs every command ~25 ms of start-up.
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    return ImmutableSandboxedEnvironment(autoescape=False, keep_trailing_newline=True)


@dataclass(frozen=True)
class TemplateSyntaxProblem:
    line: int | None
    message: str


def syntax_problem(source: str) -> TemplateSyntaxProblem | None:
    """The first Jinja2 syntax error of `source` (line within the template), or None."""
    if _simple_platform_prints(source) is not None:
        return None  # such a text always parses (see `check`)
    from jinja2 import TemplateSyntaxError

    try:
        _parse(source)
    except TemplateSyntaxError as error:
        return _syntax_of(error)
    return None


def _syntax_of(error: jinja2.TemplateSyntaxError) -> TemplateSyntaxProblem:
    return TemplateSyntaxProblem(line=error.lineno, message=error.message or str(error))


@functools.lru_cache(maxsize=64)
def _parse(source: str) -> jinja2.nodes.Template:
    """Jinja's tree of `source`, kept for the next helper that asks (validate asks
    up to four times per prompt); raises TemplateSyntaxError. Trees are only read."""
    return _environment().parse(source)


@dataclass(frozen=True)
class TemplateCheck:
    """What is wrong with a template: a syntax problem, or else unknown variables."""

    syntax: TemplateSyntaxProblem | None
    unknown_variables: tuple[str, ...]


# `{{ name }}` or `{{ name.attr.attr }}`, with optional whitespace control: the
# whole of most judge prompts. A text made only of these and plain data parses
# without error and reads exactly their root names.
_SIMPLE_PRINT = re.compile(
    r"\{\{-?\s*([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*-?\}\}"
)
_JINJA_OPENER = re.compile(r"\{[{%#]")


def check(source: str) -> TemplateCheck:
    """`syntax_problem` and `unknown_variables` from a single parse, for bulk loading."""
    if _simple_platform_prints(source) is not None:
        # Jinja's parser would find nothing wrong (a property test checks it), at a
        # fraction of its cost over 10,000 spec files.
        return TemplateCheck(syntax=None, unknown_variables=())
    from jinja2 import TemplateSyntaxError, meta, nodes

    try:
        tree = _parse(source)
    except TemplateSyntaxError as error:
        return TemplateCheck(syntax=_syntax_of(error), unknown_variables=())
    # Every undeclared variable is read by some Name node, so when all names read are
    # platform variables the costly scope analysis of find_undeclared_variables can be
    # skipped; its answer would be empty.
    read = {name.name for name in tree.find_all(nodes.Name) if name.ctx == "load"}
    if read <= PLATFORM_VARIABLES:
        return TemplateCheck(syntax=None, unknown_variables=())
    undeclared = meta.find_undeclared_variables(tree)
    return TemplateCheck(
        syntax=None, unknown_variables=tuple(sorted(undeclared - PLATFORM_VARIABLES))
    )


def _simple_platform_prints(source: str) -> list[re.Match[str]] | None:
    """Each `{{ name.attr }}` of `source` when prints of platform variables are all
    the Jinja it holds, else None."""
    # Scan as Jinja's lexer does: the leftmost opener starts the next tag.
    prints: list[re.Match[str]] = []
    position = 0
    while True:
        opener = _JINJA_OPENER.search(source, position)
        if opener is None:
            return prints
        match = _SIMPLE_PRINT.match(source, opener.start())
        if match is None or match.group(1) not in PLATFORM_VARIABLES:
            return None
        prints.append(match)
        position = match.end()


def render(source: str, variables: Mapping[str, Any]) -> str:
    """Render untrusted `source` in a sandbox: no attribute escapes, no mutation."""
    return _environment().from_string(source).render(dict(variables))


def read_variables(source: str) -> frozenset[str]:
    """The variables `source` reads from its context (platform ones or not); it must parse."""
    prints = _simple_platform_prints(source)
    if prints is not None:
        return frozenset(match.group(1) for match in prints)
    from jinja2 import meta

    return frozenset(meta.find_undeclared_variables(_parse(source)))


def property_names(source: str) -> frozenset[str]:
    """The `properties.*` keys `source` reads, as `properties.x` or `properties["x"]`.

    `source` must parse. Method calls such as `properties.get("x")` are not
    reads (the template copes with a missing key), and keys chosen at render
    time cannot be known, so neither is listed.
    """
    prints = _simple_platform_prints(source)
    if prints is not None:
        return frozenset(
            match.group(2).split(".")[1]
            for match in prints
            if match.group(1) == "properties" and match.group(2)
        )
    from jinja2 import nodes

    tree = _parse(source)
    called = {id(call.node) for call in tree.find_all(nodes.Call)}
    names: set[str] = set()
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        if not isinstance(node, nodes.Getattr | nodes.Getitem) or id(node) in called:
            continue
        base = node.node
        if not (isinstance(base, nodes.Name) and base.name == "properties"):
            continue
        if isinstance(node, nodes.Getattr):
            names.add(node.attr)
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            names.add(node.arg.value)
    return frozenset(names)


def needs_parser(source: str) -> bool:
    """Whether `check` runs Jinja's parser on `source`; if not, it answers at once."""
    return _simple_platform_prints(source) is None
