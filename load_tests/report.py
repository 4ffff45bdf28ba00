"""Run the committed load report: echo yardstick, SQLite and PostgreSQL servers.

    python -m load_tests.report [--duration 60] [--rounds 3] [--out load_tests/results/REPORT.md]

Starts each server as its own process on loopback and drives it with ``loadgen`` from
this process. The echo yardstick and the service on SQLite take turns, round after
round (each service run on a fresh service and database), so that both meet the same
conditions on a shared machine; every round is reported, and the median across rounds.
It scrapes ``/metrics`` while the service is under load, probes the disk, and writes a
Markdown report headed by the machine, Python and package versions.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

from load_tests.disk_probe import probe as disk_probe
from load_tests.loadgen import RequestSource, closed_loop, open_loop, pharmacist_desk
from reviewer.event_loop import new_event_loop

ROOT = Path(__file__).resolve().parent.parent
METRIC_FAMILIES = ("reviewer_grpc_server_handling_seconds_count", "reviewer_reviews_total",
                   "reviewer_findings_total", "reviewer_queue_depth",
                   "reviewer_adjudication_seconds_count", "reviewer_timeouts_total",
                   "reviewer_store_commit_seconds_count", "reviewer_knowledge_base_info")
#: Decisions a second by the pharmacist desk during the service's capacity runs.
DESK_RATE = 5.0


def _free_port() -> int:
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_ready(target: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited: {process.returncode}")
        try:
            with grpc.insecure_channel(target) as channel:
                grpc.channel_ready_future(channel).result(timeout=0.5)
                return
        except grpc.FutureTimeoutError:
            pass
    raise SystemExit(f"{target} did not come up")


def _start(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", *args], cwd=ROOT, env=env or dict(os.environ),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def _scrape(port: int) -> dict[str, float]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    totals: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("#") or " " not in line:
            continue
        name = line.split("{")[0].split(" ")[0]
        if name in METRIC_FAMILIES:
            totals[name] = totals.get(name, 0.0) + float(line.rsplit(" ", 1)[1])
    return totals


def _buckets(port: int, prefix: str, labels: str = "") -> dict[float, float]:
    """Cumulative bucket counts of one histogram series, by upper bound (seconds)."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    buckets: dict[float, float] = {}
    for line in text.splitlines():
        if line.startswith(prefix) and labels in line:
            bound = line.split('le="', 1)[1].split('"', 1)[0]
            buckets[float(bound)] = float(line.rsplit(" ", 1)[1])
    return buckets


def _bucket_quantile(before: dict[float, float], after: dict[float, float], q: float) -> str:
    """The bucket bound under which a share ``q`` of the observations between two scrapes
    fell, as ``<= N ms``."""
    moved = {bound: after.get(bound, 0.0) - before.get(bound, 0.0) for bound in after}
    total = moved.get(float("inf"), 0.0)
    for bound in sorted(moved):
        if total and moved[bound] >= q * total:
            return "> 10 s" if bound == float("inf") else f"<= {bound * 1000:g} ms"
    return "n/a"


def _over(before: dict[float, float], after: dict[float, float], seconds: float) -> int:
    """How many observations between two scrapes were above the bound ``seconds``."""
    def moved(bound: float) -> float:
        return after.get(bound, 0.0) - before.get(bound, 0.0)
    return int(moved(float("inf")) - moved(seconds))


@contextmanager
def cpu_steal() -> Iterator[Callable[[], float | None]]:
    """Yields a function giving the share of CPU time the hypervisor took for other
    tenants (``steal`` in ``/proc/stat``) during the block; ``None`` off Linux."""
    def read() -> list[int] | None:
        try:
            with open("/proc/stat", encoding="ascii") as stat:
                return [int(v) for v in stat.readline().split()[1:]]
        except (OSError, ValueError):
            return None
    first, last = read(), None

    def share() -> float | None:
        if first is None or last is None or len(first) < 8:
            return None
        delta = [b - a for a, b in zip(first, last)]
        return round(delta[7] / max(sum(delta[:8]), 1), 4)
    try:
        yield share
    finally:
        last = read()


HANDLING = 'reviewer_grpc_server_handling_seconds_bucket{code="OK",'
REVIEW_METHOD = 'method="Review"'
COMMIT = "reviewer_store_commit_seconds_bucket{"


