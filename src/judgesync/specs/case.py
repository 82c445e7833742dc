"""A judge's test case, the value: one conversation and its expected verdict, as
read from a `*.cases.yaml` file by specs/cases_loader.py (which reads the files)."""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard


@dataclass(frozen=True)
class ScoreRange:
    """The scores a regression case accepts, bounds included; `expect: 4` is 4..4."""

    min: float
    max: float

    def __contains__(self, score: float) -> bool:
        return self.min <= score <= self.max

    def __str__(self) -> str:
        return f"{self.min:g}" if self.min == self.max else f"{self.min:g}..{self.max:g}"


Expectation = str | ScoreRange


@dataclass(frozen=True)
class Case:
    """One checked case; `line` is the line of its `id`."""

    judge: str
    id: str
    messages: tuple[Mapping[str, Any], ...]
    properties: Mapping[str, Any]
    expect: Expectation
    must_pass: bool
    path: str
    line: int | None

    def request(self) -> dict[str, Any]:
        """The body of a live-judging request for this case."""
        return {
            "messages": [copy.deepcopy(dict(message)) for message in self.messages],
            "properties": copy.deepcopy(dict(self.properties)) or None,
        }

    def passes(self, answer: str | float) -> bool:
        """Whether the judge's answer is the expected option, or inside the expected range."""
        if isinstance(self.expect, ScoreRange):
            return is_number(answer) and answer in self.expect
        return answer == self.expect


def is_number(value: Any) -> TypeGuard[float]:
    """A finite int or float; YAML's booleans are not numbers here."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
