"""Svpbmt: the capability bit, where PBMT (PTE bits 62:61) is legal, and the memory type a
translation carries.

Spec, worked by hand from the text:
- IOMMU spec, capabilities register: bit 15 Svpbmt "Page-based memory types".
- Privileged spec, "Svpbmt" chapter: PBMT in bits 62-61 of a *leaf* PTE of Sv39/48/57
  (0 PMA, 1 NC, 2 IO, 3 reserved: a page fault); in a non-leaf PTE the bits are reserved
  (page fault if set); Svpbmt depends on Sv39. Without Svpbmt the bits are reserved like
  bits 60:54 (page fault).
- Two stages: "if hgatp.MODE is not equal to zero, non-zero G-stage PTE PBMT bits override
  the attributes in the PMA to produce an intermediate set of attributes. Otherwise, the PMAs
  serve as the intermediate attributes. Second, if vsatp.MODE is not equal to zero, non-zero
  VS-stage PTE PBMT bits override the intermediate attributes". In the IOMMU, iohgatp plays
  hgatp and the first-stage iosatp/fsc plays vsatp (IOMMU spec, "Process to translate an
  IOVA", steps 17 and 19, which defer to the Privileged two-stage process).
- A fault in the G-stage walk is a guest-page fault (21 read, 23 write, 20 exec), in the first
  stage a page fault (13, 15, 12).

Expected values below are literals worked out from that text, not printed by the model.
"""
import pytest

from models import IommuModel, Memory, Outcome, TTYP
from models.capabilities import describe
from scoreboards import CoherenceOracle
from tables import (A, CAPS, D, G_LEAF, LEAF_URWX, R, SV39, SV39X4, U, V, W, X, atp, map_va,
                    new, pte, res, setup_dc, tr)
import oracle_tables as ot

SVPBMT = 1 << 15
CAPS_PBMT = CAPS | SVPBMT
PMA, NC, IO, RSVD = 0, 1, 2, 3
UX, UR, UW = TTYP.UNTRANSLATED_EXEC, TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_WRITE
PF = {UX: 12, UR: 13, UW: 15}
GPF = {UX: 20, UR: 21, UW: 23}


def pbmt(value):
    return value << 61


DID = 2
# ---- first stage only (iohgatp Bare): VA 0x20_2030_1567 -> PA 0x7_7777_7567
S1ROOT, S1L1, S1L0 = 0x20000, 0x21000, 0x22000
VA = 0x20_2030_1567
PA_PAGE = 0x7_7777_7000


def first_stage(caps, leaf_pbmt, nonleaf_pbmt=(0, 0)):
    mem, iommu = new(caps)
    setup_dc(mem, iommu, DID, fsc=atp(SV39, S1ROOT))
    map_va(mem, VA, pte(PA_PAGE, LEAF_URWX) | pbmt(leaf_pbmt), [S1ROOT, S1L1, S1L0])
    # non-leaf PTEs: root entry 0x80 at 0x20400, level-1 entry 0x101 at 0x21808
    mem.write64(0x20400, pte(S1L1, V) | pbmt(nonleaf_pbmt[0]))
    mem.write64(0x21808, pte(S1L0, V) | pbmt(nonleaf_pbmt[1]))
    return iommu


# ---- capabilities -----------------------------------------------------------------------------
def test_capability_bit_15_is_accepted_and_named():
    iommu = IommuModel(Memory(), capabilities=CAPS_PBMT)
    assert iommu.caps.svpbmt
    assert "Svpbmt" in describe(CAPS_PBMT)
    assert not IommuModel(Memory()).caps.svpbmt       # default: the RTL's default build, off


def test_svpbmt_without_sv39_is_a_one_line_error():
    with pytest.raises(ValueError) as e:
        IommuModel(Memory(), capabilities=(CAPS_PBMT & ~(1 << 9 | 1 << 10)))
    assert "Svpbmt needs Sv39" in str(e.value) and "\n" not in str(e.value)


# ---- first stage ------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [PMA, NC, IO])
def test_first_stage_leaf_pbmt_is_the_memory_type(value):
    out = tr(first_stage(CAPS_PBMT, value), DID, VA)
    assert res(out) == (0x7_7777_7567, None)
    assert out.pbmt == value


@pytest.mark.parametrize("ttyp", [UX, UR, UW])
def test_first_stage_leaf_pbmt_3_is_a_page_fault(ttyp):
    out = tr(first_stage(CAPS_PBMT, RSVD), DID, VA, ttyp)
    assert res(out) == (None, PF[ttyp]) and out.pbmt == 0


