"""A store over a DB-API connection: group-committing writer thread, reader threads.

One writer thread owns the write connection. Callers enqueue operations and await a
future; the writer drains everything queued, runs it in one transaction (a savepoint per
operation, so one failure does not sink its batch-mates) and commits once. A single
commit - one fsync - acknowledges a whole batch: durability without a per-review cap.
"""
from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from reviewer.errors import Errors, ReviewError
from reviewer.store import AuditEvent, StoredReview
from reviewer.store import operations as ops
from reviewer.store.operations import Db

log = logging.getLogger(__name__)
MAX_BATCH = 512
Work = Callable[[Db], Any]
Listener = Callable[[list[str]], None]


class SqlStore:
    """Shared machinery; subclasses say how to connect, migrate and notify."""

    placeholder = "?"
    notify_sql: str | None = None

    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[Work, asyncio.Future[Any], asyncio.AbstractEventLoop] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._listeners: list[Listener] = []
        self._readers: list[Any] = []
        self._readers_lock = threading.Lock()
        self.commit_seconds: Callable[[float, int], None] = lambda seconds, size: None

    # -- subclass hooks ---------------------------------------------------------------

    def connect(self) -> Any:
        raise NotImplementedError

    def migrate(self) -> None:
        raise NotImplementedError

    def begin(self, connection: Any) -> None:
        connection.execute("BEGIN")

    def commit(self, connection: Any) -> None:
        connection.execute("COMMIT")

    def rollback(self, connection: Any) -> None:
        connection.execute("ROLLBACK")

    # -- lifecycle --------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(review_ids)`` after each commit that changed reviews."""
        self._listeners.append(listener)

    async def start(self) -> None:
        await asyncio.to_thread(self.migrate)
        connection = await asyncio.to_thread(self.connect)
        self._thread = threading.Thread(target=self._writer, args=(connection,),
                                        name=f"{type(self).__name__}-writer", daemon=True)
        self._thread.start()

    async def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            await asyncio.to_thread(self._thread.join)
            self._thread = None
        with self._readers_lock:
            for connection in self._readers:
                connection.close()
            self._readers.clear()

    # -- writer -----------------------------------------------------------------------

    def _writer(self, connection: Any) -> None:
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

    def _run_batch(self, connection: Any, batch: list[tuple[Work, asyncio.Future[Any],
                                                              asyncio.AbstractEventLoop]]) -> None:
        """One transaction for the whole batch. Operations raise their domain errors
        before they write anything, so those need no rollback; any other failure rolls
        the batch back and runs each operation again in a transaction of its own."""
        started = time.perf_counter()
        db = Db(connection, self.placeholder, self.notify_sql)
        try:
            self.begin(connection)
            results = []
            for work, _, _ in batch:
                try:
                    results.append((True, work(db)))
                except ReviewError as exc:
                    results.append((False, exc))
            self.commit(connection)
        except Exception:
            self._rollback_quietly(connection)
            if len(batch) == 1:
                log.exception("store write failed")
                results, db = [(False, Errors.E501.error())], Db(connection)
            else:
                for one in batch:
                    self._run_batch(connection, [one])
                return
        self.commit_seconds(time.perf_counter() - started, len(batch))
        if db.changed:
            for listener in self._listeners:
                try:
                    listener(db.changed)
                except Exception:
                    log.exception("store listener failed")
        for (ok, value), (_, future, loop) in zip(results, batch):
            loop.call_soon_threadsafe(_settle, future, ok, value)

    def _rollback_quietly(self, connection: Any) -> None:
        try:
            self.rollback(connection)
        except Exception:
            log.exception("rollback failed")

    async def write(self, work: Work) -> Any:
        """Run ``work(db)`` in the next batch; return once its batch has committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        if self._thread is None:
            raise Errors.E501.error()
        self._queue.put((work, future, loop))
        return await future


    def read_sync(self, work: Work) -> Any:
        """Run a read on a pooled connection in the calling thread."""
        with self._readers_lock:
            connection = self._readers.pop() if self._readers else None
        if connection is None:
            connection = self.connect()
        try:
            result = work(Db(connection, self.placeholder))
            connection.commit()
        except Exception:
            connection.close()
            raise
        with self._readers_lock:
            self._readers.append(connection)
        return result

    async def read(self, work: Work) -> Any:
        return await asyncio.to_thread(self.read_sync, work)

    # -- operations -------------------------------------------------------------------

    async def insert(self, review: StoredReview, revises: str | None = None
                     ) -> tuple[StoredReview, bool]:
        return await self.write(lambda db: ops.insert(db, review, revises))

    async def get(self, review_id: str) -> StoredReview | None:
        def work(db: Db) -> StoredReview | None:
            row = db.one(ops.SELECT + " WHERE review_id = ?", (review_id,))
            return StoredReview.from_row(row) if row else None
        return await self.read(work)

    async def queue(self, limit: int) -> list[StoredReview]:
        return await self.read(lambda db: ops.queue(db, limit))

    async def depth_by_kind(self) -> dict[int, int]:
        return await self.read(ops.depth_by_kind)

    async def events(self, review_id: str) -> list[AuditEvent]:
        return await self.read(lambda db: ops.events(db, review_id))

    async def claim(self, review_id: str, pharmacist: str, now_ms: int,
                    lease_ms: int) -> StoredReview:
        return await self.write(lambda db: ops.claim(db, review_id, pharmacist, now_ms, lease_ms))

    async def release_claim(self, review_id: str, pharmacist: str, now_ms: int) -> StoredReview:
        return await self.write(lambda db: ops.release_claim(db, review_id, pharmacist, now_ms))

    async def decide(self, review_id: str, pharmacist: str, now_ms: int, approve: bool,
                     final_verdict: int, reason_code: str, reason: str) -> StoredReview:
        return await self.write(lambda db: ops.decide(
            db, review_id, pharmacist, now_ms, approve, final_verdict, reason_code, reason))

    async def annotate(self, review_id: str, actor: str, now_ms: int, note: str) -> AuditEvent:
        return await self.write(lambda db: ops.annotate(db, review_id, actor, now_ms, note))

    async def double_sign(self, review_id: str, prescriber: str, now_ms: int, reason: str,
                          deadline_ms: int) -> StoredReview:
        return await self.write(lambda db: ops.double_sign(
            db, review_id, prescriber, now_ms, reason, deadline_ms))

    async def fire_timeouts(self, now_ms: int) -> list[StoredReview]:
        return await self.write(lambda db: ops.fire_timeouts(db, now_ms))


def _settle(future: asyncio.Future[Any], ok: bool, value: Any) -> None:
    if future.done():
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)
