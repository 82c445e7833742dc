"""`validate`, `plan`, `apply` and `show`: the reconcile commands."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from judgesync.cli import terminal
from judgesync.cli.boundary import (
    EXIT_CHANGES_PENDING,
    EXIT_ERROR,
    EXIT_OK,
    GITHUB_ANNOTATIONS,
)
from judgesync.cli.display import (
    Display,
    diff_option,
    echo_plan,
    for_format,
    list_unmanaged_option,
)
from judgesync.errors import ConfigError, JudgesyncError

# The core is imported inside each command: `judgesync --help` stays quick.
if TYPE_CHECKING:
    from judgesync.plan.planner import Plan

spec_directory = click.argument(
    "directory",
    required=False,
    type=click.Path(file_okay=False, path_type=Path),
)
api_url_option = click.option(
    "--api-url",
    metavar="URL",
    help="API base URL, or 'local' for the embedded emulator."
    " [env: JUDGESYNC_API_URL; default: https://api.mistral.ai]",
)
target_option = click.option(
    "--target",
    "target_name",
    metavar="NAME",
    help="A target defined in judgesync.yaml (its URL, key variable and model overrides).",
)


def repeat_option(help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`--repeat N` (1 to 20 runs of each case), for `test` and `plan --replay`, each
    with its own help."""
    return click.option(
        "--repeat", type=click.IntRange(1, 20), default=1, show_default=True, help=help
    )


def _remember_format(ctx: click.Context, _param: click.Parameter, value: str) -> str:
    # For GitHub, the error boundary also annotates the errors (boundary.GITHUB_ANNOTATIONS).
    if value == "github":
        ctx.meta[GITHUB_ANNOTATIONS] = True
    return value


format_option = click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "markdown", "json", "github"]),
    default="text",
    show_default=True,
    callback=_remember_format,
    help="Output for a terminal (text), a PR comment or job summary (markdown),"
    " machines (json), or a GitHub Actions step (github: markdown, and errors"
    " as annotations on stderr).",
)
prune_option = click.option(
    "--prune/--no-prune",
    default=None,
    help="Also delete (or do not) owned remote judges that no spec names."
    " [default: judgesync.yaml's prune]",
)
only_option = click.option(
    "--only",
    metavar="NAME|GLOB",
    multiple=True,
    help="Act only on judges whose name matches (repeatable); specs and remote judges"
    " outside it are left out of the plan, never pruned.",
)
allow_empty_option = click.option(
    "--allow-empty",
    is_flag=True,
    help="Allow a pruning plan that deletes every owned judge.",
)
parallelism_option = click.option(
    "--parallelism",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    help="Requests in flight at once.",
)