@pytest.mark.parametrize("value", [NC, IO, RSVD])
@pytest.mark.parametrize("ttyp", [UR, UW])
def test_first_stage_pbmt_without_capability_is_a_page_fault(value, ttyp):
    assert res(tr(first_stage(CAPS, value), DID, VA, ttyp)) == (None, PF[ttyp])


def test_first_stage_pbmt_0_without_capability_translates():
    out = tr(first_stage(CAPS, PMA), DID, VA)
    assert res(out) == (0x7_7777_7567, None) and out.pbmt == 0


@pytest.mark.parametrize("where", [(NC, 0), (0, NC), (IO, 0), (0, IO), (RSVD, 0)])
def test_first_stage_nonleaf_pbmt_is_a_page_fault_even_with_the_capability(where):
    assert res(tr(first_stage(CAPS_PBMT, PMA, where), DID, VA)) == (None, 13)


def test_first_stage_superpage_leaf_carries_pbmt():
    mem, iommu = new(CAPS_PBMT)
    setup_dc(mem, iommu, DID, fsc=atp(SV39, S1ROOT))
    # a 2 MiB leaf at level 1 (entry 0x101 of S1L1): VA offset in the 2 MiB page 0x10_1567
    map_va(mem, VA, pte(0x8_0000_0000, LEAF_URWX) | pbmt(IO), [S1ROOT, S1L1])
    out = tr(iommu, DID, VA)
    assert res(out) == (0x8_0010_1567, None) and out.pbmt == IO


# ---- G-stage only (first stage Bare) ----------------------------------------------------------
GROOT, GL1, GL0 = 0x40000, 0x44000, 0x45000
GPA = 0x1_8020_1567                       # G-stage PTEs: 0x40030, 0x44008, 0x45008


def g_only(caps, leaf_pbmt, nonleaf=0):
    mem, iommu = new(caps)
    setup_dc(mem, iommu, DID, iohgatp=atp(SV39X4, GROOT, 5))
    map_va(mem, GPA, pte(0x9_0000_3000, G_LEAF) | pbmt(leaf_pbmt), [GROOT, GL1, GL0], x4=True)
    mem.write64(0x44008, pte(GL0, V) | pbmt(nonleaf))
    return iommu


@pytest.mark.parametrize("value", [PMA, NC, IO])
def test_g_stage_leaf_pbmt_is_the_memory_type_under_a_bare_first_stage(value):
    out = tr(g_only(CAPS_PBMT, value), DID, GPA)
    assert res(out) == (0x9_0000_3567, None) and out.pbmt == value


@pytest.mark.parametrize("ttyp", [UX, UR, UW])
def test_g_stage_leaf_pbmt_3_is_a_guest_page_fault(ttyp):
    out = tr(g_only(CAPS_PBMT, RSVD), DID, GPA, ttyp)
    assert res(out) == (None, GPF[ttyp])
    assert out.iotval2 == 0x1_8020_1564            # the GPA, bits 1:0 cleared, not implicit


@pytest.mark.parametrize("value", [NC, IO])
def test_g_stage_pbmt_without_capability_is_a_guest_page_fault(value):
    assert res(tr(g_only(CAPS, value), DID, GPA, UW)) == (None, 23)


@pytest.mark.parametrize("value", [NC, IO])
def test_g_stage_nonleaf_pbmt_is_a_guest_page_fault(value):
    assert res(tr(g_only(CAPS_PBMT, PMA, nonleaf=value), DID, GPA)) == (None, 21)


# ---- two stages: the combination table ------------------------------------------------------
# G-stage maps GPA g -> SPA 0x1_0000_0000 + g; first stage VA -> GPA 0x30567.
SPA = 0x1_0000_0000
T_ROOT, T_L1, T_L0, DATA = 0x20000, 0x21000, 0x22000, 0x30000     # GPAs


def two_stage(caps, fs_pbmt, g_pbmt, table_g_pbmt=PMA):
    mem, iommu = new(caps)
    setup_dc(mem, iommu, DID, iohgatp=atp(SV39X4, GROOT, 0x77), fsc=atp(SV39, T_ROOT))
    for g in (T_ROOT, T_L1, T_L0):
        map_va(mem, g, pte(SPA + g, G_LEAF) | pbmt(table_g_pbmt), [GROOT, GL1, GL0], x4=True)
    map_va(mem, DATA, pte(SPA + DATA, G_LEAF) | pbmt(g_pbmt), [GROOT, GL1, GL0], x4=True)
    map_va(mem, VA, pte(DATA, LEAF_URWX) | pbmt(fs_pbmt), [SPA + T_ROOT, SPA + T_L1, SPA + T_L0],
           ptrs=[T_L1, T_L0])
    return iommu


