"""The coherence oracle with the NL and S invalidation operands (issue 16).

Scopes worked by hand from iommu_extensions.adoc: NL=1 with AV=1 invalidates "information
cached from all levels of first-stage page table entries corresponding to the IOVA in ADDR"
(NL=0: only leaves, as in v1.0, so a cached non-leaf PTE survives); S=1 makes ADDR a NAPOT
range (lowest 0 bit of ADDR[63:12] at X -> 2^(X+1) * 4 KiB). An entry is removed when its page
overlaps the range: a 2 MiB superpage partly inside an 8 KiB range maps an address of the
range, so it goes.

Memory map (oracle_tables): Sv39 root 0x20000, level 1 0x21000, level 0 0x22000; did 5,
pscid 7. VA 0x4000_0000 + i*0x1000 uses root[1] @0x20008, level-1 entry 0 @0x21000 and the
leaf @0x22000 + 8*i.
"""
import pytest

from models.command_queue import Command
from oracle_tables import (L0, L1, LEAF, V, Sw, map4k, pte, req, res, settle, sv39_dc)
from scoreboards import CoherenceOracle
from scoreboards.scope import Key, covers, describe_cmd, scope_of, why_not

CAPS_NL_S = 0x0000_01F8_1006_0610 | 1 << 42 | 1 << 43
BASE = 0x4000_0000
OLD, NEW = 0x8765_0000, 0x9999_0000


def vma(av=1, pscv=1, pscid=7, addr=BASE, nl=0, s=0, gv=0, gscid=0):
    """IOTINVAL.VMA words: NL at bit 34, S at bit 73 (dw1 bit 9), ADDR[63:12] at [125:74]."""
    dw0 = 1 | av << 10 | pscid << 12 | pscv << 32 | gv << 33 | nl << 34 | gscid << 44
    return dw0, s << 9 | (addr >> 12) << 10


def four_pages(o, sw):
    sv39_dc(o, sw)
    for i in range(4):
        map4k(sw, va=BASE + i * 0x1000, pa=OLD + i * 0x1000)


def start(setup):
    o = CoherenceOracle(capabilities=CAPS_NL_S)
    sw = Sw(o)
    setup(o, sw)
    settle(sw)
    return o, sw


def outs(o, va):
    return res(o.outcomes(req(iova=va)))


# ------------------------------------------------------------------ NL after a non-leaf change
def moved_table(o, sw):
    """The level-1 entry of BASE re-pointed from L0 (page 1 -> OLD+0x1000) to a new level-0
    table at 0x23000 (page 1 -> NEW+0x1000): a non-leaf PTE change."""
    sw.st(0x23008, pte(NEW + 0x1000, LEAF))
    sw.st(L1, pte(0x23000, V))


def test_nl0_leaves_the_cached_non_leaf_entry():
    o, sw = start(four_pages)
    va = BASE + 0x1000
    assert outs(o, va) == {(OLD + 0x1000, None)}
    moved_table(o, sw)
    assert outs(o, va) == {(OLD + 0x1000, None), (NEW + 0x1000, None)}
    # AV=1 NL=0 removes the leaf only: the cached level-1 entry still leads to the old table,
    # whose leaf (unchanged in memory) still maps the old page
    sw.invalidate(vma(addr=va))
    assert outs(o, va) == {(OLD + 0x1000, None), (NEW + 0x1000, None)}
    # NL=1: every level on the path to ADDR goes
    sw.invalidate(vma(addr=va, nl=1))
    assert outs(o, va) == {(NEW + 0x1000, None)}


def test_nl1_other_address_space_or_address_does_not_cover():
    o, sw = start(four_pages)
    va = BASE + 0x1000
    moved_table(o, sw)
    sw.invalidate(vma(addr=va, nl=1, pscid=8))                # another PSCID
    assert outs(o, va) == {(OLD + 0x1000, None), (NEW + 0x1000, None)}
    sw.invalidate(vma(addr=BASE + 0x20_0000, nl=1))           # outside the level-1 entry's 2 MiB
    assert outs(o, va) == {(OLD + 0x1000, None), (NEW + 0x1000, None)}
    # any address under the level-1 entry names it (its page is the 2 MiB region), but the
    # cached old leaf of va is another 4 KiB page: it survives, and with it the old mapping
    sw.invalidate(vma(addr=BASE + 0x1F_F000, nl=1))
    assert outs(o, va) == {(OLD + 0x1000, None), (NEW + 0x1000, None)}
    # the leaf of va alone (NL=0) is enough now that the non-leaf entry is gone
    sw.invalidate(vma(addr=va))
    assert outs(o, va) == {(NEW + 0x1000, None)}


