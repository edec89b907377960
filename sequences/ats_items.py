"""PCIe ATS on the device port: the request a device sends to translate a page (an ATS
Translation Request) and what the port returns for it (docs/dut-interface.md, "ATS").

- AtsTranslationRequest: a Request of ttyp 8 (PCIE_ATS) that also carries PCIe's No Write and
  Execute Requested bits; the port drives them on its optional ATS inputs (port.ats_req).
- AtsObserved: what the device received: those two bits (the scoreboard needs them to know
  what was asked) and the completion decoded from the port's optional ATS outputs
  (port.ats_rsp): status, attributes {S, G, N, Priv, U, Exe, W, R} and the Translated Address
  field on dev_rsp_pa (PCIe's S encoding of the range's size).
Plain Python: no simulator import.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from models import Request, TTYP
from models.ats import CA, SC, UR, AtsCompletion, AtsRequest, decode_range

# PCIe Completion Status codes (dev_rsp_ats_cpl)
CPL_SC, CPL_UR, CPL_CA = 0, 1, 4
CPL_NAMES = {CPL_SC: SC, CPL_UR: UR, CPL_CA: CA}
# dev_rsp_ats_attr bits
A_R, A_W, A_X, A_U, A_PRIV, A_N, A_G, A_S = (1 << i for i in range(8))


@dataclass(frozen=True)
class AtsTranslationRequest(Request):
    """An ATS Translation Request for the page of `iova` (ttyp is PCIE_ATS)."""
    no_write: bool = False          # NW: read-only access is enough
    exec_req: bool = False          # Execute Requested (only with a PASID)

    def ats_request(self) -> AtsRequest:
        return AtsRequest(self.did, self.iova, pid=self.pid, priv_s=self.priv_s,
                          exec_req=self.exec_req, no_write=self.no_write)


def ats_request(did: int, iova: int, *, pid: Optional[int] = None, priv_s: bool = False,
                no_write: bool = False, exec_req: bool = False) -> AtsTranslationRequest:
    if pid is None and (priv_s or exec_req):
        raise ValueError("ats_request: priv_s and exec_req travel with a PASID; give pid")
    return AtsTranslationRequest(did=did, iova=iova, ttyp=TTYP.PCIE_ATS, pid=pid, priv_s=priv_s,
                                 no_write=no_write, exec_req=exec_req)


@dataclass(frozen=True)
class AtsObserved:
    """An ATS translation request's answer as the device saw it."""
    no_write: bool
    exec_req: bool
    completion: AtsCompletion


def decode_completion(cpl: int, attr: int, addr_field: int, fault: bool,
                      cause: Optional[int]) -> AtsCompletion:
    """The AtsCompletion the port's outputs encode. UR/CA come with fault=1 and the cause;
    a Success with R=W=0 has no translation (its address is UNSPECIFIED)."""
    status = CPL_NAMES.get(cpl)
    if status is None:                   # kept for the scoreboard to report
        return AtsCompletion(f"status {cpl} (none of SC 0, UR 1, CA 4)", cause=cause)
    if status != SC:
        return AtsCompletion(status, cause=cause)
    r, w = bool(attr & A_R), bool(attr & A_W)
    flags = dict(r=r, w=w, x=bool(attr & A_X), u=bool(attr & A_U), priv=bool(attr & A_PRIV),
                 n=bool(attr & A_N), g=bool(attr & A_G))
    if not (r or w):
        return AtsCompletion(SC, **flags)
    base, size_log2 = decode_range(addr_field, bool(attr & A_S))
    return AtsCompletion(SC, addr=base, size_log2=size_log2, **flags)
