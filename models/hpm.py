"""The hardware performance monitor (capabilities.HPM; the spec's iocountovf, iocountinh,
iohpmcycles, iohpmctr1-31 and iohpmevt1-31 registers and its standard events).

What the model counts, and why it is a bound for some events (docs/design.md, "HPM"):
- event 1 (Untranslated requests) and 2 (Translated requests) are properties of the traffic:
  the model counts them exactly, one per request it translates;
- events 4 (TLB miss), 5 (DDT walks), 6 (PDT walks), 7 (first-stage walks) and 8 (G-stage
  walks) depend on what the IOMMU had cached. The model has no cache: every request misses
  and walks what the translation process reads, so its counts are what an IOMMU without
  caches counts, the most an IOMMU may count (one with caches counts fewer);
- event 3 (ATS translation requests) counts each `IommuModel.ats_translate` (and each request
  of `ats_translate_all`), with capabilities.ATS; eventIDs above 8 are reserved or custom and
  count nothing;
- iohpmcycles counts clock cycles, which the model has none of: it holds what software wrote,
  and `tick(n)` advances it (a testbench that knows the cycles may call it).

Implementation choices (WARL, the RTL's `HPM_COUNTERS`/`HPM_WIDTH` parameters give the same):
`counters` programmable counters (iohpmctr1..counters; the others read 0 and ignore writes),
each `width` bits wide (a write keeps the low `width` bits; the counter wraps at 2^width);
iohpmcycles 63 bits; eventID keeps 15 bits; iocountinh keeps bit 0 and the bits of the
implemented counters.
"""
from __future__ import annotations

from typing import Callable, Optional

EVT_ID_MASK = 0x7FFF
DMASK = 1 << 15
PID_SHIFT, PID_MASK = 16, (1 << 20) - 1
DID_SHIFT, DID_MASK = 36, (1 << 24) - 1
PV_PSCV, DV_GSCV, IDT, OF = 1 << 60, 1 << 61, 1 << 62, 1 << 63
CYCLES_MASK = (1 << 63) - 1

UNTRANSLATED, TRANSLATED, ATS_REQ, TLB_MISS, DDT_WALK, PDT_WALK, FS_WALK, GS_WALK = range(1, 9)
# events that support filtering by GSCID/PSCID (IDT=1); the others count only with IDT=0
IDT1_EVENTS = frozenset({TLB_MISS, FS_WALK, GS_WALK})


class Transaction:
    """What a counter's filter looks at: the request's IDs and, once its contexts were found,
    the GSCID/PSCID it was translated with (None: that stage was Bare or not reached)."""
    __slots__ = ("did", "pid", "gscid", "pscid")

    def __init__(self, did: int, pid: Optional[int], gscid: Optional[int] = None,
                 pscid: Optional[int] = None) -> None:
        self.did, self.pid, self.gscid, self.pscid = did, pid, gscid, pscid


def did_match(value: int, want: int, dmask: bool) -> bool:
    """DMASK=1: the low bits of DID_GSCID up to and including its first 0 bit are ignored."""
    if dmask:
        low = 0
        while low < 24 and want >> low & 1:
            low += 1
        keep = ~((1 << (low + 1)) - 1)
        return value & keep == want & keep
    return value == want


def counts(evt: int, event: int, t: Transaction) -> bool:
    """Does a counter programmed with iohpmevt value `evt` count `event` for transaction t?"""
    if evt & EVT_ID_MASK != event:
        return False
    idt, dv, pv = bool(evt & IDT), bool(evt & DV_GSCV), bool(evt & PV_PSCV)
    if idt and event not in IDT1_EVENTS:
        return False                            # an IDT setting the event does not support
    want_did = (evt >> DID_SHIFT) & DID_MASK
    want_pid = (evt >> PID_SHIFT) & PID_MASK
    if not idt:
        if dv and not did_match(t.did, want_did, bool(evt & DMASK)):
            return False
        if pv and (t.pid is None or t.pid != want_pid):
            return False
        return True
    if dv and (t.gscid is None or not did_match(t.gscid, want_did, bool(evt & DMASK))):
        return False
    if pv and (t.pscid is None or t.pscid != want_pid):
        return False
    return True


