"""sequences.sw.invalidation_plan: for each kind of update, the commands equal the spec's
guideline table (iommu_sw_guidelines.adoc "Guidelines for invalidations", digest §8.3),
listed by hand; the personas differ as documented; a plan sent through the queue writer runs
in the model."""
from types import SimpleNamespace

import pytest

from models import IommuModel, Memory, Reg
from sequences.sw import (SIZE_1G, SIZE_2M, SIZE_64K, CommandQueueWriter, DeviceContextSpec,
                          DeviceDirectory, InvalidateEverything, NeverInvalidateOnMap,
                          PageAllocator, PageTable, ProcessDirectory, SpecRecommended,
                          full_flush, guideline_commands, persona, required_commands, spec_plan)
from sequences.sw import iodir_inval_ddt as DDT
from sequences.sw import iodir_inval_pdt as PDT
from sequences.sw import iofence_c as FENCE
from sequences.sw import iotinval_gvma as GVMA
from sequences.sw import iotinval_vma as VMA
SPEC, NEVER, EVERY = SpecRecommended(), NeverInvalidateOnMap(), InvalidateEverything()


@pytest.fixture
def s():
    """Host Sv39 table (PSCID 7); G-stage Sv39x4 (GSCID 3) with a 1 GiB guest RAM page
    GPA 0x8000_0000 -> SPA 0xc000_0000; a guest Sv39 table (GSCID 3, PSCID 7) at GPAs;
    a 1LVL DDT. Tables are not zeroed (fresh memory)."""
    mem = Memory()
    w = mem.write64
    host = PageAllocator(0x10_0000, 0x10_0000, w, zero=False)
    ddt = DeviceDirectory("1lvl", PageAllocator(0x1_0000, 0x1_0000, w, zero=False), w)
    pt = PageTable("sv39", host, w, pscid=7)
    g = PageTable("sv39x4", host, w, gscid=3)
    g.map(0x8000_0000, 0xC000_0000, SIZE_1G, "rwx")
    galloc = PageAllocator(0x8000_0000, 0x10_0000, w, addr_to_pa=g.translate, zero=False)
    guest = PageTable("sv39", galloc, w, addr_to_pa=g.translate, gscid=3, pscid=7)
    return SimpleNamespace(mem=mem, w=w, host=host, ddt=ddt, pt=pt, g=g, galloc=galloc,
                           guest=guest)


# --------------------------------------------------------------------------------- first stage
def test_first_stage_map_needs_nothing(s):
    u = s.pt.map(0x4000_1000, 0x8765_4000)
    assert required_commands(u) == [] and spec_plan(u) == []
    # what a caching-mode IOMMU hears about: the new link (a non-leaf entry: AV=0)
    assert guideline_commands(u) == [VMA(pscid=7)]
    u = s.pt.map(0x4000_2000, 0x8765_5000)             # into an existing table: a leaf
    assert guideline_commands(u) == [VMA(pscid=7, addr=0x4000_2000)]


def test_first_stage_unmap_remap_protect(s):
    s.pt.map(0x4000_1000, 0x8765_4000, perms="rw")
    s.pt.map(0x4000_2000, 0x8765_5000, perms="r")
    assert spec_plan(s.pt.remap(0x4000_1000, 0x7000_0000)) == [
        VMA(pscid=7, addr=0x4000_1000), FENCE()]
    assert spec_plan(s.pt.protect(0x4000_1000, "r")) == [VMA(pscid=7, addr=0x4000_1000), FENCE()]
    assert spec_plan(s.pt.protect(0x4000_1000, "rw")) == [VMA(pscid=7, addr=0x4000_1000), FENCE()]
    # unmap: the fence also commits what the device already did (PR; PW if it could write)
    assert spec_plan(s.pt.unmap(0x4000_1000)) == [
        VMA(pscid=7, addr=0x4000_1000), FENCE(pr=True, pw=True)]
    assert spec_plan(s.pt.unmap(0x4000_2000)) == [VMA(pscid=7, addr=0x4000_2000), FENCE(pr=True)]


