"""Judges in sqlite: one row per revision, uniqueness enforced by the database.

A live judge's name is unique in its workspace through a partial unique index
over `(workspace_id, name_key)` restricted to live, newest revisions, so two
concurrent creates of one name cannot both succeed: the second insert fails
inside its own transaction. The connection and its transactions are
database.py's.

What the store refuses it raises as a `storage_errors.StorageError`, which
knows nothing of HTTP; `refusals.refusal_for` turns each into the API's answer.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pydantic_core

from judgesync.emulator.database import (
    LARGEST_SQLITE_INTEGER,
    Database,
    current_timestamp,
    later_than,
)
from judgesync.emulator.settings import NameUniqueness, RevisionMode
from judgesync.emulator.storage_errors import (
    JudgeNotFound,
    LockedByCampaign,
    NameTaken,
    Superseded,
    Unchanged,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS judges (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    chain_seq INTEGER NOT NULL,          -- grows with each new chain: list order
    workspace_id TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,              -- uniqueness_key(name) under the current reading
    output_type TEXT NOT NULL,
    definition TEXT NOT NULL,            -- the create/update body as sent (JSON)
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    up_revision TEXT,
    down_revision TEXT,
    base_revision TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS live_judge_names
    ON judges (workspace_id, name_key)
    WHERE deleted_at IS NULL AND up_revision IS NULL;
-- List order, so that a page is read from the index instead of sorting the workspace.
CREATE INDEX IF NOT EXISTS judges_in_list_order ON judges (workspace_id, chain_seq, id);
-- The same for the usual list (live, newest revisions): pages and counts skip judges in
-- the index alone, instead of reading each row past its long definition to filter it.
CREATE INDEX IF NOT EXISTS live_judges_in_list_order ON judges (workspace_id, chain_seq, id)
    WHERE deleted_at IS NULL AND up_revision IS NULL;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class StoredJudge:
    id: str
    workspace_id: str
    owner_id: str
    definition: dict[str, Any]
    created_at: str
    updated_at: str
    deleted_at: str | None
    up_revision: str | None
    down_revision: str | None
    base_revision: str | None


def uniqueness_key(name: str, uniqueness: NameUniqueness) -> str:
    """What the uniqueness reading compares: the name itself (`exact`), or the
    name without surrounding spaces, case-folded (`casefold`)."""
    return name.strip().casefold() if uniqueness == "casefold" else name


@contextmanager
def _name_taken_on_conflict(name: str, uniqueness: NameUniqueness) -> Iterator[None]:
    """The live-name index refusing a write, as NameTaken."""
    try:
        yield
    except sqlite3.IntegrityError as error:
        if "name_key" in str(error):
            raise NameTaken(name, uniqueness) from None
        raise


def _insert(
    db: sqlite3.Connection,
    *,
    judge_id: str,
    chain_seq: int | None,
    workspace_id: str,
    owner_id: str,
    definition: Mapping[str, Any],
    uniqueness: NameUniqueness,
    created_at: str,
    down_revision: str | None,
    base_revision: str | None,
) -> None:
    """Add one revision: the first of a new chain when `chain_seq` is None."""
    # A new chain's MAX(seq) + 1 exceeds every chain_seq so far without a second write:
    # seq only grows, and a chain's chain_seq is at most its first revision's seq.
    db.execute(
        "INSERT INTO judges (id, chain_seq, workspace_id, owner_id, name, name_key,"
        " output_type, definition, created_at, updated_at, down_revision, base_revision)"
        " VALUES (?, IFNULL(?, (SELECT IFNULL(MAX(seq), 0) + 1 FROM judges)),"
        " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            judge_id,
            chain_seq,
            workspace_id,
            owner_id,
            definition["name"],
            uniqueness_key(definition["name"], uniqueness),
            definition["output"]["type"],
            json.dumps(definition),
            created_at,
            created_at,
            down_revision,
            base_revision,
        ),
    )


class JudgeStore:
    """All judges of all workspaces; every method is one transaction."""

    def __init__(self, database: Database) -> None:
        database.create_tables(_SCHEMA)
        self._write = database.write
        self._read = database.read

    def _sync_uniqueness_keys(self, db: sqlite3.Connection, uniqueness: NameUniqueness) -> None:
        """Recompute name keys if the uniqueness reading changed since they were written."""
        row = db.execute("SELECT value FROM meta WHERE key = 'name_uniqueness'").fetchone()
        if row is not None and row["value"] == uniqueness:
            return
        rows = db.execute("SELECT seq, name FROM judges").fetchall()
        try:
            db.executemany(
                "UPDATE judges SET name_key = ? WHERE seq = ?",
                [(uniqueness_key(r["name"], uniqueness), r["seq"]) for r in rows],
            )
        except sqlite3.IntegrityError:
            raise NameTaken(None, uniqueness) from None
        db.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('name_uniqueness', ?)",
            (uniqueness,),
        )

    def use_name_uniqueness(self, uniqueness: NameUniqueness) -> None:
        with self._write() as db:
            self._sync_uniqueness_keys(db, uniqueness)

    def clear(self) -> None:
        with self._write() as db:
            db.execute("DELETE FROM judges")

    def create(
        self,
        *,
        workspace_id: str,
        owner_id: str,
        definition: Mapping[str, Any],
        uniqueness: NameUniqueness,
        revisions: RevisionMode,
    ) -> StoredJudge:
        judge_id = str(uuid.uuid4())
        now = current_timestamp()
        base = judge_id if revisions == "new-id" else None
        with self._write() as db, _name_taken_on_conflict(definition["name"], uniqueness):
            self._sync_uniqueness_keys(db, uniqueness)
            _insert(
                db,
                judge_id=judge_id,
                chain_seq=None,
                workspace_id=workspace_id,
                owner_id=owner_id,
                definition=definition,
                uniqueness=uniqueness,
                created_at=now,
                down_revision=None,
                base_revision=base,
            )
        return StoredJudge(
            id=judge_id,
            workspace_id=workspace_id,
            owner_id=owner_id,
            definition=dict(definition),
            created_at=now,
            updated_at=now,
            deleted_at=None,
            up_revision=None,
            down_revision=None,
            base_revision=base,
        )

    def get(self, workspace_id: str, judge_id: str) -> StoredJudge | None:
        with self._read() as db:
            row = db.execute(
                "SELECT * FROM judges WHERE id = ? AND workspace_id = ?",
                (judge_id, workspace_id),
            ).fetchone()
        return None if row is None else _judge(row)

    def exists_anywhere(self, judge_id: str) -> bool:
        with self._read() as db:
            row = db.execute("SELECT 1 FROM judges WHERE id = ?", (judge_id,)).fetchone()
        return row is not None

    def newest_revisions(self, workspace_id: str, *, include_deleted: bool) -> list[StoredJudge]:
        """The newest revision of every chain in a workspace, in list order."""
        deleted_clause = "" if include_deleted else " AND deleted_at IS NULL"
        with self._read() as db:
            rows = db.execute(
                "SELECT * FROM judges WHERE workspace_id = ? AND up_revision IS NULL"
                + deleted_clause
                + " ORDER BY chain_seq, id",
                (workspace_id,),
            ).fetchall()
        return [_judge(row) for row in rows]

    def newest_revisions_page(
        self,
        workspace_id: str,
        *,
        include_deleted: bool,
        output_types: frozenset[str],
        offset: int,
        limit: int,
    ) -> tuple[int, list[StoredJudge]]:
        """(how many match, one page of them): `newest_revisions` paged in SQL, so a
        page of a large workspace does not decode every judge in it."""
        # A page far past the end is empty; SQLite cannot hold an offset past 2**63 - 1.
        offset = min(offset, LARGEST_SQLITE_INTEGER)
        where = "workspace_id = ? AND up_revision IS NULL"
        if not include_deleted:
            where += " AND deleted_at IS NULL"
        arguments: list[Any] = [workspace_id]
        if output_types:
            where += f" AND output_type IN ({', '.join('?' * len(output_types))})"
            arguments.extend(sorted(output_types))
        with self._read() as db:
            count = db.execute(f"SELECT COUNT(*) FROM judges WHERE {where}", arguments).fetchone()
            rows = db.execute(
                f"SELECT * FROM judges WHERE {where} ORDER BY chain_seq, id LIMIT ? OFFSET ?",
                [*arguments, limit, offset],
            ).fetchall()
        return count[0], [_judge(row) for row in rows]

    def _live_row(self, db: sqlite3.Connection, workspace_id: str, judge_id: str) -> sqlite3.Row:
        row: sqlite3.Row | None = db.execute(
            "SELECT * FROM judges WHERE id = ? AND workspace_id = ? AND deleted_at IS NULL",
            (judge_id, workspace_id),
        ).fetchone()
        if row is None:
            raise JudgeNotFound(judge_id)
        if row["up_revision"] is not None:
            raise Superseded(judge_id, row["up_revision"])
        return row

    def update(
        self,
        *,
        workspace_id: str,
        judge_id: str,
        definition: Mapping[str, Any],
        uniqueness: NameUniqueness,
        revisions: RevisionMode,
        campaign_judge_ids: frozenset[str],
    ) -> str:
        """Replace a judge's definition; returns the id of the revision now holding it."""
        with self._write() as db:
            self._sync_uniqueness_keys(db, uniqueness)
            row = self._live_row(db, workspace_id, judge_id)
            if judge_id in campaign_judge_ids:
                raise LockedByCampaign(judge_id)
            if json.loads(row["definition"]) == dict(definition):
                raise Unchanged(judge_id)
            now = later_than(row["updated_at"])
            with _name_taken_on_conflict(definition["name"], uniqueness):
                if revisions == "in-place":
                    self._replace_in_place(db, row, definition, uniqueness, now)
                    return judge_id
                return self._append_revision(db, row, definition, uniqueness, now)

    @staticmethod
    def _replace_in_place(
        db: sqlite3.Connection,
        row: sqlite3.Row,
        definition: Mapping[str, Any],
        uniqueness: NameUniqueness,
        now: str,
    ) -> None:
        db.execute(
            "UPDATE judges SET name = ?, name_key = ?, output_type = ?, definition = ?,"
            " updated_at = ? WHERE seq = ?",
            (
                definition["name"],
                uniqueness_key(definition["name"], uniqueness),
                definition["output"]["type"],
                json.dumps(definition),
                now,
                row["seq"],
            ),
        )

    @staticmethod
    def _append_revision(
        db: sqlite3.Connection,
        row: sqlite3.Row,
        definition: Mapping[str, Any],
        uniqueness: NameUniqueness,
        now: str,
    ) -> str:
        new_id = str(uuid.uuid4())
        # Retire the old revision first so its name leaves the live-name index.
        db.execute("UPDATE judges SET up_revision = ? WHERE seq = ?", (new_id, row["seq"]))
        _insert(
            db,
            judge_id=new_id,
            chain_seq=row["chain_seq"],
            workspace_id=row["workspace_id"],
            owner_id=row["owner_id"],
            definition=definition,
            uniqueness=uniqueness,
            created_at=now,
            down_revision=row["id"],
            base_revision=row["base_revision"] or row["id"],
        )
        return new_id

    def delete(self, workspace_id: str, judge_id: str) -> None:
        """Soft-delete a judge: every revision of its chain gets `deleted_at`."""
        with self._write() as db:
            row = self._live_row(db, workspace_id, judge_id)
            db.execute(
                "UPDATE judges SET deleted_at = ? WHERE chain_seq = ? AND workspace_id = ?",
                (current_timestamp(), row["chain_seq"], workspace_id),
            )


def _judge(row: sqlite3.Row) -> StoredJudge:
    return StoredJudge(
        id=row["id"],
        workspace_id=row["workspace_id"],
        owner_id=row["owner_id"],
        # pydantic-core parses the same JSON in half the time json.loads takes (list pages).
        definition=pydantic_core.from_json(row["definition"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        deleted_at=row["deleted_at"],
        up_revision=row["up_revision"],
        down_revision=row["down_revision"],
        base_revision=row["base_revision"],
    )
