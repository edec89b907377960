"""Svnapot and caches: what the oracle must permit for a PTE of a 64 KiB NAPOT range.

Privileged spec, Svnapot chapter: "Implicit reads of NAPOT page table entries may create
address-translation cache entries mapping a + j*PTESIZE to a copy of pte in which
pte.ppn[i][pte.napot_bits-1:0] is replaced by vpn[i][pte.napot_bits-1:0], for any or all j
such that j >> napot_bits = vpn[i] >> napot_bits", with the note "a 64 KiB NAPOT PTE might
trigger the creation of 16 standard 4 KiB TLB entries, all with contents generated from the
NAPOT PTE (even if the PTEs for the other 4 KiB regions have different contents)" and "it might
not consult the PTE directly specified by the algorithm ... at all". The IOMMU spec
(capabilities): "IOMMU implementations must support the Svnapot standard extension".

So reading one PTE of a NAPOT group may fill the cache entry of any other page of the group:
- a request for page j may translate through a sibling's NAPOT PTE although the PTE at j
  returns a bus error (the soak's seed 280: a leaf PTE behind an injected bus error, a
  64 KiB page whose other PTEs were read);
- or although the PTE at j holds something else;
- such an entry is tagged by page j: IOTINVAL.VMA AV=1 for page j removes it, one for the
  sibling's page does not (an IOMMU may keep 16 separate 4 KiB entries); so a changed NAPOT
  PTE needs every page of its group invalidated (the chapter's note: "SFENCE.VMA covering all
  4 KiB regions within the range").

Memory map (oracle_tables.py): DC of did 5 (1LVL), Sv39, PSCID 7, root 0x20000 -> level 1
0x21000 -> leaf table 0x22000. VA 0x4000_0000..0x4000_FFFF is one NAPOT group: VPN[0] 0..15,
PTEs at 0x22000..0x22078. Page 1 (VA 0x4000_1000) has its PTE at 0x22008, page 2 at 0x22010.
The NAPOT PTE: PPN 0x87658 (ppn[3:0] = 1000), so page j maps to 0x8765_0000 + j * 0x1000:
VA 0x4000_1234 -> PA 0x8765_1234 (PPN[3:0] replaced by VPN[0][3:0] = 1).
"""
import pytest

from oracle_tables import (L0, L1, LEAF, ROOT, V, WR, Sw, map4k, pte, req, res, settle,
                           sv39_dc, vma)
from scoreboards import CoherenceOracle

N = 1 << 63
NAPOT = N | (0x87658 << 10) | LEAF             # 64 KiB at 0x8765_0000
VA1, VA2 = 0x4000_1234, 0x4000_2234            # pages 1 and 2 of the group
PTE1, PTE2 = L0 + 8, L0 + 16
VIA_NAPOT = (0x8765_1234, None)                # page 1 through any NAPOT PTE of the group
ACCESS_FAULT_RD = (None, 5)                    # load access fault (first-stage PTE read)
PF_RD = (None, 13)


def build(policy="riscv-1.0-strict", fills=None, group=None, page1=NAPOT):
    """The 16 PTEs of the group (page 1's may differ), linked, the DC last, then a global
    invalidation: nothing from the set-up is left in any cache."""
    o = CoherenceOracle(policy=policy, fills=fills)
    sw = Sw(o)
    for j in range(16):
        sw.st(L0 + 8 * j, (group if group is not None else NAPOT) if j != 1 else page1)
    sw.st(L1, pte(L0, V))
    sw.st(ROOT + 8, pte(L1, V))
    sv39_dc(o, sw)
    settle(sw)
    assert o.advice() == []
    return o, sw


def page(o, va):
    return res(o.outcomes(req(iova=va)))


@pytest.mark.parametrize("policy, expect", [
    ("riscv-1.0-strict", {ACCESS_FAULT_RD, VIA_NAPOT}),
    ("no-cache", {ACCESS_FAULT_RD}),
])
def test_bus_error_pte_may_be_bypassed_by_a_sibling_entry(policy, expect):
    """Seed 280: the PTE of page 1 returns a bus error; any other PTE of the group may have
    been read (fills="any": at any time), filling page 1's entry."""
    o, sw = build(policy)
    o.mem.set_access_fault(PTE1, PTE1 + 8)
    assert page(o, VA1) == expect
    assert page(o, VA2) == {(0x8765_2234, None)}


