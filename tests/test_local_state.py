"""`--api-url local` keeps one state per repository, whatever the working directory."""

from __future__ import annotations

from pathlib import Path

from judgesync.repository import repository_root
from judgesync.settings.local_state import local_db


def test_the_root_is_where_judgesync_yaml_is_else_the_git_root_else_the_workdir(tmp_path):
    (tmp_path / ".git").mkdir()
    deep = tmp_path / "team" / "judges"
    deep.mkdir(parents=True)
    assert repository_root(deep) == tmp_path.resolve()
    (tmp_path / "team" / "judgesync.yaml").write_text("specs: judges\n")
    assert repository_root(deep) == (tmp_path / "team").resolve()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (tmp_path / ".git").rmdir()
    assert repository_root(outside) == outside.resolve()


def test_the_state_is_shown_relative_to_the_working_directory(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "judges").mkdir()
    assert local_db(tmp_path) == Path(".judgesync/local.db")
    assert local_db(tmp_path / "judges") == Path("../.judgesync/local.db")


def test_plan_from_a_subdirectory_sees_what_apply_did_from_the_root(workdir, run, monkeypatch):
    applied = run("apply", "--api-url", "local", "--auto-approve", "judges")
    assert applied.exit_code == 0, applied.output
    monkeypatch.chdir(workdir / "judges")

    planned = run("plan", "--api-url", "local", "--detailed-exitcode", ".")

    assert planned.exit_code == 0, planned.output
    assert planned.output.startswith("Target: local (embedded emulator, ../.judgesync/local.db)\n")
    assert "No changes." in planned.output
    assert not (workdir / "judges" / ".judgesync").exists()
    assert (workdir / ".judgesync" / "local.db").is_file()
