"""Fault records: every record an IOMMU writes is paired with a faulting response it gave,
and all four doublewords are judged; at the end, the records it still owes.

The spec's record (fault/event queue): DW0 CAUSE[11:0] PID[31:12] PV[32] PRIV[33] TTYP[39:34]
DID[63:40]; DW1 custom[31:0] (anything) and reserved[63:32] (0); DW2 iotval, the IOVA (the
page offset may be reported as 0); DW3 iotval2, for a guest-page fault GPA[63:2] with bit 0
set when an implicit first-stage access (a PTE or PDT read) faulted and bit 1 when that
access was a write (the GPA's page offset may be 0). The spec defines iotval2 for
guest-page faults only, so for other causes it is not judged.

What is judged, and where the spec leaves room:
- a record's fields against the response it pairs with (ids, type, cause, iotval, and
  iotval2 against every value a permitted walk could have reported);
- DC.tc.DTF=1 suppresses every cause outside REPORTED_DESPITE_DTF: such a record is a
  failure when every permitted walk found DTF=1;
- records are written at the tail, in order, never into a full queue;
- a fault owes its record when every permitted walk reports it and the queue was on with
  room for it and for every earlier fault still waiting (otherwise an overflow may drop it,
  which sets fqof); identical faults (same DW0 and IOVA page) may share one record.
- MSI writes to MRIF-mode pages (capabilities.MSI_MRIF): a failed MRIF update is the spec's
  264 "MRIF access fault" (bus error) or 271 "MSI MRIF data corruption" (poison), a record of
  the device's write (its TTYP, device_id, process_id; iotval the IOVA), suppressed by DTF=1
  (the cause table's "No" for both). `Fault.msi_causes` carries the ones a permitted MRIF
  update meets (scoreboards/mrif_writes.py, `Expectation.causes`); a record with 264/271
  needs one. A failed notice MSI is reported as the IOMMU's own interrupt messages are
  (273 "IOMMU MSI write access fault", TTYP 0, iotval the notice address: the model's choice,
  docs/design.md "MSI MRIF mode"), reported despite DTF: `notice_failed(addr)`.
Plain Python: the pyuvm scoreboard feeds it; unit tests drive it directly.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

from models import Outcome, Request
from models.causes import GUEST_PAGE_FAULTS, REPORTED_DESPITE_DTF
from models.fault_queue import RECORD_BYTES, fault_record
from models.msi_mrif import MRIF_UPDATE_CAUSES

DW1_RESERVED = 0xFFFF_FFFF_0000_0000
CAUSE_MSI_WRITE_FAULT = 273             # an interrupt message's write failed (msi_cfg_tbl)


@dataclass
class Fault:
    """A faulting response awaiting its record."""
    req: Request
    cause: Optional[int]              # None: the port did not carry it (the record names it)
    permitted: frozenset              # outcomes permitted while it was in flight
    variants: dict                    # cause -> frozenset((iotval2, dtf)) of permitted walks
    room: bool = False                # the queue was on and had room for its record
    gen: int = 0                      # errors_cleared() count when it came back
    full: bool = False                # the queue was on and full (by the records seen)
    msi_causes: frozenset = frozenset()   # 264/271 a permitted MRIF update meets (MSI write)
    causes: frozenset = field(init=False)

    def __post_init__(self) -> None:
        self.msi_causes = frozenset(int(c) for c in self.msi_causes) & frozenset(MRIF_UPDATE_CAUSES)
        self.causes = (frozenset((self.cause,)) if self.cause is not None
                       else frozenset(int(o.cause) for o in self.permitted if not o.ok)
                       | self.msi_causes)

    def reported(self) -> bool:
        """Every permitted walk ending in one of its causes reports it (DTF=0 or a cause
        reported despite DTF)."""
        for c in self.causes:
            vs = self.variants.get(c)
            if not vs or any(dtf and c not in REPORTED_DESPITE_DTF for _, dtf in vs):
                return False
        return True

    def may_record(self) -> bool:
        """Some permitted walk reports it."""
        return any(not dtf or c in REPORTED_DESPITE_DTF
                   for c in self.causes for _, dtf in self.variants.get(c, ()))

    def describe(self) -> str:
        cause = self.cause if self.cause is not None else "/".join(map(str, sorted(self.causes)))
        return f"cause {cause} did={self.req.did:#x} iova={self.req.iova:#x}"


def ids_dw0(req: Request, cause: int) -> int:
    """DW0 the spec calls for: the cause with the request's ids and type."""
    return fault_record(req, Outcome(None, cause))[0]


