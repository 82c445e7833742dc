"""Import into a repository that already has specs, through the real CLI against the
emulator: the round trips of a repository shaped as the docs encourage."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from judgesync.remote.client import JudgesClient
from judgesync.specs.yamlio import dump
from tests.builders import definition

DAY_NS = 86_400 * 10**9
MODELINE = "# yaml-language-server: $schema=../judgesync.schema.json\n"


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and modification time, the times set a day back first so
    that any rewrite shows, even of the same bytes."""
    found = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns - DAY_NS))
        found[str(path.relative_to(folder))] = (path.read_bytes(), path.stat().st_mtime_ns)
    return found


def now(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(path.relative_to(folder)): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(p for p in folder.rglob("*") if p.is_file())
    }


def assert_clean(run) -> None:
    validated = run("validate")
    assert validated.exit_code == 0, validated.output
    planned = run("plan", "--detailed-exitcode")
    assert planned.exit_code == 0, planned.output
    assert "No changes." in planned.output


@pytest.fixture
def applied(workdir, run):
    """The shipped judges, applied to the emulator."""
    result = run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    return workdir


def test_import_after_a_rename_with_previous_names_updates_nothing(applied, run, emulator):
    tone = applied / "judges" / "tone.yaml"
    tone.write_text(
        tone.read_text().replace("name: tone\n", "name: brand-tone\nprevious_names: [tone]\n")
    )
    cases = applied / "judges" / "tone.cases.yaml"
    cases.write_text(cases.read_text().replace("judge: tone\n", "judge: brand-tone\n"))
    assert run("apply", "--auto-approve").exit_code == 0
    before = snapshot(applied / "judges")

    imported = run("import")

    assert imported.exit_code == 0, imported.output
    assert imported.output == (
        f"Imported 4 judge(s) from {emulator.url} into judges (files: 4 unchanged).\n"
    )
    assert now(applied / "judges") == before
    assert_clean(run)


def test_import_after_moving_a_spec_into_a_folder_finds_it_there(applied, run):
    quality = applied / "judges" / "quality"
    quality.mkdir()
    shutil.move(applied / "judges" / "tone.yaml", quality / "tone.yaml")
    before = snapshot(applied / "judges")

    imported = run("import")

    assert imported.exit_code == 0, imported.output
    assert "(files: 4 unchanged)" in imported.output
    assert now(applied / "judges") == before
    assert_clean(run)


def test_import_leaves_alone_a_spec_with_a_modeline_and_comments(applied, run):
    tone = applied / "judges" / "tone.yaml"
    tone.write_text(MODELINE + "# Reviewed by the brand team.\n" + tone.read_text())
    before = snapshot(applied / "judges")

    imported = run("import")

    assert imported.exit_code == 0, imported.output
    assert now(applied / "judges") == before
    assert tone.read_text().startswith(MODELINE + "# Reviewed by the brand team.\n")


def test_the_shipped_example_after_the_quick_start_imports_as_unchanged(workdir, run):
    applied = run("apply", "--api-url", "local", "--auto-approve", "judges/")
    assert applied.exit_code == 0, applied.output
    before = snapshot(workdir / "judges")

    imported = run("import", "--api-url", "local")

    assert imported.exit_code == 0, imported.output
    assert imported.output == (
        "Imported 4 judge(s) from local (embedded emulator, .judgesync/local.db) into judges"
        " (files: 4 unchanged).\n"
    )
    assert now(workdir / "judges") == before


