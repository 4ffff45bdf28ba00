"""Column grammar of every knowledge-base file: what each cell may hold.

Each parser takes the raw cell text and returns the parsed value or raises
``ValueError`` with a message a pharmacist can act on; the loader adds the file and
line. Cross-file checks (does this ingredient id exist?) live in ``validator``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

SEVERITIES = ("contraindicated", "major", "moderate", "minor")
ROUTES = (
    "oral", "sublingual", "iv_drip", "iv_push", "im", "sc", "intradermal",
    "inhalation", "nebulised", "topical", "ophthalmic", "otic", "nasal", "rectal",
    "vaginal", "intrathecal", "other",
)
ROUTE_GROUPS: dict[str, tuple[str, ...]] = {
    "any": ROUTES,
    "systemic": ("oral", "sublingual", "iv_drip", "iv_push", "im", "sc", "rectal"),
    "iv": ("iv_drip", "iv_push"),
    "parenteral": ("iv_drip", "iv_push", "im", "sc"),
    "local": ("topical", "ophthalmic", "otic", "nasal", "vaginal", "inhalation",
              "nebulised"),
}
ANTIBIOTIC_TIERS = ("unrestricted", "restricted", "special")
CONTROL_CLASSES = ("narcotic", "psychotropic_1", "psychotropic_2", "toxic", "radioactive")
HEPATIC_GRADES = ("mild", "moderate", "severe")
DOSE_UNITS = ("g", "mg", "ug", "IU", "mL", "mmol")
DOSE_BASES = ("single", "daily", "single_per_kg", "daily_per_kg", "single_per_m2",
              "daily_per_m2")
SOURCE_KINDS = ("label", "guideline", "regulation", "formulary", "reference", "notice")
NAME_KINDS = ("generic", "salt", "brand", "combination", "alias", "english")
PRESCRIPTION_KINDS = ("outpatient", "emergency", "chronic", "inpatient", "any")

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_AGE = re.compile(r"^(\d+(?:\.\d+)?)([dmy])$")
_STRENGTH = re.compile(r"^(\d+(?:\.\d+)?)(g|mg|ug|μg|IU|mL|mmol)$")
_CONDITION_LAB = re.compile(r"^(egfr|crcl)<(\d+(?:\.\d+)?)$")
_CONDITION_HEPATIC = re.compile(r"^hepatic>=(mild|moderate|severe)$")
_ICD_PREFIX = re.compile(r"^[A-Z][0-9A-Z.]{0,6}$")


def text(cell: str) -> str:
    """Any non-empty text."""
    if not cell:
        raise ValueError("must not be empty")
    return cell


def optional_text(cell: str) -> str:
    return cell


def identifier(cell: str) -> str:
    if not _ID.match(cell):
        raise ValueError(f"{cell!r} is not a lower-case id (a-z, 0-9, _)")
    return cell


def subject(cell: str) -> str:
    """An ingredient id or ``class:<id>``."""
    if cell.startswith("class:"):
        identifier(cell[6:])
        return cell
    return identifier(cell)


def id_list(cell: str) -> tuple[str, ...]:
    if not cell:
        return ()
    return tuple(identifier(part.strip()) for part in cell.split(";"))


def enum(*allowed: str, optional: bool = False) -> Callable[[str], str]:
    def parse(cell: str) -> str:
        if optional and not cell:
            return ""
        if cell not in allowed:
            raise ValueError(f"{cell!r} is not one of {', '.join(allowed)}")
        return cell
    return parse


def yes_no(cell: str) -> bool:
    if cell not in ("yes", "no"):
        raise ValueError(f"{cell!r} must be yes or no")
    return cell == "yes"


def route_or_group(cell: str) -> str:
    if cell in ROUTES or cell in ROUTE_GROUPS:
        return cell
    raise ValueError(f"{cell!r} is not a route id or route group")


def optional_route(cell: str) -> str:
    return route_or_group(cell) if cell else ""


def route_list(cell: str) -> tuple[str, ...]:
    routes = tuple(part.strip() for part in cell.split(";") if part.strip())
    if not routes:
        raise ValueError("must name at least one route")
    for route in routes:
        if route not in ROUTES:
            raise ValueError(f"{route!r} is not a route id")
    return routes


def number(cell: str) -> float | None:
    """A non-negative number, or None when empty."""
    if not cell:
        return None
    try:
        value = float(cell)
    except ValueError:
        raise ValueError(f"{cell!r} is not a number") from None
    if value < 0 or value != value:
        raise ValueError(f"{cell!r} must be zero or more")
    return value


def required_number(cell: str) -> float:
    value = number(cell)
    if value is None:
        raise ValueError("must not be empty")
    return value


def week(cell: str) -> int:
    value = required_number(cell)
    if value > 45 or value != int(value):
        raise ValueError(f"{cell!r} is not a gestational week from 0 to 45")
    return int(value)


def age_days(cell: str) -> int:
    """``28d``, ``6m`` or ``8y`` as a number of days (months of 30.4375 days)."""
    match = _AGE.match(cell)
    if not match:
        raise ValueError(f"{cell!r} is not an age such as 28d, 6m or 18y")
    amount, unit = float(match.group(1)), match.group(2)
    days = amount * {"d": 1.0, "m": 30.4375, "y": 365.25}[unit]
    if days > 150 * 365.25:
        raise ValueError(f"{cell!r} is beyond a human age")
    return int(round(days))


def condition(cell: str) -> tuple[str, Any]:
    """``icd:K25;K26`` | ``not icd:I20;I25`` | ``egfr<30`` | ``crcl<30`` |
    ``hepatic>=moderate``."""
    if cell.startswith("not icd:"):
        return ("not_icd", icd_prefixes(cell[8:]))
    if cell.startswith("icd:"):
        return ("icd", icd_prefixes(cell[4:]))
    lab = _CONDITION_LAB.match(cell)
    if lab:
        return (lab.group(1), float(lab.group(2)))
    hepatic = _CONDITION_HEPATIC.match(cell)
    if hepatic:
        return ("hepatic", HEPATIC_GRADES.index(hepatic.group(1)) + 1)
    raise ValueError(f"{cell!r} is not a condition "
                     "(icd:..., not icd:..., egfr<N, crcl<N, hepatic>=grade)")


def optional_condition(cell: str) -> tuple[str, Any] | None:
    return condition(cell) if cell else None


def renal_condition(cell: str) -> tuple[str, float] | None:
    if not cell:
        return None
    parsed = condition(cell)
    if parsed[0] not in ("egfr", "crcl"):
        raise ValueError(f"{cell!r}: a dose condition must be egfr<N or crcl<N")
    return parsed  # type: ignore[return-value]


def icd_prefixes(cell: str) -> tuple[str, ...]:
    prefixes = tuple(part.strip().upper() for part in cell.split(";") if part.strip())
    if not prefixes:
        raise ValueError("must name at least one ICD-10 prefix")
    for prefix in prefixes:
        if not _ICD_PREFIX.match(prefix):
            raise ValueError(f"{prefix!r} is not an ICD-10 code prefix")
    return prefixes


def optional_icd_prefixes(cell: str) -> tuple[str, ...]:
    return icd_prefixes(cell) if cell else ()


def components(cell: str) -> tuple[tuple[str, float | None, str], ...]:
    """``id`` or ``id:400mg`` items, ``;``-separated: (id, amount, unit)."""
    parts = [part.strip() for part in cell.split(";") if part.strip()]
    if not parts:
        raise ValueError("must name at least one ingredient")
    parsed = []
    for part in parts:
        name, _, strength = part.partition(":")
        identifier(name)
        if strength:
            match = _STRENGTH.match(strength)
            if not match:
                raise ValueError(f"{strength!r} is not a strength such as 400mg")
            unit = "ug" if match.group(2) == "μg" else match.group(2)
            parsed.append((name, float(match.group(1)), unit))
        else:
            parsed.append((name, None, ""))
    return tuple(parsed)


def source_refs(cell: str) -> tuple[tuple[str, str], ...]:
    """``id`` or ``id#locator`` items, ``;``-separated: (source id, locator)."""
    refs = []
    for part in cell.split(";"):
        part = part.strip()
        if not part:
            continue
        source_id, _, locator = part.partition("#")
        identifier(source_id.strip())
        refs.append((source_id.strip(), locator.strip()))
    if not refs:
        raise ValueError("every fact needs a source")
    return tuple(refs)


