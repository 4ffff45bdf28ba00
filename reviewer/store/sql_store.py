"""A store over a DB-API database: a writer process that group-commits, reader threads.

Writes go to the writer process (``reviewer.store.writer``) over a private socket and
are awaited until their batch has committed: a single commit - one fsync - acknowledges
a whole batch, durability without a per-review cap. Reads run on pooled connections in
threads. If the writer dies, writes waiting on it fail with UNAVAILABLE (nothing
unacknowledged is lost) and a new writer is started.
"""
from __future__ import annotations

import asyncio
import itertools
import logging
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

from reviewer.errors import Errors
from reviewer.store import AuditEvent, StoredReview
from reviewer.store import operations as ops
from reviewer.store.operations import Db
from reviewer.store.writer import Backend, GroupCommit, frame, split_frames

log = logging.getLogger(__name__)
Work = Callable[[Db], Any]
Listener = Callable[[list[str]], None]


class _WriterLink(asyncio.Protocol):
    """The server's end of the socket to the writer process."""

    def __init__(self, store: "SqlStore") -> None:
        self.store = store
        self.buffer = bytearray()
        self.ready: asyncio.Future[tuple[str, Any]] = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        for payload in split_frames(self.buffer):
            if not self.ready.done():
                self.ready.set_result(payload)
            else:
                self.store._settle(*payload)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.ready.done():
            self.ready.set_result(("failed", "the writer exited before it was ready"))
        self.closed.set_result(None)
        self.store._writer_lost(self)


class SqlStore:
    """Shared machinery; subclasses say how to migrate and, optionally, notify."""

    def __init__(self, backend: Backend, group_commit: GroupCommit | None = None) -> None:
        self.backend = backend
        self.group_commit = group_commit or GroupCommit()
        self._listeners: list[Listener] = []
        self._readers: list[Any] = []
        self._readers_lock = threading.Lock()
        self._seq = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._outbox: list[tuple[int, str, tuple[Any, ...]]] = []
        self._transport: asyncio.Transport | None = None
        self._link: _WriterLink | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closing = False
        self._respawning: asyncio.Task[None] | None = None
        self.commit_seconds: Callable[[float, int], None] = lambda seconds, size: None

    # -- subclass hook ----------------------------------------------------------------

    def migrate(self) -> None:
        raise NotImplementedError

    # -- lifecycle --------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(review_ids)`` on the event loop after each commit that changed
        reviews."""
        self._listeners.append(listener)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        await asyncio.to_thread(self.migrate)
        await self._spawn_writer()

    async def _spawn_writer(self) -> None:
        """Start a writer process, hand it the backend and wait until it is connected."""
        assert self._loop is not None
        ours, theirs = socket.socketpair()
        try:
            level = logging.getLevelName(logging.getLogger().getEffectiveLevel())
            process = subprocess.Popen(
                [sys.executable, "-m", "reviewer.store.writer", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL,
                env={**os.environ, "REVIEWER_LOG_LEVEL": level})
        finally:
            theirs.close()
        transport, link = await self._loop.create_unix_connection(
            lambda: _WriterLink(self), sock=ours)
        transport.write(frame((self.backend, self.group_commit)))
        status, message = await link.ready
        if status != "ready":
            transport.close()
            await asyncio.to_thread(process.wait)
            raise RuntimeError(f"store writer failed to start: {message}")
        self._process, self._transport, self._link = process, transport, link
        if self._outbox:
            self._flush()

    async def close(self) -> None:
        """Let the writer answer everything sent, then stop it."""
        self._closing = True
        if self._respawning is not None:
            await asyncio.gather(self._respawning, return_exceptions=True)
        if self._transport is not None and self._link is not None:
            self._flush()
            self._transport.write_eof()
            await self._link.closed
        if self._process is not None:
            await asyncio.to_thread(self._process.wait)
            self._process = None
        with self._readers_lock:
            for connection in self._readers:
                connection.close()
            self._readers.clear()

    # -- writes -----------------------------------------------------------------------

    async def write(self, operation: str, *args: Any) -> Any:
        """Run ``operations.<operation>(db, *args)`` in the writer's next batch; return
        once that batch has committed."""
        if self._closing or self._loop is None:
            raise Errors.E501.error()
        future = self._loop.create_future()
        seq = next(self._seq)
        self._pending[seq] = future
        if not self._outbox and self._transport is not None:
            self._loop.call_soon(self._flush)
        self._outbox.append((seq, operation, args))
        return await future

    def _flush(self) -> None:
        """Send everything queued in this turn of the loop as one frame."""
        if self._outbox and self._transport is not None:
            self._transport.write(frame(self._outbox))
            self._outbox = []

    def _settle(self, results: list[tuple[int, bool, Any]], changed: list[str],
                seconds: float, size: int) -> None:
        if size:
            self.commit_seconds(seconds, size)
        for listener in self._listeners if changed else ():
            try:
                listener(changed)
            except Exception:
                log.exception("store listener failed")
        for seq, ok, value in results:
            future = self._pending.pop(seq, None)
            if future is None or future.done():
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    def _writer_lost(self, link: _WriterLink) -> None:
        """Fail what the lost writer held (unacknowledged, so nothing is lost); replace it."""
        if link is not self._link:
            return
        self._transport = self._link = None
        for future in self._pending.values():
            if not future.done():
                future.set_exception(Errors.E502.error())
        self._pending.clear()
        self._outbox = []
        if not self._closing:
            log.error("store writer exited; starting a new one")
            self._respawning = asyncio.ensure_future(self._respawn())

    async def _respawn(self) -> None:
        if self._process is not None:
            await asyncio.to_thread(self._process.wait)
        while not self._closing:
            try:
                await self._spawn_writer()
                return
            except Exception:
                log.exception("store writer restart failed; retrying")
                await asyncio.sleep(1.0)

    # -- reads ------------------------------------------------------------------------

    def read_sync(self, work: Work) -> Any:
        """Run a read on a pooled connection in the calling thread."""
        with self._readers_lock:
            connection = self._readers.pop() if self._readers else None
        if connection is None:
            connection = self.backend.connect()
        try:
            result = work(Db(connection, self.backend.placeholder))
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
        stored, replayed = await self.write("insert", review, revises)
        return (review if stored is None else stored), replayed

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
        return await self.write("claim", review_id, pharmacist, now_ms, lease_ms)

    async def release_claim(self, review_id: str, pharmacist: str, now_ms: int) -> StoredReview:
        return await self.write("release_claim", review_id, pharmacist, now_ms)

    async def decide(self, review_id: str, pharmacist: str, now_ms: int, approve: bool,
                     final_verdict: int, reason_code: str, reason: str) -> StoredReview:
        return await self.write("decide", review_id, pharmacist, now_ms, approve,
                                final_verdict, reason_code, reason)

    async def annotate(self, review_id: str, actor: str, now_ms: int, note: str) -> AuditEvent:
        return await self.write("annotate", review_id, actor, now_ms, note)

    async def double_sign(self, review_id: str, prescriber: str, now_ms: int, reason: str,
                          deadline_ms: int) -> StoredReview:
        return await self.write("double_sign", review_id, prescriber, now_ms, reason,
                                deadline_ms)

    async def fire_timeouts(self, now_ms: int) -> list[StoredReview]:
        return await self.write("fire_timeouts", now_ms)

