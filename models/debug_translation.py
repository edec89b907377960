"""The debug translation-request interface (capabilities.DBG; the spec's "Debug support"
chapter and the tr_req_iova, tr_req_ctl and tr_response registers).

Software writes the IOVA to tr_req_iova, then tr_req_ctl with Go/Busy=1; the IOMMU runs the
translation process as for an Untranslated request (faults go to the fault queue as usual),
clears Go/Busy and leaves the result in tr_response. This module holds the field layouts
and the pure functions: the request a tr_req_ctl value asks for, the tr_response value of a
result, and what a tr_response value says (for a scoreboard that judges an IOMMU's).

Choices where the spec leaves one (docs/design.md, "What the model covers"):
- Exe=1 with NW=0 (execute, read and write requested at once) is UNSPECIFIED: the model
  translates it as a write and `unspecified()` says so; a scoreboard does not judge it.
- tr_response reports the largest size the translation allows (S=1 with the size encoded in
  PPN for anything above 4 KiB); an IOMMU may report any smaller size (the spec's note), so
  `consistent()` accepts any size from 4 KiB up to it.
- On a fault tr_response is 1 (fault=1, every other field 0: they are UNSPECIFIED).
"""
from __future__ import annotations

from typing import NamedTuple, Optional

from .transaction import Outcome, Request

# tr_req_ctl fields
GO = 1 << 0
PRIV = 1 << 1
EXE = 1 << 2
NW = 1 << 3
PID_SHIFT, PID_MASK = 12, (1 << 20) - 1
PV = 1 << 32
DID_SHIFT, DID_MASK = 40, (1 << 24) - 1
# the WARL fields an implementation keeps (reserved 11:4, 35:33 and custom 39:36 read 0)
CTL_WRITABLE = GO | PRIV | EXE | NW | PID_MASK << PID_SHIFT | PV | DID_MASK << DID_SHIFT
IOVA_WRITABLE = ~0xFFF & ((1 << 64) - 1)      # vpn [63:12]; bits 11:0 reserved

# tr_response fields
FAULT = 1 << 0
PBMT_SHIFT = 7
S = 1 << 9
PPN_SHIFT, PPN_MASK = 10, (1 << 44) - 1

# Untranslated request types (PCIe TLP encodings the model uses)
_EXEC, _READ, _WRITE = 1, 2, 3


def request(iova_reg: int, ctl: int) -> Request:
    """The Untranslated request tr_req_iova/tr_req_ctl ask for: the page of vpn (offset 0);
    process_id only when PV=1 (Priv is then the privilege asked for; without a process_id the
    request is a User one, as every request without process_id); read when NW=1, read and
    write when NW=0, execute when Exe=1."""
    pv = bool(ctl & PV)
    if ctl & EXE and ctl & NW:
        ttyp = _EXEC
    else:
        ttyp = _READ if ctl & NW else _WRITE
    return Request(did=(ctl >> DID_SHIFT) & DID_MASK, iova=iova_reg & IOVA_WRITABLE, ttyp=ttyp,
                   pid=(ctl >> PID_SHIFT) & PID_MASK if pv else None,
                   priv_s=bool(ctl & PRIV) and pv)


def unspecified(ctl: int) -> bool:
    """Exe=1 with NW=0: the spec does not say what that asks for."""
    return bool(ctl & EXE) and not ctl & NW


def response(outcome: Outcome, size_log2: int, pbmt: int = 0) -> int:
    """tr_response for a result: 1 on a fault; else the PPN of a range of 2^size_log2 bytes
    (12: a 4 KiB page, S=0; larger: S=1 with the size encoded in the low PPN bits)."""
    if not outcome.ok:
        return FAULT
    ppn = outcome.pa >> 12
    if size_log2 > 12:
        x = size_log2 - 13                         # size = 2^(x+1) * 4 KiB
        ppn = (ppn >> (x + 1) << (x + 1)) | ((1 << x) - 1)    # bit x = 0, bits x-1..0 = 1
        return (ppn & PPN_MASK) << PPN_SHIFT | S | (pbmt & 3) << PBMT_SHIFT
    return (ppn & PPN_MASK) << PPN_SHIFT | (pbmt & 3) << PBMT_SHIFT


class Response(NamedTuple):
    fault: bool
    base: int            # first byte of the reported range (None meaning on a fault: 0)
    size_log2: int       # log2 of the reported range's size in bytes
    pbmt: int


def decode(value: int) -> Response:
    """What a tr_response value reports. S=1 with every PPN bit set encodes no size: it
    decodes with size_log2 = 0 (no range), which consistent() never accepts."""
    if value & FAULT:
        return Response(True, 0, 0, 0)
    ppn = (value >> PPN_SHIFT) & PPN_MASK
    pbmt = (value >> PBMT_SHIFT) & 3
    if not value & S:
        return Response(False, ppn << 12, 12, pbmt)
    x = 0
    while x < 44 and ppn >> x & 1:
        x += 1
    if x == 44:
        return Response(False, 0, 0, pbmt)
    size_log2 = x + 13
    return Response(False, (ppn >> (x + 1) << (x + 1)) << 12, size_log2, pbmt)


def consistent(value: int, iova: int, pa: int, max_log2: Optional[int]) -> str:
    """"" if tr_response `value` may report the translation of `iova`'s page to `pa` (a
    success) whose range is at most 2^max_log2 bytes (None: no bound), else why not."""
    r = decode(value)
    if r.fault:
        return "fault=1, expected a translation"
    if r.size_log2 == 0:
        return "S=1 with every PPN bit set encodes no size"
    if max_log2 is not None and r.size_log2 > max_log2:
        return (f"reports a range of 2^{r.size_log2} bytes, the translation allows at most "
                f"2^{max_log2}")
    off = iova & ((1 << r.size_log2) - 1) & ~0xFFF
    if r.base + off != pa & ~0xFFF:
        return (f"the range at {r.base:#x} of 2^{r.size_log2} bytes maps iova page "
                f"{iova & ~0xFFF:#x} to {r.base + off:#x}, expected {pa & ~0xFFF:#x}")
    return ""


def range_log2(trace: list, outcome: Outcome) -> Optional[int]:
    """log2 of the bytes the translation's mapping covers, from the model's walk (its trace
    of (item, words)): the first-stage leaf's size, the G-stage leaf's size of the final
    address (the last G-stage leaf read), the smaller of the two with both stages, 12 for an
    MSI page; None when no stage translated (Bare: any size is right)."""
    if not outcome.ok:
        return None
    first = g = None
    msi = False
    for item, words in trace:
        kind = item.kind
        if kind in ("pte1", "pte2") and words[0] & 1 and words[0] & 0xA:
            size = 16 if item.level == 0 and words[0] >> 63 else 12 + 9 * item.level
            if kind == "pte1":
                first = size
            else:
                g = size
        elif kind == "msipte":
            msi = True
    if msi:
        return 12
    sizes = [s for s in (first, g) if s is not None]
    return min(sizes) if sizes else None
