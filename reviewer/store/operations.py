"""Every store operation as SQL over a thin connection adapter, shared by both backends.

State changes are conditional updates (``UPDATE ... WHERE state IN ...``): whichever
replica's update lands first wins, the others see no row changed. That is what makes a
claim exclusive and a timeout fire exactly once, on SQLite and on PostgreSQL alike.
"""
from __future__ import annotations

from typing import Any

from reviewer.errors import Errors
from reviewer.store import AuditEvent, StoredReview

# Decision states, in the proto's numbering (reviewer.v1.DecisionState).
FINAL_BY_SYSTEM, PENDING, CLAIMED, APPROVED, REJECTED = 1, 2, 3, 4, 5
DOUBLE_SIGNED, RELEASED_UNREVIEWED, TIMEOUT_BLOCKED, ESCALATED, SUPERSEDED = 6, 7, 8, 9, 10
STATE_NAMES = {1: "FINAL_BY_SYSTEM", 2: "PENDING", 3: "CLAIMED", 4: "APPROVED",
               5: "REJECTED", 6: "DOUBLE_SIGNED", 7: "RELEASED_UNREVIEWED",
               8: "TIMEOUT_BLOCKED", 9: "ESCALATED", 10: "SUPERSEDED"}
OPEN_STATES = (PENDING, CLAIMED, ESCALATED)
#: Open reviews, with the states as literals: the partial index ``reviews_queue``
#: (migration 0002) is only used when the query names them the same way.
OPEN = f"state IN ({', '.join(str(state) for state in OPEN_STATES)})"
# Verdicts (reviewer.v1.Verdict) and prescription kinds.
PASS_WITH_NOTES, BLOCK = 2, 4
EMERGENCY = 2

COLUMNS = StoredReview.columns()
SELECT = f"SELECT {', '.join(COLUMNS)} FROM reviews"
INSERT = (f"INSERT INTO reviews ({', '.join(COLUMNS)}) VALUES "
          f"({', '.join('?' for _ in COLUMNS)}) ON CONFLICT DO NOTHING")
TIMEOUT_STATES = {"release": RELEASED_UNREVIEWED, "block": TIMEOUT_BLOCKED,
                  "escalate": ESCALATED}
TIMEOUT_VERDICTS = {"release": PASS_WITH_NOTES, "block": BLOCK, "escalate": 0}
#: Timeouts fired per write. A backlog (a night with no pharmacist on duty) is worked off
#: in small batches between reviews: one batch of 500 held the writer for tens of ms.
TIMEOUT_BATCH = 50


