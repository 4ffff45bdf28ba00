"""The kernel's inputs and outputs: a normalised prescription, compiled tables, findings.

Everything here is plain Python, shared by the compiled kernel and its pure twin.
Ids are small integers assigned by the knowledge-base compiler; -1 means unknown.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import NamedTuple

ROUTES = (
    "oral", "sublingual", "iv_drip", "iv_push", "im", "sc", "intradermal",
    "inhalation", "nebulised", "topical", "ophthalmic", "otic", "nasal", "rectal",
    "vaginal", "intrathecal", "other",
)
ROUTE_INDEX = {name: index for index, name in enumerate(ROUTES)}
#: Routes whose items count for duplicate therapy (systemic exposure).
SYSTEMIC_ROUTE_MASK = sum(1 << ROUTE_INDEX[r] for r in
                          ("oral", "sublingual", "iv_drip", "iv_push", "im", "sc", "rectal"))

# Prescription kinds, in the proto's numbering.
OUTPATIENT, EMERGENCY, INPATIENT, CHRONIC = 1, 2, 3, 4
# Dose unit kinds: what base unit a dose amount is in.
MASS_MG, UNITS_IU, VOLUME_ML, AMOUNT_MMOL = 0, 1, 2, 3
# Release kinds of a dosage form, for controlled-drug limits.
RELEASE_OTHER, RELEASE_CONTROLLED, RELEASE_INJECTION = 0, 1, 2
# Control classes of an ingredient.
CONTROL_NONE, NARCOTIC, PSYCHOTROPIC_1, PSYCHOTROPIC_2, TOXIC, RADIOACTIVE = range(6)
# Condition kinds a fact may require.
COND_NONE, COND_ICD, COND_EGFR, COND_CRCL, COND_HEPATIC, COND_NOT_ICD = range(6)
# Dose bases.
SINGLE, DAILY, SINGLE_PER_KG, DAILY_PER_KG, SINGLE_PER_M2, DAILY_PER_M2 = range(6)
ADULT, CHILD = 0, 1
# Skin test results, in the proto's numbering.
SKIN_NOT_RECORDED, SKIN_NEGATIVE, SKIN_POSITIVE, SKIN_EXEMPT = range(4)


class PyLine:
    """One ingredient of one prescribed item, with its dose in base units.

    ``control`` is the product's control class: the ingredient's, unless the product is
    managed otherwise (复方甘草片 holds opium powder but is not a narcotic product).
    """

    __slots__ = ("item", "ingredient", "route", "form", "release", "dose", "dose_kind",
                 "per_day", "per_week", "days", "supply_ratio", "group", "skin_test",
                 "vague", "volume_ml", "control")

    def __init__(self, item: int, ingredient: int, route: int = -1, form: int = -1,
                 release: int = RELEASE_OTHER, dose: float = -1.0, dose_kind: int = -1,
                 per_day: float = -1.0, per_week: float = -1.0, days: float = -1.0,
                 supply_ratio: float = -1.0, group: int = -1,
                 skin_test: int = SKIN_NOT_RECORDED, vague: bool = False,
                 volume_ml: float = -1.0, control: int = CONTROL_NONE) -> None:
        self.item = item
        self.ingredient = ingredient
        self.route = route
        self.form = form
        self.release = release
        self.dose = dose
        self.dose_kind = dose_kind
        self.per_day = per_day
        self.per_week = per_week
        self.days = days
        self.supply_ratio = supply_ratio
        self.group = group
        self.skin_test = skin_test
        self.vague = vague
        self.volume_ml = volume_ml
        self.control = control

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"Line({fields})"


class PyPrescription:
    """A prescription after normalisation: patient context plus ingredient lines."""

    __slots__ = ("kind", "prescriber_tier", "narcotic_right", "age_days", "age_precise",
                 "weight_kg", "bsa_m2", "pregnant", "gestational_week", "lactating",
                 "egfr", "crcl", "hepatic", "cancer_pain", "conditions", "has_diagnosis",
                 "allergy_ingredients", "allergy_classes", "item_count", "lines")

    def __init__(self, lines: list[PyLine], kind: int = OUTPATIENT, prescriber_tier: int = 0,
                 narcotic_right: bool = False, age_days: int = -1,
                 age_precise: bool = True, weight_kg: float = -1.0, bsa_m2: float = -1.0,
                 pregnant: bool = False, gestational_week: int = -1,
                 lactating: bool = False, egfr: float = -1.0, crcl: float = -1.0,
                 hepatic: int = 0, cancer_pain: bool = False,
                 conditions: frozenset[int] = frozenset(), has_diagnosis: bool = True,
                 allergy_ingredients: frozenset[int] = frozenset(),
                 allergy_classes: frozenset[int] = frozenset(),
                 item_count: int = -1) -> None:
        self.lines = lines
        self.kind = kind
        self.prescriber_tier = prescriber_tier
        self.narcotic_right = narcotic_right
        self.age_days = age_days
        self.age_precise = age_precise
        self.weight_kg = weight_kg
        self.bsa_m2 = bsa_m2
        self.pregnant = pregnant
        self.gestational_week = gestational_week
        self.lactating = lactating
        self.egfr = egfr
        self.crcl = crcl
        self.hepatic = hepatic
        self.cancer_pain = cancer_pain
        self.conditions = conditions
        self.has_diagnosis = has_diagnosis
        self.allergy_ingredients = allergy_ingredients
        self.allergy_classes = allergy_classes
        self.item_count = item_count if item_count >= 0 else (
            max((line.item for line in lines), default=-1) + 1)

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"Prescription({fields})"


# The compiled kernel reads the compiled twins of these two classes field by field; the
# pure kernel reads either. REVIEWER_PURE_KERNEL=1 keeps everything in plain Python.
if os.environ.get("REVIEWER_PURE_KERNEL", "") not in ("", "0"):
    Line, Prescription = PyLine, PyPrescription
else:
    try:
        from kernels._model_c import Line, Prescription  # type: ignore[assignment]
    except ImportError:  # not built: the pure kernel serves
        Line, Prescription = PyLine, PyPrescription


class RawFinding(NamedTuple):
    """What the kernel reports: codes and indexes only; the service adds the words."""

    rule: int          # index into kernels.rules.RULES
    severity: int      # 1 minor .. 4 contraindicated
    item_a: int        # first item involved
    item_b: int        # second item involved, or -1
    ingredient_a: int  # ingredient id, or -1
    ingredient_b: int  # ingredient id, or -1
    fact: int          # index into Tables.facts, or -1


class Fact(NamedTuple):
    """The words behind a finding: message, management and source, for the service."""

    message: str
    source: str


# Table row shapes (tuples, so that both kernels read them the same way).
# interactions[(low, high)] -> ((fact, severity, route_mask_low, route_mask_high), ...)
# compatibility[(low, high)] -> ((fact, severity), ...)
# pregnancy[i] -> ((fact, week_from, week_to, severity, route_mask), ...)
# lactation[i] -> ((fact, severity, route_mask), ...)
# pediatric[i] -> ((fact, below_age_days, route_mask, severity), ...)
# elderly[i] -> ((fact, cond_kind, cond_ref, cond_value, severity, route_mask), ...)
# diseases[i] -> ((fact, cond_kind, cond_ref, cond_value, severity, route_mask), ...)
# doses[i] -> ((fact, route_mask, population, basis, low, high, unit_kind,
#               renal_kind, renal_below), ...)   low/high < 0 when absent
# frequency_rules[i] -> ((fact, route_mask, max_per_week, except_ref, severity), ...)
# route_rules[i] -> ((fact, only, route_mask, severity), ...)
# skin_tests[i] -> ((fact, route_mask), ...)
# indications[i] -> ((fact, cond_ref, severity), ...)
# solvents[i] -> ((fact, allowed_ref, max_concentration, unit_kind), ...)
# allergy_cross[(allergy_class, drug_class)] -> (fact, severity)
# controlled_limits[(control, release, cancer_pain, kind)] -> (max_days, max_doses, fact)
# kind_limits[kind] -> (max_days, fact), max_days < 0 when none
# condition_sets[ref] -> tuple of condition ids (ICD prefix ids); also used for
#   solvent allowed sets (ingredient ids)


@dataclass(frozen=True)
class Settings:
    """Thresholds that are policy, not pharmacology; set by the review centre."""

    elderly_age_days: int = 65 * 365 + 16
    adult_age_days: int = 18 * 365 + 4
    infant_age_days: int = 365
    max_outpatient_items: int = 5
    quantity_over_ratio: float = 1.5
    quantity_under_ratio: float = 0.5


@dataclass(frozen=True)
class Tables:
    """Compiled knowledge: every fact the kernel consults, indexed by ingredient id."""

    version: str
    ingredient_ids: tuple[str, ...]
    class_ids: tuple[str, ...]
    classes: tuple[tuple[int, ...], ...]
    duplicate_classes: tuple[tuple[int, ...], ...]
    antibiotic_tier: tuple[int, ...]
    control: tuple[int, ...]
    interactions: dict[tuple[int, int], tuple[tuple[int, int, int, int], ...]]
    compatibility: dict[tuple[int, int], tuple[tuple[int, int], ...]]
    pregnancy: tuple[tuple[tuple[int, int, int, int, int], ...], ...]
    lactation: tuple[tuple[tuple[int, int, int], ...], ...]
    pediatric: tuple[tuple[tuple[int, int, int, int], ...], ...]
    elderly: tuple[tuple[tuple[int, int, int, float, int, int], ...], ...]
    diseases: tuple[tuple[tuple[int, int, int, float, int, int], ...], ...]
    doses: tuple[tuple[tuple[int, int, int, int, float, float, int, int, float], ...], ...]
    frequency_rules: tuple[tuple[tuple[int, int, float, int, int], ...], ...]
    route_rules: tuple[tuple[tuple[int, int, int, int], ...], ...]
    skin_tests: tuple[tuple[tuple[int, int], ...], ...]
    indications: tuple[tuple[tuple[int, int, int], ...], ...]
    solvents: tuple[tuple[tuple[int, int, float, int], ...], ...]
    carriers: frozenset[int]
    allergy_cross: dict[tuple[int, int], tuple[int, int]]
    form_routes: tuple[int, ...]
    kind_limits: tuple[tuple[float, int], ...]
    controlled_limits: dict[tuple[int, int, int, int], tuple[float, float, int]]
    condition_sets: tuple[tuple[int, ...], ...]
    facts: tuple[Fact, ...]
    settings: Settings = field(default_factory=Settings)
