"""The pharmacist's ``PharmacistService``: queue, claims with leases, decisions, notes."""
from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable

import grpc

from reviewer.config import Config
from reviewer.errors import Errors, ReviewError
from reviewer.metrics import Metrics
from reviewer.service import STATUS_BY_KIND, decision_of, fetch_review, maps_errors
from reviewer.store import AuditEvent, ReviewStore, StoredReview
from reviewer.v1 import pharmacist_pb2 as ph
from reviewer.v1 import pharmacist_pb2_grpc
from reviewer.v1 import review_pb2 as pb
from reviewer.watch import ChangeHub, wait

DEFAULT_LEASE_SECONDS = 120
MAX_LEASE_SECONDS = 1800
KIND_NAMES = {pb.OUTPATIENT: "outpatient", pb.EMERGENCY: "emergency",
              pb.INPATIENT: "inpatient", pb.CHRONIC: "chronic"}


def queue_item(review: StoredReview, now_ms: int) -> ph.QueueItem:
    """A list row: what a pharmacist scans, with the countdown."""
    response = pb.ReviewResponse.FromString(review.response)
    request = pb.ReviewRequest.FromString(review.request)
    top = max((f.severity for f in response.findings), default=0)
    return ph.QueueItem(
        review_id=review.review_id, kind=review.kind, unit_level=review.unit_level,
        department=request.department, state=review.state, verdict=review.verdict,
        top_severity=top, finding_count=len(response.findings),
        claimed_by=review.claimed_by or "", claim_until_unix_ms=review.claim_until_ms,
        deadline_unix_ms=review.deadline_ms,
        seconds_left=max(0, (review.deadline_ms - now_ms) // 1000) if review.deadline_ms else 0,
        created_unix_ms=review.created_ms,
        headline=response.findings[0].message if response.findings else "")


def audit_event(event: AuditEvent) -> ph.AuditEvent:
    return ph.AuditEvent(at_unix_ms=event.at_ms, actor=event.actor, action=event.action,
                         detail=event.detail)


def _pharmacist(value: str) -> str:
    if not value.strip():
        raise Errors.E102.error(field="pharmacist_id")
    return value.strip()


class PharmacistService(pharmacist_pb2_grpc.PharmacistServiceServicer):
    """The county centre's pharmacists work the queue through this service."""

    def __init__(self, config: Config, store: ReviewStore, hub: ChangeHub, metrics: Metrics,
                 clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.store = store
        self.hub = hub
        self.metrics = metrics
        self.clock = clock

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    async def _snapshot(self, limit: int) -> ph.QueueSnapshot:
        now_ms = self._now_ms()
        reviews = await self.store.queue(limit or 100)
        depth = await self.store.depth_by_kind()
        return ph.QueueSnapshot(
            items=[queue_item(r, now_ms) for r in reviews],
            depth_by_kind={KIND_NAMES.get(k, str(k)): v for k, v in depth.items()},
            server_time_unix_ms=now_ms)

    @maps_errors
    async def ListQueue(self, request: ph.ListQueueRequest,
                        context: grpc.aio.ServicerContext) -> ph.QueueSnapshot:
        return await self._snapshot(request.limit)

    async def WatchQueue(self, request: ph.WatchQueueRequest,
                         context: grpc.aio.ServicerContext) -> AsyncIterator[ph.QueueSnapshot]:
        """A snapshot on every change and at least every ``refresh_seconds``."""
        refresh = max(request.refresh_seconds or 1, 1)
        try:
            with self.hub.queue() as changed:
                while True:
                    yield await self._snapshot(request.limit)
                    await wait(changed, refresh)
        except ReviewError as exc:
            await context.abort(STATUS_BY_KIND[exc.kind], exc.message)

    @maps_errors
    async def Claim(self, request: ph.ClaimRequest,
                    context: grpc.aio.ServicerContext) -> ph.QueueItem:
        lease = min(request.lease_seconds or DEFAULT_LEASE_SECONDS, MAX_LEASE_SECONDS)
        now_ms = self._now_ms()
        review = await self.store.claim(request.review_id, _pharmacist(request.pharmacist_id),
                                        now_ms, lease * 1000)
        return queue_item(review, now_ms)

    @maps_errors
    async def ReleaseClaim(self, request: ph.ReleaseClaimRequest,
                           context: grpc.aio.ServicerContext) -> ph.QueueItem:
        now_ms = self._now_ms()
        review = await self.store.release_claim(request.review_id,
                                                _pharmacist(request.pharmacist_id), now_ms)
        return queue_item(review, now_ms)

    @maps_errors
    async def GetReview(self, request: ph.GetReviewRequest,
                        context: grpc.aio.ServicerContext) -> ph.ReviewDetail:
        review = await fetch_review(self.store, request.review_id)
        events = await self.store.events(request.review_id)
        return ph.ReviewDetail(
            request=pb.ReviewRequest.FromString(review.request),
            response=pb.ReviewResponse.FromString(review.response),
            decision=decision_of(review), events=[audit_event(e) for e in events],
            revises=review.revises or "")

    @maps_errors
    async def Approve(self, request: ph.ApproveRequest,
                      context: grpc.aio.ServicerContext) -> pb.Decision:
        review = await self.store.decide(
            request.review_id, _pharmacist(request.pharmacist_id), self._now_ms(), True,
            pb.PASS_WITH_NOTES, "", request.note)
        self.metrics.observe_decision("approved", review.created_ms, review.decided_ms)
        return decision_of(review)

    @maps_errors
    async def Reject(self, request: ph.RejectRequest,
                     context: grpc.aio.ServicerContext) -> pb.Decision:
        templates = self.config.reason_templates
        if request.reason_code and request.reason_code not in templates:
            raise Errors.E103.error(field="reason_code", value=request.reason_code,
                                    what="reason template code")
        reason = request.reason.strip() or templates.get(request.reason_code, "")
        if not reason:
            raise Errors.E101.error(field="reason", problem="give a reason_code or a reason")
        review = await self.store.decide(
            request.review_id, _pharmacist(request.pharmacist_id), self._now_ms(), False,
            pb.BLOCK, request.reason_code, reason)
        self.metrics.observe_decision("rejected", review.created_ms, review.decided_ms)
        return decision_of(review)

    @maps_errors
    async def Annotate(self, request: ph.AnnotateRequest,
                       context: grpc.aio.ServicerContext) -> ph.AuditEvent:
        if not request.note.strip():
            raise Errors.E102.error(field="note")
        event = await self.store.annotate(
            request.review_id, f"pharmacist:{_pharmacist(request.pharmacist_id)}",
            self._now_ms(), request.note.strip())
        return audit_event(event)

    @maps_errors
    async def ListReasonTemplates(self, request: ph.ListReasonTemplatesRequest,
                                  context: grpc.aio.ServicerContext) -> ph.ReasonTemplates:
        return ph.ReasonTemplates(templates=self.config.reason_templates)
