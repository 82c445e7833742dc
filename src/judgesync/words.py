"""How counts are worded: the one place for plurals, so no line says "1 judges"."""

from __future__ import annotations


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """`1 judge`, `2 judges`; `plural` for a noun that does not just take an s."""
    noun = singular if count == 1 else plural or f"{singular}s"
    return f"{count} {noun}"
