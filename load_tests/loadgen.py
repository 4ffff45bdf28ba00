"""Load generator for the review service: closed loop for capacity, open loop for latency.

    python -m load_tests.loadgen --target 127.0.0.1:50051 --mode closed --concurrency 64 --duration 60
    python -m load_tests.loadgen --target 127.0.0.1:50051 --mode open --rate 1000 --duration 60

Closed loop: N outstanding RPCs, each sent as soon as the previous returns. Open loop:
arrivals on a fixed schedule, latency counted from each request's *scheduled* send time,
so a stalled server cannot hide its queueing. Every request carries a new prescription
id, so each response is a new review durably stored before it was acknowledged.
The mix is built from the knowledge base: mostly routine prescriptions, a share with
notes, a share held for a pharmacist. Bounded in count and time; loopback only.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import grpc

from reviewer.event_loop import new_event_loop
from reviewer.v1 import pharmacist_pb2 as ph
from reviewer.v1 import pharmacist_pb2_grpc
from reviewer.v1 import review_pb2 as pb

MAX_REQUESTS = 5_000_000
SLOW_SECONDS = 0.010
EPISODE_GAP_SECONDS = 0.1
CONNECT_SECONDS = 10.0


def _item(name: str, dose: float, unit: str, frequency: str = "qd", spec: str = "",
          route: str = "口服", days: float = 7) -> pb.Item:
    return pb.Item(drug_name=name, specification=spec, dose=dose, dose_unit=unit,
                   frequency=frequency, route=route, days=days)


OUT, EMERG = pb.OUTPATIENT, pb.EMERGENCY
#: (share, kind, diagnoses, age in years, items): routine first, then notes, then held.
#: Held emergency prescriptions time out in 30 s by default, so timeouts fire in a run.
MIX: list[tuple[float, int, tuple[str, ...], int, tuple[pb.Item, ...]]] = [
    (0.20, OUT, ("I10",), 62, (_item("苯磺酸氨氯地平片", 5, "mg", spec="5mg*7片"),
                               _item("缬沙坦胶囊", 80, "mg", spec="80mg*7粒"))),
    (0.20, OUT, ("E11.9",), 55, (_item("盐酸二甲双胍片", 0.5, "g", "tid", "0.5g*20片"),
                                 _item("阿卡波糖片", 50, "mg", "tid", "50mg*30片"))),
    (0.12, OUT, ("J06.9",), 30, (_item("复方氨酚烷胺片", 1, "片", "bid"),)),
    (0.10, OUT, ("J02.9",), 25, (pb.Item(drug_name="阿莫西林胶囊", specification="0.25g*24粒",
                                         dose=0.5, dose_unit="g", frequency="tid",
                                         route="口服", days=5,
                                         skin_test=pb.SKIN_TEST_NEGATIVE),)),
    (0.10, OUT, ("I25.1", "E78.5"), 66, (_item("阿司匹林肠溶片", 100, "mg"),
                                         _item("阿托伐他汀钙片", 20, "mg", "qn"),
                                         _item("单硝酸异山梨酯缓释片", 40, "mg"))),
    (0.10, OUT, ("K21.0",), 45, (_item("奥美拉唑肠溶胶囊", 20, "mg", "bid"),)),
    (0.10, OUT, ("I48.9",), 72, (_item("华法林钠片", 2.5, "mg"),
                                 _item("布洛芬缓释胶囊", 0.3, "g", "bid"))),
    (0.05, OUT, ("J06.9",), 40, (_item("某某神奇胶囊", 2, "粒", "tid"),)),
    (0.03, EMERG, ("I48.9", "M54.5"), 70, (_item("华法林钠片", 2.5, "mg", days=3),
                                           _item("布洛芬缓释胶囊", 0.3, "g", "bid", days=3))),
]


#: Field 3 of ReviewRequest (prescription_id), length-delimited: its wire tag.
PRESCRIPTION_ID_TAG = bytes([(3 << 3) | 2])
UNITS = 40
METHOD = "/reviewer.v1.ReviewService/Review"


def _template(n: int, kind: int, diagnoses: tuple[str, ...], age: int,
              items: tuple[pb.Item, ...]) -> bytes:
    """A request of the mix, serialized once, without its prescription id."""
    return pb.ReviewRequest(
        unit_id=f"load-{n % UNITS}", unit_level=pb.TOWNSHIP_CENTRE, version=1,
        kind=kind, prescriber=pb.Prescriber(id="doc", antibiotic_right=pb.RESTRICTED),
        patient=pb.Patient(pseudonymous_id=f"p{n}", age_years=age, sex=pb.MALE,
                           diagnoses=[pb.Diagnosis(icd10=d) for d in diagnoses]),
        items=list(items)).SerializeToString()


class RequestSource:
    """Serialized review requests drawn from the mix, each with a new prescription id.

    Each request is a pre-serialized template plus its prescription id appended as one
    more field (protobuf merges fields in any order), so the client spends its time on
    sending, not on building messages, and an hour-long run needs no memory up front.
    """

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.templates = [[_template(unit, *entry) for unit in range(UNITS)]
                          for _, *entry in MIX]
        self.weights = list(itertools.accumulate(share for share, *_ in MIX))
        self.run = f"{time.time_ns():x}"
        self.count = 0

    def __iter__(self) -> "RequestSource":
        return self

    def __next__(self) -> bytes:
        n = self.count
        if n >= MAX_REQUESTS:
            raise StopIteration
        self.count = n + 1
        entry = self.rng.choices(self.templates, cum_weights=self.weights)[0]
        prescription_id = f"{self.run}-{n}".encode()
        return (entry[n % UNITS] + PRESCRIPTION_ID_TAG + bytes([len(prescription_id)])
                + prescription_id)


@dataclass
class Result:
    """Latencies (seconds) of completed calls, errors, verdict counts, wall time."""

    latencies: list[float] = field(default_factory=list)
    #: When each completed call was due (open loop) or sent (closed loop).
    sent: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    verdicts: dict[str, int] = field(default_factory=dict)
    started: float = 0.0
    finished: float = 0.0

    def summary(self) -> dict[str, Any]:
        done = sorted(self.latencies)
        elapsed = max(self.finished - self.started, 1e-9)

        def pct(p: float) -> float:
            return done[min(len(done) - 1, int(p * len(done)))] * 1000 if done else float("nan")
        return {"completed": len(done), "errors": sum(self.errors.values()),
                "error_kinds": self.errors, "seconds": round(elapsed, 2),
                "throughput_per_s": round(len(done) / elapsed, 1),
                "p50_ms": round(pct(0.50), 3), "p95_ms": round(pct(0.95), 3),
                "p99_ms": round(pct(0.99), 3),
                "max_ms": round(done[-1] * 1000, 3) if done else float("nan"),
                "verdicts": self.verdicts, **self.slow_episodes()}

    def slow_episodes(self, over: float = SLOW_SECONDS, gap: float = EPISODE_GAP_SECONDS
                      ) -> dict[str, Any]:
        """Calls slower than ``over``, and how many separate episodes they came in (slow
        calls less than ``gap`` apart belong to one): a few long episodes point to a
        stall (a disk flush, say), many short ones to steady queueing."""
        slow = sorted(at for at, latency in zip(self.sent, self.latencies) if latency > over)
        episodes = sum(1 for n, at in enumerate(slow) if n == 0 or at - slow[n - 1] > gap)
        return {f"over_{over * 1000:g}ms": len(slow), "slow_episodes": episodes}


class Progress:
    """One status line, rewritten every second while the run goes on."""

    def __init__(self, result: Result, label: str, enabled: bool) -> None:
        self.result, self.label, self.enabled = result, label, enabled

    async def run(self, stop: asyncio.Event) -> None:
        last = 0
        while not stop.is_set() and self.enabled:
            await asyncio.sleep(1.0)
            done = len(self.result.latencies)
            recent = sorted(self.result.latencies[last:])
            p99 = recent[int(0.99 * (len(recent) - 1))] * 1000 if recent else 0.0
            sys.stderr.write(f"\r{self.label}: {done} done, {done - last}/s, p99 {p99:.2f} ms, "
                             f"{sum(self.result.errors.values())} errors   ")
            sys.stderr.flush()
            last = done
        if self.enabled:
            sys.stderr.write("\n")


async def _call(review: Any, request: bytes, result: Result, began: float) -> None:
    try:
        response = await review(request, timeout=10)
        result.latencies.append(time.monotonic() - began)
        result.sent.append(began)
        name = pb.Verdict.Name(response.verdict) if response.verdict else "ECHO"
        result.verdicts[name] = result.verdicts.get(name, 0) + 1
    except grpc.aio.AioRpcError as exc:
        key = exc.code().name
        result.errors[key] = result.errors.get(key, 0) + 1


@asynccontextmanager
async def _session(target: str, channels: int, label: str,
                   progress: bool) -> AsyncIterator[tuple[Result, list[Any]]]:
    """Channels, stubs and the progress line for one run; timing starts on entry."""
    result = Result()
    pool = [grpc.aio.insecure_channel(target) for _ in range(channels)]
    stubs = [c.unary_unary(METHOD, request_serializer=None,
                           response_deserializer=pb.ReviewResponse.FromString) for c in pool]
    # Connect first: an HIS keeps its channel open, so the handshake is no review's latency.
    await asyncio.wait_for(asyncio.gather(*(c.channel_ready() for c in pool)), CONNECT_SECONDS)
    stop = asyncio.Event()
    ticker = asyncio.create_task(Progress(result, label, progress).run(stop))
    result.started = time.monotonic()
    try:
        yield result, stubs
    finally:
        result.finished = time.monotonic()
        stop.set()
        await ticker
        for channel in pool:
            await channel.close()


async def closed_loop(target: str, concurrency: int, duration: float, source: RequestSource,
                      channels: int = 4, progress: bool = True) -> Result:
    async with _session(target, channels, "closed loop", progress) as (result, stubs):
        end = result.started + duration

        async def worker(n: int) -> None:
            stub = stubs[n % len(stubs)]
            for request in source:
                now = time.monotonic()
                if now >= end:
                    return
                await _call(stub, request, result, now)

        await asyncio.gather(*(worker(n) for n in range(concurrency)))
    return result


async def open_loop(target: str, rate: float, duration: float, source: RequestSource,
                    channels: int = 4, progress: bool = True) -> Result:
    total = min(int(rate * duration), MAX_REQUESTS)
    tasks: set[asyncio.Task[None]] = set()
    async with _session(target, channels, f"open loop {rate:g}/s", progress) as (result, stubs):
        start = result.started
        for n in range(total):
            scheduled = start + n / rate
            delay = scheduled - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(_call(stubs[n % len(stubs)], next(source), result, scheduled))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.gather(*tasks)
    return result


async def pharmacist_desk(target: str, duration: float, rate: float,
                          pharmacist: str = "load-desk") -> dict[str, int]:
    """A pharmacist working the queue at ``rate`` decisions a second for ``duration``:
    claim the most urgent held review, approve three in four and reject the fourth
    with a template reason. A review that timed out or was taken first is a conflict."""
    counts = {"approved": 0, "rejected": 0, "conflicts": 0, "errors": 0}
    async with grpc.aio.insecure_channel(target) as channel:
        desk = pharmacist_pb2_grpc.PharmacistServiceStub(channel)
        end = time.monotonic() + duration
        while (started := time.monotonic()) < end:
            try:
                snapshot = await desk.ListQueue(ph.ListQueueRequest(limit=1), timeout=5)
                if snapshot.items:
                    review_id = snapshot.items[0].review_id
                    await desk.Claim(ph.ClaimRequest(review_id=review_id, pharmacist_id=pharmacist,
                                                     lease_seconds=60), timeout=5)
                    if (counts["approved"] + counts["rejected"]) % 4 == 3:
                        await desk.Reject(ph.RejectRequest(
                            review_id=review_id, pharmacist_id=pharmacist, reason_code="R05",
                            reason="联合用药不适宜：华法林与NSAIDs合用增加出血风险"), timeout=5)
                        counts["rejected"] += 1
                    else:
                        await desk.Approve(ph.ApproveRequest(
                            review_id=review_id, pharmacist_id=pharmacist), timeout=5)
                        counts["approved"] += 1
            except grpc.aio.AioRpcError as exc:
                conflict = exc.code() in (grpc.StatusCode.FAILED_PRECONDITION,
                                          grpc.StatusCode.NOT_FOUND)
                counts["conflicts" if conflict else "errors"] += 1
            await asyncio.sleep(max(0.0, 1 / rate - (time.monotonic() - started)))
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", default="127.0.0.1:50051")
    parser.add_argument("--mode", choices=("closed", "open"), default="closed")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--channels", type=int, default=4)
    parser.add_argument("--desk-rate", type=float, default=0.0,
                        help="also adjudicate held reviews, this many a second")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if not args.target.startswith(("127.", "localhost", "[::1]")):
        parser.error("load is only sent to loopback addresses")
    source = RequestSource()
    runner = closed_loop(args.target, args.concurrency, args.duration, source, args.channels,
                         not args.quiet) if args.mode == "closed" else \
        open_loop(args.target, args.rate, args.duration, source, args.channels, not args.quiet)

    async def run() -> dict[str, Any]:
        if not args.desk_rate:
            return (await runner).summary()
        result, desk = await asyncio.gather(
            runner, pharmacist_desk(args.target, args.duration, args.desk_rate))
        return {**result.summary(), "pharmacist_desk": desk}
    with asyncio.Runner(loop_factory=new_event_loop) as loop:
        summary = loop.run(run())
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
