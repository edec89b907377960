"""Every update kind x every policy: the permitted outcomes after the store, between the
doorbell of the covering invalidation and its IOFENCE.C completion, and after it; and that a
command outside the item's scope leaves the old outcome permitted.

Each case writes its old and new outcome by hand (pa, cause) and the set of policies under
which the old value may still be used (a V=0 old value only under the negative-caching
policies; every old value under a caching policy otherwise; never under no-cache).
Spec: iommu_data_structures.adoc [[CACHING]] and "Updating in-memory data structure entries";
iommu_in_memory_queues.adoc IOTINVAL/IODIR tables and notes; digest section 8.
"""
from dataclasses import dataclass, field
from typing import Callable

import pytest

from models import Outcome, Reg
from oracle_tables import (dc_order, settle, DDT, DDT_L1, G_LEAF, L0, L1, LEAF, LEAF_RO, LVL1, LVL2, NEW_PA,
                           OLD_PA, PD8, PD17, ROOT, SV39, SV39X4, TC_PDTV, TC_V, V, VA, WR, Sw,
                           atp, ddtp, gvma, inval_ddt, inval_pdt, map4k, pte, req, res,
                           sv39_dc, ta, vma)
from scoreboards import CoherenceOracle

ALL = ["riscv-1.0-strict", "riscv-dir-negative", "tlbi-on-map", "riscv-negative-all",
       "caching-mode", "no-cache"]
CACHING = {"riscv-1.0-strict", "riscv-dir-negative", "tlbi-on-map", "riscv-negative-all",
           "caching-mode"}
NEG_PTE = {"tlbi-on-map", "riscv-negative-all", "caching-mode"}
NEG_DIR = {"riscv-dir-negative", "riscv-negative-all", "caching-mode"}

DC5 = DDT + 5 * 32                 # 0x100a0: DC of did 5 in the 1LVL table
LEAF_PTE = L0 + 8                  # 0x22008: leaf PTE of VA
L1_PTE = L1                        # 0x21000: level-1 PTE of VA (VPN[1] = 0)
ROOT2, L1_2, L0_2 = 0x30000, 0x31000, 0x32000   # a second Sv39 table set: VA -> NEW_PA


def second_tables(sw):
    sw.st(ROOT2 + 8, pte(L1_2, V))
    sw.st(L1_2, pte(L0_2, V))
    sw.st(L0_2 + 8, pte(NEW_PA, LEAF))


def base(o, sw, flags=LEAF):
    sv39_dc(o, sw)
    map4k(sw, flags=flags)


def two_stage(o, sw, leaf=pte(OLD_PA, G_LEAF)):
    """DC of did 5: first stage Bare, G-stage Sv39x4 (gscid 3) at 0x40000: GPA VA -> leaf
    @0x45008 (root @0x40008 -> 0x44000, level 1 @0x44000 -> 0x45000)."""
    o.write_reg(Reg.DDTP, ddtp(LVL1))
    for i, w in dc_order((TC_V, atp(SV39X4, 0x40000, 3), 0, 0)):
        sw.st(DC5 + 8 * i, w)
    sw.st(0x40008, pte(0x44000, V))
    sw.st(0x44000, pte(0x45000, V))
    sw.st(0x45008, leaf)


def pd8(o, sw, pc_ta=V | ta(9)):
    """DC of did 5 with PDTV=1, pdtp PD8 at 0x14000; PC of pid 3 @0x14030 -> Sv39 at ROOT."""
    o.write_reg(Reg.DDTP, ddtp(LVL1))
    for i, w in dc_order((TC_V | TC_PDTV, 0, 0, atp(PD8, 0x14000))):
        sw.st(DC5 + 8 * i, w)
    sw.st(0x14030, pc_ta)
    sw.st(0x14038, atp(SV39, ROOT))
    map4k(sw)


