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
from models.page_request import PageRequest

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


@dataclass(frozen=True)
class PageRequestMessage(Request):
    """A PCIe Page Request (PRI) on the device port: ttyp 9 (PCIE_MSG), `iova` the message's
    payload (R [0], W [1], L [2], PRG index [11:3], page address [63:12]); Execute Requested
    travels on the ATS input <ats_req>_exe, Privilege Mode Requested on dev_req_priv."""
    exec_req: bool = False

    def page_request(self) -> PageRequest:
        return page_request_of(self.did, self.iova, self.pid, bool(self.priv_s), self.exec_req)


def page_request_of(did: int, payload: int, pid, priv: bool, exec_req: bool) -> PageRequest:
    """The models.page_request.PageRequest a port's ttyp-9 request carries."""
    return PageRequest(did=did, page_addr=payload & ~0xFFF, prgi=(payload >> 3) & 0x1FF,
                       r=bool(payload & 1), w=bool(payload >> 1 & 1), last=bool(payload >> 2 & 1),
                       pid=pid, priv=priv and pid is not None,
                       exec_req=exec_req and pid is not None)


def page_request_msg(did: int, page_addr: int, prgi: int = 0, *, r: bool = True,
                     w: bool = False, last: bool = True, pid: Optional[int] = None,
                     priv: bool = False, exec_req: bool = False) -> PageRequestMessage:
    msg = PageRequest(did, page_addr, prgi, r, w, last, pid, priv, exec_req)   # checks fields
    return PageRequestMessage(did=did, iova=msg.payload, ttyp=TTYP.PCIE_MSG, pid=pid,
                              priv_s=priv, exec_req=exec_req)


def ats_request(did: int, iova: int, *, pid: Optional[int] = None, priv_s: bool = False,
                no_write: bool = False, exec_req: bool = False) -> AtsTranslationRequest:
    if pid is None and (priv_s or exec_req):
        raise ValueError("ats_request: priv_s and exec_req travel with a PASID; give pid")
    return AtsTranslationRequest(did=did, iova=iova, ttyp=TTYP.PCIE_ATS, pid=pid, priv_s=priv_s,
                                 no_write=no_write, exec_req=exec_req)


@dataclass(frozen=True)
class AtsObserved:
    """An ATS translation request's answer as the device saw it (completion); for a page
    request (ttyp 9) only the Execute Requested bit it was sent with (completion None)."""
    no_write: bool
    exec_req: bool
    completion: Optional[AtsCompletion]


def decode_completion(cpl: int, attr: int, addr_field: int, fault: bool,
                      cause: Optional[int]) -> AtsCompletion:
    """The AtsCompletion the port's outputs encode. UR/CA come with fault=1 and the cause;
    a Success with R=W=0 has no translation (its address is UNSPECIFIED); U=1 with the
    address field 0 and S=0 is a Success without a translated address (addr None)."""
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
    if attr & A_U and not attr & A_S and not addr_field & ~0xFFF:
        # U=1 (Untranslated access only, an MRIF-mode MSI page) with the address field 0 and
        # S=0: no translated address, the implied 4 KiB range (docs/dut-interface.md)
        return AtsCompletion(SC, **flags)
    base, size_log2 = decode_range(addr_field, bool(attr & A_S))
    return AtsCompletion(SC, addr=base, size_log2=size_log2, **flags)
