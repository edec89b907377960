"""The testbench side of Svrsw60t59b and QOSID (no simulator): page tables with random PTE bits
60:59, the oracle judging them with the capability, the features the sequences ask, and the
random configuration's QoS IDs. Expected values are worked out from the spec text: with
Svrsw60t59b bits 60:59 of every PTE are ignored (without it they are reserved: a page fault);
with QOSID DC.ta[51:40] is RCID and [63:52] MCID, each at most the implemented width.
"""
import random

from models import Cause, IommuModel, Memory, Reg, Request, TTYP
from models import capabilities as capbits
from models.capabilities import Capabilities
from scoreboards import CoherenceOracle, Policy
from sequences import config_space as cs
from sequences.dut_features import DutFeatures
from sequences.sw import (SIZE_4K, DeviceContextSpec, DeviceDirectory, PageAllocator,
                          PageTable)

SVRSW = capbits.DEFAULT | 1 << capbits.SVRSW60T59B
QOSID = capbits.DEFAULT | 1 << capbits.QOSID
RSW = 3 << 59
DID, VA = 5, 0x4000_0000


def spa(pt, va, two_stage):
    """Where va lands: the table's PA, or its GPA through the G-stage (+0x4000_0000)."""
    return pt.translate(va) + (0x4000_0000 if two_stage else 0)


def build(store64, rsw_rng, two_stage=False):
    """A DDT, an Sv39 table (under an Sv39x4 G-stage with two_stage) with 16 pages mapped."""
    ddt = DeviceDirectory("1lvl", PageAllocator(0x1_0000, 0x1_0000, store64), store64)
    host = PageAllocator(0x10_0000, 0x10_0000, store64)
    if two_stage:
        g = PageTable("sv39x4", host, store64, gscid=3, rsw_rng=rsw_rng)
        for k in range(64):          # 0x8000_0000 + 256 KiB -> 0xC000_0000 (tables and data)
            g.map(0x8000_0000 + k * SIZE_4K, 0xC000_0000 + k * SIZE_4K, SIZE_4K, "rwx")
        galloc = PageAllocator(0x8000_0000, 0x2_0000, store64, addr_to_pa=g.translate)
        pt = PageTable("sv39", galloc, store64, addr_to_pa=g.translate, gscid=3, pscid=7,
                       rsw_rng=rsw_rng)
        spec = DeviceContextSpec(fs_mode="sv39", fs_root=pt.root, pscid=7, g_mode="sv39x4",
                                 g_root=g.root, gscid=3)
        data = 0x8002_0000
    else:
        pt = PageTable("sv39", host, store64, pscid=7, rsw_rng=rsw_rng)
        spec = DeviceContextSpec(fs_mode="sv39", fs_root=pt.root, pscid=7)
        data = 0x5000_0000
    for k in range(16):
        pt.map(VA + k * SIZE_4K, data + k * SIZE_4K, SIZE_4K, "rw")
    ddt.set_dc(DID, spec)
    return ddt, pt


def test_tables_without_rsw_rng_keep_bits_60_59_zero():
    mem = Memory()
    _, pt = build(mem.write64, None, two_stage=True)
    assert pt.rsw_rng is None and not any(v & RSW for v in pt._shadow.values())


def test_random_bits_60_59_translate_with_svrsw_and_fault_without():
    for two_stage in (False, True):
        mem = Memory()
        ddt, pt = build(mem.write64, random.Random(1), two_stage)
        values = list(pt._shadow.values())
        assert sum(1 for v in values if v & RSW) > len(values) // 2       # 3 in 4 expected
        with_, without = IommuModel(mem, capabilities=SVRSW), IommuModel(mem)
        for m in (with_, without):
            m.write_reg(Reg.DDTP, ddt.ddtp())
        causes = set()
        for k in range(16):
            r = Request(DID, VA + k * SIZE_4K + 0x10, TTYP.UNTRANSLATED_READ)
            out = with_.translate(r)
            assert out.cause is None and out.pa == spa(pt, VA + k * SIZE_4K, two_stage) + 0x10
            causes.add(without.translate(r).cause)
        # some PTE of each walk without the capability has a bit set: a (guest-)page fault
        assert causes & {Cause.READ_PAGE_FAULT, Cause.READ_GUEST_PAGE_FAULT}


def test_merge_ignores_differing_bits_60_59():
    mem = Memory()
    pt = PageTable("sv39", PageAllocator(0x10_0000, 0x10_0000, mem.write64), mem.write64,
                   pscid=7, rsw_rng=random.Random(3))
    for k in range(16):
        pt.map(VA + k * SIZE_4K, 0x5000_0000 + k * SIZE_4K, SIZE_4K, "rw")
    pt.merge(VA, 0x1_0000)                   # 16 leaves, random 60:59 each: still mergeable
    assert pt.lookup(VA + 0x3000).size == 0x1_0000


def test_oracle_judges_bits_60_59_with_the_capability():
    """A remap before its invalidation: the old and the new page are both permitted (the old
    leaf had bits 60:59 set, a legal cached value with Svrsw60t59b), at both stages, even
    under a profile that never caches an entry failing its own checks (with the bits taken as
    reserved, the old leaf would be such an entry)."""
    picky = Policy("picky", "no erroneous entries", erroneous_cached=False)
    for two_stage in (False, True):
        o = CoherenceOracle(policy=picky)
        o.set_capabilities(SVRSW)
        ddt, pt = build(o.store64, random.Random(5), two_stage)
        o.write_reg(Reg.DDTP, ddt.ddtp())
        va = next(VA + k * SIZE_4K for k in range(16)
                  if pt._shadow[pt.pte_addr(VA + k * SIZE_4K)] & RSW)
        r = Request(DID, va, TTYP.UNTRANSLATED_READ)
        old = spa(pt, va, two_stage)
        assert {x.pa for x in o.outcomes(r)} == {old}
        pt.remap(va, 0x6000_0000 if not two_stage else 0x8003_0000)
        new = spa(pt, va, two_stage)
        assert {x.pa for x in o.outcomes(r)} == {old, new}


def test_features_svrsw_and_qosid_widths():
    f = DutFeatures(caps=Capabilities(SVRSW | 1 << capbits.QOSID, rcid_bits=4, mcid_bits=3))
    assert f.has("svrsw60t59b") and f.has("qosid") and f.qosid_widths == (4, 3)
    f = DutFeatures()
    assert not f.has("svrsw60t59b") and not f.has("qosid")
    assert not f.need("qosid", "x") and f.skipped == [("x", "DUT riscv_iommu has no QoS IDs (QOSID)")]


def test_random_configs_draw_legal_qos_ids_after_everything_else():
    f = DutFeatures(caps=Capabilities(QOSID, rcid_bits=4, mcid_bits=3), name="qos")
    seen = 0
    for seed in range(1, 40):
        a = cs.draw_config(random.Random(seed), seed=seed)
        b = cs.draw_config(random.Random(seed), f, seed=seed)
        assert b.drawn == a.drawn                       # QoS IDs come from d.rng, no table
        assert [d.did for d in a.devices] == [d.did for d in b.devices]
        for d in b.devices:
            assert 0 <= d.qos[0] < 16 and 0 <= d.qos[1] < 8
            if d.misconfig or d.kind == "bare":
                assert d.qos == (0, 0)
            seen += d.qos != (0, 0)
        assert all(d.qos == (0, 0) for d in a.devices)
    assert seen > 20
