"""What went wrong with a request, in whole sentences: error answers of any shape
(tolerantly read), transport failures named for what they are, the key scrubbed."""

from __future__ import annotations

import socket
import ssl
from typing import Any

import httpx

from judgesync.redact import redact
from judgesync.remote.retry import (
    RETRYABLE_STATUS_CODES,
    RETRYABLE_TRANSPORT_ERRORS,
    lasting_cause,
    refused,
)
from judgesync.words import counted

_MAX_MESSAGE_LENGTH = 300


def scrub_key(text: str, key: str) -> str:
    """`text` without the API key, for text that came from a server or an exception."""
    return redact(text, key)


def refusal(response: httpx.Response, attempts: int, key_env: str) -> tuple[str, str | None]:
    """(message, error_code) for an error answer, not yet scrubbed."""
    message, error_code = _read_error_body(response)
    if response.status_code == 401:
        message = (
            "The API refused the request as unauthenticated: the API key is missing "
            f"or wrong. Set {key_env} to a valid key."
        )
    elif response.status_code == 403:
        message = (
            "The API refused the request: the API key is wrong or has no access to "
            f"this workspace. Check {key_env}."
        )
    elif response.status_code in RETRYABLE_STATUS_CODES and attempts > 1:
        message = f"{message} (still failing after {attempts} attempts; try again later)"
    return message, error_code


def transport_failure(
    error: httpx.TransportError, attempts: int, base_url: str, url_source: str | None
) -> str:
    """The message for a request that got no answer, not yet scrubbed. `url_source`
    names where the URL was set (None: nowhere, it is the default), so that the hint
    points at what the user typed, or says that they typed nothing."""
    cause = lasting_cause(error)
    reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    if isinstance(cause, socket.gaierror):
        known = f"The host of {base_url} is not known to the name resolver ({cause.strerror})."
        if url_source is None:
            return (
                f"{known} It is the default URL (no --api-url, JUDGESYNC_API_URL or"
                " judgesync.yaml target is set): check this machine's DNS and network."
            )
        return f"{known} Check {url_source} for a typo."
    check = "Check" if url_source is None else f"Check {url_source} and"
    if isinstance(cause, ssl.SSLCertVerificationError):
        return (
            f"The server's certificate is not trusted: {cause.verify_message or _tls_reason(cause)}"
            f" ({base_url}). If it is signed by a private certificate authority,"
            " point SSL_CERT_FILE at that authority's certificate."
        )
    if cause is not None:
        return (
            f"The TLS handshake with {base_url} was refused ({_tls_reason(cause)})."
            " Check that the server speaks https on that port, or use http://."
        )
    if not isinstance(error, RETRYABLE_TRANSPORT_ERRORS):
        return (
            f"The request to {base_url} could not be sent ({reason}). {check} the proxy settings."
        )
    tries = counted(attempts, "attempt")
    if refused(error):
        return (
            f"Nothing is listening at {base_url}: the connection was refused ({tries})."
            f" {check} that the server is running on that port."
        )
    return (
        f"Could not reach the judges API at {base_url} after {tries} ({reason})."
        f" {check} the network."
    )


def json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:  # includes JSONDecodeError and undecodable bytes
        return None


def _read_error_body(response: httpx.Response) -> tuple[str, str | None]:
    """(message, error_code) from an error answer of any shape.

    The documented shape is `{"detail": {"message", "error_code"}}`; FastAPI
    also answers `{"detail": "text"}` and `{"detail": [validation errors]}`,
    and gateways answer plain text, HTML or nothing at all.
    """
    body = json_or_none(response)
    detail = body.get("detail", body) if isinstance(body, dict) else body
    message: object = None
    error_code: str | None = None
    if isinstance(detail, dict):
        message = detail.get("message")
        code = detail.get("error_code")
        error_code = code if isinstance(code, str) and code else None
    elif isinstance(detail, list):
        message = "; ".join(_describe_validation_item(item) for item in detail)
    elif isinstance(detail, str):
        message = detail
    elif body is None:
        text = response.text.strip()
        if text and not text.startswith("<"):  # plain text, not an HTML error page
            message = text.splitlines()[0]
    if not isinstance(message, str) or not message.strip():
        reason = response.reason_phrase or "Error"
        message = f"{reason} (the API gave no further explanation)"
    return _shorten(message.strip()), error_code


def _describe_validation_item(item: object) -> str:
    if not isinstance(item, dict):
        return str(item)
    location = item.get("loc")
    where = ".".join(str(part) for part in location) if isinstance(location, list) else ""
    text = str(item.get("msg", "invalid"))
    return f"{where}: {text}" if where else text


def _shorten(text: str) -> str:
    if len(text) <= _MAX_MESSAGE_LENGTH:
        return text
    return text[: _MAX_MESSAGE_LENGTH - 1] + "…"


def _tls_reason(error: ssl.SSLError) -> str:
    # OpenSSL's reason, "WRONG_VERSION_NUMBER", reads as "wrong version number".
    return error.reason.replace("_", " ").lower() if error.reason else str(error)
