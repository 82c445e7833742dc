"""`validate`'s core, offline: the specs, their scope and cases files, and the
warnings about their instructions. A module of its own so that the pre-commit
hook imports no HTTP client, planner or executor."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from judgesync.config import find_config, load_config
from judgesync.errors import Problem
from judgesync.policy import Choices, Policy
from judgesync.specs.cases import load_cases
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
    policy = Policy.resolve(load_config(find_config(workdir)), choices)
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


def check_specs(policy: Policy) -> tuple[LoadedSpecs, list[Problem]]:
    loaded = load_specs(policy.specs)
    problems = list(loaded.problems)
    scope = ", ".join(policy.ownership or ())
    problems.extend(
        Problem(
            spec.path,
            f"judge {spec.definition.name!r} is outside the ownership"
            f" scope ({scope}) set in judgesync.yaml",
            spec.line,
        )
        for spec in loaded.specs
        if not policy.owns(spec.definition.name)
    )
    return loaded, problems
