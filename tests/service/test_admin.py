"""Knowledge-base reload: a new version swaps in; a bad one is refused and changes nothing."""
from __future__ import annotations

import shutil
from pathlib import Path

import grpc
import pytest

from reviewer.v1 import admin_pb2 as ad
from reviewer.v1 import admin_pb2_grpc
from reviewer.v1 import review_pb2_grpc
from tests.builders import item, request
from tests.conftest import FIXTURE_KB, ServerThread


def test_reload_swaps_the_version_and_refuses_a_broken_base(server: ServerThread,
                                                             tmp_path: Path) -> None:
    changed = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, changed)
    (changed / "RELEASE").write_text("test.2\n")
    broken = tmp_path / "broken"
    shutil.copytree(FIXTURE_KB, broken)
    with (broken / "lactation.csv").open("a") as handle:
        handle.write("warfarin,severe,x,label\n")
    with grpc.insecure_channel(server.target) as channel:
        admin = admin_pb2_grpc.AdminServiceStub(channel)
        his = review_pb2_grpc.ReviewServiceStub(channel)
        before = admin.GetKnowledgeBase(ad.GetKnowledgeBaseRequest(), timeout=5)
        assert before.version.startswith("test.1+") and before.ingredients > 0
        reloaded = admin.ReloadKnowledgeBase(
            ad.ReloadKnowledgeBaseRequest(directory=str(changed)), timeout=30)
        assert reloaded.version.startswith("test.2+")
        assert reloaded.previous_version == before.version
        response = his.Review(request(item("华法林钠片", 2.5, "mg")), timeout=5)
        assert response.knowledge_base_version == reloaded.version
        with pytest.raises(grpc.RpcError) as caught:
            admin.ReloadKnowledgeBase(ad.ReloadKnowledgeBaseRequest(directory=str(broken)),
                                      timeout=30)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "lactation.csv" in caught.value.details()
        after = admin.GetKnowledgeBase(ad.GetKnowledgeBaseRequest(), timeout=5)
        assert after.version == reloaded.version
