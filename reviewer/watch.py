"""Wake waiting streams when reviews change, on this replica or (via the store) others."""
from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager


class ChangeHub:
    """Per-review and whole-queue wake-ups for WatchDecision and WatchQueue streams.

    The store calls ``changed`` on the event loop after a commit (its own, or another
    replica's that it heard of); waiters register *before* they read, so no change
    between the read and the wait is lost.
    """

    def __init__(self) -> None:
        self._by_review: dict[str, set[asyncio.Event]] = defaultdict(set)
        self._queue: set[asyncio.Event] = set()

    def changed(self, review_ids: list[str]) -> None:
        for review_id in review_ids:
            for event in self._by_review.get(review_id, ()):
                event.set()
        for event in self._queue:
            event.set()

    @contextmanager
    def review(self, review_id: str) -> Iterator[asyncio.Event]:
        """An event set whenever ``review_id`` changes, while the block runs."""
        event = asyncio.Event()
        self._by_review[review_id].add(event)
        try:
            yield event
        finally:
            waiters = self._by_review.get(review_id)
            if waiters is not None:
                waiters.discard(event)
                if not waiters:
                    del self._by_review[review_id]

    @contextmanager
    def queue(self) -> Iterator[asyncio.Event]:
        """An event set whenever any review changes, while the block runs."""
        event = asyncio.Event()
        self._queue.add(event)
        try:
            yield event
        finally:
            self._queue.discard(event)


async def wait(event: asyncio.Event, timeout: float) -> bool:
    """Wait for ``event`` up to ``timeout`` seconds, then clear it; True if it was set."""
    try:
        await asyncio.wait_for(event.wait(), timeout)
    except asyncio.TimeoutError:
        return False
    event.clear()
    return True
