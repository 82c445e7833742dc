"""Datasets and their records in sqlite, beside the judges, per workspace.

A dataset is found by its id or by its slug, unique among the workspace's live
datasets (a partial unique index, as judges' names). Deletion is soft, as for
judges: `deleted_at` is set, and deleting a dataset deletes its live records
with it. `add_records` is the one way records are written: the records
endpoint and imports (spans, next) both call it.
"""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pydantic_core

from judgesync.emulator.database import (
    LARGEST_SQLITE_INTEGER,
    Database,
    current_timestamp,
    later_than,
)
from judgesync.emulator.storage_errors import DatasetNotFound, RecordNotFound

_SCHEMA = """
CREATE TABLE IF NOT EXISTS datasets (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    name TEXT NOT NULL,
    slug TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS live_dataset_slugs
    ON datasets (workspace_id, slug) WHERE deleted_at IS NULL;
CREATE TABLE IF NOT EXISTS dataset_records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    dataset_id TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    payload TEXT NOT NULL,               -- JSON object
    properties TEXT NOT NULL,            -- JSON object
    source TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX IF NOT EXISTS live_records_in_list_order
    ON dataset_records (dataset_id, seq) WHERE deleted_at IS NULL;
"""

_NOT_SLUG_CHARACTERS = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class StoredDataset:
    id: str
    workspace_id: str
    owner_id: str
    name: str
    slug: str
    description: str
    created_at: str
    updated_at: str
    deleted_at: str | None


@dataclass(frozen=True)
class NewRecord:
    """What a caller or an import puts into a dataset."""

    payload: dict[str, Any]
    properties: dict[str, Any]
    source: str


@dataclass(frozen=True)
class StoredRecord:
    id: str
    dataset_id: str
    payload: dict[str, Any]
    properties: dict[str, Any]
    source: str
    created_at: str
    updated_at: str
    deleted_at: str | None


def is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def slug_for(name: str) -> str:
    """The name lower-cased, each run of other characters than a-z and 0-9 one hyphen;
    never UUID-shaped, since a UUID-shaped reference is always read as an id."""
    slug = _NOT_SLUG_CHARACTERS.sub("-", name.casefold()).strip("-") or "dataset"
    return f"dataset-{slug}" if is_uuid(slug) else slug


def _free_slug(db: sqlite3.Connection, workspace_id: str, wanted: str) -> str:
    """`wanted`, or `wanted-2`, `wanted-3`... : the first no live dataset of the workspace has."""
    taken = {
        row["slug"]
        for row in db.execute(
            "SELECT slug FROM datasets WHERE workspace_id = ? AND deleted_at IS NULL"
            " AND (slug = ? OR slug LIKE ?)",
            # Slugs hold no LIKE wildcards (slug_for keeps a-z, 0-9 and hyphens).
            (workspace_id, wanted, wanted + "-%"),
        )
    }
    slug, suffix = wanted, 1
    while slug in taken:
        suffix += 1
        slug = f"{wanted}-{suffix}"
    return slug


