"""Pure-Python twin of the checking kernel: the same rules, in the same order.

The compiled kernel (``_checker_c.pyx``) must return exactly what this returns; the
property tests hold them to it. Keep the two in step: a change here is a change there.
"""
from __future__ import annotations

from kernels import rules as R
from kernels.model import (
    ADULT, CHILD, COND_CRCL, COND_EGFR, COND_HEPATIC, COND_ICD, COND_NONE, COND_NOT_ICD, DAILY,
    DAILY_PER_KG, EMERGENCY, INPATIENT, NARCOTIC, OUTPATIENT,
    PSYCHOTROPIC_1, SINGLE, SINGLE_PER_KG, SINGLE_PER_M2, SKIN_NOT_RECORDED,
    SKIN_POSITIVE, SYSTEMIC_ROUTE_MASK, Line, Prescription, RawFinding, Tables,
)

_EPS = 1e-9
IMPLEMENTATION = "python"


def _route_ok(mask: int, route: int) -> bool:
    return route < 0 or (mask >> route) & 1 == 1


def _renal_holds(rx: Prescription, kind: int, below: float) -> bool:
    if kind == COND_EGFR:
        measure = rx.egfr if rx.egfr >= 0 else rx.crcl
    else:
        measure = rx.crcl if rx.crcl >= 0 else rx.egfr
    return 0 <= measure < below


