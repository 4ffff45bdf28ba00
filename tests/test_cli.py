"""The ``reviewer`` command as a user runs it: serve, submit, check."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import grpc
from google.protobuf import json_format
from grpc_health.v1 import health_pb2, health_pb2_grpc

from reviewer.v1 import review_pb2, review_pb2_grpc

from tests.builders import item, request
from tests.conftest import FIXTURE_KB, ServerThread

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _reviewer(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reviewer.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, **kwargs)  # type: ignore[call-overload]


def test_serve_on_defaults_answers_health_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port, metrics_port = _free_port(), _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "reviewer.cli", "serve", "--listen", f"127.0.0.1:{port}",
         "--data-dir", str(tmp_path / "data"), "--metrics-listen", f"127.0.0.1:{metrics_port}"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                    status = health_pb2_grpc.HealthStub(channel).Check(
                        health_pb2.HealthCheckRequest(), timeout=1).status
                    break
            except grpc.RpcError:
                time.sleep(0.1)
        assert status == health_pb2.HealthCheckResponse.SERVING, process.stderr
        assert (tmp_path / "data" / "reviews.sqlite3").exists()
        rx = json_format.Parse((EXAMPLES / "warfarin_aspirin_elderly.json").read_text(),
                               review_pb2.ReviewRequest())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            response = review_pb2_grpc.ReviewServiceStub(channel).Review(rx, timeout=5)
        scraped = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics",
                                         timeout=5).read().decode()
        assert 'reviewer_reviews_total{unit_level="township_centre",verdict="HOLD"} 1.0' in scraped
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
        assert time.monotonic() - started < 5.0
        logs = process.stderr.read() if process.stderr else ""
        assert process.returncode == 0, logs
        review_lines = [json.loads(line) for line in logs.splitlines()
                        if line.startswith("{") and '"review_id"' in line]
        assert review_lines[0]["review_id"] == response.review_id
        assert review_lines[0]["verdict"] == "HOLD" and "ddi.major.v1" in review_lines[0]["rules"]
        assert "duration_ms" in review_lines[0]
        for identifier in (rx.patient.pseudonymous_id, rx.prescriber.id, rx.unit_id,
                           rx.prescription_id):
            assert identifier not in logs
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_submit_prints_the_review_of_an_example(tmp_path: Path) -> None:
    from reviewer.config import load_config
    server = ServerThread(load_config(env={}, overrides={
        "data_dir": tmp_path, "listen": "127.0.0.1:0", "knowledge_dir": FIXTURE_KB})).start()
    try:
        result = _reviewer("submit", str(EXAMPLES / "warfarin_aspirin_elderly.json"),
                           "--target", server.target)
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr
    response = json.loads(result.stdout)
    assert response["verdict"] in ("HOLD", "BLOCK")
    assert any(f["category"] == "INTERACTION" for f in response["findings"])


def test_submit_reports_invalid_argument_with_the_field(tmp_path: Path) -> None:
    from reviewer.config import load_config
    server = ServerThread(load_config(env={}, overrides={
        "data_dir": tmp_path, "listen": "127.0.0.1:0", "knowledge_dir": FIXTURE_KB})).start()
    try:
        result = _reviewer("submit", str(EXAMPLES / "negative_dose.json"),
                           "--target", server.target)
    finally:
        server.stop()
    assert result.returncode == 2
    assert "INVALID_ARGUMENT: items[0].dose: must be > 0" in result.stderr


def test_check_reviews_every_line_and_names_a_bad_one(tmp_path: Path) -> None:
    good = request(item("华法林钠片", 2.5, "mg"), item("阿司匹林肠溶片", 100, "mg"), age_years=70)
    bad = request(item("华法林钠片", -1, "mg"))
    lines = [json_format.MessageToJson(good, indent=None), "{not json",
             json_format.MessageToJson(bad, indent=None),
             json_format.MessageToJson(good, indent=None)]
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = dict(os.environ, REVIEWER_KB_DIR=str(FIXTURE_KB))
    result = _reviewer("check", str(path), env=env)
    assert result.returncode == 1
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["line"] for o in outputs] == [1, 4]
    finding = outputs[0]["findings"][0]
    assert finding["category"] == "interaction"
    assert set(finding["ingredients"]) == {"warfarin", "acetylsalicylic_acid"}
    assert f"{path}:2:" in result.stderr
    assert f"{path}:3: items[0].dose: must be > 0" in result.stderr


def test_queue_client_lists_shows_claims_and_rejects(tmp_path: Path) -> None:
    from reviewer.config import load_config
    from reviewer.v1 import review_pb2_grpc
    server = ServerThread(load_config(env={}, overrides={
        "data_dir": tmp_path, "listen": "127.0.0.1:0", "knowledge_dir": FIXTURE_KB})).start()
    try:
        with grpc.insecure_channel(server.target) as channel:
            response = review_pb2_grpc.ReviewServiceStub(channel).Review(
                request(item("华法林钠片", 2.5, "mg"), item("阿司匹林肠溶片", 100, "mg"),
                        age_years=70, diagnoses=("I48.9",)), timeout=5)
        review_id = response.review_id
        target = ["--target", server.target]
        listing = _reviewer("queue", *target, "list")
        assert listing.returncode == 0 and review_id in listing.stdout
        assert "严重" in listing.stdout and "门诊" in listing.stdout
        shown = _reviewer("queue", *target, "show", review_id)
        assert "华法林与阿司匹林" in shown.stdout and "ddi.major.v1" in shown.stdout
        assert "来源:" in shown.stdout
        assert _reviewer("queue", *target, "claim", review_id, "--as", "ph-7").returncode == 0
        other = _reviewer("queue", *target, "claim", review_id, "--as", "ph-8")
        assert other.returncode == 2 and "FAILED_PRECONDITION" in other.stderr
        rejected = _reviewer("queue", *target, "reject", review_id, "--as", "ph-7",
                             "--reason-code", "R05")
        assert rejected.returncode == 0 and "联合用药不适宜" in rejected.stdout
        trail = _reviewer("queue", *target, "show", review_id).stdout
        assert "pharmacist:ph-7" in trail and "rejected" in trail
    finally:
        server.stop()


def test_sighup_reloads_the_knowledge_base_while_serving(tmp_path: Path) -> None:
    import shutil
    from reviewer.v1 import admin_pb2, admin_pb2_grpc
    kb = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, kb)
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "reviewer.cli", "serve", "--listen", f"127.0.0.1:{port}",
         "--data-dir", str(tmp_path / "data")], cwd=ROOT,
        env=dict(os.environ, REVIEWER_KB_DIR=str(kb)),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            grpc.channel_ready_future(channel).result(timeout=60)
            admin = admin_pb2_grpc.AdminServiceStub(channel)
            before = admin.GetKnowledgeBase(admin_pb2.GetKnowledgeBaseRequest(), timeout=5).version
            (kb / "RELEASE").write_text("test.9\n")
            process.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 30
            version = before
            while version == before and time.monotonic() < deadline:
                time.sleep(0.1)
                version = admin.GetKnowledgeBase(admin_pb2.GetKnowledgeBaseRequest(),
                                                 timeout=5).version
            assert version.startswith("test.9+") and before.startswith("test.1+")
            response = review_pb2_grpc.ReviewServiceStub(channel).Review(
                request(item("华法林钠片", 2.5, "mg")), timeout=5)
            assert response.knowledge_base_version == version
    finally:
        process.terminate()
        process.wait(timeout=10)
