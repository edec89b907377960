"""sequences.sw.device_directory / process_directory against the golden model: DDT in 1LVL,
2LVL and 3LVL (base and extended DCs), PDT in PD8, PD17 and PD20 (host, and at GPAs under a
G-stage). Addresses are hand-worked from the DDI/PDI splits:
- base DDI: [6:0], [15:7], [23:16]; extended: [5:0], [14:6], [23:15]; DC 32 / 64 bytes
- PDI: [7:0] (16-byte PCs), [16:8], [19:17]
"""
import pytest

from models import Cause, IommuModel, Memory, Reg, Request, TTYP
from sequences.sw import (SIZE_1G, DeviceContextSpec, DeviceDirectory, PageAllocator,
                          PageTable, ProcessDirectory)

R, W = TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_WRITE
CAPS_MSI_FLAT = 0x0000_01F8_1006_0610 | 1 << 22


class Env:
    """Memory + model; DDT pages from 0x1_0000, other pages from 0x10_0000. A host Sv39 table
    (PSCID 7) maps IOVA 0x4000_1000 -> 0x8765_4000 (user, rw)."""

    def __init__(self, ddt_mode="1lvl", extended=False):
        self.mem = Memory()
        self.iommu = IommuModel(self.mem, capabilities=CAPS_MSI_FLAT if extended else None)
        w = self.mem.write64
        self.ddt_alloc = PageAllocator(0x1_0000, 0x10_000, w, zero=False)
        self.alloc = PageAllocator(0x10_0000, 0x10_0000, w, zero=False)
        self.ddt = DeviceDirectory(ddt_mode, self.ddt_alloc, w, extended=extended)
        self.pt = PageTable("sv39", self.alloc, w, pscid=7)
        self.pt.map(0x4000_1000, 0x8765_4000)
        self.iommu.write_reg(Reg.DDTP, self.ddt.ddtp())

    def host_dc(self, **kw):
        return DeviceContextSpec(fs_mode="sv39", fs_root=self.pt.root, pscid=7, **kw)

    def x(self, did, iova=0x4000_1ABC, ttyp=R, pid=None, priv_s=False):
        return self.iommu.translate(Request(did, iova, ttyp, pid=pid, priv_s=priv_s))


# --------------------------------------------------------------------------------- DDT
def test_ddtp_values():
    # ddtp = PPN(root) << 10 | iommu_mode; root 0x1_0000 -> PPN 0x10 -> 0x4000
    assert Env("1lvl").ddt.ddtp() == 0x4002
    assert Env("2lvl").ddt.ddtp() == 0x4003
    assert Env("3lvl").ddt.ddtp() == 0x4004


def test_1lvl_dc_layout_and_store_order():
    e = Env("1lvl")
    u = e.ddt.set_dc(5, e.host_dc())
    # DC of device 5 at 0x1_0000 + 5*32 = 0x1_00a0: fsc (Sv39 = 8 << 60 | root PPN 0x100),
    # then ta (PSCID 7 << 12), iohgatp is 0 (no store), tc (V) last.
    assert [(s.pa, s.value) for s in u.stores] == [
        (0x1_00B8, 8 << 60 | 0x100), (0x1_00B0, 7 << 12), (0x1_00A0, 1)]
    assert (u.kind, u.structure, u.transition, u.did, u.pscid) == ("dc", "ddt", "0->1", 5, 7)
    assert e.x(5).pa == 0x8765_4ABC
    assert e.x(4).cause == Cause.DDT_NOT_VALID
    with pytest.raises(ValueError):
        e.ddt.set_dc(0x80, e.host_dc())           # 1LVL base format: 7 device_id bits


def test_2lvl_allocates_the_leaf_page_and_links_it_last():
    e = Env("2lvl")
    u = e.ddt.set_dc(0x1234, e.host_dc())
    # DDI[1] = 0x24 -> ddte at 0x1_0000 + 0x24*8 = 0x1_0120; leaf page 0x1_1000;
    # DDI[0] = 0x34 -> DC at 0x1_1000 + 0x34*32 = 0x1_1680
    assert [(c.entry, c.addr, c.linked) for c in u.changes] == [
        ("dc", 0x1_1680, False), ("ddte", 0x1_0120, True)]
    assert u.stores[-1].pa == 0x1_0120 and u.stores[-1].value == 0x11 << 10 | 1
    assert e.x(0x1234).pa == 0x8765_4ABC
    u2 = e.ddt.set_dc(0x1235, e.host_dc())        # same leaf page: no new ddte
    assert [c.entry for c in u2.changes] == ["dc"] and u2.changes[0].addr == 0x1_16A0
    assert e.x(0x1235).pa == 0x8765_4ABC
    assert e.x(0x1200).cause == Cause.DDT_NOT_VALID            # DC slot with V=0
    assert e.x(0x8000).cause == Cause.DDT_NOT_VALID            # ddte with V=0
    assert e.x(0x1_0000).cause == Cause.TTYP_DISALLOWED        # too wide for 2LVL


