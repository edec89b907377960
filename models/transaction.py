"""An inbound device transaction and the IOMMU's answer to it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


@dataclass(frozen=True)
class Request:
    did: int
    iova: int
    ttyp: int
    pid: Optional[int] = None     # None: the transaction carries no process_id
    priv_s: bool = False          # supervisor privilege requested (only meaningful with a pid)

    def __post_init__(self) -> None:
        if not 0 <= self.did < 1 << 24:
            raise ValueError(f"Request.did {self.did:#x} does not fit 24 bits")
        if not 0 <= self.iova < 1 << 64:
            raise ValueError(f"Request.iova {self.iova:#x} does not fit 64 bits")
        if not 0 <= int(self.ttyp) < 64:
            raise ValueError(f"Request.ttyp {self.ttyp} does not fit 6 bits")
        if self.pid is not None and not 0 <= self.pid < 1 << 20:
            raise ValueError(f"Request.pid {self.pid:#x} does not fit 20 bits")


@dataclass(frozen=True)
class Outcome:
    """pa is None on a fault; cause is None on success. Equality uses (pa, cause, pbmt, mrif).
    pbmt: the memory type of a successful translation (Svpbmt: 0 PMA, 1 NC, 2 IO); always 0
    on a fault and without Svpbmt. Placed last so positional constructions keep working.
    mrif: for an access to a page whose MSI PTE is in MRIF mode (capabilities.MSI_MRIF), the
    PTE's MrifTarget (models/msi_mrif.py); pa is then None: the IOMMU handles the access
    itself (IommuModel.msi_write) instead of passing it to memory. None otherwise."""
    pa: Optional[int]
    cause: Optional[int]
    iotval2: int = field(default=0, compare=False)
    gpa: Optional[int] = field(default=None, compare=False)
    pbmt: int = 0
    # QOSID: the QoS IDs the IOMMU gives the IO bridge with a successful translation (DC.ta's
    # RCID/MCID, or iommu_qosid's in Bare mode); 0 without QOSID and on faults. Not compared:
    # they are not part of the address translation an oracle judges.
    rcid: int = field(default=0, compare=False)
    mcid: int = field(default=0, compare=False)
    mrif: Optional[object] = None

    # The fields' values straight into __dict__: a frozen dataclass's generated __init__ sets
    # each through object.__setattr__ (2-3 us an Outcome; the checker makes one or two per
    # response). The parameters are the fields, in order (tests/unit/test_request.py checks).
    def __init__(self, pa, cause, iotval2=0, gpa=None, pbmt=0, rcid=0, mcid=0, mrif=None):
        d = self.__dict__
        d["pa"] = pa
        d["cause"] = cause
        d["iotval2"] = iotval2
        d["gpa"] = gpa
        d["pbmt"] = pbmt
        d["rcid"] = rcid
        d["mcid"] = mcid
        d["mrif"] = mrif

    @property
    def ok(self) -> bool:
        return self.cause is None

    def __str__(self) -> str:
        if self.cause is not None:
            return f"fault:{int(self.cause)}"
        if self.mrif is not None:
            return str(self.mrif)
        return f"pa:{self.pa:#x}" + (f"/{PBMT_NAMES.get(self.pbmt, self.pbmt)}" if self.pbmt else "")


PBMT_NAMES = {0: "PMA", 1: "NC", 2: "IO", 3: "reserved(3)"}
