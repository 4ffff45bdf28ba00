"""Every metric family moves, with fixed low-cardinality labels and no identifiers."""
from __future__ import annotations

import re
import time
from dataclasses import replace

import grpc
from prometheus_client import generate_latest

from reviewer.config import Config, TimeoutConfig, TimeoutRule
from reviewer.v1 import pharmacist_pb2 as ph
from reviewer.v1 import pharmacist_pb2_grpc
from reviewer.v1 import review_pb2 as pb
from reviewer.v1 import review_pb2_grpc
from tests.builders import item, request
from tests.conftest import ServerThread

SAMPLE = re.compile(r'^(\w+)(\{[^}]*\})? ([0-9.eE+-]+|NaN)$')


def scrape(server: ServerThread) -> dict[str, float]:
    assert server.running is not None
    text = generate_latest(server.running.metrics.registry).decode()
    samples = {}
    for line in text.splitlines():
        match = SAMPLE.match(line)
        if match:
            samples[match.group(1) + (match.group(2) or "")] = float(match.group(3))
    return samples


def value(samples: dict[str, float], name: str, **labels: str) -> float:
    total = 0.0
    for key, number in samples.items():
        if key.split("{")[0] == name and all(f'{k}="{v}"' in key for k, v in labels.items()):
            total += number
    return total


def test_every_metric_family_moves_and_carries_no_identifiers(backend_config: Config) -> None:
    config = replace(backend_config, timeouts=TimeoutConfig(kinds={
        kind: TimeoutRule(1.0, "release") for kind in ("outpatient", "emergency", "chronic",
                                                       "inpatient")}))
    server = ServerThread(config).start()
    try:
        with grpc.insecure_channel(server.target) as channel:
            his = review_pb2_grpc.ReviewServiceStub(channel)
            pharmacist = pharmacist_pb2_grpc.PharmacistServiceStub(channel)
            interaction = his.Review(request(item("华法林钠片", 2.5, "mg"),
                                             item("阿司匹林肠溶片", 100, "mg"), age_years=70,
                                             prescription_id="metrics-1"), timeout=5)
            his.Review(request(item("盐酸二甲双胍片", 0.5, "g", "bid"), diagnoses=("E11.9",)),
                       timeout=5)
            try:
                his.Review(request(item("华法林钠片", -1, "mg")), timeout=5)
            except grpc.RpcError:
                pass
            pharmacist.Claim(ph.ClaimRequest(review_id=interaction.review_id, pharmacist_id="p"),
                             timeout=5)
            pharmacist.Approve(ph.ApproveRequest(review_id=interaction.review_id,
                                                 pharmacist_id="p"), timeout=5)
            for _ in his.WatchDecision(pb.WatchDecisionRequest(review_id=interaction.review_id),
                                       timeout=5):
                pass
            held = his.Review(request(item("某某神奇胶囊", 2, "粒")), timeout=5)
            samples = scrape(server)
            assert value(samples, "reviewer_queue_depth", kind="outpatient") == 1
            time.sleep(1.6)                           # the held one times out
            samples = scrape(server)
    finally:
        server.stop()

    count = "reviewer_grpc_server_handling_seconds_count"
    assert value(samples, count, method="Review", code="OK") == 3
    assert value(samples, count, method="Review", code="INVALID_ARGUMENT") == 1
    assert value(samples, count, method="WatchDecision", code="OK") == 1
    assert value(samples, count, method="Approve", code="OK") == 1
    assert value(samples, "reviewer_reviews_total", verdict="HOLD",
                 unit_level="township_centre") == 2
    assert value(samples, "reviewer_reviews_total", verdict="PASS") == 1
    assert value(samples, "reviewer_findings_total", rule_id="ddi.major.v1", severity="MAJOR") == 1
    assert value(samples, "reviewer_adjudication_seconds_count", outcome="approved") == 1
    assert value(samples, "reviewer_adjudication_seconds_count", outcome="timeout_release") == 1
    assert value(samples, "reviewer_timeouts_total", action="release") == 1
    assert value(samples, "reviewer_queue_depth", kind="outpatient") == 0
    assert value(samples, "reviewer_store_commit_seconds_count") > 0
    assert any(k.startswith("reviewer_knowledge_base_info{version=\"test.1+") for k in samples)
    text = " ".join(samples)
    for identifier in (interaction.review_id, held.review_id, "unit-1", "p-test", "doc-1",
                       "metrics-1"):
        assert identifier not in text


def test_queue_depth_is_right_after_a_restart(backend_config: Config) -> None:
    server = ServerThread(backend_config).start()
    with grpc.insecure_channel(server.target) as channel:
        his = review_pb2_grpc.ReviewServiceStub(channel)
        his.Review(request(item("某某神奇胶囊", 2, "粒"), kind=pb.EMERGENCY), timeout=5)
        his.Review(request(item("某某神奇胶囊", 2, "粒")), timeout=5)
    server.stop()
    restarted = ServerThread(backend_config).start()
    try:
        samples = scrape(restarted)
        assert value(samples, "reviewer_queue_depth", kind="emergency") == 1
        assert value(samples, "reviewer_queue_depth", kind="outpatient") == 1
    finally:
        restarted.stop()
