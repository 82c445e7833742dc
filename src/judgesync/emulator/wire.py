"""Turn raw request bodies and query strings into plain, validated data.

Everything here raises `ApiRefusal` (4xx) for bad input and never anything
else, so no malformed request can reach the storage or turn into a 500.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from judgesync.emulator.refusals import ApiRefusal, validation_error
from judgesync.specs import templates
from judgesync.specs.platform_prompt import regression_range

MAX_BODY_BYTES = 1024 * 1024
DEFAULT_PAGE_SIZE = 50
OUTPUT_TYPES = ("CLASSIFICATION", "REGRESSION")


class _Body(BaseModel):
    # Strict: a number is not a string, "1" is not a number; unknown keys are refused.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class _Option(_Body):
    value: str
    description: str


class _Classification(_Body):
    type: Literal["CLASSIFICATION"]
    options: list[_Option]


class _Regression(_Body):
    type: Literal["REGRESSION"]
    min: float | None = None
    min_description: str
    max: float | None = None
    max_description: str


class _JudgeBody(_Body):
    name: str
    description: str
    model_name: str
    instructions: str
    output: Annotated[_Classification | _Regression, Field(discriminator="type")]
    tools: list[str]


@dataclass(frozen=True)
class Conversation:
    messages: list[dict[str, Any]]
    properties: dict[str, Any]


@dataclass(frozen=True)
class ListQuery:
    page: int
    page_size: int
    q: str | None
    type_filter: frozenset[str]
    model_filter: frozenset[str]


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _may_hold_surrogates(raw: bytes) -> bool:
    """False when no string in `raw` can hold a surrogate: it is plain UTF-8 (ASCII without
    the NUL bytes of UTF-16/32) with no \\uD800-\\uDFFF escape. Then parse_json skips
    re-encoding the value, about 5% of a create's CPU."""
    return not raw.isascii() or b"\x00" in raw or _SURROGATE_ESCAPE.search(raw) is not None


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    # 1e999 parses as infinity, which no response could carry back as JSON.
    if not math.isfinite(number):
        raise ValueError(f"{text} is too large for a JSON number")
    return number


def parse_json(raw: bytes) -> Any:
    """The JSON value of a body; refuses NaN/Infinity, numbers that overflow to infinity
    and text that cannot round-trip as UTF-8."""
    try:
        value = json.loads(raw, parse_constant=_reject_constant, parse_float=_finite_float)
        # Lone surrogates ("\ud800") parse but cannot be stored or sent back.
        if _may_hold_surrogates(raw):
            json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (ValueError, RecursionError, UnicodeError) as error:
        raise validation_error(f"The request body is not valid JSON: {error}") from None
    return value


def field_errors(error: ValidationError) -> str:
    parts = []
    for item in error.errors()[:5]:
        where = ".".join(str(part) for part in item["loc"]) or "body"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def parse_judge_definition(raw: bytes) -> dict[str, Any]:
    """A create/update body as the plain dict to store: what was sent, min/max as floats."""
    return judge_definition_from(parse_json(raw))


def judge_definition_from(value: Any, where: str = "") -> dict[str, Any]:
    """A parsed judge definition (a body, or `where` inside one) as the plain dict to store."""
    if not isinstance(value, dict):
        raise validation_error(f"{where or 'The request body'} must be a JSON object.")
    try:
        body = _JudgeBody.model_validate(value)
    except ValidationError as error:
        raise validation_error(f"Invalid judge: {where}{field_errors(error)}") from None
    _check_semantics(body)
    # check() answers the common all-platform-variables prompt without Jinja's parser.
    problem = templates.check(body.instructions).syntax
    if problem is not None:
        raise ApiRefusal(
            400,
            "TEMPLATE_SYNTAX_ERROR",
            f"{where}instructions: line {problem.line}: {problem.message}",
        )
    # exclude_unset keeps an omitted regression min/max omitted, as it was sent.
    return body.model_dump(mode="json", exclude_unset=True)


def _check_semantics(body: _JudgeBody) -> None:
    if not body.name.strip():
        raise validation_error("name: must not be empty.")
    output = body.output
    if isinstance(output, _Classification):
        if not output.options:
            raise validation_error("output.options: a classification needs at least one option.")
        values = [option.value for option in output.options]
        duplicates = sorted({value for value in values if values.count(value) > 1})
        if duplicates:
            raise validation_error(f"output.options: duplicate option values {duplicates}.")
    else:
        low, high = regression_range(body.model_dump(mode="json")["output"])
        if low >= high:
            raise validation_error(f"output.min: min ({low}) must be less than max ({high}).")


def _conversation_error(message: str) -> ApiRefusal:
    return ApiRefusal(422, "JUDGE_CONVERSATION_FORMAT_ERROR", message)


def parse_conversation(raw: bytes) -> Conversation:
    value = parse_json(raw)
    if not isinstance(value, dict):
        raise _conversation_error("The request body must be a JSON object.")
    unknown = sorted(set(value) - {"messages", "properties"})
    if unknown:
        raise _conversation_error(f"Unknown fields: {unknown}.")
    return conversation_from(value.get("messages"), value.get("properties"), _conversation_error)


def conversation_from(
    messages: Any, properties: Any, refusal: Callable[[str], ApiRefusal]
) -> Conversation:
    """Messages and properties as a conversation to judge, or `refusal(why)` raised."""
    if not isinstance(messages, list) or not messages:
        raise refusal("messages: must be a non-empty list of messages.")
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            raise refusal(f"messages.{index}: must be an object.")
        for key in ("role", "content"):
            if not isinstance(message.get(key), str):
                raise refusal(f"messages.{index}.{key}: must be a string.")
    if properties is not None and not isinstance(properties, dict):
        raise refusal("properties: must be an object or null.")
    return Conversation(messages=messages, properties=properties or {})


def parse_judge_id(judge_id: str) -> str:
    """The canonical (lower-case, hyphenated) form of a judge id, which must be a UUID."""
    return parse_uuid("judge_id", judge_id)


def parse_uuid(field: str, text: str) -> str:
    """The canonical (lower-case, hyphenated) form of a UUID; 422 naming `field` if not one."""
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise validation_error(f"{field}: {text!r} is not a UUID.") from None


def positive_int(name: str, values: Sequence[str], default: int) -> int:
    if not values:
        return default
    try:
        number = int(values[-1])
    except ValueError:
        raise validation_error(f"{name}: {values[-1]!r} is not an integer.") from None
    if number < 1:
        raise validation_error(f"{name}: must be at least 1.")
    return number


def parse_page(params: Mapping[str, Sequence[str]], max_page_size: int) -> tuple[int, int]:
    """(page, page_size) of a list request; a page_size above the maximum is clamped to it,
    not refused."""
    page = positive_int("page", params.get("page", ()), 1)
    page_size = positive_int("page_size", params.get("page_size", ()), DEFAULT_PAGE_SIZE)
    return page, min(page_size, max_page_size)


def last_value(params: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = params.get(name, ())
    return values[-1] if values else None


def parse_list_query(params: Mapping[str, Sequence[str]], max_page_size: int) -> ListQuery:
    """List parameters of judges."""
    types = frozenset(params.get("type_filter", ()))
    unknown_types = sorted(types - set(OUTPUT_TYPES))
    if unknown_types:
        raise validation_error(f"type_filter: {unknown_types} is not one of {list(OUTPUT_TYPES)}.")
    page, page_size = parse_page(params, max_page_size)
    return ListQuery(
        page=page,
        page_size=page_size,
        q=last_value(params, "q"),
        type_filter=types,
        model_filter=frozenset(params.get("model_filter", ())),
    )
