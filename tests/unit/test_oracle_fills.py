"""Fill modes: entries no request has walked. Under the spec's contract (fills="any", the
default) a cache may fill at any time from any entry a walk could read, so a change of such an
entry leaves its old value permitted until a covering invalidation completes, and needs that
invalidation (advice). Under fills="demand" (an opt-in for a DUT known to fill only on request
walks) an entry no walk read was never cached: only the new value is permitted.

Every case builds its tables the way the spec's guidelines ask (entries filled while
unreachable, a context's V last), evaluates NO request before the update, then checks the
permitted outcomes after the update, and after the covering invalidation. Outcomes are worked
out by hand from oracle_tables.py's memory map (Sv39, VA 0x4000_1000: root index 1, level-1
index 0, leaf index 1; table set A -> OLD_PA, table set B -> NEW_PA).
"""
import pytest

from models import Reg
from oracle_tables import (DDT, LEAF, LVL1, NEW_PA, OLD_PA, SV39, TC_V, V, VA, Sw, atp, ddtp,
                           inval_ddt, pte, req, res, ta, vma)
from scoreboards import CoherenceOracle

ALL = ["riscv-1.0-strict", "riscv-dir-negative", "tlbi-on-map", "riscv-negative-all",
       "caching-mode", "no-cache"]
NEG_PTE = {"tlbi-on-map", "riscv-negative-all", "caching-mode"}
NEG_DIR = {"riscv-dir-negative", "riscv-negative-all", "caching-mode"}
DC5 = DDT + 5 * 32
A = (0x20000, 0x21000, 0x22000)
B = (0x30000, 0x31000, 0x32000)
A_LEAF = 0x22008                      # leaf PTE of VA in table set A
OLD, NEW, PF = (OLD_PA, None), (NEW_PA, None), (None, 13)


def tables(sw, t, pa, flags=LEAF):
    root, l1, l0 = t
    sw.st(l0 + 8, pte(pa, flags) if flags else 0)
    sw.st(l1, pte(l0, V))
    sw.st(root + 8, pte(l1, V))


def setup(policy, fills, leaf_flags=LEAF, pscid=7):
    o = CoherenceOracle(policy=policy, fills=fills)
    sw = Sw(o)
    o.write_reg(Reg.DDTP, ddtp(LVL1))
    tables(sw, A, OLD_PA, leaf_flags)
    tables(sw, B, NEW_PA)
    for i, w in reversed(list(enumerate((TC_V, 0, ta(pscid), atp(SV39, A[0]))))):
        sw.st(DC5 + 8 * i, w)
    if policy in NEG_DIR:                # a cached V=0 DC must go
        sw.invalidate(inval_ddt(dv=1, did=5))
    assert o.advice() == []              # set-up in the guidelines' order needs nothing else
    return o, sw


def expect(policy, fills, old, new, cacheable=True):
    return {old, new} if fills == "any" and cacheable and policy != "no-cache" else {new}


@pytest.mark.parametrize("fills", ["any", "demand"])
@pytest.mark.parametrize("policy", ALL)
def test_never_read_leaf_remap(policy, fills):
    o, sw = setup(policy, fills)
    sw.st(A_LEAF, pte(NEW_PA, LEAF))
    assert res(o.outcomes(req())) == expect(policy, fills, OLD, NEW)
    sw.invalidate(vma(av=1, pscv=1, pscid=7, addr=VA))
    assert res(o.outcomes(req())) == {NEW}


@pytest.mark.parametrize("fills", ["any", "demand"])
@pytest.mark.parametrize("policy", ALL)
def test_never_read_leaf_unmap(policy, fills):
    o, sw = setup(policy, fills)
    sw.st(A_LEAF, 0)
    assert res(o.outcomes(req())) == expect(policy, fills, OLD, PF)
    sw.invalidate(vma(av=1, pscv=1, pscid=7, addr=VA))
    assert res(o.outcomes(req())) == {PF}


