"""The store's writer process: owns the write connection and group-commits every batch.

The server sends write operations over a private socket; this process drains everything
that has arrived, runs it in one transaction and commits once - one fsync acknowledges a
whole batch - then answers with each operation's result. It runs apart from the server
so that its many short database calls never wait for the server's interpreter lock:
in-process, a commit of a few milliseconds' work took several times as long under load.

It exits when the server closes its end of the socket, after answering what it has
received, and so also when the server is killed.

Frames are a 4-byte big-endian length and a pickle. The first frame to the writer is
``(backend, group_commit)``; it answers ``("ready", None)`` or ``("failed", message)``.
Each later frame to it is a list of ``(seq, operation, args)``; each answer is
``(results, changed_review_ids, commit_seconds, batch_size)`` with ``results`` a list
of ``(seq, ok, value)``.
"""
from __future__ import annotations

import logging
import os
import pickle
import select
import socket
import struct
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from reviewer.errors import Errors, ReviewError
from reviewer.store import operations as ops
from reviewer.store.operations import Db

log = logging.getLogger(__name__)
HEADER = struct.Struct(">I")
MAX_BATCH = 512
RATE_WINDOW_SECONDS = 0.1
#: A checkpoint this slow is logged: every write waits behind it.
SLOW_CHECKPOINT_SECONDS = 0.02
#: The operations a batch may run: every write the store offers, nothing else.
WRITE_OPERATIONS = frozenset({"insert", "claim", "release_claim", "decide", "annotate",
                              "double_sign", "fire_timeouts"})
Operation = tuple[int, str, tuple[Any, ...]]
Result = tuple[int, bool, Any]


@dataclass(frozen=True)
class GroupCommit:
    """How the writer groups commits (the ``[group_commit]`` table of the configuration).

    Above ``gather_above_per_second`` writes a second it waits ``gather_ms`` for more
    before committing: a commit's fsync costs the same CPU for one review as for ten, so
    at high rates fewer, larger groups leave the server more CPU; at low rates it commits
    at once. It checkpoints SQLite's WAL every ``checkpoint_ms`` while writes come.
    """

    gather_above_per_second: float = 1500.0
    gather_ms: float = 4.0
    checkpoint_ms: float = 250.0

    def __post_init__(self) -> None:
        for name in ("gather_above_per_second", "gather_ms", "checkpoint_ms"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"group_commit.{name}: expected a number >= 0, got {value!r}")
        if self.gather_ms > 50:
            raise ValueError(f"group_commit.gather_ms: at most 50 (every review under load "
                             f"waits for it), got {self.gather_ms!r}")


class Backend(Protocol):
    """How to reach one database: what the writer and the readers connect with."""

    placeholder: str
    notify_sql: str | None

    def connect(self) -> Any: ...

    def begin(self, connection: Any) -> None: ...

    def commit(self, connection: Any) -> None: ...

    def rollback(self, connection: Any) -> None: ...

    def checkpoint(self, connection: Any) -> None: ...


def frame(payload: Any) -> bytes:
    """One length-prefixed pickle."""
    body = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(body)) + body


def split_frames(buffer: bytearray) -> Iterator[Any]:
    """Take every complete frame off the front of ``buffer``, unpickled."""
    start = 0
    while len(buffer) - start >= HEADER.size:
        (size,) = HEADER.unpack_from(buffer, start)
        end = start + HEADER.size + size
        if len(buffer) < end:
            break
        yield pickle.loads(memoryview(buffer)[start + HEADER.size:end])
        start = end
    del buffer[:start]


def run_batch(backend: Backend, connection: Any, batch: list[Operation]
              ) -> tuple[list[Result], list[str]]:
    """One transaction for the whole batch. Operations raise their domain errors before
    they write anything, so those need no rollback; any other failure rolls the batch
    back and runs each operation again in a transaction of its own."""
    db = Db(connection, backend.placeholder, backend.notify_sql)
    try:
        backend.begin(connection)
        results: list[Result] = []
        for seq, name, args in batch:
            try:
                results.append((seq, True, _compact(getattr(ops, name)(db, *args), args)))
            except ReviewError as exc:
                results.append((seq, False, exc))
        backend.commit(connection)
    except Exception:
        _rollback_quietly(backend, connection)
        if len(batch) == 1:
            log.exception("store write failed")
            return [(batch[0][0], False, Errors.E502.error())], []
        results, changed = [], []
        for one in batch:
            done, touched = run_batch(backend, connection, [one])
            results += done
            changed += touched
        return results, changed
    return results, db.changed


def _compact(value: Any, args: tuple[Any, ...]) -> Any:
    """A new review stored as sent is answered ``(None, False)``: the server has it."""
    if isinstance(value, tuple) and len(value) == 2 and args and value[0] is args[0]:
        return (None, value[1])
    return value


def _rollback_quietly(backend: Backend, connection: Any) -> None:
    try:
        backend.rollback(connection)
    except Exception:
        log.exception("rollback failed")


