"""Doses, strengths and specifications in base units (mg, IU, mL, mmol).

An HIS prints a specification such as ``0.5g*20片``, ``10ml:1.5g`` or ``40万U``; a dose
as an amount and a unit that may be a mass, a volume, international units or a count of
dosage units (片, 粒, 支 ...). These helpers turn both into base units.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kernels.model import AMOUNT_MMOL, MASS_MG, UNITS_IU, VOLUME_ML
from reviewer.normalise.text import clean_lower

#: unit text -> (kind, factor to the base unit)
AMOUNT_UNITS: dict[str, tuple[int, float]] = {
    "kg": (MASS_MG, 1e6), "g": (MASS_MG, 1000.0), "克": (MASS_MG, 1000.0),
    "mg": (MASS_MG, 1.0), "毫克": (MASS_MG, 1.0),
    "ug": (MASS_MG, 0.001), "mcg": (MASS_MG, 0.001), "微克": (MASS_MG, 0.001),
    "ng": (MASS_MG, 1e-6),
    "iu": (UNITS_IU, 1.0), "u": (UNITS_IU, 1.0), "单位": (UNITS_IU, 1.0),
    "国际单位": (UNITS_IU, 1.0), "万u": (UNITS_IU, 1e4), "万iu": (UNITS_IU, 1e4),
    "万单位": (UNITS_IU, 1e4), "万国际单位": (UNITS_IU, 1e4),
    "l": (VOLUME_ML, 1000.0), "ml": (VOLUME_ML, 1.0), "毫升": (VOLUME_ML, 1.0),
    "mmol": (AMOUNT_MMOL, 1.0), "毫摩尔": (AMOUNT_MMOL, 1.0),
}
#: Counted dosage units: a dose of 2 片 is two tablets of the product's strength.
COUNT_UNITS = frozenset({
    "片", "粒", "丸", "袋", "包", "支", "瓶", "枚", "贴", "揿", "喷", "吸", "粒", "颗",
    "张", "枚", "剂", "次", "泡", "板", "小袋", "安瓿", "管", "滴", "掀", "个",
})
#: Packaging units of a total quantity (a box holds ``pack_count`` dosage units).
PACK_UNITS = frozenset({"盒", "箱", "板", "排"})

_NUMBER = r"(\d+(?:\.\d+)?)"
_UNIT_ALT = "|".join(sorted((re.escape(u) for u in AMOUNT_UNITS), key=len, reverse=True))
_AMOUNT = re.compile(_NUMBER + r"(" + _UNIT_ALT + r")")
_PERCENT = re.compile(_NUMBER + r"%")
_PACK = re.compile(r"[*x]" + _NUMBER + r"([^\d/*x]{1,3})?")
#: Strength tokens inside a printed drug name, removed before the name is looked up.
STRENGTH_IN_NAME = re.compile(
    r"\d+(?:\.\d+)?(?:" + _UNIT_ALT + r"|%)(?:[:/]\d+(?:\.\d+)?(?:" + _UNIT_ALT
    + r"|%)?)*(?:[*x]\d+[^\d()\[\]]{0,2})?")


@dataclass(frozen=True)
class Specification:
    """What one dosage unit holds, and how many units a package holds."""

    amount: float = -1.0          # active amount per dosage unit, base units
    amount_kind: int = -1         # kind of ``amount`` (MASS_MG, UNITS_IU ...)
    volume_ml: float = -1.0       # volume of one dosage unit (a vial, an infusion bag)
    pack_count: float = -1.0      # dosage units per package

    @property
    def concentration(self) -> float:
        """Active amount per mL, or -1 when unknown."""
        if self.amount > 0 and self.volume_ml > 0 and self.amount_kind != VOLUME_ML:
            return self.amount / self.volume_ml
        return -1.0


def parse_amount(value: float, unit: str) -> tuple[float, int]:
    """A dose ``value`` in ``unit`` as (base amount, kind); kind -1 if unknown."""
    entry = AMOUNT_UNITS.get(clean_lower(unit))
    if entry is None:
        return -1.0, -1
    kind, factor = entry
    return value * factor, kind


@lru_cache(maxsize=65536)
def parse_specification(text: str) -> Specification:
    """Parse ``0.5g*20片``, ``10ml:1.5g``, ``250ml:0.9%``, ``40万U*10支``."""
    spec = clean_lower(text)
    if not spec:
        return Specification()
    amount, amount_kind, volume = -1.0, -1, -1.0
    for match in _AMOUNT.finditer(spec):
        value, kind = parse_amount(float(match.group(1)), match.group(2))
        if kind == VOLUME_ML:
            if volume < 0:
                volume = value
        elif amount < 0:
            amount, amount_kind = value, kind
    if amount < 0 and volume > 0:
        percent = _PERCENT.search(spec)
        if percent:  # w/v: 0.9% is 9 mg per mL
            amount, amount_kind = float(percent.group(1)) * 10.0 * volume, MASS_MG
    pack = -1.0
    pack_match = _PACK.search(spec)
    if pack_match:
        pack = float(pack_match.group(1))
    return Specification(amount, amount_kind, volume, pack)


def is_count_unit(unit: str) -> bool:
    return clean_lower(unit) in COUNT_UNITS
