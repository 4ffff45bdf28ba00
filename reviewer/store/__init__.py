"""Durable storage of reviews: what the store keeps and the interface both backends serve."""
from __future__ import annotations

from dataclasses import dataclass, fields
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

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_row(cls, row: Any) -> "StoredReview":
        values = list(row)
        values[5] = bytes(values[5])
        values[6] = bytes(values[6])
        return cls(*values)


class ReviewStore(Protocol):
    """What the service needs from a backend (SQLite embedded, PostgreSQL for replicas)."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def insert(self, review: StoredReview) -> tuple[StoredReview, bool]:
        """Persist a new review durably; on an idempotency-key hit return the stored one
        and True."""
        ...

    async def get(self, review_id: str) -> StoredReview | None: ...
