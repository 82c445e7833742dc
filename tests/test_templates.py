import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from judgesync.specs import templates


def test_syntax_problem_reports_the_line_of_an_unclosed_tag():
    problem = templates.syntax_problem("line one\n{{ user_message ")
    assert problem is not None
    assert problem.line == 2


def test_valid_template_has_no_syntax_problem():
    assert templates.syntax_problem("{{ user_message }}") is None


def test_unknown_variables_flags_a_misspelt_variable_but_allows_properties():
    source = "{{ usr_message }} {{ properties.locale }} {{ assistant_message }}"
    assert templates.check(source).unknown_variables == ("usr_message",)


def test_loop_variables_are_not_unknown():
    source = "{% for m in conversation_history %}{{ m.content }}{% endfor %}"
    assert templates.check(source).unknown_variables == ()


def test_render_refuses_to_reach_python_internals():
    from jinja2.exceptions import SecurityError

    with pytest.raises(SecurityError):
        templates.render("{{ user_message.__class__.__mro__ }}", {"user_message": "hi"})


@pytest.mark.parametrize(
    "source",
    ["{{{ properties.in }}", "{{ user_message }", "a {{ true }}", "{{ usr }}", "{% raw %}{{ x"],
)
def test_check_agrees_with_jinja_on_near_misses_of_the_simple_print_fast_path(source):
    check = templates.check(source)
    assert check.syntax == templates.syntax_problem(source)
    if check.syntax is None:
        assert list(check.unknown_variables) == sorted(
            templates.read_variables(source) - templates.PLATFORM_VARIABLES
        )


def test_check_accepts_simple_prints_with_whitespace_control():
    source = "{{- user_message }}\n{{assistant_message-}} x }} { {{ properties.a.b }}"
    assert templates.check(source) == templates.TemplateCheck(syntax=None, unknown_variables=())


# Appended to a template, this reads nothing and prints nothing but is not a
# simple print: it sends the helpers down Jinja's parser instead of the fast path.
NOT_SIMPLE = "\n{% if false %}{% endif %}"
simple_templates = st.lists(
    st.sampled_from(
        [
            "{{ user_message }}",
            "{{-assistant_message-}}",
            "{{ properties.locale }}",
            "{{ properties.a.b }}",
            "{{ properties }}",
            "{{ answer_type_definition }}",
            "plain text ",
            "\n",
            "{",
            "}",
        ]
    ),
    max_size=10,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(simple_templates)
def test_the_fast_path_reads_what_jinja_reads(source):
    if templates.syntax_problem(source) is None:
        assert templates.syntax_problem(source + NOT_SIMPLE) is None
        assert templates.read_variables(source) == templates.read_variables(source + NOT_SIMPLE)
        assert templates.property_names(source) == templates.property_names(source + NOT_SIMPLE)
