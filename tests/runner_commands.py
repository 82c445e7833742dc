"""How the GitHub runner reads workflow commands from a step's log, mirrored from
actions/runner: src/Runner.Common/ActionCommand.cs (`TryParseV2`, then
`TryParse`) as src/Runner.Worker/ActionCommandManager.cs calls them per line.

- V2: `TrimStart()` (whitespace), then the line must start with `::` and hold
  another `::`; the name runs to the first space.
- V1 (legacy): `IndexOf("##[")` anywhere in the line, then `]`; the name runs
  to the first space.

Both compare with .NET's culture-sensitive `StartsWith` / `IndexOf`, which
on the runner's ICU skip ignorable characters (zero-width spaces and joiners,
controls, combining marks): this mirror skips every character of those
categories. It is stricter than the runner in one way: any name counts as a
command (the runner acts on its registered ones, and after
`::stop-commands::T` on none but `T`), so a test finds every line the runner
could ever act on.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_SKIPPED = {"Cc", "Cf", "Cn", "Mn", "Mc", "Me"}
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")
_UNESCAPE_DATA = (("%0D", "\r"), ("%0A", "\n"), ("%25", "%"))
_UNESCAPE_PROPERTY = (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%"))


@dataclass(frozen=True)
class Command:
    name: str
    properties: dict[str, str]
    data: str
    line: str


def commands(log: str) -> list[Command]:
    """Every line of `log` that the runner would read as a workflow command."""
    found = []
    for line in _LINE_BREAKS.split(log):
        command = _v2(line) or _v1(line)
        if command is not None:
            found.append(command)
    return found


def _as_compared(text: str) -> str:
    """The text as culture-sensitive comparison sees it: ignorable characters gone."""
    return "".join(
        char for char in text if char in "\t\n\v\f\r" or unicodedata.category(char) not in _SKIPPED
    )


def _v2(line: str) -> Command | None:
    message = _as_compared(line.lstrip())
    if not message.startswith("::"):
        return None
    end = message.find("::", 2)
    if end < 0:
        return None
    info = message[2:end]
    name, _, rest = info.partition(" ")
    if not name:
        return None
    properties = {}
    for pair in rest.strip().split(","):
        key, equals, value = pair.partition("=")
        if equals and key:
            properties[key] = _unescape(value, _UNESCAPE_PROPERTY)
    return Command(name, properties, _unescape(message[end + 2 :], _UNESCAPE_DATA), line)


def _v1(line: str) -> Command | None:
    message = _as_compared(line)
    start = message.find("##[")
    if start < 0:
        return None
    end = message.find("]", start)
    if end < 0:
        return None
    name, _, rest = message[start + 3 : end].partition(" ")
    if not name:
        return None
    properties = {}
    for pair in rest.split(";"):
        key, equals, value = pair.partition("=")
        if equals and key:
            properties[key] = value
    return Command(name, properties, message[end + 1 :], line)


def _unescape(text: str, mappings: tuple[tuple[str, str], ...]) -> str:
    for escaped, char in mappings:
        text = text.replace(escaped, char)
    return text
