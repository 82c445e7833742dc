"""The errors the emulator answers, as one exception carrying status and body.

Every error response, whatever raised it, has the contract's body
`{"detail": {"message": str, "error_code": str | null}}`; the `error_code` key
is always present because the official SDK cannot parse the body without it.
"""

from __future__ import annotations

from typing import Any


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


def name_taken(name: str) -> ApiRefusal:
    return ApiRefusal(
        409,
        "JUDGE_NAME_ALREADY_EXISTS",
        f"A judge named {name!r} already exists in this workspace.",
    )


def superseded(judge_id: str, newer_id: str) -> ApiRefusal:
    return ApiRefusal(
        409,
        "JUDGE_ALREADY_HAS_NEW_VERSION",
        f"Judge {judge_id} has a newer revision {newer_id}; change that one instead.",
    )


def validation_error(message: str) -> ApiRefusal:
    return ApiRefusal(422, "VALIDATION_ERROR", message)
