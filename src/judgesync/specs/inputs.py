"""What a plan reads: the one list of its input files.

A plan is made from the spec files under the spec directory (`*.yaml` and
`*.yml`, not `*.cases.yaml`), the prompt files they read (`instructions_file`,
wherever they are) and `judgesync.yaml` when there is one. Nothing else:
cases files, other files in the directory and a plan file saved there do not
shape a plan. A saved plan hashes exactly these files (plan/planfile.py), and
`validate --print-inputs` lists them for a CI step that asks whether a change
touches judges (docs/planfile.md).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from judgesync.specs.loader import LoadedSpecs, spec_files


@dataclass(frozen=True)
class PlanInputs:
    spec_directory: Path
    spec_files: tuple[Path, ...]
    prompt_files: tuple[Path, ...]  # resolved, sorted
    config_file: Path | None

    @property
    def files(self) -> tuple[Path, ...]:
        """Every input file (a prompt that is also a spec file counts once)."""
        config = () if self.config_file is None else (self.config_file,)
        return tuple(dict.fromkeys((*config, *self.spec_files, *self.prompt_files)))


def plan_inputs(spec_directory: Path, loaded: LoadedSpecs, config_file: Path | None) -> PlanInputs:
    """The inputs of a plan made from `loaded` (the specs of `spec_directory`)."""
    return PlanInputs(spec_directory, loaded.spec_files, loaded.instruction_files, config_file)


def listed_inputs(spec_directory: Path, config_file: Path | None) -> PlanInputs:
    """The inputs found without reading the specs: the spec files and judgesync.yaml.
    A saved plan adds the prompt files it recorded (unchanged specs read the same)."""
    return PlanInputs(spec_directory, tuple(spec_files(spec_directory)), (), config_file)


def listing(inputs: PlanInputs, cwd: Path) -> list[str]:
    """`validate --print-inputs`: the spec directory with a trailing `/`, then
    judgesync.yaml, then each prompt file outside the spec directory; relative to
    `cwd` and `/`-separated, as `git diff -- PATHS` takes them."""

    def shown(path: Path, base: Path) -> str:
        return Path(os.path.relpath(path, base)).as_posix()

    # Prompt files are resolved paths: shown from the resolved working directory.
    lines = [shown(Path(os.path.abspath(inputs.spec_directory)), cwd.absolute()) + "/"]
    if inputs.config_file is not None:
        lines.append(shown(Path(os.path.abspath(inputs.config_file)), cwd.absolute()))
    inside = inputs.spec_directory.resolve()
    lines.extend(
        shown(prompt, cwd.resolve())
        for prompt in inputs.prompt_files
        if not prompt.is_relative_to(inside)
    )
    return lines
