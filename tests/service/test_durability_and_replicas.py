"""Nothing acknowledged is lost on kill -9; replicas on one PostgreSQL hear each other."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import grpc
import pytest

from reviewer.config import Config
from reviewer.v1 import pharmacist_pb2 as ph
from reviewer.v1 import pharmacist_pb2_grpc
from reviewer.v1 import review_pb2 as pb
from reviewer.v1 import review_pb2_grpc
from tests import pg
from tests.builders import item, request
from tests.conftest import FIXTURE_KB, ServerThread, make_config
from tests.test_cli import _free_port

ROOT = Path(__file__).resolve().parents[2]


def _start_process(port: int, data_dir: Path, database_url: str = "") -> subprocess.Popen[bytes]:
    env = dict(os.environ, REVIEWER_KB_DIR=str(FIXTURE_KB))
    if database_url:
        env["REVIEWER_DATABASE_URL"] = database_url
    process = subprocess.Popen(
        [sys.executable, "-m", "reviewer.cli", "serve", "--listen", f"127.0.0.1:{port}",
         "--data-dir", str(data_dir)], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                grpc.channel_ready_future(channel).result(timeout=0.5)
                return process
        except grpc.FutureTimeoutError:
            if process.poll() is not None:
                raise AssertionError(process.stderr.read().decode() if process.stderr else "")
    process.kill()
    raise AssertionError("server did not start")


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_held_reviews_survive_kill_9(tmp_path: Path, backend: str,
                                     request_fixture: pytest.FixtureRequest) -> None:
    url = request_fixture.getfixturevalue("postgres").new_database() if backend == "postgres" else ""
    port = _free_port()
    process = _start_process(port, tmp_path / "data", url)
    acknowledged = []
    writers = _children(process.pid)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            his = review_pb2_grpc.ReviewServiceStub(channel)
            for n in range(25):
                response = his.Review(request(item("某某神奇胶囊", 2, "粒", "tid"),
                                              prescription_id=f"kill-{n}"), timeout=10)
                acknowledged.append(response.review_id)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    assert writers, "the server runs its store writer as a child process"
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in writers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in writers), "the writer outlived a killed server"

    port = _free_port()
    process = _start_process(port, tmp_path / "data", url)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            queue = pharmacist_pb2_grpc.PharmacistServiceStub(channel).ListQueue(
                ph.ListQueueRequest(limit=100), timeout=10)
            assert {i.review_id for i in queue.items} == set(acknowledged)
            his = review_pb2_grpc.ReviewServiceStub(channel)
            retry = his.Review(request(item("某某神奇胶囊", 2, "粒", "tid"),
                                       prescription_id="kill-3"), timeout=10)
            assert retry.review_id == acknowledged[3] and retry.replayed
    finally:
        process.terminate()
        process.wait(timeout=10)


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as handle:
        return [int(child) for child in handle.read().split()]


def _alive(pid: int) -> bool:
    """Running, and not merely a zombie waiting to be reaped."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_killed_writer_is_replaced_and_nothing_acknowledged_is_lost(tmp_path: Path) -> None:
    server = ServerThread(make_config(tmp_path)).start()
    try:
        with grpc.insecure_channel(server.target) as channel:
            his = review_pb2_grpc.ReviewServiceStub(channel)
            before = his.Review(request(item("某某神奇胶囊", 2, "粒", "tid"),
                                        prescription_id="writer-1"), timeout=10)
            assert server.running is not None
            process = server.running.store._process
            assert process is not None
            os.kill(process.pid, signal.SIGKILL)
            codes, after = [], None
            deadline = time.monotonic() + 20
            while after is None and time.monotonic() < deadline:
                try:
                    after = his.Review(request(item("某某神奇胶囊", 2, "粒", "tid"),
                                               prescription_id="writer-2"), timeout=10)
                except grpc.RpcError as exc:
                    codes.append(exc.code())
                    time.sleep(0.05)
            assert after is not None and after.verdict == pb.HOLD
            assert set(codes) <= {grpc.StatusCode.UNAVAILABLE}
            decision = his.GetDecision(pb.GetDecisionRequest(review_id=before.review_id),
                                       timeout=10)
            assert decision.state == pb.PENDING
            assert server.running.store._process is not process
    finally:
        server.stop()


@pytest.fixture
def request_fixture(request: pytest.FixtureRequest) -> pytest.FixtureRequest:
    return request


def test_a_decision_on_one_replica_reaches_an_his_waiting_on_another(
        tmp_path: Path, postgres: pg.PostgresServer) -> None:
    url = postgres.new_database()
    replica_a = ServerThread(make_config(tmp_path / "a", database_url=url)).start()
    replica_b = ServerThread(make_config(tmp_path / "b", database_url=url)).start()
    try:
        with grpc.insecure_channel(replica_a.target) as channel_a, \
                grpc.insecure_channel(replica_b.target) as channel_b:
            his_b = review_pb2_grpc.ReviewServiceStub(channel_b)
            pharmacist_a = pharmacist_pb2_grpc.PharmacistServiceStub(channel_a)
            response = his_b.Review(request(item("某某神奇胶囊", 2, "粒", "tid")), timeout=5)
            assert response.verdict == pb.HOLD
            heard: list[tuple[float, pb.Decision]] = []

            def wait() -> None:
                for decision in his_b.WatchDecision(
                        pb.WatchDecisionRequest(review_id=response.review_id), timeout=20):
                    heard.append((time.monotonic(), decision))
            watcher = threading.Thread(target=wait, daemon=True)
            watcher.start()
            while not heard:
                time.sleep(0.01)
            pharmacist_a.Claim(ph.ClaimRequest(review_id=response.review_id,
                                               pharmacist_id="ph-a"), timeout=5)
            time.sleep(0.3)
            decided_at = time.monotonic()
            pharmacist_a.Approve(ph.ApproveRequest(review_id=response.review_id,
                                                   pharmacist_id="ph-a"), timeout=5)
            watcher.join(timeout=10)
            final_at, final = heard[-1]
            assert final.state == pb.APPROVED and final.final
            assert final_at - decided_at < 0.1, f"heard after {final_at - decided_at:.3f} s"
            assert [d.state for _, d in heard] == [pb.PENDING, pb.CLAIMED, pb.APPROVED]
    finally:
        replica_b.stop()
        replica_a.stop()


def test_postgres_url_is_read_from_the_environment(tmp_path: Path) -> None:
    from reviewer.config import load_config
    config: Config = load_config(env={"REVIEWER_DATABASE_URL": "postgresql://x@h/db"})
    assert config.database_url == "postgresql://x@h/db"
