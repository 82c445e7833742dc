"""--only and --no-prune through the CLI: acting on a subset of the judges."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from judgesync.cli import cli
from judgesync.errors import ConfigError
from judgesync.names import matches_any
from judgesync.plan.planner import ActionKind, plan
from judgesync.settings.policy import Policy
from judgesync.specs.yamlio import dump
from tests.builders import definition, remote


@pytest.fixture
def repo(tmp_path, monkeypatch, emulator, api_key):
    (tmp_path / ".git").mkdir()
    (tmp_path / "judges").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MISTRAL_API_KEY", api_key)
    monkeypatch.setenv("JUDGESYNC_API_URL", emulator.url)
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def write_spec(repo, name, previous_names=None, **changes):
    data = definition(name, **changes).model_dump(mode="json")
    if previous_names:
        data["previous_names"] = previous_names
    (repo / "judges" / f"{name.replace('/', '-')}.yaml").write_text(dump(data))


def remote_descriptions(remote):
    return {judge.name: judge.description for judge in remote.list_judges()}


def test_only_plans_and_applies_the_matching_judges_and_prunes_nothing_else(repo, remote):
    for name in ("team-a/kept", "team-a/gone", "team-b/kept", "team-b/gone"):
        remote.create_judge(definition(name, description="old"))
    write_spec(repo, "team-a/kept", description="new")
    write_spec(repo, "team-b/kept", description="new")
    write_spec(repo, "team-a/added")
    write_spec(repo, "team-b/added")

    planned = run("plan", "--prune", "--only", "team-a/*")
    assert planned.exit_code == 0, planned.output
    assert "Prune: on (owned judges that no spec names are deleted)\nOnly: team-a/*\n" in (
        planned.output
    )
    markdown = run(
        "plan", "--prune", "--only", "team-a/*", "--only", "*/gone", "--format", "markdown"
    )
    only = "<code>team-a/&#42;</code>, <code>&#42;/gone</code>"
    assert f"\n- Only: {only}\n\n" in markdown.output
    assert "Plan: 1 to create, 1 to update, 1 to delete." in planned.output
    assert "team-b" not in planned.output

    applied = run("apply", "--prune", "--only", "team-a/*", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert remote_descriptions(remote) == {
        "team-a/kept": "new",
        "team-a/added": "Is the answer polite?",
        "team-b/kept": "old",
        "team-b/gone": "old",
    }


def test_only_is_repeatable_and_takes_exact_names(repo, remote):
    for name in ("tone", "style", "other"):
        write_spec(repo, name)
    result = run("apply", "--only", "tone", "--only", "style", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert sorted(remote_descriptions(remote)) == ["style", "tone"]


def test_only_keeps_a_rename_whole(repo, remote):
    remote.create_judge(definition("tone-old"))
    write_spec(repo, "tone-new", previous_names=["tone-old"])
    result = run("apply", "--prune", "--allow-empty", "--only", "tone-old", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert sorted(remote_descriptions(remote)) == ["tone-new"]


def test_only_prunes_one_judge_without_its_spec_when_the_others_keep_theirs(repo, remote):
    for name in ("tone", "style", "other", "legacy"):
        remote.create_judge(definition(name))
    for name in ("tone", "style", "other"):
        write_spec(repo, name)
    result = run("plan", "--prune", "--only", "legacy")
    assert result.exit_code == 0, result.output
    assert "- delete legacy (id " in result.output
    assert "Plan: 0 to create, 0 to update, 1 to delete." in result.output


def test_no_prune_overrides_the_config(repo, remote):
    (repo / "judgesync.yaml").write_text("prune: true\n")
    remote.create_judge(definition("legacy"))
    remote.create_judge(definition("tone"))
    write_spec(repo, "tone", description="new")

    pruning = run("plan")
    assert "Plan: 0 to create, 1 to update, 1 to delete." in pruning.output
    result = run("apply", "--no-prune", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert sorted(remote_descriptions(remote)) == ["legacy", "tone"]


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        (
            ["--only", "tone"],
            "Error: --only does not apply with --plan: the saved plan already decided which"
            " judges it touches. Drop --only, or run plan --only ... --out again.\n",
        ),
        (
            ["--no-prune"],
            "Error: --no-prune does not apply with --plan: the saved plan already decided what"
            " to delete. Drop --no-prune, or run plan again with it.\n",
        ),
    ],
)
def test_only_and_no_prune_conflict_with_a_saved_plan(repo, remote, flag, message):
    write_spec(repo, "tone")
    assert run("plan", "--out", "plan.json").exit_code == 0
    result = run("apply", "--plan", "plan.json", *flag, "--auto-approve")
    assert result.exit_code == 1
    assert result.output.endswith(message)
    assert remote.list_judges() == []


@pytest.mark.parametrize("command", [("plan",), ("apply", "--auto-approve"), ("import",)])
def test_only_that_matches_no_judge_is_an_error(repo, remote, command):
    remote.create_judge(definition("tone"))
    write_spec(repo, "style")
    result = run(*command, "--only", "tone", "--only", "tnoe")
    assert result.exit_code == 1, result.output
    among = "remote judge" if command == ("import",) else "spec and no remote judge"
    assert result.output.endswith(
        f"Error: --only 'tnoe' matches no {among}; did you mean 'tone'? correct it,"
        " or leave it out.\n"
    )
    assert [judge.name for judge in remote.list_judges()] == ["tone"]


def test_only_may_name_a_judge_that_has_only_a_spec_or_only_a_remote_judge(repo, remote):
    remote.create_judge(definition("legacy"))
    write_spec(repo, "style")
    result = run("plan", "--only", "legacy", "--only", "style")
    assert result.exit_code == 0, result.output
    assert "Plan: 1 to create, 0 to update, 0 to delete." in result.output


def test_import_only_writes_the_matching_judges(repo, remote):
    for name in ("team-a/tone", "team-b/tone"):
        remote.create_judge(definition(name))
    result = run("import", "--only", "team-a/*")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (repo / "judges").iterdir()) == ["team-a-tone.yaml"]


NAMES = st.sets(st.sampled_from(["a/one", "a/two", "b/one", "b/two", "c"]))
GLOBS = st.lists(st.sampled_from(["a/*", "b/one", "c", "*/two", "z*"]), min_size=1, max_size=3)


@given(specs=NAMES, live=NAMES, changed=NAMES, only=GLOBS)
def test_only_plans_exactly_the_selected_part_of_the_whole_plan(specs, live, changed, only):
    desired = [definition(n, description="new" if n in changed else "old") for n in specs]
    existing = [remote(definition(n, description="old")) for n in live]
    everything = plan(desired, existing, Policy(prune=True, allow_empty=True))
    narrowed = Policy(prune=True, allow_empty=True, only=tuple(only))
    if not all(any(matches_any(n, (glob,)) for n in specs | live) for glob in only):
        # A pattern that matches no judge is refused, never an empty plan.
        with pytest.raises(ConfigError, match="matches no spec and no remote judge"):
            plan(desired, existing, narrowed)
        return
    subset = plan(desired, existing, narrowed)

    # Without renames, the subset plan is the whole plan's selected actions, unchanged.
    selected = [a for a in everything.actions if matches_any(a.name, only)]
    assert list(subset.actions) == selected
    assert all(matches_any(j.name, only) for j in subset.unmanaged)
    assert not any(
        a.kind is ActionKind.DELETE and not matches_any(a.name, only) for a in subset.actions
    )