def test_first_stage_superpages_split_merge_napot(s):
    s.pt.map(0x4020_0000, 0x9000_0000, SIZE_2M)
    # split: the old value was a leaf -> AV=1 at the superpage (fills of the new table are
    # not visible yet and need nothing)
    assert spec_plan(s.pt.split(0x4020_0000)) == [VMA(pscid=7, addr=0x4020_0000), FENCE()]
    # merge: the old value was a non-leaf entry -> AV=0
    assert spec_plan(s.pt.merge(0x4020_0000, SIZE_2M)) == [VMA(pscid=7), FENCE()]
    # a 64 KiB NAPOT page is 16 PTEs: one AV=1 per 4 KiB page
    s.pt.map(0x4001_0000, 0x8800_0000, SIZE_64K)
    assert spec_plan(s.pt.unmap(0x4001_0000)) == [
        VMA(pscid=7, addr=0x4001_0000 + k * 0x1000) for k in range(16)] + [FENCE(pr=True, pw=True)]


def test_first_stage_prune_and_global(s):
    s.pt.map(0x4000_1000, 0x8765_4000)
    # the tables are unlinked too: AV=0 covers the leaf's AV=1
    assert spec_plan(s.pt.unmap(0x4000_1000, prune=True)) == [VMA(pscid=7), FENCE(pr=True, pw=True)]
    s.pt.map(0x4000_3000, 0x8000_3000, global_=True)
    # PSCV=1 spares global entries, so a global translation needs PSCV=0
    assert spec_plan(s.pt.remap(0x4000_3000, 0x8000_4000)) == [VMA(addr=0x4000_3000), FENCE()]


def test_guest_first_stage_uses_gv(s):
    s.guest.map(0x1000, 0x8030_0000)
    assert spec_plan(s.guest.unmap(0x1000)) == [
        VMA(gscid=3, pscid=7, addr=0x1000), FENCE(pr=True, pw=True)]
    s.guest.map(0x20_0000, 0x8040_0000, SIZE_2M)
    s.guest.split(0x20_0000)
    assert spec_plan(s.guest.merge(0x20_0000, SIZE_2M)) == [VMA(gscid=3, pscid=7), FENCE()]


# --------------------------------------------------------------------------------- G-stage
def test_g_stage_leaf_and_non_leaf(s):
    u = s.g.map(0x1_0000_0000, 0x2_0000_0000, SIZE_2M)
    assert spec_plan(u) == []
    assert spec_plan(s.g.remap(0x1_0000_0000, 0x2_0020_0000)) == [
        GVMA(gscid=3, addr=0x1_0000_0000), FENCE()]
    assert spec_plan(s.g.split(0x1_0000_0000)) == [GVMA(gscid=3, addr=0x1_0000_0000), FENCE()]
    assert spec_plan(s.g.merge(0x1_0000_0000, SIZE_2M)) == [GVMA(gscid=3), FENCE()]
    assert spec_plan(s.g.unmap(0x1_0000_0000)) == [
        GVMA(gscid=3, addr=0x1_0000_0000), FENCE(pr=True, pw=True)]


def test_g_stage_change_under_a_dc_gpa_pointer_needs_inval_ddt(s):
    # device 5: G-stage GSCID 3, first stage at guest.root (GPA 0x8000_0000)
    s.ddt.set_dc(5, DeviceContextSpec(fs_mode="sv39", fs_root=s.guest.root, pscid=7,
                                      g_mode="sv39x4", g_root=s.g.root, gscid=3))
    # device 6: a PDT at GPAs, a PC whose table is guest.root too
    pd = ProcessDirectory("pd8", s.galloc, s.w, addr_to_pa=s.g.translate, did=6, gscid=3)
    s.ddt.set_dc(6, DeviceContextSpec(pdtv=True, pdt_mode="pd8", pdt_root=pd.root,
                                      g_mode="sv39x4", g_root=s.g.root, gscid=3))
    pd.set_pc(1, pscid=9, fs_mode="sv39", fs_root=s.guest.root)
    s.g.split(0x8000_0000)                             # now 2 MiB G-stage pages
    u = s.g.remap(0x8000_0000, 0xD000_0000)           # moves every pointer above
    assert spec_plan(u, holders=[s.ddt, pd]) == [
        GVMA(gscid=3, addr=0x8000_0000), DDT(5), DDT(6), FENCE()]
    u = s.g.remap(0x8020_0000, 0xD020_0000)           # no pointer in this 2 MiB
    assert spec_plan(u, holders=[s.ddt, pd]) == [GVMA(gscid=3, addr=0x8020_0000), FENCE()]
    # holders of another GSCID do not count
    assert spec_plan(s.g.remap(0x8000_0000, 0xC000_0000), holders=[(5, 4, 0x8000_0000)]) == [
        GVMA(gscid=3, addr=0x8000_0000), FENCE()]


