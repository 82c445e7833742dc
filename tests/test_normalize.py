from hypothesis import given
from hypothesis import strategies as st

from judgesync.models import ClassificationOutput, JudgeDefinition, RegressionOutput
from judgesync.plan.normalize import canonical, content_hash, flatten
from judgesync.plan.planner import diff
from tests.builders import definition, regression


def test_canonical_sorts_tools_and_floats_bounds():
    data = canonical(regression(low=1, high=5).model_copy(update={"tools": ["b", "a"]}))
    assert data["tools"] == ["a", "b"]
    assert data["output"]["min"] == 1.0 and isinstance(data["output"]["min"], float)


def test_canonical_tools_are_a_set():
    assert canonical(definition(tools=["a", "b", "a"]))["tools"] == ["a", "b"]


def test_content_hash_ignores_tools_order_but_not_text():
    base = definition(tools=["a", "b"])
    assert content_hash(base) == content_hash(definition(tools=["b", "a"]))
    assert content_hash(base) != content_hash(definition(tools=["a", "b"], description="x"))


def test_flatten_gives_dotted_paths_and_indexes_lists_of_mappings():
    assert flatten({"output": {"options": [{"value": "a"}], "type": "C"}, "tools": ["x"]}) == {
        "output.options[0].value": "a",
        "output.type": "C",
        "tools": ["x"],
    }


def test_diff_names_changed_tools_as_one_sorted_field():
    (change,) = diff(definition(tools=["b", "a"]), definition(tools=["c", "a"]))
    assert (change.path, change.before, change.after) == ("tools", ["a", "b"], ["a", "c"])


def test_diff_lists_the_new_output_fields_first_then_the_old_ones():
    changes = diff(definition(), regression(name="tone", low=1, high=5))
    assert [(c.path, c.before, c.after) for c in changes] == [
        ("output.type", "CLASSIFICATION", "REGRESSION"),
        ("output.min", None, 1.0),
        ("output.min_description", None, "useless"),
        ("output.max", None, 5.0),
        ("output.max_description", None, "perfect"),
        ("output.options[0].value", "polite", None),
        ("output.options[0].description", "Courteous.", None),
        ("output.options[1].value", "rude", None),
        ("output.options[1].description", "Not courteous.", None),
    ]


def test_diff_leaves_out_a_missing_bound_that_is_none_on_the_other_side():
    low_only = regression(low=1).model_copy(
        update={"output": regression().output.model_copy(update={"max": None})}
    )
    changes = diff(definition(name="helpfulness"), low_only)
    assert "output.max" not in [c.path for c in changes]


# Small alphabets, so that equal fields come up often.
_texts = st.sampled_from(["a", "b", "a\n", ""])
_option = st.fixed_dictionaries({"value": _texts, "description": _texts})
_classifications = st.builds(ClassificationOutput, options=st.lists(_option, max_size=3))
# Built unvalidated, so that integer bounds stay integers, as `model_copy(update=...)` leaves them.
_regressions = st.builds(
    RegressionOutput.model_construct,
    min=st.none() | st.integers(0, 2) | st.sampled_from([0.0, 1.0, 2.5]),
    max=st.none() | st.integers(0, 2) | st.sampled_from([0.0, 1.0, 2.5]),
    min_description=_texts,
    max_description=_texts,
)
_definitions = st.builds(
    JudgeDefinition,
    name=_texts,
    description=st.just("d"),
    model_name=st.just("m"),
    instructions=_texts,
    output=_classifications | _regressions,
    tools=st.lists(st.sampled_from(["x", "y", "z"]), max_size=4),
)


@st.composite
def _pairs(draw: st.DrawFn) -> tuple[JudgeDefinition, JudgeDefinition]:
    """Two judges: unrelated, or the same one with its tools reordered, its bounds as
    floats, and maybe a new description."""
    before = draw(_definitions)
    output = before.output
    if isinstance(output, RegressionOutput):
        bounds = {"min": output.min, "max": output.max}
        output = output.model_copy(update={k: float(v) for k, v in bounds.items() if v is not None})
    tools = draw(st.permutations(before.tools))
    description = draw(st.sampled_from("de"))
    same = before.model_copy(update={"tools": tools, "output": output, "description": description})
    return before, draw(_definitions | st.just(same))


@given(_pairs())
def test_diff_is_empty_exactly_when_canonical_forms_are_equal(pair):
    before, after = pair
    changes = diff(before, after)
    assert (changes == ()) == (canonical(before) == canonical(after))


@given(_pairs())
def test_every_path_diff_reports_really_differs(pair):
    before, after = pair
    old, new = flatten(canonical(before)), flatten(canonical(after))
    for change in diff(before, after):
        assert change.before != change.after
        assert (old.get(change.path), new.get(change.path)) == (change.before, change.after)
