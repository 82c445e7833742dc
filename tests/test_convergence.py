"""apply then plan = no changes, against the real emulator, in every reading
of the API the emulator offers."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from judgesync.models import JudgeDefinition
from judgesync.names import name_key
from judgesync.plan.executor import apply
from judgesync.plan.normalize import canonical
from judgesync.plan.planner import plan
from judgesync.remote.client import JudgesClient
from judgesync.settings.policy import Policy

NAMES = ["alpha", "beta", "gamma", "Alpha", "delta"]
READINGS = [
    {"revisions": "new-id", "name_uniqueness": "exact", "deleted": "hidden"},
    {"revisions": "in-place", "name_uniqueness": "casefold", "deleted": "visible"},
]

text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=30)
instructions = st.sampled_from(
    ["Rate {{ assistant_message }}", "Rate {{ assistant_message }}\n", "{{ user_message }}  \n"]
)
classification = st.fixed_dictionaries(
    {
        "type": st.just("CLASSIFICATION"),
        "options": st.lists(
            st.fixed_dictionaries({"value": st.sampled_from("abcdef"), "description": text}),
            min_size=1,
            max_size=3,
            unique_by=lambda option: option["value"],
        ),
    }
)
regression = st.integers(-5, 5).flatmap(
    lambda low: st.fixed_dictionaries(
        {
            "type": st.just("REGRESSION"),
            "min": st.just(low),
            "max": st.sampled_from([low + 1, low + 4.5]),
            "min_description": text,
            "max_description": text,
        }
    )
)


def definitions(name: str) -> st.SearchStrategy[JudgeDefinition]:
    return st.builds(
        lambda description, model, body, output, tools: JudgeDefinition.model_validate(
            {
                "name": name,
                "description": description,
                "model_name": model,
                "instructions": body,
                "output": output,
                "tools": tools,
            }
        ),
        text,
        st.sampled_from(["mistral-small-latest", "mistral-medium-latest"]),
        instructions,
        classification | regression,
        st.lists(st.sampled_from(["search", "calc", "web"]), unique=True, max_size=2),
    )


def judge_sets(unique_key):
    names = st.lists(st.sampled_from(NAMES), unique_by=unique_key, max_size=4)
    return names.flatmap(lambda chosen: st.tuples(*(definitions(n) for n in chosen)))


@pytest.mark.parametrize("reading", READINGS, ids=lambda r: r["revisions"])
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    desired=judge_sets(name_key),
    initial=judge_sets(name_key),
    drifted=st.data(),
    prune=st.booleans(),
)
def test_apply_then_plan_shows_no_changes(
    emulator, api_key, reading, desired, initial, drifted, prune
):
    emulator.reset()
    emulator.configure(**reading)
    with JudgesClient(emulator.url, api_key) as client:
        for judge in initial:
            client.create_judge(judge)
        # Some remote judges are deleted again, so deleted history exists too.
        for judge in client.list_judges():
            if drifted.draw(st.booleans(), label=f"delete {judge.name}"):
                client.delete_judge(judge.id)

        report = apply(
            plan(desired, client.list_judges(), Policy(prune=prune, allow_empty=True)), client
        )
        assert report.ok, report.failed

        after = plan(desired, client.list_judges(), Policy(prune=prune, allow_empty=True))
        assert not after.has_changes
        live = {judge.name: canonical(judge.definition) for judge in client.list_judges()}
        for judge in desired:
            assert live[judge.name] == canonical(judge)
        if prune:
            assert set(live) == {judge.name for judge in desired}
