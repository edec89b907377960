"""Hardware A/D update (capabilities.AMO_HWAD = bit 24, DC.tc.GADE = bit 7, DC.tc.SADE = bit 8).

Spec: iommu_data_structures.adoc, "Translation control (tc)": GADE/SADE=1 makes the IOMMU
update A and D atomically in G-stage / first-stage PTEs; =0 gives a (guest-)page fault of the
original access type when A=0 or a store finds D=0; with AMO_HWAD=0 the bits are reserved
("Device-context configuration checks": DC misconfigured, cause 259). "IOMMU updating of PTE
accessed (A) and dirty (D) updates": the Privileged spec's rules (Svadu): A is set on any
access, D only for a store; the update of a first-stage PTE is a store whose G-stage
translation needs W (and, with GADE, sets the G-stage leaf's A and D); a guest-page fault of
that implicit store reports iotval2 = GPA | 0b11. Expected values below are worked by hand.
"""

import pytest

from models import TTYP
from tables import (A, CAPS, D, G_LEAF, R, SV39, SV39X4, TC_GADE, TC_SADE, TC_V, U, V, W, X,
                    atp, map_va, new, pte, res, setup_dc, tr)

AMO_HWAD = 1 << 24
CAPS_AD = CAPS | AMO_HWAD
UX, UR, UW = TTYP.UNTRANSLATED_EXEC, TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_WRITE
DID = 3

# First stage only: Sv39 at 0x20000; IOVA 0x4000_1234 has VPN[2]=1, VPN[1]=0, VPN[0]=1,
# so its PTEs are at 0x20008, 0x21000, 0x22008.
IOVA = 0x4000_1234
LEAF_PA = 0x22008
URW = V | R | W | U               # a user leaf with A=0, D=0
OLD = (0x9_8765_4 << 10) | URW    # PPN 0x987654 -> PA 0x9_8765_4000; = 0x261D95017
assert OLD == 0x2_61D9_5017


def first_stage(tc, caps=CAPS_AD, leaf=OLD):
    mem, iommu = new(caps)
    setup_dc(mem, iommu, DID, tc=tc, fsc=atp(SV39, 0x20000))
    assert map_va(mem, IOVA, leaf, [0x20000, 0x21000, 0x22000]) == LEAF_PA
    return mem, iommu


def test_capability_is_accepted_and_described():
    _, iommu = new(CAPS_AD)
    assert iommu.caps.amo_hwad


@pytest.mark.parametrize("ttyp,want", [
    (UR, OLD | A),                 # read: A only (0x2_61D9_5057)
    (UW, OLD | A | D),             # write: A and D (0x2_61D9_50D7)
])
def test_sade_sets_a_and_d_for_write(ttyp, want):
    mem, iommu = first_stage(TC_V | TC_SADE)
    assert res(tr(iommu, DID, IOVA, ttyp)) == (0x9_8765_4234, None)
    assert mem.read64(LEAF_PA) == want
    assert iommu.ad_writes == [(LEAF_PA, OLD, want)]


def test_sade_literal_values():
    # the same, as literals: A is bit 6 (0x40), D bit 7 (0x80)
    mem, iommu = first_stage(TC_V | TC_SADE)
    tr(iommu, DID, IOVA, UW)
    assert mem.read64(LEAF_PA) == 0x2_61D9_50D7


def test_read_never_sets_d():
    mem, iommu = first_stage(TC_V | TC_SADE, leaf=OLD | A)
    assert res(tr(iommu, DID, IOVA, UR)) == (0x9_8765_4234, None)
    assert mem.read64(LEAF_PA) == OLD | A
    assert iommu.ad_writes == []


def test_write_with_a_set_adds_only_d():
    mem, iommu = first_stage(TC_V | TC_SADE, leaf=OLD | A)
    tr(iommu, DID, IOVA, UW)
    assert iommu.ad_writes == [(LEAF_PA, OLD | A, OLD | A | D)]


def test_exec_sets_a():
    mem, iommu = first_stage(TC_V | TC_SADE, leaf=OLD | X)
    assert res(tr(iommu, DID, IOVA, UX)) == (0x9_8765_4234, None)
    assert mem.read64(LEAF_PA) == OLD | X | A


def test_no_update_when_a_and_d_already_set():
    mem, iommu = first_stage(TC_V | TC_SADE, leaf=OLD | A | D)
    tr(iommu, DID, IOVA, UW)
    assert iommu.ad_writes == []


