"""The spec file format: its schema, its value rules, and plain-language findings.

Pure functions over the plain data of one parsed file; each finding is the key
path it concerns and a message saying what is wrong and how to fix it. Files,
lines and templates are the loader's business.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Hashable, Iterator
from typing import Annotated, Any, Literal, TypeGuard

from pydantic import AllowInfNan, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from judgesync.names import name_key
from judgesync.spec import (
    ClassificationOption,
    ClassificationOutput,
    JudgeDefinition,
    RegressionOutput,
)

KeyPath = tuple[Hashable, ...]
Finding = tuple[KeyPath, str]
OUTPUT_TYPES = ("CLASSIFICATION", "REGRESSION")


# Strict: YAML's numbers, booleans and dates are never quietly turned into text.
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


Bound = Annotated[float, AllowInfNan(False)]


class OptionSpec(_Strict):
    value: str
    description: str


class ClassificationSpec(_Strict):
    type: Literal["CLASSIFICATION"]
    options: list[OptionSpec]


class RegressionSpec(_Strict):
    """Unlike the API, a spec must give both bounds."""

    type: Literal["REGRESSION"]
    min: Bound
    min_description: str
    max: Bound
    max_description: str


class SpecFile(_Strict):
    """One spec file. Exactly one of `instructions` and `instructions_file` is
    required; `check_values` says so, since the schema cannot point at a key."""

    name: str
    description: str
    model_name: str
    instructions: str | None = None
    instructions_file: str | None = None
    output: Annotated[ClassificationSpec | RegressionSpec, Field(discriminator="type")]
    tools: list[str] = Field(default_factory=list)
    previous_names: list[str] = Field(default_factory=list)

    def definition(self, instructions: str) -> JudgeDefinition:
        """The API's create/update body, with the instructions text resolved."""
        spec = self.output
        output: ClassificationOutput | RegressionOutput
        if isinstance(spec, ClassificationSpec):
            output = ClassificationOutput(
                options=[
                    ClassificationOption(value=option.value, description=option.description)
                    for option in spec.options
                ]
            )
        else:
            output = RegressionOutput(
                min=spec.min,
                min_description=spec.min_description,
                max=spec.max,
                max_description=spec.max_description,
            )
        return JudgeDefinition(
            name=self.name,
            description=self.description,
            model_name=self.model_name,
            instructions=instructions,
            output=output,
            tools=list(self.tools),
        )


_FIELDS: dict[str, tuple[str, ...]] = {
    "spec": tuple(SpecFile.model_fields),
    "CLASSIFICATION": tuple(ClassificationSpec.model_fields),
    "REGRESSION": tuple(RegressionSpec.model_fields),
    "option": tuple(OptionSpec.model_fields),
}
_EXPECTED = {
    "string_type": "text",
    "float_type": "a number",
    "finite_number": "a finite number",
    "list_type": "a list",
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
    "dict_type": "a mapping of keys to values",
}


def validate(data: dict[Hashable, Any]) -> tuple[SpecFile | None, list[Finding]]:
    """The schema check: the parsed file, or a finding for each error."""
    try:
        return SpecFile.model_validate(data), []
    except ValidationError as error:
        return None, _schema_findings(data, error.errors())


def _schema_findings(data: dict[Hashable, Any], errors: list[ErrorDetails]) -> list[Finding]:
    rows = []
    meant: set[KeyPath] = set()  # fields that an unknown key probably misspells
    for error in errors:
        loc, tag = tuple(error["loc"]), None
        # A discriminated union puts the tag in the location: output.REGRESSION.min.
        if loc[:1] == ("output",) and len(loc) > 1 and loc[1] in OUTPUT_TYPES:
            loc, tag = (loc[0], *loc[2:]), str(loc[1])
        if error["type"].startswith("union_tag_"):
            loc = ("output", "type")
        if error["type"] == "extra_forbidden":
            guess = _guess(str(loc[-1]), _fields_at(loc[:-1], tag))
            if guess:
                meant.add((*loc[:-1], guess))
        rows.append((loc, tag, error))
    return [
        (loc, _schema_message(data, loc, tag, error))
        for loc, tag, error in rows
        if not (error["type"] == "missing" and loc in meant)
    ]


def _schema_message(
    data: dict[Hashable, Any], loc: KeyPath, tag: str | None, error: ErrorDetails
) -> str:
    kind, value = error["type"], error.get("input")
    where, parent = dotted(loc), dotted(loc[:-1])
    if kind == "missing":
        under = f" under '{parent}'" if loc[:-1] else ""
        return f"{where}: field required; add '{loc[-1]}:'{under}"
    if kind == "extra_forbidden":
        fields = _fields_at(loc[:-1], tag)
        guess = _guess(str(loc[-1]), fields)
        hint = f"did you mean {guess!r}?" if guess else f"allowed keys: {', '.join(fields)}"
        inside = f" in '{parent}'" if loc[:-1] else ""
        return f"unknown key {loc[-1]!r}{inside}; {hint}"
    if kind == "invalid_key":
        return f"{where}: the key {loc[-1]!r} is not text; put it in quotes"
    if kind == "union_tag_not_found":
        return "output.type: field required; set it to CLASSIFICATION or REGRESSION"
    if kind == "union_tag_invalid":
        got = data["output"]["type"]
        return f"output.type: {got!r} is not an output type; use CLASSIFICATION or REGRESSION"
    expected = _EXPECTED.get(kind)
    if expected is None:
        return f"{where}: {error['msg']}"
    hint = ""
    if kind == "string_type" and value is not None and not isinstance(value, list | dict):
        hint = "; put it in quotes"
    elif kind == "float_type" and isinstance(value, str) and _is_exponent_number(value):
        # YAML 1.1 (ours) reads `1e3` as text, YAML 1.2 (most editors') as a number.
        hint = "; YAML 1.1 needs a dot and a signed exponent (1.0e+3), or write it out (1000)"
    return f"{where}: must be {expected}, got {describe(value)}{hint}"


