"""Every item a translation walk could read now: the structural readers of the coherence oracle.

The spec lets an IOMMU fill its caches at any time (prefetch), so a store to any entry some
walk COULD read keeps its old value permitted until a covering invalidation, not only a store
to an entry an evaluated walk happened to read. `reachable(model)` lists those entries for the
model's current registers (ddtp, fctl), capabilities and memory, each doubleword address with
the read keys the oracle's walks give the item there (oracle.py, `_Path.hook`):

    rk = ReadKey(kind, tag, width, gpar, owner, fmt)      (scoreboards/records.py)

kind and tag as models/ builds the Item; width 12+9*levels for pte1, 14+9*levels for pte2 (32
for Sv32, 34 for Sv32x4), 0 otherwise; gpar: a non-leaf first-stage PTE above this one has
G=1; owner: for the G-stage entries that translate the GPA page of a pointer a context holds
(a DC's pdtp/iosatp, a non-leaf PDT entry's PPN, a PC's fsc), that context's scope Key, else
None; fmt: how the value is read (scoreboards/formats.py: big-endian under fctl.BE or the
DC's SBE, a 4-byte Sv32 PTE, a PC under SXL=1). Big-endian tables are followed byte-swapped;
an Sv32/Sv32x4 table lists each doubleword with the keys of the two PTEs it holds.

What is followed mirrors the model's walk (models/translate.py and the walkers), for every
device_id, process_id (or none), IOVA, privilege and transaction type at once:
- ddtp Off/Bare: nothing. Otherwise every index of a reached DDT page (within the device_id
  width of its level) is an item; valid non-leaf entries that pass the walker's checks are
  followed; every DC slot of a reached leaf page is an item, V=0 ones included.
- a DC is followed only when V=1 and not misconfigured: its G-stage table (every valid entry
  of the tree), its PDT (pdtp) or its first-stage table (iosatp), and with MSI_FLAT and MSI
  mode Flat its MSI page table. PC slots likewise, then the PC's first-stage table.
- a first-stage table page, or a PDT page, at a GPA (G-stage active) is translated with the
  model's own G-stage walk over current memory; a page whose translation faults is not
  reached. Every slot of a reached table page is an item; non-leaf entries passing the
  walker's checks are followed; leaf entries are items, never followed.
The G-stage entries read by those translations are reported twice: owner-less (as part of
the whole G-stage tree) and, for the translation of a pointer's page, with its owner.

Over-approximations (a listed key no request can produce; harmless for the oracle): entry
values are read through Memory.page_words, the backdoor, so an entry behind an injected bus
error or poison is listed and followed; every first-stage or G-stage entry of a reached page is
listed, though a canonical-address or GPA-width check could keep some requests from reaching
it; every MSI PTE index is listed whatever the first stage outputs.
The one under-approximation: an MSI page table of more than MSI_DENSE_ENTRIES entries is listed
only in its pages that memory has written (the rest reads 0, V=0: it matters only to a policy
that caches invalid entries, and the page is listed once written).

Cost: each reached table page lists all its slots (512 PTEs, 2048 in a G-stage root, 128/64
DCs, 256 PCs), so the result holds ~512 keys per page, ~460 bytes and ~0.5 us each (the largest
random configuration of the tests: 66,640 keys at 64,022 addresses in 129 pages, ~35 ms CPU,
~30 MB). `invalid=False` lists only entries whose current value has V=1 (enough for a policy
that never caches V=0 entries: a store over a V=0 value leaves nothing such a cache could
hold): 451 keys, ~7 ms, for that configuration.
"""
from __future__ import annotations

import gc
from typing import Optional

from models.device_context import (DDT_LEVELS, PPN_MASK, DeviceContext, bits,
                                   dc_misconfigured)
from models.page_walk import PtFault, walk
from models.process_context import PD_PID_BITS, ProcessContext, pc_misconfigured
from models.walk_reader import WalkReader

from .formats import FMT_32, FMT_BE, FMT_SXL, bswap32, bswap64
from .records import ReadKey
from .scope import Key

Reach = dict            # doubleword address -> {read key: address of the item's first doubleword}

