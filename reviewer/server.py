"""The gRPC server: services, health, reflection, signals and graceful shutdown."""
from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sys
import time
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from prometheus_client import CollectorRegistry, start_http_server

from reviewer.admin import AdminService
from reviewer.config import Config
from reviewer.engine import ReviewEngine
from reviewer.metrics import Metrics, MetricsInterceptor
from reviewer.pharmacist import PharmacistService
from reviewer.service import ReviewService
from reviewer.store import ReviewStore, StoredReview
from reviewer.store import operations as ops
from reviewer.store.postgres import PostgresStore
from reviewer.store.sql_store import SqlStore
from reviewer.store.sqlite import SqliteStore
from reviewer.v1 import (admin_pb2, admin_pb2_grpc, pharmacist_pb2, pharmacist_pb2_grpc,
                         review_pb2, review_pb2_grpc)
from reviewer.watch import ChangeHub

log = logging.getLogger(__name__)

SERVICE_NAMES = (
    review_pb2.DESCRIPTOR.services_by_name["ReviewService"].full_name,
    pharmacist_pb2.DESCRIPTOR.services_by_name["PharmacistService"].full_name,
    admin_pb2.DESCRIPTOR.services_by_name["AdminService"].full_name,
)
#: How often each replica looks for held reviews past their deadline.
TIMEOUT_POLL_SECONDS = 0.25


def open_store(config: Config) -> SqlStore:
    """SQLite under the data directory unless a PostgreSQL URL is configured."""
    if config.database_url:
        if not config.database_url.startswith(("postgresql://", "postgres://")):
            raise SystemExit("database_url: only postgresql:// URLs are supported")
        return PostgresStore(config.database_url.replace("postgres://", "postgresql://", 1),
                             config.group_commit)
    return SqliteStore(config.sqlite_path, config.group_commit)


async def fire_timeouts(store: ReviewStore, stop: asyncio.Event, metrics: Metrics,
                        interval: float = TIMEOUT_POLL_SECONDS) -> None:
    """Apply due timeout actions until ``stop``; safe on every replica at once. A full
    batch means a backlog: the next batch goes at once, behind the reviews queued."""
    while not stop.is_set():
        fired: list[StoredReview] = []
        try:
            fired = await store.fire_timeouts(int(time.time() * 1000))
            for review in fired:
                metrics.timeouts.labels(review.timeout_action).inc()
                if review.timeout_action != "escalate":
                    metrics.observe_decision(f"timeout_{review.timeout_action}",
                                             review.created_ms, review.decided_ms)
                log.info("timeout fired", extra={"review": {
                    "review_id": review.review_id, "action": review.timeout_action}})
        except Exception:
            log.exception("timeout sweep failed")
        if len(fired) >= ops.TIMEOUT_BATCH:
            continue
        try:
            await asyncio.wait_for(stop.wait(), interval)
        except asyncio.TimeoutError:
            pass


@dataclass
class RunningServer:
    """A started server and what it needs to stop cleanly."""

    server: grpc.aio.Server
    port: int
    health: health.aio.HealthServicer
    store: SqlStore
    engine: ReviewEngine
    grace_seconds: float
    stopping: asyncio.Event
    timeouts: asyncio.Task[None]
    metrics: Metrics

    async def stop(self) -> None:
        """Report NOT_SERVING first, let calls in flight finish, then close the store."""
        self.metrics.up.set(0)
        await self.health.enter_graceful_shutdown()
        self.stopping.set()
        await self.server.stop(self.grace_seconds)
        await self.timeouts
        await self.store.close()
        log.info("server stopped")


async def start_server(config: Config, engine: ReviewEngine | None = None,
                       metrics: Metrics | None = None) -> RunningServer:
    """Build and start the server; ``port`` is the one actually bound (for ``:0``)."""
    engine = engine or await asyncio.to_thread(ReviewEngine, config)
    metrics = metrics or Metrics(CollectorRegistry())
    metrics.set_knowledge_base(engine.runtime.version)
    engine.on_reload.append(metrics.set_knowledge_base)
    store = open_store(config)
    store.commit_seconds = metrics.observe_commit
    hub = ChangeHub()
    store.subscribe(hub.changed)
    await store.start()
    metrics.watch_queue(lambda: store.read_sync(ops.depth_by_kind))
    server = grpc.aio.server(interceptors=[MetricsInterceptor(metrics)], options=[
        ("grpc.so_reuseport", 0),
        ("grpc.max_receive_message_length", 4 * 1024 * 1024),
    ])
    review_pb2_grpc.add_ReviewServiceServicer_to_server(
        ReviewService(engine, store, hub, metrics), server)
    pharmacist_pb2_grpc.add_PharmacistServiceServicer_to_server(
        PharmacistService(config, store, hub, metrics), server)
    admin_pb2_grpc.add_AdminServiceServicer_to_server(AdminService(engine), server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (*SERVICE_NAMES, health.SERVICE_NAME, reflection.SERVICE_NAME), server)
    port = server.add_insecure_port(config.listen)
    if port == 0:
        await store.close()
        raise SystemExit(f"listen: cannot bind {config.listen}")
    await server.start()
    for name in ("", *SERVICE_NAMES):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    log.info("serving on %s (port %d), knowledge base %s", config.listen, port,
             engine.runtime.version)
    stopping = asyncio.Event()
    timeouts = asyncio.create_task(fire_timeouts(store, stopping, metrics))
    metrics.up.set(1)
    return RunningServer(server, port, health_servicer, store, engine, config.grace_seconds,
                         stopping, timeouts, metrics)


#: gRPC's completion-queue thread needs the GIL to hand each event to the loop; with
#: the default 5 ms switch interval it waits behind a busy loop (on the load-test
#: machine, 0.005 s gave about a quarter less capacity and a p99 ten times longer).
GIL_SWITCH_INTERVAL = 0.0002


async def serve(config: Config) -> None:
    """Run until SIGTERM or SIGINT; SIGHUP reloads the knowledge base."""
    sys.setswitchinterval(GIL_SWITCH_INTERVAL)
    registry = CollectorRegistry()
    running = await start_server(config, metrics=Metrics(registry))
    # The compiled knowledge base is hundreds of thousands of long-lived objects; keep
    # the cyclic collector from walking them on every full collection (latency spikes).
    gc.freeze()
    running.engine.on_reload.append(lambda version: gc.freeze())
    if config.metrics_listen:
        host, _, port = config.metrics_listen.rpartition(":")
        start_http_server(int(port), addr=host or "127.0.0.1", registry=registry)
        log.info("metrics on http://%s/metrics", config.metrics_listen)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)

    def reload() -> None:
        async def run() -> None:
            try:
                await asyncio.to_thread(running.engine.reload)
            except Exception:
                log.exception("knowledge-base reload failed; keeping %s",
                              running.engine.runtime.version)
        loop.create_task(run())

    loop.add_signal_handler(signal.SIGHUP, reload)
    print(f"reviewer: serving on {config.listen} (knowledge base "
          f"{running.engine.runtime.version}); Ctrl-C to stop", flush=True)
    await stop.wait()
    log.info("stopping")
    await running.stop()