# --------------------------------------------------------------------------------- DDT
def test_dc_changes(s):
    host = DeviceContextSpec(fs_mode="sv39", fs_root=s.pt.root, pscid=7)
    assert spec_plan(s.ddt.set_dc(5, host)) == []                      # V 0->1
    # first stage only: INVAL_DDT DV=1, then VMA GV=0 PSCV=1 PSCID=ta.PSCID (the old one)
    assert spec_plan(s.ddt.set_dc(5, DeviceContextSpec(fs_mode="sv39", fs_root=s.pt.root,
                                                       pscid=8))) == [
        DDT(5), VMA(pscid=7), FENCE()]
    # invalidating it: a teardown, so the fence has PR=PW=1
    assert spec_plan(s.ddt.invalidate_dc(5)) == [DDT(5), VMA(pscid=8), FENCE(pr=True, pw=True)]
    # G-stage active: VMA GV=1 GSCID and GVMA GV=1 GSCID
    s.ddt.set_dc(6, DeviceContextSpec(fs_mode="sv39", fs_root=s.guest.root, pscid=7,
                                      g_mode="sv39x4", g_root=s.g.root, gscid=3))
    assert spec_plan(s.ddt.set_dc(6, DeviceContextSpec(
        fs_mode="sv39", fs_root=s.guest.root, pscid=7, g_mode="sv39x4", g_root=s.g.root,
        gscid=3, dtf=True))) == [DDT(6), VMA(gscid=3), GVMA(gscid=3), FENCE()]
    # PDTV=1, G-stage Bare: VMA GV=0 AV=0 PSCV=0
    s.ddt.set_dc(7, DeviceContextSpec(pdtv=True, pdt_mode="pd8", pdt_root=0x3_0000))
    assert spec_plan(s.ddt.set_dc(7, DeviceContextSpec(pdtv=True, pdt_mode="pd8",
                                                       pdt_root=0x3_0000, dtf=True))) == [
        DDT(7), VMA(), FENCE()]
    # both stages Bare: only the directory
    s.ddt.set_dc(8, DeviceContextSpec())
    assert spec_plan(s.ddt.set_dc(8, DeviceContextSpec(dtf=True))) == [DDT(8), FENCE()]


def test_non_leaf_ddt_entry(s):
    mem = Memory()
    ddt = DeviceDirectory("2lvl", PageAllocator(0x1_0000, 0x1_0000, mem.write64), mem.write64)
    u = ddt.set_dc(0x1234, DeviceContextSpec())
    assert spec_plan(u) == [] and guideline_commands(u) == [DDT()]     # the new ddte
    ptr = mem.read64(0x1_0120)
    assert spec_plan(ddt.set_ddte(0x1234, 1, ptr & ~1)) == [DDT(), FENCE()]


# --------------------------------------------------------------------------------- PDT
def test_pc_and_pdte_changes(s):
    pd = ProcessDirectory("pd17", s.host, s.w, did=9)
    assert spec_plan(pd.set_pc(0x1_2345, pscid=11, fs_mode="sv39", fs_root=s.pt.root)) == []
    assert spec_plan(pd.set_pc(0x1_2345, pscid=12, fs_mode="sv39", fs_root=s.pt.root)) == [
        PDT(9, 0x1_2345), VMA(pscid=11), FENCE()]
    assert spec_plan(pd.invalidate_pc(0x1_2345)) == [PDT(9, 0x1_2345), VMA(pscid=12), FENCE()]
    ptr = s.mem.read64(pd.root + 0x123 * 8)
    assert spec_plan(pd.set_pdte(0x1_2345, 1, ptr & ~1)) == [DDT(9), FENCE()]
    # under a G-stage (the DC's GSCID 3): VMA GV=1
    gpd = ProcessDirectory("pd8", s.galloc, s.w, addr_to_pa=s.g.translate, did=10, gscid=3)
    gpd.set_pc(4, pscid=11, fs_mode="sv39", fs_root=s.guest.root)
    assert spec_plan(gpd.set_pc(4, pscid=11, fs_mode="sv39", fs_root=s.guest.root, ens=True)) == [
        PDT(10, 4), VMA(gscid=3, pscid=11), FENCE()]