def planning_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options plan and apply share, in the order --help lists them."""
    shared = (
        spec_directory,
        api_url_option,
        target_option,
        prune_option,
        only_option,
        allow_empty_option,
        format_option,
        diff_option,
        list_unmanaged_option,
        parallelism_option,
    )
    for option in reversed(shared):
        command = option(command)
    return command


@click.command("validate")
@spec_directory
@click.option(
    "--strict",
    is_flag=True,
    help="Treat warnings about the instructions as errors (exit 1).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "github"]),
    default="text",
    show_default=True,
    callback=_remember_format,
    help="github: also print each problem as a GitHub Actions annotation on stdout.",
)
@click.option(
    "--print-inputs",
    is_flag=True,
    help="Only print the files a plan reads, one per line: the spec directory (with a"
    " trailing /), judgesync.yaml, prompt files outside the spec directory. Exit 0.",
)
def validate_command(
    directory: Path | None, strict: bool, output_format: str, print_inputs: bool
) -> int:
    """Check spec files and cases files offline; print every problem, one per line.

    Also warns about instructions that are valid but probably wrong, as
    `path:line: warning: message`; warnings alone exit 0, unless --strict.
    DIRECTORY defaults to judgesync.yaml's `specs`, else `judges`. The
    problems go to stderr as `path:line: message`; with --format github,
    stdout also gets one `::error file=…,line=…::` annotation per problem
    (`::warning` per warning).

    \b
    Example:
      judgesync validate judges/
      judgesync validate --strict
      judgesync validate --format github
      git diff --quiet main HEAD -- $(judgesync validate --print-inputs)
    """
    from judgesync.policy import Choices
    from judgesync.render import as_github
    from judgesync.specs.check import validate

    if print_inputs:
        from judgesync.specs.inputs import find_inputs, listing

        if strict or output_format != "text":
            raise ConfigError("--print-inputs checks nothing; drop --strict and --format.")
        inputs = find_inputs(Choices(directory=directory), Path.cwd())
        click.echo("".join(f"{line}\n" for line in listing(inputs, Path.cwd())), nl=False)
        return EXIT_OK
    validated = validate(Choices(directory=directory), Path.cwd())
    problems, warnings = validated.problems, validated.warnings
    if output_format == "github":
        click.echo(as_github.render_problems(problems), nl=False)
        click.echo(as_github.render_problems(warnings, level="warning"), nl=False)
    for problem in problems:
        click.echo(for_format(str(problem), output_format), err=True)
    for warning in warnings:
        click.echo(for_format(warning.as_warning(), output_format), err=True)
    if problems:
        also = f" and {len(warnings)} warning(s)" if warnings else ""
        click.echo(f"{len(problems)} problem(s){also} found.", err=True)
        return EXIT_ERROR
    if strict and warnings:
        click.echo(f"{len(warnings)} warning(s) found; --strict treats them as errors.", err=True)
        return EXIT_ERROR
    also = f", with {len(warnings)} warning(s)" if warnings else ""
    click.echo(f"{len(validated.loaded.specs)} judge spec(s) valid{also}.")
    return EXIT_OK


@click.command("plan")
@planning_options
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 2 when changes are pending (0 when none, 1 on error).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also save the plan to this file, for `apply --plan` and `show`.",
)
@click.option(
    "--replay",
    is_flag=True,
    help="Also run the cases of each judge created or updated, proposed vs current version,"
    " and show the verdicts that flip; exit 1 when a replay gate fails.",
)
@repeat_option("With --replay: judge each case N times with the current version (its noise floor).")
def plan_command(
    directory: Path | None,
    api_url: str | None,
    target_name: str | None,
    prune: bool | None,
    only: tuple[str, ...],
    allow_empty: bool,
    output_format: str,
    diff: str,
    list_unmanaged: bool,
    parallelism: int,
    detailed_exitcode: bool,
    out: Path | None,
    replay: bool,
    repeat: int,
) -> int:
    """Show what apply would change on the remote to match the specs.

    \b
    Example:
      judgesync plan --api-url local judges/
      judgesync plan --detailed-exitcode --format json
      judgesync plan --target staging --out plan.json
      judgesync plan --replay --repeat 3 --format markdown
      judgesync plan --only 'team-a/*' --no-prune
      judgesync plan --diff full --list-unmanaged
    """
    from judgesync.policy import Choices
    from judgesync.reconcile import plan
    from judgesync.review.replay import ReplayRequest
    from judgesync.review.shadows import grace_from

    if repeat > 1 and not replay:
        raise ConfigError("--repeat applies to --replay only; add --replay, or drop --repeat.")
    display = Display.of(output_format, diff, list_unmanaged)
    choices = Choices(directory, api_url, target_name, prune, allow_empty, only=only)
    request = ReplayRequest(repeat, grace_from(os.environ)) if replay else None
    progress = terminal.current().progress()
    planned = plan(choices, os.environ, Path.cwd(), parallelism, out, request, progress)
    if planned.replay is None:
        echo_plan(planned.plan, planned.header, display)
    else:
        from judgesync.cli.review import echo_plan_with_replay

        echo_plan_with_replay(planned.plan, planned.header, planned.replay, display)
    for warning in planned.warnings:
        click.echo(for_format(warning, output_format), err=True)
        if output_format == "github":
            from judgesync.render import as_github

            click.echo(as_github.render_warning(warning), err=True, nl=False)
    if planned.replay is not None and not planned.replay.ok:
        click.echo("Error: the replay fails (see above); fix the judges or their cases.", err=True)
        return EXIT_ERROR
    return EXIT_CHANGES_PENDING if detailed_exitcode and planned.plan.has_changes else EXIT_OK


@click.command("apply")
@planning_options
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
@click.option(
    "--allow-mass-delete",
    is_flag=True,
    help="Allow more deletions than judgesync.yaml's max_deletes (default 5).",
)
@click.option(
    "--plan",
    "saved_plan",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Execute exactly this saved plan (from `plan --out`) instead of planning afresh,"
    " on its own target unless one is given; refused when its signature fails or the"
    " files it was made from (spec files, their prompts, judgesync.yaml) differ now.",
)
def apply_command(
    directory: Path | None,
    api_url: str | None,
    target_name: str | None,
    prune: bool | None,
    only: tuple[str, ...],
    allow_empty: bool,
    output_format: str,
    diff: str,
    list_unmanaged: bool,
    parallelism: int,
    auto_approve: bool,
    allow_mass_delete: bool,
    saved_plan: Path | None,
) -> int:
    """Plan afresh (or load a saved plan), then make the remote match the specs.

    Asks for confirmation on a terminal; elsewhere --auto-approve is required
    (and with --format json, markdown or github, which show no plan to
    approve first).
    A saved plan is refused, with nothing changed, when a judge it touches
    changed since it was made, or the files it was made from differ now. Each
    update and delete first re-reads its judge and is refused if it changed.
    Ctrl-C starts no further action, waits up to 10 s for those in flight,
    prints what was done, failed, not started or unknown, and exits 130.

    \b
    Example:
      judgesync apply --api-url local --auto-approve judges/
      judgesync apply --plan plan.json --auto-approve
    """
    from judgesync.policy import Choices
    from judgesync.reconcile import apply
    from judgesync.render import as_json, as_text, markdown_report

    if output_format != "text" and not auto_approve:
        raise ConfigError(
            f"apply --format {output_format} needs --auto-approve: a plan must be shown"
            " as text to be approved. Review it with plan first."
        )
    choices = Choices(
        directory,
        api_url,
        target_name,
        prune,
        allow_empty,
        allow_mass_delete=allow_mass_delete,
        only=only,
    )
    display = Display.of(output_format, diff, list_unmanaged)
    applied = apply(
        choices,
        os.environ,
        Path.cwd(),
        parallelism,
        saved_plan=saved_plan,
        # With -q the plan shrinks to its summary, unless someone must approve it.
        show=lambda plan, header: (
            echo_plan(plan, header, display, approving=not auto_approve)
            if output_format != "json"
            else None
        ),
        approve=None if auto_approve else _confirm,
        progress=terminal.current().progress(),
    )
    report = applied.report
    if output_format == "json":
        document: dict[str, Any] = {
            "plan": as_json.plan_document(applied.plan, applied.header),
            "report": as_json.report_document(report),
        }
        click.echo(as_json.dumps(document), nl=False)
    elif output_format in ("markdown", "github"):
        click.echo(for_format(markdown_report.render_report(report), output_format), nl=False)
    elif report.results:
        shown = terminal.current()
        colour = shown.colour(sys.stdout)
        # color=: click would strip the codes again whenever stdout is no terminal.
        click.echo(as_text.render_report(report, colour, shown.quiet), nl=False, color=colour)
    if report.stopped_by is not None:
        raise report.stopped_by  # after the report: the boundary words it and picks the code
    return EXIT_OK if report.ok else EXIT_ERROR


@click.command("show")
@click.argument("plan_file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@format_option
@diff_option
@list_unmanaged_option
def show_command(plan_file: Path, output_format: str, diff: str, list_unmanaged: bool) -> int:
    """Render a plan saved by `plan --out`, without contacting the API.

    Its header (target, ownership, prune) is the one the plan was made with.

    \b
    Example:
      judgesync show plan.json --format json
      judgesync show plan.json --diff full --list-unmanaged
    """
    from judgesync.plan import planfile
    from judgesync.render.header import PlanHeader

    saved = planfile.load(plan_file)
    saved_by = (
        f"Saved by judgesync {saved.judgesync_version} at {saved.created_at}; its signature"
        " was not checked (show has no key; apply --plan checks it)."
    )
    click.echo(for_format(saved_by, output_format), err=True)
    echo_plan(
        saved.plan, PlanHeader.of_saved(saved), Display.of(output_format, diff, list_unmanaged)
    )
    return EXIT_OK


def _confirm(plan: Plan) -> None:
    if not sys.stdin.isatty():
        raise JudgesyncError(
            "Refusing to apply without confirmation: stdin is not a terminal."
            " Review the plan above and re-run with --auto-approve."
        )
    try:
        approved = click.confirm("Apply these changes?", default=False)
    except click.Abort:
        # click turns Ctrl-C at a prompt into Abort; the boundary exits 130 for it.
        raise KeyboardInterrupt from None
    if not approved:
        raise JudgesyncError("Apply cancelled; nothing was changed.")
