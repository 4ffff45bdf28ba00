"""The compiled kernel and its pure-Python twin agree on generated prescriptions.

Prescriptions are generated at the kernel's input (ids and base units), drawing values
around the tables' own thresholds so that every rule family is exercised on both sides
of its limits. Two generators: hypothesis strategies over every field (few examples,
good shrinking), and a bulk one where hypothesis draws a seeded ``Random`` and each
example builds ``BATCH`` prescriptions from it. ``KERNEL_AGREEMENT_PRESCRIPTIONS`` sets
the bulk count per knowledge base (default 60,000 on each of two bases: 120,000).
"""
from __future__ import annotations

import os
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kernels.checker
from kernels import _checker_py
from kernels.model import Line, Prescription, Tables
from knowledge_base.compiler import DATA_DIR, load_and_compile
from tests.conftest import FIXTURE_KB

try:
    from kernels import _checker_c
except ImportError:  # pragma: no cover
    _checker_c = None

STRUCTURED_EXAMPLES = 1500
BULK_PRESCRIPTIONS = int(os.environ.get("KERNEL_AGREEMENT_PRESCRIPTIONS", "60000"))
BATCH = 25


def test_the_compiled_kernel_is_the_one_loaded() -> None:
    if os.environ.get("REVIEWER_PURE_KERNEL", "") not in ("", "0"):
        pytest.skip("the pure kernel was forced")
    assert _checker_c is not None, "kernels._checker_c is not built"
    assert kernels.checker.IMPLEMENTATION == "cython"
    assert kernels.checker.Checker is _checker_c.Checker


def _interesting(tables: Tables) -> list[int]:
    """Ingredients that some rule mentions, so generated lines hit facts."""
    hit: set[int] = set()
    for low, high in list(tables.interactions)[:4000]:
        hit.update((low, high))
    for family in (tables.pregnancy, tables.lactation, tables.pediatric, tables.elderly,
                   tables.diseases, tables.doses, tables.frequency_rules, tables.route_rules,
                   tables.skin_tests, tables.indications, tables.solvents):
        hit.update(i for i, rows in enumerate(family) if rows)
    hit.update(i for i, tier in enumerate(tables.antibiotic_tier) if tier)
    hit.update(i for i, control in enumerate(tables.control) if control)
    hit.update(tables.carriers)
    return sorted(hit) or [0]


def _thresholds(tables: Tables) -> list[float]:
    values = {-1.0, 0.0, 0.5, 1.0, 2.5, 10.0, 100.0, 1000.0}
    for rows in tables.doses:
        for row in rows:
            for limit in (row[4], row[5]):
                if limit > 0:
                    values.update((limit, limit * 1.0001, limit * 0.9999, limit * 3))
    return sorted(values)


def prescriptions(tables: Tables) -> st.SearchStrategy[Prescription]:
    ingredients = st.sampled_from(_interesting(tables)) | st.integers(0, len(tables.ingredient_ids) - 1)
    doses = st.sampled_from(_thresholds(tables))
    line = st.builds(
        Line,
        item=st.integers(0, 5), ingredient=ingredients, route=st.integers(-1, 16),
        form=st.integers(-1, len(tables.form_routes) - 1), release=st.integers(0, 2),
        dose=doses, dose_kind=st.integers(-1, 3),
        per_day=st.sampled_from([-1.0, 0.142857, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0]),
        per_week=st.sampled_from([-1.0, 1.0, 2.0, 3.5, 7.0, 14.0, 21.0]),
        days=st.sampled_from([-1.0, 1.0, 3.0, 5.0, 7.0, 10.0, 15.0, 30.0, 90.0]),
        supply_ratio=st.sampled_from([-1.0, 0.3, 0.5, 1.0, 1.5, 2.0]),
        group=st.integers(-1, 2), skin_test=st.integers(0, 3), vague=st.booleans(),
        volume_ml=st.sampled_from([-1.0, 50.0, 100.0, 250.0, 500.0]),
        control=st.integers(0, 5),
    )
    n_conditions = max(len({c for s in tables.condition_sets for c in s}), 1)
    return st.builds(
        Prescription,
        lines=st.lists(line, min_size=0, max_size=9),
        kind=st.integers(1, 4), prescriber_tier=st.integers(0, 3),
        narcotic_right=st.booleans(),
        age_days=st.sampled_from([-1, 0, 20, 200, 400, 2000, 2922, 3000, 4500, 6000, 6600,
                                  20000, 24000, 24500, 30000]),
        age_precise=st.booleans(), weight_kg=st.sampled_from([-1.0, 3.5, 12.0, 20.0, 70.0]),
        bsa_m2=st.sampled_from([-1.0, 0.5, 1.7]), pregnant=st.booleans(),
        gestational_week=st.integers(-1, 42), lactating=st.booleans(),
        egfr=st.sampled_from([-1.0, 10.0, 25.0, 29.9, 30.0, 44.0, 60.0, 95.0]),
        crcl=st.sampled_from([-1.0, 10.0, 25.0, 50.0, 95.0]), hepatic=st.integers(0, 3),
        cancer_pain=st.booleans(),
        conditions=st.frozensets(st.integers(0, n_conditions - 1), max_size=4),
        has_diagnosis=st.booleans(),
        allergy_ingredients=st.frozensets(ingredients, max_size=2),
        allergy_classes=st.frozensets(st.integers(0, len(tables.class_ids) - 1), max_size=3),
        item_count=st.integers(0, 8),
    )