class FaultRecordChecker:
    def __init__(self, oracle, fail: Callable[[str], None],
                 on_record_cause: Optional[Callable[[int], None]] = None) -> None:
        self.oracle = oracle
        self.fail = fail
        self.on_record_cause = on_record_cause
        self.on_record_fields: Optional[Callable[[tuple], None]] = None   # coverage
        self.waiting: list[Fault] = []          # faulting responses awaiting their record
        self.orphans: list[tuple] = []          # (addr, words) written before their response
        self.shared: set = set()                # (dw0, iova page) of records paired
        self.records = 0
        self.head = 0                           # fqh as software wrote it
        self.tail = 0                           # where the next record must go
        self.maybe_overflowed = False           # a record may have been dropped (fqof)
        self.gen = 0                            # fqof/fqmf clears so far
        self._beats: dict = {}                  # record address -> bytearray being assembled
        self.msi_faults: list = []              # [addr, room, gen, what]: failed IOMMU MSIs

    # -- the queue's registers as software writes them -------------------------------------
    @property
    def fq(self):
        return self.oracle.model.fq

    def enabled(self) -> None:
        """fqcsr.fqen went 0 -> 1: the queue restarts at index 0, its errors cleared."""
        self.head = self.tail = 0
        self.errors_cleared()

    def head_written(self, value: int) -> None:
        self.head = value % self.fq.entries

    def errors_cleared(self) -> None:
        """fqof/fqmf written with 1 (W1C): records are written again from now (faults from
        before no longer count against the room left)."""
        self.maybe_overflowed = False
        self.gen += 1

    def occupancy(self) -> int:
        return (self.tail - self.head) % self.fq.entries

    # -- faulting responses -----------------------------------------------------------------
    def fault(self, flt: Fault) -> None:
        fq = self.fq
        flt.gen = self.gen
        needing = (sum(1 for f in self.waiting if f.gen == self.gen and f.may_record())
                   + sum(1 for m in self.msi_faults if m[2] == self.gen))
        flt.room = (fq.fqen and not self.maybe_overflowed
                    and self.occupancy() + needing + 1 < fq.entries)
        flt.full = fq.fqen and self.occupancy() == fq.entries - 1
        if not flt.room and fq.fqen and flt.may_record():
            self.maybe_overflowed = True        # from here a record may be dropped
        for i, (addr, words) in enumerate(self.orphans):
            if self._pairs(flt, addr, words):
                del self.orphans[i]
                return
        self.waiting.append(flt)

    def msi_write_failed(self, addr: int) -> None:
        """An interrupt message to `addr` got a bus error: the spec's msi_cfg_tbl says the
        IOMMU reports cause 273 (IOMMU MSI write access fault) with TTYP 0 and iotval =
        msi_addr_x; owed when the queue was on with room for it (and for every fault before it)."""
        self._msi_failed(addr, "interrupt message")

    def notice_failed(self, addr: int) -> None:
        """The notice MSI of an MRIF update (to `addr`, NPPN << 12) got a bus error: reported
        as the IOMMU's own messages are (273, TTYP 0, iotval = addr; the model's choice, the
        spec names no cause), whatever DC.tc.DTF holds; owed as msi_write_failed's."""
        self._msi_failed(addr, "notice MSI")

    def _msi_failed(self, addr: int, what: str) -> None:
        fq = self.fq
        needing = (sum(1 for f in self.waiting if f.gen == self.gen and f.may_record())
                   + sum(1 for m in self.msi_faults if m[2] == self.gen))
        room = (fq.fqen and not self.maybe_overflowed
                and self.occupancy() + needing + 1 < fq.entries)
        self.msi_faults.append([addr, room, self.gen, what])

    def _msi_record(self, where: str, words: tuple) -> bool:
        """A cause-273 record: paired with a failed interrupt message of its iotval."""
        dw0, _, iotval, _ = words
        if (dw0 & 0xFFF) != CAUSE_MSI_WRITE_FAULT:
            return False
        for i, m in enumerate(self.msi_faults):
            if m[0] == iotval:
                del self.msi_faults[i]
                if dw0 != CAUSE_MSI_WRITE_FAULT:
                    self.fail(f"{where} cause 273 (MSI write access fault) dw0={dw0:#x}: "
                              f"expected {CAUSE_MSI_WRITE_FAULT:#x} (TTYP 0, device_id 0, no "
                              f"process_id)")
                if self.on_record_fields is not None:
                    self.on_record_fields(words)
                return True
        self.fail(f"{where} cause 273 (MSI write access fault) iotval={iotval:#x} matches no "
                  f"interrupt message that got a bus error, nor a notice MSI (iotval must be "
                  f"msi_addr_x or NPPN << 12; failed messages awaiting a record: "
                  f"{[hex(m[0]) for m in self.msi_faults]})")
        return True

    # -- memory writes into the queue ------------------------------------------------------
    def write(self, addr: int, data: bytes) -> None:
        """A DUT write inside the queue: bytes gathered per 32-byte record, whatever the
        beat size and order; a record is judged once all of it arrived."""
        base = self.fq.base
        while data:
            slot = base + (addr - base) // RECORD_BYTES * RECORD_BYTES
            off = addr - slot
            n = min(len(data), RECORD_BYTES - off)
            buf = self._beats.setdefault(slot, [bytearray(RECORD_BYTES), 0])
            buf[0][off:off + n] = data[:n]
            buf[1] |= ((1 << n) - 1) << off
            if buf[1] == (1 << RECORD_BYTES) - 1:
                del self._beats[slot]
                order = self.oracle.model.byte_order     # fctl.BE (capabilities.END)
                words = tuple(int.from_bytes(buf[0][8 * k:8 * k + 8], order) for k in range(4))
                self._record(slot, words)
            addr, data = addr + n, data[n:]

    def write_failed(self, addr: int) -> None:
        """A DUT write inside the queue got a bus error: the record is discarded, fqmf set,
        and every record until software clears it may be dropped."""
        base = self.fq.base
        self._beats.pop(base + (addr - base) // RECORD_BYTES * RECORD_BYTES, None)
        self.oracle.model.record_write_failed()
        self.maybe_overflowed = True
        for f in self.waiting:              # the failed record may be any of theirs
            f.room = False
        for m in self.msi_faults:
            m[1] = False

    def _record(self, addr: int, words: tuple) -> None:
        self.records += 1
        fq = self.fq
        index = (addr - fq.base) // RECORD_BYTES
        where = f"FAULT-RECORD at {addr:#x} (index {index})"
        if index != self.tail:
            self.fail(f"{where} written out of place: the queue's tail (fqt) was {self.tail}, "
                      f"records go at fqt and fqt then moves by 1")
        elif self.occupancy() == fq.entries - 1:
            self.fail(f"{where} written into a full queue (fqh={self.head}, {fq.entries} entries):"
                      f" the record must be discarded and fqcsr.fqof set")
        self.tail = (index + 1) % fq.entries
        self.oracle.model.record_observed(index)
        if words[1] & DW1_RESERVED:
            self.fail(f"{where} DW1={words[1]:#x}: bits 63:32 are reserved and must be 0 "
                      f"(bits 31:0 are for custom use)")
        if self._msi_record(where, words):
            return
        for i, flt in enumerate(self.waiting):
            if self._pairs(flt, addr, words):
                del self.waiting[i]
                return
        self.orphans.append((addr, words))

    def _pairs(self, flt: Fault, addr: int, words: tuple) -> bool:
        """Is the record the one of `flt`? Pairing uses DW0 but the cause, and iotval; then
        every field is judged."""
        dw0, _, iotval, iotval2 = words
        req = flt.req
        if iotval not in (req.iova, req.iova & ~0xFFF):
            return False
        cause = dw0 & 0xFFF
        if (ids_dw0(req, cause) ^ dw0) & ~0xFFF:
            return False
        where = f"FAULT-RECORD at {addr:#x}"
        if flt.cause is not None:
            if cause != flt.cause:
                return False
        elif cause not in flt.causes and cause in MRIF_UPDATE_CAUSES:
            self.fail(f"{where} cause {cause} did={req.did:#x} iova={req.iova:#x}: no permitted "
                      f"MRIF update of this write meets "
                      f"{'a bus error' if cause == MRIF_UPDATE_CAUSES[0] else 'poisoned data'} "
                      f"(permitted: {sorted(flt.causes) or 'none'})")
        elif cause not in flt.causes:
            # Judged as if the port had said it: the oracle's line for this cause, then where
            # the cause came from.
            verdict = self.oracle.check(req, Outcome(None, cause), flt.permitted)
            if not verdict.ok:
                self.fail(verdict.message + f" (cause from the fault record at {addr:#x}; "
                          f"the port answered a fault without cause)")
        if flt.cause is None:
            flt.cause = cause
            if self.on_record_cause is not None:
                self.on_record_cause(cause)
        self.shared.add((dw0, req.iova >> 12))
        if self.on_record_fields is not None:
            self.on_record_fields(words)
        vs = flt.variants.get(cause, frozenset())
        if vs and all(dtf for _, dtf in vs) and cause not in REPORTED_DESPITE_DTF:
            self.fail(f"{where} cause {cause} did={req.did:#x} iova={req.iova:#x} written though "
                      f"the device context has DTF=1, which suppresses this cause")
        if cause in GUEST_PAGE_FAULTS and vs:
            allowed = {v for v, _ in vs} | {v & ~0xFFC for v, _ in vs}
            if iotval2 not in allowed:
                want = " or ".join(f"{v:#x}" for v in sorted({v for v, _ in vs}))
                self.fail(f"{where} cause {cause} did={req.did:#x} iova={req.iova:#x} "
                          f"iotval2={iotval2:#x}, expected {want} (GPA[63:2]; bit 0 = an "
                          f"implicit first-stage access; page offset may be 0)")
        return True

    def overflow_certain(self) -> bool:
        """A reported fault came back while the queue was full, no record of it or of an
        identical fault was written, and software has not cleared fqof since: fqof must be
        set (the spec discards the record that finds the queue full and sets fqof)."""
        return any(f.full and f.gen == self.gen and f.reported() and not self._shares(f)
                   for f in self.waiting)

    def _shares(self, f: Fault) -> bool:
        return any((ids_dw0(f.req, c), f.req.iova >> 12) in self.shared for c in f.causes)

    # -- end of test ----------------------------------------------------------------------
    def pending_problems(self) -> list[str]:
        out = []
        for addr, words in self.orphans[:1]:
            dw0 = words[0]
            out.append(f"FAULT-RECORD at {addr:#x} dw0={dw0:#018x} iotval={words[2]:#x} matches no "
                       f"faulting response (cause {dw0 & 0xFFF}, did {dw0 >> 40:#x}, ttyp "
                       f"{(dw0 >> 34) & 0x3F}); {len(self.orphans)} such record(s)")
        owed = [f for f in self.waiting if f.room and f.reported() and not self._shares(f)]
        if owed:
            out.append(f"FAULT-RECORD missing for {len(owed)} reported fault(s); first: "
                       f"{owed[0].describe()} (the queue was on, had room, and DTF=0)")
        owed_msi = [m for m in self.msi_faults if m[1]]
        if owed_msi:
            out.append(f"FAULT-RECORD missing for {len(owed_msi)} failed IOMMU message(s); "
                       f"first: cause 273 (IOMMU MSI write access fault) iotval={owed_msi[0][0]:#x}"
                       f" (the {owed_msi[0][3]} write got a bus error; the queue was on and had "
                       f"room)")
        if self._beats:
            slot = min(self._beats)
            out.append(f"FAULT-RECORD at {slot:#x} written in part: {bin(self._beats[slot][1]).count('1')}"
                       f" of {RECORD_BYTES} bytes")
        return out
