-- Reviews and their audit trail.
-- depends:
CREATE TABLE reviews (
    review_id        TEXT PRIMARY KEY,
    unit_id          TEXT NOT NULL,
    prescription_id  TEXT NOT NULL,
    version          INTEGER NOT NULL,
    request_hash     TEXT NOT NULL,
    request          BLOB NOT NULL,
    response         BLOB NOT NULL,
    verdict          INTEGER NOT NULL,
    state            INTEGER NOT NULL,
    kind             INTEGER NOT NULL,
    unit_level       INTEGER NOT NULL,
    kb_version       TEXT NOT NULL,
    created_ms       INTEGER NOT NULL,
    deadline_ms      INTEGER NOT NULL DEFAULT 0,
    decided_ms       INTEGER NOT NULL DEFAULT 0,
    final_verdict    INTEGER NOT NULL DEFAULT 0,
    revises          TEXT,
    superseded_by    TEXT,
    claimed_by       TEXT,
    claim_until_ms   INTEGER NOT NULL DEFAULT 0,
    pharmacist_id    TEXT,
    reason_code      TEXT,
    reason           TEXT,
    timeout_action   TEXT NOT NULL DEFAULT 'release',
    UNIQUE (unit_id, prescription_id, version)
);
CREATE INDEX reviews_open ON reviews (state, deadline_ms);

CREATE TABLE review_events (
    event_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    review_id  TEXT NOT NULL REFERENCES reviews (review_id),
    at_ms      INTEGER NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX review_events_review ON review_events (review_id, event_id);
