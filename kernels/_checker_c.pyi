"""Type stub for the compiled kernel (kernels/_checker_c.pyx)."""
from kernels.model import Prescription, RawFinding, Tables

IMPLEMENTATION: str

class Checker:
    tables: Tables
    def __init__(self, tables: Tables) -> None: ...
    def check(self, rx: Prescription) -> list[RawFinding]: ...