async def _capacity(target: str, duration: float, desk_rate: float = 0.0) -> dict[str, Any]:
    """Closed loop; with ``desk_rate``, a pharmacist adjudicates held reviews meanwhile."""
    load = closed_loop(target, 64, duration, RequestSource(), progress=True)
    if not desk_rate:
        return (await load).summary()
    result, desk = await asyncio.gather(load, pharmacist_desk(target, duration, desk_rate))
    return {**result.summary(), "pharmacist_desk": desk}


async def _latency(target: str, duration: float, rate: float) -> dict[str, Any]:
    return (await open_loop(target, rate, duration, RequestSource(seed=11),
                            progress=True)).summary()


@dataclass
class Running:
    """A server process under test."""

    process: subprocess.Popen[bytes]
    target: str
    metrics_port: int = 0
    data: Path | None = None

    def stop(self) -> None:
        _stop(self.process)
        if self.data is not None:
            shutil.rmtree(self.data, ignore_errors=True)


def start_reviewer(env_extra: dict[str, str]) -> Running:
    """The service on a fresh data directory (and so a fresh SQLite database)."""
    port, metrics_port = _free_port(), _free_port()
    data = Path(tempfile.mkdtemp(prefix="reviewer-load-"))
    server = _start(["reviewer.cli", "serve", "--listen", f"127.0.0.1:{port}", "--data-dir",
                     str(data), "--metrics-listen", f"127.0.0.1:{metrics_port}",
                     "--log-level", "WARNING"], dict(os.environ, **env_extra))
    running = Running(server, f"127.0.0.1:{port}", metrics_port, data)
    try:
        _wait_ready(running.target, server)
    except BaseException:
        running.stop()
        raise
    return running


def start_echo() -> Running:
    port = _free_port()
    echo = _start(["load_tests.echo_server", "--listen", f"127.0.0.1:{port}"])
    running = Running(echo, f"127.0.0.1:{port}")
    try:
        _wait_ready(running.target, echo)
    except BaseException:
        running.stop()
        raise
    return running


def _capacity_of(label: str, server: Running, duration: float,
                 desk_rate: float = 0.0) -> dict[str, Any]:
    print(f"{label}: closed loop, 64 outstanding, {duration:g} s", file=sys.stderr)
    return _run(_capacity(server.target, duration, desk_rate))


def _latency_of(label: str, server: Running, duration: float, rate: float) -> dict[str, Any]:
    """The open-loop run's summary, with the CPU share other tenants took meanwhile."""
    print(f"{label}: open loop, {rate:g}/s, {duration:g} s", file=sys.stderr)
    with cpu_steal() as steal:
        summary = _run(_latency(server.target, duration, rate))
    return {**summary, "cpu_steal": steal()}


def run_round(n: int, echo: Running, duration: float, rate: float) -> dict[str, Any]:
    """Echo and service in turns: capacity, then latency, each service run on a fresh
    service and database (held reviews left by the capacity run would otherwise time
    out in the middle of the latency run); the service's metrics read around its runs."""
    result: dict[str, Any] = {"echo": {}, "sqlite": {}}
    result["echo"]["capacity"] = _capacity_of(f"round {n} echo", echo, duration)
    reviewer = start_reviewer({})
    try:
        before = _scrape(reviewer.metrics_port)
        result["sqlite"]["capacity"] = _capacity_of(f"round {n} reviewer", reviewer, duration,
                                                    DESK_RATE)
        during = _scrape(reviewer.metrics_port)
        result["sqlite"]["metrics_moved"] = {name: during.get(name, 0) - before.get(name, 0)
                                             for name in METRIC_FAMILIES}
        result["sqlite"]["metrics_after"] = {name: during.get(name, 0)
                                             for name in METRIC_FAMILIES}
    finally:
        reviewer.stop()
    result["echo"]["latency"] = _latency_of(f"round {n} echo", echo, duration, rate)
    reviewer = start_reviewer({})
    try:
        handling = _buckets(reviewer.metrics_port, HANDLING, REVIEW_METHOD)
        commit = _buckets(reviewer.metrics_port, COMMIT)
        result["sqlite"]["latency"] = _latency_of(f"round {n} reviewer", reviewer,
                                                  duration, rate)
        handled = _buckets(reviewer.metrics_port, HANDLING, REVIEW_METHOD)
        committed = _buckets(reviewer.metrics_port, COMMIT)
        result["sqlite"]["server_side"] = {
            "handling_p50": _bucket_quantile(handling, handled, 0.50),
            "handling_p99": _bucket_quantile(handling, handled, 0.99),
            "commit_p50": _bucket_quantile(commit, committed, 0.50),
            "commit_p99": _bucket_quantile(commit, committed, 0.99),
            "commits_over_10ms": _over(commit, committed, 0.010),
            "slowest_commit": _bucket_quantile(commit, committed, 1.0)}
    finally:
        reviewer.stop()
    return result


