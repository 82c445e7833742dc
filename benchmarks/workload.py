"""Synthetic judges for the benchmark: spec files on disk and the same judges as API bodies.

Everything is derived from the judge's index with a seeded RNG, so every run
and every scenario sees the same judges. Instructions are 200-3,000
characters; even indexes are classifications, odd ones regressions. Prompts
are `prose` (only `{{ var }}` prints, which skip Jinja's parser) or `jinja`
(also `{% if %}` and `{% for %}` blocks, as most real prompts have, which
Jinja must parse).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

from judgesync.errors import ApiError
from judgesync.models import JudgeDefinition
from judgesync.remote.client import JudgesClient

_WORDS = [
    "assess",
    "whether",
    "the",
    "assistant",
    "answer",
    "is",
    "accurate",
    "helpful",
    "concise",
    "polite",
    "and",
    "grounded",
    "in",
    "the",
    "conversation",
    "consider",
    "tone",
    "safety",
    "factual",
    "claims",
    "tool",
    "usage",
    "and",
    "format",
    "of",
    "the",
    "reply",
]


Prompts = Literal["prose", "jinja"]
PROMPTS: tuple[Prompts, ...] = ("prose", "jinja")

# Blocks a prompt may hold besides prose, each reading platform variables only.
_BLOCKS = [
    "{% if properties.locale %}\nThe customer writes from {{ properties.locale }}.\n{% endif %}",
    "{% if available_tools %}\nTools the assistant had:\n{{ available_tools }}\n{% else %}\n"
    "The assistant had no tools.\n{% endif %}",
    "{% for line in conversation_history %}\n- {{ line }}\n{% endfor %}",
    "{% if system_prompt %}\nThe assistant was told:\n{{ system_prompt | trim }}\n{% endif %}",
]


def judge_name(index: int) -> str:
    return f"bench-judge-{index:05d}"


def definition(index: int, changed: bool = False, prompts: Prompts = "jinja") -> dict[str, Any]:
    """The create/update body of judge `index`; `changed` gives its edited version.

    Half of the edits touch the description, half the instructions (so plan
    also diffs long texts).
    """
    rng = random.Random(index)
    instructions = _instructions(rng, rng.randint(200, 3000), blocks=prompts == "jinja")
    description = f"Synthetic benchmark judge number {index}."
    if changed and index % 2 == 0:
        description += " Edited."
    elif changed:
        instructions = instructions.replace("assess", "evaluate", 1) + "Be strict.\n"
    output: dict[str, Any]
    if index % 2 == 0:
        output = {
            "type": "CLASSIFICATION",
            "options": [
                {"value": "pass", "description": "Meets the bar."},
                {"value": "fail", "description": "Falls short."},
            ],
        }
    else:
        output = {
            "type": "REGRESSION",
            "min": 1.0,
            "min_description": "Useless.",
            "max": 5.0,
            "max_description": "Perfect.",
        }
    return {
        "name": judge_name(index),
        "description": description,
        "model_name": "mistral-small-latest" if index % 3 else "mistral-medium-latest",
        "instructions": instructions,
        "output": output,
        "tools": [],
    }


def _instructions(rng: random.Random, length: int, blocks: bool) -> str:
    """Prose in lines of about 70 characters that quotes the conversation once,
    as real judge prompts do; each line ends in a newline, none in a space.
    With `blocks`, one to three `{% %}` blocks come among the prose."""
    lines = ["User message:", "{{ user_message }}", "Assistant answer:", "{{ assistant_message }}"]
    if blocks:
        lines.extend(rng.sample(_BLOCKS, rng.randint(1, 3)))
    size = sum(len(line) + 1 for line in lines)
    while size < length:
        line = " ".join(rng.choice(_WORDS) for _ in range(10))
        lines.append(line)
        size += len(line) + 1
    return "\n".join(lines) + "\n{{ answer_type_definition }}\n"


def write_specs(
    directory: Path, indexes: Iterable[int], changed: Iterable[int] = (), prompts: Prompts = "jinja"
) -> None:
    """One YAML file per judge, instructions as a literal block (as people write them)."""
    directory.mkdir(parents=True)
    edited = set(changed)
    for index in indexes:
        body = definition(index, changed=index in edited, prompts=prompts)
        (directory / f"{body['name']}.yaml").write_text(_spec_yaml(body), encoding="utf-8")


def _spec_yaml(body: dict[str, Any]) -> str:
    output = body["output"]
    lines = [
        f"name: {body['name']}",
        f"description: {body['description']}",
        f"model_name: {body['model_name']}",
        "instructions: |",
        *(f"  {line}" for line in body["instructions"].splitlines()),
        "output:",
        f"  type: {output['type']}",
    ]
    if output["type"] == "CLASSIFICATION":
        lines.append("  options:")
        for option in output["options"]:
            lines.append(f"    - value: {option['value']}")
            lines.append(f"      description: {option['description']}")
    else:
        for key in ("min", "min_description", "max", "max_description"):
            lines.append(f"  {key}: {output[key]}")
    lines.append("tools: []")
    return "\n".join(lines) + "\n"


def seed(api_url: str, api_key: str, indexes: Iterable[int], prompts: Prompts = "jinja") -> None:
    """Create the judges on the server (not measured), 32 at a time, through
    judgesync's client for its retries: a dropped connection must not end a
    long benchmark."""
    with JudgesClient(api_url, api_key) as client, ThreadPoolExecutor(32) as pool:

        def create(index: int) -> None:
            try:
                client.create_judge(
                    JudgeDefinition.model_validate(definition(index, prompts=prompts))
                )
            except ApiError as error:
                # A create retried after a lost answer finds its own judge: seeded all the same.
                if error.error_code != "JUDGE_NAME_ALREADY_EXISTS":
                    raise

        list(pool.map(create, indexes))
