"""GitHub workflow commands: exact lines, the toolkit's escaping, the broken-spec corpus.

`broken-github.txt` under tests/data/golden/ is the exact annotation output for
every case of tests/data/broken/. After an intended change, regenerate it and
review the diff:

    .venv/bin/python -m tests.test_github_render
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from judgesync.errors import Problem
from judgesync.render import as_github
from judgesync.specs.loader import load_specs

DATA = Path(__file__).parent / "data"
BROKEN = DATA / "broken"
GOLDEN = DATA / "golden" / "broken-github.txt"


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """Read a workflow command back as GitHub's runner does (ActionCommand.TryParseV2):
    the command ends at the first `::` after the leading one, properties split on `,`
    and `=`, then each value and the message are unescaped."""
    assert line.startswith("::") and "\n" not in line and "\r" not in line
    end = line.index("::", 2)
    head, data = line[2:end], line[end + 2 :]
    name, _, props = head.partition(" ")
    properties = {}
    for pair in filter(None, props.split(",")):
        key, value = pair.split("=", 1)
        properties[key] = unescape(value, property_value=True)
    return name, properties, unescape(data, property_value=False)


def unescape(text: str, property_value: bool) -> str:
    text = text.replace("%0D", "\r").replace("%0A", "\n")
    if property_value:
        text = text.replace("%3A", ":").replace("%2C", ",")
    return text.replace("%25", "%")


@pytest.mark.parametrize(
    "problem, expected",
    [
        (
            Problem("judges/tone.yaml", "unknown key 'descripton'", 2),
            "::error file=judges/tone.yaml,line=2::unknown key 'descripton'\n",
        ),
        (
            Problem("judges/tone.yaml", "the spec file is not UTF-8", None),
            "::error file=judges/tone.yaml::the spec file is not UTF-8\n",
        ),
        (
            Problem("judges/a:b,c%.yaml", "100% sure:\r\nline two, too::done", 7),
            "::error file=judges/a%3Ab%2Cc%25.yaml,line=7::100%25 sure:%0D%0Aline two, too::done\n",
        ),
    ],
)
def test_a_problem_renders_as_one_error_command_on_its_file_and_line(problem, expected):
    assert as_github.render_problems([problem]) == expected


def test_problems_render_one_line_each_in_order_and_as_warnings_when_asked():
    problems = [Problem("a.yaml", "first", 1), Problem("b.yaml", "second", 3)]
    assert as_github.render_problems(problems, level="warning") == (
        "::warning file=a.yaml,line=1::first\n::warning file=b.yaml,line=3::second\n"
    )
    assert as_github.render_problems([]) == ""


def test_errors_and_warnings_without_a_file_have_no_properties():
    message = "GET /v1/judges failed: 401: Unauthorized.\nCheck MISTRAL_API_KEY."
    assert as_github.render_error(message) == (
        "::error::GET /v1/judges failed: 401: Unauthorized.%0ACheck MISTRAL_API_KEY.\n"
    )
    assert as_github.render_warning("3 deletions exceed max_deletes (2).") == (
        "::warning::3 deletions exceed max_deletes (2).\n"
    )


def test_escaping_matches_the_toolkit_character_for_character():
    # @actions/core: escapeData replaces %, \r, \n; escapeProperty also : and ,.
    assert as_github.escape_data("%\r\n:,") == "%25%0D%0A:,"
    assert as_github.escape_property("%\r\n:,") == "%25%0D%0A%3A%2C"
    # `%` first: a literal "%0A" must not come back as a newline.
    assert as_github.escape_data("%0A") == "%250A"


@given(
    path=st.text(min_size=1),
    message=st.text(),
    line=st.none() | st.integers(min_value=1, max_value=10**6),
)
def test_any_problem_reads_back_unchanged_as_the_runner_parses_it(path, message, line):
    # The runner reads lines as .NET's ReadLine does: they end at CR or LF only.
    command, end = as_github.render_problems([Problem(path, message, line)]).split("\n")
    assert end == ""
    name, properties, data = parse_command(command)
    expected = {"file": path} | ({} if line is None else {"line": str(line)})
    assert (name, properties, data) == ("error", expected, message)


def render_broken_corpus(monkeypatch: pytest.MonkeyPatch) -> str:
    """Every broken case's problems, with paths as a workflow in tests/data/broken sees them
    (and this checkout's absolute path, which some messages name, as `{BROKEN}`)."""
    monkeypatch.chdir(BROKEN)
    parts = []
    for folder in sorted(path for path in BROKEN.iterdir() if path.is_dir()):
        loaded = load_specs(Path(folder.name), repo_root=folder)
        assert loaded.problems, folder.name
        parts.append(as_github.render_problems(loaded.problems))
    return "".join(parts).replace(str(BROKEN.resolve()), "{BROKEN}")


def test_the_broken_corpus_renders_exactly_as_the_golden_file(monkeypatch):
    assert render_broken_corpus(monkeypatch) == GOLDEN.read_text(encoding="utf-8")


def test_every_broken_case_reads_back_as_its_problems(monkeypatch):
    monkeypatch.chdir(BROKEN)
    for folder in sorted(path for path in BROKEN.iterdir() if path.is_dir()):
        problems = load_specs(Path(folder.name), repo_root=folder).problems
        lines = as_github.render_problems(problems).split("\n")[:-1]
        read_back = [parse_command(line) for line in lines]
        assert read_back == [
            (
                "error",
                {"file": p.path} | ({} if p.line is None else {"line": str(p.line)}),
                p.message,
            )
            for p in problems
        ], folder.name


if __name__ == "__main__":
    with pytest.MonkeyPatch.context() as patch:
        GOLDEN.write_text(render_broken_corpus(patch), encoding="utf-8")
    print(f"wrote {GOLDEN}")
