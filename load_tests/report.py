"""Run the committed load report: echo yardstick, SQLite and PostgreSQL servers.

    python -m load_tests.report [--duration 60] [--out load_tests/results/REPORT.md]

Starts each server as its own process on loopback, drives it with ``loadgen`` from this
process, scrapes ``/metrics`` while the review server is under load, and writes a
Markdown report headed by the machine, Python and package versions.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import grpc

from load_tests.disk_probe import probe as disk_probe
from load_tests.loadgen import RequestSource, closed_loop, open_loop
from reviewer.event_loop import new_event_loop

ROOT = Path(__file__).resolve().parent.parent
METRIC_FAMILIES = ("reviewer_grpc_server_handling_seconds_count", "reviewer_reviews_total",
                   "reviewer_findings_total", "reviewer_queue_depth",
                   "reviewer_store_commit_seconds_count", "reviewer_knowledge_base_info")


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


def _buckets(port: int, prefix: str) -> dict[float, float]:
    """Cumulative bucket counts of one histogram series, by upper bound (seconds)."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    buckets: dict[float, float] = {}
    for line in text.splitlines():
        if line.startswith(prefix):
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


HANDLING = 'reviewer_grpc_server_handling_seconds_bucket{code="OK",'
COMMIT = "reviewer_store_commit_seconds_bucket{"


async def _capacity(target: str, duration: float) -> dict[str, Any]:
    return (await closed_loop(target, 64, duration, RequestSource(), progress=True)).summary()


async def _latency(target: str, duration: float, rate: float) -> dict[str, Any]:
    return (await open_loop(target, rate, duration, RequestSource(seed=11),
                            progress=True)).summary()


def run_review_server(label: str, duration: float, env_extra: dict[str, str],
                      open_rate: float | None) -> dict[str, Any]:
    port, metrics_port = _free_port(), _free_port()
    data = Path(tempfile.mkdtemp(prefix="reviewer-load-"))
    env = dict(os.environ, **env_extra)
    server = _start(["reviewer.cli", "serve", "--listen", f"127.0.0.1:{port}", "--data-dir",
                     str(data), "--metrics-listen", f"127.0.0.1:{metrics_port}",
                     "--log-level", "WARNING"], env)
    target = f"127.0.0.1:{port}"
    try:
        _wait_ready(target, server)
        before = _scrape(metrics_port)
        print(f"{label}: closed loop, 64 outstanding, {duration:g} s", file=sys.stderr)
        result: dict[str, Any] = {"capacity": _run(_capacity(target, duration))}
        during = _scrape(metrics_port)
        result["metrics_moved"] = {name: during.get(name, 0) - before.get(name, 0)
                                   for name in METRIC_FAMILIES}
        if open_rate:
            print(f"{label}: open loop, {open_rate:g}/s, {duration:g} s", file=sys.stderr)
            handling, commit = _buckets(metrics_port, HANDLING), _buckets(metrics_port, COMMIT)
            result["latency"] = _run(_latency(target, duration, open_rate))
            handled, committed = _buckets(metrics_port, HANDLING), _buckets(metrics_port, COMMIT)
            result["server_side"] = {
                "handling_p50": _bucket_quantile(handling, handled, 0.50),
                "handling_p99": _bucket_quantile(handling, handled, 0.99),
                "commit_p50": _bucket_quantile(commit, committed, 0.50),
                "commit_p99": _bucket_quantile(commit, committed, 0.99)}
        return result
    finally:
        _stop(server)
        shutil.rmtree(data, ignore_errors=True)


def run_echo(duration: float, open_rate: float | None) -> dict[str, Any]:
    port = _free_port()
    echo = _start(["load_tests.echo_server", "--listen", f"127.0.0.1:{port}"])
    try:
        _wait_ready(f"127.0.0.1:{port}", echo)
        print(f"echo: closed loop, 64 outstanding, {duration:g} s", file=sys.stderr)
        result: dict[str, Any] = {"capacity": _run(_capacity(f"127.0.0.1:{port}", duration))}
        if open_rate:
            print(f"echo: open loop, {open_rate:g}/s, {duration:g} s", file=sys.stderr)
            result["latency"] = _run(_latency(f"127.0.0.1:{port}", duration, open_rate))
        return result
    finally:
        _stop(echo)


def _run(coroutine: Any) -> Any:
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        return runner.run(coroutine)


def _row(name: str, s: dict[str, Any]) -> str:
    return (f"| {name} | {s['throughput_per_s']:,.0f} | {s['p50_ms']:.2f} | {s['p95_ms']:.2f} | "
            f"{s['p99_ms']:.2f} | {s['max_ms']:.1f} | {s['errors']} |")


def _latency_row(name: str, rate: float, s: dict[str, Any]) -> str:
    return (f"| {name} | {rate:g} | {s['throughput_per_s']:,.0f} | {s['p50_ms']:.2f} | "
            f"{s['p95_ms']:.2f} | {s['p99_ms']:.2f} | {s['max_ms']:.1f} | {s['errors']} |")


