"""sequences.sw.page_table against the golden model: every operation at every page size, for a
host first-stage table, a G-stage table, and a guest first-stage table living at GPAs under a
G-stage (two-stage). Expected addresses and causes are hand-worked literals.

Layouts (all three configurations; device 5 in a 1LVL DDT at 0x1_0000, DC at 0x1_00a0):
- 'first': Sv39 host table, PSCID 7, tables allocated from SPA 0x10_0000 (root 0x10_0000).
- 'g':     Sv39x4 table, GSCID 3, first stage Bare (IOVA = GPA); root 0x10_0000 (16 KiB).
- 'two':   Sv39x4 GSCID 3 with one 1 GiB leaf GPA 0x8000_0000 -> SPA 0xc000_0000 (rwx), and an
           Sv39 guest table, PSCID 7, allocated from GPA 0x8000_0000 (SPA 0xc000_0000). Guest
           targets are GPAs in that 1 GiB page: SPA = GPA + 0x4000_0000.
"""
from types import SimpleNamespace

import pytest

from models import Cause, IommuModel, Memory, Reg, Request, TTYP
from sequences.sw import (SIZE_1G, SIZE_2M, SIZE_4K, SIZE_64K, SIZE_512G, DeviceContextSpec,
                          DeviceDirectory, PageAllocator, PageTable)

R, W, X = TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_WRITE, TTYP.UNTRANSLATED_EXEC
DID = 5
CONFIGS = ("first", "g", "two")

# Page-fault causes per configuration: the G-stage config faults in the G-stage.
READ_FAULT = {"first": Cause.READ_PAGE_FAULT, "g": Cause.READ_GUEST_PAGE_FAULT,
              "two": Cause.READ_PAGE_FAULT}
WRITE_FAULT = {"first": Cause.WRITE_PAGE_FAULT, "g": Cause.WRITE_GUEST_PAGE_FAULT,
               "two": Cause.WRITE_PAGE_FAULT}
EXEC_FAULT = {"first": Cause.INSTRUCTION_PAGE_FAULT, "g": Cause.INSTRUCTION_GUEST_PAGE_FAULT,
              "two": Cause.INSTRUCTION_PAGE_FAULT}


def make(cfg, mode=None):
    mem = Memory()
    iommu = IommuModel(mem)
    w = mem.write64
    ddt = DeviceDirectory("1lvl", PageAllocator(0x1_0000, 0x1_0000, w), w)
    host = PageAllocator(0x10_0000, 0x10_0000, w)
    g = None
    if cfg == "first":
        pt = PageTable(mode or "sv39", host, w, pscid=7)
        spec = DeviceContextSpec(fs_mode=pt.mode, fs_root=pt.root, pscid=7)
    elif cfg == "g":
        pt = PageTable(mode or "sv39x4", host, w, gscid=3)
        spec = DeviceContextSpec(g_mode=pt.mode, g_root=pt.root, gscid=3)
    else:
        g = PageTable("sv39x4", host, w, gscid=3)
        g.map(0x8000_0000, 0xC000_0000, SIZE_1G, "rwx")
        guest = PageAllocator(0x8000_0000, 0x10_0000, w, addr_to_pa=g.translate)
        pt = PageTable(mode or "sv39", guest, w, addr_to_pa=g.translate, gscid=3, pscid=7)
        spec = DeviceContextSpec(fs_mode=pt.mode, fs_root=pt.root, pscid=7, g_mode="sv39x4",
                                 g_root=g.root, gscid=3)
    ddt.set_dc(DID, spec)
    iommu.write_reg(Reg.DDTP, ddt.ddtp())

    def x(iova, ttyp=R):
        return iommu.translate(Request(DID, iova, ttyp))

    return SimpleNamespace(mem=mem, iommu=iommu, pt=pt, g=g, ddt=ddt, host=host, cfg=cfg, x=x)


@pytest.fixture(params=CONFIGS)
def e(request):
    return make(request.param)


def spa(e, target):
    """Where a target address lands: itself, or GPA + 0x4000_0000 in the two-stage layout."""
    return target + 0x4000_0000 if e.cfg == "two" else target


def ok(e, iova, ttyp=R):
    out = e.x(iova, ttyp)
    assert out.cause is None, f"{e.cfg}: {iova:#x} faulted with {out.cause}"
    return out.pa


