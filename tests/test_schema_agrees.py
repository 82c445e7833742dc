"""The schema and `validate` give the same verdict on the same spec file text.

Spec documents are generated as YAML text, valid and subtly broken: YAML 1.1
booleans, exponent floats, numbers as text, missing and unknown keys, blank
texts, wrong types. `validate` (the loader's checks on one file) accepts a
document exactly when the schema accepts it as read:

- in YAML 1.1, as PyYAML resolves it: the reading validate itself uses (an
  editor set to `yaml.yamlVersion: "1.1"` comes close, docs/ci.md);
- in YAML 1.2 core, an editor's default reading, whenever the document reads
  the same in both; where it does not, docs/ci.md lists what differs and
  `test_yaml_1_2_readings_that_differ_are_as_documented` checks the list.

Only the rules docs/specs.md names as beyond the schema are kept out.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
import yamlcore
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from judgesync.names import name_key
from judgesync.specs.loader import load_specs
from judgesync.specs.schema import spec_file_schema

VALIDATOR = jsonschema.Draft202012Validator(spec_file_schema())
PROMPT = "Rate {{ assistant_message }}\n"


class Raw(str):
    """A scalar written into the document as is: `yes`, `1e3`, `"quoted"`."""


def quoted(text: str) -> Raw:
    # A JSON string is a YAML double-quoted scalar: text in every YAML version.
    return Raw(json.dumps(text))


# Scalars whose reading is the point: each resolves to something else than text
# somewhere (YAML 1.1 or 1.2), or is text that looks like something else.
TRICKY = [
    *("yes", "No", "ON", "off", "y", "true", "False"),  # booleans in YAML 1.1 / both
    *("1e3", "1.0e3", "1.0e+3", "+.5", "0o17", "1_000", "010", "0x1F", "1:30"),  # numbers
    *("~", "null", "", "2024-01-01", "=", ".inf", "-.inf"),
    *('"yes"', "'1e3'", '"5"', '""', "'   '", "[a]", "{a: b}", "[]"),
]
WHITE = [" ", "\t", "\n", "\u3000", "\xa0", "\x1c", "\u2028", "\u200b", "\ufeff"]


def mostly(
    good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any], odds: int = 20
) -> st.SearchStrategy[Any]:
    """`bad` once in `odds` draws: most documents are valid or broken in one place.

    Bad is a middle roll: hypothesis draws the ends of a range more often."""
    return st.integers(1, odds).flatmap(lambda roll: bad if roll == odds // 2 else good)


def text_scalar(vocabulary: list[str]) -> st.SearchStrategy[Raw]:
    words = st.sampled_from(vocabulary)
    odd_texts = st.one_of(
        st.text(
            st.characters(
                max_codepoint=0xFFFF, exclude_categories=("Cs",), exclude_characters="{}\x7f"
            )
        ),
        st.lists(st.sampled_from(WHITE) | words, max_size=4).map("".join),
    )
    return mostly(
        words.map(quoted) | words.map(Raw),
        odd_texts.map(quoted) | st.sampled_from(TRICKY).map(Raw),
        odds=12,
    )


def distinct(words: list[str]) -> st.SearchStrategy[list[Raw]]:
    return st.lists(st.sampled_from(words), max_size=2, unique=True).map(
        lambda chosen: [Raw(word) for word in chosen]
    )


texts = text_scalar(["tone", "on_brand", "Polite", "yes-no", "a b", "x", "Is it rude?"])
# Lower bounds are at most 0 and upper bounds at least 1 in every reading, so
# min < max holds whenever both are numbers (a rule the schema cannot say).
low_bound = mostly(
    st.sampled_from(["0", "-1", "-2.5", "-1.0e+3", "-0x10", "-1_0"]).map(Raw),
    st.sampled_from(["-1e3", "-.inf", '"-1"', "yes", "~", "off", "[1]", "low"]).map(Raw),
    odds=4,
)
high_bound = mostly(
    st.sampled_from(["1", "5", "2.5", "1.0e+3", "0x10", "1_000", "010", "1:30"]).map(Raw),
    st.sampled_from(["1e3", "1.0e3", "0o17", ".inf", '"5"', "on", "=", "{a: 1}"]).map(Raw),
    odds=4,
)


def maybe_broken(fields: dict[str, Any], extras: list[str]) -> st.SearchStrategy[Any]:
    """The mapping, sometimes with a key dropped or an unknown key added."""

    @st.composite
    def build(draw: Callable[..., Any]) -> dict[str, Any]:
        mapping = {key: draw(value) for key, value in fields.items()}
        if draw(st.integers(1, 30)) == 15:
            mapping.pop(draw(st.sampled_from(sorted(mapping))))
        if draw(st.integers(1, 30)) == 15:
            mapping[draw(st.sampled_from(extras))] = Raw("x")
        return mapping

    return build()


option = maybe_broken({"value": texts, "description": texts}, ["valu", "on", "label"])
classification = maybe_broken(
    {
        "type": st.just(Raw("CLASSIFICATION")),
        "options": mostly(
            st.lists(option, min_size=1, max_size=3, unique_by=lambda item: item.get("value")),
            st.lists(option | texts),
        ),
    },
    ["min", "optoins"],
)
regression = maybe_broken(
    {
        "type": mostly(st.just(Raw("REGRESSION")), st.sampled_from(["regression", "yes"]).map(Raw)),
        "min": low_bound,
        "min_description": texts,
        "max": high_bound,
        "max_description": texts,
    },
    ["options", "maximum"],
)
# A prompt file exists beside the spec; other paths are the loader's business.
BAD_TEXT = st.sampled_from(["'  '", '""', "~", "yes", "[a]"]).map(Raw)
prompt_file = mostly(st.just(Raw("prompt.md")), BAD_TEXT, odds=8)
# `1e3` is a fine prompt in YAML 1.1 (text), a number in YAML 1.2.
instructions = mostly(st.just(quoted(PROMPT)), BAD_TEXT | st.just(Raw("1e3")), odds=8)
# Lists broken in one subtle way: a blank or repeated item.
BAD_LIST = st.sampled_from([["'  '"], ['""', "x"], ["x", "x"], ["x", '"x"'], ["~"]]).map(
    lambda items: [Raw(item) for item in items]
)
INSTRUCTION_KEYS = [
    ["instructions"],
    ["instructions_file"],
    [],
    ["instructions", "instructions_file"],
]


@st.composite
def spec_documents(draw: Callable[..., Any]) -> Any:
    fields = {
        "name": texts,
        "description": texts,
        "model_name": texts,
        "output": mostly(classification | regression, texts),
        "tools": mostly(distinct(["search", "calculator", "Search"]), BAD_LIST | texts, odds=8),
        "previous_names": mostly(distinct(["old", "older", "Old tone"]), BAD_LIST | texts, odds=8),
    }
    document = draw(maybe_broken(fields, ["descripton", "Name", "on", "version"]))
    keys = draw(mostly(st.sampled_from(INSTRUCTION_KEYS[:2]), st.sampled_from(INSTRUCTION_KEYS)))
    for key in keys:
        document[key] = draw(instructions if key == "instructions" else prompt_file)
    return draw(mostly(st.just(document), st.sampled_from([[document], Raw("tone")])))


def to_yaml(node: Any, indent: str = "") -> str:
    """Block YAML text for the generated tree, its leaves written as they are."""
    if isinstance(node, Raw):
        return f"{indent}{node}\n"
    if not node:
        return f"{indent}{'{}' if isinstance(node, dict) else '[]'}\n"
    lines = []
    for key, value in node.items() if isinstance(node, dict) else enumerate(node):
        head = f"{indent}{key}:" if isinstance(node, dict) else f"{indent}-"
        if isinstance(value, Raw):
            lines.append(f"{head} {value}\n")
        else:
            lines.append(f"{head}\n{to_yaml(value, indent + '  ')}")
    return "".join(lines)


def validate_accepts(folder: Path, text: str) -> bool:
    (folder / "judge.yaml").write_text(text, encoding="utf-8")
    return load_specs(folder, repo_root=folder).problems == ()


def schema_accepts(text: str, loader: type[yaml.SafeLoader] | type[yaml.BaseLoader]) -> bool:
    """The editor's verdict; a document its YAML reader refuses is refused."""
    try:
        data = yaml.load(text, Loader=loader)
    except yaml.YAMLError:
        return False
    return VALIDATOR.is_valid(data)


