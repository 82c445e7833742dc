import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from judgesync.errors import SpecError
from judgesync.specs import yamlio


def problems_of(text: str) -> list[str]:
    with pytest.raises(SpecError) as caught:
        yamlio.load_document(text, "spec.yaml")
    return [str(problem) for problem in caught.value.problems]


def billion_laughs(levels: int) -> str:
    text = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    for level in range(1, levels):
        refs = ", ".join([f"*{chr(ord('a') + level - 1)}"] * 9)
        text += f"{chr(ord('a') + level)}: &{chr(ord('a') + level)} [{refs}]\n"
    return text


def test_load_document_records_the_line_of_every_key_and_item():
    text = (
        "name: tone\noutput:\n  type: CLASSIFICATION\n  options:\n    - value: a\n    - value: b\n"
    )
    document = yamlio.load_document(text, "spec.yaml")
    assert document.data["output"]["options"][1] == {"value": "b"}
    assert document.lines[("name",)] == 1
    assert document.lines[("output", "type")] == 3
    assert document.lines[("output", "options", 1)] == 6
    assert document.lines[("output", "options", 1, "value")] == 6


def test_text_lines_point_at_the_first_content_line_of_a_literal_block():
    text = "name: x\ninstructions: |\n  line one\n  line two\nshort: 'one line'\n"
    document = yamlio.load_document(text, "spec.yaml")
    assert document.text_lines[("instructions",)] == 3
    assert document.text_lines[("short",)] == 5


def test_text_lines_omit_folded_text_whose_lines_do_not_match_the_file():
    document = yamlio.load_document("folded: >\n  a\n  b\n", "spec.yaml")
    assert document.data == {"folded": "a b\n"}
    assert ("folded",) not in document.text_lines


def test_block_scalars_keep_or_drop_the_final_newline_as_written():
    data = yamlio.load("keep: |\n  text\nstrip: |-\n  text\n")
    assert data == {"keep": "text\n", "strip": "text"}


def test_an_empty_document_has_no_data():
    assert yamlio.load_document("# only a comment\n", "spec.yaml").data is None


def test_crlf_line_ends_read_like_lf():
    assert yamlio.load("a: |\r\n  x\r\n  y\r\nb: 1\r\n") == {"a": "x\ny\n", "b": 1}


def test_duplicate_keys_are_reported_with_both_lines():
    assert problems_of("name: a\ndescription: d\nname: b\n") == [
        "spec.yaml:3: duplicate key 'name' (lines 1 and 3); keep one"
    ]


def test_every_duplicate_key_of_a_document_is_reported():
    problems = problems_of("a: 1\na: 2\nb:\n  c: 1\n  c: 2\n")
    assert [problem.split(":")[1] for problem in problems] == ["2", "5"]


def test_a_second_document_is_refused_at_its_line():
    assert problems_of("a: 1\n---\nb: 2\n") == [
        "spec.yaml:2: the file holds more than one YAML document; put one judge per file"
    ]


def test_a_syntax_error_names_its_line():
    [problem] = problems_of("a: 1\n  b: 2\n")
    assert problem.startswith("spec.yaml:2: invalid YAML: mapping values are not allowed")


def test_a_control_character_is_a_problem_at_its_line():
    [problem] = problems_of("a: 1\nb: \x07\n")
    assert problem.startswith("spec.yaml:2: invalid YAML:")


@pytest.mark.parametrize(
    "text, tag",
    [
        ("a: !!python/object/apply:os.system [echo hi]\n", "!!python/object/apply:os.system"),
        ("a: !!python/name:os.system ''\n", "!!python/name:os.system"),
        ("a: !custom value\n", "!custom"),
        ("a: !!binary aGk=\n", "!!binary"),
        ("a: !!set {x, y}\n", "!!set"),
    ],
)
def test_tags_that_build_objects_are_refused(text, tag):
    assert problems_of(text) == [
        f"spec.yaml:1: the tag {tag!r} is not allowed; use plain YAML values (remove the tag)"
    ]


