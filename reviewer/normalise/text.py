"""Text clean-up shared by every resolver: width, case and stray spaces.

HIS text repeats (units, routes, frequencies, specifications), so results are cached.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

#: Characters NFKC leaves alone but an HIS prints in place of ASCII ones (NFKC already
#: turns full-width brackets, colons, commas and digits into ASCII).
_EXTRA = str.maketrans({"【": "[", "】": "]", "×": "*", "μ": "u", "µ": "u"})
_EXTRA_CHARS = frozenset("【】×μµ")


def normalise_text(text: str) -> str:
    """NFKC where needed, the few extra ASCII stand-ins, no white space (uncached)."""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    if not _EXTRA_CHARS.isdisjoint(text):
        text = text.translate(_EXTRA)
    return "".join(text.split())


@lru_cache(maxsize=65536)
def clean(text: str) -> str:
    """Full-width to half-width, drop spaces, keep case (brand names may be Latin)."""
    return normalise_text(text)


@lru_cache(maxsize=65536)
def clean_lower(text: str) -> str:
    """``clean`` and lower-case, for codes such as frequencies and routes."""
    return normalise_text(text).lower()