def outside_the_schema(data: Any) -> bool:
    """Whether a rule that docs/specs.md lists as beyond JSON Schema applies."""
    if not isinstance(data, dict):
        return False
    output = data.get("output")
    options = as_list(output.get("options") if isinstance(output, dict) else None)
    values = [
        o["value"] for o in options if isinstance(o, dict) and isinstance(o.get("value"), str)
    ]
    if len(set(values)) != len(values):
        return True
    names = [n for n in as_list(data.get("previous_names")) if isinstance(n, str)]
    if isinstance(data.get("name"), str):
        names.append(data["name"])
    keys = [name_key(n) for n in names]
    return len(set(keys)) != len(keys)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def typed(data: Any) -> Any:
    """The data with every value's type kept: `True == 1` in Python, not here."""
    if isinstance(data, dict):
        return ("map", tuple((typed(k), typed(v)) for k, v in data.items()))
    if isinstance(data, list):
        return ("seq", tuple(typed(item) for item in data))
    return (type(data).__name__, repr(data))


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("spec")
    (folder / "prompt.md").write_text(PROMPT, encoding="utf-8")
    return folder


@settings(max_examples=1000, deadline=None)
@given(document=spec_documents())
def test_the_schema_accepts_what_validate_accepts(folder: Path, document: Any) -> None:
    text = to_yaml(document)
    try:
        yaml_1_1 = yaml.safe_load(text)
    except yaml.YAMLError:
        yaml_1_1 = None
    assume(not outside_the_schema(yaml_1_1))
    verdict = validate_accepts(folder, text)
    assert schema_accepts(text, yaml.SafeLoader) == verdict, text
    try:
        same_in_1_2 = typed(yaml.load(text, Loader=yamlcore.CoreLoader)) == typed(yaml_1_1)
    except yaml.YAMLError:
        same_in_1_2 = False
    if same_in_1_2:
        assert schema_accepts(text, yamlcore.CoreLoader) == verdict, text


