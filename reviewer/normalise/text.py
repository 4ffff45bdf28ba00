"""Text clean-up shared by every resolver: width, case and stray spaces.

HIS text repeats (units, routes, frequencies, specifications), so results are cached.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

#: Characters NFKC leaves alone but an HIS prints in place of ASCII ones.
_EXTRA = str.maketrans({"（": "(", "）": ")", "【": "[", "】": "]", "×": "*", "＊": "*",
                        "μ": "u", "µ": "u", "ｍ": "m", "：": ":", "，": ",", "．": "."})


@lru_cache(maxsize=65536)
def clean(text: str) -> str:
    """Full-width to half-width, drop spaces, keep case (brand names may be Latin)."""
    return "".join(unicodedata.normalize("NFKC", text).translate(_EXTRA).split())


@lru_cache(maxsize=65536)
def clean_lower(text: str) -> str:
    """``clean`` and lower-case, for codes such as frequencies and routes."""
    return "".join(unicodedata.normalize("NFKC", text).translate(_EXTRA).split()).lower()