# --------------------------------------------------------------------------------- map
def test_layout_of_the_first_4k_map_is_driver_ordered():
    e = make("first")
    u = e.pt.map(0x4000_1000, 0x8765_4000)
    # VPN2=1, VPN1=0, VPN0=1; new L1 table 0x10_1000 and L0 table 0x10_2000.
    # leaf = 0x87654<<10 | V R W U A D (0xd7) = 0x21d9_50d7; pointers (ppn<<10)|V.
    assert [(s.pa, s.value) for s in u.stores] == [
        (0x10_2008, 0x21D9_50D7), (0x10_1000, 0x4_0801), (0x10_0008, 0x4_0401)]
    assert [c.linked for c in u.changes] == [False, False, True]
    assert [c.level for c in u.changes] == [0, 1, 2]
    assert (u.kind, u.structure, u.transition, u.invalidation_required) == (
        "map", "first", "0->1", False)
    assert (u.va, u.length, u.page_size, u.pscid, u.gscid) == (
        0x4000_1000, SIZE_4K, SIZE_4K, 7, None)
    assert ok(e, 0x4000_1ABC) == 0x8765_4ABC


def test_layout_of_a_g_stage_map_uses_the_16k_root():
    e = make("g")
    u = e.pt.map(0x150_0000_1000, 0x3000_0000)
    # root index = GPA[40:30] = 0x540 -> entry 0x10_0000 + 0x540*8 = 0x10_2a00; the root is
    # 4 pages, so L1 = 0x10_4000 and L0 = 0x10_5000; VPN1 = 0, VPN0 = 1.
    assert [s.pa for s in u.stores] == [0x10_5008, 0x10_4000, 0x10_2A00]
    assert u.stores[0].value == 0x30000 << 10 | 0xD7
    assert ok(e, 0x150_0000_1234) == 0x3000_0234


def test_layout_of_a_guest_table_is_stored_at_spas():
    e = make("two")
    u = e.pt.map(0x4000_1000, 0x8765_4000)
    # guest tables at GPA 0x8000_0000/1000/2000 = SPA 0xc000_0000/1000/2000; pointers hold GPAs.
    assert [(c.addr, c.pa) for c in u.changes] == [
        (0x8000_2008, 0xC000_2008), (0x8000_1000, 0xC000_1000), (0x8000_0008, 0xC000_0008)]
    assert [(s.pa, s.value) for s in u.stores] == [
        (0xC000_2008, 0x21D9_50D7), (0xC000_1000, 0x2000_0801), (0xC000_0008, 0x2000_0401)]
    assert e.mem.read64(0xC000_2008) == 0x21D9_50D7
    assert ok(e, 0x4000_1ABC) == 0xC765_4ABC


def test_map_4k(e):
    e.pt.map(0x4000_1000, 0x8765_4000, perms="rw")
    assert ok(e, 0x4000_1ABC) == spa(e, 0x8765_4ABC)
    assert ok(e, 0x4000_1FF8, W) == spa(e, 0x8765_4FF8)
    assert e.x(0x4000_1000, X).cause == EXEC_FAULT[e.cfg]
    assert e.x(0x4000_2000).cause == READ_FAULT[e.cfg]          # the next page is not mapped
    assert e.pt.lookup(0x4000_1ABC) == (0x8765_4ABC, "rw", SIZE_4K)
    assert e.pt.lookup(0x4000_2000) is None


def test_map_2m(e):
    u = e.pt.map(0x4020_0000, 0x9000_0000, SIZE_2M, "rx")
    assert ok(e, 0x4023_4567) == spa(e, 0x9003_4567)
    assert ok(e, 0x403F_FFF0, X) == spa(e, 0x901F_FFF0)
    assert e.x(0x4020_0000, W).cause == WRITE_FAULT[e.cfg]
    assert e.pt.lookup(0x4023_4567) == (0x9003_4567, "rx", SIZE_2M)
    assert [c.level for c in u.changes if c.linked] == [2]      # L1 table linked last


def test_map_1g(e):
    u = e.pt.map(0xC000_0000, 0x8000_0000, SIZE_1G, "rwx")
    assert len(u.stores) == 1 and u.changes[0].level == 2      # a root entry: no new table
    # IOVA 0xc123_4567 -> 0x8123_4567 (GPA; SPA 0xc123_4567 in the two-stage layout)
    assert ok(e, 0xC123_4567, X) == spa(e, 0x8123_4567)
    assert e.pt.lookup(0xFFFF_FFFF) == (0xBFFF_FFFF, "rwx", SIZE_1G)