def test_permission_fault_comes_first_and_writes_nothing():
    # a read-only leaf with A=0 and a write: page fault 15 (W checked before A/D), no update
    mem, iommu = first_stage(TC_V | TC_SADE, leaf=V | R | U | (0x987654 << 10))
    assert res(tr(iommu, DID, IOVA, UW)) == (None, 15)
    assert iommu.ad_writes == []
    assert mem.read64(LEAF_PA) == V | R | U | (0x987654 << 10)


@pytest.mark.parametrize("ttyp,cause", [(UR, 13), (UW, 15)])
def test_sade_zero_faults(ttyp, cause):
    mem, iommu = first_stage(TC_V)
    assert res(tr(iommu, DID, IOVA, ttyp)) == (None, cause)
    assert mem.read64(LEAF_PA) == OLD
    assert iommu.ad_writes == []


def test_sade_zero_write_with_d_zero_faults_read_passes():
    mem, iommu = first_stage(TC_V, leaf=OLD | A)
    assert res(tr(iommu, DID, IOVA, UR)) == (0x9_8765_4234, None)
    assert res(tr(iommu, DID, IOVA, UW)) == (None, 15)


@pytest.mark.parametrize("tc", [TC_V | TC_SADE, TC_V | TC_GADE])
def test_without_amo_hwad_sade_gade_are_reserved(tc):
    mem, iommu = first_stage(tc, caps=CAPS)
    assert res(tr(iommu, DID, IOVA, UR)) == (None, 259)
    assert mem.read64(LEAF_PA) == OLD


def test_walk_has_no_side_effect_but_lists_the_update():
    mem, iommu = first_stage(TC_V | TC_SADE)
    from models import Request
    r = iommu.walk(Request(did=DID, iova=IOVA, ttyp=UW))
    assert r.outcome.pa == 0x9_8765_4234
    assert r.ad_writes == ((LEAF_PA, OLD, OLD | A | D),)
    assert mem.read64(LEAF_PA) == OLD


def test_changed_pte_restarts_the_walk():
    # the compare-and-swap finds another value (another agent set A): the walk restarts
    # and reads the new value, which needs no update
    mem, iommu = first_stage(TC_V | TC_SADE)
    from models import Request
    seen = []

    def cas(pa, old, new):
        seen.append(pa)
        mem.write64(pa, old | A)           # the other agent's store, before ours
        return False

    r = iommu.walk(Request(did=DID, iova=IOVA, ttyp=UR), ad_cas=cas)
    assert r.outcome.pa == 0x9_8765_4234 and seen == [LEAF_PA] and r.ad_writes == ()


# ---- G-stage only: iohgatp Sv39x4 root 0x40000 (16 KiB), GPA 0x1_8020_1567:
# VPN[2]=6 (0x40030), VPN[1]=1 (0x44008), VPN[0]=1 (0x45008).
GPA = 0x1_8020_1567
G_PTE = 0x45008
G_OLD = (0x9_0000_3 << 10) | V | R | W | X | U      # A=0, D=0


def g_only(tc, leaf=G_OLD):
    mem, iommu = new(CAPS_AD)
    setup_dc(mem, iommu, DID, tc=tc, iohgatp=atp(SV39X4, 0x40000, 5))
    assert map_va(mem, GPA, leaf, [0x40000, 0x44000, 0x45000], x4=True) == G_PTE
    return mem, iommu


@pytest.mark.parametrize("ttyp,want", [(UR, G_OLD | A), (UW, G_OLD | A | D)])
def test_gade_updates_g_stage_leaf(ttyp, want):
    mem, iommu = g_only(TC_V | TC_GADE)
    assert res(tr(iommu, DID, GPA, ttyp)) == (0x9_0000_3567, None)
    assert iommu.ad_writes == [(G_PTE, G_OLD, want)]


@pytest.mark.parametrize("ttyp,cause", [(UR, 21), (UW, 23)])
def test_gade_zero_guest_page_fault(ttyp, cause):
    mem, iommu = g_only(TC_V)
    out = tr(iommu, DID, GPA, ttyp)
    assert res(out) == (None, cause)
    assert out.iotval2 == 0x1_8020_1564          # GPA[63:2] << 2, not implicit
    assert iommu.ad_writes == []


def test_sade_does_not_update_g_stage():
    mem, iommu = g_only(TC_V | TC_SADE)
    assert res(tr(iommu, DID, GPA, UR)) == (None, 21)


