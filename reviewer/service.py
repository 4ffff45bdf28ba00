"""The HIS-facing ``ReviewService``: domain errors inside, gRPC status codes at the edge."""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import grpc

from reviewer.config import TimeoutRule
from reviewer.engine import ReviewEngine
from reviewer.errors import Errors, ReviewError
from reviewer.logs import ReviewLog
from reviewer.metrics import Metrics
from reviewer.store import ReviewStore, StoredReview
from reviewer.v1 import review_pb2 as pb
from reviewer.v1 import review_pb2_grpc
from reviewer.watch import ChangeHub, wait

log = logging.getLogger(__name__)
review_log = ReviewLog(__name__)

STATUS_BY_KIND = {
    "invalid": grpc.StatusCode.INVALID_ARGUMENT,
    "not_found": grpc.StatusCode.NOT_FOUND,
    "conflict": grpc.StatusCode.FAILED_PRECONDITION,
    "exhausted": grpc.StatusCode.RESOURCE_EXHAUSTED,
    "unavailable": grpc.StatusCode.UNAVAILABLE,
}
_KIND_NAMES = {pb.OUTPATIENT: "outpatient", pb.EMERGENCY: "emergency",
               pb.INPATIENT: "inpatient", pb.CHRONIC: "chronic"}
_LEVEL_NAMES = {pb.COUNTY_HOSPITAL: "COUNTY_HOSPITAL", pb.TOWNSHIP_CENTRE: "TOWNSHIP_CENTRE",
                pb.VILLAGE_CLINIC: "VILLAGE_CLINIC"}
_VERDICT_NAMES = {value: name for name, value in pb.Verdict.items()}
_FINAL_STATES = {pb.FINAL_BY_SYSTEM, pb.APPROVED, pb.DOUBLE_SIGNED, pb.RELEASED_UNREVIEWED,
                 pb.TIMEOUT_BLOCKED, pb.SUPERSEDED}

T = TypeVar("T")
#: A waiting stream re-reads the store at least this often, whatever it hears.
WATCH_POLL_SECONDS = 2.0


def new_review_id(now_ms: int) -> str:
    """Time-ordered, unguessable: 12 hex digits of milliseconds, then 64 random bits."""
    return f"{now_ms:012x}{secrets.token_hex(8)}"


