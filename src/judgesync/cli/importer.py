"""`judgesync import`: write spec files for the judges already in a workspace."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from judgesync.cli import terminal
from judgesync.cli.boundary import EXIT_ERROR, EXIT_OK
from judgesync.cli.options import api_url_option, spec_directory, target_option

# The core is imported inside the command: `judgesync --help` stays quick.
if TYPE_CHECKING:
    from judgesync.specs.writer import Imported, Written


def _moved_out(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """`--out DIR` became the DIRECTORY argument, as every other command takes it;
    click alone would answer "did you mean --only?"."""
    if value is not None:
        raise click.BadOptionUsage(
            "out", f"import takes the folder as its argument now: judgesync import {value}"
        )


@click.command("import")
@spec_directory
@api_url_option
@target_option
@click.option("--out", hidden=True, expose_value=False, callback=_moved_out)
@click.option(
    "--query",
    metavar="TEXT",
    help="Only judges whose name or description contains TEXT (ignoring case).",
)
@click.option(
    "--name",
    "names",
    metavar="NAME",
    multiple=True,
    help="Only the judge with exactly this name (repeatable).",
)
@click.option(
    "--only",
    metavar="NAME|GLOB",
    multiple=True,
    help="Only judges whose name matches (repeatable; globs as in judgesync.yaml).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Update in place the specs whose judge differs from the remote judge.",
)
@click.option(
    "--split-instructions",
    is_flag=True,
    help="Write multi-line instructions to prompts/<file>.md beside the specs.",
)
def import_command(
    directory: Path | None,
    api_url: str | None,
    target_name: str | None,
    query: str | None,
    names: tuple[str, ...],
    only: tuple[str, ...],
    force: bool,
    split_instructions: bool,
) -> int:
    """Write one spec file per remote judge into DIRECTORY, so `plan` starts with no changes.

    DIRECTORY defaults to judgesync.yaml's `specs`, else `judges`. A judge
    that a spec in the folder already manages (matched as plan matches: by
    name, ignoring case, or by previous_names) goes into that spec's file:
    left alone when the judge equals the spec, updated in place only with
    --force (comments and layout kept). Other judges get new files,
    named after them (`team-a/tone x` -> team-a-tone-x.yaml). Nothing is
    written if the folder would not validate afterwards. With a
    judgesync.yaml that sets ownership, only owned judges are imported.

    \b
    Example:
      judgesync import judges/
      judgesync import --query tone --split-instructions
      judgesync import --name helpfulness --name tone --force
      judgesync import --only 'team-a/*'
      judgesync import --target staging staging-judges/
    """
    from judgesync.commands.import_ import import_workspace
    from judgesync.settings.policy import Choices
    from judgesync.specs.textfile import shown_path

    done = import_workspace(
        Choices(directory, api_url, target_name, only=only),
        os.environ,
        Path.cwd(),
        query=query,
        names=names,
        split_instructions=split_instructions,
        force=force,
        progress=terminal.current().progress(),
    )
    if done.imported is None:
        if done.unowned is not None:
            scope = ", ".join(done.unowned.scope)
            click.echo(
                f"None of the {done.unowned.count} remote judge(s) lies inside the ownership"
                f" scope of judgesync.yaml ({scope}); nothing was written. Widen"
                " ownership.names to import them."
            )
            return EXIT_OK
        click.echo("No remote judge matches; nothing was written.")
        return EXIT_OK
    if done.imported.problems:
        return _refused(done.imported, shown_path(done.folder))
    files = done.imported.files
    for path in files.new:
        click.echo(f"Wrote {shown_path(path)}")
    for path in files.updated:
        click.echo(f"Updated {shown_path(path)}")
    folder = shown_path(done.folder)
    click.echo(
        f"Imported {done.judges} judge(s) from {done.target} into {folder} ({_tally(files)})."
    )
    if done.model_overrides:
        # Reversing the overrides would be a guess: several models may map to one.
        swaps = ", ".join(f"{model} -> {used}" for model, used in done.model_overrides)
        click.echo(
            f"Note: this target overrides models ({swaps}); the specs name the models as"
            " the target runs them. Edit model_name where the specs should name the original."
        )
    return EXIT_OK


def _refused(imported: Imported, folder: str) -> int:
    for problem in imported.problems:
        click.echo(str(problem), err=True)
    count = len(imported.problems)
    if imported.problems_were_there:
        click.echo(
            f"{count} problem(s) in {folder} before importing; nothing was written. Fix"
            " them (judgesync validate lists them), then import again.",
            err=True,
        )
    else:
        click.echo(
            f"{count} problem(s) in {folder} as the import would leave it, so nothing was"
            " written: the remote judges hold what the spec rules refuse (the API accepts"
            " it). Fix those judges, or leave them out with --name, --query or --only, then"
            " import again.",
            err=True,
        )
    return EXIT_ERROR


def _tally(files: Written) -> str:
    """E.g. "files: 2 new, 1 updated with --force, 40 unchanged" (counts of 0 left out)."""
    counts = (
        (len(files.new), "new"),
        (len(files.updated), "updated with --force"),
        (len(files.unchanged), "unchanged"),
    )
    return "files: " + ", ".join(f"{count} {what}" for count, what in counts if count)
