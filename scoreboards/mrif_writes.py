"""The IOMMU's own writes for an MSI to an MRIF-mode page (capabilities.MSI_MRIF), judged
against what the coherence oracle permits: the MRIF update (the pending bit of the MSI's
interrupt identity) and the notice MSI that follows it.

An MSI PTE is a cacheable item: until the IOTINVAL.GVMA covering it completes, the IOMMU may
use its old or its new value (flat or MRIF mode, another MRIF, another notice). So what an
MSI write may do is taken from the oracle's permitted outcomes for the request, each MRIF
target giving one permitted effect (models/msi_mrif.py has the rules):

    from scoreboards.mrif_writes import MrifWrites
    mw = MrifWrites(oracle)
    exp = mw.expect(req, data)                   # when the device's write reaches the IOMMU
    v = mw.check_update(exp, pa, value, size=8, read_value=old)   # the IOMMU's MRIF write
    v = mw.check_update(exp, pa, operand, amo=True)               # ... or its AMOOR
    v = mw.check_notice(exp, addr, data)         # the IOMMU's notice MSI
    v = mw.check_silent(exp)                     # the IOMMU made no MRIF update for it
    v = mw.check_fault(exp, cause)               # a fault record the IOMMU wrote for it

Each returns a Verdict (records.Verdict): ok, and a one-line message naming the MSI PTE
(address, GSCID, GPA page), the identity and where its pending bit is.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from models import Cause, Request
from models.memory import AccessFault, PoisonedData
from models import msi_mrif
from models.msi_mrif import MrifTarget

from .records import Verdict
from .scope import Key, describe_item


@dataclass(frozen=True)
class Effect:
    """What one permitted MRIF target makes of the write: RECORDED (the pending bit of
    `identity` at bit `bit` of the doubleword at `pending_pa`, then the notice), DISCARDED or
    ABORTED (nothing written)."""
    target: MrifTarget
    action: str
    identity: Optional[int] = None
    pending_pa: Optional[int] = None
    bit: Optional[int] = None

    def __str__(self) -> str:
        if self.action != msi_mrif.RECORDED:
            return f"{self.target}: {self.action}"
        return (f"{self.target}: identity {self.identity} -> pending bit {self.bit} of "
                f"{self.pending_pa:#x}, then notice {self.target.nid:#x} at "
                f"{self.target.notice_addr:#x}")


def permitted_effects(outcomes, offset: int, data: int, size: int = 4,
                      big_endian_msis: bool = False) -> frozenset:
    """The Effects of a write of `size` bytes of `data` at page offset `offset`, one per MRIF
    target among `outcomes` (Outcomes without an MRIF target give none). big_endian_msis: the
    system's IMSICs implement seteipnum_be (IommuModel.big_endian_msis)."""
    out = set()
    for o in outcomes:
        if o.mrif is None:
            continue
        action, identity = msi_mrif.classify_write(offset, data, size, big_endian_msis)
        if action == msi_mrif.RECORDED:
            pa, bit = msi_mrif.pending_bit(o.mrif.mrif_addr, identity)
            out.add(Effect(o.mrif, action, identity, pa, bit))
        else:
            out.add(Effect(o.mrif, action))
    return frozenset(out)


@dataclass
class Expectation:
    """What the IOMMU may do for one MSI write (MrifWrites.expect)."""
    req: Request
    data: int
    size: int
    effects: frozenset               # Effect per permitted MRIF target
    others: frozenset                # permitted outcomes without an MRIF target
    pte: str                         # the MSI PTE the walk over current memory reads
    causes: frozenset = frozenset()  # fault causes a record for this write may carry
    updated: set = field(default_factory=set)     # Effects whose update was seen

    @property
    def recorded(self) -> list:
        return sorted((e for e in self.effects if e.action == msi_mrif.RECORDED), key=str)

    def head(self) -> str:
        r = self.req
        return (f"MSI write did={r.did} iova={r.iova:#x} data={self.data:#x} ({self.pte})")


