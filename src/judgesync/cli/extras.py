"""`schema`: the JSON Schema of a spec file, for editors and other tools."""

from __future__ import annotations

import json
from typing import Any

import click

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
# Shown by editors on hover; docs/specs.md is the full reference.
_FIELD_HELP = {
    "name": "The judge's name in the workspace; how a spec is matched to a remote judge.",
    "description": "What the judge is for.",
    "model_name": "The model that judges, e.g. mistral-small-latest.",
    "instructions": "The prompt: a Jinja2 template. Set this or instructions_file.",
    "instructions_file": "Path of a file holding the prompt, relative to this file.",
    "output": "What the judge answers: a CLASSIFICATION or a REGRESSION.",
    "tools": "Tool names the judge may use.",
    "previous_names": "Names this judge had before, so a rename is recognised.",
    "acknowledge_breaking": "The fingerprint `judgesync plan` prints for a breaking change,"
    " accepting that change only (breaking_changes: require_ack).",
}


def spec_file_schema() -> dict[str, Any]:
    """The schema pydantic derives from `SpecFile`, plus the one rule it cannot
    express itself: exactly one of `instructions` and `instructions_file`."""
    from judgesync.plan.change_class import FINGERPRINT_LENGTH
    from judgesync.specs.specfile import SpecFile

    schema = SpecFile.model_json_schema()
    properties = schema["properties"]
    for field in ("instructions", "instructions_file"):
        # The model allows null only to tell "absent" from "empty"; a file must give text.
        properties[field] = {"title": properties[field]["title"], "type": "string"}
    properties["acknowledge_breaking"] = {
        "title": properties["acknowledge_breaking"]["title"],
        "type": "string",
        # As specfile checks it: hex digits, case and surrounding spaces ignored.
        "pattern": rf"^\s*[0-9a-fA-F]{{{FINGERPRINT_LENGTH}}}\s*$",
    }
    for field, text in _FIELD_HELP.items():
        properties[field]["description"] = text
    schema["$schema"] = JSON_SCHEMA_DIALECT
    schema["title"] = "judgesync spec file"
    schema["description"] = "One Mistral judge, managed by judgesync (docs/specs.md)."
    schema["oneOf"] = [{"required": ["instructions"]}, {"required": ["instructions_file"]}]
    return schema


@click.command("schema")
def schema_command() -> int:
    """Print the JSON Schema of a spec file, for editor completion and checks.

    Point a spec file at it with a modeline as its first line (docs/ci.md):

    \b
      # yaml-language-server: $schema=../judgesync.schema.json

    \b
    Example:
      judgesync schema > judgesync.schema.json
    """
    click.echo(json.dumps(spec_file_schema(), indent=2, sort_keys=True, ensure_ascii=False))
    return 0
