"""Shared fixtures: the fixture knowledge base, an engine, and a real server on loopback."""
from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from knowledge_base.compiler import CompiledKnowledge, load_and_compile
from reviewer.config import Config, load_config
from reviewer.engine import ReviewEngine
from reviewer.event_loop import new_event_loop
from reviewer.server import RunningServer, start_server
from tests import pg

FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb"


@pytest.fixture(scope="session")
def fixture_knowledge() -> CompiledKnowledge:
    return load_and_compile(FIXTURE_KB)


def make_config(tmp_path: Path, **overrides: object) -> Config:
    values = {"data_dir": tmp_path / "data", "listen": "127.0.0.1:0",
              "knowledge_dir": FIXTURE_KB}
    values.update(overrides)
    return load_config(env={}, overrides=values)


@pytest.fixture
def engine(tmp_path: Path) -> ReviewEngine:
    return ReviewEngine(make_config(tmp_path))


class ServerThread:
    """A real server on 127.0.0.1:0, run on its own event loop in a thread."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.loop = new_event_loop()
        self.running: RunningServer | None = None
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> "ServerThread":
        self._thread.start()
        self.running = asyncio.run_coroutine_threadsafe(
            start_server(self.config), self.loop).result(timeout=60)
        return self

    @property
    def target(self) -> str:
        assert self.running is not None
        return f"127.0.0.1:{self.running.port}"

    def stop(self) -> None:
        if self.running is not None:
            asyncio.run_coroutine_threadsafe(self.running.stop(), self.loop).result(timeout=30)
            self.running = None
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)


@pytest.fixture(scope="session")
def postgres() -> Iterator[pg.PostgresServer]:
    """One real PostgreSQL server for the session (initdb + pg_ctl in a temp dir)."""
    if not pg.available():
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    with pg.running_server() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgres"])
def backend_config(request: pytest.FixtureRequest, tmp_path: Path) -> Config:
    """The same tests run against the embedded SQLite store and a real PostgreSQL."""
    if request.param == "postgres":
        server = request.getfixturevalue("postgres")
        return make_config(tmp_path, database_url=server.new_database())
    return make_config(tmp_path)


@pytest.fixture
def server(backend_config: Config) -> Iterator[ServerThread]:
    running = ServerThread(backend_config).start()
    yield running
    running.stop()


@pytest.fixture
def channel(server: ServerThread) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(server.target) as ch:
        yield ch
