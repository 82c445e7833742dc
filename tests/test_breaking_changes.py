"""Change classes through the planner, the renderers, the policy and saved plans (pure)."""

from __future__ import annotations

import json

import pytest

from judgesync.errors import PlanError
from judgesync.models import JudgeDefinition
from judgesync.plan import guards, planfile
from judgesync.plan.change_class import ChangeClass, breaking_fingerprint
from judgesync.plan.header import PlanHeader
from judgesync.plan.planner import ActionKind, Plan, plan, stale_acknowledgements
from judgesync.render import as_json, as_markdown, as_text
from judgesync.settings.policy import BreakingChanges, Policy
from tests.builders import definition, regression, remote
from tests.test_change_class import CHANGES, OLD

# The default scope: the whole workspace, nothing pruned.
LOCAL = PlanHeader("local", None, prune=False)

REQUIRE_ACK = Policy(breaking_changes=BreakingChanges.REQUIRE_ACK)
MODEL_SWAP = definition(model_name="mistral-large-latest")


def planned(old: JudgeDefinition, new: JudgeDefinition, ack: str | None = None) -> Plan:
    renamed = {new.name: [old.name]} if new.name != old.name else {}
    acks = {new.name: ack} if ack is not None else {}
    return plan([new], [remote(old)], Policy(), renamed, acks)


@pytest.mark.parametrize(("old", "new", "change_class", "reason"), CHANGES)
def test_every_kind_of_change_shows_its_class_in_text_markdown_and_json(
    old, new, change_class, reason
):
    result = planned(old, new)
    [action] = result.actions
    text = as_text.render_plan(result, LOCAL)
    markdown = as_markdown.render_plan(result, LOCAL)
    [document] = as_json.plan_document(result, LOCAL)["actions"]
    if change_class is ChangeClass.NONE:
        assert action.kind is ActionKind.NOOP
        assert "change class" not in text
        assert (document["change_class"], document["change_reasons"]) == (None, [])
        return
    assert action.kind is ActionKind.UPDATE
    assert f"    change class: {change_class}\n" in text
    assert reason in text
    assert document["change_class"] == str(change_class)
    assert len(document["change_reasons"]) == 1 and reason in document["change_reasons"][0]
    breaking = change_class is ChangeClass.MAJOR
    assert result.breaking == ((action,) if breaking else ())
    fingerprint = breaking_fingerprint(old, new) if breaking else None
    assert document["breaking_fingerprint"] == fingerprint
    assert as_json.plan_document(result, LOCAL)["summary"]["breaking"] == int(breaking)
    badge = f"**{change_class}**" if breaking else str(change_class)
    assert f" | {badge} · <code>" in markdown
    warning = "1 breaking change: scores before and after this change are not comparable."
    assert (warning in text) is breaking
    assert (f"> [!WARNING]\n> **{warning}**" in markdown) is breaking


@pytest.mark.parametrize(
    ("rule", "lead"),
    [
        (BreakingChanges.REQUIRE_ACK, "Required (breaking_changes: require_ack): add to the spec:"),
        (
            BreakingChanges.WARN,
            "Optional (breaking_changes: warn): to acknowledge it, add to the spec:",
        ),
        # A saved plan does not record the rule: `show` says when the line is needed.
        (
            None,
            "To acknowledge it (required under breaking_changes: require_ack), add to the spec:",
        ),
    ],
)
def test_a_major_change_prints_the_line_that_acknowledges_it_as_the_rule_needs_it(rule, lead):
    fingerprint = breaking_fingerprint(OLD, MODEL_SWAP)
    header = PlanHeader("local", None, prune=False, breaking_changes=rule)
    text = as_text.render_plan(planned(OLD, MODEL_SWAP), header)
    line = f"acknowledge_breaking: {fingerprint}"
    assert f"      {lead} {line}\n" in text
    markdown = as_markdown.render_plan(planned(OLD, MODEL_SWAP), header)
    assert f"- {lead} <code>acknowledge&#95;breaking: {fingerprint}</code>" in markdown


def test_an_acknowledged_change_says_so_and_is_not_counted_as_unacknowledged():
    fingerprint = breaking_fingerprint(OLD, MODEL_SWAP)
    result = planned(OLD, MODEL_SWAP, f" {fingerprint.upper()} ")
    [action] = result.actions
    assert action.acknowledged and result.unacknowledged == ()
    text = as_text.render_plan(result, LOCAL)
    assert f"      Acknowledged in the spec: acknowledge_breaking: {fingerprint}\n" in text
    assert "1 breaking change (1 acknowledged in the spec): scores before" in text
    [document] = as_json.plan_document(result, LOCAL)["actions"]
    assert document["acknowledged"] is True