def write_report(out: Path, duration: float, echo: dict[str, Any], sqlite: dict[str, Any],
                 postgres: dict[str, Any] | None, disk: dict[str, Any]) -> None:
    sys.path.insert(0, str(ROOT))
    from tests.benchmarks.machine import header
    ratio = (sqlite["capacity"]["throughput_per_s"]
             / max(echo["capacity"]["throughput_per_s"], 1e-9))
    lines = [
        "# Load report", "", header(),
        f"- command: `python -m load_tests.report --duration {duration:g}`",
        "- client and servers on the same machine, loopback; every review is durably stored",
        "  (group commit, SQLite synchronous=FULL / PostgreSQL synchronous_commit=on) before",
        "  it is acknowledged.", "",
        "## Capacity: closed loop, 64 outstanding RPCs", "",
        "| server | reviews/s | p50 ms | p95 ms | p99 ms | max ms | errors |",
        "|---|---|---|---|---|---|---|",
        _row("grpc.aio echo (yardstick)", echo["capacity"]),
        _row("reviewer, SQLite", sqlite["capacity"]),
    ]
    if postgres:
        lines.append(_row("reviewer, PostgreSQL", postgres["capacity"]))
    lines += ["", f"Capacity ratio, reviewer on SQLite to echo, same run: **{ratio:.2f}**.", ""]
    if "latency" in sqlite:
        lines += ["## Latency: open loop at a fixed offered rate", "",
                  "Latency counts from each request's scheduled send time.", "",
                  "| server | offered/s | achieved/s | p50 ms | p95 ms | p99 ms | max ms | errors |",
                  "|---|---|---|---|---|---|---|---|"]
        if "latency" in echo:
            lines.append(_latency_row("grpc.aio echo (yardstick)", sqlite["open_rate"],
                                      echo["latency"]))
        lines.append(_latency_row("reviewer, SQLite", sqlite["open_rate"], sqlite["latency"]))
        side = sqlite["server_side"]
        lines += ["", "Inside the server during the same open-loop run (histogram bucket "
                  "bounds from `/metrics`): review handling p50 "
                  f"{side['handling_p50']}, p99 {side['handling_p99']}; group commit "
                  f"p50 {side['commit_p50']}, p99 {side['commit_p99']}.", ""]
    lines += ["## The disk under the store", "",
              f"`python -m load_tests.disk_probe`, run just before the SQLite server, in "
              f"the same filesystem: {disk['flushes']:,} fdatasync calls of 8 KiB over "
              f"{disk['seconds']:g} s. p50 {disk['p50_ms']:.2f} ms, p99 "
              f"{disk['p99_ms']:.2f} ms, p99.9 {disk['p999_ms']:.2f} ms, max "
              f"{disk['max_ms']:.1f} ms. {disk['stalls_over_5ms']} flushes took over 5 ms, "
              f"{disk['share_of_time_stalled']:.2%} of the time. Every acknowledged review "
              "waits for one flush, shared by its group, so a review that arrives during "
              "a stalled flush waits for it.", ""]
    lines += ["## Durable acknowledgements per second", "",
              f"- SQLite: {sqlite['capacity']['throughput_per_s']:,.0f}/s"]
    if postgres:
        lines.append(f"- PostgreSQL: {postgres['capacity']['throughput_per_s']:,.0f}/s")
    lines += ["", "## Metric families scraped from /metrics during the SQLite capacity run", "",
              "| family | change |", "|---|---|"]
    lines += [f"| {k} | {v:,.0f} |" for k, v in sqlite["metrics_moved"].items()]
    lines += ["", "Raw results:", "", "```json",
              json.dumps({"echo": echo, "sqlite": sqlite, "postgres": postgres, "disk": disk},
                         ensure_ascii=False, indent=2), "```", ""]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--open-rate", type=float, default=1000.0)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "load_tests" / "results" / "REPORT.md")
    args = parser.parse_args(argv)
    echo = run_echo(args.duration, args.open_rate)
    print(f"disk: fdatasync probe, {args.duration / 2:g} s", file=sys.stderr)
    disk = disk_probe(Path(tempfile.gettempdir()), args.duration / 2)
    sqlite = run_review_server("reviewer (SQLite)", args.duration, {}, args.open_rate)
    sqlite["open_rate"] = args.open_rate
    postgres = None
    if not args.no_postgres:
        sys.path.insert(0, str(ROOT))
        from tests import pg
        if pg.available():
            with pg.running_server() as server:
                postgres = run_review_server("reviewer (PostgreSQL)", args.duration,
                                             {"REVIEWER_DATABASE_URL": server.new_database()},
                                             None)
    write_report(args.out, args.duration, echo, sqlite, postgres, disk)
    print(args.out.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
