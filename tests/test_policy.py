"""The Policy: judgesync.yaml and the flags met once, and the rules every command asks it."""

from pathlib import Path

import pytest

from judgesync.errors import PlanError
from judgesync.settings.config import load_config
from judgesync.settings.policy import BreakingChanges, Choices, Policy

EXAMPLE = Path(__file__).parent / "data" / "config" / "example.yaml"


@pytest.mark.parametrize(
    ("name", "owned"),
    [
        ("team-a/tone", True),
        ("team-a/critical-pii", True),
        ("team-b/tone", False),
        ("Team-A/tone", False),  # case-sensitive
        ("team-a", False),
    ],
)
def test_ownership_globs_match_names_case_sensitively(name, owned):
    assert Policy.resolve(load_config(EXAMPLE), Choices()).owns(name) is owned


def test_without_ownership_the_whole_workspace_is_owned():
    assert Policy().owns("anything at all")


def test_protect_matches_globs_and_exact_names_with_glob_characters():
    policy = Policy(protect=("team-a/critical-*", "tone[v2]"))
    assert policy.protects("team-a/critical-pii")
    assert policy.protects("tone[v2]")
    assert not policy.protects("tone[v3]")
    assert not policy.protects("team-a/tone")
    assert not Policy().protects("team-a/critical-pii")


def test_the_config_gives_the_defaults_and_the_flags_add_to_them():
    config = load_config(EXAMPLE)
    overrides = (("mistral-large-latest", "mistral-small-latest"),)
    assert Policy.resolve(config, Choices(), overrides) == Policy(
        specs=EXAMPLE.parent / "judges",
        ownership=("team-a/*",),
        protect=("team-a/critical-*",),
        max_deletes=5,
        model_overrides=overrides,
        breaking_changes=BreakingChanges.REQUIRE_ACK,
    )
    flags = Choices(Path("elsewhere"), prune=True, allow_empty=True, allow_mass_delete=True)
    resolved = Policy.resolve(config, flags)
    assert (resolved.specs, resolved.prune, resolved.allow_empty, resolved.allow_mass_delete) == (
        Path("elsewhere"),
        True,
        True,
        True,
    )


def test_prune_in_the_config_needs_no_flag(tmp_path):
    (tmp_path / "judgesync.yaml").write_text("prune: true\n")
    assert Policy.resolve(load_config(tmp_path / "judgesync.yaml"), Choices()).prune


def test_a_protected_delete_is_refused_naming_the_judge():
    policy = Policy(protect=("critical-*",))
    policy.refuse_protected_deletes(["legacy"])
    with pytest.raises(PlanError, match="would delete protected judge\\(s\\) 'critical-pii';"):
        policy.refuse_protected_deletes(["legacy", "critical-pii"])


@pytest.mark.parametrize(
    ("deletes", "max_deletes", "allowed", "refused"),
    [(5, 5, False, False), (6, 5, False, True), (6, 5, True, False), (1, 0, False, True)],
)
def test_the_delete_limit_is_one_comparison_for_plan_and_apply(
    deletes, max_deletes, allowed, refused
):
    policy = Policy(max_deletes=max_deletes, allow_mass_delete=allowed)
    assert (policy.delete_limit_warning(deletes) is not None) is (deletes > max_deletes)
    if refused:
        with pytest.raises(PlanError, match=f"more than max_deletes \\({max_deletes}\\)"):
            policy.refuse_mass_delete(deletes)
    else:
        policy.refuse_mass_delete(deletes)


def test_deleting_every_owned_judge_needs_allow_empty():
    with pytest.raises(PlanError, match="would delete every owned judge \\(2\\)"):
        Policy().refuse_emptying(2, 2)
    Policy(allow_empty=True).refuse_emptying(2, 2)
    Policy().refuse_emptying(1, 2)
    Policy().refuse_emptying(0, 0)


def test_breaking_changes_defaults_to_warn():
    assert Policy.resolve(load_config(None), Choices()).breaking_changes is BreakingChanges.WARN
