"""The review pipeline: validate -> normalise -> kernel -> words -> verdict.

A ``KnowledgeRuntime`` bundles everything built from one knowledge-base version. The
engine swaps it atomically on reload; a review in flight keeps the runtime it started
with, so a reload never drops or mixes a review.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kernels.checker import IMPLEMENTATION, Checker
from knowledge_base.compiler import CompiledKnowledge, load_and_compile
from reviewer.config import Config
from reviewer.normalise.prescription import Normaliser
from reviewer.policy import VerdictPolicy
from reviewer.v1 import review_pb2 as pb
from reviewer.validation import validate_request
from reviewer.wording import Wording

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReviewOutcome:
    """What the system half of the review decided."""

    verdict: int
    findings: list[pb.Finding]
    knowledge_base_version: str


class KnowledgeRuntime:
    """Normaliser, kernel and wording built from one compiled knowledge base."""

    def __init__(self, knowledge: CompiledKnowledge,
                 code_maps: dict[str, dict[str, str]] | None = None) -> None:
        self.knowledge = knowledge
        self.version = knowledge.version
        self.normaliser = Normaliser(knowledge, code_maps)
        self.checker = Checker(knowledge.tables)
        self.wording = Wording(knowledge.tables, knowledge.lexicon)


def load_code_maps(directory: Path | None) -> dict[str, dict[str, str]]:
    """Per-unit HIS drug-code maps: ``<unit_id>.csv`` with ``drug_code,name`` rows."""
    import csv
    maps: dict[str, dict[str, str]] = {}
    if directory is None:
        return maps
    for path in sorted(Path(directory).glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or not {"drug_code", "name"} <= set(reader.fieldnames):
                raise ValueError(f"{path}:1: expected columns drug_code,name")
            maps[path.stem] = {row["drug_code"].strip(): row["name"].strip() for row in reader}
    return maps


class ReviewEngine:
    """Reviews prescriptions against the current knowledge base and policy."""

    def __init__(self, config: Config, runtime: KnowledgeRuntime | None = None) -> None:
        self.config = config
        self.policy = VerdictPolicy(config.policy)
        self._code_maps = load_code_maps(config.code_maps_dir)
        self.runtime = runtime or self.build_runtime(config.knowledge_dir)
        #: Called with the new version after each successful reload.
        self.on_reload: list[Callable[[str], None]] = []
        log.info("knowledge base %s loaded; kernel %s", self.runtime.version, IMPLEMENTATION)

    def build_runtime(self, directory: Path) -> KnowledgeRuntime:
        knowledge = load_and_compile(directory, self.config.kernel_settings())
        return KnowledgeRuntime(knowledge, self._code_maps)

    def reload(self, directory: Path | None = None) -> str:
        """Compile the knowledge base again and swap it in; returns the new version."""
        runtime = self.build_runtime(directory or self.config.knowledge_dir)
        self.runtime = runtime
        log.info("knowledge base reloaded: %s", runtime.version)
        for callback in self.on_reload:
            callback(runtime.version)
        return runtime.version

    def review(self, request: pb.ReviewRequest, now: dt.datetime) -> ReviewOutcome:
        """Run the system review of one request (raises domain errors on bad input)."""
        today = validate_request(request, now)
        runtime = self.runtime
        normalised = runtime.normaliser.normalise(request, today)
        raw = normalised.findings + runtime.checker.check(normalised.prescription)
        findings = [runtime.wording.finding(r, normalised.item_names) for r in raw]
        findings.sort(key=lambda f: -f.severity)
        verdict = self.policy.decide(findings, request.unit_level)
        return ReviewOutcome(verdict, findings, runtime.version)