def pd17(o, sw):
    """pdtp PD17 at 0x14000: pdte @0x14000 -> 0x15000, PC of pid 3 @0x15030 (pscid 9)."""
    o.write_reg(Reg.DDTP, ddtp(LVL1))
    for i, w in dc_order((TC_V | TC_PDTV, 0, 0, atp(PD17, 0x14000))):
        sw.st(DC5 + 8 * i, w)
    sw.st(0x14000, pte(0x15000, V))
    sw.st(0x15030, V | ta(9))
    sw.st(0x15038, atp(SV39, ROOT))
    map4k(sw)
    # a second PDT page: PC of pid 3 @0x16030, pscid 10, first stage at ROOT2
    sw.st(0x16030, V | ta(10))
    sw.st(0x16038, atp(SV39, ROOT2))
    second_tables(sw)


def lvl2(o, sw, ddte=pte(DDT_L1, V)):
    """2LVL: ddte @0x10000 -> 0x11000, DC of did 5 @0x110a0 (pscid 7, ROOT); a second
    directory page 0x12000 holds a DC of did 5 (pscid 8, ROOT2)."""
    sv39_dc(o, sw, mode=LVL2)
    map4k(sw)
    for i, w in dc_order((TC_V, 0, ta(8), atp(SV39, ROOT2))):
        sw.st(0x12000 + 5 * 32 + 8 * i, w)
    second_tables(sw)
    sw.st(DDT, ddte)


@dataclass
class Case:
    setup: Callable
    update: Callable
    old: tuple
    new: tuple
    old_ok: set                       # policies under which the old value may still be used
    cmds: list                        # the covering invalidation(s)
    short: list = field(default_factory=list)   # command sets that do NOT cover it
    r: object = None


P_OLD, P_NEW = (OLD_PA, None), (NEW_PA, None)

