"""Embedded SQLite store: one file under the data directory, WAL, synchronous=FULL.

The default for a single server. WAL lets readers run beside the one writer; FULL makes
each group commit durable before any review in it is acknowledged.
"""
from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

from yoyo import get_backend, read_migrations

from reviewer.store.sql_store import SqlStore

MIGRATIONS = Path(__file__).with_name("migrations") / "sqlite"
CHECKPOINT_SECONDS = 2.0
log = logging.getLogger(__name__)


class SqliteStore(SqlStore):
    """The default store."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = Path(path)

    def migrate(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        backend = get_backend(f"sqlite:///{self.path}")
        with backend.lock():
            backend.apply_migrations(backend.to_apply(read_migrations(str(MIGRATIONS))))

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

    async def start(self) -> None:
        await super().start()
        self._checkpoints = asyncio.create_task(self._checkpoint_loop())

    async def close(self) -> None:
        task = getattr(self, "_checkpoints", None)
        if task is not None:
            task.cancel()
        await super().close()

    async def _checkpoint_loop(self) -> None:
        """Checkpoint the WAL off the writer's path: a checkpoint inside a commit (SQLite's
        default) stalls every review waiting on that commit."""
        while True:
            await asyncio.sleep(CHECKPOINT_SECONDS)
            try:
                await self.read(lambda db: db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall())
            except Exception:
                log.exception("WAL checkpoint failed")
