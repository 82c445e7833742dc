"""The signature of a saved plan: only a holder of the target's API key can make
or change a plan that `apply --plan` accepts.

Two keys are derived from the API key with HKDF-SHA256 (RFC 5869, no salt),
each for one purpose named in its `info` label; neither is the key, and
nothing a plan file holds lets anyone compute them without it.

- `signature`: `hmac-sha256:` and the HMAC, keyed by the signing key, of the
  canonical JSON of the document without `signature` (keys sorted, no
  spaces, UTF-8): every field, every action.
- `key_fingerprint`: 12 hex digits of the HMAC, keyed by the fingerprint key,
  of the plan's random `salt`. It only tells "made with another key" from
  "altered" when a signature fails; a fingerprint copied from another plan
  proves nothing, and the signature alone decides.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from pathlib import Path
from typing import Any

from judgesync.errors import PlanError

PREFIX = "hmac-sha256:"
_SIGNING = b"judgesync plan signature"
_FINGERPRINT = b"judgesync plan key fingerprint"


def signed(document: dict[str, Any], api_key: str) -> dict[str, Any]:
    """`document` with a fresh salt, its key fingerprint and its signature."""
    salt = secrets.token_hex(16)
    body = {**document, "salt": salt, "key_fingerprint": fingerprint(api_key, salt)}
    return {**body, "signature": _signature(body, api_key)}


def check(document: dict[str, Any], api_key: str, path: Path) -> None:
    """Raise PlanError, in one line naming `path`, unless `document` carries a
    signature made with `api_key` over exactly its content."""
    given = document.get("signature")
    if not isinstance(given, str) or not given:
        raise PlanError(
            f"{path}: the plan is not signed, so it may not be what plan wrote; nothing was"
            " changed. Run plan --out again and apply that plan."
        )
    if hmac.compare_digest(given, _signature(document, api_key)):
        return
    salt = document.get("salt")
    same_key = isinstance(salt, str) and hmac.compare_digest(
        str(document.get("key_fingerprint")), fingerprint(api_key, salt)
    )
    if same_key:
        raise PlanError(
            f"{path}: the plan was altered after plan wrote it (its signature does not match"
            " its content); nothing was changed. Run plan --out again and review it."
        )
    raise PlanError(
        f"{path}: the plan was not signed with this target's API key (or was altered since);"
        " nothing was changed. Apply it with the key it was made with, or run plan again."
    )


def fingerprint(api_key: str, salt: str) -> str:
    return hmac.new(_derive(api_key, _FINGERPRINT), salt.encode(), hashlib.sha256).hexdigest()[:12]


def canonical(document: dict[str, Any]) -> bytes:
    """What the signature covers: every field but the signature, in one spelling."""
    unsigned = {key: value for key, value in document.items() if key != "signature"}
    return json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _signature(document: dict[str, Any], api_key: str) -> str:
    mac = hmac.new(_derive(api_key, _SIGNING), canonical(document), hashlib.sha256)
    return PREFIX + mac.hexdigest()


def _derive(api_key: str, info: bytes) -> bytes:
    """HKDF-SHA256 with no salt, one 32-byte block of output for `info`."""
    pseudorandom = hmac.new(b"\0" * hashlib.sha256().digest_size, api_key.encode(), hashlib.sha256)
    return hmac.new(pseudorandom.digest(), info + b"\x01", hashlib.sha256).digest()