@dataclass(frozen=True)
class FileSpec:
    """One knowledge-base file: its columns, their parsers and its unique key."""

    name: str
    columns: dict[str, Callable[[str], Any]]
    key: tuple[str, ...]
    #: Columns a file may leave out; a missing one reads as an empty cell.
    optional: frozenset[str] = frozenset()


SEVERITY = enum(*SEVERITIES)

FILES: dict[str, FileSpec] = {spec.name: spec for spec in (
    FileSpec("sources.csv", {"id": identifier, "title": text, "year": optional_text,
                             "kind": enum(*SOURCE_KINDS)}, ("id",)),
    FileSpec("classes.csv", {"id": identifier, "name_zh": text, "duplicate": yes_no,
                             "source": source_refs}, ("id",)),
    FileSpec("ingredients.csv", {
        "id": identifier, "name_zh": text, "atc": optional_text, "classes": id_list,
        "antibiotic_tier": enum(*ANTIBIOTIC_TIERS, optional=True),
        "control": enum(*CONTROL_CLASSES, optional=True), "source": source_refs,
    }, ("id",)),
    FileSpec("names.csv", {"name": text, "ingredients": components,
                           "kind": enum(*NAME_KINDS),
                           "control": enum("none", *CONTROL_CLASSES, optional=True),
                           "source": source_refs}, ("name",), frozenset({"control"})),
    FileSpec("forms.csv", {"suffix": text, "form": identifier, "routes": route_list,
                           "release": enum("immediate", "controlled"),
                           "source": source_refs}, ("suffix",)),
    FileSpec("route_names.csv", {"text": text, "route": enum(*ROUTES),
                                 "source": source_refs}, ("text",)),
    FileSpec("frequencies.csv", {"code": text, "per_day": required_number,
                                 "per_week": required_number, "prn": yes_no,
                                 "source": source_refs}, ("code",)),
    FileSpec("interactions.csv", {
        "a": subject, "b": subject, "severity": SEVERITY, "route_a": optional_route,
        "route_b": optional_route, "mechanism": text, "management": text,
        "source": source_refs,
    }, ("a", "b", "route_a", "route_b")),
    FileSpec("pregnancy.csv", {"subject": subject, "week_from": week, "week_to": week,
                               "severity": SEVERITY, "route": optional_route,
                               "message": text, "source": source_refs},
             ("subject", "week_from", "week_to", "route"), frozenset({"route"})),
    FileSpec("lactation.csv", {"subject": subject, "severity": SEVERITY,
                               "route": optional_route, "message": text,
                               "source": source_refs}, ("subject", "route"),
             frozenset({"route"})),
    FileSpec("pediatric.csv", {"subject": subject, "below_age": age_days,
                               "route": optional_route, "severity": SEVERITY,
                               "message": text, "source": source_refs},
             ("subject", "below_age", "route")),
    FileSpec("elderly.csv", {"subject": subject, "severity": SEVERITY,
                             "condition": optional_condition, "route": optional_route,
                             "message": text, "source": source_refs},
             ("subject", "condition", "route"), frozenset({"route"})),
    FileSpec("diseases.csv", {"subject": subject, "condition": condition,
                              "severity": SEVERITY, "route": optional_route,
                              "message": text, "source": source_refs},
             ("subject", "condition", "route"), frozenset({"route"})),
    FileSpec("doses.csv", {
        "subject": identifier, "route": route_or_group,
        "population": enum("adult", "child"), "basis": enum(*DOSE_BASES),
        "min": number, "max": number, "unit": enum(*DOSE_UNITS),
        "condition": renal_condition, "source": source_refs,
    }, ("subject", "route", "population", "basis", "condition")),
    FileSpec("frequency_rules.csv", {
        "subject": identifier, "route": route_or_group, "max_per_week": required_number,
        "except_icd": optional_icd_prefixes, "severity": SEVERITY, "message": text,
        "source": source_refs,
    }, ("subject", "route")),
    FileSpec("route_rules.csv", {"subject": subject, "rule": enum("forbid", "only"),
                                 "route": route_or_group, "severity": SEVERITY,
                                 "message": text, "source": source_refs},
             ("subject", "rule", "route")),
    FileSpec("prescription_limits.csv", {
        "scope": enum("all", *CONTROL_CLASSES), "kind": enum(*PRESCRIPTION_KINDS),
        "form_release": enum("injection", "controlled", "other", "any"),
        "cancer_pain": enum("yes", "no", "any"), "max_days": number,
        "max_doses": number, "source": source_refs,
    }, ("scope", "kind", "form_release", "cancer_pain")),
    FileSpec("allergens.csv", {"term": text, "target": subject, "source": source_refs},
             ("term", "target")),
    FileSpec("cross_sensitivity.csv", {
        "allergy_class": identifier, "drug_class": identifier, "severity": SEVERITY,
        "message": text, "source": source_refs,
    }, ("allergy_class", "drug_class")),
    FileSpec("compatibility.csv", {"a": subject, "b": subject, "severity": SEVERITY,
                                   "message": text, "source": source_refs}, ("a", "b")),
    FileSpec("solvents.csv", {"subject": identifier, "allowed": id_list,
                              "max_concentration": number, "unit": enum(*DOSE_UNITS),
                              "source": source_refs}, ("subject",)),
    FileSpec("skin_tests.csv", {"subject": subject, "route": optional_route,
                                "message": text, "source": source_refs},
             ("subject", "route")),
    FileSpec("indications.csv", {"subject": subject, "icd_prefixes": icd_prefixes,
                                 "severity": SEVERITY, "source": source_refs},
             ("subject",)),
)}
