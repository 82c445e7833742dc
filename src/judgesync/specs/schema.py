"""The JSON Schema of a spec file: what editors check while you type.

It accepts exactly the data `validate` accepts, except for the few rules
JSON Schema cannot say (docs/specs.md, "What the schema cannot check"):
regression `min` below `max`, distinct option values, previous names
distinct from each other and from the name ignoring case, a `.nan` bound,
and everything about templates, prompt files and other files.

"The data" is the file as validate reads it: YAML 1.1, as PyYAML resolves
plain scalars. An editor reading YAML 1.2 (the yaml-language-server's
default) sees `yes` as text and `1e3` as a number where validate sees a
boolean and text; docs/ci.md says how to make the editor read YAML 1.1.
tests/test_schema.py holds the schema and validate to the same verdicts.
"""

from __future__ import annotations

import sys
from typing import Any

from judgesync.models import FINGERPRINT_LENGTH
from judgesync.specs.specfile import SpecFile

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

# What `str.strip()` removes, spelt out: `\s` differs between Python and the
# ECMAScript regular expressions editors run (U+001C-U+001F, U+FEFF).
_SPACE = "".join(f"\\u{code:04x}" for code in range(0x10000) if chr(code).isspace())
# Some character other than white space (check_values: "is empty").
HAS_TEXT = f"[^{_SPACE}]"
# That, and no white space at either end (check_values on `name`). Not `[^…]$`:
# Python's `$` also matches before a final newline.
TRIMMED = f"^(?![{_SPACE}])(?![\\s\\S]*[{_SPACE}]$)[\\s\\S]"
# Shown instead of the pattern by VS Code and the YAML language server.
_NOT_EMPTY = {"pattern": HAS_TEXT, "patternErrorMessage": "must not be empty"}
_NAME = {
    "pattern": TRIMMED,
    "patternErrorMessage": "must not be empty, nor start or end with white space",
}
# A JSON Schema number cannot be infinite; these bounds refuse YAML's `.inf`.
_FINITE = {"minimum": -sys.float_info.max, "maximum": sys.float_info.max}

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
    """The schema pydantic derives from `SpecFile`, with the value rules of
    `specfile.check_values` that JSON Schema can express added to it."""
    schema = SpecFile.model_json_schema()
    properties, defs = schema["properties"], schema["$defs"]
    for field in ("instructions", "instructions_file"):
        # The model allows null only to tell "absent" from "empty"; a file must give text.
        title = properties[field]["title"]
        properties[field] = {"title": title, "type": "string", **_NOT_EMPTY}
    properties["name"].update(_NAME)
    properties["model_name"].update(_NOT_EMPTY)
    for field in ("tools", "previous_names"):
        properties[field]["items"].update(_NOT_EMPTY)
        properties[field]["uniqueItems"] = True
    defs["ClassificationSpec"]["properties"]["options"]["minItems"] = 1
    defs["OptionSpec"]["properties"]["value"].update(_NOT_EMPTY)
    for bound in ("min", "max"):
        defs["RegressionSpec"]["properties"][bound].update(_FINITE)
    properties["acknowledge_breaking"] = {
        "title": properties["acknowledge_breaking"]["title"],
        "type": "string",
        # As specfile checks it: hex digits, case and surrounding spaces ignored.
        "pattern": rf"^[{_SPACE}]*[0-9a-fA-F]{{{FINGERPRINT_LENGTH}}}[{_SPACE}]*$",
    }
    for field, text in _FIELD_HELP.items():
        properties[field]["description"] = text
    schema["$schema"] = JSON_SCHEMA_DIALECT
    schema["title"] = "judgesync spec file"
    schema["description"] = "One Mistral judge, managed by judgesync (docs/specs.md)."
    schema["oneOf"] = [{"required": ["instructions"]}, {"required": ["instructions_file"]}]
    return schema