class Hpm:
    def __init__(self, counters: int = 7, width: int = 64,
                 on_overflow: Optional[Callable[[], None]] = None) -> None:
        if not 1 <= counters <= 31:
            raise ValueError(f"HPM counters must be 1..31, got {counters}")
        if not 32 <= width <= 64:
            raise ValueError(f"HPM counter width must be 32..64 bits, got {width}")
        self.n, self.width = counters, width
        self.mask = (1 << width) - 1
        self.cycles = 0                     # iohpmcycles, OF in bit 63
        self.ctr = [0] * (counters + 1)     # iohpmctr1..n (index 0 unused)
        self.evt = [0] * (counters + 1)     # iohpmevt1..n
        self.inh = 0                        # iocountinh
        self.on_overflow = on_overflow      # sets ipsr.pmip

    # -- registers -------------------------------------------------------------------------
    @property
    def ovf(self) -> int:
        """iocountovf: bit 0 = iohpmcycles.OF, bit X = iohpmevtX.OF."""
        v = self.cycles >> 63
        for x in range(1, self.n + 1):
            v |= (self.evt[x] >> 63) << x
        return v

    def write_inh(self, value: int) -> None:
        self.inh = value & ((1 << (self.n + 1)) - 1)

    def write_cycles(self, value: int) -> None:
        self.cycles = value

    def write_ctr(self, x: int, value: int) -> None:
        if 1 <= x <= self.n:
            self.ctr[x] = value & self.mask

    def write_evt(self, x: int, value: int) -> None:
        if 1 <= x <= self.n:
            # eventID WARL: 15 bits kept (reserved and custom IDs count nothing here)
            self.evt[x] = value

    def read_ctr(self, x: int) -> int:
        return self.ctr[x] if 1 <= x <= self.n else 0

    def read_evt(self, x: int) -> int:
        return self.evt[x] if 1 <= x <= self.n else 0

    # -- counting --------------------------------------------------------------------------
    def event(self, event: int, t: Transaction, n: int = 1) -> None:
        """`n` occurrences of `event` for transaction t."""
        for x in range(1, self.n + 1):
            if self.inh >> x & 1 or not counts(self.evt[x], event, t):
                continue
            total = self.ctr[x] + n
            self.ctr[x] = total & self.mask
            if total > self.mask:
                self._overflow_evt(x)

    def tick(self, n: int = 1) -> None:
        """n clock cycles (iohpmcycles counts unless inhibited by iocountinh.CY)."""
        if self.inh & 1:
            return
        total = (self.cycles & CYCLES_MASK) + n
        of = self.cycles & OF
        self.cycles = of | (total & CYCLES_MASK)
        if total > CYCLES_MASK and not of:
            self.cycles |= OF
            if self.on_overflow is not None:
                self.on_overflow()

    def _overflow_evt(self, x: int) -> None:
        if self.evt[x] & OF:
            return                      # OF already set: no new interrupt
        self.evt[x] |= OF
        if self.on_overflow is not None:
            self.on_overflow()


UNTRANSLATED_TTYPS = frozenset({1, 2, 3})     # untranslated read-for-execute, read, write
TRANSLATED_TTYPS = frozenset({5, 6, 7})


def request_events(req, trace: list) -> tuple[Transaction, list]:
    """What one request counts in a cache-free IOMMU, from the model's walk (its trace of
    (item, words)): the transaction's IDs for the filters, and [(event, n)].

    The request type: event 1 or 2. Every request that reaches the translation process
    misses the IOATC (event 4) when a DDT was read (ddtp in a 1/2/3LVL mode); a DDT walk
    (event 5) when a DC or non-leaf DDT entry was read, a PDT walk (6) when a PDT entry or
    PC was read, a first-stage walk (7) when a first-stage PTE was read, and one G-stage walk
    (8) per G-stage walk started (each PDT or first-stage table address and the final
    address are translated by a walk of their own)."""
    ttyp = int(req.ttyp)
    events = []
    if ttyp in UNTRANSLATED_TTYPS:
        events.append((UNTRANSLATED, 1))
    elif ttyp in TRANSLATED_TTYPS:
        events.append((TRANSLATED, 1))
    gscid = pscid = None
    ddt = pdt = fs = False
    g_walks = 0
    last_g_level = None
    for item, words in trace:
        kind = item.kind
        if kind in ("ddte", "dc"):
            ddt = True
            if kind == "dc" and words[0] & 1:
                iohgatp, ta, fsc = words[1], words[2], words[3]
                if iohgatp >> 60:
                    gscid = (iohgatp >> 44) & 0xFFFF
                if not words[0] >> 5 & 1 and fsc >> 60:      # PDTV=0: fsc is iosatp
                    pscid = (ta >> 12) & 0xFFFFF
        elif kind in ("pdte", "pc"):
            pdt = True
            if kind == "pc" and words[0] & 1 and words[1] >> 60:
                pscid = (words[0] >> 12) & 0xFFFFF
        elif kind == "pte1":
            fs = True
        elif kind == "pte2":
            if last_g_level is None or item.level >= last_g_level:
                g_walks += 1                     # levels only go down within one walk
            last_g_level = item.level
    if ddt:
        events.append((TLB_MISS, 1))
        events.append((DDT_WALK, 1))
    if pdt:
        events.append((PDT_WALK, 1))
    if fs:
        events.append((FS_WALK, 1))
    if g_walks:
        events.append((GS_WALK, g_walks))
    return Transaction(req.did, req.pid, gscid, pscid), events