# ---- two stages: first stage Sv39 at GPA 0x20000, G-stage maps GPA g -> SPA 0x1_0000_0000+g.
# VA 0x20_2030_1567: first-stage PTE GPAs 0x20400, 0x21808, 0x22808; the G-stage leaves of the
# pages 0x20000, 0x21000, 0x22000, 0x30000 are at 0x45100, 0x45108, 0x45110, 0x45180.
SPA = 0x1_0000_0000
VA = 0x20_2030_1567
GL = {0x20000: 0x45100, 0x21000: 0x45108, 0x22000: 0x45110, 0x30000: 0x45180}
S1_LEAF_SPA = SPA + 0x22808
S1_OLD = pte(0x30000, V | R | W | U)             # A=0, D=0


def two_stage(tc, g_flags=None):
    mem, iommu = new(CAPS_AD)
    setup_dc(mem, iommu, DID, tc=tc, iohgatp=atp(SV39X4, 0x40000, 7), fsc=atp(SV39, 0x20000))
    for g in GL:
        flags = (g_flags or {}).get(g, G_LEAF)
        map_va(mem, g, pte(SPA + g, flags), [0x40000, 0x44000, 0x45000], x4=True)
    map_va(mem, VA, S1_OLD, [SPA + 0x20000, SPA + 0x21000, SPA + 0x22000], ptrs=[0x21000, 0x22000])
    return mem, iommu


def test_two_stage_sade_only():
    mem, iommu = two_stage(TC_V | TC_SADE)
    assert res(tr(iommu, DID, VA, UW)) == (0x1_0003_0567, None)
    assert iommu.ad_writes == [(S1_LEAF_SPA, S1_OLD, S1_OLD | A | D)]


def test_two_stage_update_is_an_implicit_store_setting_g_stage_d():
    # the G-stage leaf of the leaf-table page has A=1, D=0: the implicit read needs only A,
    # the implicit store of the A/D update needs D: GADE sets it before the first-stage write
    gl0 = pte(SPA + 0x22000, V | R | W | X | U | A)
    mem, iommu = two_stage(TC_V | TC_SADE | TC_GADE, {0x22000: V | R | W | X | U | A})
    assert res(tr(iommu, DID, VA, UR)) == (0x1_0003_0567, None)
    assert iommu.ad_writes == [(0x45110, gl0, gl0 | D), (S1_LEAF_SPA, S1_OLD, S1_OLD | A)]


def test_two_stage_implicit_store_with_gade_zero_is_a_guest_page_fault():
    mem, iommu = two_stage(TC_V | TC_SADE, {0x22000: V | R | W | X | U | A})
    out = tr(iommu, DID, VA, UR)
    assert res(out) == (None, 21)                # original access type: read
    assert out.iotval2 == 0x22808 | 3            # implicit (bit 0) and a write (bit 1)
    assert iommu.ad_writes == [] and mem.read64(S1_LEAF_SPA) == S1_OLD


def test_two_stage_implicit_store_needs_g_stage_w():
    mem, iommu = two_stage(TC_V | TC_SADE | TC_GADE, {0x22000: V | R | X | U | A | D})
    out = tr(iommu, DID, VA, UW)
    assert res(out) == (None, 23)
    assert out.iotval2 == 0x2280B


def test_two_stage_implicit_read_sets_g_stage_a():
    # G-stage leaf of the root-table page with A=0: the implicit load sets A only
    gl = pte(SPA + 0x20000, V | R | W | X | U)
    mem, iommu = two_stage(TC_V | TC_GADE, {0x20000: V | R | W | X | U})
    mem.write64(S1_LEAF_SPA, S1_OLD | A | D)
    assert res(tr(iommu, DID, VA, UR)) == (0x1_0003_0567, None)
    assert iommu.ad_writes == [(0x45100, gl, gl | A)]


def test_two_stage_first_stage_update_stays_when_final_g_stage_faults():
    # choice recorded in docs/design.md: the first-stage update is made before the G-stage
    # walk of the final GPA (Privileged two-stage order); that walk then faults (GADE=0, A=0)
    mem, iommu = two_stage(TC_V | TC_SADE, {0x30000: V | R | W | X | U})
    out = tr(iommu, DID, VA, UR)
    assert res(out) == (None, 21) and out.iotval2 == 0x30564
    assert iommu.ad_writes == [(S1_LEAF_SPA, S1_OLD, S1_OLD | A)]
