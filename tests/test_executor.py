"""The executor against the real emulator: each convergence rule."""

from __future__ import annotations

import pytest

from judgesync.plan.executor import Outcome, apply
from judgesync.plan.normalize import canonical
from judgesync.plan.planner import plan
from judgesync.remote.client import JudgesClient
from judgesync.settings.policy import Policy
from tests.builders import definition


@pytest.fixture
def client(emulator, api_key):
    with JudgesClient(emulator.url, api_key) as client:
        yield client


def outcomes(report):
    return [(r.action.name, r.outcome, r.message) for r in report.results]


def test_apply_creates_updates_and_deletes(revisions, client):
    client.create_judge(definition("stale", description="old"))
    client.create_judge(definition("unwanted"))
    desired = [definition("fresh"), definition("stale", description="new")]

    report = apply(plan(desired, client.list_judges(), Policy(prune=True)), client)

    assert [(name, outcome) for name, outcome, _ in outcomes(report)] == [
        ("fresh", Outcome.DONE),
        ("stale", Outcome.DONE),
        ("unwanted", Outcome.DONE),
    ]
    assert sorted(j.name for j in client.list_judges()) == ["fresh", "stale"]


def test_create_that_finds_the_name_taken_reconciles_with_the_existing_judge(client):
    planned = plan([definition("tone", description="wanted")], client.list_judges())
    client.create_judge(definition("tone", description="made by someone else"))

    report = apply(planned, client)

    assert report.ok
    (judge,) = client.list_judges()
    assert judge.description == "wanted"


def test_create_that_finds_an_identical_judge_is_done(client):
    planned = plan([definition("tone")], client.list_judges())
    client.create_judge(definition("tone"))

    (result,) = apply(planned, client).results
    assert result.outcome is Outcome.DONE
    assert "already existed" in result.message


def test_update_already_made_by_someone_else_counts_as_done(revisions, client):
    judge = client.create_judge(definition("tone", description="old"))
    planned = plan([definition("tone", description="new")], client.list_judges())
    client.update_judge(judge.id, definition("tone", description="new"))

    (result,) = apply(planned, client).results
    assert result.outcome is Outcome.DONE, result.message
    assert "already up to date" in result.message


# new-id: the judge revised since it was read has a newer id; in-place: the id stays
# and no PUT would be refused, so only the re-read before the write sees the change.
def test_update_of_a_judge_revised_since_it_was_read_is_not_overwritten(revisions, client):
    judge = client.create_judge(definition("tone", description="old"))
    planned = plan([definition("tone", description="mine")], client.list_judges())
    client.update_judge(judge.id, definition("tone", description="theirs"))

    (result,) = apply(planned, client).results

    assert result.outcome is Outcome.FAILED
    assert "changed since the plan was read" in result.message
    assert "Run plan again" in result.message
    assert client.list_judges()[0].description == "theirs"


def test_update_of_a_judge_deleted_since_it_was_read_fails_with_advice(revisions, client):
    judge = client.create_judge(definition("tone", description="old"))
    planned = plan([definition("tone", description="new")], client.list_judges())
    client.delete_judge(judge.id)

    (result,) = apply(planned, client).results
    assert result.outcome is Outcome.FAILED
    assert "was deleted on the remote" in result.message
    assert client.list_judges() == []


def test_delete_of_a_judge_already_gone_counts_as_done(revisions, client):
    judge = client.create_judge(definition("legacy"))
    planned = plan([], client.list_judges(), Policy(prune=True, allow_empty=True))
    client.delete_judge(judge.id)

    (result,) = apply(planned, client).results
    assert result.outcome is Outcome.DONE
    assert "already deleted" in result.message


def test_campaign_lock_fails_one_action_and_the_others_still_run(revisions, emulator, client):
    locked = client.create_judge(definition("locked", description="old"))
    emulator.lock_for_campaign(locked.id)
    desired = [definition("locked", description="new"), definition("other")]

    report = apply(plan(desired, client.list_judges()), client)

    by_name = {r.action.name: r for r in report.results}
    assert by_name["locked"].outcome is Outcome.FAILED
    assert "used in a campaign" in by_name["locked"].message
    assert by_name["other"].outcome is Outcome.DONE
    assert not report.ok
    assert {j.name for j in client.list_judges()} == {"locked", "other"}


def test_rename_in_place_keeps_one_judge(revisions, client):
    client.create_judge(definition("tone"))
    report = apply(plan([definition("Tone")], client.list_judges()), client)
    assert report.ok
    (judge,) = client.list_judges()
    assert canonical(judge.definition) == canonical(definition("Tone"))


class InterruptedOnFirstCreate:
    """A client on which the first create is interrupted (Ctrl-C) and the rest are counted."""

    def __init__(self) -> None:
        self.creates = 0

    def create_judge(self, definition):
        self.creates += 1
        raise KeyboardInterrupt


def test_an_interrupt_stops_apply_from_starting_more_actions():
    client = InterruptedOnFirstCreate()
    planned = plan([definition(f"judge-{i:02d}") for i in range(40)], [])
    report = apply(planned, client, parallelism=1)
    assert isinstance(report.stopped_by, KeyboardInterrupt)
    assert client.creates < 40
    assert len(report.having(Outcome.NOT_STARTED)) == 40 - client.creates
    assert not report.ok


def test_delete_of_a_judge_changed_since_the_plan_is_refused(emulator, client):
    emulator.configure(revisions="in-place")
    judge = client.create_judge(definition("legacy", description="old"))
    planned = plan([], client.list_judges(), Policy(prune=True, allow_empty=True))
    client.update_judge(judge.id, definition("legacy", description="revived"))

    (result,) = apply(planned, client).results

    assert result.outcome is Outcome.FAILED
    assert "changed since the plan was read" in result.message
    assert [j.description for j in client.list_judges()] == ["revived"]


class Unreachable:
    """A client whose API goes away at the first write."""

    def __init__(self) -> None:
        self.creates = 0

    def create_judge(self, definition):
        from judgesync.errors import ApiUnreachable

        self.creates += 1
        raise ApiUnreachable("POST", "/v1/observability/judges", None, "connection refused")


def test_an_unreachable_api_stops_the_run_with_a_report():
    client = Unreachable()
    planned = plan([definition(f"judge-{i:02d}") for i in range(10)], [])

    report = apply(planned, client, parallelism=1)

    assert report.stopped_by is not None
    assert len(report.failed) == client.creates == 1
    assert len(report.having(Outcome.NOT_STARTED)) == 9
