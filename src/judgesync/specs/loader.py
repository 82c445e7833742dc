"""Spec files -> desired judges, with every problem in every file.

`load_specs` reads each `*.yaml` / `*.yml` file under a directory (one judge
per file; `*.cases.yaml` files hold test cases, see specs/cases_loader.py), checks
it and returns the judges of the files that passed and the problems of those
that did not, each at a line when it is known. It never
raises for bad input: the caller decides what problems mean. The file format
is documented in docs/specs.md.
"""

from __future__ import annotations

import os
import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from judgesync.errors import Problem, SpecError
from judgesync.models import JudgeDefinition
from judgesync.names import name_key
from judgesync.specs import specfile, template_cache, templates, yamlio
from judgesync.specs.problems import line_of
from judgesync.specs.textfile import NotARegularFile, line_at, read_text, shown_path

SPEC_SUFFIXES = (".yaml", ".yml")
# Test cases of judges (specs/cases_loader.py) sit beside the specs but are not specs.
CASES_SUFFIXES = (".cases.yaml", ".cases.yml")


@dataclass(frozen=True)
class TextOrigin:
    """Where the instructions' first line is: the spec line after `instructions: |`,
    or line 1 of the `instructions_file`."""

    path: str
    line: int


@dataclass(frozen=True)
class DesiredJudge:
    """A judge as a spec file describes it; `line` is the line of its name."""

    definition: JudgeDefinition
    path: str
    line: int | None
    previous_names: tuple[str, ...] = ()
    # The spec's `acknowledge_breaking`: which breaking change it accepts (docs/review.md).
    acknowledge_breaking: str | None = None
    instructions_at: TextOrigin | None = None


@dataclass(frozen=True)
class LoadedSpecs:
    """The judges of the valid spec files, sorted by name, and every problem found.

    `spec_files` are the files read as specs, valid or not, sorted;
    `instruction_files` the prompt files read (`instructions_file`), as
    resolved paths, sorted: what a plan reads (specs/inputs.py).
    """

    specs: tuple[DesiredJudge, ...]
    problems: tuple[Problem, ...]
    instruction_files: tuple[Path, ...] = ()
    spec_files: tuple[Path, ...] = ()


_ALLOWED_VARIABLES = ", ".join(
    [*sorted(templates.PLATFORM_VARIABLES - {"properties"}), "properties.*"]
)
_TEMPLATE_TAG = re.compile(r"\{[{%].*?[}%]\}", re.DOTALL)


def load_specs(
    directory: Path, repo_root: Path | None = None, pending: Mapping[Path, str] | None = None
) -> LoadedSpecs:
    """Load and check every spec file under `directory`.

    `repo_root` bounds where an `instructions_file` may point; by default
    `repository_root(directory)`. `pending` maps files (spec or prompt) to texts
    read in place of what is on disk, new files included: the folder as it would
    be after a write, checked before anything is written.
    """
    # A folder an import is about to create holds only pending files.
    if not directory.is_dir() and not (pending and not directory.exists()):
        what = "is not a directory" if directory.exists() else "does not exist"
        message = f"the spec directory {what}; pass the folder that holds the judge YAML files"
        return LoadedSpecs((), (Problem(shown_path(directory), message),))
    run = _Run((repo_root or repository_root(directory)).resolve(), pending or {})
    files = spec_files(directory, run.pending)
    for path in files:
        run.load_file(path)
    return replace(run.result(), spec_files=tuple(files))


def repository_root(directory: Path) -> Path:
    """Where the prompts of the specs in `directory` must stay: the nearest folder
    at or above it holding `.git`, else `directory` itself. Never the working
    directory, so that a spec means the same wherever judgesync runs."""
    start = directory.resolve()
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return start


def spec_files(directory: Path, pending: Mapping[Path, str] | None = None) -> list[Path]:
    """The spec files under `directory`, sorted: `*.yaml` and `*.yml`, not cases files;
    with `pending`, also those about to be written there."""
    pending = pending or {}
    found: list[Path] = []
    for folder, subfolders, files in os.walk(directory):
        subfolders.sort()
        found.extend(
            Path(folder, name)
            for name in files
            if name.lower().endswith(SPEC_SUFFIXES) and not name.lower().endswith(CASES_SUFFIXES)
        )
    on_disk = {path.resolve() for path in found}
    inside = directory.resolve()
    found.extend(
        directory / path.relative_to(inside)
        for path in pending
        if path not in on_disk
        and path.is_relative_to(inside)
        and path.name.lower().endswith(SPEC_SUFFIXES)
        and not path.name.lower().endswith(CASES_SUFFIXES)
    )
    return sorted(found)


@dataclass(frozen=True)
class _NameClaim:
    name: str
    path: str
    line: int | None
    previous: bool