def test_an_ack_for_another_change_does_not_cover_this_one():
    other = breaking_fingerprint(OLD, definition(model_name="mistral-medium-latest"))
    result = planned(OLD, MODEL_SWAP, other)
    assert result.unacknowledged == result.breaking != ()
    # Copied to another judge making the same change, it covers nothing either.
    copied = planned(definition("voice"), definition("voice", model_name="mistral-large-latest"))
    assert not planned(OLD, MODEL_SWAP, breaking_fingerprint(OLD, MODEL_SWAP)).unacknowledged
    assert copied.unacknowledged


def test_require_ack_warns_in_plan_and_refuses_in_apply_naming_the_judge_and_the_line():
    result = planned(OLD, MODEL_SWAP)
    fingerprint = breaking_fingerprint(OLD, MODEL_SWAP)
    warning = guards.breaking_warning(REQUIRE_ACK, result.unacknowledged)
    assert warning is not None and warning.startswith("Warning: apply will refuse this plan:")
    with pytest.raises(PlanError) as refused:
        guards.refuse_unacknowledged(REQUIRE_ACK, result.unacknowledged)
    message = str(refused.value)
    for text in (warning, message):
        assert "  tone: The model changes from 'mistral-small-latest'" in text
        assert f"    To accept it, add to its spec: acknowledge_breaking: {fingerprint}" in text
    assert "nothing was changed" in message


def test_warn_neither_warns_nor_refuses_and_require_ack_lets_acknowledged_changes_through():
    unacknowledged = planned(OLD, MODEL_SWAP).unacknowledged
    assert guards.breaking_warning(Policy(), unacknowledged) is None
    guards.refuse_unacknowledged(Policy(), unacknowledged)
    acknowledged = planned(OLD, MODEL_SWAP, breaking_fingerprint(OLD, MODEL_SWAP))
    assert guards.breaking_warning(REQUIRE_ACK, acknowledged.unacknowledged) is None
    guards.refuse_unacknowledged(REQUIRE_ACK, acknowledged.unacknowledged)
    minor = planned(OLD, definition(description="Polite?"))
    guards.refuse_unacknowledged(REQUIRE_ACK, minor.unacknowledged)


def test_a_wrong_ack_is_named_in_the_refusal():
    result = planned(OLD, MODEL_SWAP, "0123456789ab")
    wrong = r"Its acknowledge_breaking \(0123456789ab\) is for another change"
    with pytest.raises(PlanError, match=wrong):
        guards.refuse_unacknowledged(REQUIRE_ACK, result.unacknowledged)


def test_an_ack_on_a_judge_without_a_breaking_change_is_stale():
    acks = {"tone": "0123456789ab", "helpfulness": "ba9876543210"}
    result = plan(
        [definition(), regression(high=10)],
        [remote(definition()), remote(regression())],
        acknowledgements=acks,
    )
    # helpfulness's range moves (major): its ack is wrong, not stale; tone changes nothing.
    assert stale_acknowledgements(result, acks) == (("tone", "0123456789ab"),)


def test_a_saved_plan_keeps_the_class_reasons_and_acknowledgement(tmp_path):
    fingerprint = breaking_fingerprint(OLD, MODEL_SWAP)
    result = plan(
        [MODEL_SWAP, regression(high=10)],
        [remote(OLD), remote(regression())],
        acknowledgements={"tone": fingerprint},
    )
    files = planfile.SpecFiles("sha256:x", {})
    path = tmp_path / "plan.json"
    planfile.save(
        path, planfile.to_document(result, "local", None, "key", files, ownership=None, prune=False)
    )
    loaded = planfile.load(path).plan
    assert [a.classification for a in loaded.actions] == [a.classification for a in result.actions]
    assert [(a.name, a.acknowledged) for a in loaded.breaking] == [
        ("helpfulness", False),
        ("tone", True),
    ]
    written = json.loads(path.read_text())["actions"]
    assert [(a["change_class"], a["acknowledge_breaking"]) for a in written] == [
        ("major", None),
        ("major", fingerprint),
    ]
    assert "The score range changes from 1..5 to 1..10" in written[0]["change_reasons"][0]


def test_a_saved_plan_cannot_claim_a_milder_class_or_an_ack_of_another_type(tmp_path):
    result = plan([MODEL_SWAP], [remote(OLD)])
    document = planfile.to_document(
        result, "local", None, "key", planfile.SpecFiles("s", {}), ownership=None, prune=False
    )
    document["actions"][0]["change_class"] = "patch"
    path = tmp_path / "plan.json"
    planfile.save(path, document)
    assert planfile.load(path).plan.breaking != ()
    # A plan file from before change classes loads too.
    for key in ("change_class", "change_reasons", "acknowledge_breaking"):
        del document["actions"][0][key]
    planfile.save(path, document)
    assert planfile.load(path).plan.unacknowledged != ()
    document["actions"][0]["acknowledge_breaking"] = 12
    planfile.save(path, document)
    with pytest.raises(Exception, match="the plan file is damaged"):
        planfile.load(path)
