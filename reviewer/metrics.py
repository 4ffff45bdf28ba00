"""Prometheus metrics: one server interceptor for every RPC, plus domain counters.

Labels are fixed and low-cardinality: method, status code, verdict, unit level, rule id,
severity, prescription kind, outcome, action. Never a patient, doctor, prescription or
unit id. Queue depth is read from the store at scrape time, so it is right after a
restart; with several replicas every replica reports the same shared depth (use max).
"""
from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
from prometheus_client import Counter, Gauge, Histogram, Info
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector, CollectorRegistry, REGISTRY

from reviewer.v1 import review_pb2 as pb

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                   5.0, 10.0)
ADJUDICATION_BUCKETS = (5, 15, 30, 60, 120, 180, 300, 600, 1200, 3600)
KINDS = {pb.OUTPATIENT: "outpatient", pb.EMERGENCY: "emergency", pb.INPATIENT: "inpatient",
         pb.CHRONIC: "chronic"}
LEVELS = {pb.COUNTY_HOSPITAL: "county_hospital", pb.TOWNSHIP_CENTRE: "township_centre",
          pb.VILLAGE_CLINIC: "village_clinic"}


class Metrics:
    """Every metric family the service exports, registered on one registry."""

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self.registry = registry
        self.rpc_seconds = Histogram(
            "reviewer_grpc_server_handling_seconds", "RPC latency by method and status code",
            ("method", "code"), buckets=LATENCY_BUCKETS, registry=registry)
        self.reviews = Counter(
            "reviewer_reviews", "Reviews by verdict and member-unit level",
            ("verdict", "unit_level"), registry=registry)
        self.findings = Counter(
            "reviewer_findings", "Findings by rule id and severity", ("rule_id", "severity"),
            registry=registry)
        self.adjudication_seconds = Histogram(
            "reviewer_adjudication_seconds", "Time from review to decision on a held review",
            ("outcome",), buckets=ADJUDICATION_BUCKETS, registry=registry)
        self.timeouts = Counter(
            "reviewer_timeouts", "Timeout actions fired", ("action",), registry=registry)
        self.commit_seconds = Histogram(
            "reviewer_store_commit_seconds", "Store group-commit latency",
            buckets=LATENCY_BUCKETS, registry=registry)
        self.commit_batch = Histogram(
            "reviewer_store_commit_batch_size", "Operations per group commit",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512), registry=registry)
        self.knowledge_base = Info(
            "reviewer_knowledge_base", "Knowledge-base version in use", registry=registry)
        self.up = Gauge("reviewer_up", "1 while the server is serving", registry=registry)
        # Labelled children, looked up once: ``labels()`` takes a lock on every call.
        self._review_children: dict[tuple[int, int], Any] = {}
        self._finding_children: dict[tuple[str, int], Any] = {}

    def observe_commit(self, seconds: float, size: int) -> None:
        self.commit_seconds.observe(seconds)
        self.commit_batch.observe(size)

    def observe_review(self, response: pb.ReviewResponse, unit_level: int) -> None:
        key = (response.verdict, unit_level)
        counter = self._review_children.get(key)
        if counter is None:
            counter = self._review_children[key] = self.reviews.labels(
                pb.Verdict.Name(response.verdict), LEVELS.get(unit_level, "unknown"))
        counter.inc()
        for finding in response.findings:
            key = (finding.rule_id, finding.severity)
            counter = self._finding_children.get(key)
            if counter is None:
                counter = self._finding_children[key] = self.findings.labels(
                    finding.rule_id, pb.Severity.Name(finding.severity))
            counter.inc()

    def observe_decision(self, outcome: str, created_ms: int, decided_ms: int) -> None:
        self.adjudication_seconds.labels(outcome).observe(max(decided_ms - created_ms, 0) / 1000)

    def set_knowledge_base(self, version: str) -> None:
        self.knowledge_base.info({"version": version})

    def watch_queue(self, depth: Callable[[], dict[int, int]]) -> None:
        """Export queue depth by kind, read from the store at each scrape."""
        self.registry.register(_QueueDepth(depth))


class _QueueDepth(Collector):
    def __init__(self, depth: Callable[[], dict[int, int]]) -> None:
        self.depth = depth

    def collect(self) -> Any:
        family = GaugeMetricFamily("reviewer_queue_depth",
                                   "Held reviews waiting for a pharmacist, by prescription kind",
                                   labels=("kind",))
        try:
            counts = self.depth()
        except Exception:
            log.exception("queue depth unavailable")
            counts = {}
        for kind, name in KINDS.items():
            family.add_metric([name], counts.get(kind, 0))
        yield family


class MetricsInterceptor(grpc.aio.ServerInterceptor):
    """Times every RPC of every kind (unary and streaming) by method and status code."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        #: Wrapped handlers by full method name, with the handler each one wraps.
        self._wrapped: dict[str, tuple[Any, Any]] = {}

    async def intercept_service(self, continuation: Callable[..., Any],
                                handler_call_details: grpc.HandlerCallDetails) -> Any:
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        cached = self._wrapped.get(handler_call_details.method)
        if cached is not None and cached[0] is handler:
            return cached[1]
        wrapped = self._wrap(handler, handler_call_details.method.rsplit("/", 1)[-1])
        self._wrapped[handler_call_details.method] = (handler, wrapped)
        return wrapped

    def _wrap(self, handler: Any, method: str) -> Any:
        """The same handler, timed by method and status code."""
        by_code: dict[str, Any] = {}

        def observe(code: str, seconds: float) -> None:
            child = by_code.get(code)
            if child is None:
                child = by_code[code] = self.metrics.rpc_seconds.labels(method, code)
            child.observe(seconds)

        def code_of(context: grpc.aio.ServicerContext, error: BaseException | None) -> str:
            code = context.code() if hasattr(context, "code") else None
            if code is None:
                code = grpc.StatusCode.UNKNOWN if error else grpc.StatusCode.OK
            return code.name if isinstance(code, grpc.StatusCode) else str(code)

        def unary(behavior: Callable[..., Any]) -> Callable[..., Any]:
            async def wrapped(request: Any, context: grpc.aio.ServicerContext) -> Any:
                started = time.perf_counter()
                error: BaseException | None = None
                try:
                    return await behavior(request, context)
                except BaseException as exc:
                    error = exc
                    raise
                finally:
                    observe(code_of(context, error), time.perf_counter() - started)
            return wrapped

        def streaming(behavior: Callable[..., Any]) -> Callable[..., Any]:
            async def wrapped(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
                started = time.perf_counter()
                error: BaseException | None = None
                try:
                    async for message in behavior(request, context):
                        yield message
                except BaseException as exc:
                    error = exc
                    raise
                finally:
                    observe(code_of(context, error), time.perf_counter() - started)
            return wrapped

        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                unary(handler.unary_unary), handler.request_deserializer,
                handler.response_serializer)
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                streaming(handler.unary_stream), handler.request_deserializer,
                handler.response_serializer)
        if handler.stream_unary:
            return grpc.stream_unary_rpc_method_handler(
                unary(handler.stream_unary), handler.request_deserializer,
                handler.response_serializer)
        return grpc.stream_stream_rpc_method_handler(
            streaming(handler.stream_stream), handler.request_deserializer,
            handler.response_serializer)
