# cython: language_level=3
"""Compiled twins of ``kernels.model.Line`` and ``Prescription`` (same fields, defaults)."""

_LINE_FIELDS = ("item", "ingredient", "route", "form", "release", "dose", "dose_kind",
                "per_day", "per_week", "days", "supply_ratio", "group", "skin_test",
                "vague", "volume_ml", "control")
_PRESCRIPTION_FIELDS = ("kind", "prescriber_tier", "narcotic_right", "age_days",
                        "age_precise", "weight_kg", "bsa_m2", "pregnant", "gestational_week",
                        "lactating", "egfr", "crcl", "hepatic", "cancer_pain", "conditions",
                        "has_diagnosis", "allergy_ingredients", "allergy_classes",
                        "item_count", "lines")


cdef class Line:
    """One ingredient of one prescribed item, with its dose in base units."""

    def __init__(self, int item, int ingredient, int route=-1, int form=-1, int release=0,
                 double dose=-1.0, int dose_kind=-1, double per_day=-1.0,
                 double per_week=-1.0, double days=-1.0, double supply_ratio=-1.0,
                 int group=-1, int skin_test=0, bint vague=False, double volume_ml=-1.0,
                 int control=0):
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

    def __repr__(self):
        return "Line(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in _LINE_FIELDS) + ")"


cdef class Prescription:
    """A prescription after normalisation: patient context plus ingredient lines."""

    def __init__(self, list lines, int kind=1, int prescriber_tier=0,
                 bint narcotic_right=False, int age_days=-1, bint age_precise=True,
                 double weight_kg=-1.0, double bsa_m2=-1.0, bint pregnant=False,
                 int gestational_week=-1, bint lactating=False, double egfr=-1.0,
                 double crcl=-1.0, int hepatic=0, bint cancer_pain=False,
                 frozenset conditions=frozenset(), bint has_diagnosis=True,
                 frozenset allergy_ingredients=frozenset(),
                 frozenset allergy_classes=frozenset(), int item_count=-1):
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
        if item_count < 0:
            item_count = max([line.item for line in lines], default=-1) + 1
        self.item_count = item_count

    def __repr__(self):
        return ("Prescription(" + ", ".join(f"{n}={getattr(self, n)!r}"
                                            for n in _PRESCRIPTION_FIELDS) + ")")
