-- The pharmacist queue's order and the queue depth read only this index, so a backlog
-- of thousands of held reviews is ordered and counted without reading their rows.
-- Partial: only open reviews (PENDING, CLAIMED, ESCALATED) are in it, so writing a
-- review that needs no pharmacist does not touch it. The queries name these states
-- as literals, as the planner requires to use a partial index.
-- depends: 0001.initial
CREATE INDEX reviews_queue ON reviews (state, kind, deadline_ms, created_ms, review_id)
    WHERE state IN (2, 3, 9);
