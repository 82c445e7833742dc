"""`validate`'s core, offline: the specs, their scope and cases files, and the
warnings about their instructions. It imports no HTTP client, planfile or
executor, so that the pre-commit hook stays light."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from judgesync.commands.setup import check_specs, read_config, resolve_offline
from judgesync.errors import Problem
from judgesync.settings.policy import Choices, Policy
from judgesync.specs.cases_loader import load_cases
from judgesync.specs.inputs import listing, plan_inputs
from judgesync.specs.lint import lint
from judgesync.specs.loader import LoadedSpecs, load_specs


@dataclass(frozen=True)
class Validated:
    """The specs, every problem with them and their cases, and the instruction warnings."""

    loaded: LoadedSpecs
    problems: list[Problem]
    warnings: list[Problem]


def validate(choices: Choices, workdir: Path) -> Validated:
    """The specs and every problem with them, scope and cases files included, and
    the warnings about their instructions (specs/lint.py); offline."""
    policy = resolve_offline(choices, workdir)
    loaded, problems = check_specs(policy)
    cases = load_cases(policy.specs, [spec.definition for spec in loaded.specs])
    if policy.specs.is_dir():  # else check_specs already said so
        problems.extend(cases.problems)
    warnings = [
        warning
        for spec in loaded.specs
        for warning in lint(
            spec, cases.cases_by_judge.get(spec.definition.name, ()), spec.instructions_at
        )
    ]
    warnings.sort(key=lambda warning: (warning.path, warning.line or 0))  # stable: rule order
    return Validated(loaded, problems, warnings)


def print_inputs(choices: Choices, workdir: Path) -> list[str]:
    """`validate --print-inputs`: the files a plan would read now (specs/inputs.py), offline
    and whether or not the specs are valid: a spec that cannot be read still counts, a
    prompt it cannot name does not. Raises ConfigFileError when judgesync.yaml is invalid
    (the spec directory is then unknown)."""
    config_file, config = read_config(workdir)
    policy = Policy.resolve(config, choices)
    return listing(plan_inputs(policy.specs, load_specs(policy.specs), config_file), workdir)