def _dataset(row: sqlite3.Row) -> StoredDataset:
    return StoredDataset(
        id=row["id"],
        workspace_id=row["workspace_id"],
        owner_id=row["owner_id"],
        name=row["name"],
        slug=row["slug"],
        description=row["description"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        deleted_at=row["deleted_at"],
    )


def _record(row: sqlite3.Row) -> StoredRecord:
    return StoredRecord(
        id=row["id"],
        dataset_id=row["dataset_id"],
        payload=pydantic_core.from_json(row["payload"]),
        properties=pydantic_core.from_json(row["properties"]),
        source=row["source"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        deleted_at=row["deleted_at"],
    )


def _live_dataset_row(db: sqlite3.Connection, workspace_id: str, reference: str) -> sqlite3.Row:
    """The live dataset a reference names: an id if it is UUID-shaped, else a slug."""
    column = "id" if is_uuid(reference) else "slug"
    key = str(uuid.UUID(reference)) if column == "id" else reference
    row: sqlite3.Row | None = db.execute(
        f"SELECT * FROM datasets WHERE {column} = ? AND workspace_id = ? AND deleted_at IS NULL",
        (key, workspace_id),
    ).fetchone()
    if row is None:
        raise DatasetNotFound(reference)
    return row


def _live_record_row(db: sqlite3.Connection, workspace_id: str, record_id: str) -> sqlite3.Row:
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM dataset_records WHERE id = ? AND workspace_id = ? AND deleted_at IS NULL",
        (record_id, workspace_id),
    ).fetchone()
    if row is None:
        raise RecordNotFound((record_id,))
    return row


class DatasetStore:
    """All datasets and records of all workspaces; every method is one transaction."""

    def __init__(self, database: Database) -> None:
        database.create_tables(_SCHEMA)
        self._write = database.write
        self._read = database.read

    def clear(self) -> None:
        with self._write() as db:
            db.execute("DELETE FROM dataset_records")
            db.execute("DELETE FROM datasets")

    def create_dataset(
        self, *, workspace_id: str, owner_id: str, name: str, description: str
    ) -> StoredDataset:
        dataset_id = str(uuid.uuid4())
        now = current_timestamp()
        with self._write() as db:
            slug = _free_slug(db, workspace_id, slug_for(name))
            db.execute(
                "INSERT INTO datasets (id, workspace_id, owner_id, name, slug, description,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (dataset_id, workspace_id, owner_id, name, slug, description, now, now),
            )
        return StoredDataset(
            id=dataset_id,
            workspace_id=workspace_id,
            owner_id=owner_id,
            name=name,
            slug=slug,
            description=description,
            created_at=now,
            updated_at=now,
            deleted_at=None,
        )

    def datasets_page(
        self, workspace_id: str, *, q: str | None, offset: int, limit: int
    ) -> tuple[int, list[StoredDataset]]:
        """(how many live datasets match, one page of them), in creation order; `q` is a
        substring of the name or description, ignoring ASCII case (sqlite's lower())."""
        where = "workspace_id = ? AND deleted_at IS NULL"
        arguments: list[Any] = [workspace_id]
        if q:
            where += " AND (instr(lower(name), lower(?)) OR instr(lower(description), lower(?)))"
            arguments += [q, q]
        with self._read() as db:
            count = db.execute(f"SELECT COUNT(*) FROM datasets WHERE {where}", arguments)
            total = count.fetchone()[0]
            rows = db.execute(
                f"SELECT * FROM datasets WHERE {where} ORDER BY seq LIMIT ? OFFSET ?",
                [*arguments, limit, min(offset, LARGEST_SQLITE_INTEGER)],
            ).fetchall()
        return total, [_dataset(row) for row in rows]

    def get_dataset(self, workspace_id: str, reference: str) -> StoredDataset:
        with self._read() as db:
            return _dataset(_live_dataset_row(db, workspace_id, reference))

    def update_dataset(
        self, workspace_id: str, reference: str, *, name: str | None, description: str | None
    ) -> StoredDataset:
        """Change what is given; the slug stays, so references to it keep working."""
        with self._write() as db:
            row = _live_dataset_row(db, workspace_id, reference)
            new_name = row["name"] if name is None else name
            new_description = row["description"] if description is None else description
            if (new_name, new_description) != (row["name"], row["description"]):
                db.execute(
                    "UPDATE datasets SET name = ?, description = ?, updated_at = ? WHERE seq = ?",
                    (new_name, new_description, later_than(row["updated_at"]), row["seq"]),
                )
            changed = db.execute("SELECT * FROM datasets WHERE seq = ?", (row["seq"],))
            return _dataset(changed.fetchone())

    def delete_dataset(self, workspace_id: str, reference: str) -> None:
        """Soft-delete a dataset and every live record in it, at one moment."""
        with self._write() as db:
            row = _live_dataset_row(db, workspace_id, reference)
            now = current_timestamp()
            db.execute("UPDATE datasets SET deleted_at = ? WHERE seq = ?", (now, row["seq"]))
            db.execute(
                "UPDATE dataset_records SET deleted_at = ? WHERE dataset_id = ?"
                " AND deleted_at IS NULL",
                (now, row["id"]),
            )

    def add_records(
        self, workspace_id: str, dataset_reference: str, records: Sequence[NewRecord]
    ) -> list[StoredRecord]:
        """Put records into a live dataset of the workspace, all in one transaction."""
        now = current_timestamp()
        with self._write() as db:
            dataset_id = _live_dataset_row(db, workspace_id, dataset_reference)["id"]
            stored = [
                StoredRecord(
                    id=str(uuid.uuid4()),
                    dataset_id=dataset_id,
                    payload=record.payload,
                    properties=record.properties,
                    source=record.source,
                    created_at=now,
                    updated_at=now,
                    deleted_at=None,
                )
                for record in records
            ]
            db.executemany(
                "INSERT INTO dataset_records (id, dataset_id, workspace_id, payload, properties,"
                " source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        record.id,
                        dataset_id,
                        workspace_id,
                        json.dumps(record.payload),
                        json.dumps(record.properties),
                        record.source,
                        now,
                        now,
                    )
                    for record in stored
                ],
            )
        return stored

    def records_page(
        self, workspace_id: str, dataset_reference: str, *, offset: int, limit: int
    ) -> tuple[int, list[StoredRecord]]:
        """(how many live records the dataset holds, one page of them), in creation order."""
        with self._read() as db:
            dataset_id = _live_dataset_row(db, workspace_id, dataset_reference)["id"]
            where = "dataset_id = ? AND deleted_at IS NULL"
            count = db.execute(f"SELECT COUNT(*) FROM dataset_records WHERE {where}", (dataset_id,))
            total = count.fetchone()[0]
            rows = db.execute(
                f"SELECT * FROM dataset_records WHERE {where} ORDER BY seq LIMIT ? OFFSET ?",
                (dataset_id, limit, min(offset, LARGEST_SQLITE_INTEGER)),
            ).fetchall()
        return total, [_record(row) for row in rows]

    def get_record(self, workspace_id: str, record_id: str) -> StoredRecord:
        with self._read() as db:
            return _record(_live_record_row(db, workspace_id, record_id))

    def replace_record_field(
        self,
        workspace_id: str,
        record_id: str,
        field: Literal["payload", "properties"],
        value: dict[str, Any],
    ) -> None:
        """Replace a live record's `payload` or `properties` whole."""
        with self._write() as db:
            row = _live_record_row(db, workspace_id, record_id)
            db.execute(
                f"UPDATE dataset_records SET {field} = ?, updated_at = ? WHERE seq = ?",
                (json.dumps(value), later_than(row["updated_at"]), row["seq"]),
            )

    def delete_records(self, workspace_id: str, record_ids: Iterable[str]) -> None:
        """Soft-delete live records of the workspace: all of them, or none if one is unknown."""
        wanted = sorted(set(record_ids))
        with self._write() as db:
            placeholders = ", ".join("?" * len(wanted))
            found = {
                row["id"]
                for row in db.execute(
                    f"SELECT id FROM dataset_records WHERE id IN ({placeholders})"
                    " AND workspace_id = ? AND deleted_at IS NULL",
                    [*wanted, workspace_id],
                )
            }
            missing = tuple(record_id for record_id in wanted if record_id not in found)
            if missing:
                raise RecordNotFound(missing)
            db.execute(
                f"UPDATE dataset_records SET deleted_at = ? WHERE id IN ({placeholders})",
                [current_timestamp(), *wanted],
            )
