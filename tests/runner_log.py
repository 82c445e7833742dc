"""The workflow commands a GitHub runner would run from a step's log, by its rules.

Mirrors actions/runner: the output is read line by line as .NET's ReadLine
splits it (CR, LF or CRLF); a line holding `::` or `##[` is offered as a
command (OutputManager.OnDataReceived); ActionCommand.TryParseV2 takes `::name
props::data` after leading whitespace, else ActionCommand.TryParse takes
`##[name props]data` anywhere in the line; only registered names count, in any
case; and ActionCommandManager.TryProcessCommand honours
`::stop-commands::TOKEN`: nothing runs until a line that parses as the command
TOKEN resumes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The runner's command extensions (src/Runner.Worker/ActionCommandManager.cs).
REGISTERED = frozenset(
    {
        "add-mask",
        "add-matcher",
        "add-path",
        "debug",
        "echo",
        "endgroup",
        "error",
        "group",
        "notice",
        "remove-matcher",
        "save-state",
        "set-env",
        "set-output",
        "stop-commands",
        "warning",
    }
)
_LINES = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Command:
    name: str  # lower case
    data: str
    line: str


def _parse(line: str, registered: set[str]) -> tuple[str, str] | None:
    trimmed = line.lstrip()
    if trimmed.startswith("::"):
        end = trimmed.find("::", 2)
        if end >= 0:
            name = trimmed[2:end].split(" ", 1)[0].lower()
            if name in registered:
                return name, trimmed[end + 2 :]
    start = line.find("##[")
    if start < 0:
        return None
    close = line.find("]", start)
    if close < 0:
        return None
    name = line[start + 3 : close].split(" ", 1)[0].lower()
    return (name, line[close + 1 :]) if name in registered else None


def commands(log: str) -> list[Command]:
    """Every command the runner would process from `log`, stop and resume included."""
    registered = set(REGISTERED)
    token: str | None = None
    processed = []
    for line in _LINES.split(log):
        if "::" not in line and "##[" not in line:
            continue
        parsed = _parse(line, registered)
        if parsed is None:
            continue
        name, data = parsed
        if token is not None:
            if name == token:
                processed.append(Command(name, data, line))
                registered.discard(token)
                token = None
            continue
        if name == "stop-commands":
            if not data or data.lower() in registered or data.lower() == "pause-logging":
                raise ValueError(f"the runner refuses this stop token: {line!r}")
            token = data.lower()
            registered.add(token)
        processed.append(Command(name, data, line))
    return processed
