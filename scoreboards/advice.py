"""Advice: software-sequence findings. Each store that changes an entry a cache may hold (under
the policy) is an update needing an invalidation; it stays open until covering invalidations
have completed for every way the entry may be cached. A mixin of CoherenceOracle.
"""
from __future__ import annotations

from typing import Optional

from models import Reg, Request
from models.command_queue import Command

from .messages import req_str
from .formats import FMT_32, native_first
from .records import Finding, OldValue, CachedValue, ReadKey, Update
from .scope import (INVALIDATIONS, covers, describe_cmd, describe_item, needed_command, scope_of,
                    why_not)

FINDINGS_CAP = 1000     # advice findings kept (the rest are counted)
UPDATES_CAP = 10000     # open updates tracked for advice (oldest dropped, counted)


def _naming_reader(rks) -> ReadKey:
    """The way an entry may be held that names its update: the most demanding one (a G-stage
    entry translating a context's pointer adds that context's IODIR), then a stable order."""
    return min(rks, key=lambda r: (r.kind, r.owner is None, str(r.tag)))


class Advice:
    """State: _updates, _findings, findings_dropped; see CoherenceOracle.__init__."""

    def advice(self) -> list:
        """Software-sequence findings so far: updates whose needed invalidation is missing,
        not completed, or was completed only after a request relied on the new value."""
        out = self._cleaning_findings() + list(self._findings)
        for u in self._updates:
            state = self._cover_state(u)
            status = "missing" if state == "none" else "not-completed"
            detail = ("no covering invalidation issued" if state == "none"
                      else f"{state} issued but no later IOFENCE.C has completed")
            if state == "none":
                detail += self._uncovering(u)
            if u.relied:
                detail += f"; request {u.relied} relied on the new value ({u.relied_state})"
            out.append(Finding(u.seq, u.item, u.needed, status, detail))
        return out

    def _note_update(self, seq: int, pa: int, old: int, readers: dict) -> None:
        rks = set()
        for rk, (_, base) in readers.items():
            words = (old,) if base == pa else (self.mem.read64(base),)
            first = native_first(rk.kind, rk.fmt, rk.tag, words[0]) if rk.fmt else words[0]
            if rk.fmt & FMT_32 and base == pa and first == native_first(
                    rk.kind, rk.fmt, rk.tag, self.mem.read64(pa)):
                continue        # a 4-byte PTE the store left as it was (the doubleword's other)
            if rk.kind == "msipte" and base != pa and first & 7 == 7:
                continue        # basic-mode MSI PTE (V=1, M=3): the IOMMU ignores doubleword 1
            if rk.kind in self.policy.cached and (first & 1
                                                  or rk.kind in self.policy.invalid_cached):
                rks.add(rk)
        if not rks:
            return
        rk = _naming_reader(rks)
        base = readers[rk][1]
        item = describe_item(self._key(rk, old if base == pa else None), base)
        self._updates.append(Update(seq, pa, item, needed_command(self._key(rk, old), rk.owner),
                                    self._t, rks, old))
        if len(self._updates) > UPDATES_CAP:
            self._updates.pop(0)
            self.findings_dropped += 1

    def _note_ddtp_change(self) -> None:
        dirs = ("ddte", "dc", "pdte", "pc")
        keys = {ck for ck in self._cache if ck[0] in dirs}
        keys |= {(rk.kind, rk.tag) for rks in self._reach_now().values() for rk in rks
                 if rk.kind in dirs}
        if not keys:
            return
        rks = {ReadKey(ck[0], ck[1]) for ck in keys}
        self._updates.append(Update(0, Reg.DDTP, "ddtp (cached DDT/PDT entries of the old table)",
                                    "IODIR.INVAL_DDT DV=0", self._t, rks, 1))

    def _touches(self, cmd: Command, rk: ReadKey, value: Optional[int]) -> bool:
        """Does cmd cover the reader's item, or the context holding its translation?"""
        return covers(cmd, self._key(rk, value)) or (rk.owner is not None
                                                     and covers(cmd, rk.owner))

    def _cover_state(self, u: Update) -> str:
        for _, cmd, doorbell, _ in self._pending:
            if doorbell >= u.t and cmd.name in INVALIDATIONS and any(
                    self._touches(scope_of(cmd), rk, u.old) for rk in u.readers):
                return describe_cmd(cmd)
        return "none"

    def _uncovering(self, u: Update) -> str:
        """The invalidations issued since the update that did not cover it, and why."""
        issued = [(d, c) for d, c in self._done if d >= u.t]
        issued += [(d, scope_of(c)) for _, c, d, _ in self._pending
                   if d >= u.t and c.name in INVALIDATIONS]
        if not issued:
            return ""
        rk = _naming_reader(u.readers)
        key = self._key(rk, u.old)
        reasons = []
        for _, cmd in issued[-3:]:
            why = why_not(cmd, key)
            if why:
                reasons.append(f"{describe_cmd(cmd)} ({why})")
        more = f" and {len(issued) - 3} earlier" if len(issued) > 3 else ""
        return ("; issued but not covering it: " + ", ".join(reasons) + more) if reasons else ""

    def _note_reliance(self, req: Request, results: dict) -> None:
        seqs = set()
        for paths in results.values():
            for reads in paths:
                for r in reads:
                    src = r.opt.src
                    if isinstance(src, (OldValue, CachedValue)) and src.seq:
                        seqs.add(src.seq)
        if not seqs:
            return
        for u in self._updates:
            if u.relied is None and u.seq in seqs:
                u.relied = req_str(req)
                state = self._cover_state(u)
                u.relied_state = ("no covering invalidation issued" if state == "none"
                                  else f"{state} issued, not completed")

    def _complete_updates(self, cmd: Command, doorbell: int, fence: int, order: int) -> None:
        """Updates waiting for this completed invalidation."""
        still = []
        for u in self._updates:
            if u.t <= doorbell and any(self._touches(cmd, rk, u.old) for rk in u.readers):
                self._add_killer(u.killers, cmd, fence, order)
                u.readers = {rk for rk in u.readers if not self._killer(u.killers, rk, u.old)}
            if u.readers:
                still.append(u)
            elif u.relied and len(self._findings) < FINDINGS_CAP:
                self._findings.append(Finding(
                    u.seq, u.item, u.needed, "relied-before-completion",
                    f"request {u.relied} relied on the new value ({u.relied_state}); "
                    f"{describe_cmd(cmd)} completed only at IOFENCE.C #{fence}"))
            elif u.relied:
                self.findings_dropped += 1
        self._updates = still
