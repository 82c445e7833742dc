"""apply under the emulator's per-key rate limit: the shared throttle adapts and
every action is done, none failed for good. (Speed is the benchmark's business.)"""

from __future__ import annotations

import logging

from judgesync.plan.executor import Outcome, apply
from judgesync.plan.planner import plan
from judgesync.remote.client import JudgesClient
from judgesync.settings.policy import Policy
from tests.builders import definition


def test_apply_under_a_rate_limit_does_every_action(emulator, api_key, caplog):
    caplog.set_level(logging.INFO, logger="judgesync.http")
    emulator.configure(rate_limit=40)
    desired = [definition(f"judge-{n:03d}") for n in range(90)]

    with JudgesClient(emulator.url, api_key) as client:
        report = apply(plan(desired, client.list_judges(), Policy()), client, parallelism=16)
        emulator.configure(rate_limit=0)
        remote = client.list_judges()

    throttles = [record for record in caplog.records if "answered 429" in record.getMessage()]
    assert throttles, "90 creates at 40 req/s must meet the limit"
    assert [result.outcome for result in report.results] == [Outcome.DONE] * 90
    assert sorted(judge.name for judge in remote) == [judge.name for judge in desired]


def test_apply_then_plan_under_a_rate_limit_finds_nothing_to_do(emulator, api_key):
    emulator.configure(rate_limit=40, max_page_size=5)
    desired = [definition(f"judge-{n:03d}", description="v2") for n in range(60)]

    with JudgesClient(emulator.url, api_key, page_size=5, list_concurrency=8) as client:
        for judge in desired[:30]:
            client.create_judge(definition(judge.name, description="v1"))
        report = apply(plan(desired, client.list_judges(), Policy()), client, parallelism=16)
        again = plan(desired, client.list_judges(), Policy())

    assert report.ok
    assert not again.has_changes