def test_3lvl_layout():
    e = Env("3lvl")
    u = e.ddt.set_dc(0xAB_CDEF, e.host_dc())
    # DDI[2] = 0xab -> 0x1_0000 + 0x558; DDI[1] = 0x19b -> page 0x1_1000 + 0xcd8;
    # DDI[0] = 0x6f -> page 0x1_2000 + 0x6f*32 = 0x1_2de0. Bottom-up: DC, then L1, then root.
    assert [(c.entry, c.addr, c.level, c.linked) for c in u.changes] == [
        ("dc", 0x1_2DE0, 0, False), ("ddte", 0x1_1CD8, 1, False), ("ddte", 0x1_0558, 2, True)]
    assert e.x(0xAB_CDEF).pa == 0x8765_4ABC
    assert e.ddt.dc_addr(0xAB_CDEF) == 0x1_2DE0
    assert e.ddt.dc_addr(0xAC_0000) is None
    assert e.ddt.get_dc(0xAB_CDEF) == e.host_dc()


def test_extended_dcs_are_64_bytes():
    e = Env("1lvl", extended=True)
    u = e.ddt.set_dc(5, e.host_dc())
    # extended: 64-byte DCs, DC of device 5 at 0x1_0000 + 5*64 = 0x1_0140
    assert u.changes[0].addr == 0x1_0140 and len(u.changes[0].new) == 8
    assert e.x(5).pa == 0x8765_4ABC
    with pytest.raises(ValueError):
        e.ddt.set_dc(0x40, e.host_dc())          # 1LVL extended: 6 device_id bits
    e2 = Env("2lvl", extended=True)
    e2.ddt.set_dc(0x1234, e2.host_dc())
    # extended DDI[1] = 0x1234 >> 6 = 0x48 -> ddte 0x1_0240; DDI[0] = 0x34 -> 0x1_1000 + 0xd00
    assert e2.ddt.dc_addr(0x1234) == 0x1_1D00
    assert e2.x(0x1234).pa == 0x8765_4ABC


def test_invalidate_dc_then_set_again():
    e = Env("2lvl")
    e.ddt.set_dc(0x1234, e.host_dc())
    u = e.ddt.invalidate_dc(0x1234)
    assert (len(u.stores), u.stores[0].pa, u.stores[0].value) == (1, 0x1_1680, 0)
    assert (u.transition, u.invalidation_required, u.pscid) == ("1->0", True, 7)
    assert e.x(0x1234).cause == Cause.DDT_NOT_VALID
    u = e.ddt.set_dc(0x1234, e.host_dc(dtf=True))
    assert u.transition == "0->1" and [s.pa for s in u.stores] == [0x1_1680]   # only tc differs
    assert e.x(0x1234).pa == 0x8765_4ABC


def test_a_valid_dc_changes_in_one_store_or_not_at_all():
    e = Env("1lvl")
    e.ddt.set_dc(5, e.host_dc())
    u = e.ddt.set_dc(5, e.host_dc(dtf=True))             # only tc changes: one atomic store
    assert len(u.stores) == 1 and u.transition == "change"
    g = PageTable("sv39x4", e.alloc, e.mem.write64, gscid=1)
    with pytest.raises(ValueError):
        e.ddt.set_dc(5, e.host_dc(g_mode="sv39x4", g_root=g.root, gscid=1))
    u = e.ddt.set_dc(5, e.host_dc(g_mode="sv39x4", g_root=g.root, gscid=1), in_place=True)
    assert [s.pa for s in u.stores] == [0x1_00A8, 0x1_00A0]       # iohgatp, then tc


def test_misconfigured_and_broken_directories():
    e = Env("3lvl")
    e.ddt.set_dc(0x10_0005, e.host_dc(en_ats=True))             # ATS is not supported: 259
    assert e.x(0x10_0005).cause == Cause.DDT_MISCONFIGURED
    e.ddt.set_dc(0x10_0006, e.host_dc())
    assert e.x(0x10_0006).pa == 0x8765_4ABC
    leaf_ptr = e.mem.read64(e.ddt.root + 0x10 * 8)            # DDI[2] = 0x10
    u = e.ddt.set_ddte(0x10_0006, 2, leaf_ptr & ~1)             # root entry V=0
    assert (u.kind, u.transition, u.changes[0].level) == ("ddte", "1->0", 2)
    assert e.x(0x10_0006).cause == Cause.DDT_NOT_VALID
    e.ddt.set_ddte(0x10_0006, 2, leaf_ptr | 1 << 5)              # a reserved bit
    assert e.x(0x10_0006).cause == Cause.DDT_MISCONFIGURED
    e.ddt.set_ddte(0x10_0006, 2, leaf_ptr)
    assert e.x(0x10_0006).pa == 0x8765_4ABC


