"""Legal implementation variants users raise, each accepted by the oracle (hand-worked):
- a device-context change invalidated with GSCID- or PSCID-scoped IOTINVAL.VMA instead of a
  global one (iommu_data_structures.adoc, "Changing the device context": IODIR.INVAL_DDT for
  the device, then IOTINVAL.VMA for the address spaces the old context used);
- identity translations cached while a DC is in Bare mode: IOTINVAL never removes them (it
  covers first-stage and G-stage entries, not contexts), IODIR.INVAL_DDT does;
- IOTINVAL.GVMA that ignores ADDR (invalidates every entry of the GSCID): over-invalidation is
  always permitted, the current value being permitted at every instant;
- IODIR.INVAL_DDT DV=1 also drops the process contexts of the device (the spec's IODIR table:
  INVAL_DDT DV=1 covers the DC of DID and its PDT entries);
- DPE=1: a request without process_id uses process_id 0 (Step 10 of the translation process);
  its PC is the same cached item as the PC of an explicit process_id 0 and IODIR.INVAL_PDT
  PID=0 covers both.

Tables are built the way the spec's update guidelines ask (entries filled while unreachable,
then linked by one store; a context's V bit written last), so set-up alone needs no
invalidation under the contract (a cache may fill from any entry a walk could read).
Addresses and outcomes are worked out by hand from oracle_tables.py's memory map.
"""
from models import Outcome, Reg, Request
from oracle_tables import (DDT, LEAF, LVL1, NEW_PA, OLD_PA, PD8, RD, SV39, SV39X4, TC_PDTV, TC_V,
                           V, VA, Sw, atp, ddtp, gvma, inval_ddt, inval_pdt, pte, req, res, ta,
                           vma)
from scoreboards import CoherenceOracle

DC5 = DDT + 5 * 32                   # 0x100a0
TC_DPE = 1 << 9
# Table set A (VA -> OLD_PA) and B (VA -> NEW_PA): Sv39, VPN[2]=1, VPN[1]=0, VPN[0]=1
A_ROOT, A_L1, A_L0 = 0x20000, 0x21000, 0x22000
B_ROOT, B_L1, B_L0 = 0x30000, 0x31000, 0x32000
G_LEAF = V | 2 | 4 | 8 | 16 | 64 | 128          # R W X U A D


def tables(sw, root, l1, l0, pa, va=VA):
    """Sv39 tables for va -> pa, stored bottom-up (each entry before the one linking it)."""
    sw.st(l0 + ((va >> 12) & 0x1FF) * 8, pte(pa, LEAF))
    sw.st(l1 + ((va >> 21) & 0x1FF) * 8, pte(l0, V))
    sw.st(root + ((va >> 30) & 0x1FF) * 8, pte(l1, V))


def set_dc(sw, words, at=DC5):
    """A DC's doublewords, word 0 (holding V) last."""
    for i in range(len(words) - 1, -1, -1):
        sw.st(at + 8 * i, words[i])


def oracle(policy="riscv-1.0-strict", fills=None):
    o = CoherenceOracle(policy=policy, fills=fills)
    sw = Sw(o)
    o.write_reg(Reg.DDTP, ddtp(LVL1))
    return o, sw


def test_dc_root_change_with_pscid_scoped_iotinval():
    """DC of did 5 (PSCID 7) moves from table A to B. IODIR.INVAL_DDT DV=1 DID=5 and
    IOTINVAL.VMA PSCV=1 PSCID=7 (no global VMA) leave only B's translation."""
    o, sw = oracle()
    tables(sw, A_ROOT, A_L1, A_L0, OLD_PA)
    tables(sw, B_ROOT, B_L1, B_L0, NEW_PA)
    set_dc(sw, (TC_V, 0, ta(7), atp(SV39, A_ROOT)))
    assert res(o.outcomes(req())) == {(OLD_PA, None)}
    sw.st(DC5 + 24, atp(SV39, B_ROOT))
    assert res(o.outcomes(req())) == {(OLD_PA, None), (NEW_PA, None)}
    sw.invalidate(inval_ddt(dv=1, did=5))
    # the DC is fresh, but the IOTLB tagged PSCID 7 may still hold A's leaf
    assert res(o.outcomes(req())) == {(OLD_PA, None), (NEW_PA, None)}
    sw.invalidate(vma(pscv=1, pscid=7))
    assert res(o.outcomes(req())) == {(NEW_PA, None)}
    # the only finding: requests were evaluated before the invalidation completed
    assert [f.status for f in o.advice()] == ["relied-before-completion"]


