"""scoreboards.reach.reachable: every (address, read key) some walk could read now.

Two kinds of test:
- hand-worked configurations (oracle_tables' memory map) whose expected addresses and keys
  are written from the spec's index arithmetic;
- a property over random table trees and random requests: every read the coherence oracle
  records for a request (o._readers) is listed by reachable(), with the same read key and
  item address.
"""
import random

from oracle_tables import (DDT, DDT_L1, G_LEAF, L0, L1, LVL1, LVL2, OLD_PA, PD8, ROOT, SV39,
                           SV39X4, TC_PDTV, TC_V, VA, Sw, atp, ddtp, map4k, pte, req, sv39_dc,
                           ta)
from models import Reg, Request, TTYP
from models import capabilities as capbits
from scoreboards import CoherenceOracle
from scoreboards.reach import reachable
from scoreboards.scope import Key

R, W, X, U, G, A, D = 2, 4, 8, 16, 32, 64, 128
V = 1
PD17, PD20 = 2, 3


def rk(kind, tag, width=0, gpar=False, owner=None, fmt=0):
    return (kind, tag, width, gpar, owner, fmt)


def add(exp, pa, key, base):
    exp.setdefault(pa, {})[key] = base


def dcs_1lvl(exp, root=DDT, prefix=0, size=32):
    """Every DC slot of a leaf DDT page: base format 128 DCs of 32 bytes (DDI[0] = device_id
    bits 6:0), each of its 4 doublewords keyed ("dc", (did,)) with the DC's address."""
    for i in range(4096 // size):
        did = prefix << (7 if size == 32 else 6) | i
        for k in range(size // 8):
            add(exp, root + size * i + 8 * k, rk("dc", (did,)), root + size * i)


def pte_page(exp, kind, pa, prefix, level, vpn_hi, width, n=512, gpar=False):
    """Every slot of a page-table page: slot i at pa + 8*i has tag prefix + (level, vpn), vpn
    being the address bits from this level up (vpn_hi: the bits above this level's index)."""
    for i in range(n):
        add(exp, pa + 8 * i, rk(kind, prefix + (level, vpn_hi << 9 | i), width, gpar),
            pa + 8 * i)


def sv39_pages(exp, prefix, root=ROOT, l1=L1, l0=L0):
    """The three Sv39 pages map4k builds for VA 0x4000_1000: VA[38:30] = 1, VA[29:21] = 0,
    VA[20:12] = 1. Root: vpn = VA[38:30] = i; L1 (through root slot 1): vpn = 1 << 9 | i;
    L0 (through L1 slot 0): vpn = (1 << 9 | 0) << 9 | i = 0x40000 | i. Width 12 + 9*3 = 39."""
    pte_page(exp, "pte1", root, prefix, 2, 0, 39)
    pte_page(exp, "pte1", l1, prefix, 1, 1, 39)
    pte_page(exp, "pte1", l0, prefix, 0, 0x200, 39)


def setup():
    o = CoherenceOracle(fills="demand")      # its readers: what walks of current memory read
    return o, Sw(o)


# ----------------------------------------------------------------------------- hand-worked
def test_off_and_bare_reach_nothing():
    o, sw = setup()
    sv39_dc(o, sw)
    map4k(sw)
    o.write_reg(Reg.DDTP, ddtp(0))
    assert reachable(o.model) == {}
    o.write_reg(Reg.DDTP, ddtp(1))
    assert reachable(o.model) == {}


def test_1lvl_sv39():
    o, sw = setup()
    sv39_dc(o, sw, did=5, pscid=7, mode=LVL1)
    map4k(sw)
    got = reachable(o.model)
    exp = {}
    dcs_1lvl(exp)                       # 0x10000..0x10fff: 128 DCs
    sv39_pages(exp, (None, 7))          # host space: GSCID None, PSCID 7
    assert got == exp
    assert len(got) == 512 * 4
    # spot checks, literally: the DC of did 5 at 0x10000 + 5*32; the leaf PTE of VA.
    assert got[0x100b8] == {rk("dc", (5,)): 0x100a0}
    assert got[0x22008] == {rk("pte1", (None, 7, 0, 0x40001), 39): 0x22008}
    # invalid=False: only V=1 items: DC 5 (4 doublewords), root slot 1, L1 slot 0, L0 slot 1.
    lean = reachable(o.model, invalid=False)
    assert sorted(lean) == [0x100a0, 0x100a8, 0x100b0, 0x100b8, 0x20008, 0x21000, 0x22008]
    assert all(lean[pa] == got[pa] for pa in lean)


def test_2lvl_ddt():
    o, sw = setup()
    sv39_dc(o, sw, did=5, pscid=7, mode=LVL2)       # root slot 0 -> 0x11000, DC at 0x110a0
    sw.st(DDT + 8 * 2, pte(0x12000, V | 2))          # bit 1 set: misconfigured, not followed
    sw.st(DDT + 8 * 3, pte(0x14000, 0))              # V=0, not followed
    sw.st(DDT + 8 * 4, pte(0x13000, V))              # valid, leaf page empty
    got = reachable(o.model)
    exp = {}
    # 2LVL base format: DDI[1] = device_id bits 15:7, 9 bits -> 512 non-leaf entries, tagged
    # (level 1, device_id >> 7) = (1, i).
    for i in range(512):
        add(exp, DDT + 8 * i, rk("ddte", (1, i)), DDT + 8 * i)
    dcs_1lvl(exp, DDT_L1, prefix=0)                   # dids 0..127
    dcs_1lvl(exp, 0x13000, prefix=4)                  # dids 4 << 7 | i = 512..639
    pte_page(exp, "pte1", ROOT, (None, 7), 2, 0, 39)  # the empty Sv39 root of DC 5
    assert got == exp
    assert got[0x13000 + 32 * 3] == {rk("dc", (515,)): 0x13060}
    assert 0x12000 not in got and 0x14000 not in got


def test_pdtv_pd8():
    o, sw = setup()
    o.write_reg(Reg.DDTP, ddtp(LVL1))
    pdt = 0x30000
    dc = DDT + 5 * 32
    for i, w in enumerate((TC_V | TC_PDTV, 0, 0, atp(PD8, pdt))):
        sw.st(dc + 8 * i, w)
    # PD8: the PDT is one page of 256 PCs of 16 bytes, PDI[0] = process_id bits 7:0.
    sw.st(pdt + 16 * 3, ta(9) | V)                    # pid 3: Sv39 at ROOT, PSCID 9
    sw.st(pdt + 16 * 3 + 8, atp(SV39, ROOT))
    sw.st(pdt + 16 * 4, ta(10) | V)                   # pid 4: first stage Bare
    sw.st(pdt + 16 * 6 + 8, atp(SV39, 0x50000))       # pid 6: V=0, not followed
    map4k(sw)
    got = reachable(o.model)
    exp = {}
    dcs_1lvl(exp)
    for pid in range(256):
        for k in (0, 8):
            add(exp, pdt + 16 * pid + k, rk("pc", (5, pid)), pdt + 16 * pid)
    sv39_pages(exp, (None, 9))
    assert got == exp
    assert got[0x30038] == {rk("pc", (5, 3)): 0x30030}


def test_pd20_three_levels():
    o, sw = setup()
    o.write_reg(Reg.DDTP, ddtp(LVL1))
    dc = DDT + 5 * 32
    for i, w in enumerate((TC_V | TC_PDTV, 0, 0, atp(PD20, 0x30000))):
        sw.st(dc + 8 * i, w)
    # pid 0x20203: PDI[2] = bits 19:17 = 1, PDI[1] = bits 16:8 = 2, PDI[0] = bits 7:0 = 3.
    sw.st(0x30000 + 8 * 1, pte(0x31000, V))
    sw.st(0x31000 + 8 * 2, pte(0x32000, V))
    sw.st(0x32000 + 16 * 3, ta(9) | V)                # PC valid, first stage Bare
    got = reachable(o.model)
    exp = {}
    dcs_1lvl(exp)
    for i in range(8):          # PD20 top level: only the 3 bits 19:17 index it
        add(exp, 0x30000 + 8 * i, rk("pdte", (5, 2, i)), 0x30000 + 8 * i)
    for i in range(512):        # level 1: tag pid >> 8 = 1 << 9 | i
        add(exp, 0x31000 + 8 * i, rk("pdte", (5, 1, 1 << 9 | i)), 0x31000 + 8 * i)
    for i in range(256):        # PCs: pid = (1 << 9 | 2) << 8 | i = 0x20200 | i
        for k in (0, 8):
            add(exp, 0x32000 + 16 * i + k, rk("pc", (5, 0x20200 | i)), 0x32000 + 16 * i)
    assert got == exp
    o.outcomes(Request(did=5, iova=0x1000, ttyp=TTYP.UNTRANSLATED_READ, pid=0x20203))
    assert_readers_listed(o, got)
    assert {k: base for k, (_, base) in o._readers[0x32038].items()} == {
        rk("pc", (5, 0x20203)): 0x32030}


G_ROOT, G_L1, G_L0 = 0x40000, 0x44000, 0x45000
FS_SPA = {ROOT: 0x70000, L1: 0x71000, L0: 0x72000}     # where the guest's tables live


def two_stage(o, sw, gscid=3):
    """DC 5: Sv39x4 G-stage at 0x40000 (GSCID 3), Sv39 first stage at GPA 0x20000. The G-stage
    maps GPA pages 0x20/0x21/0x22 to SPA 0x70000/0x71000/0x72000 (G root slot 0 -> 0x44000,
    slot 0 -> 0x45000, slots 0x20..0x22 leaves) and GPA 2..3 GiB by a 1 GiB leaf in root
    slot 2."""
    sv39_dc(o, sw, did=5, pscid=7, mode=LVL1, gscid=gscid, groot=G_ROOT)
    sw.st(G_ROOT, pte(G_L1, V))
    sw.st(G_ROOT + 8 * 2, pte(0x8000_0000, G_LEAF))
    sw.st(G_L1, pte(G_L0, V))
    for gpa, spa in FS_SPA.items():
        sw.st(G_L0 + 8 * (gpa >> 12), pte(spa, G_LEAF))
    # map4k's entries, stored at the SPAs of the guest's table pages
    sw.st(FS_SPA[ROOT] + 8, pte(L1, V))
    sw.st(FS_SPA[L1], pte(L0, V))
    sw.st(FS_SPA[L0] + 8, pte(OLD_PA, G_LEAF))


def test_two_stage_sv39x4():
    o, sw = setup()
    two_stage(o, sw)
    got = reachable(o.model)
    exp = {}
    dcs_1lvl(exp)
    # G-stage (width 14 + 9*3 = 41): the 16 KiB root has 2048 slots, GPA[40:30] = i; through
    # slot 0 the level-1 page (vpn = 0 << 9 | i) and the level-0 page (vpn = 0 << 9 | i).
    pte_page(exp, "pte2", G_ROOT, (3,), 2, 0, 41, n=2048)
    pte_page(exp, "pte2", G_L1, (3,), 1, 0, 41)
    pte_page(exp, "pte2", G_L0, (3,), 0, 0, 41)
    # The G-stage walk of iosatp's GPA page (0x20000) reads root slot 0, L1 slot 0, L0 slot
    # 0x20: those entries are also keyed with the DC as owner.
    dc_key = Key("dc", (5,))
    add(exp, G_ROOT, rk("pte2", (3, 2, 0), 41, owner=dc_key), G_ROOT)
    add(exp, G_L1, rk("pte2", (3, 1, 0), 41, owner=dc_key), G_L1)
    add(exp, G_L0 + 0x100, rk("pte2", (3, 0, 0x20), 41, owner=dc_key), G_L0 + 0x100)
    # The first stage (GSCID 3, PSCID 7) at the SPAs of its pages.
    sv39_pages(exp, (3, 7), FS_SPA[ROOT], FS_SPA[L1], FS_SPA[L0])
    assert got == exp
    assert len(got[G_L0 + 0x100]) == 2
    for iova in (VA, VA + 0x1000, 0x1234_5000):
        for ttyp in (TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_WRITE):
            o.outcomes(req(did=5, iova=iova, ttyp=ttyp))
            assert_readers_listed(o, got)


def test_two_stage_unmapped_table_page_not_reached():
    o, sw = setup()
    two_stage(o, sw)
    sw.st(G_L0 + 8 * 0x21, pte(FS_SPA[L1], G_LEAF & ~U))   # U=0: the implicit read faults
    got = reachable(o.model)
    assert FS_SPA[L1] not in got and FS_SPA[L0] not in got
    assert FS_SPA[ROOT] + 8 in got
    o.outcomes(req(did=5))
    assert_readers_listed(o, got)


def test_msi_flat():
    o = CoherenceOracle(capabilities=capbits.DEFAULT | 1 << capbits.MSI_FLAT, fills="demand")
    sw = Sw(o)
    o.write_reg(Reg.DDTP, ddtp(LVL1))
    # Extended format: 64 DCs of 64 bytes (DDI[0] = bits 5:0); DC 5 at 0x10000 + 5*64.
    dc = DDT + 5 * 64
    mask, pattern = 0b101, 0x80000                  # GPA page bits 0 and 2 select the entry
    for i, w in enumerate((TC_V, atp(SV39X4, G_ROOT, 3), 0, 0, atp(1, 0x90000), mask,
                           pattern, 0)):
        sw.st(dc + 8 * i, w)
    sw.st(0x90000 + 16 * 2, pte(0xA0000, V | 6))    # index 2: a valid MSI PTE (M=3)
    got = reachable(o.model)
    exp = {}
    dcs_1lvl(exp, size=64)
    pte_page(exp, "pte2", G_ROOT, (3,), 2, 0, 41, n=2048)
    # Index i's bit 0 goes to GPA page bit 0, bit 1 to page bit 2 (the mask's set bits, low to
    # high): pages 0x80000, 0x80001, 0x80004, 0x80005.
    for i, page in enumerate((0x80000, 0x80001, 0x80004, 0x80005)):
        for k in (0, 8):
            add(exp, 0x90000 + 16 * i + k, rk("msipte", (3, page)), 0x90000 + 16 * i)
    assert got == exp
    o.outcomes(req(did=5, iova=0x8000_4123))
    assert {k: base for k, (_, base) in o._readers[0x90028].items()} == {
        rk("msipte", (3, 0x80004)): 0x90020}
    assert_readers_listed(o, got)


# ----------------------------------------------------------------------------- property
def assert_readers_listed(o, reach, lean=None, what=""):
    """Every read the oracle recorded is listed with the same key and item address; with
    `lean` (invalid=False), every recorded read of an item now V=1 is listed there too."""
    for pa, rks in o._readers.items():
        for key, (_, base) in rks.items():
            assert reach.get(pa, {}).get(key) == base, (
                f"{what}: read of {pa:#x} key {key} base {base:#x} not reachable; "
                f"listed there: {reach.get(pa)}")
            if lean is not None and o.mem.peek(base, 1)[0] & 1:
                assert lean.get(pa, {}).get(key) == base, f"{what}: {pa:#x} {key} not in lean"


PAGE = 4096


class Guest:
    """A VM: a G-stage table and a GPA allocator; table pages it holds get G-stage mappings."""

    def __init__(self, gen, levels, gscid):
        self.gen, self.gscid = gen, gscid
        self.table = Table(gen, levels, gen.alloc(4, align=4), g_stage=True)
        rng = gen.rng
        # GPAs low, or with the x4 root-index bits above 2^(12+9*levels) set.
        self.base = rng.choice((0x8000_0000, 3 << (12 + 9 * levels)))
        self.next = self.base
        self.spa = {}                     # GPA page -> SPA page
        if rng.random() < 0.4:            # the first 2 MiB through one superpage
            block = gen.alloc(512, align=512)
            self.table.map(self.base, block, G_LEAF, level=1)
            self.super = (self.base, block)
        else:
            self.super = None

    def new_page(self):
        gpa = self.next
        self.next += PAGE
        if self.super and gpa - self.super[0] < 1 << 21:
            spa = self.super[1] + gpa - self.super[0]
        else:
            spa = self.gen.alloc()
            x = self.gen.rng.random()
            if x < 0.9:
                self.table.map(gpa, spa, G_LEAF)
            elif x < 0.95:
                self.table.map(gpa, spa, G_LEAF & ~U)     # implicit reads fault
            # else: not mapped at all
        self.spa[gpa] = spa
        return gpa


class Table:
    """A first-stage or G-stage page table; with a guest, its pages are GPAs."""

    def __init__(self, gen, levels, root, g_stage=False, guest=None):
        self.gen, self.levels, self.root, self.g_stage, self.guest = gen, levels, root, \
            g_stage, guest
        self.entries = {}                 # (table page, index) -> child page or None (leaf)
        self.pages = {levels - 1: [root]}

    def index(self, va, level):
        bits = 11 if self.g_stage and level == self.levels - 1 else 9
        return (va >> (12 + 9 * level)) & ((1 << bits) - 1)

    def put(self, page, idx, value):
        spa = self.guest.spa[page] if self.guest else page
        self.gen.o.store64(spa + 8 * idx, value)

    def new_page(self, level):
        page = self.guest.new_page() if self.guest else self.gen.alloc()
        self.pages.setdefault(level, []).append(page)
        return page

    def map(self, va, out, flags, level=0, nonleaf=(V,) * 5):
        """Map va at `level` to out; a new non-leaf entry at level l gets nonleaf[l]."""
        a = self.root
        for lvl in range(self.levels - 1, level, -1):
            idx = self.index(va, lvl)
            child = self.entries.get((a, idx), 0)
            if child is None:
                return False                          # a leaf already maps it
            if not child:
                child = self.new_page(lvl - 1)
                self.entries[(a, idx)] = child
                self.put(a, idx, pte(child, nonleaf[lvl]))
            a = child
        idx = self.index(va, level)
        if (a, idx) in self.entries:
            return False
        self.entries[(a, idx)] = None
        self.put(a, idx, pte(out, flags))
        return True

    def alias(self):
        """Point a free slot of a level >= 1 page at an existing page one level down."""
        rng = self.gen.rng
        levels = [lvl for lvl in self.pages if lvl >= 1 and self.pages.get(lvl - 1)]
        if not levels:
            return
        lvl = rng.choice(levels)
        a = rng.choice(self.pages[lvl])
        idx = rng.randrange(512)
        if (a, idx) not in self.entries:
            child = rng.choice(self.pages[lvl - 1])
            self.entries[(a, idx)] = child
            self.put(a, idx, pte(child, V | (G if rng.random() < 0.3 else 0)))


LEAF_FLAGS = (V | R | W | X | U | A | D, V | R | U | A, V | R | W | U | A | D, V | X | U | A,
              V | R | W | X | A | D)          # the last: supervisor only
# A leaf flaw: A, V or U cleared; W|R (no flaw: already R) or bit 54 (reserved) set.
FLAWS = (0, 0, 0, 0, 0, 0, A, V, W | R, 1 << 54, U)


class RandomConfig:
    """A random configuration stored through the oracle: a DDT (1/2/3LVL, base or extended
    DCs) with several devices: host first stage (Sv39/Sv48/Sv57), process directories
    (PD8/PD17/PD20, processes valid, invalid, misconfigured, Bare or paged), guests (Sv39x4/
    Sv48x4/Sv57x4 with first stage or PDT at GPAs, G-stage superpages, unmapped or U=0 table
    pages), G-stage only, Bare, invalid and misconfigured DCs, MSI page tables; pages of
    4 KiB / 2 MiB / 1 GiB, G bits, invalid entries, aliased table pages, stray garbage, bus
    errors. `targets`: (did, pid, iova) of mapped pages, for requests that get far."""

    def __init__(self, seed, policy="riscv-1.0-strict"):
        rng = self.rng = random.Random(seed)
        caps = capbits.DEFAULT
        if rng.random() < 0.3:
            caps |= 1 << capbits.MSI_FLAT
        if rng.random() < 0.2:
            caps |= 1 << capbits.SV57 | 1 << capbits.SV57X4
        # fills="demand": the oracle's readers are then exactly what its walks of current
        # memory read (under the contract its walks also take the old values of entries no
        # walk read, and read through them what is no longer reachable)
        self.o = CoherenceOracle(capabilities=caps, fills="demand", policy=policy)
        self.caps = self.o.model.caps
        self.ext = self.caps.msi_flat
        self.next_page = 0x100
        self.targets = []
        self.dids = []
        self.pids = {}
        self.tables = []
        self.ids = set()
        self.build()

    def unique_id(self, top):
        """A GSCID or PSCID no other table uses: two tables under one tag would let the
        oracle's tag caches hand a walk the other table's entries (reads no structural walk of
        current memory makes). Sometimes the field's largest value."""
        while True:
            v = top if self.rng.random() < 0.1 else self.rng.randrange(1, top)
            if v not in self.ids:
                self.ids.add(v)
                return v

    def alloc(self, n=1, align=1):
        p = -(-self.next_page // align) * align
        self.next_page = p + n
        return p << 12

    def st(self, pa, value):
        self.o.store64(pa, value)

    # -- directory
    def build(self):
        rng = self.rng
        mode = rng.choice((2, 3, 4))
        self.mode = mode
        self.ddt_root = self.alloc()
        self.o.write_reg(Reg.DDTP, ddtp(mode, self.ddt_root))
        b0 = 6 if self.ext else 7
        width = {2: b0, 3: b0 + 9, 4: 24}[mode]
        self.ddt_nodes = {}
        dids = set()
        n_dids = rng.randint(3, 7)
        while len(dids) < n_dids:
            if dids and rng.random() < 0.4:       # a neighbour: shares the upper index bits
                did = (rng.choice(sorted(dids)) ^ rng.randrange(1, 1 << b0)) % (1 << width)
            else:
                did = rng.randrange(1 << width)
            dids.add(did)
        self.dids = sorted(dids)
        guests = []
        spaces = []
        for did in self.dids:
            self.device(did, guests, spaces)
        for t in self.tables:
            if rng.random() < 0.3:
                t.alias()
        for _ in range(rng.randint(0, 3)):        # stray garbage in some table slot
            t = rng.choice(self.tables) if self.tables else None
            if t is not None:
                lvl = rng.choice(sorted(t.pages))
                page = rng.choice(t.pages[lvl])
                t.put(page, rng.randrange(512), rng.getrandbits(64))
        if self.tables and rng.random() < 0.2:    # a bus error on one table page
            t = rng.choice(self.tables)
            page = rng.choice(rng.choice(list(t.pages.values())))
            spa = t.guest.spa.get(page, page) if t.guest else page
            self.o.mem.set_access_fault(spa, spa + PAGE)

    def dc_addr(self, did):
        """Build the DDT path to did's DC (non-leaf entries sometimes flawed)."""
        b0 = 6 if self.ext else 7
        idx = [did & ((1 << b0) - 1), (did >> b0) & 511, did >> (b0 + 9)]
        levels = self.mode - 1
        a = self.ddt_root
        for lvl in range(levels - 1, 0, -1):
            key = (a, idx[lvl])
            if key not in self.ddt_nodes:
                child = self.alloc()
                self.ddt_nodes[key] = child
                flaw = self.rng.choice((0,) * 12 + (2, 1 << 60, -1))
                v = pte(child, V)
                v = 0 if flaw == -1 else v | flaw
                self.st(a + 8 * idx[lvl], v)
            a = self.ddt_nodes[key]
        return a + idx[0] * (64 if self.ext else 32)

    def device(self, did, guests, spaces):
        rng = self.rng
        kind = rng.choice(("host", "host", "pdt", "pdt", "guest", "guest", "guest_pdt",
                           "g_only", "bare", "shared", "invalid", "misconfigured"))
        if kind == "shared" and not spaces:
            kind = "host"
        tc, iohgatp, ta_, fsc, msi = TC_V, 0, ta(self.unique_id(0xFFFFF)), 0, (0, 0, 0)
        guest = None
        if kind in ("guest", "guest_pdt", "g_only"):
            if guests and rng.random() < 0.3:
                guest = rng.choice(guests)
            else:
                modes = {8: 3, 9: 4, 10: 5} if self.caps.sv57x4 else {8: 3, 9: 4}
                gmode = rng.choice(sorted(modes))
                guest = Guest(self, modes[gmode], self.unique_id(0xFFFF))
                guest.mode = gmode
                guests.append(guest)
                self.tables.append(guest.table)
                for _ in range(rng.randint(1, 4)):         # data pages, 4 KiB
                    guest.table.map(guest.new_page(), self.alloc(), G_LEAF)
            iohgatp = atp(guest.mode, guest.table.root, guest.gscid)
            if self.ext and rng.random() < 0.5:
                msi = self.msi_table()
        if kind in ("host", "guest"):
            space = self.space(guest, did, None)
            spaces.append(space)
            fsc = atp(space.mode, space.root)
        elif kind == "shared":
            space = rng.choice(spaces)
            if space.guest is not None:
                guest = space.guest
                iohgatp = atp(guest.mode, guest.table.root, guest.gscid)
            fsc = atp(space.mode, space.root)
            self.targets += [(did, None, va) for (_, p, va) in space.vas if p is None]
        elif kind in ("pdt", "guest_pdt"):
            tc |= TC_PDTV | (1 << 9 if rng.random() < 0.3 else 0)      # DPE
            fsc = self.pdt(did, guest, spaces)
            ta_ = 0
        elif kind == "misconfigured":
            tc |= rng.choice((1 << 12, 1 << 1, 1 << 11, 1 << 9))        # reserved, ATS, SXL, DPE
            fsc = atp(SV39, self.alloc())
        elif kind == "invalid":
            tc = 0
            fsc = atp(SV39, self.alloc())
        if kind == "g_only":
            self.targets += [(did, None, gpa) for gpa in guest.spa]
        if msi[0]:          # requests into the MSI window: GPAs = IOVAs, or mapped to them
            mask, pattern = msi[1], msi[2]
            for _ in range(3):
                gpa = (pattern | rng.getrandbits(20) & mask) << 12
                if kind == "g_only":
                    self.targets.append((did, None, gpa))
                elif kind == "guest":
                    va = rng.randrange(1 << 30) << 12
                    if space.map(va, gpa, rng.choice(LEAF_FLAGS)):
                        self.targets.append((did, None, va))
        words = [tc, iohgatp, ta_, fsc]
        if self.ext:
            words += [*msi, 0]
        a = self.dc_addr(did)
        for i, w in enumerate(words):
            self.st(a + 8 * i, w)

    def msi_table(self):
        rng = self.rng
        k = rng.randint(0, 4)
        mask = sum(1 << b for b in rng.sample(range(20), k))
        pattern = rng.getrandbits(24) & ~mask
        base = self.alloc(1)
        for _ in range(rng.randint(0, 3)):     # valid MSI PTEs (M=3), a few misconfigured
            i = rng.randrange(1 << k)
            self.st(base + 16 * i, pte(self.alloc(), V | rng.choice((6, 6, 6, 2, 1 << 63))))
        return atp(1, base), mask, pattern

    def space(self, guest, did, pid):
        """A first-stage table with some mapped pages (and their targets)."""
        rng = self.rng
        modes = {8: 3, 9: 4, 10: 5} if self.caps.sv57 else {8: 3, 9: 4}
        mode = rng.choice(sorted(modes))
        root = guest.new_page() if guest else self.alloc()
        t = Table(self, modes[mode], root, guest=guest)
        t.mode, t.vas = mode, []
        self.tables.append(t)
        for _ in range(rng.randint(1, 8)):
            level = rng.choice((0, 0, 0, 0, 1, 2))
            va = rng.randrange(1 << (11 + 9 * t.levels)) & ~((1 << (12 + 9 * level)) - 1)
            if rng.random() < 0.2:          # the upper half (canonical: sign-extended)
                va |= ((1 << 64) - 1) ^ ((1 << (11 + 9 * t.levels)) - 1)
            out = guest.new_page() if guest and rng.random() < 0.5 else \
                rng.randrange(1 << 30) << (12 + 9 * level)
            flags = rng.choice(LEAF_FLAGS) | (G if rng.random() < 0.15 else 0)
            flaw = rng.choice(FLAWS)
            flags = flags & ~flaw if flaw in (A, V, U) else flags | (flaw if flaw else 0)
            nonleaf = [V | (G if rng.random() < 0.2 else 0) | (A if rng.random() < 0.02 else 0)
                       for _ in range(5)]
            if t.map(va, out, flags, level, nonleaf):
                t.vas.append((did, pid, va))
                self.targets.append((did, pid, va))
        return t

    def pdt(self, did, guest, spaces):
        rng = self.rng
        mode = rng.choice((1, 2, 3))
        levels = mode
        width = {1: 8, 2: 17, 3: 20}[mode]
        new = guest.new_page if guest else self.alloc
        root = new()
        nodes = {}
        spa = (lambda gpa: guest.spa[gpa]) if guest else (lambda pa: pa)
        pids = rng.sample(range(1 << width), rng.randint(1, 4))
        self.pids[did] = pids
        for pid in pids:
            idx = [pid & 0xFF, (pid >> 8) & 511, pid >> 17]
            a = root
            for lvl in range(levels - 1, 0, -1):
                key = (a, idx[lvl])
                if key not in nodes:
                    nodes[key] = new()
                    v = pte(nodes[key], V) if rng.random() < 0.9 else pte(nodes[key], V | 4)
                    self.st(spa(a) + 8 * idx[lvl], v)
                a = nodes[key]
            state = rng.choice(("paged", "paged", "paged", "bare", "invalid", "misconfigured"))
            pta = ta(self.unique_id(0xFFFFF)) | V | rng.choice((0, 2, 4, 6))
            pfsc = 0
            if state in ("paged", "invalid"):
                if spaces and rng.random() < 0.3 and spaces[-1].guest is guest:
                    sp = spaces[-1]
                else:
                    sp = self.space(guest, did, pid)
                    spaces.append(sp)
                pfsc = atp(sp.mode, sp.root)
            if state == "invalid":
                pta &= ~V
            elif state == "misconfigured":
                pta |= 1 << 40
            self.st(spa(a) + 16 * idx[0], pta)
            self.st(spa(a) + 16 * idx[0] + 8, pfsc)
        return atp(mode, root)

    # -- requests
    def request(self):
        rng = self.rng
        x = rng.random()
        ttyp = rng.choice((TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_READ,
                           TTYP.UNTRANSLATED_WRITE, TTYP.UNTRANSLATED_EXEC,
                           TTYP.TRANSLATED_READ))
        if x < 0.7 and self.targets:
            did, pid, va = rng.choice(self.targets)
            iova = va | rng.randrange(PAGE)
            if rng.random() < 0.1:
                pid = None if pid is not None else rng.randrange(1 << 8)
        else:
            did = rng.choice(self.dids) if rng.random() < 0.8 else rng.randrange(1 << 24)
            pids = self.pids.get(did)
            pid = rng.choice((None, rng.randrange(1 << 20),
                              rng.choice(pids) if pids else None))
            iova = rng.getrandbits(64) if rng.random() < 0.3 else rng.getrandbits(40)
        if pid is None and did in self.pids and rng.random() < 0.5:
            pid = rng.choice(self.pids[did])
        return Request(did=did, iova=iova % (1 << 64), ttyp=ttyp, pid=pid,
                       priv_s=pid is not None and rng.random() < 0.4)


def test_random_readers_are_reachable():
    n_reads = n_requests = 0
    for seed in range(40):
        cfg = RandomConfig(seed)
        o = cfg.o
        reach = reachable(o.model)
        lean = reachable(o.model, invalid=False)
        for _ in range(40):
            r = cfg.request()
            o.outcomes(r)
            n_requests += 1
            assert_readers_listed(o, reach, lean, what=f"seed {seed} {r}")
        n_reads += sum(len(v) for v in o._readers.values())
    assert n_requests == 1600
    assert n_reads > 2000          # the requests got far into the tables