def run_postgres(duration: float) -> dict[str, Any] | None:
    sys.path.insert(0, str(ROOT))
    from tests import pg
    if not pg.available():
        return None
    with pg.running_server() as server:
        reviewer = start_reviewer({"REVIEWER_DATABASE_URL": server.new_database()})
        try:
            return {"capacity": _capacity_of("reviewer on PostgreSQL", reviewer, duration,
                                             DESK_RATE)}
        finally:
            reviewer.stop()


def _run(coroutine: Any) -> Any:
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        return runner.run(coroutine)


def _row(name: str, s: dict[str, Any]) -> str:
    return (f"| {name} | {s['throughput_per_s']:,.0f} | {s['p50_ms']:.2f} | {s['p95_ms']:.2f} | "
            f"{s['p99_ms']:.2f} | {s['max_ms']:.1f} | {s['errors']} |")


def _latency_row(name: str, rate: float, s: dict[str, Any]) -> str:
    return (f"| {name} | {rate:g} | {s['throughput_per_s']:,.0f} | {s['p50_ms']:.2f} | "
            f"{s['p95_ms']:.2f} | {s['p99_ms']:.2f} | {s['max_ms']:.1f} | "
            f"{s['over_10ms']} in {s['slow_episodes']} | {s['errors']} |")


def _percent(share: float | None) -> str:
    return "n/a" if share is None else f"{share:.1%}"


def summarise(rounds: list[dict[str, Any]]) -> dict[str, float]:
    """Medians across rounds; the ratio is taken within each round, then the median."""
    def median(server: str, run: str, key: str) -> float:
        return statistics.median(r[server][run][key] for r in rounds)
    ratios = [r["sqlite"]["capacity"]["throughput_per_s"]
              / max(r["echo"]["capacity"]["throughput_per_s"], 1e-9) for r in rounds]
    return {"echo_capacity": median("echo", "capacity", "throughput_per_s"),
            "sqlite_capacity": median("sqlite", "capacity", "throughput_per_s"),
            "capacity_ratio": statistics.median(ratios),
            "echo_p99_ms": median("echo", "latency", "p99_ms"),
            "sqlite_p99_ms": median("sqlite", "latency", "p99_ms")}


