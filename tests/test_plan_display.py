"""How plan, apply and show present a plan, through the real CLI against the emulator:
the header's scope (judgesync.yaml, --prune, saved plans), --diff and --list-unmanaged."""

from __future__ import annotations

import json
import shutil

import pytest

from judgesync.cli import cli
from judgesync.specs.yamlio import dump
from tests.builders import definition

OWNED = 'ownership:\n  names: ["tone", "g*", "h*", "pii-*"]\n'
OWNED_LINE = "Ownership: judges named tone, g*, h*, pii-*\n"
WHOLE_LINE = "Ownership: the whole workspace\n"
PRUNE_ON = "Prune: on (owned judges that no spec names are deleted)\n"
PRUNE_OFF = "Prune: off (owned judges that no spec names are left alone)\n"


def head(emulator, ownership: str, prune: str) -> str:
    return f"Target: {emulator.url}\n{ownership}{prune}\n"


def test_the_header_shows_ownership_and_prune_from_judgesync_yaml(workdir, run, emulator):
    (workdir / "judgesync.yaml").write_text(OWNED + "prune: true\n")
    planned = run("plan")
    assert planned.exit_code == 0, planned.output
    assert planned.output.startswith(head(emulator, OWNED_LINE, PRUNE_ON) + "+ create")
    applied = run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert applied.output.startswith(head(emulator, OWNED_LINE, PRUNE_ON) + "+ create")


@pytest.mark.parametrize(
    ("config", "flag", "prune"),
    [("", "--prune", PRUNE_ON), ("prune: true\n", "--no-prune", PRUNE_OFF)],
)
def test_the_header_shows_the_prune_flag_over_judgesync_yaml(
    workdir, run, emulator, config, flag, prune
):
    (workdir / "judgesync.yaml").write_text(config)
    for command in (["plan"], ["apply", "--auto-approve"]):
        result = run(*command, flag)
        assert result.exit_code == 0, result.output
        assert result.output.startswith(head(emulator, WHOLE_LINE, prune)), result.output


def test_the_header_in_markdown_and_json_shows_the_scope_too(workdir, run):
    (workdir / "judgesync.yaml").write_text(OWNED)
    markdown = run("plan", "--prune", "--format", "markdown").output
    assert (
        "- Ownership: judges named <code>tone</code>, <code>g&#42;</code>, <code>h&#42;</code>,"
        " <code>pii-&#42;</code>\n- Prune: on (owned judges that no spec names are deleted)\n"
    ) in markdown
    document = json.loads(run("plan", "--prune", "--format", "json").output)
    assert (document["ownership"], document["prune"]) == (["tone", "g*", "h*", "pii-*"], True)


def test_show_prints_the_header_the_plan_was_made_with(workdir, run, emulator):
    (workdir / "judgesync.yaml").write_text(OWNED)
    planned = run("plan", "--prune", "--out", "plan.json")
    assert planned.exit_code == 0, planned.output
    (workdir / "judgesync.yaml").unlink()  # show reads the plan file, not today's policy
    shown = run("show", "plan.json")
    assert shown.exit_code == 0, shown.output
    assert shown.stdout == planned.output
    assert shown.stdout.startswith(head(emulator, OWNED_LINE, PRUNE_ON))
    document = json.loads(run("show", "plan.json", "--format", "json").stdout)
    assert (document["ownership"], document["prune"]) == (["tone", "g*", "h*", "pii-*"], True)


def test_apply_of_a_saved_plan_shows_the_header_it_was_made_with(workdir, run, emulator):
    (workdir / "judgesync.yaml").write_text(OWNED + "prune: true\n")
    assert run("plan", "--out", "plan.json").exit_code == 0
    applied = run("apply", "--plan", "plan.json", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert applied.output.startswith(head(emulator, OWNED_LINE, PRUNE_ON))


def only_judge(workdir, name: str) -> None:
    shutil.rmtree(workdir / "judges")
    (workdir / "judges").mkdir()
    (workdir / "judges" / f"{name}.yaml").write_text(dump(definition(name).model_dump()))


FULL_CREATE = (
    "+ create polite\n"
    '    name: "polite"\n'
    '    description: "Is the answer polite?"\n'
    '    model_name: "mistral-small-latest"\n'
    "    instructions:\n"
    "      @@ -0,0 +1 @@\n"
    "      +Rate {{ assistant_message }}\n"
    '    output.type: "CLASSIFICATION"\n'
    '    output.options[0].value: "polite"\n'
    '    output.options[0].description: "Courteous."\n'
    '    output.options[1].value: "rude"\n'
    '    output.options[1].description: "Not courteous."\n'
    "    tools: []\n"
    "\n"
)


def test_diff_full_shows_the_content_of_a_create_and_short_one_line(workdir, run, emulator):
    only_judge(workdir, "polite")
    full = run("plan", "--diff", "full", "--out", "plan.json")
    assert full.exit_code == 0, full.output
    plan_line = "Plan: 1 to create, 0 to update, 0 to delete.\n"
    assert full.output == head(emulator, WHOLE_LINE, PRUNE_OFF) + FULL_CREATE + plan_line
    short = run("plan")
    assert short.output == head(emulator, WHOLE_LINE, PRUNE_OFF) + "+ create polite\n\n" + plan_line
    assert run("show", "plan.json", "--diff", "full").stdout == full.output
    assert run("-v", "plan").output == short.output  # -v is about HTTP, not the diff


def test_diff_full_shows_the_content_of_a_delete(workdir, run, remote):
    gone = remote.create_judge(definition("gone"))
    only_judge(workdir, "polite")
    result = run("plan", "--prune", "--allow-empty", "--diff", "full")
    assert f'- delete gone (id {gone.id})\n    name: "gone" -> null\n' in result.output


def test_unmanaged_judges_are_counted_unless_listed(workdir, run, remote):
    legacy = remote.create_judge(definition("legacy"))
    only_judge(workdir, "polite")
    counted = run("plan", "--out", "plan.json")
    assert (
        "Not managed: 1 owned judge that no spec names, left alone.\n"
        "  Use --prune to delete them. --list-unmanaged lists them.\n\n"
    ) in counted.output
    listed = (
        "Not managed: 1 owned judge that no spec names, left alone.\n"
        f"  legacy (id {legacy.id})\n"
        "  Use --prune to delete them.\n\n"
    )
    for command in (
        ["plan", "--list-unmanaged"],
        ["show", "plan.json", "--list-unmanaged"],
        ["apply", "--auto-approve", "--list-unmanaged"],
    ):
        result = run(*command)
        assert result.exit_code == 0, result.output
        assert listed in result.stdout, command
    markdown = run("plan", "--format", "markdown", "--list-unmanaged").output
    assert "left alone: <code>legacy</code>. Use `--prune` to delete them.\n" in markdown


def test_replay_honours_the_display_options(workdir, run):
    short = run("plan", "--replay")
    full = run("plan", "--replay", "--diff", "full")
    for result in (short, full):
        assert "Replay: the changed judges on their cases" in result.stdout
    assert '+ create tone\n    name: "tone"\n' in full.stdout
    assert '    name: "tone"' not in short.stdout
    assert "+ create tone\n" in short.stdout


def test_the_readme_names_the_display_options_and_the_commands_that_take_them():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for option, shown in (
        ("diff", "`--diff short|full`"),
        ("list_unmanaged", "`--list-unmanaged`"),
    ):
        taking = [
            name
            for name, command in cli.commands.items()
            if any(param.name == option for param in command.params)
        ]
        assert f"{shown} ({', '.join(taking)}" in readme, (option, taking)
