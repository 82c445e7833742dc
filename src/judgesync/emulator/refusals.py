"""The errors the emulator answers, as one exception carrying status and body.

Every error response, whatever raised it, has the contract's body
`{"detail": {"message": str, "error_code": str | null}}`; the `error_code` key
is always present because the official SDK cannot parse the body without it.
The storage raises its own errors (`storage_errors`); `refusal_for` is
the one place that decides how the API answers each.
"""

from __future__ import annotations

from typing import Any

from judgesync.emulator.storage_errors import (
    DatasetNotFound,
    JudgeNotFound,
    LockedByCampaign,
    NameTaken,
    RecordNotFound,
    StorageError,
    Superseded,
    Unchanged,
)


class ApiRefusal(Exception):
    """A request the emulator answers with an error status and the contract's error body."""

    def __init__(
        self,
        status: int,
        error_code: str | None,
        message: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.headers = headers or {}


def error_body(message: str, error_code: str | None) -> dict[str, Any]:
    return {"detail": {"message": message, "error_code": error_code}}


def judge_not_found(judge_id: str) -> ApiRefusal:
    return ApiRefusal(404, "JUDGE_NOT_FOUND", f"Judge {judge_id} was not found.")


def refusal_for(error: StorageError) -> ApiRefusal:
    """The API's answer to what the storage refused."""
    match error:
        case JudgeNotFound():
            return judge_not_found(error.judge_id)
        case Superseded():
            return ApiRefusal(
                409,
                "JUDGE_ALREADY_HAS_NEW_VERSION",
                f"Judge {error.judge_id} has a newer revision {error.newer_id};"
                " change that one instead.",
            )
        case Unchanged():
            return ApiRefusal(
                400,
                "JUDGE_DID_NOT_CHANGE",
                f"Judge {error.judge_id} already has exactly this content.",
            )
        case LockedByCampaign():
            return ApiRefusal(
                409,
                "JUDGE_USED_IN_CAMPAIGN_CANNOT_BE_UPDATED",
                f"Judge {error.judge_id} is used in a campaign and cannot be updated.",
            )
        case NameTaken(name=None):
            return ApiRefusal(
                409,
                "JUDGE_NAME_ALREADY_EXISTS",
                f"Live judges' names collide under name uniqueness {error.uniqueness!r};"
                " reset the emulator or delete one of them first.",
            )
        case NameTaken():
            return ApiRefusal(
                409,
                "JUDGE_NAME_ALREADY_EXISTS",
                f"A judge named {error.name!r} already exists in this workspace.",
            )
        case DatasetNotFound():
            return ApiRefusal(
                404, "DATASET_NOT_FOUND", f"Dataset {error.reference!r} was not found."
            )
        case RecordNotFound():
            return ApiRefusal(
                404,
                "DATASET_RECORD_NOT_FOUND",
                f"Dataset record(s) {', '.join(error.record_ids)} were not found.",
            )
    raise TypeError(f"No API answer is defined for {type(error).__name__}.")


def validation_error(message: str) -> ApiRefusal:
    return ApiRefusal(422, "VALIDATION_ERROR", message)