def test_demand_fill_needs_a_read_of_a_sibling_and_is_tagged_by_page():
    o, sw = build(fills="demand")
    o.mem.set_access_fault(PTE1, PTE1 + 8)
    assert page(o, VA1) == {ACCESS_FAULT_RD}                # nothing read yet
    assert page(o, VA2) == {(0x8765_2234, None)}            # reads PTE2: NAPOT, may fill page 1
    assert page(o, VA1) == {ACCESS_FAULT_RD, VIA_NAPOT}
    sw.invalidate(vma(av=1, pscv=1, pscid=7, addr=0x4000_2000))     # page 2's entry only
    assert page(o, VA1) == {ACCESS_FAULT_RD, VIA_NAPOT}
    sw.invalidate(vma(av=1, pscv=1, pscid=7, addr=0x4000_1000))     # page 1's entry
    assert page(o, VA1) == {ACCESS_FAULT_RD}


@pytest.mark.parametrize("page1, own", [
    (pte(0x9999_9000, LEAF), (0x9999_9234, None)),        # an ordinary 4 KiB leaf elsewhere
    (0, PF_RD),                                          # V=0
])
def test_sibling_napot_entry_for_a_page_whose_pte_differs(page1, own):
    o, sw = build(page1=page1)
    assert page(o, VA1) == {own, VIA_NAPOT}
    o, sw = build("no-cache", page1=page1)
    assert page(o, VA1) == {own}


@pytest.mark.parametrize("group", [
    N | (0x87654 << 10) | LEAF,          # ppn[3:0] = 0100: a reserved encoding (page fault)
    NAPOT & ~V,                          # V=0: never cached under riscv-1.0-strict
    (0x87658 << 10) | LEAF,              # N=0: an ordinary 4 KiB leaf, maps only its own page
])
def test_only_valid_napot_siblings_fill_other_pages(group):
    o, sw = build(group=group, page1=0)
    assert page(o, VA1) == {PF_RD}


def test_changed_napot_pte_needs_every_page_of_its_group_invalidated():
    """Only page 2 holds a NAPOT PTE; page 1 is unmapped. Unmapping page 2 leaves the old value
    in a cache entry of page 1 until an invalidation covering page 1 completes."""
    o, sw = build(group=0, page1=0)
    sw.st(PTE2, NAPOT)
    sw.invalidate(vma(pscv=1, pscid=7))
    assert page(o, VA1) == {PF_RD, VIA_NAPOT}
    seq = sw.st(PTE2, 0)
    sw.invalidate(vma(av=1, pscv=1, pscid=7, addr=0x4000_2000))
    assert page(o, VA2) == {PF_RD}
    assert page(o, VA1) == {PF_RD, VIA_NAPOT}
    assert [f.store for f in o.advice()] == [seq]
    sw.invalidate(vma(av=1, pscv=1, pscid=7, addr=0x4000_1000))
    assert page(o, VA1) == {PF_RD}
    assert [f.store for f in o.advice()] == [seq]           # 13 more pages of the group
    sw.invalidate(*[vma(av=1, pscv=1, pscid=7, addr=0x4000_0000 + 0x1000 * j)
                    for j in range(16) if j not in (1, 2)])
    assert o.advice() == []


def test_plain_leaf_change_needs_only_its_own_page():
    """Without N nothing changes: a 4 KiB leaf's old value is held only under its own page."""
    o, sw = build(group=0, page1=0)
    map4k(sw, va=0x4000_2000, pa=0x8765_2000)
    sw.invalidate(vma(pscv=1, pscid=7))
    seq = sw.st(PTE2, 0)
    assert [f.store for f in o.advice()] == [seq]
    sw.invalidate(vma(av=1, pscv=1, pscid=7, addr=0x4000_2000))
    assert o.advice() == []
    assert page(o, VA1) == {PF_RD}


@pytest.mark.parametrize("fills", ["any", "demand"])
def test_cached_copy_of_an_entry_memory_no_longer_delivers(fills):
    """The mechanism the NAPOT case needs, on a plain 4 KiB leaf: a cache needs no memory read,
    so an entry read before its address started failing may still be used until an
    invalidation covering it completes; a fresh walk gets the access fault."""
    o, sw = build(group=0, page1=pte(0x9999_9000, LEAF))
    # read (and cacheable) while good; a write request, because the oracle memoizes a page's
    # outcomes per request type until a store, register write or completion, and injecting a
    # fault is none of these (the testbench injects before any request)
    assert res(o.outcomes(req(iova=VA1, ttyp=WR))) == {(0x9999_9234, None)}
    o.mem.set_access_fault(PTE1, PTE1 + 8)
    assert page(o, VA1) == {ACCESS_FAULT_RD, (0x9999_9234, None)}
    sw.invalidate(vma(av=1, pscv=1, pscid=7, addr=0x4000_1000))
    assert page(o, VA1) == {ACCESS_FAULT_RD}
