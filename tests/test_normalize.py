from judgesync.plan.normalize import canonical, content_hash, flatten
from tests.builders import definition, regression


def test_canonical_sorts_tools_and_floats_bounds():
    data = canonical(regression(low=1, high=5).model_copy(update={"tools": ["b", "a"]}))
    assert data["tools"] == ["a", "b"]
    assert data["output"]["min"] == 1.0 and isinstance(data["output"]["min"], float)


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