CASES = {
    # ---- first-stage leaf PTE
    "leaf change": Case(base, lambda o, sw: sw.st(LEAF_PTE, pte(NEW_PA, LEAF)),
                        P_OLD, P_NEW, CACHING,
                        [vma(av=1, pscv=1, pscid=7, addr=VA)],
                        [[vma(av=1, pscv=1, pscid=8, addr=VA)],
                         [vma(av=1, pscv=1, pscid=7, addr=VA + 0x1000)],
                         [vma(gv=1, gscid=0)], [gvma()], [inval_ddt()]]),
    "leaf 1->0 (unmap)": Case(base, lambda o, sw: sw.st(LEAF_PTE, 0), P_OLD, (None, 13), CACHING,
                              [vma(av=1, addr=VA)], [[vma(av=1, addr=VA + 0x20_0000)]]),
    "leaf 0->1 (map)": Case(lambda o, sw: base(o, sw, flags=0),
                            lambda o, sw: sw.st(LEAF_PTE, pte(NEW_PA, LEAF)),
                            (None, 13), P_NEW, NEG_PTE, [vma(av=1, pscv=1, pscid=7, addr=VA)],
                            [[vma(av=1, pscv=1, pscid=6, addr=VA)]]),
    "permission down (write)": Case(base, lambda o, sw: sw.st(LEAF_PTE, pte(OLD_PA, LEAF_RO)),
                                    P_OLD, (None, 15), CACHING, [vma(pscv=1, pscid=7)],
                                    [[vma(pscv=1, pscid=8)]], r=req(ttyp=WR)),
    "permission up (write)": Case(lambda o, sw: base(o, sw, flags=LEAF_RO),
                                  lambda o, sw: sw.st(LEAF_PTE, pte(OLD_PA, LEAF)),
                                  (None, 15), P_OLD, CACHING, [vma()], [[gvma()]], r=req(ttyp=WR)),
    # ---- first-stage non-leaf PTE
    "non-leaf change": Case(base, lambda o, sw: (sw.st(0x23008, pte(NEW_PA, LEAF)),
                                                 sw.st(L1_PTE, pte(0x23000, V))),
                            P_OLD, P_NEW, CACHING, [vma(pscv=1, pscid=7)],
                            [[vma(av=1, pscv=1, pscid=7, addr=VA)]]),
    "non-leaf 1->0": Case(base, lambda o, sw: sw.st(L1_PTE, 0), P_OLD, (None, 13), CACHING,
                          [vma(pscv=1, pscid=7)], [[vma(av=1, addr=VA)]]),
    "non-leaf 0->1": Case(lambda o, sw: (base(o, sw), sw.st(L1_PTE, 0)),
                          lambda o, sw: sw.st(L1_PTE, pte(L0, V)),
                          (None, 13), P_OLD, NEG_PTE, [vma(pscv=1, pscid=7)], []),
    # ---- superpages
    "superpage split": Case(lambda o, sw: (base(o, sw), sw.st(L1_PTE, pte(0x8760_0000, LEAF))),
                            lambda o, sw: (sw.st(LEAF_PTE, pte(NEW_PA, LEAF)),
                                           sw.st(L1_PTE, pte(L0, V))),
                            (0x8760_1000, None), P_NEW, CACHING,
                            [vma(av=1, pscv=1, pscid=7, addr=VA)],
                            [[vma(av=1, pscv=1, pscid=7, addr=VA + 0x20_0000)]]),
    "superpage merge": Case(base, lambda o, sw: sw.st(L1_PTE, pte(0x9980_0000, LEAF)),
                            P_OLD, (0x9980_1000, None), CACHING, [vma(pscv=1, pscid=7)],
                            [[vma(av=1, pscv=1, pscid=7, addr=VA)]]),
    # ---- device context
    "DC change (iosatp)": Case(lambda o, sw: (base(o, sw), second_tables(sw)),
                               lambda o, sw: sw.st(DC5 + 24, atp(SV39, ROOT2)),
                               P_OLD, P_NEW, CACHING,
                               [inval_ddt(dv=1, did=5), vma(pscv=1, pscid=7)],
                               [[inval_ddt(dv=1, did=5)], [vma(pscv=1, pscid=7)],
                                [inval_pdt(5, 0), vma()]]),
    "DC 1->0": Case(base, lambda o, sw: sw.st(DC5, 0), P_OLD, (None, 258), CACHING,
                    [inval_ddt(dv=1, did=5)], [[inval_ddt(dv=1, did=6)], [vma()]]),
    "DC 0->1": Case(lambda o, sw: (base(o, sw), sw.st(DC5, 0)), lambda o, sw: sw.st(DC5, TC_V),
                    (None, 258), P_OLD, NEG_DIR, [inval_ddt()], [[inval_pdt(5, 0)]]),
    "ddtp change": Case(lambda o, sw: (base(o, sw), second_tables(sw),
                                       [sw.st(0x13000 + 5 * 32 + 8 * i, w) for i, w in
                                        enumerate((TC_V, 0, ta(8), atp(SV39, ROOT2)))]),
                        lambda o, sw: o.write_reg(Reg.DDTP, ddtp(LVL1, 0x13000)),
                        P_OLD, P_NEW, CACHING, [inval_ddt()], [[vma(), gvma()]]),
    # ---- non-leaf DDT entry
    "ddte change": Case(lvl2, lambda o, sw: sw.st(DDT, pte(0x12000, V)), P_OLD, P_NEW, CACHING,
                        [inval_ddt()], [[inval_ddt(dv=1, did=5)]]),
    "ddte 1->0": Case(lvl2, lambda o, sw: sw.st(DDT, 0), P_OLD, (None, 258), CACHING,
                      [inval_ddt()], [[inval_ddt(dv=1, did=5), vma()]]),
    "ddte 0->1": Case(lambda o, sw: lvl2(o, sw, ddte=0), lambda o, sw: sw.st(DDT, pte(DDT_L1, V)),
                      (None, 258), P_OLD, NEG_DIR, [inval_ddt()], [[inval_ddt(dv=1, did=5)]]),
    # ---- process context
    "PC change (fsc)": Case(lambda o, sw: (pd8(o, sw), second_tables(sw)),
                            lambda o, sw: sw.st(0x14038, atp(SV39, ROOT2)),
                            P_OLD, P_NEW, CACHING, [inval_pdt(5, 3), vma(pscv=1, pscid=9)],
                            [[inval_pdt(5, 4), vma(pscv=1, pscid=9)], [inval_pdt(5, 3)],
                             [vma(pscv=1, pscid=9)]], r=req(pid=3)),
    "PC 1->0": Case(pd8, lambda o, sw: sw.st(0x14030, 0), P_OLD, (None, 266), CACHING,
                    [inval_pdt(5, 3)], [[inval_pdt(5, 4)], [inval_ddt(dv=1, did=4)]], r=req(pid=3)),
    "PC 0->1": Case(lambda o, sw: pd8(o, sw, pc_ta=ta(9)), lambda o, sw: sw.st(0x14030, V | ta(9)),
                    (None, 266), P_OLD, NEG_DIR, [inval_ddt(dv=1, did=5)], [[vma()]], r=req(pid=3)),
    # ---- non-leaf PDT entry
    "pdte change": Case(pd17, lambda o, sw: sw.st(0x14000, pte(0x16000, V)), P_OLD, P_NEW, CACHING,
                        [inval_ddt(dv=1, did=5)], [[inval_pdt(5, 3)], [inval_ddt(dv=1, did=6)]],
                        r=req(pid=3)),
    "pdte 1->0": Case(pd17, lambda o, sw: sw.st(0x14000, 0), P_OLD, (None, 266), CACHING,
                      [inval_ddt()], [[inval_pdt(5, 3), vma()]], r=req(pid=3)),
    # ---- G-stage PTEs (first stage Bare: the IOVA is the GPA)
    "G leaf change": Case(two_stage, lambda o, sw: sw.st(0x45008, pte(NEW_PA, G_LEAF)),
                          P_OLD, P_NEW, CACHING, [gvma(gv=1, av=1, gscid=3, addr=VA)],
                          [[gvma(gv=1, av=1, gscid=4, addr=VA)], [vma(gv=1, gscid=3)],
                           [gvma(gv=1, av=1, gscid=3, addr=VA + 0x1000)]]),
    "G leaf 0->1": Case(lambda o, sw: two_stage(o, sw, leaf=0),
                        lambda o, sw: sw.st(0x45008, pte(NEW_PA, G_LEAF)),
                        (None, 21), P_NEW, NEG_PTE, [gvma()], []),
    "G leaf 1->0": Case(two_stage, lambda o, sw: sw.st(0x45008, 0), P_OLD, (None, 21), CACHING,
                        [gvma(gv=1, gscid=3)], [[gvma(gv=1, gscid=2)]]),
    "G non-leaf change": Case(two_stage, lambda o, sw: (sw.st(0x46008, pte(NEW_PA, G_LEAF)),
                                                        sw.st(0x44000, pte(0x46000, V))),
                              P_OLD, P_NEW, CACHING, [gvma(gv=1, gscid=3)],
                              [[gvma(gv=1, av=1, gscid=3, addr=VA)], [inval_ddt()]]),
}


