"""Text clean-up shared by every resolver: width, case and stray spaces."""
from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
#: Characters NFKC leaves alone but an HIS prints in place of ASCII ones.
_EXTRA = str.maketrans({"（": "(", "）": ")", "【": "[", "】": "]", "×": "*", "＊": "*",
                        "μ": "u", "µ": "u", "ｍ": "m", "：": ":", "，": ",", "．": "."})


def clean(text: str) -> str:
    """Full-width to half-width, drop spaces, keep case (brand names may be Latin)."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text).translate(_EXTRA))


def clean_lower(text: str) -> str:
    """``clean`` and lower-case, for codes such as frequencies and routes."""
    return clean(text).lower()
