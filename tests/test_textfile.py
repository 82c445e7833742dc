"""The one reader of input files, alone and through `judgesync validate`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from judgesync.errors import SpecError
from judgesync.settings.config import load_config
from judgesync.specs.textfile import MAX_FILE_BYTES, NotARegularFile, read_text

SPEC = """name: judge
description: A judge.
model_name: mistral-small-latest
{instructions}
output:
  type: CLASSIFICATION
  options:
    - value: pass
      description: Good enough.
"""
INLINE = 'instructions: "{{ assistant_message }} {{ answer_type_definition }}"'
FIFO = "is a named pipe (FIFO), not a regular file"
DEVICE = "is a character device, not a regular file"

needs_fifos = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
needs_dev_zero = pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")


def problem_of(path: Path) -> str:
    with pytest.raises(SpecError) as caught:
        read_text(path, "shown")
    [problem] = caught.value.problems
    return str(problem)


def test_text_comes_without_bom_and_with_lf_line_ends(tmp_path):
    (tmp_path / "f").write_bytes(b"\xef\xbb\xbfone\r\ntwo\r\n")
    assert read_text(tmp_path / "f", "f") == "one\ntwo\n"


def test_a_file_not_in_utf8_is_refused_at_the_line_of_its_first_bad_byte(tmp_path):
    (tmp_path / "f").write_bytes(b"ok\nalso ok\ncaf\xe9\n")
    assert problem_of(tmp_path / "f") == (
        "shown:3: the file is not UTF-8 (byte 0xe9); save it as UTF-8"
    )


def test_a_file_over_the_limit_is_refused(tmp_path):
    (tmp_path / "f").write_bytes(b"x" * (MAX_FILE_BYTES + 1))
    assert problem_of(tmp_path / "f").startswith("shown: the file is larger than 1 MiB")


def test_a_file_at_the_limit_is_read(tmp_path):
    (tmp_path / "f").write_bytes(b"x" * MAX_FILE_BYTES)
    assert len(read_text(tmp_path / "f", "f")) == MAX_FILE_BYTES


def test_a_missing_file_says_so_with_what_to_check(tmp_path):
    with pytest.raises(NotARegularFile) as caught:
        read_text(tmp_path / "nowhere", "shown")
    assert caught.value.reason == "does not exist"
    assert str(caught.value) == "shown: the file does not exist; check the path"


def test_a_folder_is_refused(tmp_path):
    assert problem_of(tmp_path) == (
        "shown: the path is a folder, not a regular file; use a regular file instead"
    )


@needs_fifos
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    assert problem_of(tmp_path / "pipe") == f"shown: the path {FIFO}; use a regular file instead"


@needs_dev_zero
def test_a_symlink_to_a_device_is_refused_without_reading_it(tmp_path):
    (tmp_path / "zero").symlink_to("/dev/zero")
    assert problem_of(tmp_path / "zero") == f"shown: the path {DEVICE}; use a regular file instead"


@needs_fifos
def test_a_config_file_that_is_a_named_pipe_is_refused(tmp_path):
    os.mkfifo(tmp_path / "judgesync.yaml")
    with pytest.raises(SpecError) as caught:
        load_config(tmp_path / "judgesync.yaml")
    [problem] = caught.value.problems
    assert FIFO in problem.message


def test_a_config_file_that_is_a_folder_is_refused(tmp_path):
    (tmp_path / "judgesync.yaml").mkdir()
    with pytest.raises(SpecError) as caught:
        load_config(tmp_path / "judgesync.yaml")
    [problem] = caught.value.problems
    assert "is a folder, not a regular file" in problem.message


def validate(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`judgesync validate` as a process: a reader that blocks fails the test, not the run."""
    script = shutil.which("judgesync") or str(Path(sys.executable).with_name("judgesync"))
    return subprocess.run(
        [script, "validate", *args], capture_output=True, text=True, cwd=cwd, timeout=60
    )


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "judges").mkdir()
    return tmp_path


def make_fifo(path: Path) -> None:
    os.mkfifo(path)


def link_to_dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


SPECIAL_FILES = [
    pytest.param(make_fifo, FIFO, marks=needs_fifos, id="fifo"),
    pytest.param(link_to_dev_zero, DEVICE, marks=needs_dev_zero, id="symlink-to-dev-zero"),
]


@pytest.mark.parametrize("make, what", SPECIAL_FILES)
def test_validate_refuses_a_spec_file_that_is_not_a_regular_file(repository, make, what):
    make(repository / "judges" / "judge.yaml")
    result = validate(repository, "judges")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        f"judges/judge.yaml: the path {what}; use a regular file instead\n1 problem(s) found.\n"
    )


# A prompt symlinked to /dev/zero leads outside the repository: refused before it is opened.
PROMPTS = [
    pytest.param(make_fifo, FIFO, marks=needs_fifos, id="fifo"),
    pytest.param(Path.mkdir, "is a folder, not a regular file", id="folder"),
]


@pytest.mark.parametrize("make, what", PROMPTS)
def test_validate_refuses_a_prompt_that_is_not_a_regular_file(repository, make, what):
    spec = SPEC.format(instructions="instructions_file: prompt.md")
    (repository / "judges" / "judge.yaml").write_text(spec, encoding="utf-8")
    make(repository / "judges" / "prompt.md")
    result = validate(repository, "judges")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        f"judges/judge.yaml:4: instructions_file: judges/prompt.md {what}; fix the path\n"
        "1 problem(s) found.\n"
    )


@needs_fifos
def test_validate_of_good_specs_ignores_a_fifo_that_is_no_spec(repository):
    (repository / "judges" / "judge.yaml").write_text(SPEC.format(instructions=INLINE))
    os.mkfifo(repository / "judges" / "notes.md")
    result = validate(repository, "judges")
    assert (result.returncode, result.stdout) == (0, "1 judge spec(s) valid.\n")


@needs_dev_zero
def test_validate_refuses_a_prompt_linked_to_a_device_as_outside_the_repository(repository):
    spec = SPEC.format(instructions="instructions_file: prompt.md")
    (repository / "judges" / "judge.yaml").write_text(spec, encoding="utf-8")
    (repository / "judges" / "prompt.md").symlink_to("/dev/zero")
    result = validate(repository, "judges")
    assert (result.returncode, result.stdout) == (1, "")
    [problem, total] = result.stderr.splitlines()
    assert problem.startswith("judges/judge.yaml:4: instructions_file: 'prompt.md' leads outside")
    assert total == "1 problem(s) found."
