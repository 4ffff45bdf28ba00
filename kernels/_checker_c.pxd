# cython: language_level=3
# The compiled kernel's contract: the C layout of the compiled tables and the checker's
# methods. Declarations only; the behaviour is in _checker_c.pyx, and the pure-Python
# twin (_checker_py.py) must behave identically.
#
# Memory budget, for the bundled base (~700 ingredients, ~200 classes, ~40k expanded
# interaction pairs, ~6k facts); each line below says what one entry costs.

from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t

cdef struct Span:                 # 8 B: a slice [start, start+count) of a row array
    int32_t start
    int32_t count

cdef struct PairRow:              # 16 B per expanded interaction/compatibility entry
    int32_t fact
    int32_t severity
    int32_t mask_low
    int32_t mask_high

cdef struct PairSlot:             # 16 B per hash slot; 2x the pair count, power of two
    uint64_t key                  #   (low << 32 | high) + 1; 0 marks an empty slot
    Span rows                     #   ~80k slots = 1.3 MB for 40k pairs

cdef struct PregnancyRow:         # 20 B per (ingredient, pregnancy fact)
    int32_t fact
    int32_t week_from
    int32_t week_to
    int32_t severity
    int32_t route_mask

cdef struct PediatricRow:         # 16 B per (ingredient, pediatric fact)
    int32_t fact
    int32_t below_days
    int32_t route_mask
    int32_t severity

cdef struct ConditionRow:         # 32 B per (ingredient, elderly/disease fact)
    int32_t fact
    int32_t kind
    int32_t ref
    int32_t severity
    double value
    int32_t route_mask

cdef struct DoseRow:              # 48 B per (ingredient, dose limit); ~3k rows = 144 kB
    int32_t fact
    int32_t route_mask
    int32_t population
    int32_t basis
    double low
    double high
    int32_t unit_kind
    int32_t renal_kind
    double renal_below

cdef struct FrequencyRow:         # 24 B per (ingredient, frequency rule)
    int32_t fact
    int32_t route_mask
    double max_per_week
    int32_t except_ref
    int32_t severity

cdef struct RouteRow:             # 16 B per (ingredient, route rule)
    int32_t fact
    int32_t only
    int32_t route_mask
    int32_t severity

cdef struct SolventRow:           # 24 B per (ingredient, solvent rule)
    int32_t fact
    int32_t allowed_ref
    double max_concentration
    int32_t unit_kind

cdef struct Limit:                # 24 B per (control, release, cancer pain, kind): 180 entries
    double max_days
    double max_doses
    int32_t fact

cdef struct CLine:                # 80 B per prescription line, in a per-checker buffer
    int32_t item
    int32_t ingredient
    int32_t route
    int32_t form
    int32_t release
    int32_t dose_kind
    int32_t group
    int32_t skin_test
    double dose
    double per_day
    double per_week
    double days
    double supply_ratio
    double volume_ml
    bint vague
    int32_t control

cdef class Checker:
    cdef readonly object tables
    cdef object _settings
    cdef object _raw_finding
    cdef int n_ingredients
    cdef int n_classes
    # per-ingredient attributes: 1 B each
    cdef uint8_t* tier
    cdef uint8_t* carrier
    # per-ingredient spans into row arrays: 8 B per ingredient per table (14 tables)
    cdef Span* class_span
    cdef int32_t* class_ids
    cdef Span* dup_span
    cdef int32_t* dup_ids
    cdef Span* preg_span
    cdef PregnancyRow* preg_rows
    cdef Span* lact_span
    cdef int32_t* lact_rows           # (fact, severity, route_mask) triples, flattened
    cdef Span* ped_span
    cdef PediatricRow* ped_rows
    cdef Span* eld_span
    cdef ConditionRow* eld_rows
    cdef Span* dis_span
    cdef ConditionRow* dis_rows
    cdef Span* dose_span
    cdef DoseRow* dose_rows
    cdef Span* freq_span
    cdef FrequencyRow* freq_rows
    cdef Span* route_span
    cdef RouteRow* route_rows
    cdef Span* skin_span
    cdef int32_t* skin_rows           # (fact, route_mask) pairs, flattened
    cdef Span* ind_span
    cdef int32_t* ind_rows            # (fact, ref, severity) triples, flattened
    cdef Span* solv_span
    cdef SolventRow* solv_rows
    # pair tables (open addressing)
    cdef PairSlot* ddi_slots
    cdef uint64_t ddi_mask
    cdef PairRow* ddi_rows
    cdef PairSlot* compat_slots
    cdef uint64_t compat_mask
    cdef PairRow* compat_rows
    # allergy cross-sensitivity, dense: 8 B per (allergy class, drug class) pair
    cdef int32_t* cross_fact
    cdef int32_t* cross_severity
    # condition sets (CSR)
    cdef Span* cond_span
    cdef int32_t* cond_ids
    cdef int32_t* form_routes
    cdef int n_forms
    cdef double kind_days[5]
    cdef int32_t kind_fact[5]
    cdef Limit limits[6][3][2][5]
    # settings
    cdef int elderly_age_days
    cdef int adult_age_days
    cdef int infant_age_days
    cdef int max_outpatient_items
    cdef double over_ratio
    cdef double under_ratio
    # per-call scratch buffers (the GIL is held throughout check)
    cdef CLine* lines
    cdef int lines_capacity
    cdef int32_t* conditions
    cdef int conditions_capacity
    cdef int32_t* allergy_ings
    cdef int32_t* allergy_cls
    cdef int allergy_capacity
    cdef int32_t* seen
    cdef int seen_count
    cdef int seen_capacity

    cdef int _pack_ints(self, per_entry, int width, Span** spans_out,
                        int32_t** flat_out) except -1
    cdef int _pack_conditions(self, per_ingredient, Span** spans_out,
                              ConditionRow** rows_out) except -1
    cdef int _pack_pairs(self, dict table, PairSlot** slots_out, uint64_t* mask_out,
                         PairRow** rows_out) except -1
    cdef bint _condition(self, int kind, int ref, double value, int n_conditions,
                         double egfr, double crcl, int hepatic)
    cdef bint _in_condition_set(self, int ref, int n_conditions)
    cdef bint _seen(self, int rule, int item)
    cdef Span _lookup(self, PairSlot* slots, uint64_t mask, int low, int high)