def test_spec_words_round_trip():
    s = DeviceContextSpec(fs_mode="sv48", fs_root=0x1234_5000, pscid=0xABCDE, g_mode="sv39x4",
                          g_root=0x8_0000, gscid=0xBEEF, dtf=True, sbe=False, tc_custom=0x5A)
    tc, iohgatp, ta, fsc = s.words()
    assert tc == 1 | 1 << 4 | 0x5A << 24
    assert iohgatp == 8 << 60 | 0xBEEF << 44 | 0x80
    assert ta == 0xABCDE << 12
    assert fsc == 9 << 60 | 0x12345
    assert DeviceContextSpec.from_words(s.words()) == s
    p = DeviceContextSpec(pdtv=True, pdt_mode="pd17", pdt_root=0x3000, dpe=True)
    assert p.words()[3] == 2 << 60 | 3 and p.words()[0] == 1 | 1 << 5 | 1 << 9
    assert DeviceContextSpec.from_words(p.words(extended=True)) == p


# --------------------------------------------------------------------------------- PDT
def pdt_env(mode, under_g=False):
    """Device 9 with PDTV=1 in a 2LVL DDT; the PDT at SPAs, or at GPAs under a G-stage
    (GSCID 3, a 1 GiB leaf GPA 0x8000_0000 -> SPA 0xc000_0000)."""
    e = Env("2lvl")
    w = e.mem.write64
    if under_g:
        g = PageTable("sv39x4", e.alloc, w, gscid=3)
        g.map(0x8000_0000, 0xC000_0000, SIZE_1G, "rwx")
        galloc = PageAllocator(0x8000_0000, 0x10_0000, w, addr_to_pa=g.translate, zero=False)
        pt = PageTable("sv39", galloc, w, addr_to_pa=g.translate, gscid=3)
        pt.map(0x4000_1000, 0x8765_4000)                  # GPA 0x8765_4000 = SPA 0xc765_4000
        pd = ProcessDirectory(mode, galloc, w, addr_to_pa=g.translate, did=9, gscid=3)
        spec = DeviceContextSpec(pdtv=True, pdt_mode=mode, pdt_root=pd.root, g_mode="sv39x4",
                                 g_root=g.root, gscid=3)
    else:
        pt = e.pt
        pd = ProcessDirectory(mode, e.alloc, w, did=9)
        spec = DeviceContextSpec(pdtv=True, pdt_mode=mode, pdt_root=pd.root)
    e.ddt.set_dc(9, spec)
    e.pd, e.fs = pd, pt
    e.data = 0xC765_4ABC if under_g else 0x8765_4ABC
    return e


@pytest.mark.parametrize("under_g", [False, True], ids=["host", "guest"])
def test_pd8(under_g):
    e = pdt_env("pd8", under_g)
    u = e.pd.set_pc(0x42, pscid=11, fs_mode="sv39", fs_root=e.fs.root)
    # PD8: the root is the leaf page; PC of pid 0x42 at root + 0x42*16 = root + 0x420
    assert [(c.entry, c.addr - e.pd.root) for c in u.changes] == [("pc", 0x420)]
    # fsc first, ta (V, PSCID 11 << 12) last
    assert [s.value for s in u.stores] == [8 << 60 | e.fs.root >> 12, 11 << 12 | 1]
    assert (u.kind, u.structure, u.did, u.pid, u.pscid, u.gscid) == (
        "pc", "pdt", 9, 0x42, 11, 3 if under_g else None)
    assert e.x(9, pid=0x42).pa == e.data
    assert e.x(9, pid=0x43).cause == Cause.PDT_NOT_VALID
    assert e.x(9, pid=0x100).cause == Cause.TTYP_DISALLOWED        # wider than PD8
    if under_g:                                     # no pid, DPE=0: first stage Bare
        assert e.x(9).cause == Cause.READ_GUEST_PAGE_FAULT      # GPA 0x4000_1abc is unmapped
    else:
        assert e.x(9).pa == 0x4000_1ABC
    with pytest.raises(ValueError):
        e.pd.set_pc(0x100, pscid=1)


