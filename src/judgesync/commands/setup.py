"""What every command does first: settings resolved once, the desired judges, the remote.

Each command's flags arrive as `Choices`; `resolve` meets them with
judgesync.yaml and the environment exactly once, giving `Settings` (the
target and the `Policy`); `validate`, offline, takes the same path without a
target (`resolve_offline`). Then: spec files -> desired judges (`load_desired`),
the remote's judges (`list_judges`), and the fresh plan between them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from judgesync.errors import Problem, SpecError
from judgesync.models import Judge, JudgeDefinition
from judgesync.plan import planner
from judgesync.plan.header import PlanHeader
from judgesync.plan.planner import Plan
from judgesync.progress import Progress
from judgesync.remote.connect import Target, resolve_target
from judgesync.repository import CONFIG_FILE, find_config, repository_root
from judgesync.settings.config import Config, load_config
from judgesync.settings.local_state import local_db
from judgesync.settings.policy import Choices, Policy
from judgesync.specs.inputs import PlanInputs, plan_inputs
from judgesync.specs.loader import LoadedSpecs, load_specs
from judgesync.specs.problems import did_you_mean
from judgesync.specs.textfile import shown_path


@dataclass(frozen=True)
class Settings:
    """Where to connect and the rules to play by, resolved once per command."""

    target: Target
    policy: Policy
    config_file: Path | None  # judgesync.yaml, when there is one: a saved plan hashes it
    workdir: Path

    @property
    def root(self) -> Path:
        """The repository root, which a saved plan's spec directory is relative to: the
        folder of judgesync.yaml, else the git root, else the working directory."""
        return repository_root(self.workdir)


def resolve(choices: Choices, environ: Mapping[str, str], workdir: Path) -> Settings:
    """judgesync.yaml (found from `workdir`), the flags and the environment, met once."""
    config_file, config = read_config(workdir)
    target = resolve_target(choices.api_url, environ, choices.target_name, config)
    if target.is_local:
        target = replace(target, local_db=local_db(workdir))
    policy = Policy.resolve(config, choices, target.model_overrides)
    return Settings(target, policy, config_file, workdir)


def resolve_offline(choices: Choices, workdir: Path) -> Policy:
    """The policy as `resolve` makes it, for a command that connects nowhere (validate):
    no target, so no model overrides."""
    _config_file, config = read_config(workdir)
    return Policy.resolve(config, choices)


def read_config(workdir: Path) -> tuple[Path | None, Config]:
    config_file = find_config(workdir)
    return config_file, load_config(config_file)


def header_of(settings: Settings) -> PlanHeader:
    """What a plan made with these settings says first: its target and scope."""
    policy, target = settings.policy, settings.target
    return PlanHeader(
        target.label,
        policy.ownership,
        policy.prune,
        only=policy.only,
        api_url=target.api_url,
        target_name=target.name,
        breaking_changes=policy.breaking_changes,
    )


@dataclass(frozen=True)
class Desired:
    """The judges the specs describe, with the names each had before."""

    definitions: tuple[JudgeDefinition, ...]
    previous_names: Mapping[str, tuple[str, ...]]
    # By judge name: each spec's `acknowledge_breaking`, where it has one.
    acknowledgements: Mapping[str, str]
    inputs: PlanInputs  # the files read: what a saved plan hashes (specs/inputs.py)


def check_specs(policy: Policy) -> tuple[LoadedSpecs, list[Problem]]:
    """The specs under the policy's directory, and every problem with them, the
    ownership scope included."""
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
    problems.extend(_unknown_judge_settings(policy, loaded))
    return loaded, problems


def _unknown_judge_settings(policy: Policy, loaded: LoadedSpecs) -> list[Problem]:
    """judgesync.yaml's per-judge sections (gates.judges, traffic.judges) that name no
    spec: they would apply to nothing, silently — most likely a typo or a stale entry."""
    names = frozenset(spec.definition.name for spec in loaded.specs)
    sections = (("gates.judges", policy.gates.judges), ("traffic.judges", policy.traffic))
    return [
        Problem(
            CONFIG_FILE,
            f"{section}.{name}: no spec under {shown_path(policy.specs)} is named {name!r}, so this"
            f" applies to nothing; {did_you_mean(name, names)}correct the name, or remove it",
        )
        for section, settings in sections
        for name in settings
        if name not in names
    ]


def load_desired(policy: Policy, config_file: Path | None) -> Desired:
    """Read the specs; raises SpecError listing every problem. Done before any
    connection, so invalid specs never reach the API."""
    loaded, problems = check_specs(policy)
    if problems:
        raise SpecError(problems)
    return Desired(
        tuple(spec.definition for spec in loaded.specs),
        {spec.definition.name: spec.previous_names for spec in loaded.specs},
        {
            spec.definition.name: spec.acknowledge_breaking
            for spec in loaded.specs
            if spec.acknowledge_breaking is not None
        },
        plan_inputs(policy.specs, loaded, config_file),
    )


class JudgesLister(Protocol):
    def list_judges(self) -> list[Judge]: ...


def list_judges(client: JudgesLister, progress: Progress) -> list[Judge]:
    """The remote judges, with the listing shown as a task of unknown length."""
    progress.start("listing")
    try:
        return client.list_judges()
    finally:
        progress.finish()


def fresh_plan(desired: Desired, listed: list[Judge], policy: Policy) -> Plan:
    """The plan from the specs to the remote as listed."""
    return planner.plan(
        desired.definitions,
        listed,
        policy,
        desired.previous_names,
        desired.acknowledgements,
    )
