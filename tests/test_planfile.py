"""The input files' hashes a saved plan records, and how two recordings differ."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from judgesync.errors import ConfigError
from judgesync.plan.planfile import SpecFiles, hash_files, load, save, to_document
from judgesync.plan.planner import Plan

# A few paths, some nested, so that additions, removals and edits all happen.
PATHS = ["a.yaml", "b.yml", "prompts/a.md", "prompts/deep/c.md", "tone.cases.yaml"]
trees = st.dictionaries(st.sampled_from(PATHS), st.binary(max_size=8), max_size=len(PATHS))


def written(files: dict[str, bytes], root: Path) -> Path:
    for relative, content in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(content)
    return root


def every_file(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def change(path: str, before: dict[str, bytes], after: dict[str, bytes]) -> str:
    return "added" if path not in before else "removed" if path not in after else "changed"


@settings(max_examples=60, deadline=None)
@given(before=trees, after=trees)
def test_differences_name_exactly_the_files_added_removed_or_changed(before, after):
    with tempfile.TemporaryDirectory() as old, tempfile.TemporaryDirectory() as new:
        recorded = hash_files(Path(old), every_file(written(before, Path(old))))
        now = hash_files(Path(new), every_file(written(after, Path(new))))
    expected = [
        f"{path}: {change(path, before, after)} since the plan"
        for path in sorted(before.keys() | after.keys())
        if before.get(path) != after.get(path)
    ]
    assert recorded.differences(now) == expected
    assert (recorded.overall == now.overall) is (before == after)
    assert sorted(recorded.files) == sorted(before)


def test_a_missing_file_is_left_out(tmp_path):
    assert hash_files(tmp_path, [tmp_path / "nowhere.yaml"]).files == {}


def test_files_outside_the_directory_are_recorded_relative_to_it_and_shown_joined(tmp_path):
    specs = written({"tone.yaml": b"name: tone\n"}, tmp_path / "judges")
    config = written({"judgesync.yaml": b"prune: false\n"}, tmp_path) / "judgesync.yaml"
    missing = tmp_path / "prompts" / "gone.md"
    recorded = hash_files(specs, [specs / "tone.yaml", config, missing])
    assert sorted(recorded.files) == ["../judgesync.yaml", "tone.yaml"]
    assert sorted(recorded.paths(specs)) == sorted([config, specs / "tone.yaml"])

    config.write_bytes(b"prune: true\n")
    now = hash_files(specs, recorded.paths(specs))
    assert recorded.differences(now, "judges") == ["judgesync.yaml: changed since the plan"]
    config.unlink()
    gone = hash_files(specs, recorded.paths(specs))
    assert recorded.differences(gone, "judges") == ["judgesync.yaml: removed since the plan"]


globs = st.lists(st.text(min_size=1, max_size=6), max_size=3).map(tuple)


@settings(max_examples=40, deadline=None)
@given(ownership=st.none() | globs, prune=st.booleans())
def test_a_saved_plan_keeps_the_scope_it_was_made_with(ownership, prune):
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "plan.json"
        document = to_document(
            Plan(()), "local", None, "key", SpecFiles("s", {}), ownership=ownership, prune=prune
        )
        save(path, document)
        saved = load(path)
    assert (saved.ownership, saved.prune) == (ownership, prune)


@pytest.mark.parametrize(("ownership", "prune"), [(None, "yes"), ("team-*", True), ([1], False)])
def test_a_plan_file_with_a_malformed_scope_is_refused(tmp_path, ownership, prune):
    document = to_document(
        Plan(()), "local", None, "key", SpecFiles("s", {}), ownership=None, prune=False
    )
    document.update(ownership=ownership, prune=prune)
    save(tmp_path / "plan.json", document)
    with pytest.raises(ConfigError, match="the plan file is damaged"):
        load(tmp_path / "plan.json")
