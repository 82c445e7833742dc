"""`apply`'s core: a fresh or saved plan, its guards, then the executor."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from judgesync.commands.setup import (
    Settings,
    fresh_plan,
    header_of,
    list_judges,
    load_desired,
    resolve,
)
from judgesync.errors import ConfigError, PlanError
from judgesync.plan import executor, guards, planfile
from judgesync.plan.executor import JudgesApi, Report
from judgesync.plan.header import PlanHeader
from judgesync.plan.planner import ActionKind, Plan
from judgesync.progress import SILENT, Progress
from judgesync.remote.connect import open_client
from judgesync.settings.policy import Choices
from judgesync.specs.inputs import listed_inputs
from judgesync.specs.textfile import shown_path


@dataclass(frozen=True)
class Applied:
    plan: Plan
    header: PlanHeader
    report: Report


def apply(
    choices: Choices,
    environ: Mapping[str, str],
    workdir: Path,
    parallelism: int,
    *,
    saved_plan: Path | None,
    show: Callable[[Plan, PlanHeader], None],
    approve: Callable[[Plan], None] | None,
    progress: Progress = SILENT,
) -> Applied:
    """Execute a saved plan, or plan afresh, then make the remote match.

    `show` gets the plan and its header before anything changes (a saved
    plan's header is the one it was saved with); `approve` (None when
    approved in advance) raises to stop when the plan has changes.
    """
    document = None if saved_plan is None else _saved_document(saved_plan, choices)
    url_from_plan = None
    if saved_plan is not None and document is not None and not _target_given(choices, environ):
        # A saved plan says where it applies: no flag needed, nor a key it does not use.
        url, name = planfile.target_of(document, saved_plan)
        url_from_plan = None if name else f"the target of {shown_path(saved_plan)}"
        choices = replace(choices, api_url=None if name else url, target_name=name)
    settings = resolve(choices, environ, workdir)
    if url_from_plan is not None:
        settings = replace(settings, target=replace(settings.target, url_source=url_from_plan))
    policy, target = settings.policy, settings.target
    saved = None
    if saved_plan is not None and document is not None:
        saved = _load_saved(document, saved_plan, choices, settings, workdir)
    desired = load_desired(policy, settings.config_file) if saved is None else None
    with open_client(target, workdir, parallelism) as client:
        if desired is not None:
            listed = list_judges(client, progress)
            chosen, header = fresh_plan(desired, listed, policy), header_of(settings)
        else:
            assert saved is not None
            chosen, header = saved.plan, PlanHeader.of_saved(saved)
            _refuse_stale(chosen, client)
        show(chosen, header)
        policy.refuse_mass_delete(chosen.count(ActionKind.DELETE))
        guards.refuse_unacknowledged(policy, chosen.unacknowledged)
        if chosen.has_changes and approve is not None:
            approve(chosen)
        report = executor.apply(chosen, client, parallelism, progress)
    return Applied(chosen, header, report)


def _target_given(choices: Choices, environ: Mapping[str, str]) -> bool:
    return bool(choices.api_url or choices.target_name or environ.get("JUDGESYNC_API_URL"))


def _saved_document(path: Path, choices: Choices) -> dict[str, Any]:
    """The saved plan's document, when no flag asks to decide again what it decided."""
    if choices.prune is not None or choices.allow_empty:
        flag = {True: "--prune", False: "--no-prune", None: "--allow-empty"}[choices.prune]
        raise ConfigError(
            f"{flag} does not apply with --plan: the saved plan already decided what to"
            f" delete. Drop {flag}, or run plan again with it."
        )
    if choices.only:
        raise ConfigError(
            "--only does not apply with --plan: the saved plan already decided which judges"
            " it touches. Drop --only, or run plan --only ... --out again."
        )
    return planfile.read(path)


def _load_saved(
    document: dict[str, Any], path: Path, choices: Choices, settings: Settings, workdir: Path
) -> planfile.SavedPlan:
    """The saved plan, when it may run here: its target, then its signature, then the
    files it was made from. Nothing in it is decided again."""
    target, policy = settings.target, settings.policy
    planfile.check_target(planfile.target_of(document, path), target.api_url, target.name)
    saved = planfile.verified(document, target.api_key, path)
    policy.refuse_protected_deletes(
        action.name for action in saved.plan.changes if action.kind is ActionKind.DELETE
    )
    # Without a DIRECTORY, the one the plan was made from (by the repository root).
    specs = policy.specs
    if choices.directory is None and saved.spec_directory is not None:
        specs = settings.root / saved.spec_directory
    # The inputs again: the spec files and judgesync.yaml as found now, and every file
    # the plan recorded (unchanged specs read the same prompt files).
    found = listed_inputs(specs, settings.config_file)
    now = planfile.hash_files(specs, [*found.files, *saved.spec_files.paths(specs)])
    shown = Path(shown_path(specs, workdir.resolve()))
    differences = saved.spec_files.differences(now, shown.as_posix())
    if differences:
        lines = "\n".join(f"  {line}" for line in differences)
        compared = _compared(shown, settings.root, saved.spec_directory)
        raise PlanError(
            "The files the plan was made from differ now; nothing was changed.\n"
            f"{lines}\n{compared}Apply the plan from the checkout it was made in, or run plan"
            " again to review these files."
        )
    return saved


def _compared(shown: Path, root: Path, recorded: str | None) -> str:
    """A line naming the directory compared, when it is not the one the plan was made from."""
    if recorded is None or shown.resolve() == (root / recorded).resolve():
        return ""
    return (
        f"  (compared the spec directory {shown.as_posix()}; the plan was made from"
        f" {recorded}, relative to {root})\n"
    )


def _refuse_stale(saved: Plan, client: JudgesApi) -> None:
    """Raise PlanError, listing each judge, when the plan's preconditions no longer hold."""
    stale = planfile.stale_preconditions(saved, client.list_judges())
    if stale:
        lines = "\n".join(f"  {problem}" for problem in stale)
        raise PlanError(
            f"The saved plan is stale; nothing was changed.\n{lines}\n"
            "Run plan again to review the current state, then apply the new plan."
        )
