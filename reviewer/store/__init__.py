"""Durable storage of reviews: what the store keeps and the interface both backends serve."""
from __future__ import annotations

from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any, Protocol


@dataclass
class StoredReview:
    """One review as persisted: the request, the system's answer and the decision."""

    review_id: str
    unit_id: str
    prescription_id: str
    version: int
    request_hash: str
    request: bytes
    response: bytes
    verdict: int
    state: int
    kind: int
    unit_level: int
    kb_version: str
    created_ms: int
    deadline_ms: int = 0
    decided_ms: int = 0
    final_verdict: int = 0
    revises: str | None = None
    superseded_by: str | None = None
    claimed_by: str | None = None
    claim_until_ms: int = 0
    pharmacist_id: str | None = None
    reason_code: str | None = None
    reason: str | None = None
    timeout_action: str = "release"

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_row(cls, row: Any) -> "StoredReview":
        values = list(row)
        values[5] = bytes(values[5])
        values[6] = bytes(values[6])
        return cls(*values)

    def values(self) -> tuple[Any, ...]:
        """Every column's value, in ``columns()`` order."""
        return _VALUES(self)

    def __reduce__(self) -> tuple[type["StoredReview"], tuple[Any, ...]]:
        # Positional values pickle several times faster than a dataclass's __dict__.
        return (StoredReview, _VALUES(self))


_VALUES = attrgetter(*StoredReview.columns())


@dataclass(frozen=True)
class AuditEvent:
    """One line of a review's audit trail."""

    review_id: str
    at_ms: int
    actor: str
    action: str
    detail: str


class ReviewStore(Protocol):
    """What the service needs from a backend (SQLite embedded, PostgreSQL for replicas).

    Every write is committed before it returns; a state change also wakes watchers on
    every replica (``subscribe``).
    """

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def insert(self, review: StoredReview, revises: str | None = None
                     ) -> tuple[StoredReview, bool]: ...

    async def get(self, review_id: str) -> StoredReview | None: ...

    async def queue(self, limit: int) -> list[StoredReview]: ...

    async def depth_by_kind(self) -> dict[int, int]: ...

    async def events(self, review_id: str) -> list[AuditEvent]: ...

    async def claim(self, review_id: str, pharmacist: str, now_ms: int,
                    lease_ms: int) -> StoredReview: ...

    async def release_claim(self, review_id: str, pharmacist: str,
                            now_ms: int) -> StoredReview: ...

    async def decide(self, review_id: str, pharmacist: str, now_ms: int, approve: bool,
                     final_verdict: int, reason_code: str, reason: str) -> StoredReview: ...

    async def annotate(self, review_id: str, actor: str, now_ms: int,
                       note: str) -> AuditEvent: ...

    async def double_sign(self, review_id: str, prescriber: str, now_ms: int, reason: str,
                          deadline_ms: int) -> StoredReview: ...

    async def fire_timeouts(self, now_ms: int) -> list[StoredReview]: ...
