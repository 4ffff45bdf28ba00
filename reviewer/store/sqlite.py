"""Embedded SQLite store (WAL, synchronous=FULL) with group commit.

One writer thread owns the write connection. Callers enqueue work and await a future;
the writer drains everything queued, runs it in one transaction and commits once, so a
single fsync acknowledges a whole batch: durability without a per-review fsync cap.
Reads run on short-lived connections in worker threads; WAL lets them run beside the
writer.
"""
from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from yoyo import get_backend, read_migrations

from reviewer.errors import Errors
from reviewer.store import StoredReview

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations") / "sqlite"
_COLUMNS = StoredReview.columns()
_INSERT = (f"INSERT INTO reviews ({', '.join(_COLUMNS)}) VALUES "
           f"({', '.join('?' for _ in _COLUMNS)}) ON CONFLICT DO NOTHING")
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM reviews"
MAX_BATCH = 512

Work = Callable[[sqlite3.Connection], Any]


def migrate(path: Path) -> None:
    """Bring the database at ``path`` to the newest schema."""
    backend = get_backend(f"sqlite:///{path}")
    with backend.lock():
        backend.apply_migrations(backend.to_apply(read_migrations(str(MIGRATIONS))))


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                                 timeout=30.0)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("PRAGMA foreign_keys=ON")
    return connection


class SqliteStore:
    """The default store: one file under the data directory."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._queue: queue.Queue[tuple[Work, asyncio.Future[Any], asyncio.AbstractEventLoop] | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    async def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(migrate, self.path)
        self._thread = threading.Thread(target=self._writer, name="sqlite-writer", daemon=True)
        self._thread.start()

    async def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            await asyncio.to_thread(self._thread.join)
            self._thread = None

    # -- writer ---------------------------------------------------------------------

    def _writer(self) -> None:
        connection = _connect(self.path)
        try:
            while True:
                first = self._queue.get()
                if first is None:
                    return
                batch = [first]
                stop = False
                while len(batch) < MAX_BATCH:
                    try:
                        nxt = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if nxt is None:
                        stop = True
                        break
                    batch.append(nxt)
                self._run_batch(connection, batch)
                if stop:
                    return
        finally:
            connection.close()

    def _run_batch(self, connection: sqlite3.Connection,
                   batch: list[tuple[Work, asyncio.Future[Any], asyncio.AbstractEventLoop]]) -> None:
        results: list[tuple[bool, Any]] = []
        try:
            connection.execute("BEGIN IMMEDIATE")
            for work, _, _ in batch:
                connection.execute("SAVEPOINT item")
                try:
                    results.append((True, work(connection)))
                    connection.execute("RELEASE item")
                except Exception as exc:  # one bad item must not fail its batch-mates
                    connection.execute("ROLLBACK TO item")
                    connection.execute("RELEASE item")
                    results.append((False, exc))
            connection.execute("COMMIT")
        except Exception as exc:
            log.exception("sqlite batch commit failed")
            try:
                connection.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            results = [(False, exc)] * len(batch)
        for (ok, value), (_, future, loop) in zip(results, batch):
            loop.call_soon_threadsafe(_settle, future, ok, value)

    async def _write(self, work: Work) -> Any:
        if self._thread is None:
            raise Errors.E501.error()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._queue.put((work, future, loop))
        return await future

    async def _read(self, work: Work) -> Any:
        def run() -> Any:
            connection = sqlite3.connect(self.path, timeout=30.0)
            try:
                return work(connection)
            finally:
                connection.close()
        return await asyncio.to_thread(run)

    # -- operations -----------------------------------------------------------------

    async def insert(self, review: StoredReview) -> tuple[StoredReview, bool]:
        values = tuple(getattr(review, c) for c in _COLUMNS)

        def work(connection: sqlite3.Connection) -> tuple[StoredReview, bool]:
            cursor = connection.execute(_INSERT, values)
            if cursor.rowcount == 1:
                connection.execute(
                    "INSERT INTO review_events (review_id, at_ms, actor, action, detail) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (review.review_id, review.created_ms, "system", "reviewed",
                     str(review.verdict)))
                return review, False
            row = connection.execute(
                _SELECT + " WHERE unit_id = ? AND prescription_id = ? AND version = ?",
                (review.unit_id, review.prescription_id, review.version)).fetchone()
            existing = StoredReview.from_row(row)
            if existing.request_hash != review.request_hash:
                raise Errors.E303.error()
            return existing, True

        return await self._write(work)

    async def get(self, review_id: str) -> StoredReview | None:
        def work(connection: sqlite3.Connection) -> StoredReview | None:
            row = connection.execute(_SELECT + " WHERE review_id = ?", (review_id,)).fetchone()
            return StoredReview.from_row(row) if row else None
        return await self._read(work)


def _settle(future: asyncio.Future[Any], ok: bool, value: Any) -> None:
    if future.done():
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)
