"""What a run's live judging will cost, known before its first request.

A `JudgingCost` sums planned judgements: per judge, how many judging requests
and an estimate of their input tokens, the prompt each one sends (the judge's
instructions rendered for the conversation, specs/platform_prompt.py). `test`
plans its cases times repeat, `plan --replay` the proposed version once and the
current one `repeat` times (replay.py judges exactly these); any other source
of conversations adds its own with one `plus` call, and sampled production
traffic its upper bound (the sample size) with `plus_unread`, as its spans are
searched only after the budget allows the run. `within_budget` refuses a
run past judgesync.yaml's `review.max_judgements` before anything is sent.

Tokens are estimated as UTF-8 bytes / 4, rounded up per prompt (TOKEN_METHOD;
docs/review.md gives its measured error against Mistral's own tokenizer, and
why that is not a dependency). A template that does more than print the
platform's variables is not rendered here: it is untrusted, and a loop could
run for hours; its estimate is its text plus the variables' text, once.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from judgesync.errors import ConfigError
from judgesync.models import JudgeDefinition
from judgesync.plan.planner import ActionKind, Plan
from judgesync.specs import templates
from judgesync.specs.case import Case
from judgesync.specs.platform_prompt import platform_variables, render_prompt

TOKEN_METHOD = "utf-8 bytes / 4"
_BYTES_PER_TOKEN = 4


@dataclass(frozen=True)
class JudgeCost:
    """One judge's planned judgements."""

    name: str
    requests: int
    input_tokens: int
    # False for judgements whose conversations are not read yet (sampled traffic):
    # `requests` is then an upper bound and `input_tokens` 0.
    estimated: bool = True


@dataclass(frozen=True)
class JudgingCost:
    """Planned judgements by judge, in the order they were added."""

    judges: tuple[JudgeCost, ...] = ()
    method: str = TOKEN_METHOD

    @property
    def requests(self) -> int:
        return sum(judge.requests for judge in self.judges)

    @property
    def input_tokens(self) -> int:
        return sum(judge.input_tokens for judge in self.judges)

    def plus(
        self,
        name: str,
        definition: JudgeDefinition,
        conversations: Iterable[Mapping[str, Any]],
        times: int = 1,
    ) -> JudgingCost:
        """This cost and `times` judgements by `definition` of each conversation (a
        live-judging body: `messages` and `properties`), counted for judge `name`."""
        bodies = list(conversations)
        tokens = sum(prompt_tokens(definition, body) for body in bodies) * times
        added = JudgeCost(name, len(bodies) * times, tokens)
        merged = [judge for judge in self.judges if judge.name != name]
        previous = next((judge for judge in self.judges if judge.name == name), None)
        if previous is not None:
            added = JudgeCost(
                name, previous.requests + added.requests, previous.input_tokens + tokens
            )
            merged.insert(self.judges.index(previous), added)
        else:
            merged.append(added)
        return JudgingCost(tuple(merged), self.method)

    def plus_unread(self, name: str, requests: int) -> JudgingCost:
        """This cost and at most `requests` judgements of conversations not read yet
        (`plan --replay --traffic`: the sample size, before any span is searched),
        counted against the budget; their tokens are not estimated."""
        return JudgingCost(
            (*self.judges, JudgeCost(name, requests, 0, estimated=False)), self.method
        )


def prompt_tokens(definition: JudgeDefinition, conversation: Mapping[str, Any]) -> int:
    """The estimated input tokens of judging `conversation` with `definition`."""
    messages = conversation.get("messages") or []
    properties = conversation.get("properties") or {}
    output = definition.output.model_dump(mode="json")
    source = definition.instructions
    if templates.needs_parser(source):
        variables = platform_variables(messages, properties, output)
        text = source + json.dumps(variables, ensure_ascii=False, default=str)
    else:
        text = render_prompt(source, output, messages, properties)
    return math.ceil(len(text.encode("utf-8", errors="surrogatepass")) / _BYTES_PER_TOKEN)


def cost_of_tests(
    remote: Mapping[str, JudgeDefinition], cases_by_judge: Mapping[str, Sequence[Case]], repeat: int
) -> JudgingCost:
    """`test`'s judgements: each case of a judge found in `remote` (by name), `repeat` times."""
    cost = JudgingCost()
    for name, cases in cases_by_judge.items():
        if name in remote:
            cost = cost.plus(name, remote[name], [case.request() for case in cases], repeat)
    return cost


def cost_of_replay(
    plan: Plan, cases_by_judge: Mapping[str, Sequence[Case]], repeat: int
) -> JudgingCost:
    """`plan --replay`'s judgements: per created or updated judge with cases, the
    proposed version once and the current one (updates only) `repeat` times."""
    cost = JudgingCost()
    for action in plan.changes:
        cases = cases_by_judge.get(action.name, ())
        if action.kind not in (ActionKind.CREATE, ActionKind.UPDATE) or action.desired is None:
            continue
        if not cases:
            continue
        bodies = [case.request() for case in cases]
        cost = cost.plus(action.name, action.desired, bodies)
        if action.remote is not None:
            cost = cost.plus(action.name, action.remote.definition, bodies, repeat)
    return cost


def within_budget(cost: JudgingCost, max_judgements: int | None) -> None:
    """Raise ConfigError, before anything is sent, when `cost` is over the budget."""
    if max_judgements is None or cost.requests <= max_judgements:
        return
    over = cost.requests - max_judgements
    raise ConfigError(
        f"This run would send {cost.requests} judging requests, {over} over"
        f" review.max_judgements ({max_judgements}) in judgesync.yaml; nothing was sent."
        " Raise the budget, choose fewer judges with --only, or lower --repeat."
    )