def start(policy, case):
    o = CoherenceOracle(policy=policy)
    sw = Sw(o)
    case.setup(o, sw)
    # Caches may fill at any time (the contract): whatever they took from the half-built
    # tables goes with one global invalidation, so each case starts from a settled state.
    settle(sw)
    r = case.r or req()
    assert res(o.outcomes(r)) == {case.old}, "setup: before the update only the old outcome"
    case.update(o, sw)
    return o, sw, r


@pytest.mark.parametrize("policy", ALL)
@pytest.mark.parametrize("name", list(CASES))
def test_update_before_between_after(name, policy):
    case = CASES[name]
    o, sw, r = start(policy, case)
    stale = {case.old, case.new} if policy in case.old_ok else {case.new}
    assert res(o.outcomes(r)) == stale, "after the store, before any invalidation"
    sw.queue(*case.cmds, (2, 0))                   # + IOFENCE.C, doorbell rung
    assert res(o.outcomes(r)) == stale, "between the doorbell and the fence's completion"
    sw.done()
    assert res(o.outcomes(r)) == {case.new}, "after IOFENCE.C completed"


@pytest.mark.parametrize("name", [n for n in CASES if CASES[n].short])
def test_out_of_scope_commands_leave_old_permitted(name):
    case = CASES[name]
    for cmds in case.short:
        o, sw, r = start("riscv-negative-all", case)
        sw.invalidate(*cmds)
        assert res(o.outcomes(r)) == {case.old, case.new}, f"{cmds} must not cover the item"
        sw.invalidate(*case.cmds)
        assert res(o.outcomes(r)) == {case.new}


