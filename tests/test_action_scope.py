"""action/run.sh `scope`: a plan or an apply runs only when a file a plan reads changed.

judgesync says which files those are (`validate --print-inputs`: the spec
directory, judgesync.yaml, prompt files outside the directory), so
judgesync.yaml's `specs:` is honoured. The tests run the real CLI's flag.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from judgesync.render import as_markdown
from tests import runner_log
from tests.test_workflows import Checkout, git

ZEROS = "0" * 40


@pytest.fixture
def checkout(tmp_path: Path) -> Checkout:
    return Checkout(tmp_path)


def write(checkout: Checkout, path: str, text: str) -> None:
    file = checkout.root / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text, encoding="utf-8")


def append(checkout: Checkout, path: str, text: str = "# changed\n") -> None:
    file = checkout.root / path
    write(checkout, path, (file.read_text(encoding="utf-8") if file.exists() else "") + text)


def scope(checkout: Checkout, command: str = "plan", **env: str) -> dict[str, str]:
    result = checkout.step("scope", ACTION_COMMAND=command, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    return checkout.outputs()


def test_a_pull_request_that_changes_no_file_a_plan_reads_is_not_planned(checkout):
    write(checkout, "README.md", "judges, documented\n")
    checkout.commit("docs only")
    outputs = scope(checkout, BASE_SHA=checkout.base, HEAD_SHA="abc123")
    comment = checkout.read("comment.md")
    assert outputs == {
        "run": "false",
        "comment": str(checkout.temp / "judgesync" / "comment.md"),
        "comment-mode": "update",
    }
    assert comment.startswith(f"{as_markdown.PLAN_MARKER}\n### judgesync plan\n\nNo judge changes:")
    assert (
        "Commit `abc123` · [workflow run](https://github.com/acme/judges/actions/runs/42)"
        in comment
    )
    assert checkout.summary.read_text(encoding="utf-8") == comment


@pytest.mark.parametrize("changed", ["judges/tone.yaml", "judges/prompts/groundedness.md"])
def test_a_pull_request_that_changes_a_spec_or_its_prompt_is_planned(checkout, changed):
    append(checkout, changed)
    checkout.commit("a judge change")
    assert scope(checkout, BASE_SHA=checkout.base) == {"run": "true"}


def test_adding_or_deleting_judgesync_yaml_is_a_change(checkout):
    write(checkout, "judgesync.yaml", "prune: false\n")
    added = checkout.commit("a config")
    assert scope(checkout, BASE_SHA=checkout.base) == {"run": "true"}
    (checkout.root / "judgesync.yaml").unlink()
    checkout.commit("no config")
    assert scope(checkout, BASE_SHA=added) == {"run": "true"}


def custom_spec_directory(checkout: Checkout) -> str:
    """The specs under config/judges, as judgesync.yaml says; returns that commit."""
    (checkout.root / "config").mkdir()
    git(checkout.root, "mv", "judges", "config/judges")
    write(checkout, "judgesync.yaml", "specs: config/judges\n")
    return checkout.commit("specs under config/judges")


def test_the_spec_directory_of_judgesync_yaml_is_watched(checkout):
    base = custom_spec_directory(checkout)
    write(checkout, "judges/notes.md", "not the spec directory any more\n")
    checkout.commit("a file where the specs used to be")
    assert scope(checkout, BASE_SHA=base)["run"] == "false"
    append(checkout, "config/judges/tone.yaml")
    checkout.commit("a judge change under config/judges")
    assert scope(checkout, BASE_SHA=base) == {"run": "true"}


def test_a_prompt_file_outside_the_spec_directory_is_watched(checkout):
    prompt = checkout.root / "judges" / "prompts" / "groundedness.md"
    write(checkout, "prompts/groundedness.md", prompt.read_text(encoding="utf-8"))
    prompt.unlink()
    spec = checkout.root / "judges" / "groundedness.yaml"
    text = spec.read_text(encoding="utf-8")
    assert "instructions_file: prompts/groundedness.md" in text
    spec.write_text(text.replace("prompts/", "../prompts/"), encoding="utf-8")
    base = checkout.commit("the prompt outside the specs")
    append(checkout, "prompts/groundedness.md", "Be strict.\n")
    checkout.commit("a prompt change")
    assert scope(checkout, BASE_SHA=base) == {"run": "true"}


def test_the_listing_reaches_the_log_with_workflow_commands_off(checkout):
    write(checkout, "README.md", "docs\n")
    checkout.commit("docs only")
    result = checkout.step("scope", ACTION_COMMAND="plan", BASE_SHA=checkout.base)
    assert "judges/\n" in result.stdout
    names = [command.name for command in runner_log.commands(result.stdout)]
    assert names == ["stop-commands", names[1]] and names[1].startswith("judgesync-")


def test_a_push_to_the_default_branch_that_changes_no_judge_applies_nothing(checkout):
    before = checkout.head
    write(checkout, "README.md", "docs\n")
    checkout.commit("docs only")
    assert scope(checkout, "apply", BASE_SHA=before) == {"run": "false"}
    assert "nothing to apply" in checkout.summary.read_text(encoding="utf-8")
    append(checkout, "judges/tone.yaml")
    checkout.commit("a judge change")
    assert scope(checkout, "apply", BASE_SHA=before) == {"run": "true"}


@pytest.mark.parametrize(
    "env",
    [
        {"ACTION_COMMAND": "validate"},
        {"ACTION_COMMAND": "drift"},
        {"ACTION_COMMAND": "apply", "ACTION_PLAN_FILE": "/tmp/plan.json"},
        {"ACTION_COMMAND": "apply", "BASE_SHA": ZEROS},  # a push that created the branch
        {"ACTION_COMMAND": "plan", "BASE_SHA": ""},  # by hand: no base
    ],
    ids=["validate", "drift", "apply-by-hand", "new-branch", "plan-by-hand"],
)
def test_these_runs_always_go_on(checkout, env):
    write(checkout, "README.md", "docs\n")
    checkout.commit("docs only")
    env = {"BASE_SHA": checkout.base, **env}
    assert scope(checkout, env.pop("ACTION_COMMAND"), **env) == {"run": "true"}


def test_a_config_judgesync_cannot_read_plans_anyway_for_validate_to_report(checkout):
    write(checkout, "judgesync.yaml", "specs: [not, a, folder]\n")
    checkout.commit("a broken config")
    result = checkout.step("scope", ACTION_COMMAND="plan", BASE_SHA=checkout.base)
    assert checkout.outputs() == {"run": "true"}
    assert "::notice::The files a plan reads could not be listed;" in result.stdout


def test_a_rerun_of_a_run_whose_pull_request_moved_on_plans_nothing(checkout):
    # refs/pull/N/merge now merges a newer head than the one this run was started for.
    git(checkout.root, "checkout", "--quiet", "-b", "topic")
    append(checkout, "judges/tone.yaml")
    newer = checkout.commit("the newer head")
    git(checkout.root, "checkout", "--quiet", "--detach", checkout.base)
    git(checkout.root, "merge", "--quiet", "--no-ff", "-m", "test merge", "topic")
    result = checkout.step(
        "scope", ACTION_COMMAND="plan", BASE_SHA=checkout.base, HEAD_SHA="0ld" + "0" * 37
    )
    assert checkout.outputs() == {"run": "false"}
    assert f"::notice::The pull request's head is now {newer}" in result.stdout
    assert scope(checkout, BASE_SHA=checkout.base, HEAD_SHA=newer) == {"run": "true"}
