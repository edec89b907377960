"""Missing cache cleans: the advice of a non-coherent platform. A mixin of CoherenceOracle.

On a platform whose IOMMU does not snoop the harts' caches, a software store becomes visible
to the IOMMU only when software writes its cache block back (Zicbom cbo.clean or cbo.flush).
The testbench then tells the oracle about a store twice:

- `store_cached(pa, value)` when the hart stores: nothing changes for the IOMMU (the oracle's
  memory is what the IOMMU reads, and it still holds the old value); the store is *uncleaned*;
- `store64(pa, value)` when the block is written back: the store is visible from then on and
  judged as every store is (it keeps the number store_cached gave it).

The spec's invalidation guidelines ask software to invalidate "after the update is globally
visible", and a command is an in-memory structure too, so an uncleaned store is a software
mistake when:

- it is in a command-queue entry that a cqt write hands to the IOMMU: the IOMMU fetches what
  memory holds, not the command software wrote;
- it is in an entry some walk can reach (as software laid the tables out, i.e. with every
  uncleaned store written back) and a command of that doorbell, as software wrote it,
  invalidates that entry: the IOMMU may refill its cache from the stale memory right after;
- it is in such an entry, or in a command-queue entry, and was never cleaned (at advice()).

Each is one finding, `missing-clean`, a different finding from a missing invalidation: the
store was never seen by the IOMMU, so no invalidation could help. A store is reported once.
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Optional

from models import Reg
from models.command_queue import IllegalCommand, decode

from .formats import bswap64
from .reach import reachable
from .records import Finding
from .scope import INVALIDATIONS, covers, describe_cmd, describe_item, scope_of

BLOCK = 64                  # cache-block size the findings name (Zicbom's usual 64 bytes)
CQ_ENTRY = 16


def _block(pa: int) -> int:
    return pa & ~(BLOCK - 1)


def _cq_native(model, dw0: int, dw1: int) -> tuple:
    """A command's doublewords as the IOMMU decodes them (fctl.BE: big-endian queue entries)."""
    if model.fctl & 1:
        return bswap64(dw0), bswap64(dw1)
    return dw0, dw1


