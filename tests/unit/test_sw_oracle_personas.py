"""The software layer driving the coherence oracle (through its public API: store64,
write_reg, commands_done, outcomes, advice): a driver following the spec's guidelines leaves
no advice under RISC-V 1.0; the caching-mode persona none under caching-mode; the personas that
skip invalidations after V 0->1 changes are reported under the negative-caching policies; and
a G-stage change under a device's GPA pointer needs its IODIR.INVAL_DDT."""
import pytest

from models import Reg, Request, TTYP
from sequences.sw import (SIZE_1G, SIZE_2M, CommandQueueWriter, DeviceContextSpec,
                          DeviceDirectory, InvalidateEverything, NeverInvalidateOnMap,
                          NonLeafNl0, NonLeafRange, PageAllocator, PageTable, ProcessDirectory,
                          RangeInvalidate, SpecRecommended)

scoreboards = pytest.importorskip("scoreboards")

HOST, GUEST, PDT_DEV = 0x1234, 0x1235, 0x1236
RD = TTYP.UNTRANSLATED_READ


def scenario(policy, who, holders=True, caps=None):
    """Host (Sv39, PSCID 5) and guest (Sv39 at GPAs under Sv39x4 GSCID 3) tables taken
    through every page-table operation, a PDT at GPAs with PC changes, a G-stage page moved
    under the directory pointers, a device torn down. Requests are evaluated before and after
    each change (so a negative-caching policy sees V=0 entries read). Returns the advice."""
    o = scoreboards.CoherenceOracle(policy=policy, capabilities=caps)
    st = o.store64
    # the oracle's memory starts zeroed: pages need not be zeroed again (keeps this fast)
    alloc = PageAllocator(0x10_0000, 0x20_0000, st, zero=False)
    ddt = DeviceDirectory("2lvl", PageAllocator(0x1_0000, 0x1_0000, st, zero=False), st)
    cq = CommandQueueWriter(0x6_0000, 6, st, o.write_reg)
    cq.enable()
    o.write_reg(Reg.DDTP, ddt.ddtp())
    g = PageTable("sv39x4", alloc, st, gscid=3)
    g.map(0x8000_0000, 0xC000_0000, SIZE_1G, "rwx")
    g.split(0x8000_0000)                       # 2 MiB G-stage pages
    galloc = PageAllocator(0x8000_0000, 0x10_0000, st, addr_to_pa=g.translate, zero=False)
    guest = PageTable("sv39", galloc, st, addr_to_pa=g.translate, gscid=3, pscid=7)
    host = PageTable("sv39", alloc, st, pscid=5)
    pd = ProcessDirectory("pd17", galloc, st, addr_to_pa=g.translate, did=PDT_DEV, gscid=3)
    holders = [ddt, pd] if holders else []

    def do(update):
        cmds = who.commands(update, holders)
        if cmds:
            cq.submit(cmds)
            o.commands_done(o.model.read_reg(Reg.CQH, 4))

    def r(did, va, pid=None):
        o.outcomes(Request(did, va, RD, pid=pid))

    do(ddt.set_dc(HOST, DeviceContextSpec(fs_mode="sv39", fs_root=host.root, pscid=5)))
    do(ddt.set_dc(GUEST, DeviceContextSpec(fs_mode="sv39", fs_root=guest.root, pscid=7,
                                           g_mode="sv39x4", g_root=g.root, gscid=3)))
    for t, did in ((host, HOST), (guest, GUEST)):
        r(did, 0x4000_1000)
        r(did, 0x4020_1000)
        do(t.map(0x4000_1000, 0x9000_0000))
        r(did, 0x4000_1000)
        do(t.map(0x4020_0000, 0x9000_0000, SIZE_2M))
        r(did, 0x4020_1000)
        do(t.remap(0x4000_1000, 0x9001_0000))
        do(t.protect(0x4000_1000, "r"))
        r(did, 0x4000_1000)
        do(t.split(0x4020_0000))
        do(t.unmap(0x4020_1000))
        r(did, 0x4020_1000)
        do(t.map(0x4020_1000, 0x9000_1000))
        r(did, 0x4020_1000)
        do(t.merge(0x4020_0000, SIZE_2M))
        r(did, 0x4020_1000)
        do(t.unmap(0x4000_1000, prune=True))
        r(did, 0x4000_1000)
    r(PDT_DEV, 0x4020_1000, pid=0x1_2345)
    do(ddt.set_dc(PDT_DEV, DeviceContextSpec(pdtv=True, pdt_mode="pd17", pdt_root=pd.root,
                                             g_mode="sv39x4", g_root=g.root, gscid=3)))
    r(PDT_DEV, 0x4020_1000, pid=0x1_2345)
    do(pd.set_pc(0x1_2345, pscid=7, fs_mode="sv39", fs_root=guest.root))
    r(PDT_DEV, 0x4020_1000, pid=0x1_2345)
    do(pd.set_pc(0x1_2345, pscid=8, fs_mode="sv39", fs_root=guest.root))
    r(PDT_DEV, 0x4020_1000, pid=0x1_2345)
    # the hypervisor moves the 2 MiB holding the guest tables and the PDT: copy, then remap
    for a in range(0xC000_0000, 0xC002_0000, 8):
        v = o.mem.read64(a)
        if v:
            st(a + 0x1000_0000, v)
    do(g.remap(0x8000_0000, 0xD000_0000))
    r(PDT_DEV, 0x4020_1000, pid=0x1_2345)
    r(GUEST, 0x4020_1000)
    do(ddt.invalidate_dc(HOST))
    r(HOST, 0x4020_1000)
    return o.advice()


