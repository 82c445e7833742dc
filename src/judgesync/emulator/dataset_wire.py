"""Dataset and record request bodies → validated plain data; stored records → conversations.

Like wire.py, everything here raises `ApiRefusal` (4xx) for bad input and
nothing else. The bodies are the SDK 3.7.0 request models (CreateDatasetRequest,
UpdateDatasetRequest, CreateDatasetRecordRequest, the payload and properties
updates, DeleteDatasetRecordsRequest, JudgeDatasetRecordRequest).
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from judgesync.emulator.dataset_storage import NewRecord, StoredRecord
from judgesync.emulator.refusals import ApiRefusal, validation_error
from judgesync.emulator.wire import (
    Conversation,
    conversation_from,
    field_errors,
    judge_definition_from,
    parse_json,
    parse_uuid,
)

# What a caller may declare when it creates a record (CreateDatasetRecordRequestSource);
# EXPLORER, UPLOADED_FILE and PLAYGROUND records come from the platform's own imports.
CreatedRecordSource = Literal["DIRECT_INPUT", "TELEMETRY_SPAN"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class _NewDataset(_Body):
    name: str
    description: str


class _DatasetChanges(_Body):
    name: str | None = None
    description: str | None = None


class _NewRecord(_Body):
    payload: dict[str, Any]
    properties: dict[str, Any] | None = None
    source: CreatedRecordSource = "DIRECT_INPUT"


class _Payload(_Body):
    payload: dict[str, Any]


class _Properties(_Body):
    properties: dict[str, Any]


class _RecordIds(_Body):
    dataset_record_ids: list[str]


_Model = TypeVar("_Model", bound=_Body)


def _validated(model: type[_Model], raw: bytes, what: str) -> _Model:
    value = parse_json(raw)
    if not isinstance(value, dict):
        raise validation_error("The request body must be a JSON object.")
    try:
        return model.model_validate(value)
    except ValidationError as error:
        raise validation_error(f"Invalid {what}: {field_errors(error)}") from None


def _named(name: str) -> str:
    if not name.strip():
        raise validation_error("name: must not be empty.")
    return name


def parse_new_dataset(raw: bytes) -> tuple[str, str]:
    """(name, description) of a dataset to create."""
    body = _validated(_NewDataset, raw, "dataset")
    return _named(body.name), body.description


def parse_dataset_changes(raw: bytes) -> tuple[str | None, str | None]:
    """(name, description) of a PATCH, None for a field left as it is (absent or null)."""
    body = _validated(_DatasetChanges, raw, "dataset change")
    return (None if body.name is None else _named(body.name)), body.description


def parse_new_record(raw: bytes) -> NewRecord:
    body = _validated(_NewRecord, raw, "dataset record")
    return NewRecord(payload=body.payload, properties=body.properties or {}, source=body.source)


def parse_payload(raw: bytes) -> dict[str, Any]:
    return _validated(_Payload, raw, "payload update").payload


def parse_properties(raw: bytes) -> dict[str, Any]:
    return _validated(_Properties, raw, "properties update").properties


def parse_record_ids(raw: bytes) -> list[str]:
    """The canonical ids of a bulk delete."""
    ids = _validated(_RecordIds, raw, "bulk delete").dataset_record_ids
    return [parse_uuid(f"dataset_record_ids.{index}", text) for index, text in enumerate(ids)]


def parse_record_judging(raw: bytes) -> dict[str, Any]:
    """The inline judge definition of a record judging request, as a judge's would be stored."""
    value = parse_json(raw)
    if not isinstance(value, dict):
        raise validation_error("The request body must be a JSON object.")
    unknown = sorted(set(value) - {"judge_definition"})
    if unknown:
        raise validation_error(f"Unknown fields: {unknown}.")
    if "judge_definition" not in value:
        raise validation_error("judge_definition: field required.")
    return judge_definition_from(value["judge_definition"], where="judge_definition.")


def _record_format_error(message: str) -> ApiRefusal:
    return ApiRefusal(
        422, "DATASET_RECORD_FORMAT_ERROR", f"The record is not a conversation: payload.{message}"
    )


def record_conversation(record: StoredRecord) -> Conversation:
    """A record as the conversation to judge: its payload's `messages`, its properties.
    Other payload keys are left alone."""
    messages = record.payload.get("messages")
    return conversation_from(messages, record.properties, _record_format_error)
