"""`validate`, `plan`, `apply` and `show`: the reconcile commands."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from judgesync.cli import terminal
from judgesync.cli.boundary import (
    EXIT_CHANGES_PENDING,
    EXIT_ERROR,
    EXIT_OK,
)
from judgesync.cli.display import echo, style
from judgesync.cli.options import (
    diff_option,
    format_option,
    gate_emulated_option,
    list_unmanaged_option,
    look_up_format,
    planning_options,
    repeat_option,
    spec_directory,
    traffic_options,
)
from judgesync.errors import ConfigError, JudgesyncError

# The core is imported inside each command: `judgesync --help` stays quick.
if TYPE_CHECKING:
    from judgesync.plan.planner import Plan
    from judgesync.render.formats import Format
    from judgesync.review.traffic import TrafficOptions


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
    callback=look_up_format,
    help="github: also print each problem as a GitHub Actions annotation on stderr.",
)
@click.option(
    "--print-inputs",
    is_flag=True,
    help="Only print the files a plan reads, one per line: the spec directory (with a"
    " trailing /), judgesync.yaml, prompt files outside the spec directory. Exit 0.",
)
def validate_command(
    directory: Path | None, strict: bool, output_format: Format, print_inputs: bool
) -> int:
    """Check spec files and cases files offline; print every problem, one per line.

    Also warns about instructions that are valid but probably wrong, as
    `path:line: warning: message`; warnings alone exit 0, unless --strict.
    DIRECTORY defaults to judgesync.yaml's `specs`, else `judges`. The
    problems go to stderr as `path:line: message`; with --format github,
    stderr also gets one `::error file=…,line=…::` annotation per problem
    (`::warning` per warning), after the plain lines.

    \b
    Example:
      judgesync validate judges/
      judgesync validate --strict
      judgesync validate --format github
      git diff --quiet main HEAD -- $(judgesync validate --print-inputs)
    """
    from judgesync.commands.validate import print_inputs as inputs_of
    from judgesync.commands.validate import validate
    from judgesync.settings.policy import Choices

    if print_inputs:
        if strict or output_format.name != "text":
            raise ConfigError("--print-inputs checks nothing; drop --strict and --format.")
        lines = inputs_of(Choices(directory=directory), Path.cwd())
        click.echo("".join(f"{line}\n" for line in lines), nl=False)
        return EXIT_OK
    validated = validate(Choices(directory=directory), Path.cwd())
    problems, warnings = validated.problems, validated.warnings
    for problem in problems:
        click.echo(output_format.message(str(problem)), err=True)
    for warning in warnings:
        click.echo(output_format.message(warning.as_warning()), err=True)
    annotations = output_format.annotations(problems=problems, warnings=warnings)
    if problems:
        also = f" and {len(warnings)} warning(s)" if warnings else ""
        click.echo(f"{len(problems)} problem(s){also} found.", err=True)
        click.echo(annotations, err=True, nl=False)
        return EXIT_ERROR
    click.echo(annotations, err=True, nl=False)
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
    " and show the verdicts that flip and whether that is significant; exit 1 when a replay"
    " gate fails (on emulated verdicts only with --gate-emulated).",
)
@repeat_option("With --replay: judge each case N times with the current version (its noise floor).")
@gate_emulated_option(
    "With --replay: evaluate must_pass and the gates even when the verdicts are emulated"
    " (the emulator's hash rule); real verdicts are always evaluated."
)
@traffic_options
def plan_command(
    directory: Path | None,
    api_url: str | None,
    target_name: str | None,
    prune: bool | None,
    only: tuple[str, ...],
    allow_empty: bool,
    output_format: Format,
    diff: str,
    list_unmanaged: bool,
    parallelism: int,
    detailed_exitcode: bool,
    out: Path | None,
    replay: bool,
    repeat: int,
    gate_emulated: bool,
    traffic: TrafficOptions,
) -> int:
    """Show what apply would change on the remote to match the specs.

    \b
    Example:
      judgesync plan --api-url local judges/
      judgesync plan --detailed-exitcode --format json
      judgesync plan --target staging --out plan.json
      judgesync plan --replay --repeat 3 --format markdown
      judgesync plan --replay --traffic '{ resource.service.name = "support-bot" }' --since 7d
      judgesync plan --only 'team-a/*' --no-prune
      judgesync plan --diff full --list-unmanaged
    """
    from judgesync.commands.plan import plan
    from judgesync.review.replay import ReplayRequest
    from judgesync.review.shadows import grace_from
    from judgesync.settings.policy import Choices

    if repeat > 1 and not replay:
        raise ConfigError("--repeat applies to --replay only; add --replay, or drop --repeat.")
    if gate_emulated and not replay:
        raise ConfigError(
            "--gate-emulated applies to --replay only; add --replay, or drop --gate-emulated."
        )
    if traffic.given and not replay:
        raise ConfigError("The traffic options apply to --replay only; add --replay.")
    choices = Choices(directory, api_url, target_name, prune, allow_empty, only=only)
    request = ReplayRequest(repeat, grace_from(os.environ), gate_emulated) if replay else None
    progress = terminal.current().progress()
    planned = plan(
        choices,
        os.environ,
        Path.cwd(),
        parallelism,
        out,
        request,
        progress,
        traffic=traffic,
        announce=lambda cost: click.echo(output_format.cost(cost), err=True),
    )
    shown = style(diff, list_unmanaged)
    if planned.replay is None:
        echo(output_format.plan(planned.plan, planned.header, shown), shown)
    else:
        echo(
            output_format.plan_with_replay(planned.plan, planned.header, planned.replay, shown),
            shown,
        )
    for warning in planned.warnings:
        click.echo(output_format.message(warning), err=True)
        click.echo(output_format.annotations(warning_messages=[warning]), err=True, nl=False)
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
    output_format: Format,
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
    from judgesync.commands.apply import apply
    from judgesync.settings.policy import Choices

    if output_format.name != "text" and not auto_approve:
        raise ConfigError(
            f"apply --format {output_format.name} needs --auto-approve: a plan must be shown"
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
    # With -q the plan shrinks to its summary, unless someone must approve it.
    plan_style = style(diff, list_unmanaged, quiet=auto_approve)
    applied = apply(
        choices,
        os.environ,
        Path.cwd(),
        parallelism,
        saved_plan=saved_plan,
        show=lambda plan, header: (
            echo(output_format.plan(plan, header, plan_style), plan_style)
            if output_format.plan_before_apply
            else None
        ),
        approve=None if auto_approve else _confirm,
        progress=terminal.current().progress(),
    )
    report = applied.report
    shown = style(diff, list_unmanaged)
    echo(output_format.apply_report(applied.plan, applied.header, report, shown), shown)
    if report.stopped_by is not None:
        raise report.stopped_by  # after the report: the boundary words it and picks the code
    return EXIT_OK if report.ok else EXIT_ERROR


@click.command("show")
@click.argument("plan_file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@format_option
@diff_option
@list_unmanaged_option
def show_command(plan_file: Path, output_format: Format, diff: str, list_unmanaged: bool) -> int:
    """Render a plan saved by `plan --out`, without contacting the API.

    Its header (target, ownership, prune) is the one the plan was made with.

    \b
    Example:
      judgesync show plan.json --format json
      judgesync show plan.json --diff full --list-unmanaged
    """
    from judgesync.commands.show import show

    shown = show(plan_file)
    saved_by = (
        f"Saved by {shown.saved_by}; its signature was not checked (show has no key;"
        " apply --plan checks it)."
    )
    click.echo(output_format.message(saved_by), err=True)
    printed = style(diff, list_unmanaged)
    echo(output_format.saved_plan(shown.plan, shown.header, shown.traffic, printed), printed)
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
