"""Hardware A/D updates (capabilities.AMO_HWAD, DC.tc.SADE/GADE): judging the IOMMU's writes
to PTEs. A mixin of CoherenceOracle.

An A/D update is the only write the IOMMU makes to a page table. It is permitted when a
request the IOMMU is working on reaches, through a permitted walk (current values or earlier
values the policy still permits), a leaf PTE whose A is 0, or whose D is 0 for a write, and
the device context enables the update for that stage (the model's walk lists the updates it
would make: WalkResult.ad_writes). The written value must be the PTE's current memory value
with only A (and D where the request needed it) added: the update is a compare-and-swap
against memory, never a write of a cached value, and the IOMMU never clears A or D.

An accepted write changes the oracle's memory as the IOMMU changed it; it is not a software
store: no history, no reliance, no advice (software owes no invalidation for it).

An ATS translation request (ttyp 8) is walked as a read, and, when it asked for write
permission (No Write = 0: an attribute `no_write` False on the request), as a write too, as
the model's completion does (models/ats.py): that walk may set D.
"""
from __future__ import annotations

from typing import Iterable

from models import TTYP, Request
from models.page_walk import PTE_A, PTE_D

from .records import Verdict

AD = PTE_A | PTE_D
# Where A and D sit in the raw doubleword the IOMMU writes (formats.py): an 8-byte PTE or a low
# Sv32 half (bits 7:6), a big-endian low Sv32 half (31:30), a high Sv32 half (39:38), a
# big-endian 8-byte PTE or high Sv32 half (63:62).
AD_GROUPS = (AD, AD << 24, AD << 32, AD << 56)


def _ad_mask(bits: int) -> int:
    """The A/D positions of the PTE a walk's update sets `bits` of."""
    for g in AD_GROUPS:
        if bits & g:
            return g
    return AD


def _walks(req: Request) -> tuple:
    """The walks `req` makes: itself; an ATS translation request that asked for write
    permission also walks as an untranslated write (its updates may set D)."""
    if int(req.ttyp) == int(TTYP.PCIE_ATS) and getattr(req, "no_write", True) is False:
        return req, Request(did=req.did, iova=req.iova, ttyp=TTYP.UNTRANSLATED_WRITE,
                            pid=req.pid, priv_s=req.priv_s)
    return (req,)


class AdUpdates:
    """What the IOMMU may write to a PTE, and the judging of what it wrote."""

    def ad_permitted(self, req: Request) -> dict:
        """{PTE address: (value the walk read, A/D bits it may add)} over every permitted walk
        of `req` now (each path run without side effects)."""
        from .walk_paths import Path
        out: dict = {}
        for walk_req in _walks(req):
            script: list = []
            n = 0
            while script is not None and n < self.max_paths:
                path = Path(self, walk_req, script, explain=False)
                walked = self.model.walk(walk_req, item_value=path.hook)
                for pa, old, new in walked.ad_writes:
                    seen = out.setdefault(pa, {})
                    # (the bits the model's update sets: A/D where this PTE's format has them)
                    seen[old] = seen.get(old, 0) | (new & ~old)
                n += 1
                script = path.next_script()
        return out

    def ad_write(self, pa: int, value: int, requests: Iterable[Request]) -> Verdict:
        """The IOMMU wrote `value` to the doubleword at `pa` while working on `requests`: is it
        an A/D update the spec permits? If so, memory takes it (an IOMMU write, not a store)."""
        cur = self.mem.read64(pa)
        value &= (1 << 64) - 1
        allowed = 0
        why = []
        for req in requests:
            for old, bits in self.ad_permitted(req).get(pa, {}).items():
                if (old ^ cur) & ~_ad_mask(bits):
                    why.append(f"did={req.did} read {old:#x}, memory now {cur:#x}")
                    continue
                allowed |= bits
        if not allowed:
            reason = ("; ".join(why[:2]) + ": the PTE changed since (compare-and-swap fails)"
                      if why else "no request in flight needs an A/D update of it "
                      "(A and D set as needed, SADE/GADE=0, or not a leaf any walk reaches)")
            return Verdict(False, f"AD-UPDATE pte @{pa:#x} expected=no write (value {cur:#x}) "
                           f"got={value:#x}: {reason}", frozenset())
        want = cur | allowed
        if value & ~allowed != cur & ~allowed or value & cur != cur or value & ~want:
            return Verdict(False, f"AD-UPDATE pte @{pa:#x} expected={want:#x}"
                           f"{' (or with A only)' if allowed == AD and not cur & PTE_A else ''} "
                           f"got={value:#x} (memory held {cur:#x}; only A"
                           f"{'/D' if allowed & PTE_D else ''} may be set)", frozenset())
        self._ad_written(pa, value)
        return Verdict(True, f"OK A/D update @{pa:#x} {cur:#x}->{value:#x}", frozenset())

    def _ad_written(self, pa: int, value: int) -> None:
        """Memory as the IOMMU left it: outcomes may change (a SADE=0 device sharing the
        table now sees A=1), so every memoised result is dropped; nothing is remembered as a
        software update."""
        if self.mem.read64(pa) == value:
            return
        self.mem.write64(pa, value)
        self._epoch += 1
        self._rec_gen += 1
        self._memo.clear()
