"""Concise builders for review requests in tests."""
from __future__ import annotations

from typing import Any

from reviewer.v1 import review_pb2 as pb

_counter = iter(range(1, 10**9))


def item(name: str, dose: float = 1, unit: str = "片", frequency: str = "qd",
         route: str = "口服", days: float = 3, **extra: Any) -> pb.Item:
    return pb.Item(drug_name=name, dose=dose, dose_unit=unit, frequency=frequency,
                   route=route, days=days, **extra)


def request(*items: pb.Item, age_years: int | None = 40, age_days: int | None = None,
            birth_date: str | None = None, sex: int = pb.MALE,
            diagnoses: tuple[str, ...] = ("J06.9",), kind: int = pb.OUTPATIENT,
            tier: int = pb.RESTRICTED, narcotic_right: bool = False,
            unit_level: int = pb.TOWNSHIP_CENTRE, prescription_id: str | None = None,
            allergies: tuple[str, ...] = (), version: int = 1, **patient: Any) -> pb.ReviewRequest:
    """A valid request; keyword arguments set patient fields."""
    p = pb.Patient(pseudonymous_id="p-test", sex=sex,
                   diagnoses=[pb.Diagnosis(icd10=code) for code in diagnoses],
                   allergies=[pb.Allergy(text=text) for text in allergies], **patient)
    if age_days is not None:
        p.age_days = age_days
    elif birth_date is not None:
        p.birth_date = birth_date
    elif age_years is not None:
        p.age_years = age_years
    return pb.ReviewRequest(
        unit_id="unit-1", unit_level=unit_level,
        prescription_id=prescription_id or f"rx-{next(_counter)}", version=version,
        kind=kind, department="内科",
        prescriber=pb.Prescriber(id="doc-1", title="主治医师", antibiotic_right=tier,
                                 narcotic_right=narcotic_right),
        patient=p, items=list(items))
