"""A page table of one stage, built and changed the way a driver or hypervisor does it.

First stage: Sv39 / Sv48 / Sv57 (4 KiB root). G-stage: Sv39x4 / Sv48x4 / Sv57x4 (16 KiB root,
11-bit top index). Sv32 (first stage of a DC with tc.SXL=1) and Sv32x4 (G-stage under
fctl.GXL=1): two levels of 4-byte PTEs, 10-bit indices (12 at the Sv32x4 root), 4 KiB and 4 MiB
pages, 34-bit physical addresses, no Svnapot/Svpbmt/Svrsw60t59b bits. Table addresses live in the table's own address space: SPAs for a host or
G-stage table, GPAs for a guest's first-stage table under a G-stage; `addr_to_pa` maps each
store's address to the SPA written (identity by default), so one class serves both.

Driver discipline, kept by every operation:
- a new table is allocated zeroed and filled completely before the one store that links it;
- every PTE change is one 64-bit store (a 64 KiB NAPOT page is 16 PTEs, so 16 stores); a
  4-byte PTE's is a store of its doubleword with the neighbour PTE from the shadow (in the
  table's byte order: big-endian puts the word at offset 0 in bits 63:32 before the swap),
  and, given `peek64`, with the A and D bits the IOMMU has set in the neighbour since (what a
  4-byte store would leave: the neighbour is not changed, so it needs no invalidation);
- leaves carry A=1 and D=1 unless map(..., ad=...) says otherwise (a scenario of hardware A/D
  update, AMO_HWAD, maps leaves with A=0 or D=0 on purpose);
- bits 60:59 are 0, unless the table was given `rsw_rng` (an IOMMU with Svrsw60t59b, where
  they are software's and ignored): each new leaf and pointer then gets random ones;
- nothing is freed while it may still be cached: pages unlinked by an operation are listed in
  `Update.freed` and returned with `reclaim(update)` once the invalidation has completed.

The table keeps a shadow copy of the entries it wrote (it is the only writer of its pages).
"""
from __future__ import annotations

from typing import Callable, NamedTuple, Optional

from .page_allocator import PageAllocator
from .update import (PPN_FIELD, PTE_A, PTE_D, PTE_G, PTE_N, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X,
                     AddrToPa, Recorder, Store, Store64, Update, identity)

SIZE_4K = 0x1000
SIZE_64K = 0x1_0000
SIZE_2M = 0x20_0000
SIZE_1G = 0x4000_0000
SIZE_512G = 0x80_0000_0000
SIZE_4M = 0x40_0000            # an Sv32/Sv32x4 megapage
_M32 = 0xFFFF_FFFF
# what ends software's walk of its own shadow: R or X (a leaf), or W alone (a malformed leaf a
# fault test stored through the table: still the page it maps, never a pointer)
_LEAF = PTE_R | PTE_W | PTE_X

FIRST_STAGE_MODES = {"sv39": (8, 3), "sv48": (9, 4), "sv57": (10, 5)}     # name: (MODE, levels)
G_STAGE_MODES = {"sv39x4": (8, 3), "sv48x4": (9, 4), "sv57x4": (10, 5)}
# the 32-bit schemes (MODE 8 under DC.tc.SXL=1 / fctl.GXL=1): name -> (stage, MODE, levels)
SV32_MODES = {"sv32": ("first", 8, 2), "sv32x4": ("g", 8, 2)}

PERMS = {"r": PTE_R, "rw": PTE_R | PTE_W, "rx": PTE_R | PTE_X, "rwx": PTE_R | PTE_W | PTE_X,
         "x": PTE_X}
PBMT_SHIFT = 61                # Svpbmt memory type, leaf bits 62:61
FLAG_MASK = (1 << 10) - 1 | ((1 << 64) - 1) ^ ((1 << 54) - 1)   # everything but PPN[53:10]
RSW_SHIFT = 59                 # Svrsw60t59b: bits 60:59 for software
RSW_MASK = 3 << RSW_SHIFT