@pytest.mark.parametrize("fills", ["any", "demand"])
@pytest.mark.parametrize("policy", ALL)
def test_never_read_leaf_map(policy, fills):
    """V 0->1: the old V=0 value may be cached only under the negative-caching policies."""
    o, sw = setup(policy, fills, leaf_flags=0)
    sw.st(A_LEAF, pte(NEW_PA, LEAF))
    assert res(o.outcomes(req())) == expect(policy, fills, PF, NEW, policy in NEG_PTE)
    sw.invalidate(vma(av=1, pscv=1, pscid=7, addr=VA))
    assert res(o.outcomes(req())) == {NEW}


@pytest.mark.parametrize("fills", ["any", "demand"])
@pytest.mark.parametrize("policy", ALL)
def test_never_read_table_swap(policy, fills):
    """The DC's iosatp moves from A to B (same PSCID 7) and its IODIR completes: the IOTLB
    tagged PSCID 7 may still hold A's entries (a walk could have read them before the swap)
    until IOTINVAL.VMA for PSCID 7 completes."""
    o, sw = setup(policy, fills)
    sw.st(DC5 + 24, atp(SV39, B[0]))
    sw.invalidate(inval_ddt(dv=1, did=5))
    assert res(o.outcomes(req())) == expect(policy, fills, OLD, NEW)
    sw.invalidate(vma(pscv=1, pscid=7))
    assert res(o.outcomes(req())) == {NEW}


@pytest.mark.parametrize("fills", ["any", "demand"])
@pytest.mark.parametrize("policy", ALL)
def test_never_read_dc_change(policy, fills):
    """The DC moves to PSCID 8 and table B, no IODIR yet: the old DC (PSCID 7, A) may be
    cached. After IODIR DV=1 DID=5 nothing tagged PSCID 7 is reachable: only B."""
    o, sw = setup(policy, fills)
    sw.st(DC5 + 24, atp(SV39, B[0]))
    sw.st(DC5 + 16, ta(8))
    assert res(o.outcomes(req())) == expect(policy, fills, OLD, NEW)
    sw.invalidate(inval_ddt(dv=1, did=5))
    assert res(o.outcomes(req())) == {NEW}


@pytest.mark.parametrize("fills", ["any", "demand"])
def test_advice_for_never_read_changes(fills):
    """Software must invalidate after changing a valid entry, read or not (in both modes: the
    fill mode describes the DUT, not what software owes)."""
    o, sw = setup("riscv-1.0-strict", fills)
    sw.st(A_LEAF, pte(NEW_PA, LEAF))
    [f] = o.advice()
    assert (f.status, f.item, f.needed) == (
        "missing", f"leaf PTE @{A_LEAF:#x} (first stage, pscid 7, level 0, va 0x40001000)",
        "IOTINVAL.VMA GV=0 PSCV=1 PSCID=7 AV=1 ADDR=0x40001000")
    sw.invalidate(vma(av=1, pscv=1, pscid=7, addr=VA))
    assert o.advice() == []
    sw.st(DC5 + 16, ta(8))
    [f] = o.advice()
    assert (f.status, f.needed) == ("missing", "IODIR.INVAL_DDT DV=1 DID=5")


def test_msi_pte_second_doubleword_needs_no_invalidation():
    """A basic-translate MSI PTE (V=1, M=3) ignores its second doubleword (AIA, "MSI PTE,
    basic translate mode": free for software): changing it needs nothing; changing the first
    doubleword needs IOTINVAL.GVMA for the GPA page. DC of did 5 (extended format, 64 bytes:
    @0x10140) with G-stage Sv39x4 gscid 3 and msiptp Flat at 0x70000, mask 0, pattern GPA page
    0x28000: MSI PTE 0 @0x70000 translates GPA 0x2800_0000."""
    from models import capabilities as capbits
    caps = capbits.DEFAULT | 1 << capbits.MSI_FLAT
    o = CoherenceOracle(capabilities=caps)
    sw = Sw(o)
    o.write_reg(Reg.DDTP, ddtp(LVL1))
    sw.st(0x70000, (0x9000_0000 >> 12) << 10 | 7)          # V=1, M=3, PPN of the interrupt file
    dc = DDT + 5 * 64
    words = (TC_V, atp(8, 0x40000, 3), 0, 0, 1 << 60 | 0x70, 0, 0x28000, 0)
    for i in reversed(range(8)):
        sw.st(dc + 8 * i, words[i])
    assert o.advice() == []
    sw.st(0x70008, 0x1234)
    assert o.advice() == []
    sw.st(0x70000, (0x9100_0000 >> 12) << 10 | 7)
    [f] = o.advice()
    assert f.needed == "IOTINVAL.GVMA GV=1 GSCID=3 AV=1 ADDR=0x28000000"