def _checked(operations: list[Operation]) -> tuple[list[Operation], list[Result]]:
    """Split off anything that is not a known write (a bug in the sender)."""
    known, refused = [], []
    for seq, name, args in operations:
        if name in WRITE_OPERATIONS:
            known.append((seq, name, args))
        else:
            log.error("writer refused unknown operation %r", name)
            refused.append((seq, False, Errors.E502.error()))
    return known, refused


class Inbox:
    """Frames arriving on the socket, taken as they come."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray()
        self.eof = False

    def receive(self, timeout: float | None) -> list[Any]:
        """Every frame that arrives within ``timeout`` seconds (``None``: wait for one)."""
        if self.eof:
            return []
        ready, _, _ = select.select([self.sock], [], [], timeout)
        if not ready:
            return []
        chunk = self.sock.recv(1 << 20)
        while chunk:
            self.buffer += chunk
            try:
                chunk = self.sock.recv(1 << 20, socket.MSG_DONTWAIT)
            except BlockingIOError:
                break
        else:
            self.eof = True
        return list(split_frames(self.buffer))


class Writer:
    """Runs batches for one server; gathers a little longer when writes come fast."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.inbox = Inbox(sock)
        self.backend: Backend | None = None
        self.tuning = GroupCommit()
        self.connection: Any = None
        self.rate = 0.0
        self.window_start = self.last_checkpoint = time.perf_counter()
        self.window_writes = 0

    def serve(self) -> None:
        """Answer batches until the server closes its end."""
        try:
            if not self._connect():
                return
            while not self.inbox.eof:
                operations = self._gather()
                if operations:
                    self._answer(operations)
                    self._checkpoint_when_due()
        finally:
            if self.connection is not None:
                self.connection.close()

    def _connect(self) -> bool:
        frames: list[Any] = []
        while not frames and not self.inbox.eof:
            frames = self.inbox.receive(None)
        if not frames:
            return False
        self.backend, self.tuning = frames[0]
        try:
            self.connection = self.backend.connect()
        except Exception as exc:
            self.sock.sendall(frame(("failed", f"{type(exc).__name__}: {exc}")))
            return False
        self.sock.sendall(frame(("ready", None)))
        for operations in frames[1:]:
            self._answer(operations)
        return True

    def _gather(self) -> list[Operation]:
        """What has arrived; while writes come faster than ``gather_above_per_second``,
        also what arrives in the next ``gather_ms`` (see ``GroupCommit``; PostgreSQL's
        ``commit_delay`` makes the same trade)."""
        operations = [op for payload in self.inbox.receive(None) for op in payload]
        tuning = self.tuning
        if (tuning.gather_ms and self.rate >= tuning.gather_above_per_second
                and len(operations) < MAX_BATCH):
            time.sleep(tuning.gather_ms / 1000)
            operations += [op for payload in self.inbox.receive(0) for op in payload]
        self._count(len(operations))
        return operations

    def _count(self, writes: int) -> None:
        """Keep ``rate``: writes a second over the last whole ``RATE_WINDOW_SECONDS``."""
        self.window_writes += writes
        now = time.perf_counter()
        if now - self.window_start >= RATE_WINDOW_SECONDS:
            self.rate = self.window_writes / (now - self.window_start)
            self.window_start, self.window_writes = now, 0

    def _checkpoint_when_due(self) -> None:
        """Checkpoint every ``checkpoint_ms`` while writes come: small and often keeps
        each pause short."""
        assert self.backend is not None
        now = time.perf_counter()
        if now - self.last_checkpoint < self.tuning.checkpoint_ms / 1000:
            return
        self.last_checkpoint = now
        try:
            self.backend.checkpoint(self.connection)
        except Exception:
            log.exception("checkpoint failed")
        took = time.perf_counter() - now
        if took >= SLOW_CHECKPOINT_SECONDS:
            log.warning("WAL checkpoint took %.0f ms; writes waited behind it", took * 1000)

    def _answer(self, operations: list[Operation]) -> None:
        assert self.backend is not None
        known, refused = _checked(operations)
        if refused:
            self.sock.sendall(frame((refused, [], 0.0, 0)))
        for start in range(0, len(known), MAX_BATCH):
            batch = known[start:start + MAX_BATCH]
            started = time.perf_counter()
            results, changed = run_batch(self.backend, self.connection, batch)
            self.sock.sendall(frame((results, changed, time.perf_counter() - started,
                                     len(batch))))


def main(argv: list[str]) -> int:
    """``python -m reviewer.store.writer FD``: serve on the inherited socket FD."""
    from reviewer.logs import configure_logging
    configure_logging(os.environ.get("REVIEWER_LOG_LEVEL", "INFO"))
    sock = socket.socket(fileno=int(argv[0]))
    try:
        Writer(sock).serve()
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server went away: nothing unanswered was acknowledged
    finally:
        sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