MSI_DENSE_ENTRIES = 4096      # MSI tables up to 16 pages are listed slot by slot
MASK52 = (1 << 52) - 1
_ZEROS = (0,) * 512

# PTE bits. A non-leaf PTE is followed when V=1 and R, W, X, U, A, D, N, PBMT and the reserved
# bits 60:54 are all 0 (the walker's checks; G and the RSW bits are free).
_V, _G = 1, 1 << 5
_NONLEAF_MASK = 0xDF | (((1 << 61) - 1) ^ ((1 << 54) - 1)) | (3 << 61) | (1 << 63)
# Non-leaf DDT / PDT entry: V=1 and bits 9:1 and 63:54 zero.
_DIR_NONLEAF_MASK = 0x3FF | (((1 << 64) - 1) ^ ((1 << 54) - 1))


def reachable(model, *, invalid: bool = True, pages: Optional[set] = None,
              memo: Optional[dict] = None) -> Reach:
    """{doubleword address: {read key: item's first-doubleword address}} of every item the
    model's walk can read for some request, given its current registers and memory.
    invalid=False: only items whose current first doubleword has V=1.

    memo (invalid=True): a dict the caller keeps between calls. The keys of a page-table
    page's slots depend on where the page is reached from, not on what it holds, so a page
    reached the same way as in the previous call gets the same {address: {key: base}} dicts,
    the very objects (a caller comparing two results may skip an address whose dict `is` the
    old one). The memo is left holding the pages of this call only. Those dicts are shared:
    a caller must not change a result's inner dicts."""
    # The result is up to ~10^5 small acyclic dicts and tuples: pausing the cyclic garbage
    # collector while they are built saves about a third of the time.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        w = _Walker(model, invalid, memo)
        out = w.run()
        if pages is not None:       # the page numbers of every table page read
            pages.update(w.pages)
        if memo is not None:
            memo.clear()
            memo.update(w.memo_used)
        return out
    finally:
        if was_enabled:
            gc.enable()


class _GStage:
    """One G-stage table as a DC selects it, and the translations of GPA pages through it."""
    __slots__ = ("gscid", "root", "levels", "width", "pages", "fmt")

    def __init__(self, gscid: int, root_ppn: int, levels: int, be: int = 0) -> None:
        self.gscid, self.root, self.levels = gscid, root_ppn, levels
        self.width = 34 if levels == 2 else 14 + 9 * levels      # Sv32x4: 34 bits
        self.fmt = (FMT_BE if be else 0) | (FMT_32 if levels == 2 else 0)
        self.pages: dict = {}          # GPA page address -> (SPA page address or None, items)

    @property
    def sig(self) -> tuple:
        return (self.gscid, self.root, self.levels)