# (first-stage PBMT, G-stage PBMT) -> memory type: a non-zero first-stage PBMT wins, else the
# G-stage's applies, else PMA.
TABLE = [
    (PMA, PMA, PMA), (PMA, NC, NC), (PMA, IO, IO),
    (NC, PMA, NC), (NC, NC, NC), (NC, IO, NC),
    (IO, PMA, IO), (IO, NC, IO), (IO, IO, IO),
]


@pytest.mark.parametrize("fs,g,want", TABLE)
def test_two_stage_combination(fs, g, want):
    out = tr(two_stage(CAPS_PBMT, fs, g), DID, VA)
    assert res(out) == (0x1_0003_0567, None)
    assert out.pbmt == want


def test_g_stage_pbmt_of_the_page_table_pages_does_not_reach_the_result():
    # The G-stage leaves that translate the first-stage table pages (implicit reads) say IO;
    # the data page's G-stage leaf and the first stage say PMA: the access is PMA.
    out = tr(two_stage(CAPS_PBMT, PMA, PMA, table_g_pbmt=IO), DID, VA)
    assert res(out) == (0x1_0003_0567, None) and out.pbmt == PMA


def test_two_stage_reserved_first_stage_pbmt_is_a_page_fault():
    assert res(tr(two_stage(CAPS_PBMT, RSVD, NC), DID, VA, UW)) == (None, 15)


def test_two_stage_reserved_g_stage_pbmt_is_a_guest_page_fault():
    out = tr(two_stage(CAPS_PBMT, NC, RSVD), DID, VA)
    assert res(out) == (None, 21) and out.iotval2 == 0x30564


def test_two_stage_reserved_pbmt_on_a_table_page_g_leaf_is_an_implicit_guest_page_fault():
    # the G-stage leaf of the first-stage root page (GPA 0x20000) has PBMT=3: the implicit
    # read of the root PTE (GPA 0x20400) faults, iotval2 = 0x20400 | 1 (implicit)
    out = tr(two_stage(CAPS_PBMT, PMA, PMA, table_g_pbmt=RSVD), DID, VA)
    assert res(out) == (None, 21) and out.iotval2 == 0x20401


def test_two_stage_pbmt_without_capability():
    assert res(tr(two_stage(CAPS, NC, PMA), DID, VA)) == (None, 13)
    assert res(tr(two_stage(CAPS, PMA, IO), DID, VA)) == (None, 21)


# ---- Bare ---------------------------------------------------------------------------------------
def test_both_stages_bare_is_pma():
    mem, iommu = new(CAPS_PBMT)
    setup_dc(mem, iommu, DID)
    out = tr(iommu, DID, 0x1234_5678)
    assert res(out) == (0x1234_5678, None) and out.pbmt == PMA


def test_ddtp_bare_is_pma():
    mem, iommu = new(CAPS_PBMT)
    iommu.write_reg(0x10, 1)                        # ddtp.iommu_mode = Bare
    out = tr(iommu, DID, 0x1234_5678)
    assert res(out) == (0x1234_5678, None) and out.pbmt == PMA


# ---- Outcome ------------------------------------------------------------------------------------
def test_outcome_compares_the_memory_type_and_names_it():
    assert Outcome(0x1000, None) == Outcome(0x1000, None, 0, None, 0)
    assert Outcome(0x1000, None, pbmt=NC) != Outcome(0x1000, None)
    assert Outcome(0x1000, None, 5, 0x2000) == Outcome(0x1000, None)     # positional, as before
    assert str(Outcome(0x1000, None)) == "pa:0x1000"
    assert str(Outcome(0x1000, None, pbmt=NC)) == "pa:0x1000/NC"
    assert str(Outcome(0x1000, None, pbmt=IO)) == "pa:0x1000/IO"


# ---- oracle: the memory type is part of what may be stale --------------------------------------
def oracle_with_page(policy, value):
    o = CoherenceOracle(policy=policy, capabilities=CAPS_PBMT)
    sw = ot.Sw(o)
    ot.sv39_dc(o, sw)
    leaf = ot.map4k(sw, flags=ot.LEAF | pbmt(value))
    ot.settle(sw)
    return o, sw, leaf


