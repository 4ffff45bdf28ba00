"""Embedded SQLite store: one file under the data directory, WAL, synchronous=FULL.

The default for a single server. WAL lets readers run beside the one writer; FULL makes
each group commit durable before any review in it is acknowledged.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from yoyo import get_backend, read_migrations

from reviewer.store.sql_store import SqlStore
from reviewer.store.writer import GroupCommit

MIGRATIONS = Path(__file__).with_name("migrations") / "sqlite"


@dataclass(frozen=True)
class SqliteBackend:
    """Connections to one SQLite file; handed to the writer process as is."""

    path: Path
    placeholder = "?"
    notify_sql = None

    def connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                     timeout=30.0)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute("PRAGMA wal_autocheckpoint=0")
        connection.execute("PRAGMA foreign_keys=ON")
        return connection

    def begin(self, connection: sqlite3.Connection) -> None:
        connection.execute("BEGIN IMMEDIATE")

    def commit(self, connection: sqlite3.Connection) -> None:
        connection.execute("COMMIT")

    def rollback(self, connection: sqlite3.Connection) -> None:
        connection.execute("ROLLBACK")

    def checkpoint(self, connection: sqlite3.Connection) -> None:
        """Copy the WAL into the database. Run by the writer between batches, after it
        has answered: a checkpoint inside a commit (SQLite's default) would stall every
        review waiting on that commit, and one run beside a busy writer never catches
        up, so the WAL would grow without end."""
        connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


class SqliteStore(SqlStore):
    """The default store."""

    def __init__(self, path: Path, group_commit: GroupCommit | None = None) -> None:
        super().__init__(SqliteBackend(Path(path)), group_commit)
        self.path = Path(path)

    def migrate(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        backend = get_backend(f"sqlite:///{self.path}")
        with backend.lock():
            backend.apply_migrations(backend.to_apply(read_migrations(str(MIGRATIONS))))
