"""Spans in sqlite, per workspace, in the judges' database file.

One row per (workspace, trace id, span id): a span sent again (an exporter's
retry) replaces the first. Searches walk the rows in one stable order — start
time, then trace id, then span id — from a `Position`, so a cursor is just the
position of the last span a page showed. The expression is evaluated here in
Python over each row's attributes: the emulator favours one obvious reading of
TraceQL over speed, and a few thousand spans take milliseconds.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pydantic_core

from judgesync.emulator.database import LARGEST_SQLITE_INTEGER, Database
from judgesync.emulator.span_fields import SpanFields

_SCHEMA = """
CREATE TABLE IF NOT EXISTS spans (
    workspace_id TEXT NOT NULL,
    trace_id TEXT NOT NULL,
    span_id TEXT NOT NULL,
    start_ns INTEGER NOT NULL,
    span_attributes TEXT NOT NULL,       -- JSON {str: str}: what expressions compare
    resource_attributes TEXT NOT NULL,   -- JSON {str: str}
    body TEXT NOT NULL,                  -- the rest of the GetSpan JSON
    conversation_problem TEXT,           -- why an import would skip it; NULL if it would not
    PRIMARY KEY (workspace_id, trace_id, span_id)
);
CREATE INDEX IF NOT EXISTS spans_in_search_order
    ON spans (workspace_id, start_ns, trace_id, span_id);
"""

_ATTRIBUTE_FIELDS = ("span_attributes", "resource_attributes")

# Start times past 2262 do not fit sqlite's integers; they sort as 2262 (LARGEST_SQLITE_INTEGER).
Predicate = Callable[[Mapping[str, str], Mapping[str, str]], bool]


@dataclass(frozen=True)
class Position:
    """Where a span sits in search order."""

    start_ns: int
    trace_id: str
    span_id: str


@dataclass(frozen=True)
class StoredSpan:
    body: dict[str, Any]
    """The `GetSpan` JSON."""
    conversation_problem: str | None
    position: Position


@dataclass(frozen=True)
class SpanWindow:
    """Which spans a search reads: start time in [start_from, start_before), past `after`."""

    start_from: int | None = None
    start_before: int | None = None
    after: Position | None = None


class SpanStore:
    """All spans of all workspaces; every method is one transaction."""

    def __init__(self, database: Database) -> None:
        database.create_tables(_SCHEMA)
        self._write = database.write
        self._read = database.read

    def clear(self) -> None:
        with self._write() as db:
            db.execute("DELETE FROM spans")

    def add(self, workspace_id: str, spans: Iterable[SpanFields]) -> None:
        rows = []
        for span in spans:
            body = {k: v for k, v in span.body.items() if k not in _ATTRIBUTE_FIELDS}
            rows.append(
                (
                    workspace_id,
                    body["trace_id"],
                    body["span_id"],
                    min(span.start_time_unix_nano, LARGEST_SQLITE_INTEGER),
                    pydantic_core.to_json(span.body["span_attributes"]).decode(),
                    pydantic_core.to_json(span.body["resource_attributes"]).decode(),
                    pydantic_core.to_json(body).decode(),
                    span.conversation_problem,
                )
            )
        with self._write() as db:
            db.executemany("INSERT OR REPLACE INTO spans VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def get(self, workspace_id: str, trace_id: str, span_id: str) -> StoredSpan | None:
        with self._read() as db:
            row = db.execute(
                "SELECT * FROM spans WHERE workspace_id = ? AND trace_id = ? AND span_id = ?",
                (workspace_id, trace_id, span_id),
            ).fetchone()
        return None if row is None else _stored(row)

    def search(
        self, workspace_id: str, window: SpanWindow, matching: Predicate, limit: int
    ) -> tuple[list[StoredSpan], bool]:
        """Up to `limit` matching spans in search order, and whether more follow."""
        where = ["workspace_id = ?"]
        arguments: list[Any] = [workspace_id]
        if window.start_from is not None:
            where.append("start_ns >= ?")
            arguments.append(min(window.start_from, LARGEST_SQLITE_INTEGER))
        if window.start_before is not None:
            where.append("start_ns < ?")
            arguments.append(min(window.start_before, LARGEST_SQLITE_INTEGER))
        if window.after is not None:
            where.append("(start_ns, trace_id, span_id) > (?, ?, ?)")
            after = window.after
            arguments.extend([after.start_ns, after.trace_id, after.span_id])
        found: list[StoredSpan] = []
        with self._read() as db:
            rows = db.execute(
                f"SELECT * FROM spans WHERE {' AND '.join(where)}"
                " ORDER BY start_ns, trace_id, span_id",
                arguments,
            )
            for row in rows:
                span = pydantic_core.from_json(row["span_attributes"])
                resource = pydantic_core.from_json(row["resource_attributes"])
                if not matching(span, resource):
                    continue
                if len(found) == limit:
                    return found, True
                found.append(_stored(row, span, resource))
        return found, False


def _stored(
    row: sqlite3.Row,
    span: dict[str, str] | None = None,
    resource: dict[str, str] | None = None,
) -> StoredSpan:
    body = pydantic_core.from_json(row["body"])
    if span is None or resource is None:
        span = pydantic_core.from_json(row["span_attributes"])
        resource = pydantic_core.from_json(row["resource_attributes"])
    body["span_attributes"] = span
    body["resource_attributes"] = resource
    return StoredSpan(
        body=body,
        conversation_problem=row["conversation_problem"],
        position=Position(row["start_ns"], row["trace_id"], row["span_id"]),
    )
