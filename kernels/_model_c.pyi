"""Type stub for kernels/_model_c.pyx: see the pure classes in kernels/model.py."""
from kernels.model import PyLine as Line, PyPrescription as Prescription

__all__ = ["Line", "Prescription"]
