"""The plan's hint at a missed rename: a create a typo away from a judge it deletes
or leaves unmanaged. Pure, then through the real CLI against the emulator."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from judgesync.plan.planner import plan
from judgesync.plan.renames import _distance, rename_hints
from judgesync.settings.policy import Policy
from tests.builders import definition, remote

OWNED = Policy()
PRUNE = Policy(prune=True, allow_empty=True)


def hints_for(created: list[str], live: list[str], policy: Policy = OWNED):
    specs = [definition(name) for name in created]
    result = plan(specs, [remote(definition(name)) for name in live], policy)
    return [(hint.created, hint.remote.name, hint.deleted) for hint in rename_hints(result)]


@pytest.mark.parametrize(
    ("created", "live", "expected"),
    [
        (["tnoe"], ["tone"], [("tnoe", "tone", False)]),  # two letters swapped
        (["Tone-v1"], ["tone-v2"], [("Tone-v1", "tone-v2", False)]),  # case ignored
        (["helpfullness"], ["helpfulness"], [("helpfullness", "helpfulness", False)]),
        (["v1"], ["v2"], []),  # too short for a distance of one to mean a typo
        (["team-a/tone"], ["team-a/pii"], []),  # a shared prefix is no likeness
        (["brand-voice"], ["tone"], []),
        # Each remote judge is offered once, to the closest create.
        (["tonee", "tnoe"], ["tone"], [("tnoe", "tone", False)]),
    ],
)
def test_a_create_close_to_an_unmanaged_judge_is_hinted_as_a_rename(created, live, expected):
    assert hints_for(created, live) == expected


def test_a_create_close_to_a_deleted_judge_is_hinted_as_such():
    assert hints_for(["tnoe"], ["tone"], PRUNE) == [("tnoe", "tone", True)]
    [hint] = rename_hints(plan([definition("tnoe")], [remote(definition("tone"))], PRUNE))
    assert hint.sentence() == (
        "Did you mean a rename of 'tone', which the plan deletes? Then add"
        " `previous_names: [tone]` to the spec of 'tnoe'."
    )


def test_a_name_yaml_would_misread_is_quoted_in_the_spec_line():
    [hint] = rename_hints(plan([definition("tone: x")], [remote(definition("tone; x"))]))
    assert '`previous_names: ["tone; x"]`' in hint.sentence()


def test_a_matched_judge_is_never_hinted():
    result = plan([definition("tone"), definition("tnoe")], [remote(definition("tone"))])
    assert rename_hints(result) == ()


names = st.text(alphabet="abcdeftonx-", min_size=0, max_size=8)


@given(names, names, names)
def test_the_distance_is_a_distance(a, b, c):
    assert (_distance(a, b) == 0) == (a == b)
    assert _distance(a, b) == _distance(b, a)
    # Bounded distances are capped at 3: the triangle holds below the cap.
    if _distance(a, b) + _distance(b, c) < 3:
        assert _distance(a, c) <= _distance(a, b) + _distance(b, c)


@given(st.lists(names, max_size=5, unique=True), st.lists(names, max_size=5, unique=True))
def test_each_create_and_each_remote_judge_is_in_one_hint_at_most(created, live):
    created = [f"c{name}" for name in created]  # never the name of a live judge
    live = [f"c{name}x" for name in live]
    hints = hints_for(created, live)
    assert len({hint[0] for hint in hints}) == len(hints)
    assert len({hint[1] for hint in hints}) == len(hints)


def test_plan_hints_at_the_rename_a_typo_missed_once_in_text_and_json(workdir, run):
    assert run("apply", "--auto-approve").exit_code == 0
    spec = workdir / "judges" / "tone.yaml"
    spec.write_text(spec.read_text().replace("name: tone\n", "name: tnoe\n", 1))

    result = run("plan")

    assert result.exit_code == 0, result.output
    hint = (
        "Did you mean a rename of 'tone', which no spec names? Then add"
        " `previous_names: [tone]` to the spec of 'tnoe'.\n"
    )
    assert result.stdout.count(hint) == 1
    assert result.stdout.endswith(f"{hint}\nPlan: 1 to create, 0 to update, 0 to delete.\n")
    document = json.loads(run("plan", "--prune", "--format", "json").stdout)
    [listed] = document["rename_hints"]
    assert (listed["create"], listed["remote_name"], listed["deleted"]) == ("tnoe", "tone", True)

    spec.write_text(
        spec.read_text().replace("name: tnoe\n", "name: tnoe\nprevious_names: [tone]\n")
    )
    renamed = run("plan")
    assert "Did you mean" not in renamed.stdout
    assert "Plan: 0 to create, 1 to update, 0 to delete." in renamed.stdout
