"""The spec file format: its schema, its value rules, and plain-language findings.

Pure functions over the plain data of one parsed file; each finding is the key
path it concerns and a message saying what is wrong and how to fix it (worded
by `problems`, as for judgesync.yaml). Files, lines and templates are the
loader's business.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Hashable, Iterator, Mapping
from typing import Annotated, Any, TypeGuard, TypeVar

from pydantic import AllowInfNan, BaseModel, ConfigDict, Field, ValidationError, create_model

from judgesync.models import (
    FINGERPRINT_LENGTH,
    ClassificationOption,
    ClassificationOutput,
    JudgeDefinition,
    RegressionOutput,
)
from judgesync.names import SHADOW_PREFIX, is_shadow, name_key
from judgesync.specs.problems import Finding as Finding
from judgesync.specs.problems import KeyPath as KeyPath
from judgesync.specs.problems import describe as describe
from judgesync.specs.problems import did_you_mean as did_you_mean
from judgesync.specs.problems import dotted as dotted
from judgesync.specs.problems import schema_findings


# Strict: YAML's numbers, booleans and dates are never quietly turned into text.
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


Bound = Annotated[float, AllowInfNan(False)]
_Model = TypeVar("_Model", bound=BaseModel)


def _strict_copy(
    source: type[BaseModel],
    name: str,
    *,
    base: type[_Model],
    doc: str | None = None,
    replaced: Mapping[str, Mapping[str, Any]] | None = None,
    added: type[BaseModel] | None = None,
) -> type[_Model]:
    """`source`'s fields in its order as a strict model, so that a field added to
    the judge's models reaches the spec file by itself. `replaced` maps a field to
    the fields (type, default) that stand in its place; `added` fields go last."""
    fields: dict[str, Any] = {}
    for field in source.model_fields:
        fields.update((replaced or {}).get(field) or _declared(source, field))
    if added is not None:
        for field in added.model_fields:
            fields.update(_declared(added, field))  # in place when `replaced` put it earlier
    return create_model(name, __base__=base, __doc__=doc, **fields)


def _declared(model: type[BaseModel], field: str) -> Mapping[str, Any]:
    info = model.model_fields[field]
    return {field: (info.annotation, info)}


def _required(model: type[BaseModel], field: str) -> Mapping[str, Any]:
    """`field` without its default: a spec must write it, unlike an API body."""
    return {field: (model.model_fields[field].annotation, ...)}


def _optional(model: type[BaseModel], field: str) -> Mapping[str, Any]:
    kind: Any = model.model_fields[field].annotation
    return {field: (kind | None, None)}


OptionSpec = _strict_copy(ClassificationOption, "OptionSpec", base=_Strict)
ClassificationSpec = _strict_copy(
    ClassificationOutput,
    "ClassificationSpec",
    base=_Strict,
    replaced={
        "type": _required(ClassificationOutput, "type"),
        "options": {"options": (list[OptionSpec], ...)},  # type: ignore[valid-type]
    },
)
RegressionSpec = _strict_copy(
    RegressionOutput,
    "RegressionSpec",
    base=_Strict,
    doc="Unlike the API, a spec must give both bounds.",
    replaced={
        "type": _required(RegressionOutput, "type"),
        "min": {"min": (Bound, ...)},
        "max": {"max": (Bound, ...)},
    },
)


class SpecOnly(_Strict):
    """The keys of a spec file that are not the judge's definition: never sent."""

    instructions_file: str | None = None
    previous_names: list[str] = Field(default_factory=list)
    # Carried beside the definition, never sent: see plan/change_class.py.
    acknowledge_breaking: str | None = None


class SpecFileBase(_Strict):
    """What a parsed spec file offers; `SpecFile` is this with the fields."""

    def definition(self, instructions: str) -> JudgeDefinition:
        """The API's create/update body, with the instructions text resolved."""
        data = self.model_dump(include=set(JudgeDefinition.model_fields))
        return JudgeDefinition.model_validate({**data, "instructions": instructions})

    def spec_only(self) -> SpecOnly:
        return SpecOnly.model_validate(self.model_dump(include=set(SpecOnly.model_fields)))


# One spec file: JudgeDefinition's fields, then the spec-only ones. Exactly one
# of `instructions` and `instructions_file` is required; `check_values` says so,
# since the schema cannot point at a key. Both are optional here, to tell
# "absent" from "empty".
SpecFile = _strict_copy(
    JudgeDefinition,
    "SpecFile",
    base=SpecFileBase,
    replaced={
        "instructions": {
            **_optional(JudgeDefinition, "instructions"),
            **_declared(SpecOnly, "instructions_file"),
        },
        "output": {
            "output": (
                Annotated[ClassificationSpec | RegressionSpec, Field(discriminator="type")],
                ...,
            )
        },
    },
    added=SpecOnly,
)


def validate(data: dict[Hashable, Any]) -> tuple[SpecFileBase | None, list[Finding]]:
    """The schema check: the parsed file, or a finding for each error."""
    try:
        return SpecFile.model_validate(data), []
    except ValidationError as error:
        return None, schema_findings(SpecFile, error)


def check_values(data: dict[Hashable, Any]) -> list[Finding]:
    """The rules the schema cannot say, on whichever fields have the right type."""
    findings: list[Finding] = []
    name = data.get("name")
    if isinstance(name, str) and not name.strip():
        findings.append((("name",), "name: is empty; give the judge a name"))
    elif isinstance(name, str) and name != name.strip():
        findings.append((("name",), "name: has leading or trailing spaces; remove them"))
    elif isinstance(name, str) and is_shadow(name):
        message = f"name: {SHADOW_PREFIX!r} is reserved for judgesync's shadow judges; rename it"
        findings.append((("name",), message))
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
    findings += _check_acknowledgement(data.get("acknowledge_breaking"))
    return findings


_FINGERPRINT = re.compile(rf"[0-9a-f]{{{FINGERPRINT_LENGTH}}}")


def _check_acknowledgement(ack: Any) -> Iterator[Finding]:
    # Compared as ack_covers compares it: case and surrounding spaces ignored.
    if isinstance(ack, str) and not _FINGERPRINT.fullmatch(ack.strip().lower()):
        yield (
            ("acknowledge_breaking",),
            f"acknowledge_breaking: {ack!r} is not a fingerprint of {FINGERPRINT_LENGTH} hex"
            " digits; copy the one `judgesync plan` prints for the breaking change",
        )


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


def _same(text: str) -> str:
    return text


def _is_blank(value: Any) -> bool:
    return isinstance(value, str) and not value.strip()


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