def test_spec_recommended_is_clean_under_riscv_1_0():
    assert scenario("riscv-1.0-strict", SpecRecommended()) == []


def test_invalidate_everything_is_clean_under_caching_mode():
    # caching-mode asks for an invalidation after every update: the widest requirement
    assert scenario("caching-mode", InvalidateEverything()) == []


def test_skipping_invalidations_after_maps_is_reported_under_tlbi_on_map():
    for who in (SpecRecommended(), NeverInvalidateOnMap()):
        advice = scenario("tlbi-on-map", who)
        assert advice and all("IOTINVAL.VMA" in a.needed for a in advice)


def test_g_stage_change_without_the_directory_invalidation_is_reported():
    # the same scenario is clean with the holders (first test): what is left without them
    # is the G-stage leaf under the DC/PDT pointers (the finding's wording of the directory
    # command it wants varies between runs, so only the item is checked)
    advice = scenario("riscv-1.0-strict", SpecRecommended(), holders=False)
    assert advice and all("G-stage" in a.item for a in advice)


# ---- the NL / S extensions (issue 16): the same scenario on an IOMMU with capabilities.NL/S
CAPS_NL_S = 0x0000_01F8_1006_0610 | 1 << 42 | 1 << 43


@pytest.mark.parametrize("who", [RangeInvalidate(), NonLeafRange()])
def test_range_and_nl_personas_are_clean(who):
    assert scenario("riscv-1.0-strict", who, caps=CAPS_NL_S) == []


def host_merge(who):
    """Host Sv39 (PSCID 5): 4 KiB pages under one level-1 entry, merged into a 2 MiB page (a
    non-leaf PTE becomes a leaf), with nothing wider issued afterwards."""
    o = scoreboards.CoherenceOracle(capabilities=CAPS_NL_S)
    st = o.store64
    alloc = PageAllocator(0x10_0000, 0x20_0000, st, zero=False)
    ddt = DeviceDirectory("1lvl", PageAllocator(0x1_0000, 0x1_0000, st, zero=False), st)
    cq = CommandQueueWriter(0x6_0000, 6, st, o.write_reg)
    cq.enable()
    o.write_reg(Reg.DDTP, ddt.ddtp())
    host = PageTable("sv39", alloc, st, pscid=5)

    def do(update):
        cmds = who.commands(update)
        if cmds:
            cq.submit(cmds)
            o.commands_done(o.model.read_reg(Reg.CQH, 4))
        return cmds

    do(ddt.set_dc(7, DeviceContextSpec(fs_mode="sv39", fs_root=host.root, pscid=5)))
    do(host.map(0x4020_0000, 0x9000_0000, SIZE_2M))
    do(host.split(0x4020_0000))
    o.outcomes(Request(7, 0x4020_1000, RD))
    cmds = do(host.merge(0x4020_0000, SIZE_2M))
    o.outcomes(Request(7, 0x4020_1000, RD))
    return cmds, o.advice()


def test_nl_range_merge_is_one_command_and_clean():
    cmds, advice = host_merge(NonLeafRange())
    assert advice == []
    # IOTINVAL.VMA PSCV=1 PSCID=5 AV=1 NL=1 S=1 over the 2 MiB at 0x4020_0000 (ADDR[63:12] =
    # 0x402FF: lowest 0 bit at X=8, 2^9 pages), then IOFENCE.C
    assert [c.name for c in cmds] == ["IOTINVAL.VMA", "IOFENCE.C"]
    c = cmds[0]
    assert (c.av, c.nl, c.s, c.pscv, c.pscid, c.addr) == (1, 1, 1, 1, 5, 0x402F_F000)


def test_nl0_after_a_non_leaf_change_is_reported():
    # merge changes a non-leaf PTE: AV=1 NL=0 over its span leaves the cached non-leaf entry
    cmds, advice = host_merge(NonLeafNl0())
    assert cmds[0].nl == 0 and cmds[0].s == 1
    assert advice and all("non-leaf PTE" in a.item for a in advice)
    assert any("NL=0 spares non-leaf entries" in str(a) for a in advice), advice
