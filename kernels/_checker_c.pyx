# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled checking kernel: the same rules as ``_checker_py``, over C arrays.

Tables are packed into C arrays once, at construction; ``check`` copies the
prescription's lines into a scratch buffer and runs every rule family without touching
Python objects again, except to append findings. Keep in step with the twin.
"""
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.stdint cimport int32_t, uint64_t

from kernels._model_c cimport Line, Prescription
from kernels import rules as R
from kernels.model import RawFinding

IMPLEMENTATION = "cython"

DEF EPS = 1e-9
DEF SYSTEMIC_MASK = (1 << 0) | (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 13)

cdef int C_DDI = R.DDI
cdef int C_PREGNANCY = R.PREGNANCY
cdef int C_LACTATION = R.LACTATION
cdef int C_PEDIATRIC = R.PEDIATRIC
cdef int C_ELDERLY = R.ELDERLY
cdef int C_ALLERGY_INGREDIENT = R.ALLERGY_INGREDIENT
cdef int C_ALLERGY_CLASS = R.ALLERGY_CLASS
cdef int C_ALLERGY_CROSS = R.ALLERGY_CROSS
cdef int C_DISEASE_DIAGNOSIS = R.DISEASE_DIAGNOSIS
cdef int C_DISEASE_RENAL = R.DISEASE_RENAL
cdef int C_DISEASE_HEPATIC = R.DISEASE_HEPATIC
cdef int C_DUP_INGREDIENT = R.DUPLICATE_INGREDIENT
cdef int C_DUP_CLASS = R.DUPLICATE_CLASS
cdef int C_DOSE_SINGLE_MAX = R.DOSE_SINGLE_MAX
cdef int C_DOSE_DAILY_MAX = R.DOSE_DAILY_MAX
cdef int C_DOSE_WEIGHT_MAX = R.DOSE_WEIGHT_MAX
cdef int C_DOSE_RENAL_MAX = R.DOSE_RENAL_MAX
cdef int C_DOSE_BELOW_MIN = R.DOSE_BELOW_MIN
cdef int C_DOSE_FREQUENCY = R.DOSE_FREQUENCY
cdef int C_ROUTE_FORBIDDEN = R.ROUTE_FORBIDDEN
cdef int C_ROUTE_ONLY = R.ROUTE_ONLY
cdef int C_ROUTE_FORM = R.ROUTE_FORM
cdef int C_QUANTITY_DAYS = R.QUANTITY_DAYS
cdef int C_QUANTITY_CONTROLLED = R.QUANTITY_CONTROLLED
cdef int C_QUANTITY_INCONSISTENT = R.QUANTITY_INCONSISTENT
cdef int C_PRESCRIBER_TIER = R.PRESCRIBER_TIER
cdef int C_PRESCRIBER_SPECIAL = R.PRESCRIBER_SPECIAL_OUTPATIENT
cdef int C_PRESCRIBER_NARCOTIC = R.PRESCRIBER_NARCOTIC
cdef int C_COMPAT_INCOMPATIBLE = R.COMPAT_INCOMPATIBLE
cdef int C_COMPAT_SOLVENT = R.COMPAT_SOLVENT
cdef int C_COMPAT_CONCENTRATION = R.COMPAT_CONCENTRATION
cdef int C_SKIN_MISSING = R.SKIN_TEST_MISSING
cdef int C_SKIN_POSITIVE = R.SKIN_TEST_POSITIVE
cdef int C_INDICATION = R.INDICATION
cdef int C_FORMAT_TOO_MANY = R.FORMAT_TOO_MANY
cdef int C_FORMAT_NO_DIAGNOSIS = R.FORMAT_NO_DIAGNOSIS
cdef int C_FORMAT_INFANT_AGE = R.FORMAT_INFANT_AGE
cdef int C_FORMAT_VAGUE = R.FORMAT_VAGUE

cdef enum:
    MINOR = 1
    MODERATE = 2
    MAJOR = 3
    CONTRAINDICATED = 4
    OUTPATIENT = 1
    EMERGENCY = 2
    INPATIENT = 3
    COND_NONE = 0
    COND_ICD = 1
    COND_EGFR = 2
    COND_CRCL = 3
    COND_HEPATIC = 4
    COND_NOT_ICD = 5
    SINGLE = 0
    DAILY = 1
    SINGLE_PER_KG = 2
    DAILY_PER_KG = 3
    SINGLE_PER_M2 = 4
    ADULT = 0
    CHILD = 1
    NARCOTIC = 1
    PSYCHOTROPIC_1 = 2
    SKIN_NOT_RECORDED = 0
    SKIN_POSITIVE = 2


cdef inline bint route_ok(int mask, int route) nogil:
    return route < 0 or ((mask >> route) & 1) == 1


cdef inline bint renal_holds(int kind, double below, double egfr, double crcl) nogil:
    cdef double measure
    if kind == COND_EGFR:
        measure = egfr if egfr >= 0 else crcl
    else:
        measure = crcl if crcl >= 0 else egfr
    return measure >= 0 and measure < below


cdef inline uint64_t pair_key(int low, int high) nogil:
    return ((<uint64_t>low) << 32 | <uint64_t>high) + 1


cdef inline uint64_t slot_of(uint64_t key, uint64_t mask) nogil:
    return ((key * <uint64_t>0x9E3779B97F4A7C15) >> 17) & mask


cdef void* _alloc(size_t count, size_t size) except NULL:
    cdef void* pointer = calloc(count if count > 0 else 1, size)
    if pointer == NULL:
        raise MemoryError()
    return pointer


cdef class Checker:
    """Runs every rule family over a normalised prescription (compiled)."""

    def __cinit__(self, tables):
        self.lines = NULL
        self.conditions = NULL
        self.allergy_ings = NULL
        self.allergy_cls = NULL
        self.seen = NULL

    def __init__(self, tables):
        cdef int i, j, n, c
        self.tables = tables
        settings = tables.settings
        self._settings = settings
        self._raw_finding = RawFinding
        n = len(tables.ingredient_ids)
        c = len(tables.class_ids)
        self.n_ingredients = n
        self.n_classes = c
        self.tier = <uint8_t*>_alloc(n, sizeof(uint8_t))
        self.carrier = <uint8_t*>_alloc(n, sizeof(uint8_t))
        for i in range(n):
            self.tier[i] = tables.antibiotic_tier[i]
            self.carrier[i] = 1 if i in tables.carriers else 0

        self._pack_ints(tables.classes, 1, &self.class_span, &self.class_ids)
        self._pack_ints(tables.duplicate_classes, 1, &self.dup_span, &self.dup_ids)
        self._pack_ints(tables.lactation, 3, &self.lact_span, &self.lact_rows)
        self._pack_ints(tables.skin_tests, 2, &self.skin_span, &self.skin_rows)
        self._pack_ints(tables.indications, 3, &self.ind_span, &self.ind_rows)

        cdef int total
        self.preg_span = <Span*>_alloc(n, sizeof(Span))
        total = sum(len(r) for r in tables.pregnancy)
        self.preg_rows = <PregnancyRow*>_alloc(total, sizeof(PregnancyRow))
        j = 0
        for i in range(n):
            self.preg_span[i].start = j
            for fact, week_from, week_to, severity, mask in tables.pregnancy[i]:
                self.preg_rows[j].route_mask = mask
                self.preg_rows[j].fact = fact
                self.preg_rows[j].week_from = week_from
                self.preg_rows[j].week_to = week_to
                self.preg_rows[j].severity = severity
                j += 1
            self.preg_span[i].count = j - self.preg_span[i].start

        self.ped_span = <Span*>_alloc(n, sizeof(Span))
        total = sum(len(r) for r in tables.pediatric)
        self.ped_rows = <PediatricRow*>_alloc(total, sizeof(PediatricRow))
        j = 0
        for i in range(n):
            self.ped_span[i].start = j
            for fact, below, mask, severity in tables.pediatric[i]:
                self.ped_rows[j].fact = fact
                self.ped_rows[j].below_days = below
                self.ped_rows[j].route_mask = mask
                self.ped_rows[j].severity = severity
                j += 1
            self.ped_span[i].count = j - self.ped_span[i].start

        self._pack_conditions(tables.elderly, &self.eld_span, &self.eld_rows)
        self._pack_conditions(tables.diseases, &self.dis_span, &self.dis_rows)

        self.dose_span = <Span*>_alloc(n, sizeof(Span))
        total = sum(len(r) for r in tables.doses)
        self.dose_rows = <DoseRow*>_alloc(total, sizeof(DoseRow))
        j = 0
        for i in range(n):
            self.dose_span[i].start = j
            for fact, mask, population, basis, low, high, unit, rkind, rbelow in tables.doses[i]:
                self.dose_rows[j].fact = fact
                self.dose_rows[j].route_mask = mask
                self.dose_rows[j].population = population
                self.dose_rows[j].basis = basis
                self.dose_rows[j].low = low
                self.dose_rows[j].high = high
                self.dose_rows[j].unit_kind = unit
                self.dose_rows[j].renal_kind = rkind
                self.dose_rows[j].renal_below = rbelow
                j += 1
            self.dose_span[i].count = j - self.dose_span[i].start

        self.freq_span = <Span*>_alloc(n, sizeof(Span))
        total = sum(len(r) for r in tables.frequency_rules)
        self.freq_rows = <FrequencyRow*>_alloc(total, sizeof(FrequencyRow))
        j = 0
        for i in range(n):
            self.freq_span[i].start = j
            for fact, mask, max_per_week, except_ref, severity in tables.frequency_rules[i]:
                self.freq_rows[j].fact = fact
                self.freq_rows[j].route_mask = mask
                self.freq_rows[j].max_per_week = max_per_week
                self.freq_rows[j].except_ref = except_ref
                self.freq_rows[j].severity = severity
                j += 1
            self.freq_span[i].count = j - self.freq_span[i].start

        self.route_span = <Span*>_alloc(n, sizeof(Span))
        total = sum(len(r) for r in tables.route_rules)
        self.route_rows = <RouteRow*>_alloc(total, sizeof(RouteRow))
        j = 0
        for i in range(n):
            self.route_span[i].start = j
            for fact, only, mask, severity in tables.route_rules[i]:
                self.route_rows[j].fact = fact
                self.route_rows[j].only = only
                self.route_rows[j].route_mask = mask
                self.route_rows[j].severity = severity
                j += 1
            self.route_span[i].count = j - self.route_span[i].start

        self.solv_span = <Span*>_alloc(n, sizeof(Span))
        total = sum(len(r) for r in tables.solvents)
        self.solv_rows = <SolventRow*>_alloc(total, sizeof(SolventRow))
        j = 0
        for i in range(n):
            self.solv_span[i].start = j
            for fact, allowed_ref, max_concentration, unit_kind in tables.solvents[i]:
                self.solv_rows[j].fact = fact
                self.solv_rows[j].allowed_ref = allowed_ref
                self.solv_rows[j].max_concentration = max_concentration
                self.solv_rows[j].unit_kind = unit_kind
                j += 1
            self.solv_span[i].count = j - self.solv_span[i].start

        self._pack_pairs(tables.interactions, &self.ddi_slots, &self.ddi_mask, &self.ddi_rows)
        self._pack_pairs({pair: tuple((f, sev, 0, 0) for f, sev in entries)
                          for pair, entries in tables.compatibility.items()},
                         &self.compat_slots, &self.compat_mask, &self.compat_rows)

        self.cross_fact = <int32_t*>_alloc(c * c, sizeof(int32_t))
        self.cross_severity = <int32_t*>_alloc(c * c, sizeof(int32_t))
        for (allergy_class, drug_class), (fact, severity) in tables.allergy_cross.items():
            self.cross_fact[allergy_class * c + drug_class] = fact
            self.cross_severity[allergy_class * c + drug_class] = severity

        self._pack_ints(tables.condition_sets, 1, &self.cond_span, &self.cond_ids)
        self.n_forms = len(tables.form_routes)
        self.form_routes = <int32_t*>_alloc(self.n_forms, sizeof(int32_t))
        for i in range(self.n_forms):
            self.form_routes[i] = tables.form_routes[i]
        for i in range(5):
            self.kind_days[i] = tables.kind_limits[i][0]
            self.kind_fact[i] = tables.kind_limits[i][1]
        cdef int a, b, p, k
        for a in range(6):
            for b in range(3):
                for p in range(2):
                    for k in range(5):
                        limit = tables.controlled_limits.get((a, b, p, k))
                        if limit is None:
                            self.limits[a][b][p][k].max_days = -2.0
                            self.limits[a][b][p][k].max_doses = -2.0
                            self.limits[a][b][p][k].fact = -1
                        else:
                            self.limits[a][b][p][k].max_days = limit[0]
                            self.limits[a][b][p][k].max_doses = limit[1]
                            self.limits[a][b][p][k].fact = limit[2]

        self.elderly_age_days = settings.elderly_age_days
        self.adult_age_days = settings.adult_age_days
        self.infant_age_days = settings.infant_age_days
        self.max_outpatient_items = settings.max_outpatient_items
        self.over_ratio = settings.quantity_over_ratio
        self.under_ratio = settings.quantity_under_ratio
        self.lines_capacity = 64
        self.lines = <CLine*>_alloc(self.lines_capacity, sizeof(CLine))
        self.conditions_capacity = 32
        self.conditions = <int32_t*>_alloc(self.conditions_capacity, sizeof(int32_t))
        self.allergy_capacity = 32
        self.allergy_ings = <int32_t*>_alloc(self.allergy_capacity, sizeof(int32_t))
        self.allergy_cls = <int32_t*>_alloc(self.allergy_capacity, sizeof(int32_t))
        self.seen_capacity = 128
        self.seen = <int32_t*>_alloc(self.seen_capacity * 2, sizeof(int32_t))

    def __dealloc__(self):
        free(self.tier); free(self.carrier)
        free(self.class_span); free(self.class_ids); free(self.dup_span); free(self.dup_ids)
        free(self.preg_span); free(self.preg_rows); free(self.lact_span); free(self.lact_rows)
        free(self.ped_span); free(self.ped_rows); free(self.eld_span); free(self.eld_rows)
        free(self.dis_span); free(self.dis_rows); free(self.dose_span); free(self.dose_rows)
        free(self.freq_span); free(self.freq_rows); free(self.route_span); free(self.route_rows)
        free(self.skin_span); free(self.skin_rows); free(self.ind_span); free(self.ind_rows)
        free(self.solv_span); free(self.solv_rows)
        free(self.ddi_slots); free(self.ddi_rows); free(self.compat_slots); free(self.compat_rows)
        free(self.cross_fact); free(self.cross_severity)
        free(self.cond_span); free(self.cond_ids); free(self.form_routes)
        free(self.lines); free(self.conditions); free(self.allergy_ings); free(self.allergy_cls)
        free(self.seen)

    cdef int _pack_ints(self, per_entry, int width, Span** spans_out,
                        int32_t** flat_out) except -1:
        """Per-entry tuples of ``width``-tuples (or of ints) -> spans and a flat array."""
        cdef int count = len(per_entry)
        cdef Span* spans = <Span*>_alloc(count, sizeof(Span))
        cdef int total = 0
        for rows in per_entry:
            total += len(rows)
        cdef int32_t* flat = <int32_t*>_alloc(total * width, sizeof(int32_t))
        cdef int i, j = 0, w
        for i in range(count):
            spans[i].start = j
            for row in per_entry[i]:
                if width == 1:
                    flat[j] = row
                else:
                    for w in range(width):
                        flat[j * width + w] = row[w]
                j += 1
            spans[i].count = j - spans[i].start
        spans_out[0] = spans
        flat_out[0] = flat
        return 0

    cdef int _pack_conditions(self, per_ingredient, Span** spans_out,
                              ConditionRow** rows_out) except -1:
        cdef int n = len(per_ingredient)
        cdef Span* spans = <Span*>_alloc(n, sizeof(Span))
        cdef int total = sum(len(r) for r in per_ingredient)
        cdef ConditionRow* rows = <ConditionRow*>_alloc(total, sizeof(ConditionRow))
        cdef int i, j = 0
        for i in range(n):
            spans[i].start = j
            for fact, kind, ref, value, severity, mask in per_ingredient[i]:
                rows[j].route_mask = mask
                rows[j].fact = fact
                rows[j].kind = kind
                rows[j].ref = ref
                rows[j].value = value
                rows[j].severity = severity
                j += 1
            spans[i].count = j - spans[i].start
        spans_out[0] = spans
        rows_out[0] = rows
        return 0

    cdef int _pack_pairs(self, dict table, PairSlot** slots_out, uint64_t* mask_out,
                         PairRow** rows_out) except -1:
        """Open-addressing hash of (low, high) ingredient pairs -> spans of rows."""
        cdef uint64_t size = 16
        while size < 2 * len(table) + 16:
            size <<= 1
        cdef PairSlot* slots = <PairSlot*>_alloc(size, sizeof(PairSlot))
        cdef int total = sum(len(v) for v in table.values())
        cdef PairRow* rows = <PairRow*>_alloc(total, sizeof(PairRow))
        cdef uint64_t mask = size - 1, key, slot
        cdef int j = 0
        for (low, high), entries in table.items():
            key = pair_key(low, high)
            slot = slot_of(key, mask)
            while slots[slot].key != 0:
                slot = (slot + 1) & mask
            slots[slot].key = key
            slots[slot].rows.start = j
            for fact, severity, mask_low, mask_high in entries:
                rows[j].fact = fact
                rows[j].severity = severity
                rows[j].mask_low = mask_low
                rows[j].mask_high = mask_high
                j += 1
            slots[slot].rows.count = j - slots[slot].rows.start
        slots_out[0] = slots
        mask_out[0] = mask
        rows_out[0] = rows
        return 0

    cdef Span _lookup(self, PairSlot* slots, uint64_t mask, int low, int high):
        cdef uint64_t key = pair_key(low, high)
        cdef uint64_t slot = slot_of(key, mask)
        cdef Span empty
        empty.start = 0
        empty.count = 0
        while slots[slot].key != 0:
            if slots[slot].key == key:
                return slots[slot].rows
            slot = (slot + 1) & mask
        return empty

    cdef bint _in_condition_set(self, int ref, int n_conditions):
        cdef Span span = self.cond_span[ref]
        cdef int i, j
        cdef int32_t wanted
        for i in range(span.start, span.start + span.count):
            wanted = self.cond_ids[i]
            for j in range(n_conditions):
                if self.conditions[j] == wanted:
                    return True
        return False

    cdef bint _condition(self, int kind, int ref, double value, int n_conditions,
                         double egfr, double crcl, int hepatic):
        if kind == COND_NONE:
            return True
        if kind == COND_ICD:
            return self._in_condition_set(ref, n_conditions)
        if kind == COND_NOT_ICD:
            return not self._in_condition_set(ref, n_conditions)
        if kind == COND_EGFR or kind == COND_CRCL:
            return renal_holds(kind, value, egfr, crcl)
        if kind == COND_HEPATIC:
            return hepatic >= value
        return False

    cdef bint _seen(self, int rule, int item):
        """True if (rule, item) was already reported; otherwise remember it."""
        cdef int i
        for i in range(self.seen_count):
            if self.seen[2 * i] == rule and self.seen[2 * i + 1] == item:
                return True
        if self.seen_count == self.seen_capacity:
            self.seen_capacity *= 2
            self.seen = <int32_t*>realloc(self.seen, self.seen_capacity * 2 * sizeof(int32_t))
        self.seen[2 * self.seen_count] = rule
        self.seen[2 * self.seen_count + 1] = item
        self.seen_count += 1
        return False

    def check(self, Prescription rx not None):
        """Return the findings for one prescription, in the twin's order."""
        cdef list py_lines = rx.lines
        cdef int n = len(py_lines)
        cdef int i, j, k, r, ia, ib
        cdef CLine* a
        cdef CLine* b
        cdef CLine* line
        cdef CLine* low_line
        cdef CLine* high_line
        cdef Span span
        cdef Line py
        cdef list out = []
        make = self._raw_finding
        if n > self.lines_capacity:
            while self.lines_capacity < n:
                self.lines_capacity *= 2
            free(self.lines)
            self.lines = <CLine*>_alloc(self.lines_capacity, sizeof(CLine))
        for i in range(n):
            py = <Line?>py_lines[i]
            line = &self.lines[i]
            line.item = py.item
            line.ingredient = py.ingredient
            line.route = py.route
            line.form = py.form
            line.release = py.release
            line.dose = py.dose
            line.dose_kind = py.dose_kind
            line.per_day = py.per_day
            line.per_week = py.per_week
            line.days = py.days
            line.supply_ratio = py.supply_ratio
            line.group = py.group
            line.skin_test = py.skin_test
            line.vague = py.vague
            line.volume_ml = py.volume_ml
            line.control = py.control

        cdef int kind = rx.kind
        cdef int prescriber_tier = rx.prescriber_tier
        cdef bint narcotic_right = rx.narcotic_right
        cdef int age = rx.age_days
        cdef bint age_precise = rx.age_precise
        cdef double weight = rx.weight_kg
        cdef double bsa = rx.bsa_m2
        cdef bint pregnant = rx.pregnant
        cdef int week = rx.gestational_week
        cdef bint lactating = rx.lactating
        cdef double egfr = rx.egfr
        cdef double crcl = rx.crcl
        cdef int hepatic = rx.hepatic
        cdef int cancer = 1 if rx.cancer_pain else 0
        cdef bint has_diagnosis = rx.has_diagnosis
        cdef int item_count = rx.item_count

        cdef frozenset conditions = rx.conditions
        cdef int n_conditions = len(conditions)
        if n_conditions > self.conditions_capacity:
            while self.conditions_capacity < n_conditions:
                self.conditions_capacity *= 2
            free(self.conditions)
            self.conditions = <int32_t*>_alloc(self.conditions_capacity, sizeof(int32_t))
        i = 0
        for condition in conditions:
            self.conditions[i] = condition
            i += 1
        allergy_ingredients = rx.allergy_ingredients
        allergy_classes = sorted(rx.allergy_classes)
        cdef int n_allergy_ings = len(allergy_ingredients)
        cdef int n_allergy_cls = len(allergy_classes)
        if n_allergy_ings > self.allergy_capacity or n_allergy_cls > self.allergy_capacity:
            while self.allergy_capacity < n_allergy_ings or self.allergy_capacity < n_allergy_cls:
                self.allergy_capacity *= 2
            free(self.allergy_ings)
            free(self.allergy_cls)
            self.allergy_ings = <int32_t*>_alloc(self.allergy_capacity, sizeof(int32_t))
            self.allergy_cls = <int32_t*>_alloc(self.allergy_capacity, sizeof(int32_t))
        i = 0
        for allergen in allergy_ingredients:
            self.allergy_ings[i] = allergen
            i += 1
        for i in range(n_allergy_cls):
            self.allergy_cls[i] = allergy_classes[i]
        self.seen_count = 0

        # -- pairs: interactions, duplicates, compatibility ---------------------------
        cdef PairRow* prow
        cdef bint found
        for i in range(n):
            a = &self.lines[i]
            for j in range(i + 1, n):
                b = &self.lines[j]
                if a.item == b.item:
                    continue
                ia = a.ingredient
                ib = b.ingredient
                if ia != ib:
                    if ia < ib:
                        low_line = a
                        high_line = b
                        span = self._lookup(self.ddi_slots, self.ddi_mask, ia, ib)
                    else:
                        low_line = b
                        high_line = a
                        span = self._lookup(self.ddi_slots, self.ddi_mask, ib, ia)
                    for k in range(span.start, span.start + span.count):
                        prow = &self.ddi_rows[k]
                        if route_ok(prow.mask_low, low_line.route) and route_ok(prow.mask_high, high_line.route):
                            out.append(make(C_DDI + prow.severity - 1, prow.severity, a.item, b.item,
                                            ia, ib, prow.fact))
                            break
                if (route_ok(SYSTEMIC_MASK, a.route) and route_ok(SYSTEMIC_MASK, b.route)
                        and not self.carrier[ia] and not self.carrier[ib]):
                    if ia == ib:
                        out.append(make(C_DUP_INGREDIENT, MAJOR, a.item, b.item, ia, ib, -1))
                    else:
                        found = False
                        for k in range(self.dup_span[ia].start, self.dup_span[ia].start + self.dup_span[ia].count):
                            for r in range(self.dup_span[ib].start, self.dup_span[ib].start + self.dup_span[ib].count):
                                if self.dup_ids[k] == self.dup_ids[r]:
                                    out.append(make(C_DUP_CLASS, MODERATE, a.item, b.item, ia, ib,
                                                    self.dup_ids[k]))
                                    found = True
                                    break
                            if found:
                                break
                if a.group >= 0 and a.group == b.group and ia != ib:
                    if ia < ib:
                        span = self._lookup(self.compat_slots, self.compat_mask, ia, ib)
                    else:
                        span = self._lookup(self.compat_slots, self.compat_mask, ib, ia)
                    if span.count > 0:
                        prow = &self.compat_rows[span.start]
                        out.append(make(C_COMPAT_INCOMPATIBLE, prow.severity, a.item, b.item,
                                        ia, ib, prow.fact))

        # -- solvents -----------------------------------------------------------------
        cdef SolventRow* srow
        cdef int carrier_item, carrier_ingredient
        cdef double volume
        cdef bint allowed_found
        cdef Span allowed
        for i in range(n):
            line = &self.lines[i]
            if line.group < 0 or self.solv_span[line.ingredient].count == 0:
                continue
            srow = &self.solv_rows[self.solv_span[line.ingredient].start]
            allowed = self.cond_span[srow.allowed_ref]
            carrier_item = -1
            carrier_ingredient = -1
            volume = 0.0
            allowed_found = False
            for j in range(n):
                b = &self.lines[j]
                if b.item == line.item or b.group != line.group or not self.carrier[b.ingredient]:
                    continue
                if carrier_item < 0:
                    carrier_item = b.item
                    carrier_ingredient = b.ingredient
                for k in range(allowed.start, allowed.start + allowed.count):
                    if self.cond_ids[k] == b.ingredient:
                        allowed_found = True
                        break
                if b.volume_ml > 0:
                    volume += b.volume_ml
            if carrier_item < 0:
                continue
            if not allowed_found:
                out.append(make(C_COMPAT_SOLVENT, MODERATE, line.item, carrier_item,
                                line.ingredient, carrier_ingredient, srow.fact))
            if (srow.max_concentration >= 0 and line.dose >= 0 and line.dose_kind == srow.unit_kind
                    and volume > 0 and line.dose / volume > srow.max_concentration * (1 + EPS)):
                out.append(make(C_COMPAT_CONCENTRATION, MAJOR, line.item, carrier_item,
                                line.ingredient, carrier_ingredient, srow.fact))

        # -- per line -----------------------------------------------------------------
        cdef int ing, best_fact, best_severity, severity, c_idx, rule, fact
        cdef int replaced, emitted, bit
        cdef bint child = age >= 0 and age < self.adult_age_days
        cdef bint inside
        cdef double value, dose
        cdef DoseRow* drow
        cdef ConditionRow* crow
        cdef Limit* limit
        for i in range(n):
            line = &self.lines[i]
            ing = line.ingredient

            # allergy
            found = False
            for k in range(n_allergy_ings):
                if self.allergy_ings[k] == ing:
                    found = True
                    break
            if found:
                out.append(make(C_ALLERGY_INGREDIENT, CONTRAINDICATED, line.item, -1, ing, -1, -1))
            elif n_allergy_cls > 0:
                span = self.class_span[ing]
                for k in range(span.start, span.start + span.count):
                    for r in range(n_allergy_cls):
                        if self.allergy_cls[r] == self.class_ids[k]:
                            found = True
                            break
                    if found:
                        out.append(make(C_ALLERGY_CLASS, CONTRAINDICATED, line.item, -1, ing, -1,
                                        self.class_ids[k]))
                        break
                if not found:
                    best_fact = -1
                    best_severity = 0
                    for k in range(span.start, span.start + span.count):
                        for r in range(n_allergy_cls):
                            c_idx = self.allergy_cls[r] * self.n_classes + self.class_ids[k]
                            if self.cross_severity[c_idx] > best_severity:
                                best_fact = self.cross_fact[c_idx]
                                best_severity = self.cross_severity[c_idx]
                    if best_severity:
                        out.append(make(C_ALLERGY_CROSS, best_severity, line.item, -1, ing, -1,
                                        best_fact))

            # populations
            if pregnant:
                best_fact = -1
                best_severity = 0
                span = self.preg_span[ing]
                for k in range(span.start, span.start + span.count):
                    if ((week < 0 or (self.preg_rows[k].week_from <= week <= self.preg_rows[k].week_to))
                            and self.preg_rows[k].severity > best_severity
                            and route_ok(self.preg_rows[k].route_mask, line.route)):
                        best_fact = self.preg_rows[k].fact
                        best_severity = self.preg_rows[k].severity
                if best_severity:
                    out.append(make(C_PREGNANCY + best_severity - 1, best_severity, line.item, -1,
                                    ing, -1, best_fact))
            if lactating:
                best_fact = -1
                best_severity = 0
                span = self.lact_span[ing]
                for k in range(span.start, span.start + span.count):
                    if (self.lact_rows[3 * k + 1] > best_severity
                            and route_ok(self.lact_rows[3 * k + 2], line.route)):
                        best_fact = self.lact_rows[3 * k]
                        best_severity = self.lact_rows[3 * k + 1]
                if best_severity:
                    out.append(make(C_LACTATION + best_severity - 1, best_severity, line.item, -1,
                                    ing, -1, best_fact))
            if age >= 0:
                best_fact = -1
                best_severity = 0
                span = self.ped_span[ing]
                for k in range(span.start, span.start + span.count):
                    if (age < self.ped_rows[k].below_days and route_ok(self.ped_rows[k].route_mask, line.route)
                            and self.ped_rows[k].severity > best_severity):
                        best_fact = self.ped_rows[k].fact
                        best_severity = self.ped_rows[k].severity
                if best_severity:
                    out.append(make(C_PEDIATRIC + best_severity - 1, best_severity, line.item, -1,
                                    ing, -1, best_fact))
                if age >= self.elderly_age_days:
                    best_fact = -1
                    best_severity = 0
                    span = self.eld_span[ing]
                    for k in range(span.start, span.start + span.count):
                        crow = &self.eld_rows[k]
                        if (crow.severity > best_severity and route_ok(crow.route_mask, line.route)
                                and self._condition(crow.kind, crow.ref, crow.value, n_conditions,
                                                    egfr, crcl, hepatic)):
                            best_fact = crow.fact
                            best_severity = crow.severity
                    if best_severity:
                        out.append(make(C_ELDERLY + best_severity - 1, best_severity, line.item, -1,
                                        ing, -1, best_fact))

            # diseases
            span = self.dis_span[ing]
            for k in range(span.start, span.start + span.count):
                crow = &self.dis_rows[k]
                if route_ok(crow.route_mask, line.route) and self._condition(
                        crow.kind, crow.ref, crow.value, n_conditions, egfr, crcl, hepatic):
                    if crow.kind == COND_ICD or crow.kind == COND_NOT_ICD:
                        rule = C_DISEASE_DIAGNOSIS
                    elif crow.kind == COND_HEPATIC:
                        rule = C_DISEASE_HEPATIC
                    else:
                        rule = C_DISEASE_RENAL
                    out.append(make(rule, crow.severity, line.item, -1, ing, -1, crow.fact))

            # dose
            span = self.dose_span[ing]
            if line.dose >= 0 and line.dose_kind >= 0 and span.count > 0:
                dose = line.dose
                replaced = 0
                for k in range(span.start, span.start + span.count):
                    drow = &self.dose_rows[k]
                    if (drow.renal_kind != COND_NONE and drow.unit_kind == line.dose_kind
                            and route_ok(drow.route_mask, line.route)
                            and renal_holds(drow.renal_kind, drow.renal_below, egfr, crcl)):
                        replaced |= 1 << (drow.population * 6 + drow.basis)
                emitted = 0
                for k in range(span.start, span.start + span.count):
                    drow = &self.dose_rows[k]
                    if drow.unit_kind != line.dose_kind or not route_ok(drow.route_mask, line.route):
                        continue
                    if drow.renal_kind != COND_NONE:
                        if not renal_holds(drow.renal_kind, drow.renal_below, egfr, crcl):
                            continue
                    elif (replaced >> (drow.population * 6 + drow.basis)) & 1:
                        continue
                    if drow.population == CHILD and not child:
                        continue
                    if drow.population == ADULT and child and drow.basis != SINGLE and drow.basis != DAILY:
                        continue
                    if drow.basis == SINGLE:
                        value = dose
                    elif drow.basis == DAILY:
                        value = dose * line.per_day if line.per_day > 0 else -1.0
                    elif drow.basis == SINGLE_PER_KG:
                        value = dose / weight if weight > 0 else -1.0
                    elif drow.basis == DAILY_PER_KG:
                        value = dose * line.per_day / weight if weight > 0 and line.per_day > 0 else -1.0
                    elif drow.basis == SINGLE_PER_M2:
                        value = dose / bsa if bsa > 0 else -1.0
                    else:
                        value = dose * line.per_day / bsa if bsa > 0 and line.per_day > 0 else -1.0
                    if value < 0:
                        continue
                    if drow.high >= 0 and value > drow.high * (1 + EPS):
                        if drow.renal_kind != COND_NONE:
                            rule = C_DOSE_RENAL_MAX
                        elif drow.basis == SINGLE:
                            rule = C_DOSE_SINGLE_MAX
                        elif drow.basis == DAILY:
                            rule = C_DOSE_DAILY_MAX
                        else:
                            rule = C_DOSE_WEIGHT_MAX
                        bit = 1 << (rule - C_DOSE_SINGLE_MAX)
                        if not emitted & bit:
                            emitted |= bit
                            out.append(make(rule, MAJOR, line.item, -1, ing, -1, drow.fact))
                    if drow.low >= 0 and value < drow.low * (1 - EPS) and not (drow.population == ADULT and child):
                        bit = 1 << (C_DOSE_BELOW_MIN - C_DOSE_SINGLE_MAX)
                        if not emitted & bit:
                            emitted |= bit
                            out.append(make(C_DOSE_BELOW_MIN, MINOR, line.item, -1, ing, -1, drow.fact))

            # frequency
            if line.per_week >= 0:
                span = self.freq_span[ing]
                for k in range(span.start, span.start + span.count):
                    if not route_ok(self.freq_rows[k].route_mask, line.route) or \
                            line.per_week <= self.freq_rows[k].max_per_week + EPS:
                        continue
                    if self.freq_rows[k].except_ref >= 0 and self._in_condition_set(
                            self.freq_rows[k].except_ref, n_conditions):
                        continue
                    out.append(make(C_DOSE_FREQUENCY, self.freq_rows[k].severity, line.item, -1,
                                    ing, -1, self.freq_rows[k].fact))
                    break

            # route
            if line.route >= 0:
                if line.form >= 0 and not (self.form_routes[line.form] >> line.route) & 1:
                    if not self._seen(C_ROUTE_FORM, line.item):
                        out.append(make(C_ROUTE_FORM, MAJOR, line.item, -1, ing, -1, -1))
                span = self.route_span[ing]
                for k in range(span.start, span.start + span.count):
                    inside = (self.route_rows[k].route_mask >> line.route) & 1
                    if self.route_rows[k].only == 0 and inside:
                        out.append(make(C_ROUTE_FORBIDDEN, self.route_rows[k].severity, line.item,
                                        -1, ing, -1, self.route_rows[k].fact))
                    elif self.route_rows[k].only == 1 and not inside:
                        out.append(make(C_ROUTE_ONLY, self.route_rows[k].severity, line.item,
                                        -1, ing, -1, self.route_rows[k].fact))

            # skin test
            span = self.skin_span[ing]
            for k in range(span.start, span.start + span.count):
                if not route_ok(self.skin_rows[2 * k + 1], line.route):
                    continue
                if line.skin_test == SKIN_POSITIVE:
                    rule = C_SKIN_POSITIVE
                    severity = CONTRAINDICATED
                elif line.skin_test == SKIN_NOT_RECORDED:
                    rule = C_SKIN_MISSING
                    severity = MODERATE
                else:
                    break
                if not self._seen(rule, line.item):
                    out.append(make(rule, severity, line.item, -1, ing, -1, self.skin_rows[2 * k]))
                break

            # indication
            if has_diagnosis and self.ind_span[ing].count > 0:
                span = self.ind_span[ing]
                found = False
                for k in range(span.start, span.start + span.count):
                    if self._in_condition_set(self.ind_rows[3 * k + 1], n_conditions):
                        found = True
                        break
                if not found and not self._seen(C_INDICATION, line.item):
                    k = span.start
                    out.append(make(C_INDICATION, self.ind_rows[3 * k + 2], line.item, -1, ing,
                                    -1, self.ind_rows[3 * k]))

            # prescriber
            if self.tier[ing] > 0 and route_ok(SYSTEMIC_MASK, line.route):
                if prescriber_tier < self.tier[ing] and not self._seen(C_PRESCRIBER_TIER, line.item):
                    out.append(make(C_PRESCRIBER_TIER, MAJOR, line.item, -1, ing, -1, -1))
                if (self.tier[ing] == 3 and kind != INPATIENT
                        and not self._seen(C_PRESCRIBER_SPECIAL, line.item)):
                    out.append(make(C_PRESCRIBER_SPECIAL, MAJOR, line.item, -1, ing, -1, -1))
            if ((line.control == NARCOTIC or line.control == PSYCHOTROPIC_1)
                    and not narcotic_right and not self._seen(C_PRESCRIBER_NARCOTIC, line.item)):
                out.append(make(C_PRESCRIBER_NARCOTIC, CONTRAINDICATED, line.item, -1, ing, -1, -1))

            # quantity: a controlled drug's own limit replaces the general days limit
            limit = NULL
            if 0 < line.control < 6 and kind >= 0 and kind < 5 and 0 <= line.release < 3:
                limit = &self.limits[line.control][line.release][cancer][kind]
                if limit.fact < 0 and limit.max_days <= -2.0:
                    limit = NULL
            if (limit == NULL and kind >= 0 and kind < 5 and self.kind_days[kind] >= 0
                    and line.days > self.kind_days[kind] + EPS
                    and not self._seen(C_QUANTITY_DAYS, line.item)):
                out.append(make(C_QUANTITY_DAYS, MODERATE, line.item, -1, ing, -1, self.kind_fact[kind]))
            if limit != NULL and (
                    (limit.max_days >= 0 and line.days > limit.max_days + EPS) or
                    (limit.max_doses >= 0 and line.per_day > 0 and line.days > 0
                     and line.per_day * line.days > limit.max_doses + EPS)):
                if not self._seen(C_QUANTITY_CONTROLLED, line.item):
                    out.append(make(C_QUANTITY_CONTROLLED, MAJOR, line.item, -1, ing, -1,
                                    limit.fact))
            if line.supply_ratio >= 0 and (line.supply_ratio > self.over_ratio
                                           or line.supply_ratio < self.under_ratio):
                if not self._seen(C_QUANTITY_INCONSISTENT, line.item):
                    out.append(make(C_QUANTITY_INCONSISTENT, MINOR, line.item, -1, ing, -1, -1))

            if line.vague and not self._seen(C_FORMAT_VAGUE, line.item):
                out.append(make(C_FORMAT_VAGUE, MODERATE, line.item, -1, ing, -1, -1))

        # -- prescription-level format ------------------------------------------------
        if (kind == OUTPATIENT or kind == EMERGENCY) and item_count > self.max_outpatient_items:
            out.append(make(C_FORMAT_TOO_MANY, MINOR, -1, -1, -1, -1, -1))
        if not has_diagnosis:
            out.append(make(C_FORMAT_NO_DIAGNOSIS, MODERATE, -1, -1, -1, -1, -1))
        if 0 <= age < self.infant_age_days and not age_precise:
            out.append(make(C_FORMAT_INFANT_AGE, MINOR, -1, -1, -1, -1, -1))
        return out

