"""Warnings about a judge's instructions: things valid but probably wrong.

`lint` reads one loaded judge and its cases and returns warnings as
Problems; the spec loader's errors (syntax, unknown keys) are not repeated
except where noted. The rules, each kept low-noise (docs/review.md):

- the instructions neither use `{{ answer_type_definition }}` nor name the
  answers (every option, or both bounds of the range): the model is not told
  what it may answer;
- without `answer_type_definition`, an option the instructions never name;
- a regression anchor outside min..max: "a score of 7", "7/10", "a scale of
  1 to 10" for a judge scored 1..5;
- a `properties.*` key the instructions read but no case sets, or one the
  cases set but the instructions never read (a misspelling renders empty);
- a platform variable that is empty in every case (`system_prompt` when no
  case has a system message). A variable the platform never sets is the
  loader's error (templates.check), so no spec with one reaches lint.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from judgesync.errors import Problem
from judgesync.models import ClassificationOutput, RegressionOutput
from judgesync.specs import templates
from judgesync.specs.case import Case
from judgesync.specs.loader import DesiredJudge, instructions_problem
from judgesync.specs.loader import TextOrigin as TextOrigin
from judgesync.specs.textfile import line_at

_NUMBER = r"-?\d+(?:\.\d+)?"
# "7/10", "7 out of 10": read as a rating only when the numerator is at most the
# denominator and the denominator at most 100, so dates and ratios like 24/7 pass.
_FRACTION = re.compile(rf"(?<![\w./])({_NUMBER})\s*(?:/|out of)\s*({_NUMBER})(?![\w/]|\.\d)")
# "score of 7", "rated 7", "a rating: 9".
_SCORE = re.compile(
    rf"\b(?:scores?|scored|rating|rated?|grade[ds]?)\s*(?:of|is|as|=|:)?\s*({_NUMBER})(?![\w/%]|\.\d)",
    re.IGNORECASE,
)
# "a scale of 1 to 10", "from 0 to 100", "between 1 and 10", "score 1-10".
_SCALE = re.compile(
    rf"\b(?:scale|scores?|rating|range|from|between)\s+(?:of\s+|from\s+)?({_NUMBER})\s*"
    rf"(?:-|\u2013|to|and)\s*({_NUMBER})(?![\w/%]|\.\d)",
    re.IGNORECASE,
)
# Platform variables taken from the last (first, for system) message of a role. Where
# `available_tools` comes from is not documented, so it is not checked.
_ROLE_SETTING = {
    "system_prompt": "system",
    "user_message": "user",
    "assistant_message": "assistant",
}


Finding = tuple[str, int | None]  # message, line within the template


def lint(
    spec: DesiredJudge, cases: Sequence[Case], instructions_at: TextOrigin | None = None
) -> list[Problem]:
    """The warnings about `spec`'s instructions, given its cases.

    Without `instructions_at` the warnings sit at the spec's name line and say
    the template line.
    """
    source = spec.definition.instructions
    if templates.syntax_problem(source) is not None:
        return []  # the loader reports it; nothing below can read the template
    return [
        instructions_problem(message, line, instructions_at, spec.path, spec.line)
        for message, line in [
            *_answers_told(spec, source),
            *_anchors_outside_range(spec, source),
            *_properties(source, cases),
            *_variables(source, cases),
        ]
    ]


def _answers_told(spec: DesiredJudge, source: str) -> Iterator[Finding]:
    if "answer_type_definition" in templates.read_variables(source):
        return
    output = spec.definition.output
    if isinstance(output, ClassificationOutput):
        values = [option.value for option in output.options]
        named = [value for value in values if _mentions(source, value)]
        if not named:
            yield (
                "neither {{ answer_type_definition }} nor any option"
                f" ({', '.join(values)}) appears, so the model is not told what it may answer;"
                " add {{ answer_type_definition }}",
                1,
            )
            return
        for value in values:
            if value not in named:
                yield (
                    f"the option {value!r} is never named and {{{{ answer_type_definition }}}}"
                    " is not used, so the model may never answer it; name it or add"
                    " {{ answer_type_definition }}",
                    1,
                )
    elif not all(
        bound is None or _mentions(source, f"{bound:g}") for bound in (output.min, output.max)
    ):
        yield (
            f"neither {{{{ answer_type_definition }}}} nor the range ({_range(output)}) appears,"
            " so the model is not told how to score; add {{ answer_type_definition }}",
            1,
        )


def _anchors_outside_range(spec: DesiredJudge, source: str) -> Iterator[Finding]:
    output = spec.definition.output
    if not isinstance(output, RegressionOutput) or output.min is None or output.max is None:
        return
    low, high = output.min, output.max
    found: dict[int, re.Match[str]] = {}  # by start, so one phrase gives one warning
    for pattern in (_SCALE, _FRACTION, _SCORE):
        for match in pattern.finditer(source):
            numbers = [float(group) for group in match.groups()]
            if pattern is _FRACTION and not (numbers[0] <= numbers[1] <= 100):
                continue
            overlaps = any(
                match.start() < m.end() and m.start() < match.end() for m in found.values()
            )
            if not overlaps and any(not low <= number <= high for number in numbers):
                found[match.start()] = match
    for start, match in sorted(found.items()):
        yield (
            f"{match.group()!r} lies outside the judge's range {_range(output)}: the model"
            " may score on another scale; use numbers inside the range",
            line_at(source, start),
        )


def _properties(source: str, cases: Sequence[Case]) -> Iterator[Finding]:
    if not cases:
        return
    read = templates.property_names(source)
    set_by_cases = {key for case in cases for key in case.properties}
    for name in sorted(read - set_by_cases):
        yield (
            f"properties.{name} is read but no case sets it, so every case renders it as"
            " empty text; set it in the cases' properties",
            _line_of(source, rf"properties\s*(?:\.\s*{name}\b|\[\s*['\"]{name}['\"])"),
        )
    if "properties" in templates.read_variables(source) and not read:
        return  # read only dynamically (a loop, a computed key): anything may be used
    for name in sorted(set_by_cases - read):
        yield (
            f"the cases set properties.{name}, which the instructions never read; fix the"
            " spelling on either side, or remove it from the cases",
            None,
        )


def _variables(source: str, cases: Sequence[Case]) -> Iterator[Finding]:
    read = templates.read_variables(source)
    if not cases:
        return
    roles = {message.get("role") for case in cases for message in case.messages}
    for name, role in _ROLE_SETTING.items():
        if name in read and role not in roles:
            yield (
                f"{{{{ {name} }}}} is empty in every case, as no case has a {role} message;"
                " add one so the cases test what the judge reads",
                _line_of(source, rf"\b{name}\b"),
            )


def _mentions(text: str, word: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(word)}(?![\w]|\.\d)", text, re.IGNORECASE) is not None


def _line_of(source: str, pattern: str) -> int | None:
    found = re.search(pattern, source)
    return line_at(source, found.start()) if found else None


def _range(output: RegressionOutput) -> str:
    low = "-inf" if output.min is None else f"{output.min:g}"
    high = "inf" if output.max is None else f"{output.max:g}"
    return f"{low}..{high}"
