"""Check a ``ReviewRequest`` before anything else touches it.

Every problem is a domain error naming the field as a path (``items[2].dose``) so an
HIS vendor can find it; the servicer turns it into ``INVALID_ARGUMENT``.
"""
from __future__ import annotations

import datetime as dt
import math

from reviewer.errors import Errors
from reviewer.normalise.prescription import VAGUE_MARKERS
from reviewer.v1 import review_pb2 as pb

MAX_ITEMS = 60
#: Prescribing dates are local: UTC+8 unless the timestamp says otherwise.
CHINA_STANDARD_TIME = dt.timezone(dt.timedelta(hours=8))
MAX_ID_LENGTH = 64


def _required_id(value: str, field: str) -> None:
    if not value.strip():
        raise Errors.E102.error(field=field)
    if len(value) > MAX_ID_LENGTH:
        raise Errors.E101.error(field=field, problem=f"longer than {MAX_ID_LENGTH} characters")


def _finite(value: float, field: str) -> None:
    if math.isnan(value) or math.isinf(value):
        raise Errors.E101.error(field=field, problem="must be a finite number")


def _range(value: float, field: str, low: float, high: float, unit: str) -> None:
    _finite(value, field)
    if not low <= value <= high:
        raise Errors.E101.error(field=field, problem=f"must be between {low:g} and {high:g} {unit}")


def parse_timestamp(value: str, field: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Errors.E103.error(field=field, value=value, what="RFC 3339 timestamp") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CHINA_STANDARD_TIME)
    return parsed


def validate_request(request: pb.ReviewRequest, now: dt.datetime) -> dt.date:
    """Raise a domain error for the first bad field; return the prescribing date."""
    _required_id(request.unit_id, "unit_id")
    if request.unit_level == pb.UNIT_LEVEL_UNSPECIFIED:
        raise Errors.E102.error(field="unit_level")
    _required_id(request.prescription_id, "prescription_id")
    if request.kind == pb.PRESCRIPTION_KIND_UNSPECIFIED:
        raise Errors.E102.error(field="kind")
    if not request.HasField("prescriber"):
        raise Errors.E102.error(field="prescriber")
    _required_id(request.prescriber.id, "prescriber.id")
    prescribed_at = now
    if request.prescribed_at:
        prescribed_at = parse_timestamp(request.prescribed_at, "prescribed_at")
    today = prescribed_at.astimezone(CHINA_STANDARD_TIME).date()
    _validate_patient(request, today)
    if not request.items:
        raise Errors.E101.error(field="items", problem="at least one item is required")
    if len(request.items) > MAX_ITEMS:
        raise Errors.E101.error(field="items", problem=f"at most {MAX_ITEMS} items")
    for index, item in enumerate(request.items):
        _validate_item(item, f"items[{index}]")
    return today


def _validate_patient(request: pb.ReviewRequest, today: dt.date) -> None:
    if not request.HasField("patient"):
        raise Errors.E102.error(field="patient")
    patient = request.patient
    _required_id(patient.pseudonymous_id, "patient.pseudonymous_id")
    which = patient.WhichOneof("age")
    if which is None:
        raise Errors.E101.error(field="patient.age",
                                problem="give birth_date, age_days or age_years")
    if which == "birth_date":
        try:
            born = dt.date.fromisoformat(patient.birth_date)
        except ValueError:
            raise Errors.E103.error(field="patient.birth_date", value=patient.birth_date,
                                    what="date (YYYY-MM-DD)") from None
        if born > today:
            raise Errors.E101.error(field="patient.birth_date", problem="is after the prescribing date")
        if (today - born).days > 130 * 366:
            raise Errors.E101.error(field="patient.birth_date", problem="is more than 130 years ago")
    elif which == "age_days" and patient.age_days > 130 * 366:
        raise Errors.E101.error(field="patient.age_days", problem="must be at most 47580 days")
    elif which == "age_years" and patient.age_years > 130:
        raise Errors.E101.error(field="patient.age_years", problem="must be at most 130")
    if patient.HasField("weight_kg"):
        _range(patient.weight_kg, "patient.weight_kg", 0.3, 400, "kg")
    if patient.HasField("height_cm"):
        _range(patient.height_cm, "patient.height_cm", 20, 260, "cm")
    if patient.HasField("gestational_weeks"):
        if not patient.pregnant:
            raise Errors.E101.error(field="patient.gestational_weeks",
                                    problem="given but patient.pregnant is false")
        if patient.gestational_weeks > 45:
            raise Errors.E101.error(field="patient.gestational_weeks", problem="must be at most 45")
    if patient.pregnant and patient.sex == pb.MALE:
        raise Errors.E101.error(field="patient.pregnant", problem="set for a male patient")
    if patient.HasField("egfr"):
        _range(patient.egfr, "patient.egfr", 0, 250, "mL/min/1.73m²")
    if patient.HasField("creatinine_clearance"):
        _range(patient.creatinine_clearance, "patient.creatinine_clearance", 0, 250, "mL/min")
    for index, diagnosis in enumerate(patient.diagnoses):
        if not diagnosis.icd10 and not diagnosis.text:
            raise Errors.E101.error(field=f"patient.diagnoses[{index}]",
                                    problem="give icd10 or text")


def _validate_item(item: pb.Item, path: str) -> None:
    if not item.drug_name.strip() and not item.drug_code.strip():
        raise Errors.E102.error(field=f"{path}.drug_name")
    _finite(item.dose, f"{path}.dose")
    vague = any(m in item.usage_note or m in item.frequency for m in VAGUE_MARKERS)
    if item.dose < 0 or (item.dose == 0 and not vague):
        raise Errors.E101.error(field=f"{path}.dose", problem="must be > 0")
    if item.dose > 0 and not item.dose_unit.strip():
        raise Errors.E102.error(field=f"{path}.dose_unit")
    for name in ("days", "quantity"):
        value = getattr(item, name)
        _finite(value, f"{path}.{name}")
        if value < 0:
            raise Errors.E101.error(field=f"{path}.{name}", problem="must be >= 0")
    if item.days > 366:
        raise Errors.E101.error(field=f"{path}.days", problem="must be at most 366")