class Checker:
    """Runs every rule family over a normalised prescription."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self.settings = tables.settings

    def _condition(self, rx: Prescription, kind: int, ref: int, value: float) -> bool:
        if kind == COND_NONE:
            return True
        if kind == COND_ICD or kind == COND_NOT_ICD:
            conditions = rx.conditions
            for condition in self.tables.condition_sets[ref]:
                if condition in conditions:
                    return kind == COND_ICD
            return kind == COND_NOT_ICD
        if kind == COND_EGFR or kind == COND_CRCL:
            return _renal_holds(rx, kind, value)
        if kind == COND_HEPATIC:
            return rx.hepatic >= value
        return False

    def check(self, rx: Prescription) -> list[RawFinding]:
        """Return the findings for one prescription, in a fixed order."""
        t = self.tables
        out: list[RawFinding] = []
        seen: set[tuple[int, int]] = set()
        lines = rx.lines
        n = len(lines)

        for i in range(n):
            a = lines[i]
            for j in range(i + 1, n):
                b = lines[j]
                if a.item == b.item:
                    continue
                self._pair(rx, a, b, out)

        for line in lines:
            if line.group >= 0 and t.solvents[line.ingredient]:
                self._solvent(line, lines, out)

        allergy_classes = sorted(rx.allergy_classes)
        for line in lines:
            self._allergy(rx, line, allergy_classes, out)
            self._populations(rx, line, out)
            self._diseases(rx, line, out)
            if line.dose >= 0 and line.dose_kind >= 0:
                self._dose(rx, line, out)
            if line.per_week >= 0:
                self._frequency(rx, line, out)
            self._route(line, out, seen)
            self._skin_test(line, out, seen)
            if rx.has_diagnosis:
                self._indication(rx, line, out, seen)
            self._prescriber(rx, line, out, seen)
            self._quantity(rx, line, out, seen)
            if line.vague and (R.FORMAT_VAGUE, line.item) not in seen:
                seen.add((R.FORMAT_VAGUE, line.item))
                out.append(RawFinding(R.FORMAT_VAGUE, R.MODERATE, line.item, -1,
                                      line.ingredient, -1, -1))

        settings = self.settings
        if (rx.kind == OUTPATIENT or rx.kind == EMERGENCY) and \
                rx.item_count > settings.max_outpatient_items:
            out.append(RawFinding(R.FORMAT_TOO_MANY, R.MINOR, -1, -1, -1, -1, -1))
        if not rx.has_diagnosis:
            out.append(RawFinding(R.FORMAT_NO_DIAGNOSIS, R.MODERATE, -1, -1, -1, -1, -1))
        if 0 <= rx.age_days < settings.infant_age_days and not rx.age_precise:
            out.append(RawFinding(R.FORMAT_INFANT_AGE, R.MINOR, -1, -1, -1, -1, -1))
        return out

    # -- pairs -------------------------------------------------------------------------

    def _pair(self, rx: Prescription, a: Line, b: Line, out: list[RawFinding]) -> None:
        t = self.tables
        ia, ib = a.ingredient, b.ingredient
        if ia != ib:
            if ia < ib:
                key, low, high = (ia, ib), a, b
            else:
                key, low, high = (ib, ia), b, a
            entries = t.interactions.get(key)
            if entries is not None:
                for fact, severity, mask_low, mask_high in entries:
                    if _route_ok(mask_low, low.route) and _route_ok(mask_high, high.route):
                        out.append(RawFinding(R.DDI + severity - 1, severity, a.item, b.item,
                                              ia, ib, fact))
                        break
        if (_route_ok(SYSTEMIC_ROUTE_MASK, a.route) and _route_ok(SYSTEMIC_ROUTE_MASK, b.route)
                and ia not in t.carriers and ib not in t.carriers):
            if ia == ib:
                out.append(RawFinding(R.DUPLICATE_INGREDIENT, R.MAJOR, a.item, b.item,
                                      ia, ib, -1))
            else:
                other = t.duplicate_classes[ib]
                for class_id in t.duplicate_classes[ia]:
                    if class_id in other:
                        out.append(RawFinding(R.DUPLICATE_CLASS, R.MODERATE, a.item, b.item,
                                              ia, ib, class_id))
                        break
        if a.group >= 0 and a.group == b.group and ia != ib:
            entries2 = t.compatibility.get((ia, ib) if ia < ib else (ib, ia))
            if entries2 is not None:
                fact, severity = entries2[0]
                out.append(RawFinding(R.COMPAT_INCOMPATIBLE, severity, a.item, b.item,
                                      ia, ib, fact))

    def _solvent(self, line: Line, lines: list[Line], out: list[RawFinding]) -> None:
        t = self.tables
        carrier_item = -1
        carrier_ingredient = -1
        volume = 0.0
        allowed_found = False
        fact, allowed_ref, max_concentration, unit_kind = t.solvents[line.ingredient][0]
        allowed = t.condition_sets[allowed_ref]
        for other in lines:
            if other.item == line.item or other.group != line.group:
                continue
            if other.ingredient not in t.carriers:
                continue
            if carrier_item < 0:
                carrier_item, carrier_ingredient = other.item, other.ingredient
            if other.ingredient in allowed:
                allowed_found = True
            if other.volume_ml > 0:
                volume += other.volume_ml
        if carrier_item < 0:
            return
        if not allowed_found:
            out.append(RawFinding(R.COMPAT_SOLVENT, R.MODERATE, line.item, carrier_item,
                                  line.ingredient, carrier_ingredient, fact))
        if (max_concentration >= 0 and line.dose >= 0 and line.dose_kind == unit_kind
                and volume > 0 and line.dose / volume > max_concentration * (1 + _EPS)):
            out.append(RawFinding(R.COMPAT_CONCENTRATION, R.MAJOR, line.item, carrier_item,
                                  line.ingredient, carrier_ingredient, fact))

    # -- per line ----------------------------------------------------------------------

    def _allergy(self, rx: Prescription, line: Line, allergy_classes: list[int],
                 out: list[RawFinding]) -> None:
        ingredient = line.ingredient
        if ingredient in rx.allergy_ingredients:
            out.append(RawFinding(R.ALLERGY_INGREDIENT, R.CONTRAINDICATED, line.item, -1,
                                  ingredient, -1, -1))
            return
        if not allergy_classes:
            return
        drug_classes = self.tables.classes[ingredient]
        for class_id in drug_classes:
            if class_id in rx.allergy_classes:
                out.append(RawFinding(R.ALLERGY_CLASS, R.CONTRAINDICATED, line.item, -1,
                                      ingredient, -1, class_id))
                return
        cross = self.tables.allergy_cross
        best_fact, best_severity = -1, 0
        for class_id in drug_classes:
            for allergy_class in allergy_classes:
                entry = cross.get((allergy_class, class_id))
                if entry is not None and entry[1] > best_severity:
                    best_fact, best_severity = entry
        if best_severity:
            out.append(RawFinding(R.ALLERGY_CROSS, best_severity, line.item, -1,
                                  ingredient, -1, best_fact))

    def _populations(self, rx: Prescription, line: Line, out: list[RawFinding]) -> None:
        t = self.tables
        ingredient = line.ingredient
        if rx.pregnant:
            week = rx.gestational_week
            best_fact, best_severity = -1, 0
            for fact, week_from, week_to, severity, mask in t.pregnancy[ingredient]:
                if ((week < 0 or week_from <= week <= week_to) and severity > best_severity
                        and _route_ok(mask, line.route)):
                    best_fact, best_severity = fact, severity
            if best_severity:
                out.append(RawFinding(R.PREGNANCY + best_severity - 1, best_severity,
                                      line.item, -1, ingredient, -1, best_fact))
        if rx.lactating:
            best_fact, best_severity = -1, 0
            for fact, severity, mask in t.lactation[ingredient]:
                if severity > best_severity and _route_ok(mask, line.route):
                    best_fact, best_severity = fact, severity
            if best_severity:
                out.append(RawFinding(R.LACTATION + best_severity - 1, best_severity,
                                      line.item, -1, ingredient, -1, best_fact))
        age = rx.age_days
        if age >= 0:
            best_fact, best_severity = -1, 0
            for fact, below, mask, severity in t.pediatric[ingredient]:
                if age < below and _route_ok(mask, line.route) and severity > best_severity:
                    best_fact, best_severity = fact, severity
            if best_severity:
                out.append(RawFinding(R.PEDIATRIC + best_severity - 1, best_severity,
                                      line.item, -1, ingredient, -1, best_fact))
            if age >= self.settings.elderly_age_days:
                best_fact, best_severity = -1, 0
                for fact, kind, ref, value, severity, mask in t.elderly[ingredient]:
                    if (severity > best_severity and _route_ok(mask, line.route)
                            and self._condition(rx, kind, ref, value)):
                        best_fact, best_severity = fact, severity
                if best_severity:
                    out.append(RawFinding(R.ELDERLY + best_severity - 1, best_severity,
                                          line.item, -1, ingredient, -1, best_fact))

    def _diseases(self, rx: Prescription, line: Line, out: list[RawFinding]) -> None:
        for fact, kind, ref, value, severity, mask in self.tables.diseases[line.ingredient]:
            if _route_ok(mask, line.route) and self._condition(rx, kind, ref, value):
                if kind == COND_ICD or kind == COND_NOT_ICD:
                    rule = R.DISEASE_DIAGNOSIS
                elif kind == COND_HEPATIC:
                    rule = R.DISEASE_HEPATIC
                else:
                    rule = R.DISEASE_RENAL
                out.append(RawFinding(rule, severity, line.item, -1, line.ingredient, -1,
                                      fact))

    def _dose(self, rx: Prescription, line: Line, out: list[RawFinding]) -> None:
        rows = self.tables.doses[line.ingredient]
        if not rows:
            return
        child = 0 <= rx.age_days < self.settings.adult_age_days
        dose, kind, route = line.dose, line.dose_kind, line.route
        replaced = 0
        for _, mask, population, basis, _, _, unit, renal_kind, renal_below in rows:
            if (renal_kind != COND_NONE and unit == kind and _route_ok(mask, route)
                    and _renal_holds(rx, renal_kind, renal_below)):
                replaced |= 1 << (population * 6 + basis)
        emitted = 0
        for fact, mask, population, basis, low, high, unit, renal_kind, renal_below in rows:
            if unit != kind or not _route_ok(mask, route):
                continue
            if renal_kind != COND_NONE:
                if not _renal_holds(rx, renal_kind, renal_below):
                    continue
            elif (replaced >> (population * 6 + basis)) & 1:
                continue
            if population == CHILD and not child:
                continue
            if population == ADULT and child and basis != SINGLE and basis != DAILY:
                continue
            if basis == SINGLE:
                value = dose
            elif basis == DAILY:
                value = dose * line.per_day if line.per_day > 0 else -1.0
            elif basis == SINGLE_PER_KG:
                value = dose / rx.weight_kg if rx.weight_kg > 0 else -1.0
            elif basis == DAILY_PER_KG:
                value = (dose * line.per_day / rx.weight_kg
                         if rx.weight_kg > 0 and line.per_day > 0 else -1.0)
            elif basis == SINGLE_PER_M2:
                value = dose / rx.bsa_m2 if rx.bsa_m2 > 0 else -1.0
            else:
                value = (dose * line.per_day / rx.bsa_m2
                         if rx.bsa_m2 > 0 and line.per_day > 0 else -1.0)
            if value < 0:
                continue
            if high >= 0 and value > high * (1 + _EPS):
                if renal_kind != COND_NONE:
                    rule = R.DOSE_RENAL_MAX
                elif basis == SINGLE:
                    rule = R.DOSE_SINGLE_MAX
                elif basis == DAILY:
                    rule = R.DOSE_DAILY_MAX
                else:
                    rule = R.DOSE_WEIGHT_MAX
                bit = 1 << (rule - R.DOSE_SINGLE_MAX)
                if not emitted & bit:
                    emitted |= bit
                    out.append(RawFinding(rule, R.MAJOR, line.item, -1, line.ingredient, -1,
                                          fact))
            if low >= 0 and value < low * (1 - _EPS) and not (population == ADULT and child):
                bit = 1 << (R.DOSE_BELOW_MIN - R.DOSE_SINGLE_MAX)
                if not emitted & bit:
                    emitted |= bit
                    out.append(RawFinding(R.DOSE_BELOW_MIN, R.MINOR, line.item, -1,
                                          line.ingredient, -1, fact))

    def _frequency(self, rx: Prescription, line: Line, out: list[RawFinding]) -> None:
        for fact, mask, max_per_week, except_ref, severity in \
                self.tables.frequency_rules[line.ingredient]:
            if not _route_ok(mask, line.route) or line.per_week <= max_per_week + _EPS:
                continue
            if except_ref >= 0 and self._condition(rx, COND_ICD, except_ref, 0.0):
                continue
            out.append(RawFinding(R.DOSE_FREQUENCY, severity, line.item, -1,
                                  line.ingredient, -1, fact))
            break

    def _route(self, line: Line, out: list[RawFinding], seen: set[tuple[int, int]]) -> None:
        route = line.route
        if route < 0:
            return
        t = self.tables
        if line.form >= 0 and not (t.form_routes[line.form] >> route) & 1:
            if (R.ROUTE_FORM, line.item) not in seen:
                seen.add((R.ROUTE_FORM, line.item))
                out.append(RawFinding(R.ROUTE_FORM, R.MAJOR, line.item, -1, line.ingredient,
                                      -1, -1))
        for fact, only, mask, severity in t.route_rules[line.ingredient]:
            inside = (mask >> route) & 1
            if only == 0 and inside:
                out.append(RawFinding(R.ROUTE_FORBIDDEN, severity, line.item, -1,
                                      line.ingredient, -1, fact))
            elif only == 1 and not inside:
                out.append(RawFinding(R.ROUTE_ONLY, severity, line.item, -1,
                                      line.ingredient, -1, fact))

    def _skin_test(self, line: Line, out: list[RawFinding],
                   seen: set[tuple[int, int]]) -> None:
        for fact, mask in self.tables.skin_tests[line.ingredient]:
            if not _route_ok(mask, line.route):
                continue
            if line.skin_test == SKIN_POSITIVE:
                rule, severity = R.SKIN_TEST_POSITIVE, R.CONTRAINDICATED
            elif line.skin_test == SKIN_NOT_RECORDED:
                rule, severity = R.SKIN_TEST_MISSING, R.MODERATE
            else:
                return
            if (rule, line.item) not in seen:
                seen.add((rule, line.item))
                out.append(RawFinding(rule, severity, line.item, -1, line.ingredient, -1,
                                      fact))
            return

    def _indication(self, rx: Prescription, line: Line, out: list[RawFinding],
                    seen: set[tuple[int, int]]) -> None:
        rows = self.tables.indications[line.ingredient]
        if not rows:
            return
        for _, ref, _ in rows:
            if self._condition(rx, COND_ICD, ref, 0.0):
                return
        fact, _, severity = rows[0]
        if (R.INDICATION, line.item) not in seen:
            seen.add((R.INDICATION, line.item))
            out.append(RawFinding(R.INDICATION, severity, line.item, -1, line.ingredient, -1,
                                  fact))

    def _prescriber(self, rx: Prescription, line: Line, out: list[RawFinding],
                    seen: set[tuple[int, int]]) -> None:
        t = self.tables
        tier = t.antibiotic_tier[line.ingredient]
        if tier > 0 and _route_ok(SYSTEMIC_ROUTE_MASK, line.route):
            if rx.prescriber_tier < tier and (R.PRESCRIBER_TIER, line.item) not in seen:
                seen.add((R.PRESCRIBER_TIER, line.item))
                out.append(RawFinding(R.PRESCRIBER_TIER, R.MAJOR, line.item, -1,
                                      line.ingredient, -1, -1))
            if (tier == 3 and rx.kind != INPATIENT
                    and (R.PRESCRIBER_SPECIAL_OUTPATIENT, line.item) not in seen):
                seen.add((R.PRESCRIBER_SPECIAL_OUTPATIENT, line.item))
                out.append(RawFinding(R.PRESCRIBER_SPECIAL_OUTPATIENT, R.MAJOR, line.item,
                                      -1, line.ingredient, -1, -1))
        control = line.control
        if ((control == NARCOTIC or control == PSYCHOTROPIC_1) and not rx.narcotic_right
                and (R.PRESCRIBER_NARCOTIC, line.item) not in seen):
            seen.add((R.PRESCRIBER_NARCOTIC, line.item))
            out.append(RawFinding(R.PRESCRIBER_NARCOTIC, R.CONTRAINDICATED, line.item, -1,
                                  line.ingredient, -1, -1))

    def _quantity(self, rx: Prescription, line: Line, out: list[RawFinding],
                  seen: set[tuple[int, int]]) -> None:
        t = self.tables
        days = line.days
        control = line.control
        limit = t.controlled_limits.get(
            (control, line.release, 1 if rx.cancer_pain else 0, rx.kind)) if control > 0 else None
        # A controlled drug's own per-prescription limit replaces the general days limit.
        max_days, fact = t.kind_limits[rx.kind]
        if (limit is None and max_days >= 0 and days > max_days + _EPS
                and (R.QUANTITY_DAYS, line.item) not in seen):
            seen.add((R.QUANTITY_DAYS, line.item))
            out.append(RawFinding(R.QUANTITY_DAYS, R.MODERATE, line.item, -1,
                                  line.ingredient, -1, fact))
        if control > 0:
            if limit is not None:
                limit_days, limit_doses, limit_fact = limit
                over = (limit_days >= 0 and days > limit_days + _EPS) or (
                    limit_doses >= 0 and line.per_day > 0 and days > 0
                    and line.per_day * days > limit_doses + _EPS)
                if over and (R.QUANTITY_CONTROLLED, line.item) not in seen:
                    seen.add((R.QUANTITY_CONTROLLED, line.item))
                    out.append(RawFinding(R.QUANTITY_CONTROLLED, R.MAJOR, line.item, -1,
                                          line.ingredient, -1, limit_fact))
        ratio = line.supply_ratio
        if ratio >= 0 and (ratio > self.settings.quantity_over_ratio
                           or ratio < self.settings.quantity_under_ratio):
            if (R.QUANTITY_INCONSISTENT, line.item) not in seen:
                seen.add((R.QUANTITY_INCONSISTENT, line.item))
                out.append(RawFinding(R.QUANTITY_INCONSISTENT, R.MINOR, line.item, -1,
                                      line.ingredient, -1, -1))
