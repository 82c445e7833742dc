"""The TraceQL subset of `spans/search`: parsing, printing, evaluation, and the errors."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from judgesync.emulator.traceql import (
    And,
    Comparison,
    Expression,
    ExpressionError,
    MatchAll,
    Or,
    matches,
    parse,
    to_text,
)

KEYS = ["service.name", "gen_ai.request.model", "a", "b-c", "x_1.y"]

comparisons = st.builds(
    Comparison,
    scope=st.sampled_from(["span", "resource"]),
    key=st.sampled_from(KEYS),
    operator=st.sampled_from(["=", "!="]),
    value=st.text(max_size=6),
)
conditions: st.SearchStrategy[Expression] = st.recursive(
    comparisons,
    lambda inner: st.builds(And, inner, inner) | st.builds(Or, inner, inner),
    max_leaves=12,
)
attribute_maps = st.dictionaries(st.sampled_from(KEYS), st.text(max_size=6), max_size=len(KEYS))


def reference(tree: Any, span: dict[str, str], resource: dict[str, str]) -> bool:
    """Tempo's reading, written as plainly as possible: a missing attribute is false."""
    if isinstance(tree, And):
        return reference(tree.left, span, resource) and reference(tree.right, span, resource)
    if isinstance(tree, Or):
        return reference(tree.left, span, resource) or reference(tree.right, span, resource)
    attributes = span if tree.scope == "span" else resource
    if tree.key not in attributes:
        return False
    equal = attributes[tree.key] == tree.value
    return equal if tree.operator == "=" else not equal


@given(conditions)
def test_printed_expressions_parse_back_to_the_same_tree(tree: Expression) -> None:
    assert parse(to_text(tree)) == tree


@given(conditions, attribute_maps, attribute_maps)
def test_evaluation_of_parsed_text_matches_the_reference_evaluator(
    tree: Expression, span: dict[str, str], resource: dict[str, str]
) -> None:
    assert matches(parse(to_text(tree)), span, resource) == reference(tree, span, resource)


def test_and_binds_tighter_than_or_and_both_group_to_the_left() -> None:
    a, b, c = (Comparison("span", key, "=", "1") for key in "abc")
    assert parse('{ span.a = "1" || span.b = "1" && span.c = "1" }') == Or(a, And(b, c))
    assert parse('{ span.a = "1" && span.b = "1" && span.c = "1" }') == And(And(a, b), c)
    assert parse('{ (span.a = "1" || span.b = "1") && span.c = "1" }') == And(Or(a, b), c)
    assert parse('{(span.a="1"||span.b="1")&&span.c="1"}') == And(Or(a, b), c)


@pytest.mark.parametrize("text", [None, "", "   ", "{}", "{ }", " {\n} "])
def test_an_empty_or_absent_expression_matches_every_span(text: str | None) -> None:
    assert parse(text) == MatchAll()
    assert matches(parse(text), {}, {})


def test_dotted_keys_and_escapes_are_read() -> None:
    tree = parse(r'{ resource.service.name != "say \"hi\"\\\n\t" }')
    assert tree == Comparison("resource", "service.name", "!=", 'say "hi"\\\n\t')


def test_a_comparison_on_a_missing_attribute_is_false_for_both_operators() -> None:
    assert not matches(parse('{ span.model = "x" }'), {}, {})
    assert not matches(parse('{ span.model != "x" }'), {}, {})
    assert matches(parse('{ span.model != "x" }'), {"model": "y"}, {})


def test_span_and_resource_scopes_read_their_own_attributes() -> None:
    expression = parse('{ resource.service.name = "bot" }')
    assert matches(expression, {}, {"service.name": "bot"})
    assert not matches(expression, {"service.name": "bot"}, {})


@pytest.mark.parametrize(
    ("text", "column", "words"),
    [
        ('span.a = "x"', 1, "expected '{'"),
        ('{ span.a = "x" ', 16, "expected '}'"),
        ('{ name = "x" }', 3, "expected an attribute"),
        ('{ .a = "x" }', 3, "expected an attribute"),
        ('{ span. = "x" }', 8, "attribute key"),
        ('{ span.a. = "x" }', 8, "attribute key"),
        ('{ span.a == "x" }', 11, "double quotes"),
        ('{ span.a > "x" }', 10, "'=' or '!='"),
        ("{ span.a = x }", 12, "double quotes"),
        ('{ span.a = "x }', 12, "never closed"),
        (r'{ span.a = "\q" }', 13, "unknown escape"),
        ('{ span.a = "x" && }', 19, "expected an attribute"),
        ('{ (span.a = "x" }', 17, "expected ')'"),
        ('{ span.a = "x" } extra', 18, "after the closing"),
        ("{ span.a = 1 }", 12, "double quotes"),
    ],
)
def test_a_bad_expression_names_its_column(text: str, column: int, words: str) -> None:
    with pytest.raises(ExpressionError) as raised:
        parse(text)
    assert raised.value.column == column
    assert words in str(raised.value)
    assert str(raised.value).endswith(f"at column {column}")
