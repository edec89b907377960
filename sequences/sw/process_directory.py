"""The process directory table (PDT) of one device: PD8 / PD17 / PD20, 16-byte process
contexts, non-leaf pages allocated on demand.

Under an active G-stage the PDT lives at GPAs: `addr_to_pa` maps each store's address to
the SPA written (identity by default), and the pointers stored (pdtp.PPN, pdte.PPN, PC.fsc.PPN)
are GPAs. Store order, as for device contexts: a PC becoming valid gets fsc first and ta
(with V=1) last; a valid PC takes one changed doubleword in place, not two (set V=0 with
invalidate_pc, invalidate, then set it) unless in_place=True; a new page is filled before the
one store that links it.
"""
from __future__ import annotations

from typing import Optional, Union

from models.process_context import pdi_split

from .device_directory import IOSATP_MODES, PDT_MODES, mode_code
from .page_allocator import PageAllocator
from .update import PPN_FIELD, PTE_V, AddrToPa, Recorder, Store64, Update, identity, leaf_slot

PD_LEVELS = {"pd8": 1, "pd17": 2, "pd20": 3}
PD_PID_BITS = {"pd8": 8, "pd17": 17, "pd20": 20}
PPN44 = (1 << 44) - 1


def pc_entry_words(pscid: int = 0, fs_mode: Union[str, int] = "bare", fs_root: int = 0,
             ens: bool = False, sum_: bool = False, v: bool = True) -> tuple:
    """(ta, fsc) of a process context."""
    ta = int(v) | int(ens) << 1 | int(sum_) << 2 | (pscid & 0xFFFFF) << 12
    fsc = mode_code(IOSATP_MODES, fs_mode, "PC.fsc") << 60 | (fs_root >> 12) & PPN44
    return ta, fsc