def test_store_after_doorbell_stays_permitted_after_fence():
    # The invalidation may execute before the store: only a command queued after it covers it.
    case = CASES["leaf change"]
    o = CoherenceOracle()
    sw = Sw(o)
    case.setup(o, sw)
    assert res(o.outcomes(req())) == {P_OLD}
    sw.queue(vma(av=1, pscv=1, pscid=7, addr=VA), (2, 0))
    sw.st(LEAF_PTE, pte(NEW_PA, LEAF))
    sw.done()
    assert res(o.outcomes(req())) == {P_OLD, P_NEW}
    sw.invalidate(vma(av=1, pscv=1, pscid=7, addr=VA))
    assert res(o.outcomes(req())) == {P_NEW}


def test_invalidation_without_fence_completion_is_pending():
    # cqh moving past an IOTINVAL says only that it was fetched: still both permitted.
    o = CoherenceOracle()
    sw = Sw(o)
    base(o, sw)
    o.outcomes(req())
    sw.st(LEAF_PTE, pte(NEW_PA, LEAF))
    sw.queue(vma())
    sw.done()                                          # no IOFENCE.C among them
    assert res(o.outcomes(req())) == {P_OLD, P_NEW}
    sw.queue((2, 0))
    o.commands_done(sw.tail - 1)                       # cqh stops on the fence: not complete
    assert res(o.outcomes(req())) == {P_OLD, P_NEW}
    sw.done()
    assert res(o.outcomes(req())) == {P_NEW}


def test_values_in_between_two_stores_stay_permitted():
    o = CoherenceOracle()
    sw = Sw(o)
    base(o, sw)
    o.outcomes(req())
    sw.st(LEAF_PTE, pte(0x7000_0000, LEAF))
    sw.st(LEAF_PTE, pte(NEW_PA, LEAF))
    assert res(o.outcomes(req())) == {P_OLD, (0x7000_0000, None), P_NEW}


def test_table_change_with_same_pscid_keeps_iotlb_entries_by_tag():
    # Identity is the tag: after IODIR only, the IOTLB (pscid 7, va) may still hold the old
    # leaf although the new DC's table never held it at any address.
    o = CoherenceOracle()
    sw = Sw(o)
    base(o, sw)
    second_tables(sw)
    o.outcomes(req())
    sw.st(DC5 + 24, atp(SV39, ROOT2))
    sw.invalidate(inval_ddt(dv=1, did=5))
    assert res(o.outcomes(req())) == {P_OLD, P_NEW}
    sw.invalidate(vma(av=1, pscv=1, pscid=7, addr=VA))
    # The leaf is gone, but the non-leaf entries of the old table (pscid 7) may survive an
    # AV=1 command; they lead to the old leaf, which is still in memory.
    assert res(o.outcomes(req())) == {P_OLD, P_NEW}
    sw.invalidate(vma(pscv=1, pscid=7))
    assert res(o.outcomes(req())) == {P_NEW}


def o7_setup():
    o = CoherenceOracle()
    sw = Sw(o)
    o.write_reg(Reg.DDTP, ddtp(LVL1))
    # G-stage (gscid 3) root 0x40000: GiB 0 -> 0x44000 -> 0x45000 (4 KiB leaves); GiB 1 and 2
    # identity 1 GiB leaves.
    sw.st(0x40000, pte(0x44000, V))
    sw.st(0x40008, pte(0x4000_0000, G_LEAF))
    sw.st(0x40010, pte(0x8000_0000, G_LEAF))
    sw.st(0x44000, pte(0x45000, V))
    sw.st(0x45000 + 0x20 * 8, pte(0x50000, G_LEAF))       # GPA 0x20000 -> SPA 0x50000
    sw.st(0x45000 + 0x21 * 8, pte(0x51000, G_LEAF))       # GPA 0x21000 -> SPA 0x51000
    sw.st(0x45000 + 0x22 * 8, pte(0x52000, G_LEAF))       # GPA 0x22000 -> SPA 0x52000
    # first stage (GPAs in the PTEs): root GPA 0x20000 -> 0x21000 -> 0x22000 -> OLD_PA
    sw.st(0x50008, pte(0x21000, V))
    sw.st(0x51000, pte(0x22000, V))
    sw.st(0x52008, pte(OLD_PA, LEAF))
    # another root page at SPA 0x53000: a 1 GiB leaf for VA's GiB (GPA 0x4000_0000)
    sw.st(0x53008, pte(0x4000_0000, LEAF))
    for i, w in dc_order((TC_V, atp(SV39X4, 0x40000, 3), ta(7), atp(SV39, 0x20000))):
        sw.st(DC5 + 8 * i, w)
    assert res(o.outcomes(req())) == {P_OLD}
    sw.st(0x45000 + 0x20 * 8, pte(0x53000, G_LEAF))       # root GPA now -> SPA 0x53000
    assert res(o.outcomes(req())) == {P_OLD, O7_NEW}
    return o, sw


