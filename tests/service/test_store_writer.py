"""The writer process's pieces: framing, batches that keep going, the gather policy."""
from __future__ import annotations

import socket
from pathlib import Path

import pytest

from reviewer.errors import ReviewError
from reviewer.store import StoredReview
from reviewer.store import writer as writer_module
from reviewer.store.sqlite import SqliteBackend, SqliteStore
from reviewer.store.writer import (
    RATE_WINDOW_SECONDS, GroupCommit, Writer, frame, run_batch, split_frames)


def _review(n: int) -> StoredReview:
    return StoredReview(review_id=f"{n:028x}", unit_id="u1", prescription_id=f"rx-{n}",
                        version=1, request_hash="ab" * 32, request=b"q", response=b"r",
                        verdict=1, state=1, kind=1, unit_level=2, kb_version="kb", created_ms=n)


def test_frames_split_only_when_whole() -> None:
    data = frame(["a", 1]) + frame(("b", None))
    buffer = bytearray(data[:-3])
    assert list(split_frames(buffer)) == [["a", 1]]
    buffer += data[-3:]
    assert list(split_frames(buffer)) == [("b", None)]
    assert buffer == bytearray()


def test_a_domain_error_does_not_sink_its_batch(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "r.sqlite3")
    store.migrate()
    connection = store.backend.connect()
    try:
        first, clash = _review(1), _review(2)
        clash.prescription_id, clash.request_hash = first.prescription_id, "cd" * 32
        results, changed = run_batch(store.backend, connection, [
            (1, "insert", (first, None)), (2, "insert", (clash, None)),
            (3, "insert", (_review(3), None))])
        assert [(seq, ok) for seq, ok, _ in results] == [(1, True), (2, False), (3, True)]
        assert results[0][2] == (None, False)  # stored as sent: the server has it
        assert isinstance(results[1][2], ReviewError) and results[1][2].code == "E303"
        assert changed == [first.review_id, _review(3).review_id]
        count = connection.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
        assert count == 2
    finally:
        connection.close()


def test_gathering_starts_only_above_the_rate(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = socket.socketpair()
    tuning = GroupCommit(gather_above_per_second=900, gather_ms=3)
    try:
        writer = Writer(theirs)
        ours.sendall(frame((SqliteBackend(tmp_path / "r.sqlite3"), tuning)))
        assert writer._connect() and writer.tuning == tuning  # the configured tuning
        writer.window_start -= RATE_WINDOW_SECONDS
        writer._count(int(900 * RATE_WINDOW_SECONDS * 0.5))
        assert writer.rate < 900
        slept: list[float] = []
        monkeypatch.setattr(writer_module.time, "sleep", slept.append)
        ours.sendall(frame([(1, "insert", (_review(1), None))]))
        assert len(writer._gather()) == 1 and slept == []
        writer.rate = 900 * 2
        ours.sendall(frame([(2, "insert", (_review(2), None))]))
        assert len(writer._gather()) == 1 and slept == [0.003]
    finally:
        if writer.connection is not None:
            writer.connection.close()
        ours.close()
        theirs.close()


def test_group_commit_rejects_values_it_cannot_use() -> None:
    with pytest.raises(ValueError, match="gather_ms"):
        GroupCommit(gather_ms=60)
    with pytest.raises(ValueError, match="checkpoint_ms"):
        GroupCommit(checkpoint_ms=-1)
    with pytest.raises(ValueError, match="gather_above_per_second"):
        GroupCommit(gather_above_per_second="fast")  # type: ignore[arg-type]


def test_stored_reviews_pickle_by_value() -> None:
    import pickle
    review = _review(7)
    assert pickle.loads(pickle.dumps(review)) == review


def test_a_timeout_backlog_is_fired_in_small_batches(tmp_path: Path) -> None:
    from reviewer.store import operations as ops
    store = SqliteStore(tmp_path / "r.sqlite3")
    store.migrate()
    connection = store.backend.connect()
    try:
        backlog = ops.TIMEOUT_BATCH * 2 + 7
        held = []
        for n in range(backlog):
            review = _review(n)
            review.state, review.deadline_ms = ops.PENDING, 1_000 + n
            held.append((n, "insert", (review, None)))
        run_batch(store.backend, connection, held)
        sizes = []
        while True:
            results, _ = run_batch(store.backend, connection, [(0, "fire_timeouts", (10_000,))])
            fired = results[0][2]
            sizes.append(len(fired))
            if len(fired) < ops.TIMEOUT_BATCH:
                break
        assert sizes == [ops.TIMEOUT_BATCH, ops.TIMEOUT_BATCH, 7]
        assert all(r.state == ops.RELEASED_UNREVIEWED for r in fired)
    finally:
        connection.close()
