"""The running emulator's state: settings, storage, faults, and who may call it.

An `Emulator` is what the app serves and what tests and admin endpoints
poke: `configure`, `reset`, `lock_for_campaign`. API keys are only ever kept
as SHA-256 hashes; a workspace id is derived from the hash, never the key.
"""

from __future__ import annotations

import functools
import hashlib
import sqlite3
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from judgesync.emulator.database import Database
from judgesync.emulator.dataset_storage import DatasetStore
from judgesync.emulator.faults import FaultInjector
from judgesync.emulator.import_tasks import ImportTaskStore
from judgesync.emulator.refusals import ApiRefusal, judge_not_found, refusal_for
from judgesync.emulator.settings import EmulatorSettings
from judgesync.emulator.spans_store import SpanStore
from judgesync.emulator.storage import JudgeStore
from judgesync.emulator.storage_errors import StorageError


class EmulatorStartError(RuntimeError):
    """The emulator cannot start: unusable database file, address in use, clashing names."""


@dataclass(frozen=True)
class Workspace:
    """The caller: its workspace and owner ids, and the key hash that rate limits use."""

    workspace_id: str
    owner_id: str
    key_hash: str


def key_hash(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8", errors="surrogatepass")).hexdigest()


# Cached: every request needs its caller's ids, and a benchmark sends thousands per key.
@functools.lru_cache(maxsize=1024)
def _workspace(hashed: str) -> Workspace:
    return Workspace(
        workspace_id=str(uuid.UUID(hashed[:32])),
        owner_id=str(uuid.UUID(hashed[32:])),
        key_hash=hashed,
    )


def _unauthorized(message: str) -> ApiRefusal:
    return ApiRefusal(401, "AUTH_UNAUTHORIZED", message, {"WWW-Authenticate": "Bearer"})


def bearer_key(authorization: str | None) -> str:
    """The key of an `Authorization: Bearer <key>` header; refuses anything else."""
    scheme, _, key = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise _unauthorized("Send your API key as 'Authorization: Bearer <key>'.")
    return key.strip()


class Emulator:
    def __init__(
        self,
        settings: EmulatorSettings | None = None,
        db: str | Path = ":memory:",
        accepted_keys: Iterable[str] = (),
    ) -> None:
        """`accepted_keys` empty means every key is accepted, each as its own workspace."""
        self.settings = settings if settings is not None else EmulatorSettings()
        self._initial_settings = self.settings.model_copy(deep=True)
        self._accepted_key_hashes = frozenset(key_hash(key) for key in accepted_keys)
        try:
            self.database = Database(db)
            self.store = JudgeStore(self.database)
            self.datasets = DatasetStore(self.database)
            self.spans = SpanStore(self.database)
            self.import_tasks = ImportTaskStore()
        except (OSError, sqlite3.Error) as error:
            raise EmulatorStartError(f"Cannot open the emulator database {db}: {error}") from None
        try:
            self.store.use_name_uniqueness(self.settings.name_uniqueness)
        except (sqlite3.Error, StorageError) as error:
            self.database.close()
            reason = refusal_for(error).message if isinstance(error, StorageError) else error
            raise EmulatorStartError(f"Cannot use the emulator database {db}: {reason}") from None
        self.faults = FaultInjector(self.settings)

    def close(self) -> None:
        self.database.close()

    def authenticate(self, hashed: str) -> Workspace:
        """The caller whose key hashes to `hashed`; refuses keys outside `accepted_keys`."""
        if self._accepted_key_hashes and hashed not in self._accepted_key_hashes:
            raise _unauthorized("This API key is not accepted by the emulator.")
        return _workspace(hashed)

    def configure(self, **changes: Any) -> None:
        """Change settings at runtime; all-or-nothing, refusing invalid values (ValueError)."""
        merged = EmulatorSettings.model_validate({**self.settings.model_dump(), **changes})
        if merged.name_uniqueness != self.settings.name_uniqueness:
            self.store.use_name_uniqueness(merged.name_uniqueness)
        for field in changes:
            setattr(self.settings, field, getattr(merged, field))

    def reset(self) -> None:
        """Forget every judge, dataset, span and import task (cancelling running imports),
        and go back to the settings the emulator started with."""
        self.import_tasks.clear()
        self.store.clear()
        self.datasets.clear()
        self.spans.clear()
        initial = self._initial_settings.model_copy(deep=True)
        for field in EmulatorSettings.model_fields:
            setattr(self.settings, field, getattr(initial, field))
        self.store.use_name_uniqueness(self.settings.name_uniqueness)
        self.faults.reset()

    def lock_for_campaign(self, judge_id: str) -> None:
        """Pretend a campaign uses this judge id: updates to it are refused from now on."""
        if not self.store.exists_anywhere(judge_id):
            raise judge_not_found(judge_id)
        self.settings.campaign_judge_ids.add(judge_id)