def check_values(data: dict[Hashable, Any]) -> list[Finding]:
    """The rules the schema cannot say, on whichever fields have the right type."""
    findings: list[Finding] = []
    name = data.get("name")
    if isinstance(name, str) and not name.strip():
        findings.append((("name",), "name: is empty; give the judge a name"))
    elif isinstance(name, str) and name != name.strip():
        findings.append((("name",), "name: has leading or trailing spaces; remove them"))
    model_name = data.get("model_name")
    if isinstance(model_name, str) and not model_name.strip():
        message = "model_name: is empty; name a model such as mistral-small-latest"
        findings.append((("model_name",), message))
    findings += _distinct_texts(data, ("tools", "*"), _same)
    findings += _distinct_texts(data, ("previous_names", "*"), name_key)
    for at, previous in _items(data, ("previous_names", "*")):
        if (
            isinstance(name, str)
            and isinstance(previous, str)
            and name_key(previous) == name_key(name)
        ):
            findings.append(
                (at, f"{dotted(at)}: {previous!r} is the judge's current name; remove it")
            )
    findings += _check_output(data)
    findings += _check_instructions_choice(data)
    return findings


def _check_output(data: dict[Hashable, Any]) -> Iterator[Finding]:
    output = data.get("output")
    if not isinstance(output, dict):
        return
    kind = output.get("type")
    if kind == "CLASSIFICATION" and output.get("options") == []:
        message = "output.options: is empty; a classification needs at least one option"
        yield ("output", "options"), message
    if kind == "CLASSIFICATION":
        yield from _distinct_texts(data, ("output", "options", "*", "value"), _same)
    low, high = output.get("min"), output.get("max")
    if kind == "REGRESSION" and _is_number(low) and _is_number(high) and not low < high:
        message = f"output.min ({low}) must be less than output.max ({high}); fix the bounds"
        yield ("output", "min"), message


def _check_instructions_choice(data: dict[Hashable, Any]) -> Iterator[Finding]:
    inline, from_file = "instructions" in data, "instructions_file" in data
    if inline and from_file:
        message = "set either 'instructions' or 'instructions_file', not both; remove one"
        yield ("instructions_file",), message
    if not inline and not from_file:
        yield (
            (),
            (
                "instructions missing: add 'instructions' (the template text) or"
                " 'instructions_file' (its path, relative to this file)"
            ),
        )
    for field in ("instructions", "instructions_file"):
        if field in data and (data[field] is None or _is_blank(data[field])):
            yield (field,), f"{field}: is empty; write the judge's prompt or its path"


def _items(data: Any, pattern: KeyPath, at: KeyPath = ()) -> Iterator[tuple[KeyPath, Any]]:
    """The values at `pattern` in `data`, where "*" stands for every list index."""
    if not pattern:
        yield at, data
        return
    step, rest = pattern[0], pattern[1:]
    if step == "*" and isinstance(data, list):
        for index, item in enumerate(data):
            yield from _items(item, rest, (*at, index))
    elif isinstance(data, dict) and step in data:
        yield from _items(data[step], rest, (*at, step))


def _distinct_texts(
    data: dict[Hashable, Any], pattern: KeyPath, key: Callable[[str], str]
) -> Iterator[Finding]:
    """Empty or repeated texts among the values at `pattern`; other types are the schema's."""
    seen: dict[str, KeyPath] = {}
    for at, item in _items(data, pattern):
        if not isinstance(item, str):
            continue
        if not item.strip():
            yield at, f"{dotted(at)}: is empty; remove it or write a value"
            continue
        first = seen.setdefault(key(item), at)
        if first != at:
            yield at, f"{dotted(at)}: {item!r} repeats {dotted(first)}; values must be unique"


def _fields_at(parent: KeyPath, tag: str | None) -> tuple[str, ...]:
    if parent == ():
        return _FIELDS["spec"]
    if parent == ("output",) and tag is not None:
        return _FIELDS[tag]
    if len(parent) == 3 and parent[:2] == ("output", "options"):
        return _FIELDS["option"]
    return ()


def _guess(word: str, choices: tuple[str, ...]) -> str | None:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, choices: frozenset[str]) -> str:
    """ "did you mean 'x'? " for a close match among `choices`, else ""."""
    guess = _guess(word, tuple(sorted(choices)))
    return f"did you mean {guess!r}? " if guess else ""


def dotted(path: KeyPath) -> str:
    """`("output", "options", 1, "value")` -> `output.options[1].value`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "(top level)"


def describe(value: Any) -> str:
    """A YAML value as a reader would name it: `a boolean (true)`."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"text ({shown!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__} ({value})"


def _same(text: str) -> str:
    return text


def _is_exponent_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return "e" in text.lower()


def _is_blank(value: Any) -> bool:
    return isinstance(value, str) and not value.strip()


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
