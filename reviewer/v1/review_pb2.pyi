from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Verdict(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VERDICT_UNSPECIFIED: _ClassVar[Verdict]
    PASS: _ClassVar[Verdict]
    PASS_WITH_NOTES: _ClassVar[Verdict]
    HOLD: _ClassVar[Verdict]
    BLOCK: _ClassVar[Verdict]

class UnitLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UNIT_LEVEL_UNSPECIFIED: _ClassVar[UnitLevel]
    COUNTY_HOSPITAL: _ClassVar[UnitLevel]
    TOWNSHIP_CENTRE: _ClassVar[UnitLevel]
    VILLAGE_CLINIC: _ClassVar[UnitLevel]

class PrescriptionKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRESCRIPTION_KIND_UNSPECIFIED: _ClassVar[PrescriptionKind]
    OUTPATIENT: _ClassVar[PrescriptionKind]
    EMERGENCY: _ClassVar[PrescriptionKind]
    INPATIENT: _ClassVar[PrescriptionKind]
    CHRONIC: _ClassVar[PrescriptionKind]

class Sex(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEX_UNSPECIFIED: _ClassVar[Sex]
    MALE: _ClassVar[Sex]
    FEMALE: _ClassVar[Sex]

class AntibioticTier(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ANTIBIOTIC_TIER_NONE: _ClassVar[AntibioticTier]
    UNRESTRICTED: _ClassVar[AntibioticTier]
    RESTRICTED: _ClassVar[AntibioticTier]
    SPECIAL: _ClassVar[AntibioticTier]

class HepaticImpairment(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HEPATIC_UNKNOWN: _ClassVar[HepaticImpairment]
    HEPATIC_NONE: _ClassVar[HepaticImpairment]
    HEPATIC_MILD: _ClassVar[HepaticImpairment]
    HEPATIC_MODERATE: _ClassVar[HepaticImpairment]
    HEPATIC_SEVERE: _ClassVar[HepaticImpairment]

class SkinTestResult(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SKIN_TEST_NOT_RECORDED: _ClassVar[SkinTestResult]
    SKIN_TEST_NEGATIVE: _ClassVar[SkinTestResult]
    SKIN_TEST_POSITIVE: _ClassVar[SkinTestResult]
    SKIN_TEST_EXEMPT: _ClassVar[SkinTestResult]

class Severity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEVERITY_UNSPECIFIED: _ClassVar[Severity]
    MINOR: _ClassVar[Severity]
    MODERATE: _ClassVar[Severity]
    MAJOR: _ClassVar[Severity]
    CONTRAINDICATED: _ClassVar[Severity]

class Category(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CATEGORY_UNSPECIFIED: _ClassVar[Category]
    INTERACTION: _ClassVar[Category]
    PREGNANCY: _ClassVar[Category]
    LACTATION: _ClassVar[Category]
    PEDIATRIC: _ClassVar[Category]
    ELDERLY: _ClassVar[Category]
    ALLERGY: _ClassVar[Category]
    DISEASE: _ClassVar[Category]
    DUPLICATE: _ClassVar[Category]
    DOSE: _ClassVar[Category]
    ROUTE: _ClassVar[Category]
    QUANTITY: _ClassVar[Category]
    PRESCRIBER: _ClassVar[Category]
    COMPATIBILITY: _ClassVar[Category]
    SKIN_TEST: _ClassVar[Category]
    INDICATION: _ClassVar[Category]
    FORMAT: _ClassVar[Category]
    UNRECOGNISED: _ClassVar[Category]

class DecisionState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DECISION_STATE_UNSPECIFIED: _ClassVar[DecisionState]
    FINAL_BY_SYSTEM: _ClassVar[DecisionState]
    PENDING: _ClassVar[DecisionState]
    CLAIMED: _ClassVar[DecisionState]
    APPROVED: _ClassVar[DecisionState]
    REJECTED: _ClassVar[DecisionState]
    DOUBLE_SIGNED: _ClassVar[DecisionState]
    RELEASED_UNREVIEWED: _ClassVar[DecisionState]
    TIMEOUT_BLOCKED: _ClassVar[DecisionState]
    ESCALATED: _ClassVar[DecisionState]
    SUPERSEDED: _ClassVar[DecisionState]
VERDICT_UNSPECIFIED: Verdict
PASS: Verdict
PASS_WITH_NOTES: Verdict
HOLD: Verdict
BLOCK: Verdict
UNIT_LEVEL_UNSPECIFIED: UnitLevel
COUNTY_HOSPITAL: UnitLevel
TOWNSHIP_CENTRE: UnitLevel
VILLAGE_CLINIC: UnitLevel
PRESCRIPTION_KIND_UNSPECIFIED: PrescriptionKind
OUTPATIENT: PrescriptionKind
EMERGENCY: PrescriptionKind
INPATIENT: PrescriptionKind
CHRONIC: PrescriptionKind
SEX_UNSPECIFIED: Sex
MALE: Sex
FEMALE: Sex
ANTIBIOTIC_TIER_NONE: AntibioticTier
UNRESTRICTED: AntibioticTier
RESTRICTED: AntibioticTier
SPECIAL: AntibioticTier
HEPATIC_UNKNOWN: HepaticImpairment
HEPATIC_NONE: HepaticImpairment
HEPATIC_MILD: HepaticImpairment
HEPATIC_MODERATE: HepaticImpairment
HEPATIC_SEVERE: HepaticImpairment
SKIN_TEST_NOT_RECORDED: SkinTestResult
SKIN_TEST_NEGATIVE: SkinTestResult
SKIN_TEST_POSITIVE: SkinTestResult
SKIN_TEST_EXEMPT: SkinTestResult
SEVERITY_UNSPECIFIED: Severity
MINOR: Severity
MODERATE: Severity
MAJOR: Severity
CONTRAINDICATED: Severity
CATEGORY_UNSPECIFIED: Category
INTERACTION: Category
PREGNANCY: Category
LACTATION: Category
PEDIATRIC: Category
ELDERLY: Category
ALLERGY: Category
DISEASE: Category
DUPLICATE: Category
DOSE: Category
ROUTE: Category
QUANTITY: Category
PRESCRIBER: Category
COMPATIBILITY: Category
SKIN_TEST: Category
INDICATION: Category
FORMAT: Category
UNRECOGNISED: Category
DECISION_STATE_UNSPECIFIED: DecisionState
FINAL_BY_SYSTEM: DecisionState
PENDING: DecisionState
CLAIMED: DecisionState
APPROVED: DecisionState
REJECTED: DecisionState
DOUBLE_SIGNED: DecisionState
RELEASED_UNREVIEWED: DecisionState
TIMEOUT_BLOCKED: DecisionState
ESCALATED: DecisionState
SUPERSEDED: DecisionState

class ReviewRequest(_message.Message):
    __slots__ = ("unit_id", "unit_level", "prescription_id", "version", "kind", "department", "prescriber", "patient", "items", "prescribed_at")
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_LEVEL_FIELD_NUMBER: _ClassVar[int]
    PRESCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DEPARTMENT_FIELD_NUMBER: _ClassVar[int]
    PRESCRIBER_FIELD_NUMBER: _ClassVar[int]
    PATIENT_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    PRESCRIBED_AT_FIELD_NUMBER: _ClassVar[int]
    unit_id: str
    unit_level: UnitLevel
    prescription_id: str
    version: int
    kind: PrescriptionKind
    department: str
    prescriber: Prescriber
    patient: Patient
    items: _containers.RepeatedCompositeFieldContainer[Item]
    prescribed_at: str
    def __init__(self, unit_id: _Optional[str] = ..., unit_level: _Optional[_Union[UnitLevel, str]] = ..., prescription_id: _Optional[str] = ..., version: _Optional[int] = ..., kind: _Optional[_Union[PrescriptionKind, str]] = ..., department: _Optional[str] = ..., prescriber: _Optional[_Union[Prescriber, _Mapping]] = ..., patient: _Optional[_Union[Patient, _Mapping]] = ..., items: _Optional[_Iterable[_Union[Item, _Mapping]]] = ..., prescribed_at: _Optional[str] = ...) -> None: ...

class Prescriber(_message.Message):
    __slots__ = ("id", "title", "antibiotic_right", "narcotic_right")
    ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    ANTIBIOTIC_RIGHT_FIELD_NUMBER: _ClassVar[int]
    NARCOTIC_RIGHT_FIELD_NUMBER: _ClassVar[int]
    id: str
    title: str
    antibiotic_right: AntibioticTier
    narcotic_right: bool
    def __init__(self, id: _Optional[str] = ..., title: _Optional[str] = ..., antibiotic_right: _Optional[_Union[AntibioticTier, str]] = ..., narcotic_right: _Optional[bool] = ...) -> None: ...

class Patient(_message.Message):
    __slots__ = ("pseudonymous_id", "birth_date", "age_days", "age_years", "sex", "weight_kg", "height_cm", "pregnant", "gestational_weeks", "lactating", "allergies", "diagnoses", "egfr", "creatinine_clearance", "hepatic", "cancer_pain")
    PSEUDONYMOUS_ID_FIELD_NUMBER: _ClassVar[int]
    BIRTH_DATE_FIELD_NUMBER: _ClassVar[int]
    AGE_DAYS_FIELD_NUMBER: _ClassVar[int]
    AGE_YEARS_FIELD_NUMBER: _ClassVar[int]
    SEX_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_KG_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_CM_FIELD_NUMBER: _ClassVar[int]
    PREGNANT_FIELD_NUMBER: _ClassVar[int]
    GESTATIONAL_WEEKS_FIELD_NUMBER: _ClassVar[int]
    LACTATING_FIELD_NUMBER: _ClassVar[int]
    ALLERGIES_FIELD_NUMBER: _ClassVar[int]
    DIAGNOSES_FIELD_NUMBER: _ClassVar[int]
    EGFR_FIELD_NUMBER: _ClassVar[int]
    CREATININE_CLEARANCE_FIELD_NUMBER: _ClassVar[int]
    HEPATIC_FIELD_NUMBER: _ClassVar[int]
    CANCER_PAIN_FIELD_NUMBER: _ClassVar[int]
    pseudonymous_id: str
    birth_date: str
    age_days: int
    age_years: int
    sex: Sex
    weight_kg: float
    height_cm: float
    pregnant: bool
    gestational_weeks: int
    lactating: bool
    allergies: _containers.RepeatedCompositeFieldContainer[Allergy]
    diagnoses: _containers.RepeatedCompositeFieldContainer[Diagnosis]
    egfr: float
    creatinine_clearance: float
    hepatic: HepaticImpairment
    cancer_pain: bool
    def __init__(self, pseudonymous_id: _Optional[str] = ..., birth_date: _Optional[str] = ..., age_days: _Optional[int] = ..., age_years: _Optional[int] = ..., sex: _Optional[_Union[Sex, str]] = ..., weight_kg: _Optional[float] = ..., height_cm: _Optional[float] = ..., pregnant: _Optional[bool] = ..., gestational_weeks: _Optional[int] = ..., lactating: _Optional[bool] = ..., allergies: _Optional[_Iterable[_Union[Allergy, _Mapping]]] = ..., diagnoses: _Optional[_Iterable[_Union[Diagnosis, _Mapping]]] = ..., egfr: _Optional[float] = ..., creatinine_clearance: _Optional[float] = ..., hepatic: _Optional[_Union[HepaticImpairment, str]] = ..., cancer_pain: _Optional[bool] = ...) -> None: ...

class Allergy(_message.Message):
    __slots__ = ("code", "text")
    CODE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    code: str
    text: str
    def __init__(self, code: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class Diagnosis(_message.Message):
    __slots__ = ("icd10", "text")
    ICD10_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    icd10: str
    text: str
    def __init__(self, icd10: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class Item(_message.Message):
    __slots__ = ("drug_code", "drug_name", "specification", "dose", "dose_unit", "frequency", "route", "days", "quantity", "quantity_unit", "group", "skin_test", "usage_note")
    DRUG_CODE_FIELD_NUMBER: _ClassVar[int]
    DRUG_NAME_FIELD_NUMBER: _ClassVar[int]
    SPECIFICATION_FIELD_NUMBER: _ClassVar[int]
    DOSE_FIELD_NUMBER: _ClassVar[int]
    DOSE_UNIT_FIELD_NUMBER: _ClassVar[int]
    FREQUENCY_FIELD_NUMBER: _ClassVar[int]
    ROUTE_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_UNIT_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    SKIN_TEST_FIELD_NUMBER: _ClassVar[int]
    USAGE_NOTE_FIELD_NUMBER: _ClassVar[int]
    drug_code: str
    drug_name: str
    specification: str
    dose: float
    dose_unit: str
    frequency: str
    route: str
    days: float
    quantity: float
    quantity_unit: str
    group: str
    skin_test: SkinTestResult
    usage_note: str
    def __init__(self, drug_code: _Optional[str] = ..., drug_name: _Optional[str] = ..., specification: _Optional[str] = ..., dose: _Optional[float] = ..., dose_unit: _Optional[str] = ..., frequency: _Optional[str] = ..., route: _Optional[str] = ..., days: _Optional[float] = ..., quantity: _Optional[float] = ..., quantity_unit: _Optional[str] = ..., group: _Optional[str] = ..., skin_test: _Optional[_Union[SkinTestResult, str]] = ..., usage_note: _Optional[str] = ...) -> None: ...

class ReviewResponse(_message.Message):
    __slots__ = ("review_id", "verdict", "findings", "knowledge_base_version", "state", "deadline_unix_ms", "replayed")
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    KNOWLEDGE_BASE_VERSION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    review_id: str
    verdict: Verdict
    findings: _containers.RepeatedCompositeFieldContainer[Finding]
    knowledge_base_version: str
    state: DecisionState
    deadline_unix_ms: int
    replayed: bool
    def __init__(self, review_id: _Optional[str] = ..., verdict: _Optional[_Union[Verdict, str]] = ..., findings: _Optional[_Iterable[_Union[Finding, _Mapping]]] = ..., knowledge_base_version: _Optional[str] = ..., state: _Optional[_Union[DecisionState, str]] = ..., deadline_unix_ms: _Optional[int] = ..., replayed: _Optional[bool] = ...) -> None: ...

class Finding(_message.Message):
    __slots__ = ("rule_id", "category", "severity", "item_indexes", "ingredients", "message", "source")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    ITEM_INDEXES_FIELD_NUMBER: _ClassVar[int]
    INGREDIENTS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    category: Category
    severity: Severity
    item_indexes: _containers.RepeatedScalarFieldContainer[int]
    ingredients: _containers.RepeatedScalarFieldContainer[str]
    message: str
    source: str
    def __init__(self, rule_id: _Optional[str] = ..., category: _Optional[_Union[Category, str]] = ..., severity: _Optional[_Union[Severity, str]] = ..., item_indexes: _Optional[_Iterable[int]] = ..., ingredients: _Optional[_Iterable[str]] = ..., message: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class GetDecisionRequest(_message.Message):
    __slots__ = ("review_id",)
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    review_id: str
    def __init__(self, review_id: _Optional[str] = ...) -> None: ...

class WatchDecisionRequest(_message.Message):
    __slots__ = ("review_id",)
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    review_id: str
    def __init__(self, review_id: _Optional[str] = ...) -> None: ...

class Decision(_message.Message):
    __slots__ = ("review_id", "state", "verdict", "final", "reason_code", "reason", "pharmacist_id", "decided_unix_ms", "deadline_unix_ms", "superseded_by")
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    FINAL_FIELD_NUMBER: _ClassVar[int]
    REASON_CODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    PHARMACIST_ID_FIELD_NUMBER: _ClassVar[int]
    DECIDED_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    SUPERSEDED_BY_FIELD_NUMBER: _ClassVar[int]
    review_id: str
    state: DecisionState
    verdict: Verdict
    final: bool
    reason_code: str
    reason: str
    pharmacist_id: str
    decided_unix_ms: int
    deadline_unix_ms: int
    superseded_by: str
    def __init__(self, review_id: _Optional[str] = ..., state: _Optional[_Union[DecisionState, str]] = ..., verdict: _Optional[_Union[Verdict, str]] = ..., final: _Optional[bool] = ..., reason_code: _Optional[str] = ..., reason: _Optional[str] = ..., pharmacist_id: _Optional[str] = ..., decided_unix_ms: _Optional[int] = ..., deadline_unix_ms: _Optional[int] = ..., superseded_by: _Optional[str] = ...) -> None: ...

class ReviseRequest(_message.Message):
    __slots__ = ("revises_review_id", "prescription")
    REVISES_REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    PRESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    revises_review_id: str
    prescription: ReviewRequest
    def __init__(self, revises_review_id: _Optional[str] = ..., prescription: _Optional[_Union[ReviewRequest, _Mapping]] = ...) -> None: ...

class DoubleSignRequest(_message.Message):
    __slots__ = ("review_id", "prescriber_id", "reason")
    REVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    PRESCRIBER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    review_id: str
    prescriber_id: str
    reason: str
    def __init__(self, review_id: _Optional[str] = ..., prescriber_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...
