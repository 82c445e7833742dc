"""`test`'s core: every judge's cases through live judging, against the remote as it is."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from judgesync.commands.setup import load_desired, resolve
from judgesync.errors import ConfigError
from judgesync.progress import SILENT, Progress
from judgesync.remote.connect import open_client
from judgesync.review.cost import JudgingCost, cost_of_tests, within_budget
from judgesync.review.shadows import ShadowRun, grace_from, sweep
from judgesync.review.testing import TestRun, run_tests
from judgesync.settings.policy import Choices
from judgesync.specs.cases_loader import require_cases


def test(
    choices: Choices,
    environ: Mapping[str, str],
    workdir: Path,
    parallelism: int,
    *,
    repeat: int = 1,
    gate_emulated: bool = False,
    progress: Progress = SILENT,
    announce: Callable[[JudgingCost], None] = lambda cost: None,
) -> TestRun:
    """Run the cases of every judge (or of those `choices.only` selects) against the
    remote judges; `gate_emulated` evaluates must_pass and the gates on emulated
    verdicts too; `announce` hears the cost before the first judging request, and a
    cost over `review.max_judgements` sends nothing (ConfigError)."""
    settings = resolve(choices, environ, workdir)
    policy, target = settings.policy, settings.target
    desired = load_desired(policy, settings.config_file)
    cases = require_cases(policy.specs, desired.definitions)
    policy.refuse_unmatched_only(list(cases), "judge with cases")
    selected = {name: judge_cases for name, judge_cases in cases.items() if policy.selects(name)}
    if not selected:
        raise ConfigError(
            f"No cases files under {policy.specs}: add a `<judge>.cases.yaml` beside the"
            " specs (docs/review.md), then run test again."
        )
    grace = grace_from(environ)
    with open_client(target, workdir, parallelism) as client:
        listed = client.list_judges()
        remote = {judge.name: judge.definition for judge in listed if policy.owns(judge.name)}
        cost = cost_of_tests(remote, selected, repeat)
        within_budget(cost, policy.max_judgements)
        announce(cost)
        swept = sweep(client, ShadowRun.start(), grace, listed)
        results = run_tests(
            client,
            listed,
            selected,
            policy.gates,
            owns=policy.owns,
            repeat=repeat,
            parallelism=parallelism,
            progress=progress,
            gate_emulated=gate_emulated,
        )
    return TestRun(target.label, repeat, results, swept, cost)