def test_map_512g_sv48_and_sv48x4():
    for cfg in ("first", "g"):
        e = make(cfg, "sv48" if cfg == "first" else "sv48x4")
        e.pt.map(0x80_0000_0000, 0x100_0000_0000, SIZE_512G, "rw")
        assert ok(e, 0x80_1234_5678) == 0x100_1234_5678
        e.pt.map(0x1000, 0x2000)                      # a 4 KiB page through four levels
        assert ok(e, 0x1008) == 0x2008
    with pytest.raises(ValueError):
        make("first").pt.map(0, 0, SIZE_512G)         # Sv39 has no 512 GiB pages


def test_map_napot_64k(e):
    u = e.pt.map(0x4001_0000, 0x8800_0000, SIZE_64K, "rw")
    # 16 PTEs (VPN0 0x10..0x1f), each N=1 with ppn = 0x88000 | 0b1000; the PA takes IOVA[15:12]
    assert len(u.stores) == 16 + 2 and u.note == "napot"
    leaves = [c for c in u.changes if c.level == 0]
    assert len(leaves) == 16
    assert {c.new[0] for c in leaves} == {1 << 63 | 0x88008 << 10 | 0xD7}
    assert [c.va for c in leaves][:2] == [0x4001_0000, 0x4001_1000]
    assert ok(e, 0x4001_0456) == spa(e, 0x8800_0456)
    assert ok(e, 0x4001_F123, W) == spa(e, 0x8800_F123)
    assert e.pt.lookup(0x4001_7000) == (0x8800_7000, "rw", SIZE_64K)


def test_map_user_and_global_bits(e):
    e.pt.map(0x4000_3000, 0x8000_3000, user=False)
    # a request without a process_id is a User access: U=0 faults (and always in the G-stage)
    assert e.x(0x4000_3000).cause == READ_FAULT[e.cfg]
    u = e.pt.map(0x4000_4000, 0x8000_4000, global_=True)
    assert ok(e, 0x4000_4000) == spa(e, 0x8000_4000)
    assert u.global_ == (e.cfg != "g")             # G is ignored in G-stage PTEs


def test_map_refuses_overlaps_and_misalignment(e):
    e.pt.map(0x4020_0000, 0x9000_0000, SIZE_2M)
    e.pt.map(0x4000_1000, 0x8765_4000)
    with pytest.raises(ValueError):
        e.pt.map(0x4000_1000, 0x8000_0000)                 # already mapped
    with pytest.raises(ValueError):
        e.pt.map(0x4021_0000, 0x8000_0000)                 # inside the 2 MiB page
    with pytest.raises(ValueError):
        e.pt.map(0x4040_1000, 0x9000_0000, SIZE_2M)        # va not aligned
    with pytest.raises(ValueError):
        e.pt.map(0x4040_0000, 0x9010_0000, SIZE_2M)        # pa not aligned
    with pytest.raises(ValueError):
        e.pt.map(0x4000_5000, 0x8000_0000, perms="w")      # W without R is reserved


def test_va_range_checks():
    e = make("first")
    with pytest.raises(ValueError):
        e.pt.map(0x40_0000_0000, 0)             # not canonical in Sv39 (bit 38 set, 63:39 clear)
    e.pt.map(0xFFFF_FFC0_0000_0000, 0x4000_0000, SIZE_1G)   # canonical upper half
    assert ok(e, 0xFFFF_FFC0_0000_0010) == 0x4000_0010
    g = make("g")
    with pytest.raises(ValueError):
        g.pt.map(0x200_0000_0000, 0)            # beyond Sv39x4's 41 bits


# --------------------------------------------------------------------------------- unmap
def test_unmap_4k(e):
    e.pt.map(0x4000_1000, 0x8765_4000)
    e.pt.map(0x4000_2000, 0x8765_5000)
    u = e.pt.unmap(0x4000_1234)
    assert (u.kind, u.transition, u.invalidation_required, u.va, u.length) == (
        "unmap", "1->0", True, 0x4000_1000, SIZE_4K)
    assert len(u.stores) == 1 and u.stores[0].value == 0 and u.freed == ()
    assert e.x(0x4000_1234).cause == READ_FAULT[e.cfg]
    assert ok(e, 0x4000_2010) == spa(e, 0x8765_5010)      # the neighbour stays
    with pytest.raises(ValueError):
        e.pt.unmap(0x4000_1000)                           # nothing left to unmap


