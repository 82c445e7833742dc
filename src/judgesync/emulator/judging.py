"""Live judging's two halves: render the judge's instructions, and the hash rule's verdict.

`render_instructions` runs in a worker process with a time and memory budget
(judging_pool.py) and refuses templates that fail (TEMPLATE_ERROR), as the
service would. Its text is the prompt when a model judges (model_judging.py);
without a model, `hash_verdict` answers and no model is called. That answer is a pure function of
what a verdict may depend on: the judge's instructions and output (options, or
range and its descriptions) and the conversation's messages and properties,
whether or not the template reads them. Their SHA-256 (of canonical JSON), read
as a 256-bit integer `h`, picks option `h % len(options)` of a classification
judge, or the number `min + (h / 2**256) * (max - min)` (rounded to 4 decimals,
inside the range) for a regression judge. The same judge and conversation
always get the same answer; editing the judge or the conversation may change it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from judgesync.emulator.limits import RENDER_MEMORY_BYTES
from judgesync.emulator.refusals import ApiRefusal
from judgesync.emulator.wire import Conversation
from judgesync.specs.platform_prompt import regression_range, render_prompt


def template_error(message: str) -> ApiRefusal:
    return ApiRefusal(400, "TEMPLATE_ERROR", message)


def verdict_digest(definition: Mapping[str, Any], conversation: Conversation) -> str:
    """SHA-256 of everything a verdict depends on, as canonical JSON (sorted keys)."""
    judged = {
        "instructions": definition["instructions"],
        "output": definition["output"],
        "messages": conversation.messages,
        "properties": conversation.properties,
    }
    canonical = json.dumps(judged, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", errors="surrogatepass")).hexdigest()


def render_instructions(definition: Mapping[str, Any], conversation: Conversation) -> str:
    """The judge's instructions rendered for one conversation; refuses templates that fail."""
    try:
        return render_prompt(
            definition["instructions"],
            definition["output"],
            conversation.messages,
            conversation.properties,
        )
    except MemoryError:
        # Raised by the worker's address-space cap (judging_worker.py).
        raise template_error(
            f"The instructions need more than {RENDER_MEMORY_BYTES // 2**20} MiB to render;"
            " build smaller strings and lists."
        ) from None
    except Exception as error:  # a sandbox violation or any runtime error in the template
        raise template_error(f"The instructions failed to render: {error}") from None


def hash_verdict(definition: Mapping[str, Any], conversation: Conversation) -> dict[str, Any]:
    """The hash rule's `JudgeOutput` body: no model is called."""
    output = definition["output"]
    digest = verdict_digest(definition, conversation)
    pick = int(digest, 16)
    if output["type"] == "CLASSIFICATION":
        answer: str | float = output["options"][pick % len(output["options"])]["value"]
    else:
        low, high = regression_range(output)
        fraction = pick / 2**256
        # Weighted sum rather than low + f * (high - low): high - low can overflow to inf.
        answer = min(high, max(low, round(low * (1 - fraction) + high * fraction, 4)))
    return {
        "analysis": (
            "Emulated verdict: no model was called, and the answer says nothing about"
            " quality. It was derived from the SHA-256 of the judge's instructions and"
            f" output and the conversation's messages and properties ({digest[:12]}…)."
        ),
        "answer": answer,
    }
