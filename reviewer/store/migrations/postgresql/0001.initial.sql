-- Reviews and their audit trail.
-- depends:
CREATE TABLE reviews (
    review_id        TEXT PRIMARY KEY,
    unit_id          TEXT NOT NULL,
    prescription_id  TEXT NOT NULL,
    version          BIGINT NOT NULL,
    request_hash     TEXT NOT NULL,
    request          BYTEA NOT NULL,
    response         BYTEA NOT NULL,
    verdict          BIGINT NOT NULL,
    state            BIGINT NOT NULL,
    kind             BIGINT NOT NULL,
    unit_level       BIGINT NOT NULL,
    kb_version       TEXT NOT NULL,
    created_ms       BIGINT NOT NULL,
    deadline_ms      BIGINT NOT NULL DEFAULT 0,
    decided_ms       BIGINT NOT NULL DEFAULT 0,
    final_verdict    BIGINT NOT NULL DEFAULT 0,
    revises          TEXT,
    superseded_by    TEXT,
    claimed_by       TEXT,
    claim_until_ms   BIGINT NOT NULL DEFAULT 0,
    pharmacist_id    TEXT,
    reason_code      TEXT,
    reason           TEXT,
    timeout_action   TEXT NOT NULL DEFAULT 'release',
    UNIQUE (unit_id, prescription_id, version)
);
CREATE INDEX reviews_open ON reviews (state, deadline_ms);

CREATE TABLE review_events (
    event_id   BIGSERIAL PRIMARY KEY,
    review_id  TEXT NOT NULL REFERENCES reviews (review_id),
    at_ms      BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX review_events_review ON review_events (review_id, event_id);
