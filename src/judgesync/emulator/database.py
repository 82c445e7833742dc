"""The emulator's one sqlite database: a shared connection, its transactions, its clocks.

Judges (storage.py) and datasets (dataset_storage.py) keep their tables in the
same file. One connection is shared behind a lock (the server's event loop
calls the stores, and so do tests and admin endpoints from other threads);
writes use `BEGIN IMMEDIATE`, and file databases run in WAL mode so another
process can read and write them too.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

LARGEST_SQLITE_INTEGER = 2**63 - 1


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def current_timestamp() -> str:
    return timestamp(datetime.now(UTC))


def _parse_timestamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def later_than(previous: str) -> str:
    """Now, or a microsecond after `previous` if the clock has not moved past it."""
    floor = _parse_timestamp(previous) + timedelta(microseconds=1)
    return timestamp(max(datetime.now(UTC), floor))


class Database:
    """One sqlite connection; `write()` and `read()` each hold it for one transaction."""

    def __init__(self, path: str | Path) -> None:
        location = str(path)
        if location != ":memory:":
            Path(location).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._connection = sqlite3.connect(
            location, check_same_thread=False, isolation_level=None, timeout=10.0
        )
        self._connection.row_factory = sqlite3.Row
        if location != ":memory:":
            try:
                self._connection.execute("PRAGMA journal_mode=WAL")
            except sqlite3.Error:
                self._connection.close()
                raise

    def create_tables(self, schema: str) -> None:
        """Run a store's `CREATE ... IF NOT EXISTS` script; closes the connection if it fails."""
        try:
            with self._lock:
                self._connection.executescript(schema)
        except sqlite3.Error:
            self.close()
            raise

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._connection
