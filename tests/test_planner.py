import pytest

from judgesync.errors import PlanError
from judgesync.plan.planner import ActionKind, plan
from judgesync.settings.policy import Policy
from tests.builders import definition, regression, remote


def kinds(result):
    return [(a.kind, a.name) for a in result.actions]


def test_plan_creates_a_judge_no_remote_has():
    result = plan([definition("tone")], [])
    assert kinds(result) == [(ActionKind.CREATE, "tone")]
    assert result.has_changes


def test_plan_is_a_no_op_when_remote_matches():
    spec = definition("tone")
    result = plan([spec], [remote(spec)])
    assert kinds(result) == [(ActionKind.NOOP, "tone")]
    assert not result.has_changes


def test_plan_update_when_instructions_change():
    spec = definition("tone")
    live = remote(definition("tone", instructions="Old {{ assistant_message }}\n"))
    (action,) = plan([spec], [live]).actions
    assert action.kind is ActionKind.UPDATE
    assert [c.path for c in action.changes] == ["instructions"]
    assert action.remote == live


def test_plan_update_names_nested_output_fields():
    spec = regression(high=10)
    (action,) = plan([spec], [remote(regression(high=5))]).actions
    assert [(c.path, c.before, c.after) for c in action.changes] == [("output.max", 5.0, 10.0)]


def test_integer_and_float_bounds_are_equal():
    spec = regression(low=1, high=5)
    live = remote(spec).model_copy(
        update={"output": spec.output.model_copy(update={"min": 1.0, "max": 5.0})}
    )
    assert not plan([spec], [live]).has_changes


def test_tools_order_does_not_cause_a_diff():
    spec = definition(tools=["search", "calculator"])
    live = remote(definition(tools=["calculator", "search"]))
    assert not plan([spec], [live]).has_changes


def test_a_trailing_newline_is_a_change():
    spec = definition(instructions="Rate it\n")
    live = remote(definition(instructions="Rate it"))
    (action,) = plan([spec], [live]).actions
    assert action.kind is ActionKind.UPDATE
    assert [(c.path, c.before, c.after) for c in action.changes] == [
        ("instructions", "Rate it", "Rate it\n")
    ]


def test_option_order_is_a_change():
    spec = definition()
    options = list(reversed(spec.output.options))
    live = remote(definition(output={"type": "CLASSIFICATION", "options": options}))
    (action,) = plan([spec], [live]).actions
    assert action.kind is ActionKind.UPDATE
    assert [(c.path, c.before, c.after) for c in action.changes] == [
        ("output.options[0].value", "rude", "polite"),
        ("output.options[0].description", "Not courteous.", "Courteous."),
        ("output.options[1].value", "polite", "rude"),
        ("output.options[1].description", "Courteous.", "Not courteous."),
    ]


def test_unmanaged_remote_judges_are_listed_and_left_alone():
    result = plan([], [remote(definition("legacy"))])
    assert result.actions == ()
    assert [j.name for j in result.unmanaged] == ["legacy"]


def test_prune_plans_deletion_of_unmanaged_judges():
    spec = definition("kept")
    result = plan([spec], [remote(spec), remote(definition("legacy"))], Policy(prune=True))
    assert kinds(result) == [(ActionKind.NOOP, "kept"), (ActionKind.DELETE, "legacy")]
    assert result.unmanaged == ()


def test_pruning_every_owned_judge_is_refused_unless_allowed():
    judges = [remote(definition("a")), remote(definition("b"))]
    with pytest.raises(PlanError, match=r"delete every owned judge \(2\).*--allow-empty"):
        plan([], judges, Policy(prune=True))
    allowed = plan([], judges, Policy(prune=True, allow_empty=True))
    assert allowed.count(ActionKind.DELETE) == 2


def test_judges_outside_the_ownership_scope_are_never_touched():
    kept, gone, theirs = definition("team-a/kept"), definition("team-a/gone"), definition("b/x")
    policy = Policy(prune=True, ownership=("team-a/*",))
    result = plan([kept], [remote(kept), remote(gone), remote(theirs)], policy)
    assert kinds(result) == [(ActionKind.DELETE, "team-a/gone"), (ActionKind.NOOP, "team-a/kept")]
    assert result.unmanaged == ()


