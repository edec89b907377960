"""PCIe page requests (PRI) and the page-request queue (capabilities.ATS; the spec's "PCIe
ATS Page Request handling", "Page-Request-Queue (PQ)" and the pqb/pqh/pqt/pqcsr registers).

A "Page Request" (or "Stop Marker") message from a device is queued as a 16-byte record when
its device context has EN_ATS=1 and EN_PRI=1 and the queue takes it. Otherwise the IOMMU drops
it and, when the message needs a response (L=1 and not a Stop Marker), answers the device
itself with a "Page Request Group Response" (PRG response) whose status says why:
- Response Failure: ddtp Off (256), DDT entry load access fault (257), not valid (258),
  misconfigured (259); the queue off (pqen=0 or pqon=0) or with pqmf=1. The spec's list
  leaves out DDT data corruption (268): the model answers Response Failure for it too (like
  257, the DC cannot be located).
- Invalid Request: ddtp Bare (260), EN_PRI=0 (260). A device_id wider than the DDT mode
  (260) is an Invalid Request too (the model's choice: the same cause as Bare).
- Success: the queue is full (pqt == pqh - 1, which sets pqof) or pqof is already 1.
The faults with a cause (256..260, 268) are reported in the fault queue as TTYP 9 records
(iotval = the message code, 0x04 for a Page Request); the queue conditions are not.
When several conditions hold, the first in the order above wins; pqmf is checked before pqof.

A PRG response carries a PASID when the page request had one and: status Response Failure
(always), or Success/Invalid Request with DC.tc.PRPR=1 (PRPR is taken as 0 when no valid DC
was located).

The queue: records at pqb.PPN * 4096 + 16 * pqt, 2^(LOG2SZ-1+1) entries. dw0 = PID [31:12],
PV [32], PRIV [33], EXEC [34], DID [63:40] (PRIV and EXEC 0 without a PASID); dw1 = the
message payload: R [0], W [1], L [2], PRG index [11:3], page address [63:12]. A write that
fails sets pqmf; a full queue sets pqof; each record written, and pqmf/pqof, set ipsr.pip when
pqcsr.pie = 1.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .causes import Cause, TTYP
from .device_context import DDT_LEVELS, MODE_BARE, MODE_OFF, PPN_MASK, did_fits, locate_dc
from .memory import AccessFault, Memory
from .translate import WalkResult
from .transaction import Outcome, Request
from .walk_reader import Fault, WalkReader

RECORD_BYTES = 16
MSG_CODE_PAGE_REQUEST = 0x04         # PCIe message codes: Page Request
MSG_CODE_PRG_RESPONSE = 0x05         # Page Request Group Response
PRG_SUCCESS, PRG_INVALID_REQUEST, PRG_RESPONSE_FAILURE = 0x0, 0x1, 0xF

PQCSR_PQEN, PQCSR_PIE, PQCSR_PQMF, PQCSR_PQOF, PQCSR_PQON = 1, 2, 1 << 8, 1 << 9, 1 << 16


@dataclass(frozen=True)
class PageRequest:
    """A "Page Request" message (a Stop Marker when r = w = 0 and last = 1)."""
    did: int
    page_addr: int                 # Page Address [63:12], as a byte address
    prgi: int = 0                  # Page Request Group Index (9 bits)
    r: bool = True
    w: bool = False
    last: bool = True              # L: Last Request in PRG (a response is due)
    pid: Optional[int] = None      # the PASID, None without
    priv: bool = False             # Privilege Mode Requested (only with a PASID)
    exec_req: bool = False         # Execute Requested (only with a PASID)

    def __post_init__(self) -> None:
        if not 0 <= self.did < 1 << 24:
            raise ValueError(f"PageRequest.did {self.did:#x} does not fit 24 bits")
        if not 0 <= self.prgi < 1 << 9:
            raise ValueError(f"PageRequest.prgi {self.prgi:#x} does not fit 9 bits")
        if not 0 <= self.page_addr < 1 << 64 or self.page_addr & 0xFFF:
            raise ValueError(f"PageRequest.page_addr {self.page_addr:#x}: a 4 KiB-aligned 64-bit address")
        if self.pid is not None and not 0 <= self.pid < 1 << 20:
            raise ValueError(f"PageRequest.pid {self.pid:#x} does not fit 20 bits")
        if self.pid is None and (self.priv or self.exec_req):
            raise ValueError("PageRequest: priv and exec_req travel in the PASID prefix; give a pid")

    @property
    def stop_marker(self) -> bool:
        return not self.r and not self.w and self.last

    @property
    def needs_response(self) -> bool:
        return self.last and not self.stop_marker

    @property
    def payload(self) -> int:
        return int(self.r) | int(self.w) << 1 | int(self.last) << 2 | self.prgi << 3 | self.page_addr

    def record(self) -> tuple[int, int]:
        """The two doublewords of its page-request-queue record."""
        pv = self.pid is not None
        dw0 = ((self.pid if pv else 0) << 12 | int(pv) << 32 | int(pv and self.priv) << 33
               | int(pv and self.exec_req) << 34 | self.did << 40)
        return dw0, self.payload


@dataclass(frozen=True)
class PrgResponse:
    """A "Page Request Group Response" message the IOMMU sends to a device (auto-generated, or
    by an ATS.PRGR command): destination, PASID (None: without), PRG index, response code."""
    did: int
    pid: Optional[int]
    prgi: int
    code: int

    @property
    def status(self) -> str:
        return {PRG_SUCCESS: "Success", PRG_INVALID_REQUEST: "Invalid Request",
                PRG_RESPONSE_FAILURE: "Response Failure"}.get(self.code, f"code {self.code:#x}")


def auto_response(msg: PageRequest, code: int, prpr: bool) -> list[PrgResponse]:
    """The response the IOMMU generates for a page request it could not queue ([] when the
    message needs none)."""
    if not msg.needs_response:
        return []
    with_pasid = msg.pid is not None and (code == PRG_RESPONSE_FAILURE or prpr)
    return [PrgResponse(msg.did, msg.pid if with_pasid else None, msg.prgi, code)]


class PageRequestQueue:
    """pqb, pqh, pqt and pqcsr, and writing one record (the IOMMU's side)."""

    def __init__(self) -> None:
        self.pqb = 0
        self.pqh = 0
        self.pqt = 0
        self.pqen = False
        self.pie = False
        self.pqmf = False
        self.pqof = False

    @property
    def entries(self) -> int:
        return 1 << ((self.pqb & 0x1F) + 1)

    @property
    def base(self) -> int:
        return ((self.pqb >> 10) & ((1 << 44) - 1)) << 12

    def csr(self) -> int:
        """pqcsr: pqon follows pqen at once and busy is 0 (the model completes a write at once)."""
        return (self.pqen * PQCSR_PQEN | self.pie * PQCSR_PIE | self.pqmf * PQCSR_PQMF
                | self.pqof * PQCSR_PQOF | self.pqen * PQCSR_PQON)

    def write_csr(self, value: int) -> None:
        if value & PQCSR_PQMF:
            self.pqmf = False
        if value & PQCSR_PQOF:
            self.pqof = False
        pqen = bool(value & PQCSR_PQEN)
        if pqen and not self.pqen:          # 0 -> 1: pqt, pqmf and pqof are zeroed
            self.pqt = 0
            self.pqmf = self.pqof = False
        self.pqen, self.pie = pqen, bool(value & PQCSR_PIE)

    def refusal(self) -> Optional[int]:
        """The PRG response code if the queue cannot take a record now (without changing it)."""
        if not self.pqen or self.pqmf:
            return PRG_RESPONSE_FAILURE
        if self.pqof:
            return PRG_SUCCESS
        return None

    def post(self, mem: Memory, record: tuple[int, int],
             pa_limit: Optional[int] = None, order: str = "little") -> Optional[int]:
        """Write one record; None if it was written, else the PRG response code its refusal
        calls for (a full queue sets pqof: Success; a failed write sets pqmf: Response Failure).
        `order`: the doublewords' byte order (fctl.BE: the queue is an in-memory queue)."""
        code = self.refusal()
        if code is not None:
            return code
        if (self.pqt + 1) % self.entries == self.pqh:
            self.pqof = True
            return PRG_SUCCESS
        addr = self.base + self.pqt * RECORD_BYTES
        try:
            if pa_limit is not None and addr + RECORD_BYTES > pa_limit:
                raise AccessFault(f"page-request record at {addr:#x} is beyond the physical "
                                  "address space")
            mem.write(addr, b"".join(w.to_bytes(8, order) for w in record))
        except AccessFault:
            self.pqmf = True
            return PRG_RESPONSE_FAILURE
        self.pqt = (self.pqt + 1) % self.entries
        return None


@dataclass(frozen=True)
class Decision:
    """What the IOMMU does with a page request, decided from ddtp and the device context
    alone: refuse it with a cause (a fault, and the response `code`), or post it to the queue
    (cause None; the queue's own state then decides). `dtf` and `prpr` are the located DC's
    (False when none was located)."""
    cause: Optional[int]
    code: int = PRG_SUCCESS
    dtf: bool = False
    prpr: bool = False


def message_dc(model, did: int, reader: Optional[WalkReader] = None) -> tuple:
    """(cause, None) or (None, DC): the device context of the requester of an inbound PCIe
    message (a page request, an Invalidation Completion), located as a translation locates it:
    ddtp Off 256; Bare, or a device_id too wide for the DDT, 260; the DC's own faults (257,
    258, 259, 268, fctl.BE and fctl.GXL applied). `reader`: default memory now."""
    mode = model.ddtp & 0xF
    if mode == MODE_OFF:
        return Cause.ALL_INBOUND_DISALLOWED, None
    if (mode == MODE_BARE or mode not in DDT_LEVELS
            or not did_fits(did, mode, model.caps.msi_flat)):
        return Cause.TTYP_DISALLOWED, None
    if reader is None:
        reader = WalkReader(model.mem.read64, None, None, model.pa_limit)
    try:
        return None, locate_dc(reader, did, mode, (model.ddtp >> 10) & PPN_MASK, model.caps,
                               model.fctl & 1, (model.fctl >> 2) & 1)
    except Fault as f:
        return f.cause, None


def decide(model, msg: PageRequest, reader: Optional[WalkReader] = None) -> Decision:
    """The Decision for `msg` over `reader` (default: memory now, no side effect). The
    coherence oracle passes each walk it permits (a device context cached before a change
    that was not invalidated yet) to find every decision the spec still allows."""
    cause, dc = message_dc(model, msg.did, reader)
    if cause is not None:      # Bare or too wide: Invalid Request; the others: Response Failure
        return Decision(cause, PRG_INVALID_REQUEST if cause == Cause.TTYP_DISALLOWED
                        else PRG_RESPONSE_FAILURE)
    if not (dc.en_ats and dc.en_pri):
        return Decision(Cause.TTYP_DISALLOWED, PRG_INVALID_REQUEST, bool(dc.dtf), bool(dc.prpr))
    return Decision(None, PRG_SUCCESS, bool(dc.dtf), bool(dc.prpr))


def request_of(msg: PageRequest) -> Request:
    """The request a page request's fault record names (TTYP 9, iotval the message code)."""
    return Request(did=msg.did, iova=MSG_CODE_PAGE_REQUEST, ttyp=TTYP.PCIE_MSG, pid=msg.pid,
                   priv_s=msg.priv)


def handle(model, msg: PageRequest, report=None,
           decision: Optional[Decision] = None) -> list[PrgResponse]:
    """What `model` (an IommuModel) does with a page request: the record it queues or the
    response it sends, the fault record and the pqcsr/ipsr changes. Returns the PRG responses
    the IOMMU sends ([] or one). `report(req, result)` takes a refusal's fault: by default
    `model.report` (the model's fault queue); a scoreboard whose fault queue follows the
    DUT's records passes its own. `decision`: one made already (decide()), e.g. the one a
    DUT's cached device context gave; by default decided over memory now."""
    d = decide(model, msg) if decision is None else decision
    if d.cause is not None:
        (report or model.report)(request_of(msg), WalkResult(Outcome(None, d.cause), d.dtf))
        return auto_response(msg, d.code, d.prpr)
    code = model.pq.post(model.mem, msg.record(), model.pa_limit, model.byte_order)
    model._update_ipsr(new_pq_record=code is None)
    return [] if code is None else auto_response(msg, code, d.prpr)
