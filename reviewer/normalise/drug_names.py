"""Resolve a drug name as an HIS prints it to ingredients, dosage form and strength.

``盐酸二甲双胍缓释片 0.5g`` -> metformin, extended-release tablet, 500 mg per tablet.
Exact names are a dictionary hit; anything else is scanned with an Aho-Corasick
automaton over every known name, keeping the leftmost-longest matches, so salts
(盐酸...), brands in brackets and unknown prefixes still resolve. A name with no match
resolves to nothing, and the caller reports it: never a silent pass.
"""
from __future__ import annotations

import re
from typing import NamedTuple

import ahocorasick

from knowledge_base.compiler import Lexicon
from reviewer.normalise.quantities import STRENGTH_IN_NAME, Specification, parse_specification
from reviewer.normalise.text import clean_lower, normalise_text

_BRACKETS = re.compile(r"[(\[][^)\]]*[)\]]")
_DIGITS = frozenset("0123456789")


_INJECTION_PREFIX = "注射用"


class ResolvedName(NamedTuple):
    """Ingredients of a printed name, with per-unit strengths where the name gives them."""

    components: tuple[tuple[int, float, str], ...]   # (ingredient, amount, unit)
    control: int                                    # the product's control class, or -1
    form: int                                       # form id, or -1
    release: int                                    # RELEASE_* of the form
    strength_text: str                              # strength printed in the name, or ""

    @property
    def name_strength(self) -> Specification:
        """The strength printed in the name, parsed (only when a caller needs it)."""
        return parse_specification(self.strength_text)


def _new_resolved(fields: tuple) -> "ResolvedName":  # type: ignore[type-arg]
    """Build a ResolvedName without the keyword-parsing cost of its constructor."""
    return tuple.__new__(ResolvedName, fields)


class DrugNameResolver:
    """Printed name -> ingredients; built once per knowledge-base version."""

    def __init__(self, lexicon: Lexicon) -> None:
        self._names = {clean_lower(name): comps for name, comps in lexicon.names.items()}
        self._controls = {clean_lower(name): control
                          for name, control in lexicon.name_controls.items()}
        self._forms = {clean_lower(suffix): entry for suffix, entry in lexicon.forms.items()}
        self._suffix_lengths: dict[str, list[int]] = {}
        for suffix in self._forms:
            self._suffix_lengths.setdefault(suffix[-1], []).append(len(suffix))
        for lengths in self._suffix_lengths.values():
            lengths.sort(reverse=True)
        injection = self._forms.get("注射剂") or self._forms.get("注射液")
        self._injection_form = injection if injection is not None else (-1, 0)
        self._automaton = ahocorasick.Automaton()
        for name, comps in self._names.items():
            self._automaton.add_word(name, (len(name), comps))
        if self._names:
            self._automaton.make_automaton()
        self._cache: dict[str, ResolvedName | None] = {}

    def resolve(self, printed: str) -> ResolvedName | None:
        """Resolve one printed name; None when nothing in it is a known drug."""
        cached = self._cache.get(printed)
        if cached is not None or printed in self._cache:
            return cached
        result = self._resolve(printed)
        if len(self._cache) < 200_000:
            self._cache[printed] = result
        return result

    def _resolve(self, printed: str) -> ResolvedName | None:
        text = normalise_text(printed).lower()   # the resolver caches by printed name
        strength_text = ""
        bare = text
        if not _DIGITS.isdisjoint(text):
            strength_match = STRENGTH_IN_NAME.search(text)
            if strength_match:
                strength_text = strength_match.group(0)
                bare = text[:strength_match.start()] + text[strength_match.end():]
        unbracketed = _BRACKETS.sub("", bare) if ("(" in bare or "[" in bare) else bare
        base, form, release = self._strip_form(unbracketed)
        names = self._names
        for candidate in (base, text, bare, unbracketed):
            components = names.get(candidate)
            if components is not None:
                return _new_resolved((components, self._controls.get(candidate, -1), form,
                                      release, strength_text))
        scanned = self._scan(base) or self._scan(bare)
        if scanned is None:
            return None
        components, names = scanned
        control = self._controls.get(names[0], -1) if len(names) == 1 else -1
        return ResolvedName(components, control, form, release, strength_text)

    def _strip_form(self, text: str) -> tuple[str, int, int]:
        """Remove the dosage-form suffix (and the 注射用 prefix); return its form id."""
        form, release = -1, 0
        if text.startswith(_INJECTION_PREFIX):
            text = text[len(_INJECTION_PREFIX):]
            form, release = self._injection_form
        fallback: tuple[str, int, int] | None = None
        forms, names, size = self._forms, self._names, len(text)
        for length in self._suffix_lengths.get(text[-1:], ()):
            if size > length:
                entry = forms.get(text[-length:])
                if entry is not None:
                    base = text[:-length]
                    if base in names:
                        return base, entry[0], entry[1]
                    if fallback is None:
                        fallback = (base, entry[0], entry[1])
        return fallback if fallback is not None else (text, form, release)

    def _scan(self, text: str) -> tuple[tuple[tuple[int, float, str], ...], list[str]] | None:
        """Leftmost-longest, non-overlapping known names inside ``text``: their
        components and the names matched."""
        if not text or not self._names:
            return None
        matches = []
        for end, (length, comps) in self._automaton.iter(text):
            matches.append((end - length + 1, -length, end, comps))
        if not matches:
            return None
        matches.sort()
        components: list[tuple[int, float, str]] = []
        names: list[str] = []
        seen: set[int] = set()
        covered_until = -1
        for start, negative_length, end, comps in matches:
            if start <= covered_until:
                continue
            covered_until = end
            names.append(text[start:end + 1])
            for component in comps:
                if component[0] not in seen:
                    seen.add(component[0])
                    components.append(component)
        return tuple(components), names