def test_a_spec_does_not_match_a_judge_outside_the_scope():
    result = plan([definition("Tone")], [remote(definition("tone"))], Policy(ownership=("T*",)))
    assert kinds(result) == [(ActionKind.CREATE, "Tone")]


def test_deleting_a_protected_judge_is_a_plan_error():
    judges = [remote(definition("keep")), remote(definition("critical-x"))]
    policy = Policy(prune=True, protect=("critical-*",))
    with pytest.raises(PlanError, match=r"protected judge\(s\) 'critical-x'"):
        plan([definition("keep")], judges, policy)
    unpruned = plan([definition("keep")], judges, Policy(protect=("critical-*",)))
    assert [j.name for j in unpruned.unmanaged] == ["critical-x"]


def test_previous_names_rename_in_place():
    old = remote(definition("old-name"))
    (action,) = plan(
        [definition("new-name")], [old], previous_names={"new-name": ["old-name"]}
    ).actions
    assert action.kind is ActionKind.UPDATE and action.remote == old
    assert [(c.path, c.before, c.after) for c in action.changes] == [
        ("name", "old-name", "new-name")
    ]


def test_rename_is_an_error_when_old_and_new_names_are_both_live():
    judges = [remote(definition("old")), remote(definition("new"))]
    with pytest.raises(PlanError, match=r"both 'new' .* and 'old' .* are live"):
        plan([definition("new")], judges, previous_names={"new": ["old"]})


def test_two_specs_claiming_one_old_name_is_an_error():
    with pytest.raises(PlanError, match="both claim remote judge 'old'"):
        plan(
            [definition("a"), definition("b")],
            [remote(definition("old"))],
            previous_names={"a": ["old"], "b": ["old"]},
        )


def test_a_rename_already_done_is_a_no_op():
    spec = definition("new")
    result = plan([spec], [remote(spec)], previous_names={"new": ["old"]})
    assert kinds(result) == [(ActionKind.NOOP, "new")]


def test_model_overrides_apply_before_diffing_and_are_recorded():
    spec = definition("tone", model_name="mistral-large-latest")
    live = remote(definition("tone", model_name="mistral-small-latest"))
    policy = Policy(model_overrides=(("mistral-large-latest", "mistral-small-latest"),))
    result = plan([spec], [live], policy)
    assert not result.has_changes
    (override,) = result.model_overrides
    assert (override.judge, override.original, override.replacement) == (
        "tone",
        "mistral-large-latest",
        "mistral-small-latest",
    )


def test_actions_are_sorted_by_name():
    specs = [definition("b"), definition("c"), definition("a")]
    result = plan(specs, [remote(definition("c", description="x"))])
    assert [a.name for a in result.actions] == ["a", "b", "c"]


def test_two_remote_judges_with_one_name_is_an_error_naming_both_ids():
    one, two = remote(definition("tone"), "id-1"), remote(definition("tone"), "id-2")
    with pytest.raises(PlanError, match="id-1 and id-2"):
        plan([definition("tone")], [one, two])


def test_a_name_differing_only_in_case_is_renamed_in_place():
    (action,) = plan([definition("Tone")], [remote(definition("tone"))]).actions
    assert action.kind is ActionKind.UPDATE
    assert [(c.path, c.before, c.after) for c in action.changes] == [("name", "tone", "Tone")]


def test_exact_names_win_over_case_insensitive_matches():
    result = plan([definition("tone")], [remote(definition("Tone")), remote(definition("tone"))])
    assert kinds(result) == [(ActionKind.NOOP, "tone")]
    assert [j.name for j in result.unmanaged] == ["Tone"]


def test_specs_whose_names_differ_only_in_case_are_an_error():
    with pytest.raises(PlanError, match="same name"):
        plan([definition("tone"), definition(" Tone")], [])


def test_a_protected_name_with_glob_characters_protects_itself():
    judges = [remote(definition("keep")), remote(definition("tone[v2]"))]
    with pytest.raises(PlanError, match="protected"):
        plan([definition("keep")], judges, Policy(prune=True, protect=("tone[v2]",)))
