"""Kernel and normaliser benchmarks (pytest-benchmark), outside the default run.

Run: ``python -m pytest -m perf tests/benchmarks --benchmark-columns=min,median,mean,ops``
Results with their machine header are committed in tests/benchmarks/results/.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kernels import _checker_c, _checker_py
from knowledge_base.compiler import CompiledKnowledge, load_and_compile
from reviewer.config import load_config
from reviewer.engine import KnowledgeRuntime, ReviewEngine
from reviewer.normalise.drug_names import DrugNameResolver
from reviewer.normalise.prescription import Normaliser
from reviewer.normalise.quantities import parse_specification
from reviewer.normalise.text import clean, clean_lower
from reviewer.v1 import review_pb2 as pb
from tests.builders import item, request

pytestmark = pytest.mark.perf
TODAY = dt.date(2026, 11, 23)

#: A routine county prescription for an elderly patient with five items.
FIVE_ITEMS = request(
    item("苯磺酸氨氯地平片", 5, "mg", specification="5mg*7片", days=7, quantity=1, quantity_unit="盒"),
    item("盐酸二甲双胍片", 0.5, "g", "tid", specification="0.5g*20片", days=7),
    item("阿托伐他汀钙片", 20, "mg", "qn", specification="20mg*7片", days=7),
    item("阿司匹林肠溶片", 100, "mg", specification="100mg*30片", days=7),
    item("奥美拉唑肠溶胶囊", 20, "mg", specification="20mg*14粒", days=7),
    age_years=72, diagnoses=("I10", "E11.9", "I25.1", "K21.9"), egfr=68, weight_kg=64)

PRINTED_NAMES = [
    "盐酸二甲双胍片", "苯磺酸氨氯地平片 5mg", "阿托伐他汀钙片", "阿司匹林肠溶片",
    "奥美拉唑肠溶胶囊", "注射用头孢曲松钠", "复方氨酚烷胺片", "格华止（盐酸二甲双胍片）",
    "0.9%氯化钠注射液", "硝苯地平控释片", "布地奈德福莫特罗吸入粉雾剂", "小儿氨酚黄那敏颗粒",
]


@pytest.fixture(scope="module")
def knowledge() -> CompiledKnowledge:
    return load_and_compile()


@pytest.fixture(scope="module")
def normalised(knowledge: CompiledKnowledge) -> Any:
    return Normaliser(knowledge).normalise(FIVE_ITEMS, TODAY).prescription


@pytest.mark.benchmark(group="kernel: normalised 5-item prescription")
@pytest.mark.parametrize("implementation", ["cython", "python"])
def test_kernel_five_items(benchmark: Any, knowledge: CompiledKnowledge, normalised: Any,
                           implementation: str) -> None:
    module = _checker_c if implementation == "cython" else _checker_py
    checker = module.Checker(knowledge.tables)
    findings = benchmark(checker.check, normalised)
    benchmark.extra_info["lines"] = len(normalised.lines)
    benchmark.extra_info["findings"] = len(findings)
    benchmark.extra_info["correct"] = findings == _checker_py.Checker(knowledge.tables).check(normalised)
    assert benchmark.extra_info["correct"]


@pytest.mark.benchmark(group="normalise: 12 drug names per round")
@pytest.mark.parametrize("path", ["first sight", "cached"])
def test_name_resolution(benchmark: Any, knowledge: CompiledKnowledge, path: str) -> None:
    resolver = DrugNameResolver(knowledge.lexicon)

    if path == "first sight":  # nothing cached: every name as if never seen before
        def all_names() -> int:
            clean.cache_clear()
            clean_lower.cache_clear()
            parse_specification.cache_clear()
            return sum(resolver._resolve(name) is not None for name in PRINTED_NAMES)
    else:
        def all_names() -> int:
            return sum(resolver.resolve(name) is not None for name in PRINTED_NAMES)

    resolved = benchmark(all_names)
    benchmark.extra_info["items_per_round"] = len(PRINTED_NAMES)
    benchmark.extra_info["correct"] = resolved == len(PRINTED_NAMES)
    assert benchmark.extra_info["correct"]


@pytest.mark.benchmark(group="review: validate + normalise + kernel + words + verdict")
def test_full_review(benchmark: Any, knowledge: CompiledKnowledge, tmp_path: Any) -> None:
    engine = ReviewEngine(load_config(env={}, overrides={"data_dir": tmp_path}),
                          KnowledgeRuntime(knowledge))
    now = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.timezone.utc)
    outcome = benchmark(engine.review, FIVE_ITEMS, now)
    benchmark.extra_info["verdict"] = pb.Verdict.Name(outcome.verdict)
    benchmark.extra_info["correct"] = outcome.verdict == pb.PASS
    assert benchmark.extra_info["correct"], [f.rule_id for f in outcome.findings]
