"""The body of `POST .../imports/from-spans` → a validated `SpanImport`.

The SDK 3.7.0 `ImportDatasetFromSpansRequest`: `span_references` [{trace_id, span_id}]
and `mapping_contract` {version: 1, mappings: [{target_field, source_field:
{namespace, key}}]}. Like wire.py, everything here raises `ApiRefusal` (422) for bad
input and nothing else.

A `target_field` is a literal top-level key of the record's payload, as the SDK says,
except that `properties.<key>` puts the value into the record's properties (what
`{{ properties.* }}` renders), the emulator's addition. Refused: an empty key,
`messages` (the conversation the import builds), `properties.trace_id` and
`properties.span_id` (set by the import), and a target named twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from judgesync.emulator.refusals import validation_error
from judgesync.emulator.wire import field_errors, parse_json

PROPERTIES_PREFIX = "properties."
CONVERSATION_KEY = "messages"
TRACE_ID_PROPERTY = "trace_id"
SPAN_ID_PROPERTY = "span_id"

Namespace = Literal["span_attributes", "resource_attributes"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class _Reference(_Body):
    trace_id: str
    span_id: str


class _Source(_Body):
    namespace: Namespace
    key: str


class _Mapping(_Body):
    target_field: str
    source_field: _Source


class _Contract(_Body):
    version: Literal[1] = 1
    mappings: list[_Mapping]


class _Request(_Body):
    span_references: list[_Reference]
    mapping_contract: _Contract


@dataclass(frozen=True)
class SpanReference:
    trace_id: str
    span_id: str


@dataclass(frozen=True)
class FieldMapping:
    """Copy attribute `key` of `namespace` to `key` of the record's payload or properties."""

    target: Literal["payload", "properties"]
    target_key: str
    namespace: Namespace
    source_key: str


@dataclass(frozen=True)
class SpanImport:
    references: tuple[SpanReference, ...]
    mappings: tuple[FieldMapping, ...]


def _mapping(index: int, mapping: _Mapping) -> FieldMapping:
    where = f"mapping_contract.mappings.{index}.target_field"
    target_field = mapping.target_field
    if target_field.startswith(PROPERTIES_PREFIX):
        key = target_field.removeprefix(PROPERTIES_PREFIX)
        if key in (TRACE_ID_PROPERTY, SPAN_ID_PROPERTY):
            raise validation_error(f"{where}: {target_field!r} is set by the import itself.")
        target: Literal["payload", "properties"] = "properties"
    else:
        key = target_field
        if key == CONVERSATION_KEY:
            raise validation_error(
                f"{where}: 'messages' is the conversation the import builds from the span's"
                " GenAI messages; map to another key."
            )
        target = "payload"
    if not key.strip():
        raise validation_error(f"{where}: {target_field!r} names no key.")
    return FieldMapping(target, key, mapping.source_field.namespace, mapping.source_field.key)


def parse_span_import(raw: bytes) -> SpanImport:
    value = parse_json(raw)
    if not isinstance(value, dict):
        raise validation_error("The request body must be a JSON object.")
    try:
        body = _Request.model_validate(value)
    except ValidationError as error:
        raise validation_error(f"Invalid import from spans: {field_errors(error)}") from None
    mappings = tuple(_mapping(i, m) for i, m in enumerate(body.mapping_contract.mappings))
    targets = [(m.target, m.target_key) for m in mappings]
    for index, target in enumerate(targets):
        if target in targets[:index]:
            raise validation_error(
                f"mapping_contract.mappings.{index}.target_field: "
                f"{body.mapping_contract.mappings[index].target_field!r} is mapped twice."
            )
    references = tuple(
        # Ids are hex: the store keeps them lower-case, as OTLP/JSON and protobuf give them.
        SpanReference(reference.trace_id.lower(), reference.span_id.lower())
        for reference in body.span_references
    )
    return SpanImport(references, mappings)