def test_nl_with_av0_is_ignored_av0_covers_everything():
    o, sw = start(four_pages)
    moved_table(o, sw)
    sw.invalidate(vma(av=0, addr=0))
    assert outs(o, BASE + 0x1000) == {(NEW + 0x1000, None)}


# ------------------------------------------------------------------ S ranges over 4 KiB pages
def all_four_changed(o, sw):
    for i in range(4):
        sw.st(L0 + 8 * i, pte(NEW + i * 0x1000, LEAF))


@pytest.mark.parametrize("addr,new_pages", [
    (BASE + 0x1000, {0, 1, 2, 3}),     # operand ...01: X=1, 16 KiB at BASE
    (BASE, {0, 1}),                    # X=0: 8 KiB at BASE
    (BASE + 0x2000, {2, 3}),           # operand ...10: X=0, 8 KiB at BASE+0x2000
    (BASE + 0x5000, set()),            # 16 KiB at BASE+0x4000: none of the four
    (BASE + 0xF_F000, {0, 1, 2, 3}),   # 2 MiB at BASE
])
def test_s_range_covers_the_pages_inside(addr, new_pages):
    o, sw = start(four_pages)
    all_four_changed(o, sw)
    sw.invalidate(vma(addr=addr, s=1))
    for i in range(4):
        va, old, new = BASE + i * 0x1000, (OLD + i * 0x1000, None), (NEW + i * 0x1000, None)
        assert outs(o, va) == ({new} if i in new_pages else {old, new}), f"page {i}"


def test_s0_same_addr_covers_one_page():
    o, sw = start(four_pages)
    all_four_changed(o, sw)
    sw.invalidate(vma(addr=BASE + 0x1000, s=0))
    assert outs(o, BASE + 0x1000) == {(NEW + 0x1000, None)}
    assert outs(o, BASE) == {(OLD, None), (NEW, None)}


def test_s_all_ones_is_unspecified_and_covers_nothing():
    o, sw = start(four_pages)
    all_four_changed(o, sw)
    sw.invalidate(vma(addr=0xFFFF_FFFF_FFFF_F000, s=1))
    assert outs(o, BASE) == {(OLD, None), (NEW, None)}


# ------------------------------------------------------------------ S ranges and a superpage
SUPER_OLD, SUPER_NEW = 0x8760_0000, 0x8780_0000


def superpage(o, sw):
    """BASE..BASE+2 MiB: a 2 MiB leaf in the level-1 entry @0x21000."""
    sv39_dc(o, sw)
    sw.st(L1, pte(SUPER_OLD, LEAF))
    sw.st(0x20008, pte(L1, V))


@pytest.mark.parametrize("addr,covered", [
    (BASE + 0x10_0000, True),          # 8 KiB in the middle of the 2 MiB page: partial overlap
    (BASE + 0x1F_F000, True),          # operand ...1FF: X=9 -> 4 MiB at BASE, contains it
    (BASE + 0x20_0000, False),         # 8 KiB just above it
    (BASE - 0x2000, False),            # 8 KiB just below it
])
def test_s_range_and_a_superpage(addr, covered):
    o, sw = start(superpage)
    va = BASE + 0x1000
    assert outs(o, va) == {(SUPER_OLD + 0x1000, None)}
    sw.st(L1, pte(SUPER_NEW, LEAF))
    sw.invalidate(vma(addr=addr, s=1))
    both = {(SUPER_OLD + 0x1000, None), (SUPER_NEW + 0x1000, None)}
    assert outs(o, va) == ({(SUPER_NEW + 0x1000, None)} if covered else both)


# ------------------------------------------------------------------ scope table rows
VA = 0x4000_1000


