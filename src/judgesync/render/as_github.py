"""GitHub workflow commands (`--format github`): problems and errors as annotations.

A runner turns each `::error file=F,line=L::message` line of a step's output
into an annotation on the file and line, shown in the run and on the pull
request's diff. Values are escaped exactly as GitHub's toolkit does
(@actions/core `escapeData` / `escapeProperty`), so no message can end its
command early, forge another command, or split a property.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from judgesync.errors import Problem

_DATA_ESCAPES = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A"})
_PROPERTY_ESCAPES = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A", ":": "%3A", ",": "%2C"})


def escape_data(text: str) -> str:
    """A command's message: `%`, CR and LF escaped."""
    return text.translate(_DATA_ESCAPES)


def escape_property(text: str) -> str:
    """A property's value: as a message, and `:` and `,` too."""
    return text.translate(_PROPERTY_ESCAPES)


def command(
    name: str, message: str, properties: Mapping[str, str | int | None] | None = None
) -> str:
    """One workflow command line, `::name k=v,k=v::message`; properties without a value
    are left out, as the toolkit does."""
    given = [
        (key, str(value)) for key, value in (properties or {}).items() if value not in (None, "")
    ]
    head = ",".join(f"{key}={escape_property(value)}" for key, value in given)
    return f"::{name}{' ' + head if head else ''}::{escape_data(message)}"


def render_problems(problems: Iterable[Problem], level: str = "error") -> str:
    """One annotation per problem, on its file and, when known, its line."""
    lines = [
        command(level, problem.message, {"file": problem.path, "line": problem.line})
        for problem in problems
    ]
    return "".join(f"{line}\n" for line in lines)


def render_error(message: str) -> str:
    """An error that belongs to no file (an API error, a refused plan)."""
    return command("error", message) + "\n"


def render_warning(message: str) -> str:
    return command("warning", message) + "\n"