def test_unmap_superpages_and_napot(e):
    e.pt.map(0x4020_0000, 0x9000_0000, SIZE_2M)
    e.pt.map(0xC000_0000, 0x8000_0000, SIZE_1G)
    e.pt.map(0x4001_0000, 0x8800_0000, SIZE_64K)
    assert len(e.pt.unmap(0x4030_0000).stores) == 1
    assert len(e.pt.unmap(0xC100_0000).stores) == 1
    u = e.pt.unmap(0x4001_8000)                           # any page of the NAPOT range
    assert len(u.stores) == 16 and (u.va, u.length) == (0x4001_0000, SIZE_64K)
    for iova in (0x4030_0000, 0xC100_0000, 0x4001_0000, 0x4001_F000):
        assert e.x(iova).cause == READ_FAULT[e.cfg]


def test_unmap_prune_frees_empty_tables_for_reuse(e):
    e.pt.map(0x4000_1000, 0x8765_4000)          # VPN2=1: new L1 and L0 tables
    l1, l0 = e.pt.tables()[1:]
    u = e.pt.unmap(0x4000_1000, prune=True)
    # leaf cleared, then the L1 entry, then the root entry: both tables unlinked
    assert [c.level for c in u.changes] == [0, 1, 2]
    assert sorted(u.freed) == sorted([l1, l0]) and u.nonleaf_changed
    assert e.pt.tables() == [e.pt.root]
    e.pt.reclaim(u)
    e.pt.map(0x4000_1000, 0x8765_6000)          # the same two pages are reused
    assert sorted(e.pt.tables()[1:]) == sorted([l1, l0])
    assert ok(e, 0x4000_1008) == spa(e, 0x8765_6008)


def test_unmap_prune_keeps_tables_still_in_use(e):
    e.pt.map(0x4000_1000, 0x8765_4000)
    e.pt.map(0x4000_2000, 0x8765_5000)
    u = e.pt.unmap(0x4000_1000, prune=True)
    assert u.freed == () and len(u.stores) == 1


# --------------------------------------------------------------------------------- remap / protect
def test_remap(e):
    e.pt.map(0x4000_1000, 0x8765_4000)
    # two-stage: the new target must be a GPA inside guest RAM (0x8777_7000 -> SPA 0xc777_7000)
    u = e.pt.remap(0x4000_1000, 0x8777_7000 if e.cfg == "two" else 0x7777_7000)
    assert (u.kind, u.transition, u.invalidation_required) == ("remap", "change", True)
    assert len(u.stores) == 1
    expect = {"first": 0x7777_7ABC, "g": 0x7777_7ABC, "two": 0xC777_7ABC}[e.cfg]
    assert ok(e, 0x4000_1ABC) == expect
    with pytest.raises(ValueError):
        e.pt.remap(0x4000_1000, 0x7777_7800)               # not page aligned


def test_remap_superpage_and_napot(e):
    e.pt.map(0x4020_0000, 0x9000_0000, SIZE_2M)
    e.pt.remap(0x4020_0000, 0x9040_0000)
    assert ok(e, 0x4023_4567) == spa(e, 0x9043_4567)
    e.pt.map(0x4001_0000, 0x8800_0000, SIZE_64K)
    u = e.pt.remap(0x4001_0000, 0x8810_0000)
    assert len(u.stores) == 16
    assert ok(e, 0x4001_F123) == spa(e, 0x8810_F123)
    with pytest.raises(ValueError):
        e.pt.remap(0x4001_0000, 0x8810_8000)               # not 64 KiB aligned


def test_protect_down_and_up(e):
    e.pt.map(0x4000_1000, 0x8765_4000, perms="rw")
    u = e.pt.protect(0x4000_1000, "r")
    assert (u.kind, u.note, u.invalidation_required) == ("protect", "down", True)
    assert e.x(0x4000_1000, W).cause == WRITE_FAULT[e.cfg]
    assert ok(e, 0x4000_1000) == spa(e, 0x8765_4000)
    u = e.pt.protect(0x4000_1000, "rwx")
    assert u.note == "up"
    assert ok(e, 0x4000_1010, X) == spa(e, 0x8765_4010)
    assert ok(e, 0x4000_1010, W) == spa(e, 0x8765_4010)
    assert e.pt.protect(0x4000_1000, "x").note == "down"
    assert e.x(0x4000_1000, R).cause == READ_FAULT[e.cfg]     # execute-only: no MXR
    assert e.pt.protect(0x4000_1000, "rw").note == "change"


