"""One way to word what is wrong in a YAML input file, spec file or judgesync.yaml.

A finding is the key path it concerns and a sentence saying what is wrong and
how to fix it; `line_of` places it at a line. `schema_findings` turns a
pydantic `ValidationError` into findings for any model, reading the allowed
keys off the model itself, so both files say "unknown key ...; did you mean
...?" and "must be text, got ..." the same way.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Hashable, Mapping
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from judgesync.specs.yamlio import Document

KeyPath = tuple[Hashable, ...]
Finding = tuple[KeyPath, str]

_EXPECTED = {
    "string_type": "text",
    "bool_type": "true or false",
    "int_type": "a whole number",
    "float_type": "a number",
    "finite_number": "a finite number",
    "list_type": "a list",
    "dict_type": "a mapping of keys to values",
    "mapping_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
}
# pydantic's marker for a mapping key that failed, as in `("targets", 1, "[key]")`.
_KEY_MARKER = "[key]"


def schema_findings(
    model: type[BaseModel], error: ValidationError, secret_keys: frozenset[str] = frozenset()
) -> list[Finding]:
    """A finding per error; the values of `secret_keys` are never shown."""
    rows: list[tuple[KeyPath, ErrorDetails]] = []
    meant: set[KeyPath] = set()  # fields that an unknown key probably misspells
    for detail in error.errors():
        loc = _clean(model, tuple(detail["loc"]))
        if detail["type"].startswith("union_tag_"):
            loc = (*loc, _discriminator(detail))
        if detail["type"] == "extra_forbidden":
            guess = closest(str(loc[-1]), fields_at(model, tuple(detail["loc"])[:-1]))
            if guess:
                meant.add((*loc[:-1], guess))
        rows.append((loc, detail))
    return [
        (_without_key_marker(loc), _message(model, loc, detail, secret_keys))
        for loc, detail in rows
        if not (detail["type"] == "missing" and loc in meant)
    ]


def line_of(document: Document, at: KeyPath) -> int:
    """The line of `at`, or of its nearest ancestor present in the file."""
    while at not in document.lines:
        at = at[:-1]
    return document.lines[at]


def closest(word: str, choices: tuple[str, ...]) -> str | None:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, choices: frozenset[str]) -> str:
    """ "did you mean 'x'? " for a close match among `choices`, else ""."""
    guess = closest(word, tuple(sorted(choices)))
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


def fields_at(model: type[BaseModel], loc: KeyPath) -> tuple[str, ...]:
    """The keys allowed in the mapping at pydantic location `loc`."""
    found = _walk(model, loc)[1]
    if isinstance(found, type) and issubclass(found, BaseModel):
        return tuple(found.model_fields)
    return ()


def _message(
    model: type[BaseModel], loc: KeyPath, detail: ErrorDetails, secret_keys: frozenset[str]
) -> str:
    kind, value = detail["type"], detail.get("input")
    where, parent = dotted(loc), dotted(loc[:-1])
    if loc[-1:] == (_KEY_MARKER,):
        return f"{dotted(loc[:-2])}: the key {loc[-2]!r} is not text; put it in quotes"
    if kind == "invalid_key":
        return f"{parent}: the key {loc[-1]!r} is not text; put it in quotes"
    if kind == "missing":
        under = f" under '{parent}'" if loc[:-1] else ""
        return f"{where}: field required; add '{loc[-1]}:'{under}"
    if kind == "extra_forbidden":
        fields = fields_at(model, tuple(detail["loc"])[:-1])
        guess = closest(str(loc[-1]), fields)
        hint = f"did you mean {guess!r}?" if guess else f"allowed keys: {', '.join(fields)}"
        inside = f" in '{parent}'" if loc[:-1] else ""
        return f"unknown key {loc[-1]!r}{inside}; {hint}"
    if kind.startswith("union_tag_"):
        tags = " or ".join(_tags(_walk(model, tuple(detail["loc"]))[1]))
        if kind == "union_tag_not_found":
            return f"{where}: field required; set it to {tags}"
        got = (detail.get("ctx") or {}).get("tag")
        return f"{where}: {got!r} is not {_article(parent)} {parent} {loc[-1]}; use {tags}"
    if kind == "literal_error":
        allowed = (detail.get("ctx") or {}).get("expected", "one of the documented values")
        return f"{where}: must be {allowed}, got {describe(value)}"
    expected = _EXPECTED.get(kind)
    if expected is None:
        return f"{where}: {detail['msg']}"
    # Never show a secret's value: a key pasted where its variable's name belongs.
    got = "" if loc[-1] in secret_keys else f", got {describe(value)}"
    scalar = value is not None and not isinstance(value, list | dict)
    hint = "; put it in quotes" if kind == "string_type" and scalar else ""
    if kind == "float_type" and isinstance(value, str) and _is_exponent_number(value):
        # YAML 1.1 (ours) reads `1e3` as text, YAML 1.2 (most editors') as a number.
        hint = "; YAML 1.1 needs a dot and a signed exponent (1.0e+3), or write it out (1000)"
    return f"{where}: must be {expected}{got}{hint}"


def _is_exponent_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return "e" in text.lower()


def _clean(model: type[BaseModel], loc: KeyPath) -> KeyPath:
    """`loc` without the tags pydantic inserts for a discriminated union."""
    return _walk(model, loc)[0]


def _walk(model: type[BaseModel], loc: KeyPath) -> tuple[KeyPath, Any]:
    """Follow `loc` through the model's types: the path without union tags, and
    the type found at its end (None once the path leaves the model)."""
    current: Any = model
    clean: list[Hashable] = []
    steps = list(loc)
    while steps:
        current = _unwrap(current)
        members = _union_members(current)
        if members is not None:
            tagged = [member for member in members if steps[0] in _tags(member)]
            if len(members) > 1 and tagged:
                current = tagged[0]
                steps.pop(0)  # the tag: not a key of the file
                continue
            current = members[0] if len(members) == 1 else None
            continue
        step = steps.pop(0)
        clean.append(step)
        current = _step_into(current, step)
    return tuple(clean), _unwrap(current)


def _step_into(current: Any, step: Hashable) -> Any:
    if isinstance(current, type) and issubclass(current, BaseModel):
        field = current.model_fields.get(str(step))
        return field.annotation if field is not None else None
    origin, args = get_origin(current), get_args(current)
    if origin in (dict, Mapping) and len(args) == 2:
        return None if step == _KEY_MARKER else args[1]
    if origin in (list, tuple) and args:
        return args[0]
    return None


def _unwrap(kind: Any) -> Any:
    while get_origin(kind) is Annotated:
        kind = get_args(kind)[0]
    return kind


def _union_members(kind: Any) -> list[Any] | None:
    if get_origin(kind) not in (Union, types.UnionType):
        return None
    return [_unwrap(member) for member in get_args(kind) if member is not type(None)]


def _tags(kind: Any) -> tuple[str, ...]:
    """The literal values of a union member's fields (its discriminator tag)."""
    members = _union_members(_unwrap(kind)) or [kind]
    tags: list[str] = []
    for member in members:
        if isinstance(member, type) and issubclass(member, BaseModel):
            for field in member.model_fields.values():
                if get_origin(field.annotation) is Literal:
                    tags.extend(str(tag) for tag in get_args(field.annotation))
    return tuple(tags)


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _discriminator(detail: ErrorDetails) -> str:
    return str((detail.get("ctx") or {}).get("discriminator", "type")).strip("'")


def _without_key_marker(loc: KeyPath) -> KeyPath:
    return loc[:-1] if loc[-1:] == (_KEY_MARKER,) else loc
