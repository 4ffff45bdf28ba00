"""Normalise a validated ``ReviewRequest`` into the kernel's ``Prescription``.

What cannot be resolved (a drug name, a frequency, a route, a dose unit) becomes an
``unrecognised`` finding here, before the kernel runs: never a silent pass.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import ahocorasick

from kernels import model as M
from kernels import rules as R
from kernels.model import Line, Prescription, RawFinding
from knowledge_base.compiler import CompiledKnowledge
from reviewer.normalise.drug_names import DrugNameResolver
from reviewer.normalise.quantities import (
    PACK_UNITS, Specification, is_count_unit, parse_amount, parse_specification,
)
from reviewer.normalise.text import clean, clean_lower
from reviewer.v1 import review_pb2 as pb

VAGUE_MARKERS = ("遵医嘱", "按医嘱", "遵嘱", "按说明书", "医嘱")
_HEPATIC = {pb.HEPATIC_MILD: 1, pb.HEPATIC_MODERATE: 2, pb.HEPATIC_SEVERE: 3}


@dataclass
class NormalisedPrescription:
    """The kernel input plus what the service needs to word the findings."""

    prescription: Prescription
    findings: list[RawFinding] = field(default_factory=list)
    item_names: list[str] = field(default_factory=list)


def age_in_days(patient: pb.Patient, on: dt.date) -> tuple[int, bool]:
    """(age in days, whether it was given precisely); (-1, False) when absent."""
    which = patient.WhichOneof("age")
    if which == "age_days":
        return patient.age_days, True
    if which == "birth_date":
        born = dt.date.fromisoformat(patient.birth_date)
        return (on - born).days, True
    if which == "age_years":
        return int(patient.age_years * 365.25), False
    return -1, False


def icd_variants(code: str) -> set[str]:
    """``K92.2``, ``K922`` and ``k92.200`` all compare as prefixes of each other."""
    code = clean(code).upper()
    variants = {code, code.replace(".", "")}
    bare = code.replace(".", "")
    if len(bare) > 3:
        variants.add(bare[:3] + "." + bare[3:])
    return variants


class Normaliser:
    """Built once per knowledge-base version; ``normalise`` is called per request."""

    def __init__(self, knowledge: CompiledKnowledge,
                 code_maps: dict[str, dict[str, str]] | None = None) -> None:
        self.knowledge = knowledge
        self.lexicon = knowledge.lexicon
        self.names = DrugNameResolver(knowledge.lexicon)
        self.code_maps = code_maps or {}
        self._frequencies = {clean_lower(k): v for k, v in self.lexicon.frequencies.items()}
        self._routes = {clean_lower(k): v for k, v in self.lexicon.route_names.items()}
        self._route_words = sorted(self._routes, key=len, reverse=True)
        self._allergy_automaton = self._build_allergy_automaton()
        self._condition_cache: dict[str, frozenset[int]] = {}

    def _build_allergy_automaton(self) -> ahocorasick.Automaton:
        automaton = ahocorasick.Automaton()
        entries: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {}
        for name, comps in self.lexicon.names.items():
            entries[clean_lower(name)] = (tuple(c[0] for c in comps), ())
        for term, targets in self.lexicon.allergens.items():
            entries[clean_lower(term)] = targets
        for key, value in entries.items():
            if len(key) >= 2:
                automaton.add_word(key, (len(key), value))
        if entries:
            automaton.make_automaton()
        return automaton

    # -- patient --------------------------------------------------------------------

    def conditions(self, diagnoses: list[pb.Diagnosis]) -> frozenset[int]:
        found: set[int] = set()
        for diagnosis in diagnoses:
            found.update(self._conditions_of(diagnosis.icd10))
        return frozenset(found)

    def _conditions_of(self, icd10: str) -> frozenset[int]:
        """Condition ids an ICD-10 code satisfies (every KB prefix it starts with)."""
        cached = self._condition_cache.get(icd10)
        if cached is None:
            prefixes = self.lexicon.icd_prefixes
            cached = frozenset(prefixes[code[:end]] for code in icd_variants(icd10)
                               for end in range(1, len(code) + 1) if code[:end] in prefixes)
            if len(self._condition_cache) < 100_000:
                self._condition_cache[icd10] = cached
        return cached

    def allergies(self, allergies: list[pb.Allergy]) -> tuple[frozenset[int], frozenset[int]]:
        ingredients: set[int] = set()
        classes: set[int] = set()
        for allergy in allergies:
            for text in (allergy.code, allergy.text):
                text = clean_lower(text)
                if not text:
                    continue
                matches = sorted((end - length + 1, -length, value)
                                 for end, (length, value) in self._allergy_automaton.iter(text))
                covered = -1
                for start, negative_length, (ings, cls) in matches:
                    if start <= covered:
                        continue
                    covered = start - negative_length - 1
                    ingredients.update(ings)
                    classes.update(cls)
        for ingredient in ingredients:
            classes.update(self.lexicon.allergy_classes_of[ingredient])
        return frozenset(ingredients), frozenset(classes)

    # -- items ----------------------------------------------------------------------

    def route(self, printed: str) -> int:
        text = clean_lower(printed)
        route = self._routes.get(text)
        if route is not None:
            return route
        for word in self._route_words:
            if len(word) >= 2 and word in text:
                return self._routes[word]
        return -1

    def frequency(self, printed: str) -> tuple[float, float, bool] | None:
        return self._frequencies.get(clean_lower(printed))

    def normalise(self, request: pb.ReviewRequest, today: dt.date) -> NormalisedPrescription:
        """Resolve every item and the patient context; collect unrecognised findings."""
        patient = request.patient
        age_days, precise = age_in_days(patient, today)
        weight = patient.weight_kg if patient.HasField("weight_kg") else -1.0
        height = patient.height_cm if patient.HasField("height_cm") else -1.0
        bsa = math.sqrt(weight * height / 3600.0) if weight > 0 and height > 0 else -1.0
        allergy_ingredients, allergy_classes = self.allergies(list(patient.allergies))
        out = NormalisedPrescription(Prescription(
            lines=[], kind=request.kind,
            prescriber_tier=request.prescriber.antibiotic_right,
            narcotic_right=request.prescriber.narcotic_right,
            age_days=age_days, age_precise=precise, weight_kg=weight, bsa_m2=bsa,
            pregnant=patient.pregnant,
            gestational_week=patient.gestational_weeks if patient.HasField("gestational_weeks") else -1,
            lactating=patient.lactating,
            egfr=patient.egfr if patient.HasField("egfr") else -1.0,
            crcl=patient.creatinine_clearance if patient.HasField("creatinine_clearance") else -1.0,
            hepatic=_HEPATIC.get(patient.hepatic, 0), cancer_pain=patient.cancer_pain,
            conditions=self.conditions(list(patient.diagnoses)),
            has_diagnosis=any(d.icd10 or d.text for d in patient.diagnoses),
            allergy_ingredients=allergy_ingredients, allergy_classes=allergy_classes,
            item_count=len(request.items),
        ))
        groups: dict[str, int] = {}
        unit_map = self.code_maps.get(request.unit_id, {})
        for index, item in enumerate(request.items):
            out.item_names.append(item.drug_name)
            self._item(index, item, unit_map, groups, out)
        return out

    def _item(self, index: int, item: pb.Item, unit_map: dict[str, str],
              groups: dict[str, int], out: NormalisedPrescription) -> None:
        name = unit_map.get(item.drug_code, item.drug_name) if item.drug_code else item.drug_name
        resolved = self.names.resolve(name)
        if resolved is None and name != item.drug_name:
            resolved = self.names.resolve(item.drug_name)
        if resolved is None:
            out.findings.append(RawFinding(R.UNRECOGNISED_DRUG, R.MODERATE, index, -1, -1, -1, -1))
            return
        route = self.route(item.route) if item.route else -1
        if route < 0 and item.route:
            out.findings.append(RawFinding(R.UNRECOGNISED_ROUTE, R.MINOR, index, -1, -1, -1, -1))
        frequency = self.frequency(item.frequency) if item.frequency else None
        vague = (item.dose == 0 or any(m in item.usage_note or m in item.frequency
                                       for m in VAGUE_MARKERS))
        per_day = per_week = -1.0
        if frequency is not None:
            if not frequency[2]:
                per_day, per_week = frequency[0], frequency[1]
        elif item.frequency and not vague:
            out.findings.append(RawFinding(R.UNRECOGNISED_FREQUENCY, R.MINOR, index, -1, -1, -1, -1))
        release = resolved.release
        if release == M.RELEASE_OTHER and resolved.form < 0 and route in _PARENTERAL:
            release = M.RELEASE_INJECTION
        spec = parse_specification(item.specification)
        if spec.amount < 0 and resolved.strength_text:
            printed = resolved.name_strength
            if printed.amount > 0:
                spec = Specification(printed.amount, printed.amount_kind,
                                     spec.volume_ml if spec.volume_ml > 0 else printed.volume_ml,
                                     spec.pack_count)
        single = len(resolved.components) == 1
        unit_known = True
        counted = is_count_unit(item.dose_unit)
        base_dose, base_kind = (-1.0, -1) if counted or vague else parse_amount(item.dose, item.dose_unit)
        if not counted and not vague and base_kind < 0 and item.dose_unit:
            unit_known = False
            out.findings.append(RawFinding(R.UNRECOGNISED_UNIT, R.MINOR, index, -1, -1, -1, -1))
        volume_ml = -1.0
        if base_kind == M.VOLUME_ML:
            volume_ml = base_dose
        elif counted and spec.volume_ml > 0:
            volume_ml = item.dose * spec.volume_ml
        days = item.days if item.days > 0 else -1.0
        group = -1
        if item.group:
            group = groups.setdefault(item.group, len(groups))
        control_of = self.knowledge.tables.control
        for ingredient, strength, strength_unit in resolved.components:
            dose, kind = -1.0, -1
            if not vague and unit_known:
                if counted:
                    if strength > 0:
                        dose, kind = parse_amount(item.dose * strength, strength_unit)
                    elif single and spec.amount > 0:
                        dose, kind = item.dose * spec.amount, spec.amount_kind
                elif single:
                    dose, kind = base_dose, base_kind
                    if kind == M.VOLUME_ML and spec.concentration > 0:
                        dose, kind = base_dose * spec.concentration, spec.amount_kind
            out.prescription.lines.append(Line(
                item=index, ingredient=ingredient, route=route, form=resolved.form,
                release=release, dose=dose, dose_kind=kind, per_day=per_day,
                per_week=per_week, days=days,
                supply_ratio=_supply_ratio(item, spec, counted, per_day, days),
                group=group, skin_test=item.skin_test, vague=vague, volume_ml=volume_ml,
                control=resolved.control if resolved.control >= 0 else control_of[ingredient],
            ))


_PARENTERAL = {M.ROUTE_INDEX[r] for r in ("iv_drip", "iv_push", "im", "sc", "intradermal")}


def _supply_ratio(item: pb.Item, spec: Specification, counted: bool, per_day: float,
                  days: float) -> float:
    """Dispensed quantity over what dose x frequency x days needs, rounded up to whole
    packs; -1 when any part is unknown."""
    if item.quantity <= 0 or per_day <= 0 or days <= 0 or item.dose <= 0:
        return -1.0
    quantity_unit = clean_lower(item.quantity_unit)
    if counted:
        units_per_dose = item.dose
        dose_unit = clean_lower(item.dose_unit)
    else:
        dose_amount, kind = parse_amount(item.dose, item.dose_unit)
        if kind < 0 or spec.amount <= 0 or kind != spec.amount_kind:
            return -1.0
        units_per_dose = dose_amount / spec.amount
        dose_unit = ""
    needed_units = units_per_dose * per_day * days
    if quantity_unit in PACK_UNITS:
        if spec.pack_count <= 0:
            return -1.0
        dispensed_units = item.quantity * spec.pack_count
        needed_units = math.ceil(needed_units / spec.pack_count - 1e-9) * spec.pack_count
    elif dose_unit and quantity_unit == dose_unit or (not dose_unit and is_count_unit(quantity_unit)):
        dispensed_units = item.quantity
        needed_units = math.ceil(needed_units - 1e-9)
    else:
        return -1.0
    if needed_units <= 0:
        return -1.0
    return dispensed_units / needed_units