DOCS_CI = Path(__file__).parent.parent / "docs" / "ci.md"
# Where each key of the table's lines goes in an otherwise valid spec.
PLACES = {
    "value": "description: d\noutput:\n  type: CLASSIFICATION\n  options:\n"
    "    - description: d\n      value: {}\n",
    "max": "description: d\noutput:\n  type: REGRESSION\n  min: 0\n  min_description: a\n"
    "  max_description: b\n  max: {}\n",
    "description": "output: {{type: CLASSIFICATION, options: [{{value: v, description: d}}]}}\n"
    "description: {}\n",
}


def documented_yaml_differences() -> list[tuple[str, str, str, str]]:
    """The rows of docs/ci.md's table: written, validate's verdict, the editor's, fix."""
    table = DOCS_CI.read_text(encoding="utf-8").split("<!-- yaml-versions:")[1]
    rows = [line for line in table.splitlines()[3:] if line.startswith("|")]
    cells = [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]
    return [(written, validate, editor, fix) for written, validate, editor, fix in cells]


def spec_with(line: str) -> str:
    key, _, scalar = line.strip("`").partition(": ")
    return "name: tone\nmodel_name: m\ninstructions: x\n" + PLACES[key].format(scalar)


@pytest.mark.parametrize(
    ("written", "by_validate", "by_editor", "fix"), documented_yaml_differences()
)
def test_yaml_1_2_readings_that_differ_are_as_documented(
    folder, written, by_validate, by_editor, fix
):
    text = spec_with(written)
    accepts = validate_accepts(folder, text)
    assert accepts == by_validate.startswith("accepts"), by_validate
    assert schema_accepts(text, yaml.SafeLoader) == accepts
    assert schema_accepts(text, yamlcore.CoreLoader) == by_editor.startswith("accepts"), by_editor
    for remedy in fix.split(" or "):
        assert validate_accepts(folder, spec_with(remedy)), remedy
        assert schema_accepts(spec_with(remedy), yamlcore.CoreLoader), remedy


def test_the_documented_table_has_rows():
    assert len(documented_yaml_differences()) >= 5


def test_a_nan_bound_is_the_schema_s_documented_gap(folder):
    text = spec_with("`max: .nan`")
    assert not validate_accepts(folder, text)
    assert schema_accepts(text, yaml.SafeLoader)
    assert math.isnan(yaml.safe_load(text)["output"]["max"])


def test_validate_says_how_to_write_an_exponent_in_yaml_1_1(folder):
    (folder / "judge.yaml").write_text(spec_with("`max: 1e3`"), encoding="utf-8")
    [problem] = load_specs(folder, repo_root=folder).problems
    assert problem.message.endswith("(1.0e+3), or write it out (1000)")
