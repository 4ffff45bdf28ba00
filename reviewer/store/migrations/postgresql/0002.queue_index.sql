-- The pharmacist queue's order and the queue depth read only this index, so a backlog
-- of thousands of held reviews is ordered and counted without reading their rows.
-- depends: 0001.initial
CREATE INDEX reviews_queue ON reviews (state, kind, deadline_ms, created_ms, review_id);