O7_NEW = (0x4000_1000, None)


def test_gpa_pointer_in_dc_guideline_sequence():
    """O7: the DC may hold the SPA of iosatp.PPN. The SW guideline for a G-stage change that
    affects it: IOTINVAL.GVMA and IODIR.INVAL_DDT for the DC, then IOTINVAL.VMA for the
    first-stage entries (commands take effect in queue order)."""
    o, sw = o7_setup()
    sw.invalidate(gvma(gv=1, av=1, gscid=3, addr=0x20000), inval_ddt(dv=1, did=5),
                  vma(gv=1, gscid=3))
    v = o.check(req(), Outcome(OLD_PA, None))
    assert not v.ok, v.message
    assert res(o.outcomes(req())) == {O7_NEW}


def test_gpa_pointer_in_dc_without_iodir():
    o, sw = o7_setup()
    sw.invalidate(gvma(gv=1, av=1, gscid=3, addr=0x20000), vma(gv=1, gscid=3))
    assert res(o.outcomes(req())) == {P_OLD, O7_NEW}, "the DC may still hold SPA 0x50000"
    # ... and it may have refilled the IOTLB from the old root after the VMA: IODIR now is
    # not enough, the first-stage entries need another VMA.
    sw.invalidate(inval_ddt(dv=1, did=5))
    assert res(o.outcomes(req())) == {P_OLD, O7_NEW}
    sw.invalidate(vma(gv=1, gscid=3))
    assert res(o.outcomes(req())) == {O7_NEW}


def test_gpa_pointer_vma_before_iodir_in_one_batch():
    # Queue order matters: a VMA executed before the IODIR lets a walk through the old DC
    # refill the IOTLB before the DC is dropped.
    o, sw = o7_setup()
    sw.invalidate(gvma(gv=1, av=1, gscid=3, addr=0x20000), vma(gv=1, gscid=3),
                  inval_ddt(dv=1, did=5))
    assert res(o.outcomes(req())) == {O7_NEW}, "no walk between the doorbell and the fence"
    o, sw = o7_setup()
    sw.queue(gvma(gv=1, av=1, gscid=3, addr=0x20000), vma(gv=1, gscid=3),
             inval_ddt(dv=1, did=5), (2, 0))
    assert res(o.outcomes(req())) == {P_OLD, O7_NEW}      # a walk while they execute
    sw.done()
    assert res(o.outcomes(req())) == {P_OLD, O7_NEW}


def test_gpa_pointer_iodir_alone_is_not_enough():
    o = CoherenceOracle()
    sw = Sw(o)
    two_stage(o, sw)
    sw.st(DC5 + 24, atp(SV39, 0x20000))
    sw.st(DC5 + 16, ta(7))
    # root GPA 0x20000 is not mapped in this G-stage -> guest page fault 21; the old DC (first
    # stage Bare, VA -> OLD_PA through the G-stage) is valid and may have been cached at any
    # time, though no request walked it: without IODIR it stays permitted
    assert res(o.outcomes(req())) == {(None, 21), P_OLD}
    # a DUT that fills on demand only never held it: only the fault
    o = CoherenceOracle(fills="demand")
    sw = Sw(o)
    two_stage(o, sw)
    sw.st(DC5 + 24, atp(SV39, 0x20000))
    sw.st(DC5 + 16, ta(7))
    assert res(o.outcomes(req())) == {(None, 21)}