def test_protect_napot_and_superpage(e):
    e.pt.map(0x4001_0000, 0x8800_0000, SIZE_64K, "rw")
    assert len(e.pt.protect(0x4001_5000, "r").stores) == 16
    assert e.x(0x4001_F000, W).cause == WRITE_FAULT[e.cfg]
    e.pt.map(0x4020_0000, 0x9000_0000, SIZE_2M, "r")
    e.pt.protect(0x4020_0000, "rw")
    assert ok(e, 0x403F_F000, W) == spa(e, 0x901F_F000)


# --------------------------------------------------------------------------------- split / merge
def test_split_2m(e):
    e.pt.map(0x4020_0000, 0x9000_0000, SIZE_2M, "rw")
    n_tables = len(e.pt.tables())
    u = e.pt.split(0x4020_0000)
    # 512 stores into a new L0 table (not yet linked), then the leaf becomes a pointer
    assert len(u.stores) == 513 and [c.linked for c in u.changes].count(True) == 1
    link = u.changes[-1]
    assert link.old_leaf and link.new_valid and not link.new_leaf and link.level == 1
    assert (u.kind, u.transition, u.invalidation_required, u.page_size) == (
        "split", "change", True, SIZE_2M)
    assert len(e.pt.tables()) == n_tables + 1
    assert e.pt.lookup(0x4023_4567) == (0x9003_4567, "rw", SIZE_4K)
    assert ok(e, 0x4023_4567) == spa(e, 0x9003_4567)
    assert ok(e, 0x403F_FFFF) == spa(e, 0x901F_FFFF)
    # the 4 KiB pages are now separate: change one, its neighbours stay
    e.pt.protect(0x4030_0000, "r")
    assert e.x(0x4030_0000, W).cause == WRITE_FAULT[e.cfg]
    assert ok(e, 0x4030_1000, W) == spa(e, 0x9010_1000)


def test_split_1g_into_2m_pages(e):
    e.pt.map(0xC000_0000, 0x8000_0000, SIZE_1G, "rwx")
    e.pt.split(0xC123_4567)
    assert e.pt.lookup(0xC123_4567) == (0x8123_4567, "rwx", SIZE_2M)
    assert ok(e, 0xC123_4567, X) == spa(e, 0x8123_4567)
    assert ok(e, 0xFFFF_F000) == spa(e, 0xBFFF_F000)


def test_split_napot(e):
    e.pt.map(0x4001_0000, 0x8800_0000, SIZE_64K, "rw")
    u = e.pt.split(0x4001_0000)
    # 16 stores: each PTE becomes an ordinary 4 KiB leaf with ppn 0x88000 + k
    assert len(u.stores) == 16 and u.changes[3].new[0] == 0x88003 << 10 | 0xD7
    assert e.pt.lookup(0x4001_3123) == (0x8800_3123, "rw", SIZE_4K)
    assert ok(e, 0x4001_F123) == spa(e, 0x8800_F123)
    with pytest.raises(ValueError):
        e.pt.split(0x4001_0000)                     # a 4 KiB page cannot be split


def test_merge_2m(e):
    for k in range(512):
        e.pt.map(0x4060_0000 + k * SIZE_4K, 0xA000_0000 + k * SIZE_4K, perms="rw")
    table = e.pt.tables()[-1]
    u = e.pt.merge(0x4060_0000, SIZE_2M)
    # one store: the L1 entry (VPN1 = 3) becomes a 2 MiB leaf; the L0 table is left for reclaim
    assert len(u.stores) == 1 and u.freed == (table,)
    c = u.changes[0]
    assert c.level == 1 and not c.old_leaf and c.new_leaf and u.nonleaf_changed
    assert c.new[0] == 0xA0000 << 10 | 0xD7
    assert e.pt.lookup(0x4067_8ABC) == (0xA007_8ABC, "rw", SIZE_2M)
    assert ok(e, 0x4067_8ABC) == spa(e, 0xA007_8ABC)
    e.pt.reclaim(u)
    assert e.pt.alloc.alloc_page() == table        # the freed page is handed out again