def test_dc_root_change_with_gscid_scoped_iotinval():
    """A two-stage DC (GSCID 3, PSCID 7; G-stage Sv39x4 identity-maps the tables and the data
    pages with 1 GiB leaves) moves its first stage from A to B. IODIR DV=1 and IOTINVAL.VMA
    GV=1 GSCID=3 (every VM-space entry of GSCID 3, any PSCID) leave only B's translation."""
    o, sw = oracle()
    tables(sw, A_ROOT, A_L1, A_L0, OLD_PA)
    tables(sw, B_ROOT, B_L1, B_L0, NEW_PA)
    # G-stage root at 0x40000 (16 KiB, x4): GPA [0, 4 GiB) identity with 1 GiB leaves
    # (root index = GPA[40:30] for Sv39x4: entries 0..3)
    for i in range(4):
        sw.st(0x40000 + 8 * i, pte(i << 30, G_LEAF))
    set_dc(sw, (TC_V, atp(SV39X4, 0x40000, 3), ta(7), atp(SV39, A_ROOT)))
    assert res(o.outcomes(req())) == {(OLD_PA, None)}
    sw.st(DC5 + 24, atp(SV39, B_ROOT))
    sw.invalidate(inval_ddt(dv=1, did=5), vma(gv=1, gscid=3))
    assert res(o.outcomes(req())) == {(NEW_PA, None)}
    assert o.advice() == []


def test_bare_identity_survives_iotinval_until_iodir():
    """DC in Bare mode (fsc and iohgatp 0): VA passes through. The DC then gets a first stage.
    IOTINVAL.VMA (all) does not cover the cached DC, so the identity translation stays
    permitted; IODIR.INVAL_DDT DV=1 DID=5 removes it."""
    o, sw = oracle()
    tables(sw, B_ROOT, B_L1, B_L0, NEW_PA)
    set_dc(sw, (TC_V, 0, ta(7), 0))
    assert res(o.outcomes(req())) == {(VA, None)}
    sw.st(DC5 + 24, atp(SV39, B_ROOT))
    sw.invalidate(vma())
    assert res(o.outcomes(req())) == {(VA, None), (NEW_PA, None)}
    assert o.check(req(), Outcome(VA, None)).ok
    sw.invalidate(inval_ddt(dv=1, did=5))
    assert res(o.outcomes(req())) == {(NEW_PA, None)}
    assert not o.check(req(), Outcome(VA, None)).ok


def test_gvma_ignoring_addr_is_permitted():
    """G-stage only (GSCID 3), GPA pages X = VA and Y = VA + 0x1000 both remapped. IOTINVAL.GVMA
    GV=1 GSCID=3 AV=1 ADDR=X covers X only; an IOMMU that also dropped Y returns Y's new
    mapping, which is permitted (the current value always is)."""
    o, sw = oracle()
    x, y = VA, VA + 0x1000
    # Sv39x4 root 0x40000: GPA 0x4000_1000 -> root index 1, level-1 index 0, level-0 index 1
    l0 = 0x45000
    sw.st(l0 + 8, pte(OLD_PA, G_LEAF))
    sw.st(l0 + 16, pte(OLD_PA + 0x1000, G_LEAF))
    sw.st(0x44000, pte(l0, V))
    sw.st(0x40008, pte(0x44000, V))
    set_dc(sw, (TC_V, atp(SV39X4, 0x40000, 3), 0, 0))
    assert res(o.outcomes(req(iova=y))) == {(OLD_PA + 0x1000, None)}
    sw.st(l0 + 8, pte(NEW_PA, G_LEAF))
    sw.st(l0 + 16, pte(NEW_PA + 0x1000, G_LEAF))
    sw.invalidate(gvma(gv=1, av=1, gscid=3, addr=x))
    assert res(o.outcomes(req(iova=x))) == {(NEW_PA, None)}
    assert res(o.outcomes(req(iova=y))) == {(OLD_PA + 0x1000, None), (NEW_PA + 0x1000, None)}
    assert o.check(req(iova=y), Outcome(NEW_PA + 0x1000, None)).ok