def pdt_under_g_stage(o, sw):
    """DC of did 5: PDTV, pdtp PD8 at GPA 0x14000, G-stage gscid 3: GPA 0x14000 -> SPA
    0x54000 (4 KiB leaf @0x450a0), GiB 1 identity. PC of pid 3 @SPA 0x54030: first stage Bare,
    so the request's IOVA is a GPA, mapped to itself."""
    o.write_reg(Reg.DDTP, ddtp(LVL1))
    sw.st(0x40000, pte(0x44000, V))
    sw.st(0x40008, pte(0x4000_0000, G_LEAF))
    sw.st(0x44000, pte(0x45000, V))
    sw.st(0x45000 + 0x14 * 8, pte(0x54000, G_LEAF))
    sw.st(0x54030, V | ta(9))
    for i, w in dc_order((TC_V | TC_PDTV, atp(SV39X4, 0x40000, 3), 0, atp(PD8, 0x14000))):
        sw.st(DC5 + 8 * i, w)
    assert res(o.outcomes(req(pid=3))) == {(VA, None)}
    sw.st(0x45000 + 0x14 * 8, pte(0x55000, G_LEAF))      # the PDT moves: PC @0x55030 is V=0


@pytest.mark.parametrize("cmds,old_left", [
    ([gvma(gv=1, av=1, gscid=3, addr=0x14000)], True),           # DC may hold SPA 0x54000
    ([gvma(gv=1, av=1, gscid=3, addr=0x14000), inval_pdt(5, 3)], True),
    ([inval_ddt(dv=1, did=5)], True),                             # G-stage cache keeps it
    ([gvma(gv=1, av=1, gscid=3, addr=0x14000), inval_ddt(dv=1, did=5)], False),
    ([gvma(gv=1, gscid=3), inval_ddt()], False),
])
def test_pdtp_translation_held_by_dc(cmds, old_left):
    o = CoherenceOracle()
    sw = Sw(o)
    pdt_under_g_stage(o, sw)
    assert res(o.outcomes(req(pid=3))) == {(VA, None), (None, 266)}
    sw.invalidate(*cmds)
    assert res(o.outcomes(req(pid=3))) == ({(VA, None), (None, 266)} if old_left else {(None, 266)})


def test_ddtp_off_and_back_keeps_cached_contexts():
    # Entering Off keeps the caches (O6): back in 1LVL, a DC changed meanwhile may be stale.
    o = CoherenceOracle()
    sw = Sw(o)
    base(o, sw)
    assert res(o.outcomes(req())) == {P_OLD}
    o.write_reg(Reg.DDTP, 0)
    assert res(o.outcomes(req())) == {(None, 256)}
    sw.st(DC5, 0)
    assert res(o.outcomes(req())) == {(None, 256)}
    o.write_reg(Reg.DDTP, ddtp(LVL1))
    assert res(o.outcomes(req())) == {P_OLD, (None, 258)}
    sw.invalidate(inval_ddt())
    assert res(o.outcomes(req())) == {(None, 258)}


def test_dc_change_under_g_stage_needs_vma_gv1():
    # DC of did 5 with G-stage gscid 3 (first stage Bare): a new iohgatp root (same GSCID).
    o = CoherenceOracle()
    sw = Sw(o)
    two_stage(o, sw)
    sw.st(0x48008, pte(0x4000_0000, G_LEAF))             # another G root: GiB 1 identity
    assert res(o.outcomes(req())) == {P_OLD}
    sw.st(DC5 + 8, atp(SV39X4, 0x48000, 3))
    assert res(o.outcomes(req())) == {P_OLD, (VA, None)}
    sw.invalidate(inval_ddt(dv=1, did=5))
    assert res(o.outcomes(req())) == {P_OLD, (VA, None)}, "G-stage entries of gscid 3 remain"
    sw.invalidate(gvma(gv=1, gscid=3))
    assert res(o.outcomes(req())) == {(VA, None)}


def test_iodir_before_gvma_leaves_the_old_pointer_translation():
    # In queue order: the DC is dropped, a walk may refill it through the G-stage entry that
    # is still cached, then the GVMA removes only the G-stage entry.
    o = CoherenceOracle()
    sw = Sw(o)
    pdt_under_g_stage(o, sw)
    sw.invalidate(inval_ddt(dv=1, did=5), gvma(gv=1, av=1, gscid=3, addr=0x14000))
    assert res(o.outcomes(req(pid=3))) == {(VA, None), (None, 266)}
    sw.invalidate(inval_ddt(dv=1, did=5))
    assert res(o.outcomes(req(pid=3))) == {(None, 266)}
