# cython: language_level=3
# C layout of the kernel's input objects, so the compiled kernel reads fields directly.
# Same attributes, defaults and meaning as the pure classes in kernels/model.py.

cdef class Line:                  # 96 B per object (+ the Python object header)
    cdef public int item
    cdef public int ingredient
    cdef public int route
    cdef public int form
    cdef public int release
    cdef public int dose_kind
    cdef public int group
    cdef public int skin_test
    cdef public int control
    cdef public double dose
    cdef public double per_day
    cdef public double per_week
    cdef public double days
    cdef public double supply_ratio
    cdef public double volume_ml
    cdef public bint vague

cdef class Prescription:
    cdef public list lines
    cdef public int kind
    cdef public int prescriber_tier
    cdef public int age_days
    cdef public int gestational_week
    cdef public int hepatic
    cdef public int item_count
    cdef public bint narcotic_right
    cdef public bint age_precise
    cdef public bint pregnant
    cdef public bint lactating
    cdef public bint cancer_pain
    cdef public bint has_diagnosis
    cdef public double weight_kg
    cdef public double bsa_m2
    cdef public double egfr
    cdef public double crcl
    cdef public frozenset conditions
    cdef public frozenset allergy_ingredients
    cdef public frozenset allergy_classes
