"""How judge names compare, and the names judgesync reserves: the one place for these rules."""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase
from typing import Protocol, TypeVar


def name_key(name: str) -> str:
    """Names that some readings of the API treat as equal share a key."""
    return name.strip().casefold()


class _Named(Protocol):
    @property
    def name(self) -> str: ...


_NamedT = TypeVar("_NamedT", bound=_Named)


def find_by_name(items: Iterable[_NamedT], name: str) -> _NamedT | None:
    """The one item called `name` exactly, else the one whose name shares its key;
    None when there is none, or several."""
    candidates = list(items)
    exact = [item for item in candidates if item.name == name]
    found = exact or [item for item in candidates if name_key(item.name) == name_key(name)]
    return found[0] if len(found) == 1 else None


def matches_any(name: str, patterns: Iterable[str]) -> bool:
    """Whether `name` matches a glob, case-sensitively. A pattern equal to the
    name matches even when it holds glob characters, so `tone[v2]` protects itself."""
    return any(name == pattern or fnmatchcase(name, pattern) for pattern in patterns)


# Shadow judges (review/shadows.py) live under this prefix; no spec may use it.
SHADOW_PREFIX = "judgesync-shadow/"


def is_shadow(name: str) -> bool:
    """Whether `name` is in the reserved shadow space, as loosely as any API compares names."""
    return name_key(name).startswith(SHADOW_PREFIX)
