"""The load generator sends valid, distinct reviews and counts what comes back."""
from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from load_tests.loadgen import MIX, UNITS, RequestSource, closed_loop, open_loop
from reviewer.event_loop import new_event_loop
from reviewer.v1 import review_pb2 as pb
from tests.conftest import ServerThread, make_config


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    running = ServerThread(make_config(tmp_path_factory.mktemp("load"))).start()
    yield running
    running.stop()


def test_requests_parse_and_each_has_a_new_prescription_id() -> None:
    source = RequestSource(seed=3)
    requests = [pb.ReviewRequest.FromString(next(source)) for _ in range(2000)]
    assert len({r.prescription_id for r in requests}) == len(requests)
    assert {r.unit_id for r in requests} == {f"load-{n}" for n in range(UNITS)}
    drugs = {tuple(item.drug_name for item in r.items) for r in requests}
    assert drugs == {tuple(item.drug_name for item in items) for *_, items in MIX}
    assert all(r.version == 1 and r.patient.age_years > 0 for r in requests)


def _run(coroutine):  # type: ignore[no-untyped-def]
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        return runner.run(coroutine)


def test_closed_loop_reviews_the_mix_without_errors(server: ServerThread) -> None:
    result = _run(closed_loop(server.target, 8, 1.5, RequestSource(), channels=2,
                              progress=False)).summary()
    assert result["errors"] == 0, result["error_kinds"]
    assert result["completed"] > 50
    assert {"PASS", "HOLD"} <= set(result["verdicts"])
    assert result["p50_ms"] <= result["p99_ms"] <= result["max_ms"]


def test_open_loop_sends_on_schedule_and_counts_every_reply(server: ServerThread) -> None:
    result = _run(open_loop(server.target, 100.0, 1.0, RequestSource(seed=5), channels=1,
                            progress=False)).summary()
    assert result["completed"] == 100 and result["errors"] == 0


def test_the_pharmacist_desk_decides_held_reviews(server: ServerThread) -> None:
    import grpc

    from load_tests.loadgen import pharmacist_desk
    from reviewer.v1 import review_pb2_grpc
    from tests.builders import item, request
    with grpc.insecure_channel(server.target) as channel:
        his = review_pb2_grpc.ReviewServiceStub(channel)
        held = [his.Review(request(item("某某神奇胶囊", 2, "粒", "tid"),
                                   prescription_id=f"desk-{n}"), timeout=10) for n in range(4)]
    assert all(r.verdict == pb.HOLD for r in held)
    counts = _run(pharmacist_desk(server.target, 1.0, 20.0))
    assert counts["errors"] == 0
    assert counts["approved"] + counts["rejected"] >= len(held)
    assert counts["rejected"] >= 1
