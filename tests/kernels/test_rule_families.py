"""Every rule family, positive and negative, through normaliser and both kernels.

The fixture knowledge base (tests/fixtures/kb) holds a few real facts per family, so
these tests pin the kernel's behaviour, not the bundled base's coverage.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from kernels import _checker_py
from knowledge_base.compiler import CompiledKnowledge
from reviewer.normalise.prescription import Normaliser
from reviewer.v1 import review_pb2 as pb
from reviewer.validation import validate_request
from reviewer.wording import Wording
from tests.builders import item, request

try:
    from kernels import _checker_c
except ImportError:  # pragma: no cover - the compiled-kernel test below fails instead
    _checker_c = None

NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.timezone.utc)
Review = Callable[[pb.ReviewRequest], list[pb.Finding]]


@pytest.fixture(params=["cython", "python"])
def review(request: pytest.FixtureRequest, fixture_knowledge: CompiledKnowledge) -> Review:
    module = _checker_c if request.param == "cython" else _checker_py
    if module is None:
        pytest.fail("the compiled kernel is not built")
    normaliser = Normaliser(fixture_knowledge)
    checker = module.Checker(fixture_knowledge.tables)
    wording = Wording(fixture_knowledge.tables, fixture_knowledge.lexicon)

    def run(rx: pb.ReviewRequest) -> list[pb.Finding]:
        today = validate_request(rx, NOW)
        normalised = normaliser.normalise(rx, today)
        raw = normalised.findings + checker.check(normalised.prescription)
        return [wording.finding(r, normalised.item_names) for r in raw]
    return run


def rules(findings: list[pb.Finding]) -> list[str]:
    return [f.rule_id for f in findings]


AMOX = dict(specification="0.25g*24粒", skin_test=pb.SKIN_TEST_NEGATIVE)
IV = "静脉滴注"

CASES: list[tuple[str, pb.ReviewRequest, str | None, str | None]] = [
    # (name, request, rule that must be raised, rule that must not be raised)
    ("ddi pair", request(item("华法林钠片", 2.5, "mg"), item("阿司匹林肠溶片", 100, "mg")),
     "ddi.major.v1", None),
    ("ddi class rule", request(item("华法林钠片", 2.5, "mg"), item("布洛芬缓释胶囊", 0.3, "g", "bid")),
     "ddi.major.v1", None),
    ("ddi class rule, strong CYP3A4 inhibitor",
     request(item("辛伐他汀片", 20, "mg", "qn"), item("克拉霉素片", 0.25, "g", "bid"),
             diagnoses=("J02.9",)),
     "ddi.contraindicated.v1", None),
    ("no ddi: atorvastatin is not in the rule",
     request(item("阿托伐他汀钙片", 20, "mg", "qn"), item("克拉霉素片", 0.25, "g", "bid"),
             diagnoses=("J02.9",)),
     None, "ddi.contraindicated.v1"),
    ("route-dependent ddi", request(item("注射用头孢曲松钠", 2, "g", route=IV),
                                    item("葡萄糖酸钙注射液", 1, "g", route=IV),
                                    diagnoses=("J18.9",), kind=pb.INPATIENT),
     "ddi.contraindicated.v1", None),
    ("route-dependent ddi, oral calcium",
     request(item("注射用头孢曲松钠", 2, "g", route=IV), item("葡萄糖酸钙片", 1, "g"),
             diagnoses=("J18.9",), kind=pb.INPATIENT),
     None, "ddi.contraindicated.v1"),
    ("pregnancy, any week", request(item("华法林钠片", 2.5, "mg"), sex=pb.FEMALE, pregnant=True,
                                    gestational_weeks=8), "pregnancy.contraindicated.v1", None),
    ("pregnancy, third trimester", request(item("布洛芬片", 0.2, "g"), sex=pb.FEMALE,
                                           pregnant=True, gestational_weeks=30),
     "pregnancy.contraindicated.v1", None),
    ("pregnancy, outside the weeks", request(item("布洛芬片", 0.2, "g"), sex=pb.FEMALE,
                                             pregnant=True, gestational_weeks=10),
     None, "pregnancy.contraindicated.v1"),
    ("lactation", request(item("甲氨蝶呤片", 7.5, "mg", "qw"), sex=pb.FEMALE, lactating=True,
                          diagnoses=("M06.9",)), "lactation.contraindicated.v1", None),
    ("not lactating", request(item("甲氨蝶呤片", 7.5, "mg", "qw"), sex=pb.FEMALE,
                              diagnoses=("M06.9",)), None, "lactation.contraindicated.v1"),
    ("quinolone under 18", request(item("左氧氟沙星片", 0.5, "g"), age_years=10, weight_kg=30,
                                   diagnoses=("N39.0",)), "pediatric.major.v1", None),
    ("quinolone adult", request(item("左氧氟沙星片", 0.5, "g"), age_years=20,
                                diagnoses=("N39.0",)), None, "pediatric.major.v1"),
    ("tetracycline under 8", request(item("盐酸多西环素片", 50, "mg", "bid"), age_days=7 * 365,
                                     weight_kg=22, diagnoses=("A49.9",)),
     "pediatric.contraindicated.v1", None),
    ("tetracycline at 9", request(item("盐酸多西环素片", 50, "mg", "bid"), age_days=9 * 366,
                                  weight_kg=28, diagnoses=("A49.9",)),
     None, "pediatric.contraindicated.v1"),
    ("elderly avoid", request(item("马来酸氯苯那敏片", 4, "mg", "tid"), age_years=78,
                              diagnoses=("J30.4",)), "elderly.major.v1", None),
    ("not elderly", request(item("马来酸氯苯那敏片", 4, "mg", "tid"), age_years=50,
                            diagnoses=("J30.4",)), None, "elderly.major.v1"),
    ("elderly with condition", request(item("布洛芬片", 0.2, "g", "tid"), age_years=80, egfr=25,
                                       diagnoses=("M17.9",)), "elderly.moderate.v1", None),
    ("elderly, condition absent", request(item("布洛芬片", 0.2, "g", "tid"), age_years=80, egfr=70,
                                          diagnoses=("M17.9",)), None, "elderly.moderate.v1"),
    ("allergy by class", request(item("阿莫西林胶囊", 0.5, "g", "tid", **AMOX),
                                 allergies=("青霉素过敏",)), "allergy.class.v1", None),
    ("allergy by ingredient", request(item("阿莫西林胶囊", 0.5, "g", "tid", **AMOX),
                                      allergies=("阿莫西林",)), "allergy.ingredient.v1", None),
    ("allergy cross-sensitivity", request(item("头孢氨苄胶囊", 0.5, "g", "qid"),
                                          allergies=("青霉素",)),
     "allergy.cross_sensitivity.v1", "allergy.class.v1"),
    ("allergy elsewhere", request(item("阿莫西林胶囊", 0.5, "g", "tid", **AMOX),
                                  allergies=("磺胺类",)), None, "allergy.class.v1"),
    ("renal contraindication", request(item("盐酸二甲双胍片", 0.5, "g", "bid"), egfr=25,
                                       diagnoses=("E11.9",)), "disease.renal.v1", None),
    ("renal fine", request(item("盐酸二甲双胍片", 0.5, "g", "bid"), egfr=60, diagnoses=("E11.9",)),
     None, "disease.renal.v1"),
    ("diagnosis contraindication", request(item("布洛芬片", 0.2, "g"), diagnoses=("K25.0", "M54.5")),
     "disease.diagnosis.v1", None),
    ("hepatic contraindication", request(item("甲氨蝶呤片", 7.5, "mg", "qw"),
                                         hepatic=pb.HEPATIC_MODERATE, diagnoses=("M06.9",)),
     "disease.hepatic.v1", None),
    ("two NSAIDs", request(item("布洛芬片", 0.2, "g"), item("双氯芬酸钠肠溶片", 25, "mg", "tid"),
                           diagnoses=("M54.5",)), "duplicate.class.v1", None),
    ("two PPIs", request(item("奥美拉唑肠溶胶囊", 20, "mg"), item("埃索美拉唑镁肠溶片", 20, "mg"),
                         diagnoses=("K21.9",)), "duplicate.class.v1", None),
    ("paracetamol hidden in a compound tablet",
     request(item("对乙酰氨基酚片", 0.5, "g", "tid"), item("复方氨酚烷胺片", 1, "片", "bid")),
     "duplicate.ingredient.v1", None),
    ("NSAID with paracetamol is not a duplicate",
     request(item("布洛芬片", 0.2, "g"), item("对乙酰氨基酚片", 0.5, "g")),
     None, "duplicate.class.v1"),
    ("two carrier bags are not a duplicate",
     request(item("0.9%氯化钠注射液", 100, "ml", route=IV, group="1"),
             item("0.9%氯化钠注射液", 250, "ml", route=IV, group="2"), kind=pb.INPATIENT),
     None, "duplicate.ingredient.v1"),
    ("single dose above maximum", request(item("对乙酰氨基酚片", 1.5, "g")),
     "dose.single_max.v1", None),
    ("daily dose above maximum", request(item("对乙酰氨基酚片", 1, "g", "q4h")),
     "dose.daily_max.v1", "dose.single_max.v1"),
    ("daily dose at maximum", request(item("对乙酰氨基酚片", 1, "g", "qid")), None, "dose.daily_max.v1"),
    ("per-kg dose above maximum", request(item("对乙酰氨基酚片", 500, "mg", "tid"), age_years=5,
                                          weight_kg=20), "dose.weight_based_max.v1", None),
    ("per-kg dose fine", request(item("对乙酰氨基酚片", 250, "mg", "tid"), age_years=5, weight_kg=20),
     None, "dose.weight_based_max.v1"),
    ("renal dose cap", request(item("盐酸二甲双胍片", 1000, "mg", "bid"), egfr=40,
                               diagnoses=("E11.9",)), "dose.renal_max.v1", None),
    ("renal dose cap not reached", request(item("盐酸二甲双胍片", 1000, "mg", "bid"), egfr=70,
                                           diagnoses=("E11.9",)), None, "dose.renal_max.v1"),
    ("below minimum", request(item("阿莫西林胶囊", 0.125, "g", "tid", **AMOX)),
     "dose.below_min.v1", None),
    ("tablets through strength", request(item("对乙酰氨基酚片", 4, "片", specification="0.5g*12片")),
     "dose.single_max.v1", None),
    ("weekly methotrexate written daily", request(item("甲氨蝶呤片", 7.5, "mg", "qd"),
                                                   diagnoses=("M06.9",)),
     "dose.frequency.v1", None),
    ("weekly methotrexate", request(item("甲氨蝶呤片", 7.5, "mg", "qw"), diagnoses=("M06.9",)),
     None, "dose.frequency.v1"),
    ("daily methotrexate in leukaemia", request(item("甲氨蝶呤片", 5, "mg", "qd"), diagnoses=("C91.0",)),
     None, "dose.frequency.v1"),
    ("KCl by iv push", request(item("氯化钾注射液", 1, "g", route="静脉推注"), kind=pb.INPATIENT),
     "route.forbidden.v1", None),
    ("KCl by infusion", request(item("氯化钾注射液", 1, "g", route=IV), kind=pb.INPATIENT),
     None, "route.forbidden.v1"),
    ("tablet by infusion", request(item("盐酸二甲双胍片", 0.5, "g", route=IV), diagnoses=("E11.9",)),
     "route.form_mismatch.v1", None),
    ("outpatient beyond 7 days", request(item("对乙酰氨基酚片", 0.5, "g", days=10)),
     "quantity.days_limit.v1", None),
    ("outpatient 7 days", request(item("对乙酰氨基酚片", 0.5, "g", days=7)), None, "quantity.days_limit.v1"),
    ("chronic 30 days", request(item("盐酸二甲双胍片", 0.5, "g", "bid", days=30), kind=pb.CHRONIC,
                                diagnoses=("E11.9",)), None, "quantity.days_limit.v1"),
    ("morphine beyond 3 days", request(item("盐酸吗啡片", 10, "mg", "q6h", days=5),
                                       narcotic_right=True, diagnoses=("M54.5",)),
     "quantity.controlled_limit.v1", None),
    ("morphine for cancer pain, 7 days", request(item("盐酸吗啡片", 10, "mg", "q6h", days=7),
                                                 narcotic_right=True, cancer_pain=True,
                                                 diagnoses=("C34.9",)),
     None, "quantity.controlled_limit.v1"),
    ("diazepam 10 days", request(item("地西泮片", 2.5, "mg", "qn", days=10), kind=pb.CHRONIC,
                                 diagnoses=("F41.1",)), "quantity.controlled_limit.v1", None),
    ("too much dispensed", request(item("盐酸二甲双胍片", 0.5, "g", "bid", days=7, quantity=5,
                                        quantity_unit="盒", specification="0.5g*20片"),
                                   diagnoses=("E11.9",)), "quantity.inconsistent.v1", None),
    ("one box is fine", request(item("盐酸二甲双胍片", 0.5, "g", "bid", days=7, quantity=1,
                                     quantity_unit="盒", specification="0.5g*20片"),
                                diagnoses=("E11.9",)), None, "quantity.inconsistent.v1"),
    ("restricted antibiotic without the right",
     request(item("左氧氟沙星片", 0.5, "g"), tier=pb.UNRESTRICTED, diagnoses=("N39.0",)),
     "prescriber.antibiotic_tier.v1", None),
    ("restricted antibiotic with the right",
     request(item("左氧氟沙星片", 0.5, "g"), tier=pb.RESTRICTED, diagnoses=("N39.0",)),
     None, "prescriber.antibiotic_tier.v1"),
    ("special-use antibiotic in outpatient",
     request(item("注射用美罗培南", 1, "g", "q8h", IV), tier=pb.SPECIAL, diagnoses=("J18.9",)),
     "prescriber.special_tier_outpatient.v1", None),
    ("special-use antibiotic for an inpatient",
     request(item("注射用美罗培南", 1, "g", "q8h", IV), tier=pb.SPECIAL, kind=pb.INPATIENT,
             diagnoses=("J18.9",)), None, "prescriber.special_tier_outpatient.v1"),
    ("morphine without the right", request(item("盐酸吗啡片", 10, "mg", "q6h", days=2),
                                           diagnoses=("M54.5",)), "prescriber.narcotic_right.v1", None),
    ("morphine with the right", request(item("盐酸吗啡片", 10, "mg", "q6h", days=2),
                                        narcotic_right=True, diagnoses=("M54.5",)),
     None, "prescriber.narcotic_right.v1"),
    ("incompatible in one bag",
     request(item("注射用头孢曲松钠", 2, "g", route=IV, group="1"),
             item("葡萄糖酸钙注射液", 1, "g", route=IV, group="1"), kind=pb.INPATIENT,
             diagnoses=("J18.9",)), "compatibility.incompatible.v1", None),
    ("separate bags", request(item("注射用头孢曲松钠", 2, "g", route=IV, group="1"),
                              item("葡萄糖酸钙注射液", 1, "g", route=IV, group="2"),
                              kind=pb.INPATIENT, diagnoses=("J18.9",)),
     None, "compatibility.incompatible.v1"),
    ("too concentrated", request(item("注射用阿奇霉素", 0.5, "g", route=IV, group="1"),
                                 item("0.9%氯化钠注射液", 100, "ml", route=IV, group="1"),
                                 diagnoses=("J18.9",)), "compatibility.concentration.v1", None),
    ("concentration fine", request(item("注射用阿奇霉素", 0.5, "g", route=IV, group="1"),
                                   item("0.9%氯化钠注射液", 250, "ml", route=IV, group="1"),
                                   diagnoses=("J18.9",)), None, "compatibility.concentration.v1"),
    ("skin test not recorded", request(item("阿莫西林胶囊", 0.5, "g", "tid",
                                            specification="0.25g*24粒")),
     "skin_test.not_recorded.v1", None),
    ("skin test negative", request(item("阿莫西林胶囊", 0.5, "g", "tid", **AMOX)),
     None, "skin_test.not_recorded.v1"),
    ("skin test positive", request(item("阿莫西林胶囊", 0.5, "g", "tid", specification="0.25g*24粒",
                                        skin_test=pb.SKIN_TEST_POSITIVE)),
     "skin_test.positive.v1", None),
    ("antibiotic without an infection", request(item("阿莫西林胶囊", 0.5, "g", "tid", **AMOX),
                                                diagnoses=("I10",)),
     "indication.no_matching_diagnosis.v1", None),
    ("antibiotic with an infection", request(item("阿莫西林胶囊", 0.5, "g", "tid", **AMOX),
                                             diagnoses=("J02.9",)),
     None, "indication.no_matching_diagnosis.v1"),
    ("six items on an outpatient prescription",
     request(*[item("对乙酰氨基酚片", 0.5, "g")] + [item("阿托伐他汀钙片", 10, "mg")] * 5),
     "format.too_many_items.v1", None),
    ("five items", request(*[item("阿托伐他汀钙片", 10, "mg")] * 5), None, "format.too_many_items.v1"),
    ("no diagnosis", request(item("对乙酰氨基酚片", 0.5, "g"), diagnoses=()),
     "format.missing_diagnosis.v1", None),
    ("infant age in years", request(item("对乙酰氨基酚片", 60, "mg"), age_years=0, weight_kg=8),
     "format.infant_age.v1", None),
    ("infant age in days", request(item("对乙酰氨基酚片", 60, "mg"), age_days=200, weight_kg=8),
     None, "format.infant_age.v1"),
    ("vague usage", request(item("对乙酰氨基酚片", 0, "g", "遵医嘱")), "format.vague_usage.v1", None),
    ("unrecognised drug", request(item("某某神奇胶囊", 2, "粒")), "unrecognised.drug.v1", None),
    ("unrecognised frequency", request(item("对乙酰氨基酚片", 0.5, "g", "每月一次")),
     "unrecognised.frequency.v1", None),
    ("brand and full-width name", request(item("格华止（盐酸二甲双胍片）　０．５ｇ", 0.5, "g", "bid"),
                                          diagnoses=("E11.9",), egfr=20),
     "disease.renal.v1", "unrecognised.drug.v1"),
]


@pytest.mark.parametrize("name, rx, present, absent", CASES, ids=[c[0] for c in CASES])
def test_rule_family(review: Review, name: str, rx: pb.ReviewRequest, present: str | None,
                     absent: str | None) -> None:
    raised = rules(review(rx))
    if present is not None:
        assert present in raised, raised
    if absent is not None:
        assert absent not in raised, raised


def test_a_routine_prescription_raises_nothing(review: Review) -> None:
    rx = request(item("盐酸二甲双胍片", 0.5, "g", "bid", days=7, quantity=1, quantity_unit="盒",
                      specification="0.5g*20片"),
                 item("阿托伐他汀钙片", 20, "mg", "qn", days=7, quantity=1, quantity_unit="盒",
                      specification="20mg*7片"),
                 age_years=58, diagnoses=("E11.9", "E78.5"), egfr=85)
    assert review(rx) == []


def test_findings_name_ingredients_by_inn(review: Review) -> None:
    findings = review(request(item("华法林钠片", 2.5, "mg"), item("芬必得", 0.3, "g", "bid")))
    interaction = next(f for f in findings if f.category == pb.INTERACTION)
    assert list(interaction.ingredients) == ["warfarin", "ibuprofen"]
    assert list(interaction.item_indexes) == [0, 1]
    assert interaction.message.startswith("华法林与布洛芬")
