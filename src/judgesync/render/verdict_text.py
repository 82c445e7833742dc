"""How a share and a verdict are written in text and markdown, everywhere."""

from __future__ import annotations


def number(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.2f}"


def verdict(value: str | float) -> str:
    return value if isinstance(value, str) else f"{value:g}"
