import json

import pytest

from judgesync.plan.executor import ActionResult, Outcome, Report
from judgesync.plan.header import PlanHeader
from judgesync.plan.planner import plan
from judgesync.render import as_json, as_text
from judgesync.settings.policy import Policy
from tests.builders import definition, regression, remote

# The default scope: the whole workspace, nothing pruned.
LOCAL = PlanHeader("local", None, prune=False)


def mixed_plan():
    return plan(
        [definition("a-new"), definition("b-changed", instructions="Line one\nLine 2\n")],
        [
            remote(definition("b-changed", instructions="Line one\nLine two\n"), "id-b"),
            remote(definition("c-gone"), "id-c"),
        ],
        Policy(prune=True),
    )


def test_text_plan_shows_symbols_diff_and_summary():
    text = as_text.render_plan(mixed_plan(), LOCAL)
    assert text.startswith("Target: local\n")
    assert "+ create a-new\n\n~ update" in text
    assert (
        "~ update b-changed (id id-b)\n"
        "    change class: patch\n"
        "      The instructions' wording changes: verdicts may shift, and a replay of the cases"
        " shows how much.\n"
        "    instructions:\n"
    ) in text
    assert "      -Line two\n      +Line 2\n" in text
    assert "- delete c-gone (id id-c)\n" in text
    assert text.endswith("Plan: 1 to create, 1 to update, 1 to delete.\n")
    assert "\x1b[" not in text


def test_text_plan_is_coloured_only_when_asked():
    assert "\x1b[32m" in as_text.render_plan(mixed_plan(), LOCAL, colour=True)


def test_text_plan_without_changes_says_so_and_counts_unmanaged():
    result = plan([definition("a")], [remote(definition("a")), remote(definition("legacy"))])
    text = as_text.render_plan(result, LOCAL)
    assert "No changes." in text
    assert "Not managed: 1 owned judge that no spec names, left alone.\n  Use --prune" in text
    assert "legacy" not in text
    assert text.endswith("Plan: 0 to create, 0 to update, 0 to delete.\n")
    listed = as_text.render_plan(result, LOCAL, list_unmanaged=True)
    assert "left alone.\n  legacy (id id-legacy)\n  Use --prune to delete them.\n\n" in listed


@pytest.mark.parametrize(
    ("header", "head"),
    [
        (
            LOCAL,
            "Target: local\nOwnership: the whole workspace\n"
            "Prune: off (owned judges that no spec names are left alone)\n\n",
        ),
        (
            PlanHeader("staging", ("team-a-*", "shared"), prune=True),
            "Target: staging\nOwnership: judges named team-a-*, shared\n"
            "Prune: on (owned judges that no spec names are deleted)\n\n",
        ),
    ],
)
def test_text_plan_head_names_target_ownership_and_pruning(header, head):
    assert as_text.render_plan(plan([], []), header).startswith(head)


def thousand_creates():
    return plan([definition(f"judge-{i:04}") for i in range(1_000)], [])


def test_a_plan_of_1000_creates_is_about_1000_lines():
    text = as_text.render_plan(thousand_creates(), LOCAL)
    lines = text.splitlines()
    assert 1_000 <= len(lines) <= 1_010
    assert lines[4:6] == ["+ create judge-0000", "+ create judge-0001"]


def test_full_shows_every_field_of_each_created_judge():
    text = as_text.render_plan(thousand_creates(), LOCAL, full=True)
    assert len(text.splitlines()) > 10_000
    assert '+ create judge-0000\n    name: "judge-0000"\n' in text


def test_scalar_change_is_shown_before_and_after():
    result = plan([regression(high=10)], [remote(regression(high=5))])
    assert "    output.max: 5.0 -> 10.0\n" in as_text.render_plan(
        result, PlanHeader("t", None, False)
    )


def test_missing_final_newline_is_visible_in_the_diff():
    result = plan(
        [definition(instructions="Rate it")], [remote(definition(instructions="Rate it\n"))]
    )
    text = as_text.render_plan(result, PlanHeader("t", None, False))
    assert "      -Rate it\n      +Rate it  (no newline at end)\n" in text


def test_report_lists_each_result_and_counts_failures():
    actions = mixed_plan().changes
    report = Report(
        (
            ActionResult(actions[0], Outcome.DONE, "created (id x)"),
            ActionResult(actions[1], Outcome.FAILED, "boom"),
        )
    )
    text = as_text.render_report(report)
    assert "+ a-new: ok created (id x)\n" in text
    assert "~ b-changed: FAILED boom\n" in text
    assert "Apply: 1 done, 1 failed.\n" in text


# The keys of format_version 1 as first released: a later renderer may only add keys.
FORMAT_1_KEYS = {"format_version", "target", "summary", "actions", "unmanaged", "model_overrides"}
FORMAT_1_ACTION_KEYS = {"action", "name", "judge_id", "changes", "desired"}


# Added within format 1 by the change classes.
CHANGE_CLASS_KEYS = {"change_class", "change_reasons", "breaking_fingerprint", "acknowledged"}


def test_json_plan_stays_format_1_and_only_adds_fields():
    header = PlanHeader("local", ("a-*", "b-*"), prune=True)
    document = json.loads(as_json.dumps(as_json.plan_document(mixed_plan(), header)))
    assert document["format_version"] == 1
    # The target as a saved plan names it (target: the URL), and the possible renames.
    added = {"ownership", "prune", "target_name", "target_label", "rename_hints"}
    assert set(document) == FORMAT_1_KEYS | added
    assert all(
        set(action) == FORMAT_1_ACTION_KEYS | CHANGE_CLASS_KEYS for action in document["actions"]
    )
    assert (document["ownership"], document["prune"]) == (["a-*", "b-*"], True)
    whole = as_json.plan_document(mixed_plan(), LOCAL)
    assert (whole["ownership"], whole["prune"]) == (None, False)


def test_json_plan_keeps_every_created_judge_and_unmanaged_name():
    created = as_json.plan_document(thousand_creates(), LOCAL)["actions"]
    assert len(created) == 1_000 and created[999]["desired"]["name"] == "judge-0999"
    result = plan([], [remote(definition(f"legacy-{i}")) for i in range(300)])
    assert len(as_json.plan_document(result, LOCAL)["unmanaged"]) == 300


def test_json_plan_is_stable_and_complete():
    document = json.loads(as_json.dumps(as_json.plan_document(mixed_plan(), LOCAL)))
    assert document["format_version"] == 1
    assert document["summary"] == {
        "create": 1,
        "update": 1,
        "delete": 1,
        "no_op": 0,
        "unmanaged": 0,
        "breaking": 0,
    }
    update = document["actions"][1]
    assert update["action"] == "update" and update["judge_id"] == "id-b"
    assert update["changes"] == [
        {"field": "instructions", "before": "Line one\nLine two\n", "after": "Line one\nLine 2\n"}
    ]
    assert update["change_class"] == "patch"
    assert update["change_reasons"] == [
        "The instructions' wording changes: verdicts may shift, and a replay of the cases"
        " shows how much."
    ]
    assert (update["breaking_fingerprint"], update["acknowledged"]) == (None, False)
    create = document["actions"][0]
    assert create["desired"]["name"] == "a-new"
    assert (create["change_class"], create["change_reasons"]) == (None, [])