class MrifWrites:
    def __init__(self, oracle) -> None:
        self.oracle = oracle
        self._processed: list = []   # Expectations answered by the IOMMU, update not yet seen

    # -- IOFENCE.C PW=1 (docs/design.md, "IOFENCE.C PR and PW") ------------------------------
    def processed(self, exp: Expectation) -> None:
        """The IOMMU has processed this MSI write (it answered the device's request): from now
        on an IOFENCE.C with PW=1 that completes must find its MRIF update committed."""
        self._processed.append(exp)

    def fence_completed(self, pw: bool) -> list:
        """An IOFENCE.C completed (cqh moved past it, or its AV write was seen). With PW=1,
        "all previous write requests from devices that have already been processed by the
        IOMMU" are committed: each processed MSI write that every permitted MSI PTE value
        records must have had its MRIF update seen by now. Returns the failed Verdicts; the
        writes judged are forgotten (PW=0 keeps them for a later fence)."""
        if not pw:
            return []
        out = []
        for exp in self._processed:
            if not exp.updated and not self.check_silent(exp).ok:
                out.append(Verdict(False, f"MISMATCH IOFENCE.C PW=1 completed before the MRIF "
                                   f"update of the {exp.head()} it had processed "
                                   f"({'; '.join(str(e) for e in exp.recorded)})"))
        self._processed = []
        return out

    def expect(self, req: Request, data: int, size: int = 4,
               earlier: frozenset = frozenset()) -> Expectation:
        """The permitted effects of the device's write of `data` at req.iova, now (plus
        `earlier`: outcomes() taken when the write was issued, for a write in flight across
        the completion of an invalidation)."""
        outcomes = self.oracle.outcomes(req) | frozenset(earlier)
        effects = permitted_effects(outcomes, req.iova & 0xFFF, data, size,
                                    self.oracle.model.big_endian_msis)
        others = frozenset(o for o in outcomes if o.mrif is None)
        causes = {int(o.cause) for o in others if o.cause is not None}
        for e in effects:
            if e.action == msi_mrif.RECORDED:
                causes |= self._failures(e)
        return Expectation(req, data, size, effects, others, self._pte(req), frozenset(causes))

    def _failures(self, e: Effect) -> set:
        """The causes the update or the notice of `e` meets in the oracle's memory now: 264 /
        271 for the MRIF doubleword (bus error or beyond PAS / poisoned data), 273 for the
        notice address (docs/design.md, "MSI MRIF mode": the model's choice of cause)."""
        out = set()
        limit = self.oracle.model.pa_limit
        mem = self.oracle.mem
        if e.pending_pa + 8 > limit:
            out.add(int(Cause.MRIF_ACCESS_FAULT))
        else:
            try:
                mem.read(e.pending_pa, 8)
            except AccessFault:
                out.add(int(Cause.MRIF_ACCESS_FAULT))
            except PoisonedData:
                out.add(int(Cause.MSI_MRIF_DATA_CORRUPTION))
        if not out:
            addr = e.target.notice_addr
            try:
                if addr + 4 > limit:
                    raise AccessFault("beyond PAS")
                mem.read(addr, 4)
            except AccessFault:
                out.add(int(Cause.MSI_WRITE_ACCESS_FAULT))
            except PoisonedData:
                pass                 # poison matters to reads only; the notice is a write
        return out

    def check_fault(self, exp: Expectation, cause: int) -> Verdict:
        """The IOMMU reported `cause` for this MSI write (its record, or 273's TTYP-0 record
        for the notice): permitted when a permitted outcome faults with it or a permitted
        MRIF update or notice meets it in memory now."""
        if int(cause) in exp.causes:
            return Verdict(True, "OK")
        return Verdict(False, f"UNEXPECTED fault {int(cause)} for {exp.head()}: permitted "
                       f"causes {sorted(exp.causes) or 'none'} ({self._permitted(exp)})")

    def _pte(self, req: Request) -> str:
        """The MSI PTE the model's walk over current memory reads for `req`, in spec terms."""
        trace: list = []
        self.oracle.model.walk(req, trace=trace)
        for item, _ in trace:
            if item.kind == "msipte":
                return describe_item(Key("msipte", item.tag), item.pa)
        return "no MSI PTE on the current walk"

    # -- the IOMMU's MRIF write ------------------------------------------------------------
    def check_update(self, exp: Expectation, pa: int, value: int, size: int = 8,
                     read_value: Optional[int] = None, amo: bool = False) -> Verdict:
        """The IOMMU wrote `size` bytes of `value` at `pa` (amo=True: an AMOOR with operand
        `value`). A plain write is a read-modify-write: `read_value` is what the IOMMU read
        from the same bytes before (required). With capabilities.AMO_MRIF the update must be
        an AMOOR (AIA: "the pending bit is set using an AMOOR operation"); without it an AMOOR
        is accepted too (it is the stronger operation)."""
        if pa % size or size not in (1, 2, 4, 8):
            raise ValueError(f"check_update: {size}-byte write at {pa:#x} is not aligned")
        if not amo and read_value is None:
            raise ValueError("check_update: a plain write needs read_value (what the IOMMU "
                             "read before writing)")
        atomic_required = self.oracle.model.caps.amo_mrif
        what = (f"{'AMOOR' if amo else 'write'} of {value:#x} ({size} bytes) at {pa:#x}")
        recorded = exp.recorded
        if not recorded:
            return Verdict(False, f"UNEXPECTED MRIF {what} for {exp.head()}: no permitted "
                           f"outcome records this MSI ({self._permitted(exp)})")
        for e in recorded:
            rel = pa - e.pending_pa
            if not (0 <= rel and rel + size <= 8 and rel * 8 <= e.bit < (rel + size) * 8):
                continue
            bit = 1 << (e.bit - rel * 8)
            # the same write is every permitted target's update that sets this bit here (two
            # PTE values may differ only in their notice, e.g. one read half-updated)
            same = [x for x in recorded if (x.pending_pa, x.bit) == (e.pending_pa, e.bit)]
            if amo and value == bit:
                exp.updated.update(same)
                return Verdict(True, "OK")
            if not amo and not atomic_required and value == read_value | bit:
                exp.updated.update(same)
                return Verdict(True, "OK")
            if not amo and atomic_required and value == read_value | bit:
                return Verdict(False, f"MISMATCH MRIF {what} for {exp.head()}: "
                               f"capabilities.AMO_MRIF=1, the pending bit must be set by an "
                               f"AMOOR, not a read-modify-write")
            return Verdict(False, f"MISMATCH MRIF {what} for {exp.head()}: identity "
                           f"{e.identity} sets only bit {e.bit} of {e.pending_pa:#x} "
                           f"(expected {'operand' if amo else 'value'} "
                           f"{bit if amo else (read_value or 0) | bit:#x})")
        return Verdict(False, f"UNEXPECTED MRIF {what} for {exp.head()}: the permitted "
                       f"updates are {'; '.join(str(e) for e in recorded)}")

    # -- the IOMMU's notice MSI ------------------------------------------------------------
    def check_notice(self, exp: Expectation, addr: int, data: int) -> Verdict:
        """The IOMMU wrote 4 bytes of `data` at `addr` as the notice MSI of this MSI write:
        it must be the (NPPN << 12, NID) of a permitted MRIF target, after that target's MRIF
        update (AIA: the notice is written once the MRIF update is visible)."""
        what = f"notice MSI {data:#x} at {addr:#x}"
        matching = [e for e in exp.recorded
                    if (e.target.notice_addr, e.target.nid) == (addr, data)]
        if not matching:
            return Verdict(False, f"UNEXPECTED {what} for {exp.head()}: permitted "
                           f"{self._permitted(exp)}")
        if not any(e in exp.updated for e in matching):
            return Verdict(False, f"MISMATCH {what} for {exp.head()}: sent before the MRIF "
                           f"update it announces (identity {matching[0].identity}: pending "
                           f"bit {matching[0].bit} of {matching[0].pending_pa:#x})")
        return Verdict(True, "OK")

    def check_silent(self, exp: Expectation) -> Verdict:
        """The IOMMU made no MRIF update for this write: permitted when some permitted outcome
        does not record it (a flat translation, a fault, a discarded or aborted write)."""
        if any(e.action != msi_mrif.RECORDED for e in exp.effects) or exp.others:
            return Verdict(True, "OK")
        return Verdict(False, f"MISSING MRIF update for {exp.head()}: every permitted MSI PTE "
                       f"value records it ({'; '.join(str(e) for e in exp.recorded)})")

    @staticmethod
    def _permitted(exp: Expectation) -> str:
        parts = [str(e) for e in sorted(exp.effects, key=str)]
        parts += [str(o) for o in sorted(exp.others, key=str)]
        return " | ".join(parts) or "nothing"
