"""`schema`: the JSON Schema of a spec file, for editors and other tools."""

from __future__ import annotations

import json

import click


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
    # Imported here: the spec models cost start-up to every other command.
    from judgesync.specs.schema import spec_file_schema

    click.echo(json.dumps(spec_file_schema(), indent=2, sort_keys=True, ensure_ascii=False))
    return 0
