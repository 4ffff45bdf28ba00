"""The rule catalogue: stable, versioned rule ids the kernel reports by code.

A code is an index into ``RULES``; the kernel returns codes, the service turns them into
ids. Never renumber or rename: HIS vendors and committees key policy on the ids.
"""
from __future__ import annotations

from typing import NamedTuple

MINOR, MODERATE, MAJOR, CONTRAINDICATED = 1, 2, 3, 4
SEVERITY_NAMES = {MINOR: "minor", MODERATE: "moderate", MAJOR: "major",
                  CONTRAINDICATED: "contraindicated"}
SEVERITY_BY_NAME = {name: level for level, name in SEVERITY_NAMES.items()}


class Rule(NamedTuple):
    rule_id: str
    category: str


def _by_severity(family: str, category: str) -> list[Rule]:
    return [Rule(f"{family}.{SEVERITY_NAMES[level]}.v1", category)
            for level in (MINOR, MODERATE, MAJOR, CONTRAINDICATED)]


RULES: list[Rule] = [
    *_by_severity("ddi", "interaction"),            # 0..3
    *_by_severity("pregnancy", "pregnancy"),        # 4..7
    *_by_severity("lactation", "lactation"),        # 8..11
    *_by_severity("pediatric", "pediatric"),        # 12..15
    *_by_severity("elderly", "elderly"),            # 16..19
    Rule("allergy.ingredient.v1", "allergy"),       # 20
    Rule("allergy.class.v1", "allergy"),            # 21
    Rule("allergy.cross_sensitivity.v1", "allergy"),  # 22
    Rule("disease.diagnosis.v1", "disease"),        # 23
    Rule("disease.renal.v1", "disease"),            # 24
    Rule("disease.hepatic.v1", "disease"),          # 25
    Rule("duplicate.ingredient.v1", "duplicate"),   # 26
    Rule("duplicate.class.v1", "duplicate"),        # 27
    Rule("dose.single_max.v1", "dose"),             # 28
    Rule("dose.daily_max.v1", "dose"),              # 29
    Rule("dose.weight_based_max.v1", "dose"),       # 30
    Rule("dose.renal_max.v1", "dose"),              # 31
    Rule("dose.below_min.v1", "dose"),              # 32
    Rule("dose.frequency.v1", "dose"),              # 33
    Rule("route.forbidden.v1", "route"),            # 34
    Rule("route.only.v1", "route"),                 # 35
    Rule("route.form_mismatch.v1", "route"),        # 36
    Rule("quantity.days_limit.v1", "quantity"),     # 37
    Rule("quantity.controlled_limit.v1", "quantity"),  # 38
    Rule("quantity.inconsistent.v1", "quantity"),   # 39
    Rule("prescriber.antibiotic_tier.v1", "prescriber"),  # 40
    Rule("prescriber.special_tier_outpatient.v1", "prescriber"),  # 41
    Rule("prescriber.narcotic_right.v1", "prescriber"),  # 42
    Rule("compatibility.incompatible.v1", "compatibility"),  # 43
    Rule("compatibility.solvent.v1", "compatibility"),  # 44
    Rule("compatibility.concentration.v1", "compatibility"),  # 45
    Rule("skin_test.not_recorded.v1", "skin_test"),  # 46
    Rule("skin_test.positive.v1", "skin_test"),     # 47
    Rule("indication.no_matching_diagnosis.v1", "indication"),  # 48
    Rule("format.too_many_items.v1", "format"),     # 49
    Rule("format.missing_diagnosis.v1", "format"),  # 50
    Rule("format.infant_age.v1", "format"),         # 51
    Rule("format.vague_usage.v1", "format"),        # 52
    Rule("unrecognised.drug.v1", "unrecognised"),   # 53
    Rule("unrecognised.frequency.v1", "unrecognised"),  # 54
    Rule("unrecognised.route.v1", "unrecognised"),  # 55
    Rule("unrecognised.dose_unit.v1", "unrecognised"),  # 56
]

CODE_BY_ID = {rule.rule_id: code for code, rule in enumerate(RULES)}

DDI = 0
PREGNANCY = 4
LACTATION = 8
PEDIATRIC = 12
ELDERLY = 16
ALLERGY_INGREDIENT, ALLERGY_CLASS, ALLERGY_CROSS = 20, 21, 22
DISEASE_DIAGNOSIS, DISEASE_RENAL, DISEASE_HEPATIC = 23, 24, 25
DUPLICATE_INGREDIENT, DUPLICATE_CLASS = 26, 27
DOSE_SINGLE_MAX, DOSE_DAILY_MAX, DOSE_WEIGHT_MAX, DOSE_RENAL_MAX = 28, 29, 30, 31
DOSE_BELOW_MIN, DOSE_FREQUENCY = 32, 33
ROUTE_FORBIDDEN, ROUTE_ONLY, ROUTE_FORM = 34, 35, 36
QUANTITY_DAYS, QUANTITY_CONTROLLED, QUANTITY_INCONSISTENT = 37, 38, 39
PRESCRIBER_TIER, PRESCRIBER_SPECIAL_OUTPATIENT = 40, 41
PRESCRIBER_NARCOTIC = 42
COMPAT_INCOMPATIBLE, COMPAT_SOLVENT, COMPAT_CONCENTRATION = 43, 44, 45
SKIN_TEST_MISSING, SKIN_TEST_POSITIVE = 46, 47
INDICATION = 48
FORMAT_TOO_MANY, FORMAT_NO_DIAGNOSIS, FORMAT_INFANT_AGE, FORMAT_VAGUE = 49, 50, 51, 52
UNRECOGNISED_DRUG, UNRECOGNISED_FREQUENCY, UNRECOGNISED_ROUTE, UNRECOGNISED_UNIT = 53, 54, 55, 56

assert RULES[DDI + 3].rule_id == "ddi.contraindicated.v1"
assert RULES[UNRECOGNISED_UNIT].rule_id == "unrecognised.dose_unit.v1"
