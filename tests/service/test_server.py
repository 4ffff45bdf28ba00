"""The HIS contract against a real server on 127.0.0.1:0."""
from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from reviewer.v1 import review_pb2 as pb
from reviewer.v1 import review_pb2_grpc
from tests.builders import item, request


def test_health_reports_serving(channel: grpc.Channel) -> None:
    stub = health_pb2_grpc.HealthStub(channel)
    for service in ("", "reviewer.v1.ReviewService"):
        reply = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_reflection_lists_the_review_service(channel: grpc.Channel) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    replies = stub.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5)
    names = {s.name for reply in replies for s in reply.list_services_response.service}
    assert "reviewer.v1.ReviewService" in names
    assert "grpc.health.v1.Health" in names


def test_warfarin_with_aspirin_for_an_elderly_patient_is_not_passed(channel: grpc.Channel) -> None:
    stub = review_pb2_grpc.ReviewServiceStub(channel)
    response = stub.Review(request(
        item("华法林钠片", 2.5, "mg", specification="2.5mg*60片"),
        item("阿司匹林肠溶片", 100, "mg", specification="100mg*30片"),
        age_years=68, diagnoses=("I48.9",)), timeout=5)
    assert response.verdict in (pb.HOLD, pb.BLOCK)
    interactions = [f for f in response.findings if f.category == pb.INTERACTION]
    assert interactions, response
    assert set(interactions[0].ingredients) == {"warfarin", "acetylsalicylic_acid"}
    assert interactions[0].source
    assert response.review_id and response.knowledge_base_version.startswith("test.1+")


def test_negative_dose_is_invalid_argument_naming_the_field(channel: grpc.Channel) -> None:
    stub = review_pb2_grpc.ReviewServiceStub(channel)
    with pytest.raises(grpc.RpcError) as caught:
        stub.Review(request(item("阿司匹林肠溶片", 100, "mg"), item("华法林钠片", 3, "mg"),
                            item("盐酸二甲双胍片", -0.5, "g")), timeout=5)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert caught.value.details() == "items[2].dose: must be > 0"


def test_unknown_drug_is_held_for_a_pharmacist(channel: grpc.Channel) -> None:
    stub = review_pb2_grpc.ReviewServiceStub(channel)
    response = stub.Review(request(item("某某神奇胶囊", 2, "粒", frequency="tid")), timeout=5)
    assert response.verdict == pb.HOLD
    assert [f.rule_id for f in response.findings] == ["unrecognised.drug.v1"]
    assert response.state == pb.PENDING and response.deadline_unix_ms > 0


def test_a_retry_returns_the_same_review(channel: grpc.Channel) -> None:
    stub = review_pb2_grpc.ReviewServiceStub(channel)
    rx = request(item("华法林钠片", 2.5, "mg"), item("阿司匹林肠溶片", 100, "mg"),
                 prescription_id="retry-1")
    first = stub.Review(rx, timeout=5)
    second = stub.Review(rx, timeout=5)
    assert second.review_id == first.review_id
    assert second.replayed and not first.replayed
    assert list(second.findings) == list(first.findings)


def test_reusing_a_key_for_a_different_prescription_is_refused(channel: grpc.Channel) -> None:
    stub = review_pb2_grpc.ReviewServiceStub(channel)
    stub.Review(request(item("华法林钠片", 2.5, "mg"), prescription_id="reuse-1"), timeout=5)
    with pytest.raises(grpc.RpcError) as caught:
        stub.Review(request(item("阿司匹林肠溶片", 100, "mg"), prescription_id="reuse-1"),
                    timeout=5)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_get_decision_reports_a_system_verdict(channel: grpc.Channel) -> None:
    stub = review_pb2_grpc.ReviewServiceStub(channel)
    response = stub.Review(request(item("盐酸二甲双胍片", 0.5, "g", frequency="bid",
                                        specification="0.5g*20片"), diagnoses=("E11.9",)),
                           timeout=5)
    assert response.verdict == pb.PASS, response
    decision = stub.GetDecision(pb.GetDecisionRequest(review_id=response.review_id), timeout=5)
    assert decision.final and decision.state == pb.FINAL_BY_SYSTEM
    assert decision.verdict == pb.PASS


def test_get_decision_for_an_unknown_review_is_not_found(channel: grpc.Channel) -> None:
    stub = review_pb2_grpc.ReviewServiceStub(channel)
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetDecision(pb.GetDecisionRequest(review_id="nope"), timeout=5)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
