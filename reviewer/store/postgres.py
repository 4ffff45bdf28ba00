"""PostgreSQL store: several replicas behind one address share one database.

Writes group-commit like the SQLite store. Every state change also sends
``pg_notify('reviewer_changes', review_id)`` inside its transaction, so a replica whose
HIS is waiting hears about a pharmacist's decision made on another replica as soon as it
commits (LISTEN on a dedicated connection).
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from yoyo import get_backend, read_migrations

from reviewer.store.sql_store import SqlStore
from reviewer.store.writer import GroupCommit

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations") / "postgresql"
CHANNEL = "reviewer_changes"


@dataclass(frozen=True)
class PostgresBackend:
    """Connections to one PostgreSQL database; handed to the writer process as is."""

    url: str
    placeholder = "%s"
    notify_sql = f"SELECT pg_notify('{CHANNEL}', %s)"

    def connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.url, autocommit=False)

    def begin(self, connection: Any) -> None:
        pass  # psycopg opens the transaction on the first statement

    def commit(self, connection: Any) -> None:
        connection.commit()

    def rollback(self, connection: Any) -> None:
        connection.rollback()

    def checkpoint(self, connection: Any) -> None:
        pass  # the server checkpoints on its own


class PostgresStore(SqlStore):
    """The multi-replica store."""

    def __init__(self, url: str, group_commit: GroupCommit | None = None) -> None:
        super().__init__(PostgresBackend(url), group_commit)
        self.url = url
        self._listen: psycopg.Connection[Any] | None = None
        self._listener: threading.Thread | None = None
        self._stopping = threading.Event()

    def migrate(self) -> None:
        url = self.url.replace("postgresql://", "postgresql+psycopg://", 1)
        backend = get_backend(url)
        with backend.lock():
            backend.apply_migrations(backend.to_apply(read_migrations(str(MIGRATIONS))))

    async def start(self) -> None:
        await super().start()
        self._listen = psycopg.connect(self.url, autocommit=True)
        self._listen.execute(f"LISTEN {CHANNEL}")
        self._listener = threading.Thread(target=self._listen_loop, name="pg-listen", daemon=True)
        self._listener.start()

    def _listen_loop(self) -> None:
        assert self._listen is not None
        while not self._stopping.is_set():
            try:
                for notification in self._listen.notifies(timeout=0.5):
                    assert self._loop is not None
                    self._loop.call_soon_threadsafe(self._dispatch, [notification.payload])
            except psycopg.Error:
                if not self._stopping.is_set():
                    log.exception("LISTEN connection failed")
                return

    def _dispatch(self, changed: list[str]) -> None:
        for listener in self._listeners:
            try:
                listener(changed)
            except Exception:
                log.exception("store listener failed")

    async def close(self) -> None:
        self._stopping.set()
        if self._listener is not None:
            import asyncio
            await asyncio.to_thread(self._listener.join)
        if self._listen is not None:
            self._listen.close()
        await super().close()
