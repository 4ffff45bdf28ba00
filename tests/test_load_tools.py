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


def test_the_report_runs_end_to_end_and_says_what_it_measured(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json
    import subprocess
    import sys
    out = tmp_path / "REPORT.md"
    subprocess.run([sys.executable, "-m", "load_tests.report", "--duration", "2",
                    "--rounds", "1", "--open-rate", "200", "--no-postgres", "--out", str(out)],
                   check=True, capture_output=True, timeout=300)
    text = out.read_text(encoding="utf-8")
    for heading in ("## Summary (median of the rounds)", "## Capacity", "## Latency",
                    "## The disk under the store", "## Metric families"):
        assert heading in text
    raw = json.loads(text.split("```json\n", 1)[1].split("\n```", 1)[0])
    round_1 = raw["rounds"][0]
    assert round_1["sqlite"]["capacity"]["completed"] > 0
    assert round_1["sqlite"]["capacity"]["errors"] == 0
    assert round_1["sqlite"]["latency"]["completed"] == 400  # 200/s for 2 s, every one
    steal = round_1["sqlite"]["latency"]["cpu_steal"]
    assert steal is None or 0.0 <= steal <= 1.0
    side = round_1["sqlite"]["server_side"]
    assert side["commits_over_10ms"] >= 0 and side["slowest_commit"].startswith(("<=", ">"))
    assert round_1["sqlite"]["metrics_moved"]["reviewer_reviews_total"] > 0
    assert round_1["sqlite"]["metrics_after"]["reviewer_knowledge_base_info"] == 1


def test_bucket_arithmetic_between_two_scrapes() -> None:
    from load_tests.report import _bucket_quantile, _over
    inf = float("inf")
    before = {0.005: 10.0, 0.01: 10.0, 0.1: 10.0, inf: 10.0}
    after = {0.005: 100.0, 0.01: 105.0, 0.1: 109.0, inf: 110.0}
    assert _over(before, after, 0.01) == 5
    assert _bucket_quantile(before, after, 0.5) == "<= 5 ms"
    assert _bucket_quantile(before, after, 1.0) == "> 10 s"


def test_cpu_steal_is_a_share_or_unknown() -> None:
    from load_tests.report import cpu_steal
    with cpu_steal() as steal:
        sum(range(100_000))
    share = steal()
    assert share is None or 0.0 <= share <= 1.0