def random_prescription(rng: random.Random, tables: Tables, pool: list[int],
                        doses: list[float], n_conditions: int) -> Prescription:
    """The bulk generator: the same value ranges as ``prescriptions``."""
    n_ingredients = len(tables.ingredient_ids)

    def ingredient() -> int:
        return rng.choice(pool) if rng.random() < 0.8 else rng.randrange(n_ingredients)

    lines = [Line(
        item=rng.randrange(6), ingredient=ingredient(), route=rng.randrange(-1, 17),
        form=rng.randrange(-1, len(tables.form_routes)), release=rng.randrange(3),
        dose=rng.choice(doses), dose_kind=rng.randrange(-1, 4),
        per_day=rng.choice([-1.0, 0.142857, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0]),
        per_week=rng.choice([-1.0, 1.0, 2.0, 3.5, 7.0, 14.0, 21.0]),
        days=rng.choice([-1.0, 1.0, 3.0, 5.0, 7.0, 10.0, 15.0, 30.0, 90.0]),
        supply_ratio=rng.choice([-1.0, 0.3, 0.5, 1.0, 1.5, 2.0]),
        group=rng.randrange(-1, 3), skin_test=rng.randrange(4), vague=rng.random() < 0.1,
        volume_ml=rng.choice([-1.0, 50.0, 100.0, 250.0, 500.0]), control=rng.randrange(6),
    ) for _ in range(rng.randrange(10))]
    return Prescription(
        lines, kind=rng.randrange(1, 5), prescriber_tier=rng.randrange(4),
        narcotic_right=rng.random() < 0.5,
        age_days=rng.choice([-1, 0, 20, 200, 400, 2000, 2922, 3000, 4500, 6000, 6600, 20000,
                             24000, 24500, 30000]),
        age_precise=rng.random() < 0.7, weight_kg=rng.choice([-1.0, 3.5, 12.0, 20.0, 70.0]),
        bsa_m2=rng.choice([-1.0, 0.5, 1.7]), pregnant=rng.random() < 0.3,
        gestational_week=rng.randrange(-1, 43), lactating=rng.random() < 0.2,
        egfr=rng.choice([-1.0, 10.0, 25.0, 29.9, 30.0, 44.0, 60.0, 95.0]),
        crcl=rng.choice([-1.0, 10.0, 25.0, 50.0, 95.0]), hepatic=rng.randrange(4),
        cancer_pain=rng.random() < 0.2,
        conditions=frozenset(rng.randrange(n_conditions) for _ in range(rng.randrange(5))),
        has_diagnosis=rng.random() < 0.9,
        allergy_ingredients=frozenset(ingredient() for _ in range(rng.randrange(3))),
        allergy_classes=frozenset(rng.randrange(len(tables.class_ids))
                                  for _ in range(rng.randrange(4))),
        item_count=rng.randrange(9),
    )


KNOWLEDGE_BASES = pytest.mark.parametrize("directory", [FIXTURE_KB, DATA_DIR],
                                          ids=["fixture-kb", "bundled-kb"])


@KNOWLEDGE_BASES
def test_compiled_and_pure_kernels_agree_field_by_field(directory: object) -> None:
    assert _checker_c is not None, "kernels._checker_c is not built"
    tables = load_and_compile(directory).tables  # type: ignore[arg-type]
    compiled, pure = _checker_c.Checker(tables), _checker_py.Checker(tables)

    @settings(max_examples=STRUCTURED_EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(prescriptions(tables))
    def agree(rx: Prescription) -> None:
        assert compiled.check(rx) == pure.check(rx), rx

    agree()


@KNOWLEDGE_BASES
def test_compiled_and_pure_kernels_agree_in_bulk(directory: object) -> None:
    assert _checker_c is not None, "kernels._checker_c is not built"
    tables = load_and_compile(directory).tables  # type: ignore[arg-type]
    compiled, pure = _checker_c.Checker(tables), _checker_py.Checker(tables)
    pool, doses = _interesting(tables), _thresholds(tables)
    n_conditions = max(len({c for s in tables.condition_sets for c in s}), 1)
    counted = {"prescriptions": 0, "findings": 0}

    @settings(max_examples=BULK_PRESCRIPTIONS // BATCH, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.randoms(use_true_random=False))
    def agree(rng: random.Random) -> None:
        for _ in range(BATCH):
            rx = random_prescription(rng, tables, pool, doses, n_conditions)
            expected = pure.check(rx)
            assert compiled.check(rx) == expected, rx
            counted["prescriptions"] += 1
            counted["findings"] += len(expected)

    agree()
    assert counted["prescriptions"] >= BULK_PRESCRIPTIONS
    assert counted["findings"] > counted["prescriptions"], "the generator hardly reached a rule"