class _Walker:
    def __init__(self, model, invalid: bool, memo: Optional[dict] = None) -> None:
        self.model = model
        self.mem = model.mem
        self.caps = model.caps
        self.ext = self.caps.msi_flat            # extended (64-byte) device contexts
        self.be = model.fctl & 1
        self.gxl = model.fctl >> 2 & 1
        self.fmt_be = FMT_BE if self.be else 0   # fctl.BE: DDT, DC, G-stage, MSI PTEs
        self.invalid = invalid
        self.out: Reach = {}
        self.done: set = set()                   # tables already listed (same keys again)
        self.gstages: dict = {}                  # G-stage signature -> _GStage
        self.pages: set = set()                  # page numbers of the table pages read
        self.memo = memo if memo is not None else {}    # page signature -> its slots' dicts
        self.memo_used: dict = {}
        self.shared: set = set()                 # addresses whose dict is a memo's (copy first)

    # -- output ---------------------------------------------------------------------------
    def add(self, pa: int, rk: tuple, base: int) -> None:
        d = self.out.get(pa)
        if d is None:
            self.out[pa] = {rk: base}
        else:
            if pa in self.shared:               # the memo's dict: this call's own copy
                self.shared.discard(pa)
                d = self.out[pa] = dict(d)
            d[rk] = base

    def whole_page(self, sig: tuple, addrs: range, make) -> bool:
        """invalid=True, a table page none of whose slots is listed yet: list every slot at
        once, with the previous call's dicts for the same signature (else make()'s). False
        when the slots must be added one by one."""
        if not self.invalid or not self.out.keys().isdisjoint(addrs):
            return False
        page = self.memo.get(sig)
        if page is None:
            page = make()
        self.memo_used[sig] = page
        self.out.update(page)
        self.shared.update(addrs)
        return True

    def native(self, vals: tuple, be) -> tuple:
        """The doublewords as a big-endian walker reads them (formats.py), else as they are."""
        if not be or vals is _ZEROS:
            return vals
        return tuple(bswap64(v) for v in vals)

    def words(self, pa: int, n: int) -> tuple:
        """n doublewords of the table at page-aligned `pa`, from the sparse pages; the
        shared zero tuple for an unwritten 4 KiB table (nothing there to follow)."""
        first = pa >> 12
        self.pages.update(range(first, first + max(1, (n * 8 + 4095) // 4096)))
        if n <= 512:
            page = self.mem.page_words(first)
            if page is None:
                return _ZEROS if n == 512 else (0,) * n
            return page[:n]
        out = ()
        for p in range((n + 511) // 512):
            out += self.mem.page_words(first + p) or _ZEROS
        return out[:n]

    # -- device directory -------------------------------------------------------------------
    def run(self) -> Reach:
        ddtp = self.model.ddtp
        levels = DDT_LEVELS.get(ddtp & 0xF)
        if levels is None:                        # Off, Bare
            return self.out
        self.ddt(((ddtp >> 10) & PPN_MASK) << 12, levels - 1, 0)
        return self.out

    def ddt(self, pa: int, level: int, prefix: int) -> None:
        """A DDT page at `level`; prefix: the device_id bits above this level's index."""
        b0 = 6 if self.ext else 7                 # DDI[0] width (extended / base format)
        if level == 0:
            size = 64 if self.ext else 32
            ndw = size // 8
            vals = self.native(self.words(pa, 512), self.be)
            n = 1 << b0
            fmt = self.fmt_be

            def make():
                page = {}
                for i in range(n):
                    base = pa + i * size
                    rk = ReadKey("dc", (prefix << b0 | i,), 0, False, None, fmt)
                    for k in range(ndw):
                        page[base + 8 * k] = {rk: base}
                return page
            listed = self.whole_page(("dc", pa, prefix, size, fmt), range(pa, pa + n * size, 8),
                                     make)
            for i in range(n):
                did = prefix << b0 | i
                base = pa + i * size
                words = vals[i * ndw:(i + 1) * ndw]
                if not listed and (self.invalid or words[0] & 1):
                    rk = ReadKey("dc", (did,), 0, False, None, fmt)
                    for k in range(ndw):
                        self.add(base + 8 * k, rk, base)
                self.device(did, words)
            return
        # DDI[1] is 9 bits; DDI[2] is what is left of 24 bits (8 base, 9 extended).
        n = 1 << (24 - b0 - 9) if level == 2 else 512
        vals = self.native(self.words(pa, n), self.be)
        fmt = self.fmt_be
        listed = self.whole_page(
            ("ddte", pa, level, prefix, n, fmt), range(pa, pa + 8 * n, 8),
            lambda: {pa + 8 * i: {ReadKey("ddte", (level, prefix << 9 | i), 0, False, None, fmt):
                                  pa + 8 * i} for i in range(n)})
        for i in range(n):
            v = vals[i]
            tag_id = prefix << 9 | i          # device_id >> (b0 + 9 * (level - 1))
            if not listed and (self.invalid or v & 1):
                self.add(pa + 8 * i, ReadKey("ddte", (level, tag_id), 0, False, None, fmt),
                         pa + 8 * i)
            if v & _DIR_NONLEAF_MASK == 1:
                self.ddt(bits(v, 53, 10) << 12, level - 1, tag_id)

    def device(self, did: int, words: tuple) -> None:
        """Follow a device context that a walk would use (V=1, not misconfigured)."""
        if not words[0] & 1:
            return
        dc = DeviceContext.from_words((tuple(words) + (0,) * 3)[:7])
        if self.ext and words[7] or dc_misconfigured(dc, self.caps, self.be, self.ext, self.gxl):
            return
        g_levels = self.caps.g_stage_modes(self.gxl)[dc.gmode]
        g = None
        if g_levels:
            sig = (dc.gscid, dc.gppn, g_levels)
            g = self.gstages.get(sig)
            if g is None:
                g = self.gstages[sig] = _GStage(dc.gscid, dc.gppn, g_levels, self.be)
                self.g_tree(g)
        gscid = dc.gscid if g_levels else None
        owner = Key("dc", (did,))
        sbe, sxl = dc.sbe, dc.sxl               # PDT, PC and first stage (formats.py)
        if dc.pdtv:
            if dc.fsc_mode:                       # pdtp Bare: no process directory
                self.pdt(did, dc.fsc_mode, dc.fsc_ppn << 12, g, gscid, owner, sbe, sxl)
        elif dc.fsc_mode:
            self.first_stage(gscid, dc.pscid, dc.fsc_ppn,
                             self.caps.first_stage_modes(sxl)[dc.fsc_mode], g, owner, sbe)
        if self.ext and dc.msi_mode == 1:
            self.msi(dc, gscid)

    # -- process directory --------------------------------------------------------------------
    def pdt(self, did: int, mode: int, root: int, g: Optional[_GStage], gscid,
            owner: Key, sbe: int = 0, sxl: int = 0) -> None:
        levels = self.caps.pd_modes()[mode]
        top = levels - 1
        # Top-level index: what the process_id width leaves above the lower levels' bits
        # (PD8: 8 bits of PCs, PD17: 9 bits, PD20: 3 bits).
        n_top = 1 << (PD_PID_BITS[mode] - (8 + 9 * (top - 1)) if top else 8)
        self.pdt_page(did, root, top, 0, n_top, g, gscid, owner, sbe, sxl)

    def pdt_page(self, did: int, gpa: int, level: int, prefix: int, n: int,
                 g: Optional[_GStage], gscid, owner: Key, sbe: int = 0, sxl: int = 0) -> None:
        pa = self.translate(g, gpa, owner)
        if pa is None:
            return
        if level == 0:
            vals = self.native(self.words(pa, 512), sbe)
            modes = self.caps.first_stage_modes(sxl)
            fmt = (FMT_BE if sbe else 0) | (FMT_SXL if sxl else 0)

            def make():
                page = {}
                for i in range(n):
                    base = pa + 16 * i
                    rk = ReadKey("pc", (did, prefix << 8 | i), 0, False, None, fmt)
                    page[base] = {rk: base}
                    page[base + 8] = {rk: base}
                return page
            listed = self.whole_page(("pc", pa, did, prefix, n, fmt), range(pa, pa + 16 * n, 8),
                                     make)
            for i in range(n):
                pid = prefix << 8 | i
                ta, fsc = vals[2 * i], vals[2 * i + 1]
                base = pa + 16 * i
                if not listed and (self.invalid or ta & 1):
                    rk = ReadKey("pc", (did, pid), 0, False, None, fmt)
                    self.add(base, rk, base)
                    self.add(base + 8, rk, base)
                if not ta & 1:
                    continue
                pc = ProcessContext(ta, fsc)
                if pc_misconfigured(pc, self.caps, sxl) or not pc.fsc_mode:
                    continue
                self.first_stage(gscid, pc.pscid, pc.fsc_ppn, modes[pc.fsc_mode], g,
                                 Key("pc", (did, pid)), sbe)
            return
        vals = self.native(self.words(pa, n), sbe)
        fmt = FMT_BE if sbe else 0
        listed = self.whole_page(
            ("pdte", pa, did, level, prefix, n, fmt), range(pa, pa + 8 * n, 8),
            lambda: {pa + 8 * i: {ReadKey("pdte", (did, level, prefix << 9 | i), 0, False, None,
                                          fmt): pa + 8 * i} for i in range(n)})
        for i in range(n):
            v = vals[i]
            tag = (did, level, prefix << 9 | i)       # process_id >> (8 + 9 * (level - 1))
            if not listed and (self.invalid or v & 1):
                self.add(pa + 8 * i, ReadKey("pdte", tag, 0, False, None, fmt), pa + 8 * i)
            if v & _DIR_NONLEAF_MASK == 1:
                self.pdt_page(did, bits(v, 53, 10) << 12, level - 1, tag[2],
                              512 if level > 1 else 256, g, gscid, Key("pdte", tag), sbe, sxl)

    # -- page tables ----------------------------------------------------------------------------
    def translate(self, g: Optional[_GStage], gpa: int, owner: Optional[Key]) -> Optional[int]:
        """SPA of the table page at `gpa` (itself without a G-stage), or None if its G-stage
        translation faults. With an owner, the G-stage entries this translation reads are also
        listed with it (the walk reads them right after the owner gave the pointer)."""
        if g is None:
            return gpa
        hit = g.pages.get(gpa)
        if hit is None:
            trace: list = []
            reader = WalkReader(self.mem.read64, trace=trace)
            try:
                spa, _ = walk(reader, kind="pte2", addr=gpa, levels=g.levels, root_ppn=g.root,
                              access="read", user=True, sum_=False, tag_prefix=(g.gscid,),
                              svnapot=self.caps.svnapot, svpbmt=self.caps.svpbmt,
                              svrsw=self.caps.svrsw60t59b, big_endian=bool(self.be),
                              sv32=g.levels == 2)
            except PtFault:
                spa = None
            hit = g.pages[gpa] = (spa, tuple(item for item, _ in trace))
        spa, items = hit
        if owner is not None:
            for item in items:
                self.add(item.pa, ReadKey("pte2", item.tag, g.width, False, owner, g.fmt), item.pa)
        return spa

    def g_tree(self, g: _GStage) -> None:
        """Every entry of every page of a G-stage table (its 16 KiB root has 2048; Sv32x4's
        4096 4-byte PTEs)."""
        if g.levels == 2:
            self.pt_tree32("pte2", (g.gscid,), g.root << 12, None, 4096, bool(self.be))
            return
        self.pt_tree("pte2", (g.gscid,), g.root << 12, g.levels, None, 2048, bool(self.be))

    def first_stage(self, gscid, pscid: int, root_ppn: int, levels: int,
                    g: Optional[_GStage], owner: Key, sbe: int = 0) -> None:
        root = root_ppn << 12
        if g is not None and self.translate(g, root, owner) is None:
            return
        if levels == 2:                                  # Sv32
            self.pt_tree32("pte1", (gscid, pscid), root, g, 1024, bool(sbe))
            return
        self.pt_tree("pte1", (gscid, pscid), root, levels, g, 512, bool(sbe))

    def pt_tree32(self, kind: str, prefix: tuple, root: int, g: Optional[_GStage],
                  n_root: int, be: bool) -> None:
        """An Sv32 / Sv32x4 table (formats.py): 4-byte PTEs, two per doubleword, 1024 per
        page (the Sv32x4 root 4096); each doubleword address is listed with the keys of both
        PTEs it holds (tag prefix + (level, vpn), vpn's bit 0 = the half)."""
        sig = (kind, prefix, root, 2, g.sig if g is not None else None, be, 32)
        if sig in self.done:
            return
        self.done.add(sig)
        width = 34 if kind == "pte2" else 32
        fmt = FMT_32 | (FMT_BE if be else 0)
        g_stage = kind == "pte2"
        stack = [(root, 1, 0, False, n_root)]      # (GPA, level, vpn above, gpar, PTEs)
        while stack:
            gpa, level, vpn_hi, gpar, n = stack.pop()
            pa = self.translate(g, gpa, None)
            if pa is None:
                continue
            vals = self.words(pa, n // 2)
            vpn_base = vpn_hi << 10
            for i in range(n // 2):
                dw = vals[i]
                a = pa + 8 * i
                for h in (0, 1):
                    raw = dw >> (32 * h) & 0xFFFF_FFFF
                    pte = bswap32(raw) if be else raw
                    if self.invalid or pte & 1:
                        self.add(a, ReadKey(kind, prefix + (level, vpn_base | 2 * i | h), width,
                                            gpar, None, fmt), a)
                    # a non-leaf PTE the walker follows: V=1, R=W=X=0, D=A=U=0
                    if level and pte & 0xDF == _V:
                        stack.append(((pte >> 10) << 12, 0, vpn_base | 2 * i | h,
                                      gpar or (not g_stage and bool(pte & _G)), 1024))

    def pt_tree(self, kind: str, prefix: tuple, root: int, levels: int,
                g: Optional[_GStage], n_root: int, be: bool = False) -> None:
        sig = (kind, prefix, root, levels, g.sig if g is not None else None, be)
        if sig in self.done:
            return
        self.done.add(sig)
        width = 12 + 9 * levels + (2 if kind == "pte2" else 0)
        g_stage = kind == "pte2"
        stack = [(root, levels - 1, 0, False, n_root)]      # (GPA, level, vpn above, gpar, n)
        while stack:
            gpa, level, vpn_hi, gpar, n = stack.pop()
            pa = self.translate(g, gpa, None)
            if pa is None:
                continue
            vals = self.words(pa, n)
            vpn_base = vpn_hi << 9
            self.pt_page(kind, prefix, pa, level, vpn_base, width, gpar, vals,
                         FMT_BE if be else 0)
            if be:
                vals = self.native(vals, True)
            if level and vals is not _ZEROS:
                for i, v in enumerate(vals):
                    if v & _NONLEAF_MASK == _V:
                        stack.append((((v >> 10) & PPN_MASK) << 12, level - 1, vpn_base | i,
                                      gpar or (not g_stage and bool(v & _G)), 512))

    def pt_page(self, kind: str, prefix: tuple, pa: int, level: int, vpn_base: int,
                width: int, gpar: bool, vals: tuple, fmt: int = 0) -> None:
        """The keys of a page-table page's slots: slot i has tag prefix + (level, vpn)."""
        out = self.out
        n = len(vals)
        addrs = range(pa, pa + 8 * n, 8)
        def make():
            if len(prefix) == 2:
                p0, p1 = prefix
                return {a: {ReadKey(kind, (p0, p1, level, vpn_base | i), width, gpar, None,
                                    fmt): a}
                        for i, a in enumerate(addrs)}
            (p0,) = prefix
            return {a: {ReadKey(kind, (p0, level, vpn_base | i), width, gpar, None, fmt): a}
                    for i, a in enumerate(addrs)}
        # A page listed for the first time (the usual case): its keys in one go, every slot
        # V=0 or not (this dominates the cost of a call), or the previous call's.
        if self.whole_page((kind, prefix, pa, level, vpn_base, width, gpar, n, fmt), addrs, make):
            return
        if not self.invalid and vals is _ZEROS:
            return
        v_bit = 1 << 56 if fmt & FMT_BE else 1        # V of a big-endian PTE: byte 7's bit 0
        for i, v in enumerate(vals):
            if self.invalid or v & v_bit:
                self.add(pa + 8 * i, ReadKey(kind, prefix + (level, vpn_base | i), width, gpar,
                                             None, fmt), pa + 8 * i)

    # -- MSI page table ---------------------------------------------------------------------------
    def msi(self, dc: DeviceContext, gscid: int) -> None:
        """MSI PTE of index i: tag (GSCID, GPA page) where the GPA page has the pattern's bits
        outside the mask and i's bits deposited, low to high, in the mask positions."""
        mask = dc.msi_addr_mask & MASK52
        fixed = dc.msi_addr_pattern & ~mask & MASK52
        sig = ("msi", gscid, dc.msi_ppn, mask, fixed)
        if sig in self.done:
            return
        self.done.add(sig)
        positions = [b for b in range(52) if mask >> b & 1]
        n = 1 << len(positions)
        base = dc.msi_ppn << 12
        if n <= MSI_DENSE_ENTRIES:
            indices = range(n)
        else:
            end = base + 16 * n
            indices = [((p << 12) - base) // 16 + k for p in self.mem.written_pages()
                       if base <= p << 12 < end for k in range(256)]
        for i in indices:
            pa = base + 16 * i
            if not (self.invalid or self.mem.peek(pa, 8)[7 if self.be else 0] & 1):
                continue
            page = fixed
            for k, b in enumerate(positions):
                if i >> k & 1:
                    page |= 1 << b
            rk = ReadKey("msipte", (gscid, page), 0, False, None, self.fmt_be)
            self.add(pa, rk, pa)
            self.add(pa + 8, rk, pa)