def write_report(out: Path, duration: float, rate: float, rounds: list[dict[str, Any]],
                 postgres: dict[str, Any] | None, disk: dict[str, Any]) -> None:
    sys.path.insert(0, str(ROOT))
    from tests.benchmarks.machine import header
    summary = summarise(rounds)
    lines = [
        "# Load report", "", header(),
        f"- command: `python -m load_tests.report --duration {duration:g} "
        f"--rounds {len(rounds)}`",
        "- client and servers on the same machine, loopback; every review is durably stored",
        "  (group commit, SQLite synchronous=FULL / PostgreSQL synchronous_commit=on) before",
        "  it is acknowledged.",
        "- each round runs the echo yardstick and then the service, back to back, so that",
        "  both meet the same conditions on a shared machine; each of the service's runs",
        "  starts a fresh service on a fresh SQLite database.",
        "- during the service's capacity runs a pharmacist desk adjudicates held reviews",
        f"  ({DESK_RATE:g} a second: claim, then approve three in four, reject the fourth); held",
        "  emergency prescriptions (3% of the mix) time out after 30 s.",
        "",
        "## Summary (median of the rounds)", "",
        f"- capacity, closed loop, 64 outstanding: **{summary['sqlite_capacity']:,.0f} "
        f"reviews/s** on SQLite; echo {summary['echo_capacity']:,.0f}/s",
        f"- capacity ratio, reviewer to echo, within each round: "
        f"**{summary['capacity_ratio']:.2f}**",
        f"- open loop at {rate:g}/s: reviewer p99 **{summary['sqlite_p99_ms']:.2f} ms**; "
        f"echo p99 {summary['echo_p99_ms']:.2f} ms",
        "",
        "## Capacity: closed loop, 64 outstanding RPCs", "",
        "| round, server | reviews/s | p50 ms | p95 ms | p99 ms | max ms | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for n, r in enumerate(rounds, 1):
        lines.append(_row(f"{n}, grpc.aio echo (yardstick)", r["echo"]["capacity"]))
        lines.append(_row(f"{n}, reviewer, SQLite", r["sqlite"]["capacity"]))
    if postgres:
        lines.append(_row("reviewer, PostgreSQL (one run, after the rounds)",
                          postgres["capacity"]))
    lines += ["", "## Latency: open loop at a fixed offered rate", "",
              "Latency counts from each request's scheduled send time. *Over 10 ms* counts "
              "the calls slower than 10 ms and the episodes they came in (slow calls under "
              "100 ms apart make one episode).", "",
              "| round, server | offered/s | achieved/s | p50 ms | p95 ms | p99 ms | max ms | "
              "over 10 ms | errors |",
              "|---|---|---|---|---|---|---|---|---|"]
    for n, r in enumerate(rounds, 1):
        lines.append(_latency_row(f"{n}, grpc.aio echo (yardstick)", rate, r["echo"]["latency"]))
        lines.append(_latency_row(f"{n}, reviewer, SQLite", rate, r["sqlite"]["latency"]))
    lines += ["", "Inside the server during each open-loop run (histogram bucket bounds from "
              "`/metrics`):", ""]
    for n, r in enumerate(rounds, 1):
        side = r["sqlite"]["server_side"]
        lines.append(f"- round {n}: review handling p50 {side['handling_p50']}, p99 "
                     f"{side['handling_p99']}; group commit p50 {side['commit_p50']}, p99 "
                     f"{side['commit_p99']}; {side['commits_over_10ms']} commits over 10 ms, "
                     f"the slowest {side['slowest_commit']}; CPU stolen by other tenants "
                     f"{_percent(r['sqlite']['latency'].get('cpu_steal'))} (echo's run: "
                     f"{_percent(r['echo']['latency'].get('cpu_steal'))})")
    lines += ["", "A commit that waits on a stalled flush holds back every review in its "
              "group, and the reviews that arrive behind it, so a few slow commits make many "
              "slow reviews."]
    lines += ["", "## The disk under the store", "",
              f"`python -m load_tests.disk_probe`, run before the rounds in the same "
              f"filesystem: {disk['flushes']:,} fdatasync calls of 8 KiB over "
              f"{disk['seconds']:g} s. p50 {disk['p50_ms']:.2f} ms, p99 "
              f"{disk['p99_ms']:.2f} ms, p99.9 {disk['p999_ms']:.2f} ms, max "
              f"{disk['max_ms']:.1f} ms. {disk['stalls_over_5ms']} flushes took over 5 ms, "
              f"{disk['share_of_time_stalled']:.2%} of the time. Every acknowledged review "
              "waits for one flush, shared by its group, so a review that arrives during "
              "a stalled flush waits for it.", "",
              "## Metric families scraped from /metrics during the first SQLite capacity run",
              "", "| family | change | after the run |", "|---|---|---|"]
    after = rounds[0]["sqlite"].get("metrics_after", {})
    lines += [f"| {k} | {v:,.0f} | {after.get(k, 0):,.0f} |"
              for k, v in rounds[0]["sqlite"]["metrics_moved"].items()]
    lines += ["", "`reviewer_knowledge_base_info` is an info metric: 1, labelled with the "
              "version in use. It changes only when a reload brings a new version."]
    lines += ["", "Raw results:", "", "```json",
              json.dumps({"rounds": rounds, "postgres": postgres, "disk": disk,
                          "summary": summary}, ensure_ascii=False, indent=2), "```", ""]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--open-rate", type=float, default=1000.0)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "load_tests" / "results" / "REPORT.md")
    args = parser.parse_args(argv)
    print(f"disk: fdatasync probe, {args.duration / 2:g} s", file=sys.stderr)
    disk = disk_probe(Path(tempfile.gettempdir()), args.duration / 2)
    echo = start_echo()
    try:
        rounds = [run_round(n, echo, args.duration, args.open_rate)
                  for n in range(1, args.rounds + 1)]
    finally:
        echo.stop()
    postgres = None if args.no_postgres else run_postgres(args.duration)
    write_report(args.out, args.duration, args.open_rate, rounds, postgres, disk)
    print(args.out.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
