"""judgesync.yaml in action through the real CLI: ownership, guards, renames, targets."""

from __future__ import annotations

import os
import textwrap

import pytest
from click.testing import CliRunner

from judgesync.cli import cli
from judgesync.errors import ApiError
from judgesync.remote.client import JudgesClient
from judgesync.specs.yamlio import dump
from tests.builders import definition


@pytest.fixture
def repo(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    (tmp_path / "judges").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_config(repo, text):
    (repo / "judgesync.yaml").write_text(textwrap.dedent(text))


def write_spec(repo, name, previous_names=None, **changes):
    data = definition(name, **changes).model_dump(mode="json")
    if previous_names:
        data["previous_names"] = previous_names
    slug = name.replace("/", "-").replace(" ", "-")
    (repo / "judges" / f"{slug}.yaml").write_text(dump(data))


def names(remote):
    return sorted(judge.name for judge in remote.list_judges())


def test_another_teams_judges_stay_untouched_under_prune(repo, run, remote):
    write_config(repo, 'ownership:\n  names: ["team-a/*"]\n')
    for name in ("team-a/old", "team-a/kept", "team-b/theirs", "loose"):
        remote.create_judge(definition(name))
    write_spec(repo, "team-a/kept", description="changed")
    write_spec(repo, "team-a/new")

    result = run("apply", "--prune", "--auto-approve")

    assert result.exit_code == 0, result.output
    assert "Plan: 1 to create, 1 to update, 1 to delete." in result.output
    assert "team-b" not in result.output and "loose" not in result.output
    assert names(remote) == ["loose", "team-a/kept", "team-a/new", "team-b/theirs"]


def test_a_spec_outside_the_ownership_scope_is_a_validation_error(repo, run):
    write_config(repo, 'ownership:\n  names: ["team-a/*"]\n')
    write_spec(repo, "team-b/stray")
    result = run("validate")
    assert result.exit_code == 1
    assert "judges/team-b-stray.yaml:1: judge 'team-b/stray' is outside the ownership scope" in (
        result.output
    )


def test_prune_from_config_and_the_delete_limit(repo, run, remote):
    write_config(repo, "prune: true\nmax_deletes: 2\n")
    for index in range(3):
        remote.create_judge(definition(f"old-{index}"))
    remote.create_judge(definition("kept"))
    write_spec(repo, "kept")

    planned = run("plan")
    assert planned.exit_code == 0, planned.output
    assert planned.output.endswith(
        "Plan: 0 to create, 0 to update, 3 to delete.\n"
        "Warning: apply will refuse this plan: it deletes 3 judges, more than max_deletes (2),"
        " unless --allow-mass-delete is given.\n"
    )

    refused = run("apply", "--auto-approve")
    assert refused.exit_code == 1
    assert refused.output.endswith(
        "Error: The plan deletes 3 judges, more than max_deletes (2); nothing was changed."
        " Review the deletions, then pass --allow-mass-delete or raise max_deletes in"
        " judgesync.yaml.\n"
    )
    assert len(names(remote)) == 4

    allowed = run("apply", "--auto-approve", "--allow-mass-delete")
    assert allowed.exit_code == 0, allowed.output
    assert names(remote) == ["kept"]


def test_pruning_down_to_nothing_is_refused_unless_allowed(repo, run, remote):
    remote.create_judge(definition("only"))
    refused = run("apply", "--prune", "--auto-approve")
    assert refused.exit_code == 1
    assert "would delete every owned judge (1)" in refused.output
    assert names(remote) == ["only"]
    assert run("apply", "--prune", "--allow-empty", "--auto-approve").exit_code == 0
    assert names(remote) == []


def test_a_protected_judge_cannot_be_pruned(repo, run, remote):
    write_config(repo, 'protect: ["critical-*"]\n')
    remote.create_judge(definition("critical-pii"))
    write_spec(repo, "other")
    result = run("apply", "--prune", "--auto-approve")
    assert result.exit_code == 1
    assert "would delete protected judge(s) 'critical-pii'" in result.output
    assert names(remote) == ["critical-pii"]


def test_previous_names_rename_in_place(revisions, repo, run, remote):
    original = remote.create_judge(definition("old-name"))
    write_spec(repo, "new-name", previous_names=["old-name"])

    planned = run("plan", "--prune", "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert f"~ update new-name (id {original.id})" in planned.output
    assert 'name: "old-name" -> "new-name"' in planned.output
    assert run("apply", "--prune", "--auto-approve").exit_code == 0

    (renamed,) = remote.list_judges()
    assert renamed.name == "new-name"
    if revisions == "in-place":
        assert renamed.id == original.id
    else:
        assert renamed.base_revision == original.id
    assert run("plan", "--prune", "--detailed-exitcode").exit_code == 0


def test_targets_with_separate_keys_are_separate_workspaces(repo, emulator, monkeypatch):
    write_config(
        repo,
        f"""\
        targets:
          staging:
            api_url: {emulator.url}
            api_key_env: KEY_STAGING
            model_overrides: {{mistral-small-latest: mistral-tiny-latest}}
          prod:
            api_url: {emulator.url}
            api_key_env: KEY_PROD
        default_target: prod
        """,
    )
    monkeypatch.setenv("KEY_STAGING", "staging-key")
    monkeypatch.setenv("KEY_PROD", "prod-key")
    write_spec(repo, "tone")

    staged = CliRunner().invoke(cli, ["apply", "--target", "staging", "--auto-approve"])
    assert staged.exit_code == 0, staged.output
    assert staged.output.startswith(f"Target: staging: {emulator.url}\n")
    assert "  tone: mistral-small-latest -> mistral-tiny-latest" in staged.output

    with JudgesClient(emulator.url, "staging-key") as staging:
        assert [j.model_name for j in staging.list_judges()] == ["mistral-tiny-latest"]
    with JudgesClient(emulator.url, "prod-key") as prod:
        assert prod.list_judges() == []

    default = CliRunner().invoke(cli, ["plan"])
    assert default.exit_code == 0, default.output
    assert default.output.startswith(f"Target: prod: {emulator.url}\n")
    assert "Plan: 1 to create" in default.output


def test_a_target_without_its_key_fails_before_any_request(repo, emulator):
    write_config(
        repo,
        f"targets:\n  prod:\n    api_url: {emulator.url}\n    api_key_env: KEY_PROD\n",
    )
    result = CliRunner().invoke(cli, ["plan", "--target", "prod"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: KEY_PROD is not set.")


def test_an_unknown_target_lists_the_known_ones(repo):
    write_config(repo, "targets:\n  prod:\n    api_url: local\n    api_key_env: KEY_PROD\n")
    result = CliRunner().invoke(cli, ["plan", "--target", "prdo"])
    assert result.exit_code == 1
    assert "There is no target 'prdo'" in result.output
    assert "prod" in result.output


def test_a_broken_config_file_is_reported_with_its_line(repo, run, remote):
    write_config(repo, "prune: 1\nmax_delete: 3\n")
    result = run("apply", "--auto-approve")
    assert result.exit_code == 1
    assert result.output == (
        "judgesync.yaml:1: prune: must be true or false, got a number (1)\n"
        "judgesync.yaml:2: unknown key 'max_delete'; did you mean 'max_deletes'?\n"
        "2 problem(s) in judgesync.yaml; nothing was sent to the API.\n"
    )
    assert remote.list_judges() == []


def test_validate_reports_config_problems_as_config_problems(repo):
    write_config(repo, "prune: 1\n")
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 1
    assert result.output == (
        "judgesync.yaml:1: prune: must be true or false, got a number (1)\n"
        "1 problem(s) in judgesync.yaml; nothing was sent to the API.\n"
    )


def test_a_refused_key_names_the_targets_key_variable(repo, monkeypatch):
    import httpx

    from judgesync.remote.connect import resolve_target
    from judgesync.repository import find_config
    from judgesync.settings.config import load_config

    write_config(
        repo, "targets:\n  prod:\n    api_url: http://api.test\n    api_key_env: KEY_PROD\n"
    )
    monkeypatch.setenv("KEY_PROD", "wrong-key")
    target = resolve_target(None, os.environ, "prod", load_config(find_config(repo)))
    assert target.key_env == "KEY_PROD"

    refuse = httpx.MockTransport(lambda request: httpx.Response(401, json={"detail": "no"}))
    client = JudgesClient(target.api_url, target.api_key, transport=refuse, key_env=target.key_env)
    with client, pytest.raises(ApiError) as raised:
        client.list_judges()
    assert "Set KEY_PROD to a valid key." in str(raised.value)
    assert "wrong-key" not in str(raised.value)