class ProcessDirectory:
    def __init__(self, mode: str, alloc: PageAllocator, store64: Store64, *,
                 addr_to_pa: Optional[AddrToPa] = None, did: int = 0,
                 gscid: Optional[int] = None) -> None:
        """mode: 'pd8' | 'pd17' | 'pd20'. did: the device whose DC points here; gscid: that
        DC's GSCID when its G-stage is active (None: Bare). Both feed the invalidation plans."""
        mode = mode.lower()
        if mode not in PD_LEVELS:
            raise ValueError(f"PDT mode {mode!r}: expected 'pd8', 'pd17' or 'pd20'")
        self.mode, self.levels = mode, PD_LEVELS[mode]
        self.mode_code = PDT_MODES[mode]
        self.alloc, self.store64 = alloc, store64
        self.addr_to_pa: AddrToPa = addr_to_pa or identity
        self.did, self.gscid = did, gscid
        self.root = alloc.alloc_page()
        self._tables: list[int] = [self.root]
        self._shadow: dict[int, int] = {}
        self._pcs: set[int] = set()

    def pdtp(self) -> int:
        """The DC.fsc value (pdtp) pointing at this directory."""
        return self.mode_code << 60 | self.root >> 12

    # -- layout -------------------------------------------------------------------------------
    @staticmethod
    def pdi(pid: int) -> tuple:
        return pdi_split(pid)

    def _check_pid(self, pid: int) -> None:
        if not 0 <= pid < 1 << PD_PID_BITS[self.mode]:
            raise ValueError(f"process_id {pid:#x} does not fit a {self.mode.upper()} directory")

    def pc_addr(self, pid: int) -> Optional[int]:
        """Address of the PC slot of pid, or None while a non-leaf entry above it is invalid."""
        self._check_pid(pid)
        return leaf_slot(self._shadow, self.root, self.pdi(pid), self.levels, 16)

    def pc_words(self, pid: int) -> tuple:
        a = self.pc_addr(pid)
        return (0, 0) if a is None else (self._shadow.get(a, 0), self._shadow.get(a + 8, 0))

    # -- operations -------------------------------------------------------------------------
    def set_pc(self, pid: int, *, pscid: int = 0, fs_mode: Union[str, int] = "bare",
               fs_root: int = 0, ens: bool = False, sum_: bool = False,
               in_place: bool = False) -> Update:
        """Write the PC of pid: ta = V, ENS, SUM, PSCID; fsc = first-stage mode and root."""
        self._check_pid(pid)
        words = pc_entry_words(pscid, fs_mode, fs_root, ens, sum_)
        rec = Recorder(self.store64, self.addr_to_pa, self._shadow)
        idx, a, links = self.pdi(pid), self.root, []
        for i in range(self.levels - 1, 0, -1):
            ea = a + 8 * idx[i]
            e = self._shadow.get(ea, 0)
            if e & PTE_V:
                a = (e & PPN_FIELD) >> 10 << 12
            else:
                t = self.alloc.alloc_page()
                self._tables.append(t)
                links.append((ea, t, i))
                a = t
        addr = a + 16 * idx[0]
        old = (self._shadow.get(addr, 0), self._shadow.get(addr + 8, 0))
        if old[0] & 1 and old[0] != words[0] and old[1] != words[1] and not in_place:
            raise ValueError(
                f"set_pc({pid}): changes both doublewords of a valid process context; a driver "
                "sets V=0 (invalidate_pc), invalidates, then sets the new context "
                "(or pass in_place=True to store them anyway, one by one)")
        rec.entry("pc", addr, words, (1, 0), linked=not links, did=self.did, pid=pid)
        self._pcs.add(pid)
        for j, (ea, t, i) in enumerate(reversed(links)):
            rec.entry("pdte", ea, ((t >> 12) << 10 | PTE_V,), (0,), level=i,
                      linked=j == len(links) - 1, did=self.did, pid=pid)
        return self._update(rec, "pc", pid)

    def invalidate_pc(self, pid: int) -> Update:
        """V=0 in the PC of pid (one store of ta)."""
        addr = self.pc_addr(pid)
        if addr is None:
            raise ValueError(f"invalidate_pc({pid}): no directory page holds that process")
        ta, fsc = self.pc_words(pid)
        rec = Recorder(self.store64, self.addr_to_pa, self._shadow)
        rec.entry("pc", addr, (ta & ~1, fsc), (0,), did=self.did, pid=pid)
        return self._update(rec, "pc", pid)

    def set_pdte(self, pid: int, level: int, value: int) -> Update:
        """Store a raw value into the non-leaf entry at `level` on the path of pid (tests that
        break or repoint the directory). The entries above must be valid."""
        rec = Recorder(self.store64, self.addr_to_pa, self._shadow)
        rec.entry("pdte", self.pdte_addr(pid, level), (value,), (0,), level=level,
                  did=self.did, pid=pid)
        return self._update(rec, "pdte", pid)

    def pdte_addr(self, pid: int, level: int) -> int:
        """Address (in the directory's space: a GPA under a G-stage) of the non-leaf entry at
        `level` on the path of pid (the entries above it must be valid)."""
        self._check_pid(pid)
        if not 0 < level < self.levels:
            raise ValueError(f"a {self.mode.upper()} directory has no level {level}")
        idx, a = self.pdi(pid), self.root
        for i in range(self.levels - 1, level, -1):
            e = self._shadow.get(a + 8 * idx[i], 0)
            if not e & PTE_V:
                raise ValueError(f"level {i} PDT entry of process {pid:#x} is not valid")
            a = (e & PPN_FIELD) >> 10 << 12
        return a + 8 * idx[level]

    def _update(self, rec: Recorder, kind: str, pid: int) -> Update:
        pc = next((c for c in rec.changes if c.entry == "pc"), None)
        pscid = None
        if pc is not None:
            ta = pc.old[0] if pc.old_valid else pc.new[0]
            pscid = ta >> 12 & 0xFFFFF
        return Update(kind, "pdt", tuple(rec.changes), tuple(rec.stores), did=self.did,
                      pid=pid, gscid=self.gscid, pscid=pscid)

    # -- for the invalidation plans ---------------------------------------------------------
    def gpa_pointers(self) -> list:
        """(did, gscid, gpa) for every GPA this directory's entries hold when the device's
        G-stage is active: its pages (pdtp.PPN, pdte.PPN) and each valid PC's fsc.PPN."""
        if self.gscid is None:
            return []
        gpas = list(self._tables)
        for pid in sorted(self._pcs):
            ta, fsc = self.pc_words(pid)
            if ta & 1 and fsc >> 60:
                gpas.append((fsc & PPN44) << 12)
        return [(self.did, self.gscid, g) for g in gpas]