class _Run:
    """One load: the problems so far, and what the files share."""

    def __init__(self, root: Path, pending: Mapping[Path, str]) -> None:
        self.root = root
        self.pending = {path.resolve(): text for path, text in pending.items()}
        self.cwd = Path.cwd()  # asked once: thousands of files are shown relative to it
        self.problems: list[Problem] = []
        self.loaded: list[DesiredJudge] = []
        self.claims: list[_NameClaim] = []
        self.template_checks = template_cache.TemplateChecks(template_cache.cache_file(self.cwd))
        # By resolved file and shown path: a prompt reached through a symlink is
        # reported under each path.
        self.instruction_texts: dict[tuple[Path, str], str | SpecError] = {}
        self.instruction_files: set[Path] = set()

    def result(self) -> LoadedSpecs:
        self.template_checks.save()
        clashing = self._name_clashes()
        specs = sorted(
            (spec for spec in self.loaded if spec.path not in clashing),
            key=lambda spec: spec.definition.name,
        )
        # A prompt file shared by several specs reports its problems once.
        unique = dict.fromkeys(self.problems)
        ordered = sorted(unique, key=lambda problem: (problem.path, problem.line or 0))
        return LoadedSpecs(tuple(specs), tuple(ordered), tuple(sorted(self.instruction_files)))

    def load_file(self, path: Path) -> None:
        shown = shown_path(path, self.cwd)
        try:
            document, unreadable = yamlio.read_document(self.read(path, shown), shown)
        except SpecError as error:
            self.problems.extend(error.problems)
            return
        self.problems.extend(unreadable)
        if not isinstance(document.data, dict):
            data = document.data
            got = "the file is empty" if data is None else f"it holds {specfile.describe(data)}"
            message = f"a spec must be a mapping of judge fields ({got}); see docs/specs.md"
            self.problems.append(Problem(shown, message, document.lines[()]))
            return
        before = len(self.problems)
        # At a line whose YAML was refused, the value read is a stand-in: no more about it.
        refused_lines = {problem.line for problem in unreadable}
        spec = _FileCheck(path, shown, document, self, refused_lines).check()
        if spec is not None and len(self.problems) == before and not unreadable:
            self.loaded.append(spec)

    def read(self, path: Path, shown: str) -> str:
        pending = self.pending.get(path.resolve())
        return read_text(path, shown) if pending is None else pending

    def _name_clashes(self) -> set[str]:
        """Add a problem for each name claimed by two files; return the later files."""
        first: dict[str, _NameClaim] = {}
        clashing = set()
        for claim in self.claims:
            earlier = first.setdefault(name_key(claim.name), claim)
            # Clashes inside one file are that file's own findings.
            if earlier.path == claim.path:
                continue
            where = f"{earlier.path}:{earlier.line}" if earlier.line else earlier.path
            what = "previous name" if claim.previous else "name"
            other = "a previous name" if earlier.previous else "the name"
            message = (
                f"{what} {claim.name!r} is also {other} of the judge in {where};"
                " judge names must be unique (the API may ignore case and surrounding spaces)"
            )
            self.problems.append(Problem(claim.path, message, claim.line))
            clashing.add(claim.path)
        return clashing


