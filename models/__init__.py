"""Golden model of the RISC-V IOMMU specification (plain Python, cache-free).

Public API (stable; docs/design.md): Memory, IommuModel, Request, Outcome, TTYP,
Reg, Cause.
"""
from .causes import Cause, TTYP
from .memory import AccessFault, Memory, PoisonedData
from .registers import Reg
from .transaction import Outcome, Request
from .iommu import IommuModel

__all__ = ["Memory", "IommuModel", "Request", "Outcome", "TTYP", "Reg", "Cause",
           "AccessFault", "PoisonedData"]