def k1(level=0, va=VA, leaf=True, glob=False, gscid=None, pscid=7):
    return Key("pte1", (gscid, pscid, level, (va & ((1 << 39) - 1)) >> (12 + 9 * level)), 39,
               leaf, glob)


def k2(level=0, gpa=VA, leaf=True, gscid=3):
    return Key("pte2", (gscid, level, gpa >> (12 + 9 * level)), 41, leaf)


def C(name="IOTINVAL.VMA", **kw):
    return Command(name, av=1, **kw)


@pytest.mark.parametrize("cmd,key,want", [
    (C(addr=VA), k1(1, leaf=False), False),                          # NL=0
    (C(addr=VA, nl=1), k1(1, leaf=False), True),                      # NL=1, level 1
    (C(addr=VA, nl=1), k1(2, leaf=False), True),                      # NL=1, root level
    (C(addr=VA, nl=1, pscv=1, pscid=7), k1(1, leaf=False, glob=True), False),   # PSCV spares G
    (C(addr=VA, nl=1, gv=1, gscid=3), k1(1, leaf=False), False),      # GV=1, host entry
    (C(addr=VA + 0x20_0000, nl=1), k1(1, leaf=False), False),         # another 2 MiB region
    (C(addr=0x4000_0000, s=1), k1(0, va=0x4000_1000), True),          # 8 KiB range
    (C(addr=0x4000_0000, s=1), k1(0, va=0x4000_2000), False),
    (C(addr=0x4010_0000, s=1), k1(1, va=0x4000_0000), True),          # inside a 2 MiB leaf
    (C(addr=0x4010_0000, s=1), k1(1, va=0x4000_0000, leaf=False), False),   # non-leaf, NL=0
    (C(addr=0x4010_0000, s=1, nl=1), k1(1, va=0x4000_0000, leaf=False), True),
    (C(addr=0x7FFF_FFFF_FFFF_F000, s=1), k1(2, va=0x40_0000_0000 - 0x1000), True),  # everything
    (C("IOTINVAL.GVMA", gv=1, gscid=3, addr=VA), k2(1, leaf=False), False),
    (C("IOTINVAL.GVMA", gv=1, gscid=3, addr=VA, nl=1), k2(1, leaf=False), True),
    (C("IOTINVAL.GVMA", gv=1, gscid=3, addr=0x4000_0000, s=1), k2(0, gpa=0x4000_1000), True),
    (C("IOTINVAL.GVMA", gv=1, gscid=3, addr=0x4000_0000, s=1), k2(0, gpa=0x4000_2000), False),
    (C("IOTINVAL.GVMA", gv=1, gscid=4, addr=VA, nl=1, s=1), k2(1, leaf=False), False),
    (C("IOTINVAL.GVMA", gv=1, gscid=3, addr=0x4000_0000, s=1), Key("msipte", (3, 0x40001)), True),
    (C("IOTINVAL.GVMA", gv=1, gscid=3, addr=0x4000_0000, s=1), Key("msipte", (3, 0x40002)), False),
])
def test_covers_rows(cmd, key, want):
    assert covers(cmd, key) is want
    assert (why_not(cmd, key) == "") is want


def test_why_not_and_names():
    assert why_not(C(addr=VA), k1(1, leaf=False)) == "AV=1 with NL=0 spares non-leaf entries (NL=1 or AV=0 covers them)"
    assert why_not(C(addr=0x4000_0000, s=1), k1(0, va=0x4000_2000)) == (
        "the range 0x40000000+0x2000 (S=1 ADDR 0x40000000) is outside the page at 0x40002000")
    assert describe_cmd(C(addr=0x4000_1000, s=1, nl=1)) == (
        "IOTINVAL.VMA GV=0 PSCV=0 AV=1 ADDR=0x40001000 NL=1 S=1 (range 0x40000000+0x4000)")
    assert describe_cmd(C(addr=VA)) == "IOTINVAL.VMA GV=0 PSCV=0 AV=1 ADDR=0x40001000"
    # AV=0 ignores NL and S: equal scopes compare equal
    assert scope_of(Command("IOTINVAL.VMA", nl=1, s=1)) == scope_of(Command("IOTINVAL.VMA"))
    assert scope_of(C(addr=VA, nl=1)) != scope_of(C(addr=VA))