class _FileCheck:
    """The checks of one parsed spec file; problems go to the run."""

    def __init__(
        self,
        path: Path,
        shown: str,
        document: yamlio.Document,
        run: _Run,
        refused_lines: set[int | None],
    ) -> None:
        self.path = path
        self.shown = shown
        self.document = document
        self.data: dict[Hashable, Any] = document.data
        self.run = run
        self.refused_lines = refused_lines

    def check(self) -> DesiredJudge | None:
        model, findings = specfile.validate(self.data)
        findings += specfile.check_values(self.data)
        for at, message in findings:
            if line_of(self.document, at) not in self.refused_lines:
                self._problem(message, at)
        self._claim_names(findings)
        found = self._instructions()
        if model is None or found is None:
            return None
        instructions, origin = found
        spec_only = model.spec_only()
        return DesiredJudge(
            model.definition(instructions),
            self.shown,
            self.document.lines.get(("name",)),
            tuple(spec_only.previous_names),
            spec_only.acknowledge_breaking,
            origin,
        )

    def _problem(self, message: str, at: yamlio.KeyPath = ()) -> None:
        self.run.problems.append(Problem(self.shown, message, line_of(self.document, at)))

    def _claim_names(self, findings: list[specfile.Finding]) -> None:
        """Record the name and previous names that are fine, for the cross-file check."""
        faulty = {at for at, _ in findings}
        name = self.data.get("name")
        if isinstance(name, str) and ("name",) not in faulty:
            self._claim(name, ("name",), previous=False)
        previous = self.data.get("previous_names")
        for index, item in enumerate(previous if isinstance(previous, list) else ()):
            if isinstance(item, str) and ("previous_names", index) not in faulty:
                self._claim(item, ("previous_names", index), previous=True)

    def _claim(self, name: str, at: yamlio.KeyPath, previous: bool) -> None:
        self.run.claims.append(_NameClaim(name, self.shown, line_of(self.document, at), previous))

    def _instructions(self) -> tuple[str, TextOrigin | None] | None:
        """The checked template text, inline or from `instructions_file`, and where
        its first line is (when known).

        None when it is missing, doubled, empty or of the wrong type: the
        findings of `specfile` already say so.
        """
        inline, reference = self.data.get("instructions"), self.data.get("instructions_file")
        if isinstance(inline, str) and inline.strip() and "instructions_file" not in self.data:
            self._check_template(inline, None)
            start = self.document.text_lines.get(("instructions",))
            return inline, None if start is None else TextOrigin(self.shown, start)
        if isinstance(reference, str) and reference.strip() and "instructions" not in self.data:
            return self._read_instructions(reference)
        return None

    def _read_instructions(self, reference: str) -> tuple[str, TextOrigin] | None:
        at = ("instructions_file",)
        if Path(reference).is_absolute():
            self._problem(f"instructions_file: {reference!r} must be relative to this file", at)
            return None
        target = self.path.parent / reference
        try:
            resolved = target.resolve()
        except (OSError, RuntimeError) as error:
            self._problem(f"instructions_file: cannot resolve {reference!r} ({error})", at)
            return None
        if not resolved.is_relative_to(self.run.root):
            message = (
                f"instructions_file: {reference!r} leads outside the repository"
                f" ({self.run.root}); keep prompts inside it"
            )
            self._problem(message, at)
            return None
        shown = shown_path(Path(os.path.normpath(target)), self.run.cwd)
        cache = self.run.instruction_texts
        if (resolved, shown) not in cache:
            try:
                cache[resolved, shown] = self.run.read(resolved, shown)
            except SpecError as error:
                cache[resolved, shown] = error
        text = cache[resolved, shown]
        if isinstance(text, NotARegularFile):  # the fault is in the reference: show it there
            shown_target = shown_path(target, self.run.cwd)
            self._problem(f"instructions_file: {shown_target} {text.reason}; fix the path", at)
            return None
        if isinstance(text, SpecError):
            self.run.problems.extend(text.problems)
            return None
        if not text.strip():
            self.run.problems.append(Problem(shown, "the instructions file is empty"))
            return None
        self._check_template(text, shown)
        self.run.instruction_files.add(resolved)
        return text, TextOrigin(shown, 1)

    def _check_template(self, source: str, file_shown: str | None) -> None:
        check = self.run.template_checks.check(source)
        if check.syntax is not None:
            message = f"Jinja2 syntax error: {check.syntax.message.rstrip('.')}; fix the template"
            self._template_problem(message, check.syntax.line, file_shown)
        for variable in check.unknown_variables:
            hint = specfile.did_you_mean(variable, templates.PLATFORM_VARIABLES)
            message = (
                f"unknown template variable {variable!r} (it would render as empty text);"
                f" {hint}the platform provides: {_ALLOWED_VARIABLES}"
            )
            self._template_problem(message, _template_line_of(source, variable), file_shown)

    def _template_problem(self, message: str, line: int | None, file_shown: str | None) -> None:
        start = self.document.text_lines.get(("instructions",))
        inline = None if start is None else TextOrigin(self.shown, start)
        origin = inline if file_shown is None else TextOrigin(file_shown, 1)
        at_key = line_of(self.document, ("instructions",))
        self.run.problems.append(instructions_problem(message, line, origin, self.shown, at_key))


def instructions_problem(
    message: str, line: int | None, origin: TextOrigin | None, spec: str, spec_line: int | None
) -> Problem:
    """A problem at `line` of the instructions, placed in the file that holds
    them: `origin` is where their first line is (the first line itself when
    `line` is not known). Without one, at `spec_line` of the spec, naming the
    template line."""
    if origin is not None:
        where = origin.line if line is None else origin.line + line - 1
        prefix = "instructions: " if origin.path == spec else ""
        return Problem(origin.path, prefix + message, where)
    of_template = f" (template line {line})" if line is not None else ""
    return Problem(spec, f"instructions{of_template}: {message}", spec_line)


def _template_line_of(source: str, variable: str) -> int | None:
    """The template line of the first tag that reads `variable`, if one is found."""
    reads = re.compile(rf"(?<![\w.]){re.escape(variable)}\b")
    for tag in _TEMPLATE_TAG.finditer(source):
        found = reads.search(tag.group())
        if found:
            return line_at(source, tag.start() + found.start())
    return None