def perms_of(pte: int) -> str:
    return "".join(c for c, b in (("r", PTE_R), ("w", PTE_W), ("x", PTE_X)) if pte & b)


def _ppn(pte: int) -> int:
    return (pte & PPN_FIELD) >> 10


def _pointer(table: int) -> int:
    return (table >> 12) << 10 | PTE_V


class Mapping(NamedTuple):
    pa: int
    perms: str
    size: int


class _Recorder32(Recorder):
    """A Recorder for 4-byte PTEs: the env stores doublewords, so each PTE store is a 64-bit
    store of its doubleword, the other half taken from the shadow."""

    def __init__(self, store64: Store64, addr_to_pa: AddrToPa, shadow: dict,
                 big_endian: bool, peek64: Optional[Callable[[int], int]] = None) -> None:
        super().__init__(store64, addr_to_pa, shadow)
        self.big_endian = big_endian
        self.peek64 = peek64

    def _other(self, addr: int) -> int:
        """The value to store for the doubleword's other PTE: software's, with the A and D
        bits the IOMMU set in memory since (a 4-byte store would leave them; with peek64)."""
        v = self.shadow.get(addr, 0)
        if self.peek64 is None or not v:
            return v
        dw = self.peek64(self.addr_to_pa(addr & ~7))
        if self.big_endian:                     # peek64 reads in the table's byte order
            mem = dw >> 32 if not addr & 4 else dw & _M32
        else:
            mem = dw >> 32 if addr & 4 else dw & _M32
        ad = PTE_A | PTE_D
        return v | mem & ad if mem & ~ad == v & ~ad else v

    def store(self, addr: int, value: int) -> Store:
        old = self.shadow.get(addr, 0)
        if value:
            self.shadow[addr] = value
        else:
            self.shadow.pop(addr, None)
        dw = addr & ~7
        w0 = value if dw == addr else self._other(dw)
        w4 = value if dw != addr else self._other(dw + 4)
        # store64 swaps the doubleword for a big-endian table: the word at offset 0 goes first
        self.store64(self.addr_to_pa(dw), w0 << 32 | w4 if self.big_endian else w4 << 32 | w0)
        s = Store(self.addr_to_pa(addr), value, old)
        self.stores.append(s)
        return s


