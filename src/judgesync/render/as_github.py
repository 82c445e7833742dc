"""GitHub workflow commands (`--format github`): problems and errors as annotations,
and no command but those in anything else judgesync prints.

A runner turns each `::error file=F,line=L::message` line of a step's output
into an annotation on the file and line, shown in the run and on the pull
request's diff. Values are escaped exactly as GitHub's toolkit does
(@actions/core `escapeData` / `escapeProperty`), so no message can end its
command early, forge another command, or split a property.

Everything else printed under `--format github` goes through `neutralise`.
The runner (actions/runner, ActionCommand.cs) reads a command from any line
that holds `##[` anywhere (`TryParse`) or starts with `::` once leading
whitespace is trimmed (`TryParseV2`, `TrimStart`), and `::stop-commands::T`
pauses all of them until `::T::`. It matches those with .NET's
culture-sensitive `IndexOf` and `StartsWith`, which on the runner's ICU skip
ignorable characters: a zero-width space or joiner inside `##[` or `::` does
NOT stop it (checked against libicu's collation). So `neutralise` inserts a
HAIR SPACE (U+200A), which collation does not skip, inside each `##[` and
each leading `::`, looking past any character that may be ignorable. Inside a
code fence, where markdown decodes no entity, a reader sees a hair-thin gap;
elsewhere the markdown already shows `[` as an entity, so no `##[` is left.
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
    are left out, as the toolkit does. No `##[` is left in its data either."""
    given = [
        (key, str(value)) for key, value in (properties or {}).items() if value not in (None, "")
    ]
    head = ",".join(f"{key}={escape_property(value)}" for key, value in given)
    return _break_legacy(f"::{name}{' ' + head if head else ''}::{escape_data(message)}")


# Collation does not skip it, .NET's TrimStart would only trim it at a line's start
# (where it is never put), and it is all but invisible.
BREAK = "\u200a"


def neutralise(text: str) -> str:
    """`text` safe to print in a step's log: no line of it is a workflow command."""
    return "".join(_break_leading(_break_legacy(line)) for line in text.splitlines(keepends=True))


def _may_be_skipped(char: str) -> bool:
    # Every printable ASCII character counts in collation; others may be ignorable
    # (controls, format characters, combining marks...), so they are looked past.
    return not " " <= char <= "~" and char != BREAK


def _break_legacy(line: str) -> str:
    """A BREAK before each `[` that follows `##`, ignorable characters looked past."""
    out: list[str] = []
    counted = ""  # the last two characters that count
    for char in line:
        if char == "[" and counted == "##":
            out.append(BREAK)
            counted = BREAK
        out.append(char)
        if not _may_be_skipped(char):
            counted = (counted + char)[-2:]
    return "".join(out)


def _break_leading(line: str) -> str:
    """A BREAK before the second colon of a `::` that starts the line, once
    whitespace and ignorable characters are looked past."""
    index = 0
    while index < len(line) and (line[index].isspace() or _may_be_skipped(line[index])):
        index += 1
    if not line.startswith(":", index):
        return line
    second = index + 1
    while second < len(line) and _may_be_skipped(line[second]):
        second += 1
    if not line.startswith(":", second):
        return line
    return line[:second] + BREAK + line[second:]


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