def test_oracle_memo_keeps_the_memory_type_at_another_page_offset():
    o, _, _ = oracle_with_page("riscv-1.0-strict", NC)
    first = o.outcomes(ot.req(iova=ot.VA))
    again = o.outcomes(ot.req(iova=ot.VA + 0x234))         # same page: from the memo
    assert first == {Outcome(ot.OLD_PA, None, pbmt=NC)}
    assert again == {Outcome(ot.OLD_PA + 0x234, None, pbmt=NC)}
    assert o.check(ot.req(iova=ot.VA + 0x8), Outcome(ot.OLD_PA + 8, None, pbmt=NC)).ok
    assert not o.check(ot.req(iova=ot.VA + 0x8), Outcome(ot.OLD_PA + 8, None)).ok


def test_oracle_permits_the_old_memory_type_until_the_invalidation_completes():
    o, sw, leaf = oracle_with_page("riscv-1.0-strict", NC)
    sw.st(leaf, pte(ot.OLD_PA, ot.LEAF | pbmt(IO)))        # remap NC -> IO, same page
    both = {Outcome(ot.OLD_PA, None, pbmt=NC), Outcome(ot.OLD_PA, None, pbmt=IO)}
    assert o.outcomes(ot.req()) == both
    v = o.check(ot.req(), Outcome(ot.OLD_PA, None, pbmt=NC))
    assert v.ok and "stale=" in v.message
    sw.invalidate(ot.vma(av=1, addr=ot.VA))
    assert o.outcomes(ot.req()) == {Outcome(ot.OLD_PA, None, pbmt=IO)}
    v = o.check(ot.req(), Outcome(ot.OLD_PA, None, pbmt=NC))
    assert not v.ok and "pa:0x87654000/IO" in v.message and "got=pa:0x87654000/NC" in v.message


def test_no_cache_policy_permits_only_the_new_memory_type():
    o, sw, leaf = oracle_with_page("no-cache", PMA)
    sw.st(leaf, pte(ot.OLD_PA, ot.LEAF | pbmt(NC)))
    assert o.outcomes(ot.req()) == {Outcome(ot.OLD_PA, None, pbmt=NC)}


def test_oracle_refuses_a_cached_pte_with_a_reserved_pbmt_as_erroneous():
    # strict policy caches erroneous values; the point here: PBMT=3 is erroneous (a page
    # fault), and a remap from it to NC keeps the fault permitted until invalidated
    o, sw, leaf = oracle_with_page("riscv-1.0-strict", RSVD)
    assert {(x.pa, x.cause) for x in o.outcomes(ot.req())} == {(None, 13)}
    sw.st(leaf, pte(ot.OLD_PA, ot.LEAF | pbmt(NC)))
    got = {(x.pa, None if x.cause is None else int(x.cause), x.pbmt) for x in o.outcomes(ot.req())}
    assert got == {(None, 13, 0), (ot.OLD_PA, None, NC)}


# ---- MSI flat translation (a decision, docs/design.md "Svpbmt"): the MSI PTE carries no PBMT,
# so it gives PMA as a Bare-less second stage would with PBMT 0; a first stage's NC still wins.
def test_msi_translation_is_pma_and_the_first_stage_pbmt_overrides_it():
    from tables import CAP_MSI_FLAT
    mem, iommu = new(CAPS_PBMT | CAP_MSI_FLAT)
    msipt = 0x70000
    # G-stage-only DC: GPA 0x2800_2ABC is an MSI (pattern 0x28000, mask 0b11, I = 2)
    setup_dc(mem, iommu, DID, ext=True, iohgatp=atp(SV39X4, GROOT, 1),
             msiptp=atp(1, msipt), mask=0x3, pattern=0x28000)
    mem.write64(msipt + 0x20, pte(0x9_1234_5000, V | 3 << 1))
    out = tr(iommu, DID, 0x2800_2ABC)
    assert res(out) == (0x9_1234_5ABC, None) and out.pbmt == PMA
    # with a first stage (at SPAs below GPA 1 GiB: the G-stage maps them 1:1 with a 1 GiB leaf)
    # whose leaf maps VA 0x20_2030_1000 -> GPA 0x2800_2000 with NC
    mem.write64(GROOT, pte(0, G_LEAF))
    setup_dc(mem, iommu, DID, ext=True, iohgatp=atp(SV39X4, GROOT, 1), fsc=atp(SV39, S1ROOT),
             msiptp=atp(1, msipt), mask=0x3, pattern=0x28000)
    map_va(mem, VA, pte(0x2800_2000, LEAF_URWX) | pbmt(NC), [S1ROOT, S1L1, S1L0])
    out = tr(iommu, DID, VA)
    assert res(out) == (0x9_1234_5567, None) and out.pbmt == NC
