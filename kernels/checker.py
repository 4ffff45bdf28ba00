"""The checking kernel, compiled when available; ``REVIEWER_PURE_KERNEL=1`` forces the twin.

``IMPLEMENTATION`` says which one loaded ("cython" or "python"), so that tests and the
service's startup log can tell.
"""
from __future__ import annotations

import os

if os.environ.get("REVIEWER_PURE_KERNEL", "") not in ("", "0"):
    from kernels._checker_py import IMPLEMENTATION, Checker
else:
    try:
        from kernels._checker_c import IMPLEMENTATION, Checker  # type: ignore[no-redef]
    except ImportError:  # not built (e.g. running from a source tree): the twin serves
        from kernels._checker_py import IMPLEMENTATION, Checker  # type: ignore[no-redef]

__all__ = ["Checker", "IMPLEMENTATION"]