# --------------------------------------------------------------------------------- personas
def test_personas_after_a_map(s):
    u = s.pt.map(0x4000_1000, 0x8765_4000)
    assert SPEC.commands(u) == [] and NEVER.commands(u) == []
    assert EVERY.commands(u) == [VMA(), FENCE()]
    ug = s.guest.map(0x1000, 0x8030_0000)
    assert EVERY.commands(ug) == [VMA(gscid=3), FENCE()]
    ugs = s.g.map(0x1_0000_0000, 0x2_0000_0000, SIZE_2M)
    assert EVERY.commands(ugs) == [GVMA(), DDT(), FENCE()]


def test_personas_after_directory_changes(s):
    u = s.ddt.set_dc(5, DeviceContextSpec(fs_mode="sv39", fs_root=s.pt.root, pscid=7))
    assert SPEC.commands(u) == [] and NEVER.commands(u) == []
    assert EVERY.commands(u) == [DDT(), VMA(), FENCE()]
    u = s.ddt.set_dc(5, DeviceContextSpec(fs_mode="sv39", fs_root=s.pt.root, pscid=8))
    assert SPEC.commands(u) == NEVER.commands(u) == [DDT(5), VMA(pscid=7), FENCE()]
    assert EVERY.commands(u) == [DDT(), VMA(), FENCE()]
    pd = ProcessDirectory("pd8", s.host, s.w, did=9)
    u = pd.set_pc(1, pscid=11, fs_mode="sv39", fs_root=s.pt.root)
    assert SPEC.commands(u) == [] and EVERY.commands(u) == [DDT(), VMA(), FENCE()]


def test_personas_after_changes_of_valid_entries(s):
    s.pt.map(0x4020_0000, 0x9000_0000, SIZE_2M)
    split = s.pt.split(0x4020_0000)
    # a split fills a new table (V 0->1 stores) and changes a valid leaf
    assert SPEC.commands(split) == [VMA(pscid=7, addr=0x4020_0000), FENCE()]
    assert NEVER.commands(split) == []
    assert EVERY.commands(split) == [VMA(), FENCE()]
    unmap = s.pt.unmap(0x4020_0000)
    assert SPEC.commands(unmap) == NEVER.commands(unmap) == [
        VMA(pscid=7, addr=0x4020_0000), FENCE(pr=True, pw=True)]
    assert EVERY.commands(unmap) == [VMA(), FENCE(pr=True, pw=True)]


def test_persona_fence_template_and_names(s):
    p = persona("spec", fence=FENCE(addr=0x7_0000, data=0x55))
    s.pt.map(0x4000_1000, 0x8765_4000)
    assert p.commands(s.pt.unmap(0x4000_1000)) == [
        VMA(pscid=7, addr=0x4000_1000), FENCE(addr=0x7_0000, data=0x55, pr=True, pw=True)]
    assert isinstance(persona("invalidate-everything"), InvalidateEverything)
    assert isinstance(persona("never-invalidate-on-map"), NeverInvalidateOnMap)
    with pytest.raises(ValueError):
        persona("lazy")


def test_a_plan_runs_through_the_queue_in_the_model(s):
    iommu = IommuModel(s.mem)
    cq = CommandQueueWriter(0x6_0000, 4, s.w, iommu.write_reg)
    cq.enable()
    s.pt.map(0x4000_1000, 0x8765_4000)
    fence = FENCE(addr=0x7_0000, data=0xD0E)
    u = s.pt.unmap(0x4000_1000)
    subs = cq.submit(SpecRecommended(fence=fence).commands(u))
    assert [c.name for c in iommu.completed] == ["IOTINVAL.VMA", "IOFENCE.C"]
    assert iommu.completed[0].addr == 0x4000_1000 and iommu.completed[0].pscid == 7
    assert s.mem.read32(0x7_0000) == 0xD0E
    assert iommu.read_reg(Reg.CQH, 4) == 2 and cq.completed(subs[0], 2)


def test_full_flush_after_a_ddtp_change():
    assert full_flush(gscids=[3, 1, 3]) == [
        DDT(), VMA(), VMA(gscid=1), VMA(gscid=3), GVMA(), FENCE()]
