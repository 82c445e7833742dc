"""How judge names compare: the one place for both rules."""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase


def name_key(name: str) -> str:
    """Names that some readings of the API treat as equal share a key."""
    return name.strip().casefold()


def matches_any(name: str, patterns: Iterable[str]) -> bool:
    """Whether `name` matches a glob, case-sensitively. A pattern equal to the
    name matches even when it holds glob characters, so `tone[v2]` protects itself."""
    return any(name == pattern or fnmatchcase(name, pattern) for pattern in patterns)