def test_standard_tags_on_plain_values_are_fine():
    assert yamlio.load("a: !!str 123\nb: !!float 1\n") == {"a": "123", "b": 1.0}


def test_a_value_that_does_not_fit_its_explicit_tag_is_a_problem():
    assert problems_of("a: !!int twelve\n") == ["spec.yaml:1: 'twelve' is not a valid !!int"]


def test_merge_keys_are_reported_not_silently_merged():
    assert problems_of("base: &b {x: 1}\nother:\n  <<: *b\n") == [
        "spec.yaml:3: merge keys ('<<') are not supported; write the keys out"
    ]


def test_a_quoted_double_angle_key_is_plain_text():
    assert yamlio.load("'<<': 1\n") == {"<<": 1}


def test_mapping_keys_must_be_plain_values():
    [problem] = problems_of("? [a, b]\n: 1\n")
    assert "a mapping key must be a plain value" in problem


def test_aliases_to_small_values_are_expanded():
    assert yamlio.load("a: &x [1, 2]\nb: *x\n") == {"a": [1, 2], "b": [1, 2]}


def test_billion_laughs_is_refused_by_the_node_bound():
    [problem] = problems_of(billion_laughs(9))
    assert f"expands to more than {yamlio.MAX_NODES} values" in problem


def test_a_document_just_under_the_node_bound_loads():
    text = "a: [" + ", ".join(["1"] * (yamlio.MAX_NODES - 3)) + "]\n"
    assert len(yamlio.load(text)["a"]) == yamlio.MAX_NODES - 3


def test_an_alias_inside_its_own_anchor_is_refused():
    assert problems_of("a: &loop [*loop]\n") == [
        "spec.yaml:1: an alias refers to its own anchor; remove the loop"
    ]


def test_deep_nesting_is_refused_without_a_recursion_error():
    [problem] = problems_of("a: " + "[" * 200 + "]" * 200 + "\n")
    assert "nests deeper than" in problem


def test_the_fast_libyaml_loader_is_used_when_available():
    expected = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
    assert yamlio._Loader is expected


def test_dump_keeps_key_order_and_writes_multiline_text_as_literal_blocks():
    data = {"name": "tone", "instructions": "Line one\nLine two\n", "tail": "a\nb", "tools": ["x"]}
    assert yamlio.dump(data) == (
        "name: tone\ninstructions: |\n  Line one\n  Line two\ntail: |-\n  a\n  b\ntools:\n  - x\n"
    )


def test_dump_keeps_unicode_readable():
    assert yamlio.dump({"note": "café 😀"}) == "note: café 😀\n"


def test_dump_quotes_text_that_would_read_back_as_another_type():
    data = {"a": "yes", "b": "1.5", "c": "null", "d": "2024-01-01", "e": ""}
    assert yamlio.load(yamlio.dump(data)) == data


@pytest.mark.parametrize(
    "text",
    [
        "trailing spaces   \nsecond line",
        "  leading spaces\nsecond",
        "no final newline\nx",
        "many final newlines\n\n\n",
        "\n",
        "emoji 😀\nline",
        "tab\there\nline",
        "line\u2028separator\nline",
        "next\x85line\nx",
        "crlf\r\nline",
        "- looks like a list\n",
        "# looks like a comment\n",
    ],
)
def test_dump_round_trips_awkward_text_exactly(text):
    assert yamlio.load(yamlio.dump({"text": text})) == {"text": text}


texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30) | st.lists(
    st.sampled_from(
        ["a", " ", "\n", "\t", "#", ": ", "- ", "'", '"', "\r", "😀", "{{", "|", "..."]
    ),
    max_size=10,
).map("".join)
plain_values = texts | st.integers() | st.floats(allow_nan=False) | st.booleans() | st.none()
documents = st.recursive(
    plain_values,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(documents)
def test_load_of_dump_is_the_identity(data):
    assert yamlio.load(yamlio.dump(data)) == data


@settings(max_examples=500, deadline=None)
@given(texts)
def test_any_text_value_round_trips_exactly(text):
    assert yamlio.load(yamlio.dump({"instructions": text})) == {"instructions": text}