class PageTable:
    def __init__(self, mode: str, alloc: PageAllocator, store64: Store64, *,
                 addr_to_pa: Optional[AddrToPa] = None, gscid: Optional[int] = None,
                 pscid: Optional[int] = None, rsw_rng=None, big_endian: bool = False,
                 peek64: Optional[Callable[[int], int]] = None) -> None:
        """mode: 'sv39' | 'sv48' | 'sv57' | 'sv39x4' | 'sv48x4' | 'sv57x4' | 'sv32' | 'sv32x4'.
        alloc: hands out the table pages (in the same address space as the table).
        gscid / pscid: the tags the IOMMU uses for this table (GSCID of the G-stage it sits
        under or is; PSCID of the DC/PC using it), copied into each Update for the
        invalidation plans. A G-stage table must have a gscid.
        rsw_rng: a random.Random for an IOMMU with Svrsw60t59b: every new leaf and non-leaf
        PTE gets random bits 60:59 (software's there; any other IOMMU must fault on them).
        big_endian: the table's byte order, needed only to place a 4-byte PTE in its doubleword
        (store64 already stores doublewords in that order).
        peek64: reads a doubleword of memory in the table's byte order (Sv32/Sv32x4: where a
        4-byte PTE's store finds the A/D bits the IOMMU set in its neighbour)."""
        mode = mode.lower()
        self.sv32 = mode in SV32_MODES
        self.pte_bytes = 4 if self.sv32 else 8
        self.vpn_bits = 10 if self.sv32 else 9
        self.entries = 1 << self.vpn_bits          # entries of a non-root table page
        self.big_endian = big_endian
        self.peek64 = peek64
        if self.sv32:
            self.stage, self.mode_code, self.levels = SV32_MODES[mode]
            rsw_rng = None                          # a 4-byte PTE has no bits 60:59
            if self.stage == "g":
                gscid = 0 if gscid is None else gscid
        elif mode in FIRST_STAGE_MODES:
            self.stage = "first"
            self.mode_code, self.levels = FIRST_STAGE_MODES[mode]
        elif mode in G_STAGE_MODES:
            self.stage = "g"
            self.mode_code, self.levels = G_STAGE_MODES[mode]
            gscid = 0 if gscid is None else gscid
        else:
            raise ValueError(f"unknown page-table mode {mode!r}")
        self.mode = mode
        self.alloc = alloc
        self.store64 = store64
        self.addr_to_pa: AddrToPa = addr_to_pa or identity
        self.gscid, self.pscid = gscid, pscid
        self.rsw_rng = rsw_rng
        self.va_bits = 12 + self.vpn_bits * self.levels + (2 if self.stage == "g" else 0)
        self._shadow: dict[int, int] = {}
        self.root = alloc.alloc_gstage_root() if self.stage == "g" else alloc.alloc_page()
        # table page -> level of the entries it holds
        self._tables: dict[int, int] = {self.root: self.levels - 1}

    # -- values for the directory structures -------------------------------------------------
    def atp(self, ident: int = 0) -> int:
        """iosatp / PC.fsc (ident 0) or iohgatp (ident = GSCID) pointing at this table."""
        return self.mode_code << 60 | ident << 44 | self.root >> 12

    def tables(self) -> list:
        """Every table page of this table (root first)."""
        return sorted(self._tables, key=lambda t: (t != self.root, t))

    # -- address arithmetic ------------------------------------------------------------------
    def span(self, level: int) -> int:
        return 1 << (12 + self.vpn_bits * level)

    def _index(self, va: int, level: int) -> int:
        width = self.vpn_bits + (2 if self.stage == "g" and level == self.levels - 1 else 0)
        return (va >> (12 + self.vpn_bits * level)) & ((1 << width) - 1)

    def _check_va(self, va: int) -> None:
        if self.stage == "g" or self.sv32:          # (Sv32 IOVAs are not sign-extended)
            ok = 0 <= va < 1 << self.va_bits
        else:
            half = 1 << (self.va_bits - 1)
            ok = 0 <= va < half or (1 << 64) - half <= va < 1 << 64
        if not ok:
            raise ValueError(f"{va:#x} is outside the {self.mode} address space")

    def _size_level(self, size: int) -> tuple[int, bool]:
        if size == SIZE_64K and not self.sv32:
            return 0, True
        for level in range(self.levels):
            if self.span(level) == size:
                return level, False
        raise ValueError(f"page size {size:#x} is not a {self.mode} page size")

    # -- reading the shadow ------------------------------------------------------------------
    def _entry(self, va: int):
        """(level, entry address, value) of the leaf or invalid entry that ends the walk."""
        a = self.root
        for level in range(self.levels - 1, -1, -1):
            ea = a + self.pte_bytes * self._index(va, level)
            v = self._shadow.get(ea, 0)
            if not v & PTE_V or v & _LEAF:
                return level, ea, v
            a = _ppn(v) << 12
        raise AssertionError("a non-leaf PTE at level 0")

    def _leaf(self, va: int):
        """(level, [entry addresses], value, page va, page size) of the page mapping va."""
        self._check_va(va)
        level, ea, v = self._entry(va)
        if not v & PTE_V:
            raise ValueError(f"{va:#x} is not mapped in this {self.mode} table")
        if v & PTE_N:
            first = ea - 8 * (self._index(va, 0) & 0xF)
            return level, [first + 8 * k for k in range(16)], v, va & ~(SIZE_64K - 1), SIZE_64K
        size = self.span(level)
        return level, [ea], v, va & ~(size - 1), size

    def lookup(self, va: int) -> Optional[Mapping]:
        """(pa, perms, size) of the page mapping va, or None."""
        self._check_va(va)
        level, _, v = self._entry(va)
        if not v & PTE_V:
            return None
        if v & PTE_N:
            return Mapping((_ppn(v) & ~0xF) << 12 | va & (SIZE_64K - 1), perms_of(v), SIZE_64K)
        size = self.span(level)
        return Mapping(_ppn(v) << 12 | va & (size - 1), perms_of(v), size)

    def translate(self, va: int) -> int:
        """The address va maps to (ValueError if unmapped): an `addr_to_pa` for guest tables."""
        m = self.lookup(va)
        if m is None:
            raise ValueError(f"{va:#x} is not mapped in this {self.mode} table")
        return m.pa

    def entry_addr(self, va: int, level: int) -> int:
        """Address (in the table's space) of the entry at `level` on the walk of va; the walk
        must reach that level (no leaf or invalid entry above it)."""
        self._check_va(va)
        lvl, ea, _ = self._walk_to(va, level)
        if lvl != level:
            raise ValueError(f"the walk of {va:#x} ends above level {level}")
        return ea

    def pte_addr(self, va: int) -> int:
        """Address (in the table's space) of the entry that ends the walk for va."""
        self._check_va(va)
        return self._entry(va)[1]

    # -- operations ----------------------------------------------------------------------------
    def _recorder(self) -> Recorder:
        if self.sv32:
            return _Recorder32(self.store64, self.addr_to_pa, self._shadow, self.big_endian,
                               self.peek64)
        return Recorder(self.store64, self.addr_to_pa, self._shadow)

    def _update(self, rec: Recorder, kind: str, va: int, length: int, page_size: int,
                freed=(), note: str = "") -> Update:
        glob = any((c.old[0] | c.new[0]) & PTE_G for c in rec.changes) and self.stage == "first"
        return Update(kind, self.stage, tuple(rec.changes), tuple(rec.stores), va=va,
                      length=length, page_size=page_size, gscid=self.gscid, pscid=self.pscid,
                      global_=glob, freed=tuple(freed), note=note)

    def _pte(self, rec: Recorder, ea: int, value: int, level: int, va: int, span: int,
             linked: bool = True) -> None:
        rec.entry("pte", ea, (value,), (0,), level=level, linked=linked, va=va, span=span)

    def _rsw(self) -> int:
        return self.rsw_rng.getrandbits(2) << RSW_SHIFT if self.rsw_rng is not None else 0

    def leaf_value(self, pa: int, perms: str = "rw", user: bool = True, global_: bool = False,
                   napot: bool = False, pbmt: int = 0, ad: str = "ad") -> int:
        if perms not in PERMS:
            raise ValueError(f"perms {perms!r}: expected one of {sorted(PERMS)}")
        if pbmt not in (0, 1, 2, 3):
            raise ValueError(f"pbmt {pbmt!r}: expected 0 (PMA), 1 (NC), 2 (IO) or 3 (reserved)")
        if self.sv32 and (napot or pbmt or pa >> 34):
            raise ValueError(f"{self.mode}: no NAPOT or PBMT, and a 34-bit address (got {pa:#x})")
        ppn = pa >> 12
        if napot:
            ppn = (ppn & ~0xF) | 0b1000
        return (ppn << 10 | PTE_V | PERMS[perms] | (PTE_A if "a" in ad else 0)
                | (PTE_D if "d" in ad else 0) | (PTE_U if user else 0)
                | (PTE_G if global_ else 0) | (PTE_N if napot else 0) | pbmt << PBMT_SHIFT
                | self._rsw())

    def map(self, va: int, pa: int, size: int = SIZE_4K, perms: str = "rw", user: bool = True,
            global_: bool = False, pbmt: int = 0, ad: str = "ad") -> Update:
        """Map [va, va+size) to pa. size: 4 KiB, 64 KiB (Svnapot), 2 MiB, 1 GiB, 512 GiB.
        Missing tables are allocated and filled before the single store that links them.
        pbmt: the leaf's memory type (Svpbmt: 0 PMA, 1 NC, 2 IO; 3 is reserved).
        ad: which of the leaf's A and D bits are set ("ad", "a", "d" or "")."""
        level, napot = self._size_level(size)
        self._check_va(va)
        if va % size or pa % size:
            raise ValueError(f"map {va:#x} -> {pa:#x}: not aligned to the page size {size:#x}")
        rec = self._recorder()
        a, links = self.root, []
        for i in range(self.levels - 1, level, -1):
            ea = a + self.pte_bytes * self._index(va, i)
            v = self._shadow.get(ea, 0)
            if v & PTE_V:
                if v & (PTE_R | PTE_X):
                    raise ValueError(f"map {va:#x}: inside a {self.span(i):#x} page already "
                                     "mapped (split it first)")
                a = _ppn(v) << 12
            else:
                t = self.alloc.alloc_page()
                self._tables[t] = i - 1
                links.append((ea, t, i))
                a = t
        n = 16 if napot else 1
        first = a + self.pte_bytes * self._index(va, level)
        eas = [first + self.pte_bytes * k for k in range(n)]
        if any(self._shadow.get(ea, 0) & PTE_V for ea in eas):
            raise ValueError(f"map {va:#x}: already mapped, or a table of smaller pages is "
                             "there (unmap, remap or merge it)")
        leaf = self.leaf_value(pa, perms, user, global_, napot, pbmt, ad)
        for k, ea in enumerate(eas):
            self._pte(rec, ea, leaf, level, va + k * SIZE_4K if napot else va,
                      SIZE_4K if napot else size, linked=not links)
        for j, (ea, t, i) in enumerate(reversed(links)):       # bottom-up: link last
            self._pte(rec, ea, _pointer(t) | self._rsw(), i, va & ~(self.span(i) - 1), self.span(i),
                      linked=j == len(links) - 1)
        return self._update(rec, "map", va, size, size, note="napot" if napot else "")

    def unmap(self, va: int, prune: bool = False) -> Update:
        """Clear the leaf of the page containing va (all 16 PTEs of a NAPOT page). With prune,
        tables left empty are unlinked too (their pages are listed in Update.freed)."""
        level, eas, v, base, size = self._leaf(va)
        rec = self._recorder()
        for k, ea in enumerate(eas):
            self._pte(rec, ea, 0, level, base + k * SIZE_4K if len(eas) > 1 else base,
                      SIZE_4K if len(eas) > 1 else size)
        freed = self._prune(rec, base, level) if prune else []
        return self._update(rec, "unmap", base, size, size, freed,
                            note="napot" if len(eas) > 1 else "")

    def _prune(self, rec: Recorder, va: int, level: int) -> list:
        freed = []
        path, a = [], self.root
        for i in range(self.levels - 1, level, -1):          # the pointers down to `level`
            ea = a + self.pte_bytes * self._index(va, i)
            path.append((i, ea))
            a = _ppn(self._shadow[ea]) << 12
        for i, ea in reversed(path):
            table = _ppn(self._shadow[ea]) << 12
            if any(self._shadow.get(table + self.pte_bytes * k) for k in range(self.entries)):
                break
            self._pte(rec, ea, 0, i, va & ~(self.span(i) - 1), self.span(i))
            self._forget(table)
            freed.append(table)
        return freed

    def _forget(self, table: int) -> None:
        del self._tables[table]
        for k in range(self.entries):
            self._shadow.pop(table + self.pte_bytes * k, None)

    def remap(self, va: int, new_pa: int) -> Update:
        """Point the page containing va at new_pa (same size and permissions), one store per PTE."""
        level, eas, v, base, size = self._leaf(va)
        if new_pa % size:
            raise ValueError(f"remap {base:#x}: {new_pa:#x} is not aligned to the page size "
                             f"{size:#x}")
        napot = len(eas) > 1
        ppn = new_pa >> 12 | (0b1000 if napot else 0)
        new = (v & FLAG_MASK) | ppn << 10
        rec = self._recorder()
        for k, ea in enumerate(eas):
            self._pte(rec, ea, new, level, base + k * SIZE_4K if napot else base,
                      SIZE_4K if napot else size)
        return self._update(rec, "remap", base, size, size, note="napot" if napot else "")

    def protect(self, va: int, perms: str) -> Update:
        """Change the R/W/X permissions of the page containing va. Update.note says 'up'
        (permissions only added), 'down' (only removed) or 'change'."""
        if perms not in PERMS:
            raise ValueError(f"perms {perms!r}: expected one of {sorted(PERMS)}")
        level, eas, v, base, size = self._leaf(va)
        old_p, new_p = v & (PTE_R | PTE_W | PTE_X), PERMS[perms]
        note = "up" if new_p & old_p == old_p else "down" if new_p & old_p == new_p else "change"
        new = (v & ~(PTE_R | PTE_W | PTE_X)) | new_p
        napot = len(eas) > 1
        rec = self._recorder()
        for k, ea in enumerate(eas):
            self._pte(rec, ea, new, level, base + k * SIZE_4K if napot else base,
                      SIZE_4K if napot else size)
        return self._update(rec, "protect", base, size, size, note=note)

    def set_pbmt(self, va: int, pbmt: int) -> Update:
        """Change the memory type (Svpbmt PBMT, leaf bits 62:61) of the page containing va: a
        leaf change like a permission change (the same invalidation), one store per PTE."""
        if pbmt not in (0, 1, 2, 3):
            raise ValueError(f"pbmt {pbmt!r}: expected 0 (PMA), 1 (NC), 2 (IO) or 3 (reserved)")
        level, eas, v, base, size = self._leaf(va)
        new = (v & ~(3 << PBMT_SHIFT)) | pbmt << PBMT_SHIFT
        napot = len(eas) > 1
        rec = self._recorder()
        for k, ea in enumerate(eas):
            self._pte(rec, ea, new, level, base + k * SIZE_4K if napot else base,
                      SIZE_4K if napot else size)
        return self._update(rec, "protect", base, size, size, note="pbmt")

    def split(self, va: int) -> Update:
        """Demote the superpage containing va: a new next-level table with equivalent
        mappings is filled, then the leaf is replaced by a pointer to it (one store). A 64 KiB
        NAPOT page becomes 16 ordinary 4 KiB leaves (16 stores)."""
        level, eas, v, base, size = self._leaf(va)
        rec = self._recorder()
        if len(eas) > 1:
            for k, ea in enumerate(eas):
                new = (v & FLAG_MASK & ~PTE_N) | ((_ppn(v) & ~0xF) + k) << 10
                self._pte(rec, ea, new, 0, base + k * SIZE_4K, SIZE_4K)
            return self._update(rec, "split", base, size, size, note="napot")
        if level == 0:
            raise ValueError(f"split {va:#x}: a 4 KiB page cannot be split")
        t = self.alloc.alloc_page()
        self._tables[t] = level - 1
        child = self.span(level - 1)
        for k in range(self.entries):
            new = (v & FLAG_MASK) | (_ppn(v) + k * (child >> 12)) << 10
            self._pte(rec, t + self.pte_bytes * k, new, level - 1, base + k * child, child,
                      linked=False)
        self._pte(rec, eas[0], _pointer(t) | self._rsw(), level, base, size)
        return self._update(rec, "split", base, size, size)

    def merge(self, va: int, size: int) -> Update:
        """Promote [va, va+size) to one superpage (2 MiB / 1 GiB / 512 GiB: the table of 512
        contiguous, same-permission leaves is replaced by one leaf, and its page is listed in
        Update.freed) or to a 64 KiB NAPOT page (16 contiguous 4 KiB leaves rewritten)."""
        level, napot = self._size_level(size)
        self._check_va(va)
        if va % size:
            raise ValueError(f"merge {va:#x}: not aligned to {size:#x}")
        rec = self._recorder()
        if napot:
            lvl, ea0, _ = self._entry(va)
            if lvl != 0:
                raise ValueError(f"merge {va:#x}: not mapped by 4 KiB pages")
            eas = [ea0 + 8 * k for k in range(16)]
            vals = [self._shadow.get(ea, 0) for ea in eas]
            self._check_mergeable(vals, SIZE_4K, SIZE_64K, va)
            new = (vals[0] & FLAG_MASK) | PTE_N | (_ppn(vals[0]) | 0b1000) << 10
            for k, ea in enumerate(eas):
                self._pte(rec, ea, new, 0, va + k * SIZE_4K, SIZE_4K)
            return self._update(rec, "merge", va, size, size, note="napot")
        lvl, ea, v = self._walk_to(va, level)
        if lvl != level or not v & PTE_V or v & (PTE_R | PTE_X):
            raise ValueError(f"merge {va:#x}: no table of smaller pages under it")
        table = _ppn(v) << 12
        vals = [self._shadow.get(table + self.pte_bytes * k, 0) for k in range(self.entries)]
        self._check_mergeable(vals, self.span(level - 1), size, va)
        self._pte(rec, ea, (vals[0] & FLAG_MASK) | _ppn(vals[0]) << 10, level, va, size)
        self._forget(table)
        return self._update(rec, "merge", va, size, size, freed=[table])

    def write_entry(self, va: int, level: int, value: int) -> Update:
        """Store `value`, unchecked, as the entry at `level` on the walk of va (a malformed
        entry for a fault test, e.g. a misaligned superpage); the tables above must exist."""
        self._check_va(va)
        lvl, ea, _ = self._walk_to(va, level)
        if lvl != level:
            raise ValueError(f"the walk of {va:#x} ends above level {level}")
        size = self.span(level)
        rec = self._recorder()
        self._pte(rec, ea, value, level, va & ~(size - 1), size)
        return self._update(rec, "protect", va & ~(size - 1), size, size, note="change")

    def entry_value(self, va: int, level: int) -> int:
        """The value (as software last stored it) of the entry at `level` on the walk of va;
        the walk must reach that level."""
        self._check_va(va)
        lvl, _, v = self._walk_to(va, level)
        if lvl != level:
            raise ValueError(f"the walk of {va:#x} ends above level {level}")
        return v

    def _walk_to(self, va: int, level: int):
        a = self.root
        for i in range(self.levels - 1, level - 1, -1):
            ea = a + self.pte_bytes * self._index(va, i)
            v = self._shadow.get(ea, 0)
            if i == level or not v & PTE_V or v & _LEAF:
                return i, ea, v
            a = _ppn(v) << 12
        raise AssertionError("unreachable")

    @staticmethod
    def _check_mergeable(vals: list, child: int, size: int, va: int) -> None:
        first = vals[0]
        if not all(v & PTE_V and v & (PTE_R | PTE_X) and not v & PTE_N for v in vals):
            raise ValueError(f"merge {va:#x}: not every entry is a valid leaf of {child:#x}")
        if any((v ^ first) & FLAG_MASK & ~RSW_MASK for v in vals):   # 60:59: software's
            raise ValueError(f"merge {va:#x}: the pages differ in permissions or attributes")
        if (_ppn(first) << 12) % size or any(
                _ppn(v) != _ppn(first) + k * (child >> 12) for k, v in enumerate(vals)):
            raise ValueError(f"merge {va:#x}: the pages are not contiguous and aligned")

    # -- giving memory back -----------------------------------------------------------------
    def reclaim(self, update: Update) -> None:
        """Return the table pages an update unlinked (after its invalidation completed)."""
        for t in update.freed:
            self.alloc.free(t)

    def free_all(self) -> None:
        """Return every table page (after the DC/PC using the table was invalidated)."""
        for t in self.tables():
            self.alloc.free(t)
        self._tables.clear()
        self._shadow.clear()