class Db:
    """A connection with ``?`` placeholders and a way to tell other replicas."""

    def __init__(self, connection: Any, placeholder: str = "?",
                 notify_sql: str | None = None) -> None:
        self.connection = connection
        self.placeholder = placeholder
        self.notify_sql = notify_sql
        self.changed: list[str] = []

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        if self.placeholder != "?":
            sql = sql.replace("?", self.placeholder)
        return self.connection.execute(sql, params)

    def one(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return self.execute(sql, params).fetchone()

    def touched(self, review_id: str) -> None:
        """Record a state change: watchers here and on other replicas wake up."""
        self.changed.append(review_id)
        if self.notify_sql:
            self.execute(self.notify_sql, (review_id,))


def event(db: Db, review_id: str, at_ms: int, actor: str, action: str, detail: str = "") -> AuditEvent:
    db.execute("INSERT INTO review_events (review_id, at_ms, actor, action, detail) "
               "VALUES (?, ?, ?, ?, ?)", (review_id, at_ms, actor, action, detail))
    return AuditEvent(review_id, at_ms, actor, action, detail)


def fetch(db: Db, review_id: str) -> StoredReview:
    row = db.one(SELECT + " WHERE review_id = ?", (review_id,))
    if row is None:
        raise Errors.E201.error(review_id=review_id)
    return StoredReview.from_row(row)


def insert(db: Db, review: StoredReview, revises: str | None) -> tuple[StoredReview, bool]:
    """Insert a review (idempotent on unit, prescription id and version); a revision
    also supersedes the review it revises, in the same transaction."""
    if revises is not None:
        old = fetch(db, revises)
        if (old.unit_id, old.prescription_id) != (review.unit_id, review.prescription_id):
            raise Errors.E101.error(field="prescription.prescription_id",
                                    problem="a revision must keep the unit and prescription id")
        if old.state == SUPERSEDED and old.superseded_by:
            existing = db.one(SELECT + " WHERE unit_id = ? AND prescription_id = ? AND version = ?",
                              (review.unit_id, review.prescription_id, review.version))
            if existing is not None and StoredReview.from_row(existing).request_hash == review.request_hash:
                return StoredReview.from_row(existing), True
            raise Errors.E301.error(review_id=revises, state="SUPERSEDED", action="revise")
        if review.version <= old.version:
            raise Errors.E302.error(version=review.version, previous=old.version)
    if db.execute(INSERT, review.values()).rowcount == 1:
        if revises is not None:
            db.execute("UPDATE reviews SET state = ?, superseded_by = ? WHERE review_id = ?",
                       (SUPERSEDED, review.review_id, revises))
            event(db, revises, review.created_ms, "system", "superseded", review.review_id)
            event(db, review.review_id, review.created_ms, "system", "revises", revises)
            db.touched(revises)
        db.touched(review.review_id)
        return review, False
    row = db.one(SELECT + " WHERE unit_id = ? AND prescription_id = ? AND version = ?",
                 (review.unit_id, review.prescription_id, review.version))
    existing = StoredReview.from_row(row)
    if existing.request_hash != review.request_hash:
        raise Errors.E303.error()
    return existing, True


def queue(db: Db, limit: int) -> list[StoredReview]:
    """Open reviews, most urgent first: escalated, then emergency, then by deadline.

    The order comes from the ``reviews_queue`` index alone; only the reviews shown are
    read in full.
    """
    ids = [row[0] for row in db.execute(
        f"SELECT review_id FROM reviews WHERE {OPEN} "
        "ORDER BY CASE WHEN state = ? THEN 0 WHEN kind = ? THEN 1 ELSE 2 END, "
        "deadline_ms, created_ms LIMIT ?", (ESCALATED, EMERGENCY, limit))]
    if not ids:
        return []
    rows = db.execute(SELECT + f" WHERE review_id IN ({', '.join('?' for _ in ids)}) "
                      f"AND {OPEN}", tuple(ids)).fetchall()
    by_id = {row[0]: StoredReview.from_row(row) for row in rows}
    return [by_id[review_id] for review_id in ids if review_id in by_id]


def depth_by_kind(db: Db) -> dict[int, int]:
    rows = db.execute(f"SELECT kind, COUNT(*) FROM reviews WHERE {OPEN} GROUP BY kind").fetchall()
    return {int(kind): int(count) for kind, count in rows}


def events(db: Db, review_id: str) -> list[AuditEvent]:
    """The audit trail: the system's review (from the review row itself, which saves a
    write per review), then every recorded action in order."""
    review = fetch(db, review_id)
    rows = db.execute("SELECT review_id, at_ms, actor, action, detail FROM review_events "
                      "WHERE review_id = ? ORDER BY event_id", (review_id,)).fetchall()
    return [AuditEvent(review_id, review.created_ms, "system", "reviewed", str(review.verdict)),
            *(AuditEvent(*row) for row in rows)]


def _refuse(db: Db, review_id: str, pharmacist: str, now_ms: int, action: str) -> None:
    """Explain why a conditional update changed nothing."""
    review = fetch(db, review_id)
    if review.state == CLAIMED and review.claimed_by != pharmacist and review.claim_until_ms >= now_ms:
        raise Errors.E304.error(review_id=review_id)
    raise Errors.E301.error(review_id=review_id, state=STATE_NAMES.get(review.state, "?"),
                            action=action)


def claim(db: Db, review_id: str, pharmacist: str, now_ms: int, lease_ms: int) -> StoredReview:
    cursor = db.execute(
        "UPDATE reviews SET state = ?, claimed_by = ?, claim_until_ms = ? "
        "WHERE review_id = ? AND (state IN (?, ?) OR "
        "(state = ? AND (claim_until_ms < ? OR claimed_by = ?)))",
        (CLAIMED, pharmacist, now_ms + lease_ms, review_id, PENDING, ESCALATED, CLAIMED,
         now_ms, pharmacist))
    if cursor.rowcount != 1:
        _refuse(db, review_id, pharmacist, now_ms, "claim")
    event(db, review_id, now_ms, f"pharmacist:{pharmacist}", "claimed", f"lease {lease_ms} ms")
    db.touched(review_id)
    return fetch(db, review_id)


def release_claim(db: Db, review_id: str, pharmacist: str, now_ms: int) -> StoredReview:
    cursor = db.execute(
        "UPDATE reviews SET state = ?, claimed_by = NULL, claim_until_ms = 0 "
        "WHERE review_id = ? AND state = ? AND claimed_by = ?",
        (PENDING, review_id, CLAIMED, pharmacist))
    if cursor.rowcount != 1:
        _refuse(db, review_id, pharmacist, now_ms, "release")
    event(db, review_id, now_ms, f"pharmacist:{pharmacist}", "released")
    db.touched(review_id)
    return fetch(db, review_id)


def decide(db: Db, review_id: str, pharmacist: str, now_ms: int, approve: bool,
           final_verdict: int, reason_code: str, reason: str) -> StoredReview:
    """Approve or reject; only the pharmacist holding a live claim may."""
    state = APPROVED if approve else REJECTED
    cursor = db.execute(
        "UPDATE reviews SET state = ?, final_verdict = ?, decided_ms = ?, pharmacist_id = ?, "
        "reason_code = ?, reason = ?, claim_until_ms = 0 "
        "WHERE review_id = ? AND state = ? AND claimed_by = ? AND claim_until_ms >= ?",
        (state, final_verdict, now_ms, pharmacist, reason_code or None, reason or None,
         review_id, CLAIMED, pharmacist, now_ms))
    if cursor.rowcount != 1:
        _refuse(db, review_id, pharmacist, now_ms, "approve" if approve else "reject")
    detail = reason if approve else f"{reason_code} {reason}".strip()
    event(db, review_id, now_ms, f"pharmacist:{pharmacist}", "approved" if approve else "rejected",
          detail)
    db.touched(review_id)
    return fetch(db, review_id)


def annotate(db: Db, review_id: str, actor: str, now_ms: int, note: str) -> AuditEvent:
    fetch(db, review_id)
    return event(db, review_id, now_ms, actor, "annotated", note)


def double_sign(db: Db, review_id: str, prescriber: str, now_ms: int, reason: str,
                deadline_ms: int) -> StoredReview:
    """双签: a rejected prescription is released on the doctor's responsibility; one the
    system blocked goes to a pharmacist; one still waiting keeps waiting, with the
    doctor's reason on record."""
    review = fetch(db, review_id)
    actor = f"prescriber:{prescriber}"
    if review.state == REJECTED:
        cursor = db.execute(
            "UPDATE reviews SET state = ?, final_verdict = ?, decided_ms = ? "
            "WHERE review_id = ? AND state = ?",
            (DOUBLE_SIGNED, PASS_WITH_NOTES, now_ms, review_id, REJECTED))
    elif review.state == FINAL_BY_SYSTEM and review.verdict == BLOCK:
        cursor = db.execute(
            "UPDATE reviews SET state = ?, deadline_ms = ? WHERE review_id = ? AND state = ?",
            (PENDING, deadline_ms, review_id, FINAL_BY_SYSTEM))
    elif review.state in OPEN_STATES:
        event(db, review_id, now_ms, actor, "double_signed", reason)
        db.touched(review_id)
        return review
    else:
        raise Errors.E301.error(review_id=review_id, state=STATE_NAMES.get(review.state, "?"),
                                action="double-sign")
    if cursor.rowcount != 1:
        raise Errors.E301.error(review_id=review_id, state="changed", action="double-sign")
    event(db, review_id, now_ms, actor, "double_signed", reason)
    db.touched(review_id)
    return fetch(db, review_id)


def fire_timeouts(db: Db, now_ms: int, limit: int = TIMEOUT_BATCH) -> list[StoredReview]:
    """Apply the timeout action of up to ``limit`` overdue reviews, each exactly once,
    and record it."""
    due = db.execute(
        "SELECT review_id, timeout_action FROM reviews WHERE state IN (?, ?) "
        "AND deadline_ms > 0 AND deadline_ms <= ? ORDER BY deadline_ms LIMIT ?",
        (PENDING, CLAIMED, now_ms, limit)).fetchall()
    fired = []
    for review_id, action in due:
        cursor = db.execute(
            "UPDATE reviews SET state = ?, final_verdict = ?, decided_ms = ?, "
            "claim_until_ms = 0, deadline_ms = CASE WHEN ? = 'escalate' THEN 0 ELSE deadline_ms END "
            "WHERE review_id = ? AND state IN (?, ?) AND deadline_ms > 0 AND deadline_ms <= ?",
            (TIMEOUT_STATES[action], TIMEOUT_VERDICTS[action],
             now_ms if action != "escalate" else 0, action, review_id, PENDING, CLAIMED, now_ms))
        if cursor.rowcount == 1:
            event(db, review_id, now_ms, "system", f"timeout_{action}")
            db.touched(review_id)
            fired.append(fetch(db, review_id))
    return fired
