"""``AdminService``: the knowledge-base version in use, and reloading it live."""
from __future__ import annotations

import asyncio
from pathlib import Path

import grpc

from knowledge_base.validator import KnowledgeBaseInvalid
from reviewer.engine import KnowledgeRuntime, ReviewEngine
from reviewer.errors import Errors
from reviewer.service import maps_errors
from reviewer.v1 import admin_pb2 as ad
from reviewer.v1 import admin_pb2_grpc


def knowledge_info(runtime: KnowledgeRuntime, previous: str = "") -> ad.KnowledgeBaseInfo:
    tables = runtime.knowledge.tables
    return ad.KnowledgeBaseInfo(version=runtime.version, previous_version=previous,
                                ingredients=len(tables.ingredient_ids),
                                interaction_pairs=len(tables.interactions),
                                facts=len(tables.facts))


class AdminService(admin_pb2_grpc.AdminServiceServicer):
    """Operator calls; reviews in flight keep the runtime they started with."""

    def __init__(self, engine: ReviewEngine) -> None:
        self.engine = engine
        self._lock = asyncio.Lock()

    @maps_errors
    async def GetKnowledgeBase(self, request: ad.GetKnowledgeBaseRequest,
                               context: grpc.aio.ServicerContext) -> ad.KnowledgeBaseInfo:
        return knowledge_info(self.engine.runtime)

    @maps_errors
    async def ReloadKnowledgeBase(self, request: ad.ReloadKnowledgeBaseRequest,
                                  context: grpc.aio.ServicerContext) -> ad.KnowledgeBaseInfo:
        async with self._lock:
            previous = self.engine.runtime.version
            directory = Path(request.directory) if request.directory else None
            try:
                await asyncio.to_thread(self.engine.reload, directory)
            except KnowledgeBaseInvalid as exc:
                raise Errors.E101.error(field="directory", problem=str(exc)) from None
            except FileNotFoundError as exc:
                raise Errors.E101.error(field="directory", problem=str(exc)) from None
            return knowledge_info(self.engine.runtime, previous)