def test_advice_names_the_issued_commands_that_did_not_cover_the_update():
    """RW -> R of VA's leaf (PSCID 7); software invalidates PSCID 22, then ADDR of the next
    page, then the right PSCID on the G-stage: each is named with why it does not cover it."""
    o, sw = setup("riscv-1.0-strict", "any")
    sw.st(A_LEAF, pte(OLD_PA, V | 2 | 16 | 64))            # V R U A: read-only
    sw.invalidate(vma(pscv=1, pscid=22))
    sw.invalidate(vma(av=1, pscv=1, pscid=7, addr=VA + 0x1000))
    [f] = o.advice()
    assert f.status == "missing"
    assert f.detail == (
        "no covering invalidation issued; issued but not covering it: "
        "IOTINVAL.VMA GV=0 PSCV=1 PSCID=22 AV=0 (PSCID 22, not 7), "
        "IOTINVAL.VMA GV=0 PSCV=1 PSCID=7 AV=1 ADDR=0x40002000 (ADDR 0x40002000 is outside the "
        "page at 0x40001000)")
    sw.invalidate(vma(pscv=1, pscid=7))
    assert o.advice() == []


@pytest.mark.parametrize("fills", ["any", "demand"])
@pytest.mark.parametrize("policy", ALL)
def test_never_read_ddtp_swap(policy, fills):
    """ddtp moves from the 1LVL table at DDT (DC of did 5: PSCID 7, table A) to one at 0x18000
    (DC of did 5 @0x180a0: PSCID 8, table B), no IODIR: the device-context cache may still hold
    the old table's DC (never read by a request). IODIR.INVAL_DDT DV=0 removes it."""
    o, sw = setup(policy, fills)
    for i, w in reversed(list(enumerate((TC_V, 0, ta(8), atp(SV39, B[0]))))):
        sw.st(0x180a0 + 8 * i, w)                        # unreachable while built
    o.write_reg(Reg.DDTP, ddtp(LVL1, 0x18000))
    assert res(o.outcomes(req())) == expect(policy, fills, OLD, NEW)
    [f] = o.advice()
    assert (f.store, f.needed) == (0, "IODIR.INVAL_DDT DV=0")
    sw.invalidate(inval_ddt())
    assert res(o.outcomes(req())) == {NEW}


@pytest.mark.parametrize("fills", ["any", "demand"])
def test_never_read_pdtp_swap(fills):
    """A DC with PDTV=1 (PD8) moves its pdtp from the PDT at 0x14000 (PC of pid 3: PSCID 9,
    table A) to one at 0x15000 (PC of pid 3: PSCID 10, table B); IODIR.INVAL_DDT DV=1 DID=5
    removes the DC and every PC of did 5, so nothing old remains; before it, the old PC (tag
    (5, 3)) may still be cached."""
    o = CoherenceOracle(fills=fills)
    sw = Sw(o)
    o.write_reg(Reg.DDTP, ddtp(LVL1))
    tables(sw, A, OLD_PA)
    tables(sw, B, NEW_PA)
    for pdt, pscid, t in ((0x14000, 9, A), (0x15000, 10, B)):
        sw.st(pdt + 16 * 3 + 8, atp(SV39, t[0]))
        sw.st(pdt + 16 * 3, V | ta(pscid))
    for i, w in reversed(list(enumerate((TC_V | 1 << 5, 0, 0, atp(1, 0x14000))))):
        sw.st(DC5 + 8 * i, w)
    r = req(pid=3)
    sw.st(DC5 + 24, atp(1, 0x15000))
    assert res(o.outcomes(r)) == ({OLD, NEW} if fills == "any" else {NEW})
    sw.invalidate(inval_ddt(dv=1, did=5))
    assert res(o.outcomes(r)) == {NEW}