@pytest.mark.parametrize("under_g", [False, True], ids=["host", "guest"])
def test_pd17(under_g):
    e = pdt_env("pd17", under_g)
    u = e.pd.set_pc(0x1_2345, pscid=12, fs_mode="sv39", fs_root=e.fs.root, ens=True)
    # PDI[1] = 0x123 -> pdte at root + 0x918; PDI[0] = 0x45 -> PC at new page + 0x450
    pc, pdte = u.changes
    assert (pdte.entry, pdte.addr - e.pd.root, pdte.linked, pdte.level) == ("pdte", 0x918, True, 1)
    assert (pc.entry, pc.addr & 0xFFF, pc.linked) == ("pc", 0x450, False)
    assert pdte.new[0] == (pc.addr >> 12) << 10 | 1
    if under_g:                                       # stored at SPA = GPA + 0x4000_0000
        assert pdte.pa == pdte.addr + 0x4000_0000
    assert e.x(9, pid=0x1_2345).pa == e.data
    assert e.x(9, pid=0x1_2345, priv_s=True).cause == Cause.READ_PAGE_FAULT   # U page, SUM=0
    assert e.x(9, pid=0x2_0000).cause == Cause.TTYP_DISALLOWED      # wider than PD17
    assert e.x(9, pid=0x1_2400).cause == Cause.PDT_NOT_VALID        # pdte V=0


@pytest.mark.parametrize("under_g", [False, True], ids=["host", "guest"])
def test_pd20(under_g):
    e = pdt_env("pd20", under_g)
    u = e.pd.set_pc(0xA_BCDE, pscid=13, fs_mode="sv39", fs_root=e.fs.root, ens=True, sum_=True)
    # PDI[2] = 5 -> root + 0x28; PDI[1] = 0xbc -> + 0x5e0; PDI[0] = 0xde -> + 0xde0
    assert [(c.entry, c.addr & 0xFFF, c.level, c.linked) for c in u.changes] == [
        ("pc", 0xDE0, 0, False), ("pdte", 0x5E0, 1, False), ("pdte", 0x028, 2, True)]
    assert e.x(9, pid=0xA_BCDE).pa == e.data
    assert e.x(9, pid=0xA_BCDE, priv_s=True).pa == e.data          # SUM=1
    u = e.pd.set_pc(0xA_BCDF, pscid=14, fs_mode="sv39", fs_root=e.fs.root)   # same leaf page
    assert [c.entry for c in u.changes] == ["pc"]
    assert e.x(9, pid=0xA_BCDF, priv_s=True).cause == Cause.TTYP_DISALLOWED   # ENS=0


def test_invalidate_pc_and_in_place_rules():
    e = pdt_env("pd8")
    e.pd.set_pc(1, pscid=11, fs_mode="sv39", fs_root=e.fs.root)
    u = e.pd.invalidate_pc(1)
    assert (len(u.stores), u.transition, u.pscid) == (1, "1->0", 11)
    assert e.x(9, pid=1).cause == Cause.PDT_NOT_VALID
    e.pd.set_pc(1, pscid=11, fs_mode="sv39", fs_root=e.fs.root)
    assert len(e.pd.set_pc(1, pscid=12, fs_mode="sv39", fs_root=e.fs.root).stores) == 1
    with pytest.raises(ValueError):                  # both doublewords of a valid PC
        e.pd.set_pc(1, pscid=13, fs_mode="bare")
    u = e.pd.set_pc(1, pscid=13, fs_mode="bare", in_place=True)
    assert len(u.stores) == 2
    assert e.x(9, pid=1).pa == 0x4000_1ABC                         # first stage Bare now


def test_dpe_uses_pid_0_and_pdtes_can_be_broken():
    e = pdt_env("pd17")
    e.ddt.set_dc(9, DeviceContextSpec(pdtv=True, pdt_mode="pd17", pdt_root=e.pd.root, dpe=True),
                  in_place=True)
    e.pd.set_pc(0, pscid=11, fs_mode="sv39", fs_root=e.fs.root)
    assert e.x(9).pa == 0x8765_4ABC                                # no pid: pid 0
    ptr = e.mem.read64(e.pd.root)                                   # PDI[1] = 0
    u = e.pd.set_pdte(0, 1, ptr | 1 << 3)                           # reserved bit
    assert (u.kind, u.changes[0].level) == ("pdte", 1)
    assert e.x(9).cause == Cause.PDT_MISCONFIGURED


def test_gpa_pointers_for_g_stage_invalidations():
    e = pdt_env("pd17", under_g=True)
    e.pd.set_pc(0x1_2345, pscid=12, fs_mode="sv39", fs_root=e.fs.root)
    leaf_page = e.pd.pc_addr(0x1_2345) & ~0xFFF
    assert sorted(e.pd.gpa_pointers()) == sorted(
        [(9, 3, e.pd.root), (9, 3, leaf_page), (9, 3, e.fs.root)])
    assert e.ddt.gpa_pointers() == [(9, 3, e.pd.root)]
    assert pdt_env("pd8").pd.gpa_pointers() == []                   # G-stage Bare: none
