"""Verdicts from a real model behind an OpenAI-compatible chat-completions endpoint.

    POST {url}/chat/completions
    {"model": M, "temperature": 0, "max_tokens": N, "response_format": ...,
     "messages": [{"role": "system", "content": SYSTEM_PROMPT},
                  {"role": "user", "content": <the judge's rendered instructions>}]}

`M` is `--judging-model`, else the judge's own `model_name`. The answer is
requested as structured output (verdict_schema.py) in one of two dialects:

- `json_schema`: `{"type": "json_schema", "json_schema": {"name", "strict", "schema"}}`,
  as OpenAI, Mistral, vLLM and Ollama read it;
- `json_object`: `{"type": "json_object", "schema": ...}`, as llama-cpp-python's
  server reads it (it refuses `json_schema`, and turns `schema` into a grammar);
  here `analysis` also gets a `maxLength`, which the grammar enforces, so a
  small local model cannot ramble until `max_tokens` cuts its answer off.

`auto` sends `json_schema` first; when the server refuses the request (400,
422 or 500) naming `response_format` or `json_schema`, the same request is sent
once as `json_object`, and whichever dialect answered is used from then on.

Failures answer as the platform would, with a status the SDK reads the body of:
a timeout 408 `JUDGE_MISTRAL_API_TIMEOUT`; an HTTP error, an unreachable server
or an answer that is not a valid verdict 400 `JUDGE_MISTRAL_API_ERROR`. The key
(`JUDGESYNC_JUDGING_API_KEY`, read by whoever builds the `JudgingModel`) is sent
as a Bearer token and nowhere else: not in messages, not in logs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from judgesync.emulator.fair_turns import FairTurns
from judgesync.emulator.limits import (
    ANALYSIS_MAX_CHARS,
    DEFAULT_JUDGING_CONCURRENCY,
    DEFAULT_JUDGING_TIMEOUT_SECONDS,
    DIALECTS,
    MAX_TOKENS,
    Dialect,
)
from judgesync.emulator.refusals import ApiRefusal
from judgesync.emulator.verdict_schema import InvalidAnswer, answer_schema, read_verdict

SYSTEM_PROMPT = (
    "You are an evaluator. Follow the instructions in the next message. Reply with one"
    ' JSON object: "analysis", your reasoning in a few sentences, then "answer", your'
    " verdict exactly as the instructions ask."
)


@dataclass(frozen=True)
class JudgingModel:
    """Where and how to ask a model for verdicts; `api_key` is never shown (repr too)."""

    url: str
    model: str | None = None
    api_key: str | None = None
    dialect: Dialect = "auto"
    concurrency: int = DEFAULT_JUDGING_CONCURRENCY
    timeout_seconds: float = DEFAULT_JUDGING_TIMEOUT_SECONDS

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                "The judging URL must be an http(s) URL of an OpenAI-compatible API,"
                " such as http://127.0.0.1:8080/v1."
            )
        if self.dialect not in DIALECTS:
            raise ValueError(f"The judging dialect must be one of {', '.join(DIALECTS)}.")
        if self.concurrency < 1 or not self.timeout_seconds > 0:  # NaN too
            raise ValueError("The judging concurrency and timeout must be positive.")

    def __repr__(self) -> str:
        return f"JudgingModel(url={self.url!r}, model={self.model!r}, dialect={self.dialect!r})"

    @property
    def endpoint(self) -> str:
        base = self.url.rstrip("/")
        return base if base.endswith("/chat/completions") else f"{base}/chat/completions"


def response_format(dialect: Dialect, schema: dict[str, Any]) -> dict[str, Any]:
    if dialect == "json_object":
        properties = schema["properties"]
        analysis = {**properties["analysis"], "maxLength": ANALYSIS_MAX_CHARS}
        return {
            "type": "json_object",
            "schema": {**schema, "properties": {**properties, "analysis": analysis}},
        }
    return {
        "type": "json_schema",
        "json_schema": {"name": "judge_output", "strict": True, "schema": schema},
    }


def _api_error(message: str) -> ApiRefusal:
    return ApiRefusal(400, "JUDGE_MISTRAL_API_ERROR", message)


class ModelJudge:
    """Asks the model for one verdict at a time per turn, `concurrency` turns at once."""

    def __init__(self, config: JudgingModel) -> None:
        self.config = config
        self._dialect: Dialect = config.dialect
        self._turns = FairTurns(config.concurrency)

    async def judge(
        self, definition: Mapping[str, Any], rendered: str, *, workspace: str
    ) -> dict[str, Any]:
        """The `JudgeOutput` body the model gives for the rendered instructions."""
        output = definition["output"]
        body: dict[str, Any] = {
            "model": self.config.model or definition["model_name"],
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": rendered},
            ],
            "temperature": 0,
            "max_tokens": MAX_TOKENS,
        }
        schema = answer_schema(output)
        async with self._turns.turn(workspace), self._client() as client:
            dialect: Dialect = "json_schema" if self._dialect == "auto" else self._dialect
            response = await self._post(
                client, {**body, "response_format": response_format(dialect, schema)}
            )
            if self._dialect == "auto" and _refuses_dialect(response):
                dialect = "json_object"
                response = await self._post(
                    client, {**body, "response_format": response_format(dialect, schema)}
                )
        if not response.is_success:
            raise _api_error(
                f"The judging model's server answered HTTP {response.status_code}:"
                f" {self._scrubbed(response.text)[:200]}"
            )
        if self._dialect == "auto":
            self._dialect = dialect
        try:
            return read_verdict(_content(response), output)
        except InvalidAnswer as error:
            raise _api_error(
                f"The judging model's answer is not a valid verdict: {error}."
            ) from None

    def _client(self) -> httpx.AsyncClient:
        # One client per verdict: a model answers in seconds, and nothing outlives the request.
        headers = {"Authorization": f"Bearer {self.config.api_key}"} if self.config.api_key else {}
        return httpx.AsyncClient(headers=headers, timeout=self.config.timeout_seconds)

    async def _post(self, client: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
        try:
            return await client.post(self.config.endpoint, json=body)
        except httpx.TimeoutException:
            raise ApiRefusal(
                408,
                "JUDGE_MISTRAL_API_TIMEOUT",
                f"The judging model did not answer within {self.config.timeout_seconds:g} s.",
            ) from None
        except httpx.HTTPError as error:
            raise _api_error(
                f"The judging model's server could not be reached ({type(error).__name__})."
            ) from None

    def _scrubbed(self, text: str) -> str:
        key = self.config.api_key
        return text.replace(key, "***") if key else text


def _refuses_dialect(response: httpx.Response) -> bool:
    if response.status_code not in (400, 422, 500):
        return False
    return "response_format" in response.text or "json_schema" in response.text


def _content(response: httpx.Response) -> str:
    """The first choice's message content; InvalidAnswer when the body has none."""
    try:
        choice = response.json()["choices"][0]
        content = choice["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise InvalidAnswer("the server's body is not a chat completion") from None
    if choice.get("finish_reason") == "length":
        raise InvalidAnswer(f"it was cut off at {MAX_TOKENS} tokens")
    if not isinstance(content, str):
        raise InvalidAnswer("its message has no text content")
    return content