def pd8_dc(sw, tc=TC_V | TC_PDTV):
    """DC of did 5: PDTV=1, pdtp PD8 at 0x14000. PC of pid p at 0x14000 + 16 * p."""
    set_dc(sw, (tc, 0, 0, atp(PD8, 0x14000)))


def set_pc(sw, pid, pscid, root):
    sw.st(0x14000 + 16 * pid + 8, atp(SV39, root))
    sw.st(0x14000 + 16 * pid, V | ta(pscid))


def test_inval_ddt_dv1_also_drops_process_contexts():
    """PC of pid 3 (PSCID 9) moves from A to B; IODIR.INVAL_DDT DV=1 DID=5 (not INVAL_PDT)
    covers it, and IOTINVAL.VMA PSCV=1 PSCID=9 the old leaf: only B remains."""
    o, sw = oracle()
    tables(sw, A_ROOT, A_L1, A_L0, OLD_PA)
    tables(sw, B_ROOT, B_L1, B_L0, NEW_PA)
    set_pc(sw, 3, 9, A_ROOT)
    pd8_dc(sw)
    r = req(pid=3)
    assert res(o.outcomes(r)) == {(OLD_PA, None)}
    sw.st(0x14000 + 16 * 3 + 8, atp(SV39, B_ROOT))
    sw.invalidate(inval_ddt(dv=1, did=5), vma(pscv=1, pscid=9))
    assert res(o.outcomes(r)) == {(NEW_PA, None)}
    assert o.advice() == []


def test_dpe_request_without_pid_uses_pc_of_pid_0():
    """DPE=1: a request without process_id and one with process_id 0 both use the PC of pid 0
    (one cached item, tag (5, 0)). Its change is covered by IODIR.INVAL_PDT DID=5 PID=0 and
    IOTINVAL.VMA PSCV=1 PSCID=9 for both requests; INVAL_PDT of pid 1 covers neither."""
    o, sw = oracle()
    tables(sw, A_ROOT, A_L1, A_L0, OLD_PA)
    tables(sw, B_ROOT, B_L1, B_L0, NEW_PA)
    set_pc(sw, 0, 9, A_ROOT)
    pd8_dc(sw, tc=TC_V | TC_PDTV | TC_DPE)
    no_pid, pid0 = req(), Request(did=5, iova=VA, ttyp=RD, pid=0)
    assert res(o.outcomes(no_pid)) == {(OLD_PA, None)}
    assert res(o.outcomes(pid0)) == {(OLD_PA, None)}
    sw.st(0x14000 + 8, atp(SV39, B_ROOT))
    sw.invalidate(inval_pdt(5, 1), vma(pscv=1, pscid=9))
    assert res(o.outcomes(no_pid)) == {(OLD_PA, None), (NEW_PA, None)}
    sw.invalidate(inval_pdt(5, 0))
    # the PC is fresh; the IOTINVAL above completed before it, so a walk through the old PC
    # may have refilled the IOTLB with A's leaf in between: one more IOTINVAL is needed
    assert res(o.outcomes(no_pid)) == {(OLD_PA, None), (NEW_PA, None)}
    sw.invalidate(vma(pscv=1, pscid=9))
    assert res(o.outcomes(no_pid)) == {(NEW_PA, None)}
    assert res(o.outcomes(pid0)) == {(NEW_PA, None)}
