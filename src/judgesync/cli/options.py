"""The click options that several commands share, each declared once."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from judgesync.cli.boundary import OUTPUT_FORMAT
from judgesync.render.formats import FORMATS, Format

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


def gate_emulated_option(help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`--gate-emulated`, for `test` and `plan --replay`: evaluate must_pass and the
    gates on emulated verdicts too (real verdicts are always evaluated)."""
    return click.option("--gate-emulated", is_flag=True, help=help)


def look_up_format(ctx: click.Context, _param: click.Parameter, value: str) -> Format:
    """The format, looked up once, here: the command gets it, and the error boundary
    annotates errors with it."""
    ctx.meta[OUTPUT_FORMAT] = FORMATS[value]
    return FORMATS[value]


format_option = click.option(
    "--format",
    "output_format",
    type=click.Choice(list(FORMATS)),
    default="text",
    show_default=True,
    callback=look_up_format,
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


diff_option = click.option(
    "--diff",
    type=click.Choice(["short", "full"]),
    default="short",
    show_default=True,
    help="short: one line per created or deleted judge; full: also every field of each."
    " Updates always show their changed fields.",
)
list_unmanaged_option = click.option(
    "--list-unmanaged",
    is_flag=True,
    help="Name each owned remote judge that no spec names, instead of counting them"
    " (--format json always lists them).",
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


_TRAFFIC_FLAGS = ("traffic", "since", "start", "end", "sample", "seed", "show_conversations")


def traffic_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """`plan --replay`'s traffic flags, handed to the command as one `traffic:
    TrafficOptions` (review/traffic.py checks how they combine)."""

    @functools.wraps(command)
    def with_traffic(**kwargs: Any) -> Any:
        from judgesync.review.traffic import TrafficOptions

        flags = [kwargs.pop(name) for name in _TRAFFIC_FLAGS]
        return command(**kwargs, traffic=TrafficOptions(*flags))

    options = [
        click.option(
            "--traffic",
            metavar="EXPR",
            help="With --replay: also judge each updated judge, current vs proposed version,"
            " on a sample of the production spans this TraceQL expression matches (overrides"
            " judgesync.yaml's traffic selectors).",
        ),
        click.option(
            "--since",
            metavar="DURATION",
            help="The traffic window: spans started this long ago until now (30m, 24h, 7d)."
            "  [default: 7d]",
        ),
        click.option("--from", "start", metavar="T", help="The window's start (ISO-8601)."),
        click.option("--to", "end", metavar="T", help="The window's end (ISO-8601, exclusive)."),
        click.option(
            "--sample",
            type=int,
            metavar="N",
            help="Spans sampled per judge, uniformly over the window.  [default: 50]",
        ),
        click.option(
            "--seed",
            type=int,
            metavar="S",
            help="The sampling seed: the same seed, window and spans give the same sample."
            "  [default: 0]",
        ),
        click.option(
            "--show-conversations",
            is_flag=True,
            help="Show the text of the flipped spans' conversations (and put every sampled"
            " one in the JSON); without it only ids, verdicts and counts are shown.",
        ),
    ]
    for option in reversed(options):
        with_traffic = option(with_traffic)
    return with_traffic