class Cleaning:
    """State: _uncleaned {pa: (store no, value)}, _clean_findings, _clean_reported; see
    CoherenceOracle.__init__."""

    # -- the API ----------------------------------------------------------------------------
    def store_cached(self, pa: int, value: int) -> int:
        """A software store that stays in the hart's cache (non-coherent platform): not visible
        to the IOMMU until its block is written back (`store64` of the same doubleword).
        Returns its store number."""
        if pa % 8:
            raise ValueError(f"store_cached at {pa:#x}: address must be 8-byte aligned")
        self._t += 1
        self._stores += 1
        value &= (1 << 64) - 1
        if value.to_bytes(8, "little") == self.mem.peek(pa, 8):
            self._uncleaned.pop(pa, None)      # memory already holds it: nothing to clean
        else:
            self._uncleaned[pa] = (self._stores, value)
        return self._stores

    def uncleaned(self) -> dict:
        """{doubleword address: (store number, value)} of the stores not written back yet."""
        return dict(self._uncleaned)

    # -- hooks of the oracle ----------------------------------------------------------------
    def _written_back(self, pa: int, value: int) -> Optional[int]:
        """store64 of pa: the number of the cached store it writes back, if it is one."""
        pend = self._uncleaned.pop(pa, None)
        if pend is not None and pend[1] == value & ((1 << 64) - 1):
            return pend[0]
        return None

    def _doorbell_cleans(self, first: int, end: int, when: str) -> None:
        """Before a register write that makes the IOMMU fetch the entries [first, end) (a cqt
        write hands over those from the old cqt; a cqcsr write restarting the queue those
        from cqh): the uncleaned stores in those entries, and in the entries their commands
        (as software wrote them) invalidate."""
        m = self.model
        entries = 1 << ((m.cqb & 0x1F) + 1)
        base = ((m.cqb >> 10) & ((1 << 44) - 1)) << 12
        end %= entries
        if first == end:
            return
        view = self._software_memory()
        slots, cmds, i = [], [], first
        while i != end:
            slots.append(i)
            a = base + CQ_ENTRY * i
            try:
                cmds.append(decode(*_cq_native(m, view.read64(a), view.read64(a + 8)),
                                   m.fctl >> 1 & 1,
                                   nl=m.caps.nl, s=m.caps.s, ats=m.caps.ats))
            except IllegalCommand:
                pass
            i = (i + 1) % entries
        for i in slots:
            a = base + CQ_ENTRY * i
            pend = [self._uncleaned[x] + (x,) for x in (a, a + 8) if x in self._uncleaned]
            if pend:
                seq, _, pa = min(pend)
                self._report_clean(seq, pa, self._cq_item(i, a, view),
                                   f"not cleaned before {when}: the IOMMU fetches the "
                                   f"command memory holds ({self._cq_words(a)})")
                self._clean_reported.update(p[0] for p in pend)   # one finding per entry
        invals = [c for c in cmds if c.name in INVALIDATIONS]
        if not invals:
            return
        reach = self._software_reach(view)
        for pa, (seq, value) in sorted(self._uncleaned.items()):
            if seq in self._clean_reported or pa not in reach:
                continue
            for rk, item_base in reach[pa].items():
                key = self._key(rk, view.read64(item_base))
                cmd = next((c for c in invals if covers(scope_of(c), key)), None)
                if cmd is not None:
                    self._report_clean(seq, pa, describe_item(key, item_base),
                                       f"not cleaned before {describe_cmd(cmd)} ({when}): the "
                                       f"IOMMU may refill from memory, which still holds "
                                       f"{self.mem.read64(pa):#x} at {pa:#x}")
                    break

    def _cleaning_findings(self) -> list:
        """The missing-clean findings so far, and the uncleaned stores still due (never
        cleaned; one finding per entry, naming its first such store), by store number."""
        out = list(self._clean_findings)
        named = {f.item for f in out}
        due = [(seq, pa) for pa, (seq, _) in self._uncleaned.items()
               if seq not in self._clean_reported]
        if due:
            view = self._software_memory()
            reach = self._software_reach(view)
            cq = self._cq_range()
            for seq, pa in sorted(due):
                if cq is not None and cq[0] <= pa < cq[1]:
                    i = (pa - cq[0]) // CQ_ENTRY
                    item = self._cq_item(i, cq[0] + CQ_ENTRY * i, view)
                elif pa in reach:
                    rk, item_base = next(iter(reach[pa].items()))
                    item = describe_item(self._key(rk, view.read64(item_base)), item_base)
                else:
                    continue                    # not an IOMMU structure: not the oracle's business
                if item in named:
                    continue                    # that entry has its finding already
                named.add(item)
                out.append(self._clean_finding(seq, pa, item, f"never cleaned: memory, where the "
                                               f"IOMMU reads, still holds "
                                               f"{self.mem.read64(pa):#x} at {pa:#x}"))
        return sorted(out, key=lambda f: f.store)

    # -- helpers ----------------------------------------------------------------------------
    def _report_clean(self, seq: int, pa: int, item: str, detail: str) -> None:
        if seq in self._clean_reported:
            return
        self._clean_reported.add(seq)
        self._clean_findings.append(self._clean_finding(seq, pa, item, detail))

    @staticmethod
    def _clean_finding(seq: int, pa: int, item: str, detail: str) -> Finding:
        return Finding(seq, item, f"cbo.clean of block {_block(pa):#x}", "missing-clean",
                       detail)

    def _software_memory(self):
        """Memory as software laid it out: with every uncleaned store written back."""
        return self.mem.overlay({pa: v for pa, (_, v) in self._uncleaned.items()})

    def _software_reach(self, view) -> dict:
        """What walks could reach in the software's memory (the registers are the model's)."""
        m = self.model
        return reachable(SimpleNamespace(mem=view, caps=m.caps, fctl=m.fctl, ddtp=m.ddtp),
                         invalid=True)

    def _cq_range(self):
        m = self.model
        if not m.read_reg(Reg.CQCSR, 4) & 1 and not m.cqb:
            return None
        base = ((m.cqb >> 10) & ((1 << 44) - 1)) << 12
        return base, base + CQ_ENTRY * (1 << ((m.cqb & 0x1F) + 1))

    def _cq_item(self, index: int, pa: int, view) -> str:
        try:
            what = describe_cmd(decode(*_cq_native(self.model, view.read64(pa),
                                                   view.read64(pa + 8)),
                                       self.model.fctl >> 1 & 1, nl=self.model.caps.nl,
                                       s=self.model.caps.s, ats=self.model.caps.ats))
        except IllegalCommand:
            what = "an illegal command"
        return f"command-queue entry {index} @{pa:#x} ({what} as software wrote it)"

    def _cq_words(self, pa: int) -> str:
        dw0, dw1 = self.mem.read64(pa), self.mem.read64(pa + 8)
        try:
            return describe_cmd(decode(*_cq_native(self.model, dw0, dw1), self.model.fctl >> 1 & 1,
                                       nl=self.model.caps.nl, s=self.model.caps.s,
                                       ats=self.model.caps.ats))
        except IllegalCommand:
            return f"{dw0:#x} {dw1:#x}, an illegal command"
