"""The pharmacist half of 系统+药师双重审方, against a real server on SQLite and PostgreSQL."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest

from reviewer.config import Config, TimeoutConfig, TimeoutRule
from reviewer.v1 import pharmacist_pb2 as ph
from reviewer.v1 import pharmacist_pb2_grpc
from reviewer.v1 import review_pb2 as pb
from reviewer.v1 import review_pb2_grpc
from tests.builders import item, request
from tests.conftest import ServerThread

HELD = (item("某某神奇胶囊", 2, "粒", "tid"),)     # unrecognised: held for a pharmacist


def stubs(channel: grpc.Channel) -> tuple[review_pb2_grpc.ReviewServiceStub,
                                          pharmacist_pb2_grpc.PharmacistServiceStub]:
    return (review_pb2_grpc.ReviewServiceStub(channel),
            pharmacist_pb2_grpc.PharmacistServiceStub(channel))


def held(his: review_pb2_grpc.ReviewServiceStub, **kwargs: object) -> pb.ReviewResponse:
    response = his.Review(request(*HELD, **kwargs), timeout=5)  # type: ignore[arg-type]
    assert response.verdict == pb.HOLD and response.state == pb.PENDING
    return response


def watch_in_background(his: review_pb2_grpc.ReviewServiceStub,
                        review_id: str) -> tuple[list[tuple[float, pb.Decision]], threading.Thread]:
    seen: list[tuple[float, pb.Decision]] = []

    def run() -> None:
        for decision in his.WatchDecision(pb.WatchDecisionRequest(review_id=review_id), timeout=30):
            seen.append((time.monotonic(), decision))
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while not seen and time.monotonic() < deadline:
        time.sleep(0.01)
    assert seen and seen[0][1].state == pb.PENDING
    return seen, thread


def test_held_claimed_rejected_revised_approved(channel: grpc.Channel) -> None:
    his, pharmacist = stubs(channel)
    first = held(his, prescription_id="flow-1")
    seen, watcher = watch_in_background(his, first.review_id)

    claimed = pharmacist.Claim(ph.ClaimRequest(review_id=first.review_id, pharmacist_id="ph-1"),
                               timeout=5)
    assert claimed.state == pb.CLAIMED and claimed.claimed_by == "ph-1"
    assert claimed.seconds_left > 0
    rejected = pharmacist.Reject(ph.RejectRequest(review_id=first.review_id, pharmacist_id="ph-1",
                                                  reason_code="R02"), timeout=5)
    assert rejected.state == pb.REJECTED and rejected.verdict == pb.BLOCK
    assert rejected.reason == "遴选药品不适宜" and not rejected.final

    revised = his.Revise(pb.ReviseRequest(
        revises_review_id=first.review_id,
        prescription=request(item("某某神奇胶囊", 1, "粒", "tid"), prescription_id="flow-1",
                             version=2)), timeout=5)
    assert revised.verdict == pb.HOLD and revised.review_id != first.review_id
    watcher.join(timeout=5)
    states = [d.state for _, d in seen]
    assert states[-1] == pb.SUPERSEDED and seen[-1][1].superseded_by == revised.review_id
    assert pb.REJECTED in states

    pharmacist.Claim(ph.ClaimRequest(review_id=revised.review_id, pharmacist_id="ph-2"), timeout=5)
    approved = pharmacist.Approve(ph.ApproveRequest(review_id=revised.review_id,
                                                    pharmacist_id="ph-2", note="剂量已核"), timeout=5)
    assert approved.final and approved.state == pb.APPROVED
    assert approved.verdict == pb.PASS_WITH_NOTES and approved.pharmacist_id == "ph-2"

    detail = pharmacist.GetReview(ph.GetReviewRequest(review_id=revised.review_id), timeout=5)
    assert detail.revises == first.review_id
    assert [e.action for e in detail.events] == ["reviewed", "revises", "claimed", "approved"]
    old = pharmacist.GetReview(ph.GetReviewRequest(review_id=first.review_id), timeout=5)
    assert [e.action for e in old.events] == ["reviewed", "claimed", "rejected", "superseded"]
    assert old.events[1].actor == "pharmacist:ph-1"


def test_held_double_signed_and_released(channel: grpc.Channel) -> None:
    his, pharmacist = stubs(channel)
    response = held(his)
    pharmacist.Claim(ph.ClaimRequest(review_id=response.review_id, pharmacist_id="ph-1"), timeout=5)
    pharmacist.Reject(ph.RejectRequest(review_id=response.review_id, pharmacist_id="ph-1",
                                       reason="建议换用常规退热药"), timeout=5)
    with pytest.raises(grpc.RpcError) as caught:
        his.DoubleSign(pb.DoubleSignRequest(review_id=response.review_id, prescriber_id="doc-1"),
                       timeout=5)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "reason" in caught.value.details()
    decision = his.DoubleSign(pb.DoubleSignRequest(
        review_id=response.review_id, prescriber_id="doc-1", reason="患者长期使用，疗效确切"),
        timeout=5)
    assert decision.state == pb.DOUBLE_SIGNED and decision.final
    assert decision.verdict == pb.PASS_WITH_NOTES
    detail = pharmacist.GetReview(ph.GetReviewRequest(review_id=response.review_id), timeout=5)
    assert detail.events[-1].action == "double_signed"
    assert detail.events[-1].actor == "prescriber:doc-1"
    assert detail.events[-1].detail == "患者长期使用，疗效确切"


def test_two_pharmacists_racing_for_one_item(channel: grpc.Channel) -> None:
    his, pharmacist = stubs(channel)
    response = held(his)
    barrier = threading.Barrier(8)

    def claim(who: int) -> str:
        barrier.wait()
        try:
            pharmacist.Claim(ph.ClaimRequest(review_id=response.review_id,
                                             pharmacist_id=f"ph-{who}"), timeout=5)
            return f"ph-{who}"
        except grpc.RpcError as exc:
            assert exc.code() == grpc.StatusCode.FAILED_PRECONDITION
            return ""

    with ThreadPoolExecutor(8) as pool:
        winners = [w for w in pool.map(claim, range(8)) if w]
    assert len(winners) == 1
    loser = "ph-0" if winners[0] != "ph-0" else "ph-1"
    with pytest.raises(grpc.RpcError) as caught:
        pharmacist.Approve(ph.ApproveRequest(review_id=response.review_id, pharmacist_id=loser),
                           timeout=5)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_an_abandoned_claim_returns_to_the_queue(channel: grpc.Channel) -> None:
    his, pharmacist = stubs(channel)
    response = held(his)
    pharmacist.Claim(ph.ClaimRequest(review_id=response.review_id, pharmacist_id="ph-1",
                                     lease_seconds=1), timeout=5)
    with pytest.raises(grpc.RpcError):
        pharmacist.Claim(ph.ClaimRequest(review_id=response.review_id, pharmacist_id="ph-2"),
                         timeout=5)
    time.sleep(1.2)
    taken = pharmacist.Claim(ph.ClaimRequest(review_id=response.review_id, pharmacist_id="ph-2"),
                             timeout=5)
    assert taken.claimed_by == "ph-2"


def test_queue_puts_emergencies_first_and_counts_by_kind(channel: grpc.Channel) -> None:
    his, pharmacist = stubs(channel)
    outpatient = held(his, kind=pb.OUTPATIENT)
    emergency = held(his, kind=pb.EMERGENCY)
    snapshot = pharmacist.ListQueue(ph.ListQueueRequest(), timeout=5)
    order = [i.review_id for i in snapshot.items]
    assert order.index(emergency.review_id) < order.index(outpatient.review_id)
    assert snapshot.depth_by_kind["emergency"] == 1 and snapshot.depth_by_kind["outpatient"] == 1
    first = snapshot.items[0]
    assert first.headline and first.top_severity == pb.MODERATE and 0 < first.seconds_left <= 30


def test_watch_queue_streams_changes(channel: grpc.Channel) -> None:
    his, pharmacist = stubs(channel)
    stream = pharmacist.WatchQueue(ph.WatchQueueRequest(refresh_seconds=30), timeout=10)
    assert len(next(stream).items) == 0
    response = held(his)
    snapshot = next(stream)
    assert [i.review_id for i in snapshot.items] == [response.review_id]
    stream.cancel()


def test_reject_needs_a_known_template_or_a_reason(channel: grpc.Channel) -> None:
    his, pharmacist = stubs(channel)
    response = held(his)
    pharmacist.Claim(ph.ClaimRequest(review_id=response.review_id, pharmacist_id="ph-1"), timeout=5)
    for bad in (ph.RejectRequest(review_id=response.review_id, pharmacist_id="ph-1"),
                ph.RejectRequest(review_id=response.review_id, pharmacist_id="ph-1",
                                 reason_code="R99")):
        with pytest.raises(grpc.RpcError) as caught:
            pharmacist.Reject(bad, timeout=5)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    templates = pharmacist.ListReasonTemplates(ph.ListReasonTemplatesRequest(), timeout=5)
    assert templates.templates["R05"] == "联合用药不适宜（相互作用）"


def _short_timeouts(config: Config, seconds: float, action: str) -> Config:
    from dataclasses import replace
    return replace(config, timeouts=TimeoutConfig(kinds={
        "outpatient": TimeoutRule(seconds, action), "emergency": TimeoutRule(seconds, action),
        "chronic": TimeoutRule(seconds, action), "inpatient": TimeoutRule(seconds, action)}))


def test_a_timeout_fires_exactly_once_across_a_restart(backend_config: Config) -> None:
    config = _short_timeouts(backend_config, 1.0, "release")
    server = ServerThread(config).start()
    with grpc.insecure_channel(server.target) as channel:
        his, _ = stubs(channel)
        response = held(his, kind=pb.EMERGENCY)
    server.stop()
    time.sleep(1.3)                                     # the deadline passes while it is down
    restarted = ServerThread(config).start()
    second = ServerThread(config).start()               # a second replica, where the store allows
    try:
        with grpc.insecure_channel(restarted.target) as channel:
            his, pharmacist = stubs(channel)
            deadline = time.monotonic() + 5
            decision = his.GetDecision(pb.GetDecisionRequest(review_id=response.review_id), timeout=5)
            while decision.state == pb.PENDING and time.monotonic() < deadline:
                time.sleep(0.05)
                decision = his.GetDecision(pb.GetDecisionRequest(review_id=response.review_id),
                                           timeout=5)
            assert decision.state == pb.RELEASED_UNREVIEWED and decision.final
            time.sleep(0.6)                             # both replicas sweep again
            detail = pharmacist.GetReview(ph.GetReviewRequest(review_id=response.review_id),
                                          timeout=5)
            assert [e.action for e in detail.events].count("timeout_release") == 1
    finally:
        second.stop()
        restarted.stop()


def test_an_escalated_review_stays_in_the_queue_on_top(backend_config: Config) -> None:
    server = ServerThread(_short_timeouts(backend_config, 1.0, "escalate")).start()
    try:
        with grpc.insecure_channel(server.target) as channel:
            his, pharmacist = stubs(channel)
            response = held(his)
            time.sleep(1.5)
            snapshot = pharmacist.ListQueue(ph.ListQueueRequest(), timeout=5)
            assert snapshot.items[0].review_id == response.review_id
            assert snapshot.items[0].state == pb.ESCALATED
    finally:
        server.stop()
