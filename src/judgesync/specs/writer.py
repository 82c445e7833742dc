"""Remote judges -> spec files, so an existing workspace can be adopted.

`select_judges` picks the judges to import, `spec_files_for` turns them into
file texts (pure: names slugged, collisions resolved deterministically) and
`write` puts texts on disk. commands/import_.py meets them with the specs
already in the folder (commands/reimport.py: a matched judge goes into its own
file, in place, and a differing one only when forced), checks the folder as it
would be, and writes only if it stays valid. The files read back exactly:
loading them gives the remote definitions again.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from judgesync.errors import ConfigError, Problem
from judgesync.models import Judge
from judgesync.specs import yamlio
from judgesync.specs.textfile import MAX_FILE_BYTES

PROMPTS_FOLDER = "prompts"
FALLBACK_SLUG = "judge"
MAX_SLUG_LENGTH = 80
# Bounds this large are written as floats; smaller whole ones as plain integers.
_LARGEST_PLAIN_INTEGER = 10**15
# Windows refuses these as file names whatever the extension.
_RESERVED_NAMES = frozenset(
    {"con", "prn", "aux", "nul"} | {f"{device}{n}" for device in ("com", "lpt") for n in range(10)}
)
_NOT_SLUG = re.compile(r"[^\w]+")
# A refusal names this many differing files, then counts the rest.
SHOWN_CONFLICTS = 10


@dataclass(frozen=True)
class Written:
    """What an import did with each file: created it, updated it in place (--force),
    or left alone the spec of a judge that equals its remote judge."""

    new: tuple[Path, ...]
    updated: tuple[Path, ...]
    unchanged: tuple[Path, ...]


@dataclass(frozen=True)
class Imported:
    """What an import did with the files, or why it wrote none.

    `problems` are those of the spec folder as the import would leave it: then
    nothing was written. The API accepts judges the spec rules refuse (an
    unknown template variable, a name with trailing spaces, a missing bound);
    `problems_were_there` says the folder had them before the import.
    """

    files: Written
    problems: tuple[Problem, ...]
    problems_were_there: bool = False


@dataclass(frozen=True)
class SpecFileToWrite:
    """One file of an import: its path under the output folder and its text."""

    relative_path: PurePosixPath
    text: str


def select_judges(
    judges: Iterable[Judge],
    query: str | None = None,
    names: Sequence[str] = (),
    owns: Callable[[str], bool] = lambda _name: True,
) -> list[Judge]:
    """The owned judges matching every filter, sorted by name.

    `query` is a case-insensitive substring of the name or description;
    `names` are exact names. Raises ConfigError when a requested name is
    not a remote judge or lies outside the ownership scope.
    """
    judges = list(judges)
    known = {judge.name for judge in judges}
    missing = [name for name in names if name not in known]
    if missing:
        listed = ", ".join(repr(name) for name in missing)
        raise ConfigError(
            f"No remote judge is named {listed}; names are matched exactly (use --q to search)."
        )
    unowned = [name for name in names if not owns(name)]
    if unowned:
        listed = ", ".join(repr(name) for name in unowned)
        raise ConfigError(
            f"{listed} lies outside the ownership scope of judgesync.yaml; widen"
            " ownership.names to import it."
        )
    needle = query.casefold() if query is not None else None
    chosen = [
        judge
        for judge in judges
        if owns(judge.name)
        and (not names or judge.name in names)
        and (needle is None or needle in f"{judge.name}\n{judge.description}".casefold())
    ]
    return sorted(chosen, key=lambda judge: judge.name)


def slug(name: str) -> str:
    """A file-name stem for a judge name: `team-a/critical x` -> `team-a-critical-x`."""
    text = unicodedata.normalize("NFKC", name).lower()
    stem = _NOT_SLUG.sub("-", text).strip("-_")[:MAX_SLUG_LENGTH].rstrip("-_")
    if not stem:
        return FALLBACK_SLUG
    return f"{stem}-judge" if stem in _RESERVED_NAMES else stem


def spec_files_for(
    judges: Sequence[Judge], split_instructions: bool, taken: Iterable[str] = ()
) -> list[SpecFileToWrite]:
    """The spec files (and prompt files) that describe `judges` exactly.

    Judges are taken in name order and a stem already used (or in `taken`,
    casefolded: the files already there) gets `-2`, `-3`..., so the same
    judges always give the same files. With `split_instructions`,
    multi-line instructions go to `prompts/<stem>.md` when that file reads
    back unchanged; otherwise they stay inline.
    """
    used = set(taken)
    files: list[SpecFileToWrite] = []
    for judge in sorted(judges, key=lambda judge: judge.name):
        stem = _unused_stem(slug(judge.name), used)
        prompt: PurePosixPath | None = None
        if (
            split_instructions
            and "\n" in judge.instructions
            and survives_prompt_file(judge.instructions)
        ):
            prompt = PurePosixPath(PROMPTS_FOLDER, f"{stem}.md")
            files.append(SpecFileToWrite(prompt, judge.instructions))
        files.append(SpecFileToWrite(PurePosixPath(f"{stem}.yaml"), spec_text(judge, prompt)))
    return files


def _unused_stem(stem: str, used: set[str]) -> str:
    # casefold: two stems that differ only in case are one file on macOS and Windows.
    candidate, number = stem, 2
    while candidate.casefold() in used:
        candidate, number = f"{stem}-{number}", number + 1
    used.add(candidate.casefold())
    return candidate


def survives_prompt_file(text: str) -> bool:
    """Whether the loader reads `text` back unchanged from a prompt file.

    It drops a leading BOM, turns CRLF into LF, refuses blank and oversized files.
    """
    return (
        not text.startswith("\ufeff")
        and "\r\n" not in text
        and bool(text.strip())
        and len(text.encode("utf-8")) <= MAX_FILE_BYTES
    )


def spec_text(judge: Judge, prompt: PurePosixPath | None = None) -> str:
    """The YAML of one spec, keys in reading order; `prompt` is the instructions file."""
    return yamlio.dump(spec_data(judge, prompt))


def spec_data(judge: Judge, prompt: PurePosixPath | None = None) -> dict[str, Any]:
    """The data of one spec: the definition's fields in the model's order, `instructions`
    as `instructions_file` when `prompt` holds them, bounds as `_bound` writes them, and
    `tools` left out when empty."""
    data: dict[str, Any] = {}
    for field, value in judge.definition.model_dump().items():
        if field == "instructions" and prompt is not None:
            data["instructions_file"] = str(prompt)
        elif field == "output" and value["type"] == "REGRESSION":
            data[field] = {**value, "min": _bound(value["min"]), "max": _bound(value["max"])}
        elif field != "tools" or value:
            data[field] = value
    return data


def _bound(value: float | None) -> float | int | None:
    """`1.0` as `1`, which reads back as the same number and reads better."""
    if value is not None and value.is_integer() and abs(value) < _LARGEST_PLAIN_INTEGER:
        return int(value)
    return value


def write(files: Mapping[Path, str]) -> tuple[Path, ...]:
    """Write each text to its file, leaving alone those that already hold it; the
    paths written, in order."""
    written: list[Path] = []
    for path, text in sorted(files.items()):
        data = text.encode("utf-8")
        if _holds(path, data):
            continue
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Bytes, not text mode: no platform newline translation may touch the round trip.
            path.write_bytes(data)
        except OSError as error:
            raise ConfigError(
                f"{path}: cannot write the spec file ({error.strerror}); {len(written)} file(s)"
                " were written before it. Check the folder import writes into."
            ) from None
        written.append(path)
    return tuple(written)


def _holds(path: Path, data: bytes) -> bool:
    """Whether the file at `path` already holds exactly `data`."""
    try:
        return path.is_file() and path.read_bytes() == data
    except OSError:
        return False