def test_split_then_merge_round_trip(e):
    e.pt.map(0x4020_0000, 0x9000_0000, SIZE_2M, "rx")
    split = e.pt.split(0x4020_0000)
    merge = e.pt.merge(0x4020_0000, SIZE_2M)
    assert merge.changes[0].new == split.changes[-1].old
    assert ok(e, 0x4023_4567, X) == spa(e, 0x9003_4567)


def test_merge_napot(e):
    for k in range(16):
        e.pt.map(0x4002_0000 + k * SIZE_4K, 0x8900_0000 + k * SIZE_4K, perms="r")
    u = e.pt.merge(0x4002_0000, SIZE_64K)
    assert len(u.stores) == 16 and u.note == "napot"
    assert {c.new[0] for c in u.changes} == {1 << 63 | 0x89008 << 10 | 0xD3}
    assert e.pt.lookup(0x4002_5123) == (0x8900_5123, "r", SIZE_64K)
    assert ok(e, 0x4002_5123) == spa(e, 0x8900_5123)


def test_merge_refuses_what_is_not_one_page(e):
    for k in range(16):
        e.pt.map(0x4002_0000 + k * SIZE_4K, 0x8900_0000 + k * SIZE_4K, perms="r")
    e.pt.protect(0x4002_3000, "rw")
    with pytest.raises(ValueError):
        e.pt.merge(0x4002_0000, SIZE_64K)             # permissions differ
    e.pt.protect(0x4002_3000, "r")
    e.pt.remap(0x4002_3000, 0x7000_0000)
    with pytest.raises(ValueError):
        e.pt.merge(0x4002_0000, SIZE_64K)             # not contiguous
    with pytest.raises(ValueError):
        e.pt.merge(0x4000_0000, SIZE_2M)              # 512 pages not all mapped
    with pytest.raises(ValueError):
        e.pt.merge(0x4010_0000, SIZE_2M)              # not 2 MiB aligned


def test_two_stage_g_stage_changes_under_a_guest_table():
    e = make("two")
    e.pt.map(0x1000, 0x8030_0000)
    assert ok(e, 0x1ABC) == 0xC030_0ABC
    g = e.g
    # split the G-stage 1 GiB page into 2 MiB pages: the walk is unchanged
    g.split(0x8000_0000)
    assert ok(e, 0x1ABC) == 0xC030_0ABC
    # move the guest's data page (GPA 0x8020_0000..0x803f_ffff) to SPA 0x5000_0000
    g.remap(0x8020_0000, 0x5000_0000)
    assert ok(e, 0x1ABC) == 0x5010_0ABC
    # take away the 2 MiB holding the guest's tables (GPA 0x8000_0000): the implicit read
    # of the guest root PTE faults in the G-stage (iotval2 bit 0 = implicit access)
    g.unmap(0x8000_0000)
    out = e.x(0x1ABC)
    assert out.cause == Cause.READ_GUEST_PAGE_FAULT and out.iotval2 == 0x8000_0000 | 1


# --------------------------------------------------------------------------------- Svpbmt
def test_map_with_pbmt_and_set_pbmt():
    e = make("first")
    e.iommu.set_capabilities(e.iommu.caps.value | 1 << 15)        # Svpbmt
    u = e.pt.map(0x4000_1000, 0x8765_4000, pbmt=1)
    # the leaf of the layout test above with bits 62:61 = 01
    assert u.stores[0].value == 0x21D9_50D7 | 1 << 61
    out = e.x(0x4000_1008)
    assert (out.pa, out.pbmt) == (0x8765_4008, 1)
    u = e.pt.set_pbmt(0x4000_1000, 2)
    assert [(s.pa, s.value) for s in u.stores] == [(0x10_2008, 0x21D9_50D7 | 2 << 61)]
    assert (u.kind, u.note, u.transition) == ("protect", "pbmt", "change")
    assert e.x(0x4000_1008).pbmt == 2
    e.pt.remap(0x4000_1000, 0x9999_9000)                            # keeps the memory type
    out = e.x(0x4000_1008)
    assert (out.pa, out.pbmt) == (0x9999_9008, 2)
    with pytest.raises(ValueError, match="pbmt 4"):
        e.pt.set_pbmt(0x4000_1000, 4)
