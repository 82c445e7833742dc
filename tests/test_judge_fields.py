"""Every field of a judge is carried everywhere: a new `JudgeDefinition` field that
the change-class rules do not class, or that import -> export drops, fails here.

The fields are read from the model, not listed: each leaf of a classification
and of a regression judge is changed in turn.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from judgesync.commands.import_ import import_judges
from judgesync.models import (
    ClassificationOption,
    ClassificationOutput,
    JudgeDefinition,
    RegressionOutput,
)
from judgesync.plan.change_class import classify
from judgesync.specs.loader import load_specs
from judgesync.specs.specfile import (
    ClassificationSpec,
    OptionSpec,
    RegressionSpec,
    SpecFile,
    SpecOnly,
)
from tests.builders import definition, regression, remote

BASES = {"classification": definition("tone"), "regression": regression("helpfulness")}


def changed_leaves(data: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[str, Any]]:
    """(path, data with that one leaf changed) for every leaf of `data`."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "type":  # the output's discriminator: switched as a whole below
                continue
            for path, changed in changed_leaves(value, (*at, key)):
                yield path, {**data, key: changed}
    elif isinstance(data, list):
        if all(isinstance(item, str) for item in data):
            yield ".".join(map(str, at)), [*data, "added-item"]
        for index, item in enumerate(data):
            for path, changed in changed_leaves(item, (*at, index)):
                yield path, [*data[:index], changed, *data[index + 1 :]]
    elif isinstance(data, str):
        yield ".".join(map(str, at)), data + " changed"
    elif isinstance(data, int | float) and not isinstance(data, bool):
        yield ".".join(map(str, at)), data + 1


# A value of each JSON type, for an optional field the bases leave unset (null).
SAMPLES = {"string": "sample", "number": 0.5, "integer": 1, "boolean": True}


def set_values(data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(field, data with it set) for each top-level field that is null in `data`."""
    properties = JudgeDefinition.model_json_schema()["properties"]
    for field, value in data.items():
        if value is None:
            kinds = [option.get("type") for option in properties[field].get("anyOf", ())]
            sample = next(SAMPLES[kind] for kind in kinds if kind in SAMPLES)
            yield field, {**data, field: sample}


def variants() -> Iterator[tuple[str, JudgeDefinition, JudgeDefinition]]:
    for kind, base in BASES.items():
        data = base.model_dump(mode="json")
        for path, changed in [*changed_leaves(data), *set_values(data)]:
            yield f"{kind}:{path}", base, JudgeDefinition.model_validate(changed)
        other = BASES["regression" if kind == "classification" else "classification"]
        switched = copy.deepcopy(data)
        switched["output"] = other.output.model_dump(mode="json")
        yield f"{kind}:output.type", base, JudgeDefinition.model_validate(switched)


VARIANTS = list(variants())
IDS = [name for name, _, _ in VARIANTS]


def test_every_field_of_the_model_is_changed_by_some_variant():
    """The walk reaches every field the model declares, nested ones included."""
    reached = {name.split(":")[1].split(".")[0] for name in IDS}
    assert reached == set(JudgeDefinition.model_fields)


@pytest.mark.parametrize(("name", "old", "new"), VARIANTS, ids=IDS)
def test_every_field_change_has_a_change_class_rule(name, old, new):
    assert classify(old, new).reasons, f"{name}: the change is classed as no change"


@pytest.mark.parametrize(("name", "old", "new"), VARIANTS, ids=IDS)
def test_import_then_export_keeps_every_field(tmp_path, name, old, new):
    imported = import_judges([remote(new)], tmp_path, split_instructions=False, force=False)
    assert imported.problems == ()
    loaded = load_specs(tmp_path)
    assert [spec.definition for spec in loaded.specs] == [new], name


@pytest.mark.parametrize(
    ("model", "spec"),
    [
        (ClassificationOption, OptionSpec),
        (ClassificationOutput, ClassificationSpec),
        (RegressionOutput, RegressionSpec),
    ],
    ids=lambda model: model.__name__,
)
def test_each_spec_model_has_its_api_model_s_fields_in_order(model, spec):
    assert list(spec.model_fields) == list(model.model_fields)


def test_a_spec_file_is_the_definition_s_fields_with_the_spec_only_ones():
    """In the order the file format documents: `instructions_file` beside `instructions`."""
    definition = list(JudgeDefinition.model_fields)
    at = definition.index("instructions") + 1
    others = [field for field in SpecOnly.model_fields if field != "instructions_file"]
    expected = [*definition[:at], "instructions_file", *definition[at:], *others]
    assert list(SpecFile.model_fields) == expected
    assert not set(SpecOnly.model_fields) & set(JudgeDefinition.model_fields)
