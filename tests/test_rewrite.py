from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from judgesync.specs import yamlio
from judgesync.specs.rewrite import rewrite

SPEC = """\
# yaml-language-server: $schema=../judgesync.schema.json
# The brand voice.
name: tone   # renamed once
description: Classifies the tone.  # short
model_name: mistral-small-latest
instructions: |
  Rate {{ assistant_message }}

# the output
output:
  type: CLASSIFICATION
  options:
    - value: on_brand
      description: Warm.  # warm
    - value: rude
      description: Rude.
tools: [search]
"""

COMMENTS = [line for line in SPEC.splitlines() if "#" in line and "{{" not in line]


def test_a_changed_option_description_changes_that_value_only():
    options = [
        {"value": "on_brand", "description": "Warm and direct."},
        {"value": "rude", "description": "Rude."},
    ]
    updated = rewrite(SPEC, {"output": {"type": "CLASSIFICATION", "options": options}})
    assert updated == SPEC.replace(
        "description: Warm.  # warm", "description: Warm and direct.  # warm"
    )


def test_text_that_becomes_multi_line_keeps_the_comment_after_its_key():
    updated = rewrite(SPEC, {"description": "Two\nlines\n"})
    assert "description: |  # short\n  Two\n  lines\nmodel_name:" in updated
    assert yamlio.load(updated)["description"] == "Two\nlines\n"


def test_a_block_text_is_replaced_up_to_its_last_line_and_the_comment_after_it_stays():
    updated = rewrite(SPEC, {"instructions": "New {{ user_message }}"})
    assert "instructions: New {{ user_message }}\n\n# the output\n" in updated


def test_another_output_shape_replaces_the_whole_entry_and_keeps_what_follows():
    regression = {
        "type": "REGRESSION",
        "min": 1,
        "min_description": "Bad.",
        "max": 5,
        "max_description": "Good.",
    }
    updated = rewrite(SPEC, {"output": regression})
    assert yamlio.load(updated)["output"] == regression
    assert updated.endswith("  max_description: Good.\ntools: [search]\n")


def test_a_missing_key_is_appended_and_a_renamed_one_takes_the_old_place():
    text = "name: x  # n\ninstructions_file: prompts/x.md  # here\nmodel_name: m\n"
    updated = rewrite(
        text, {"instructions": "a\nb\n", "tools": ["t"]}, {"instructions_file": "instructions"}
    )
    assert updated == (
        "name: x  # n\ninstructions: |  # here\n  a\n  b\nmodel_name: m\ntools:\n  - t\n"
    )


@pytest.mark.parametrize(
    ("text", "updates"),
    [
        (SPEC, {"description": "Classifies the tone.", "tools": ["search"]}),
        ("output:\n  min: 1.0\n  max: 5\n", {"output": {"min": 1, "max": 5.0}}),
    ],
)
def test_an_equal_value_leaves_the_text_as_it_is(text, updates):
    assert rewrite(text, updates) == text


_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)


@settings(max_examples=300, deadline=None)
# Text ending in blank lines: a `|+` block would take in what follows it.
@example(description="\n", first="", instructions="0", tools=[], model="m")
@example(description="", first="\n", instructions="0\n\n", tools=[], model="m")
@given(
    description=_TEXT,
    first=_TEXT,
    instructions=_TEXT.filter(str.strip),
    tools=st.lists(_TEXT, max_size=3),
    model=st.sampled_from(["mistral-small-latest", "m: x", "- y", "1.0", "yes"]),
)
def test_the_rewritten_file_reads_back_the_new_values_and_keeps_every_comment(
    description, first, instructions, tools, model
):
    options = [
        {"value": "on_brand", "description": first},
        {"value": "rude", "description": "Rude."},
    ]
    updates = {
        "description": description,
        "model_name": model,
        "instructions": instructions,
        "output": {"type": "CLASSIFICATION", "options": options},
        "tools": tools,
    }
    updated = rewrite(SPEC, updates)
    expected = {**yamlio.load(SPEC), **updates}
    assert yamlio.load(updated) == expected
    kept = [line.split("#", 1)[1] for line in COMMENTS]
    assert all(f"#{comment}" in updated for comment in kept)
