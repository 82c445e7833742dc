"""The one colour rule, and the global output options through the CLI."""

from __future__ import annotations

import io
import re

import pytest
from click.testing import CliRunner

from judgesync.cli import cli
from judgesync.cli.terminal import PlainProgress, Tally, colour_enabled


@pytest.mark.parametrize(
    ("choice", "environ", "terminal", "expected"),
    [
        ("auto", {}, True, True),
        ("auto", {}, False, False),
        ("auto", {"NO_COLOR": "1"}, True, False),
        ("auto", {"NO_COLOR": ""}, True, True),  # only a non-empty NO_COLOR counts
        ("auto", {"FORCE_COLOR": "1"}, False, True),
        ("auto", {"FORCE_COLOR": ""}, False, False),
        ("auto", {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False, False),
        ("auto", {"GITHUB_ACTIONS": "true"}, False, True),
        ("auto", {"GITHUB_ACTIONS": "false"}, False, False),
        ("auto", {"GITHUB_ACTIONS": "true", "NO_COLOR": "1"}, False, False),
        ("always", {"NO_COLOR": "1"}, False, True),
        ("never", {"FORCE_COLOR": "1", "GITHUB_ACTIONS": "true"}, True, False),
    ],
)
def test_colour_rule(choice, environ, terminal, expected):
    assert colour_enabled(choice, environ, terminal) is expected


@pytest.mark.parametrize(
    ("options", "environ", "coloured"),
    [
        ([], {}, False),  # CliRunner's output is not a terminal
        ([], {"GITHUB_ACTIONS": "true"}, True),
        (["--color", "always"], {"NO_COLOR": "1"}, True),
        (["--color", "never"], {"GITHUB_ACTIONS": "true"}, False),
    ],
)
def test_plan_output_follows_the_colour_rule(
    workdir, emulator, api_key, monkeypatch, options, environ, coloured
):
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("MISTRAL_API_KEY", api_key)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, [*options, "plan", "--api-url", emulator.url])
    assert result.exit_code == 0, result.output
    assert ("\x1b[" in result.output) is coloured


def test_verbose_and_quiet_together_are_a_usage_error():
    result = CliRunner().invoke(cli, ["-v", "-q", "validate"])
    assert result.exit_code == 1
    assert "-v/--verbose and -q/--quiet contradict each other; pick one." in result.output


def test_a_progress_line_counts_done_failed_and_retries():
    tally = Tally()
    tally.begin("apply", 3)
    tally.end()
    tally.count(failed=False)
    tally.count(failed=True)
    assert tally.line().startswith("apply: 1/3 done, 1 failed, 0 retries, ")
    assert tally.line().endswith(" s")  # the ETA


def test_a_listing_line_shows_time_and_retries():
    tally = Tally()
    tally.begin("listing", None)
    tally.end()
    assert re.fullmatch(r"listing: \d+ s, 0 retries", tally.line())


def test_plain_progress_prints_nothing_for_a_task_quicker_than_its_interval():
    stream = io.StringIO()
    progress = PlainProgress(stream, interval=3600)
    progress.start("apply", 2)
    progress.advance()
    progress.advance(failed=True)
    progress.finish()
    assert stream.getvalue() == ""


def test_tally_counts_only_retry_and_throttle_decisions():
    import logging

    tally = Tally()
    tally.begin("apply", 1)
    logger = logging.getLogger("judgesync.http")
    try:
        for decision in ("retry", "throttle", "give-up", "wait"):
            logger.info("a decision", extra={"decision": decision})
    finally:
        tally.end()
    assert tally.retries == 2


def test_quiet_plan_prints_only_its_summary(workdir, emulator, api_key, monkeypatch):
    monkeypatch.setenv("MISTRAL_API_KEY", api_key)
    result = CliRunner().invoke(cli, ["-q", "plan", "--api-url", emulator.url])
    assert result.exit_code == 0, result.output
    assert result.output == "Plan: 4 to create, 0 to update, 0 to delete.\n"


def test_quiet_apply_still_shows_the_whole_plan_it_asks_to_approve(
    workdir, emulator, api_key, monkeypatch
):
    monkeypatch.setenv("MISTRAL_API_KEY", api_key)
    result = CliRunner().invoke(cli, ["-q", "apply", "--api-url", emulator.url])
    assert result.exit_code == 1
    assert "tone" in result.output.split("Plan: ")[0]  # the actions, not only the summary
    assert "Refusing to apply without confirmation" in result.output


def test_the_output_options_are_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for param in cli.params:
        if param.name in ("color", "verbose", "quiet"):
            assert f"`{'/'.join(param.opts)}" in readme, param.opts