def maps_errors(method: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    """Turn domain errors into their status code; anything else into INTERNAL."""
    @functools.wraps(method)
    async def wrapper(self: Any, request: Any, context: grpc.aio.ServicerContext) -> T:
        try:
            return await method(self, request, context)
        except ReviewError as exc:
            await context.abort(STATUS_BY_KIND[exc.kind], exc.message)
        except grpc.aio.AbortError:
            raise
        except Exception:
            reference = uuid.uuid4().hex[:12]
            log.exception("internal error in %s (ref %s)", method.__name__, reference)
            await context.abort(grpc.StatusCode.INTERNAL, f"internal error (ref {reference})")
        raise AssertionError("unreachable")
    return wrapper


async def fetch_review(store: ReviewStore, review_id: str) -> StoredReview:
    """The stored review, or NOT_FOUND naming it."""
    review = await store.get(review_id)
    if review is None:
        raise Errors.E201.error(review_id=review_id)
    return review


def decision_of(review: StoredReview) -> pb.Decision:
    """The HIS's view of a stored review's decision."""
    verdict = review.final_verdict or review.verdict
    return pb.Decision(
        review_id=review.review_id, state=review.state, verdict=verdict,
        final=review.state in _FINAL_STATES, reason_code=review.reason_code or "",
        reason=review.reason or "", pharmacist_id=review.pharmacist_id or "",
        decided_unix_ms=review.decided_ms, deadline_unix_ms=review.deadline_ms,
        superseded_by=review.superseded_by or "")


class ReviewService(review_pb2_grpc.ReviewServiceServicer):
    """Reviews at signing time and answers questions about held prescriptions."""

    def __init__(self, engine: ReviewEngine, store: ReviewStore, hub: ChangeHub,
                 metrics: Metrics, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.store = store
        self.hub = hub
        self.metrics = metrics
        self.clock = clock

    def _timeout_rule(self, request: pb.ReviewRequest) -> TimeoutRule:
        """The timeout rule for this kind of prescription at this level of unit."""
        timeouts = self.engine.config.timeouts
        kind = _KIND_NAMES.get(request.kind, "outpatient")
        level = timeouts.levels.get(_LEVEL_NAMES.get(request.unit_level, ""), {})
        return level.get(kind) or timeouts.kinds.get(kind) or TimeoutRule(180.0, "release")

    def _deadline_ms(self, request: pb.ReviewRequest, now_ms: int) -> int:
        return now_ms + int(self._timeout_rule(request).seconds * 1000)

    @maps_errors
    async def Review(self, request: pb.ReviewRequest,
                     context: grpc.aio.ServicerContext) -> pb.ReviewResponse:
        return await self._review(request, None)

    @maps_errors
    async def Revise(self, request: pb.ReviseRequest,
                     context: grpc.aio.ServicerContext) -> pb.ReviewResponse:
        if not request.revises_review_id:
            raise Errors.E102.error(field="revises_review_id")
        if not request.HasField("prescription"):
            raise Errors.E102.error(field="prescription")
        return await self._review(request.prescription, request.revises_review_id)

    async def _review(self, request: pb.ReviewRequest,
                      revises: str | None) -> pb.ReviewResponse:
        now = self.clock()
        now_ms = int(now * 1000)
        outcome = self.engine.review(request, dt.datetime.fromtimestamp(now, dt.timezone.utc))
        held = outcome.verdict == pb.HOLD
        review_id = new_review_id(now_ms)
        serialized = request.SerializeToString(deterministic=True)
        timeout = self._timeout_rule(request)
        response = pb.ReviewResponse(
            review_id=review_id, verdict=outcome.verdict, findings=outcome.findings,
            knowledge_base_version=outcome.knowledge_base_version,
            state=pb.PENDING if held else pb.FINAL_BY_SYSTEM,
            deadline_unix_ms=now_ms + int(timeout.seconds * 1000) if held else 0)
        stored, replayed = await self.store.insert(StoredReview(
            review_id=review_id, unit_id=request.unit_id,
            prescription_id=request.prescription_id, version=max(request.version, 1),
            request_hash=hashlib.sha256(serialized).hexdigest(), request=serialized,
            response=response.SerializeToString(), verdict=outcome.verdict,
            state=response.state, kind=request.kind, unit_level=request.unit_level,
            kb_version=outcome.knowledge_base_version, created_ms=now_ms,
            deadline_ms=response.deadline_unix_ms, revises=revises,
            timeout_action=timeout.action), revises)
        if replayed:
            response = pb.ReviewResponse.FromString(stored.response)
            response.state = stored.state
            response.replayed = True
        else:
            self.metrics.observe_review(response, request.unit_level)
        review_log.info("review", {
            "review_id": response.review_id, "verdict": _VERDICT_NAMES[response.verdict],
            "rules": [f.rule_id for f in response.findings], "replayed": replayed,
            "duration_ms": round((time.time() - now) * 1000, 3)})
        return response

    @maps_errors
    async def GetDecision(self, request: pb.GetDecisionRequest,
                          context: grpc.aio.ServicerContext) -> pb.Decision:
        review = await fetch_review(self.store, request.review_id)
        return decision_of(review)

    @maps_errors
    async def DoubleSign(self, request: pb.DoubleSignRequest,
                         context: grpc.aio.ServicerContext) -> pb.Decision:
        if not request.review_id:
            raise Errors.E102.error(field="review_id")
        if not request.prescriber_id.strip():
            raise Errors.E102.error(field="prescriber_id")
        if not request.reason.strip():
            raise Errors.E101.error(field="reason", problem="a double signature needs a reason")
        now_ms = int(self.clock() * 1000)
        review = await fetch_review(self.store, request.review_id)
        original = pb.ReviewRequest.FromString(review.request)
        review = await self.store.double_sign(
            request.review_id, request.prescriber_id, now_ms, request.reason,
            self._deadline_ms(original, now_ms))
        if review.state == pb.DOUBLE_SIGNED:
            self.metrics.observe_decision("double_signed", review.created_ms, review.decided_ms)
        return decision_of(review)

    async def WatchDecision(self, request: pb.WatchDecisionRequest,
                            context: grpc.aio.ServicerContext) -> AsyncIterator[pb.Decision]:
        """Send the current decision, then each change, until a final state."""
        try:
            with self.hub.review(request.review_id) as changed:
                last = None
                while True:
                    review = await fetch_review(self.store, request.review_id)
                    decision = decision_of(review)
                    if decision != last:
                        yield decision
                        last = decision
                    if decision.final:
                        return
                    await wait(changed, WATCH_POLL_SECONDS)
        except ReviewError as exc:
            await context.abort(STATUS_BY_KIND[exc.kind], exc.message)