@pytest.fixture
def empty_repo(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


MULTI_LINE = definition("tone", instructions="Rate the tone.\n{{ assistant_message }}\n")


def test_a_split_import_imported_again_plainly_is_unchanged(empty_repo, run, remote):
    remote.create_judge(MULTI_LINE)
    assert run("import", "--split-instructions").exit_code == 0
    assert (empty_repo / "judges" / "prompts" / "tone.md").exists()
    before = snapshot(empty_repo / "judges")

    again = run("import")

    assert again.exit_code == 0, again.output
    assert "(files: 1 unchanged)" in again.output
    assert now(empty_repo / "judges") == before


def test_a_remote_edit_is_imported_into_its_own_file_in_place_with_force(
    applied, run, emulator, api_key
):
    tone = applied / "judges" / "quality" / "brand.yaml"
    tone.parent.mkdir()
    shutil.move(applied / "judges" / "tone.yaml", tone)
    original = MODELINE + "# Reviewed by the brand team.\n" + tone.read_text()
    tone.write_text(original)
    with JudgesClient(emulator.url, api_key) as client:
        judge = next(j for j in client.list_judges() if j.name == "tone")
        output = judge.output.model_copy(
            update={
                "options": [
                    o.model_copy(update={"description": "Warm and direct."}) if i == 0 else o
                    for i, o in enumerate(judge.output.options)  # type: ignore[union-attr]
                ]
            }
        )
        client.update_judge(judge.id, judge.definition.model_copy(update={"output": output}))

    refused = run("import")
    assert refused.exit_code == 1
    assert "Refusing to update 1 spec file(s)" in refused.output
    assert "  judges/quality/brand.yaml\n" in refused.output
    assert tone.read_text() == original

    forced = run("import", "--force")

    assert forced.exit_code == 0, forced.output
    assert forced.output.startswith("Updated judges/quality/brand.yaml\n")
    assert not (applied / "judges" / "tone.yaml").exists()
    assert tone.read_text() == original.replace(
        "description: Warm, direct and professional.", "description: Warm and direct."
    )
    assert_clean(run)


def test_a_remote_prompt_edit_goes_into_the_prompt_file_the_spec_names(empty_repo, run, remote):
    created = remote.create_judge(MULTI_LINE)
    assert run("import", "--split-instructions").exit_code == 0
    spec = (empty_repo / "judges" / "tone.yaml").read_bytes()
    remote.update_judge(
        created.id, MULTI_LINE.model_copy(update={"instructions": "Rate it.\n{{ user_message }}\n"})
    )

    forced = run("import", "--force")

    assert forced.exit_code == 0, forced.output
    assert forced.output.startswith("Updated judges/prompts/tone.md\n")
    assert (empty_repo / "judges" / "prompts" / "tone.md").read_text() == (
        "Rate it.\n{{ user_message }}\n"
    )
    assert (empty_repo / "judges" / "tone.yaml").read_bytes() == spec
    assert_clean(run)


def test_a_new_remote_judge_never_takes_the_file_of_another_spec(empty_repo, run, remote):
    # tone.yaml holds another judge, not applied yet: the remote "tone" needs its own file.
    (empty_repo / "judges").mkdir()
    mine = "# mine\n" + dump(definition("brand-tone").model_dump(mode="json"))
    (empty_repo / "judges" / "tone.yaml").write_text(mine)
    remote.create_judge(definition("tone"))

    imported = run("import")

    assert imported.exit_code == 0, imported.output
    assert imported.output.startswith("Wrote judges/tone-2.yaml\n")
    assert (empty_repo / "judges" / "tone.yaml").read_text() == mine
    validated = run("validate")
    assert validated.exit_code == 0, validated.output


def test_import_into_a_folder_that_is_already_invalid_writes_nothing(empty_repo, run, remote):
    (empty_repo / "judges").mkdir()
    (empty_repo / "judges" / "broken.yaml").write_text("name: [\n")
    remote.create_judge(definition("tone"))

    refused = run("import")

    assert refused.exit_code == 1
    assert "judges/broken.yaml:2: invalid YAML" in refused.output
    assert (
        "1 problem(s) in judges before importing; nothing was written. Fix them" in refused.output
    )
    assert sorted(p.name for p in (empty_repo / "judges").iterdir()) == ["broken.yaml"]
