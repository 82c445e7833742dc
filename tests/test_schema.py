"""`judgesync schema`: a JSON Schema that accepts the shipped specs and rejects broken ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from judgesync.cli import cli
from judgesync.specs.loader import CASES_SUFFIXES
from judgesync.specs.specfile import SpecFile

ROOT = Path(__file__).parent.parent
# Cases files live beside the specs; they are not specs.
SHIPPED_SPECS = sorted(
    path for path in (ROOT / "judges").glob("*.yaml") if not path.name.endswith(CASES_SUFFIXES)
)


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def minimal_spec(**changes: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": "tone",
        "description": "Is the answer polite?",
        "model_name": "mistral-small-latest",
        "instructions": "Rate {{ assistant_message }}",
        "output": {
            "type": "CLASSIFICATION",
            "options": [{"value": "polite", "description": "Courteous."}],
        },
    }
    spec.update(changes)
    return {key: value for key, value in spec.items() if value is not None}


def test_schema_names_its_dialect_and_title(schema):
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "judgesync spec file"


def test_schema_output_is_deterministic_with_sorted_keys():
    first = CliRunner().invoke(cli, ["schema"]).output
    assert first == CliRunner().invoke(cli, ["schema"]).output
    assert first == json.dumps(json.loads(first), indent=2, sort_keys=True) + "\n"


def test_schema_describes_every_field_of_the_spec_model(schema):
    assert set(schema["properties"]) == set(SpecFile.model_fields)
    assert all(field.get("description") for field in schema["properties"].values())


@pytest.mark.parametrize("path", SHIPPED_SPECS, ids=lambda path: path.name)
def test_shipped_judges_validate_against_the_schema(validator, path):
    assert list(validator.iter_errors(yaml.safe_load(path.read_text(encoding="utf-8")))) == []


def test_there_are_shipped_judges_to_check():
    assert len(SHIPPED_SPECS) >= 3


@pytest.mark.parametrize(
    ("spec", "complaint"),
    [
        (minimal_spec(descripton="typo"), "Additional properties are not allowed"),
        (minimal_spec(instructions_file="prompt.md"), "is valid under each of"),
        (minimal_spec(instructions=None), "is not valid under any of the given schemas"),
        (minimal_spec(instructions=["not", "text"]), "is not of type 'string'"),
        (
            minimal_spec(output={"type": "REGRESSION", "min": 1, "max": 5}),
            "'min_description' is a required property",
        ),
        (minimal_spec(output={"type": "SCORE"}), "SCORE"),
        (minimal_spec(model_name=None), "'model_name' is a required property"),
        (minimal_spec(name=" tone"), "does not match"),
        (minimal_spec(model_name="  "), "does not match"),
        (minimal_spec(tools=["search", "search"]), "has non-unique elements"),
        (minimal_spec(output={"type": "CLASSIFICATION", "options": []}), "should be non-empty"),
        (
            minimal_spec(
                output={
                    "type": "REGRESSION",
                    "min": 0,
                    "max": float("inf"),
                    "min_description": "a",
                    "max_description": "b",
                }
            ),
            "is greater than the maximum",
        ),
    ],
    ids=[
        "unknown-key",
        "both-instructions",
        "no-instructions",
        "instructions-not-text",
        "regression-without-descriptions",
        "unknown-output-type",
        "missing-model",
        "padded-name",
        "blank-model",
        "repeated-tool",
        "no-options",
        "infinite-bound",
    ],
)
def test_broken_specs_do_not_validate(validator, spec, complaint):
    messages = [message for error in validator.iter_errors(spec) for message in _messages(error)]
    assert messages, "the schema accepted a broken spec"
    assert any(complaint in message for message in messages), messages


def _messages(error: jsonschema.ValidationError) -> list[str]:
    """The error's message and those of the sub-schemas behind a oneOf/anyOf."""
    return [
        error.message,
        *(message for cause in error.context or () for message in _messages(cause)),
    ]


def test_a_minimal_spec_validates(validator):
    assert list(validator.iter_errors(minimal_spec())) == []
