"""G-stage translation (iohgatp Sv39x4 / Sv48x4 / Sv57x4) alone and the full two-stage walk.

Spec: iommu_data_structures.adoc "Process to translate an IOVA" steps 17 and 19, the Privileged
spec's two-stage translation (16 KiB G-stage root, GPA width checks, G-stage U=1, implicit
accesses of first-stage PTE reads reported with the original access type), fault record
iotval2 (iommu_in_memory_queues.adoc "Fault/Event-Queue": bits 63:2 of the GPA, bit 0 = implicit).
"""

import pytest

from models import TTYP
from tables import (A, CAPS, CAP_SV57, CAP_SV57X4, D, G_LEAF, LEAF_URWX, N, R, SV39, SV39X4,
                    SV48X4, SV57X4, U, V, W, X, atp, map_va, new, pte, res, setup_dc, tr)

UX, UR, UW = TTYP.UNTRANSLATED_EXEC, TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_WRITE
PF = {UX: 12, UR: 13, UW: 15}
GPF = {UX: 20, UR: 21, UW: 23}
AF = {UX: 1, UR: 5, UW: 7}
ALL = [UX, UR, UW]

DID = 2
GROOT, GL1, GL0 = 0x40000, 0x44000, 0x45000

# G-stage-only GPA: VPN[2] = 6, VPN[1] = 1, VPN[0] = 1
GPA = 0x1_8020_1567
# its G-stage PTEs: 0x40000 + 6*8, 0x44000 + 1*8, 0x45000 + 1*8
GPTE2, GPTE1, GPTE0 = 0x40030, 0x44008, 0x45008


def gstage(mem, iommu, mode=SV39X4, fsc=0):
    setup_dc(mem, iommu, DID, iohgatp=atp(mode, GROOT, 0x5), fsc=fsc)


def gmap4k(mem, leaf, gpa=GPA, mode=SV39X4):
    levels = {SV39X4: 3, SV48X4: 4}[mode]
    tables = [GROOT, GL1, GL0] + ([0x46000] if levels == 4 else [])
    return map_va(mem, gpa, leaf, tables, levels=levels, x4=True)


def gpf(out, cause, iotval2):
    assert res(out) == (None, cause)
    assert out.iotval2 == iotval2


# =========================================================================== G-stage only
@pytest.mark.parametrize("ttyp", ALL)
def test_sv39x4_4k(env, ttyp):
    mem, iommu = env
    gstage(mem, iommu)
    assert gmap4k(mem, pte(0x9_0000_3000, G_LEAF)) == GPTE0
    assert mem.read64(GPTE2) == (0x44 << 10) | V
    assert res(tr(iommu, DID, GPA, ttyp)) == (0x9_0000_3567, None)


def test_sv39x4_root_is_16k(env):
    mem, iommu = env
    gstage(mem, iommu)
    # GPA bit 40 set: VPN[2] = 0x400 -> root entry at 0x40000 + 0x400*8 = 0x42000
    mem.write64(0x42000, pte(0x9_4000_0000, G_LEAF))       # 1 GiB leaf
    assert res(tr(iommu, DID, 0x100_0000_1567)) == (0x9_4000_1567, None)
    # highest GPA: VPN[2] = 0x7FF -> last root entry 0x43FF8
    mem.write64(0x43FF8, pte(0xA_0000_0000, G_LEAF))
    assert res(tr(iommu, DID, 0x1FF_FFFF_FFFF)) == (0xA_3FFF_FFFF, None)


def test_sv39x4_2m(env):
    mem, iommu = env
    gstage(mem, iommu)
    map_va(mem, GPA, pte(0x9_0020_0000, G_LEAF), [GROOT, GL1], x4=True)
    # 0x9_0020_0000 + (GPA & 0x1F_FFFF = 0x1567)
    assert res(tr(iommu, DID, GPA, UW)) == (0x9_0020_1567, None)


@pytest.mark.parametrize("gpa", [0x200_0000_1567, 0x8000_0000_0000_0567, 0x3FF_FFFF_FFFF])
@pytest.mark.parametrize("ttyp", ALL)
def test_sv39x4_gpa_too_wide(env, gpa, ttyp):
    mem, iommu = env
    gstage(mem, iommu)
    for i in range(0x800):                                  # every root entry: a valid leaf
        mem.write64(GROOT + 8 * i, pte(i << 30, G_LEAF))
    gpf(tr(iommu, DID, gpa, ttyp), GPF[ttyp], gpa & ~3)


def test_sv48x4(env):
    mem, iommu = env
    gstage(mem, iommu, SV48X4)
    gmap4k(mem, pte(0x9_0000_3000, G_LEAF), mode=SV48X4)
    assert res(tr(iommu, DID, GPA)) == (0x9_0000_3567, None)
    # GPA bit 49: VPN[3] = 0x400 -> 0x42000; 512 GiB leaf
    mem.write64(0x42000, pte(0x800_0000_0000, G_LEAF))
    assert res(tr(iommu, DID, 0x2_0000_0000_1567)) == (0x800_0000_1567, None)
    gpf(tr(iommu, DID, 0x4_0000_0000_1567), 21, 0x4_0000_0000_1564)   # bit 50: too wide
    gpf(tr(iommu, DID, 0x4_0000_0000_1567, UW), 23, 0x4_0000_0000_1564)


def test_sv57x4():
    mem, iommu = new(CAPS | CAP_SV57 | CAP_SV57X4)
    setup_dc(mem, iommu, DID, iohgatp=atp(SV57X4, GROOT))
    # GPA bit 58: VPN[4] = 0x400 -> 0x42000; 256 TiB leaf
    mem.write64(0x42000, pte(0x1_0000_0000_0000, G_LEAF))
    assert res(tr(iommu, DID, 0x400_0000_0000_1567)) == (0x1_0000_0000_1567, None)
    gpf(tr(iommu, DID, 0x800_0000_0000_1567), 21, 0x800_0000_0000_1564)   # bit 59


@pytest.mark.parametrize("ttyp", ALL)
def test_gstage_requires_u(env, ttyp):
    mem, iommu = env
    gstage(mem, iommu)
    gmap4k(mem, pte(0x9_0000_3000, G_LEAF & ~U))
    gpf(tr(iommu, DID, GPA, ttyp), GPF[ttyp], 0x1_8020_1564)


G_LEAF_FAULTS = {
    "v0": pte(0x9_0000_3000, G_LEAF & ~V),
    "w_no_r": pte(0x9_0000_3000, V | W | X | U | A | D),
    "rsvd": pte(0x9_0000_3000, G_LEAF) | (1 << 55),
    "pbmt": pte(0x9_0000_3000, G_LEAF) | (1 << 62),
    "a0": pte(0x9_0000_3000, G_LEAF & ~A),
    "napot_bad": N | pte(0x9_0000_3000, G_LEAF),            # ppn[3:0] = 0011
}


@pytest.mark.parametrize("kind", sorted(G_LEAF_FAULTS))
@pytest.mark.parametrize("ttyp", ALL)
def test_gstage_leaf_faults(env, kind, ttyp):
    mem, iommu = env
    gstage(mem, iommu)
    gmap4k(mem, G_LEAF_FAULTS[kind])
    gpf(tr(iommu, DID, GPA, ttyp), GPF[ttyp], 0x1_8020_1564)


@pytest.mark.parametrize("ttyp,flags,cause", [
    (UW, V | R | U | A | D, 23),          # read-only
    (UW, V | R | W | U | A, 23),          # D=0 on a write
    (UR, V | R | W | U | A, None),        # D=0, read
    (UX, V | R | W | U | A | D, 20),      # no X
    (UR, V | X | U | A | D, 21),          # execute-only
    (UX, V | X | U | A, None),
])
def test_gstage_permissions(env, ttyp, flags, cause):
    mem, iommu = env
    gstage(mem, iommu)
    gmap4k(mem, pte(0x9_0000_3000, flags))
    out = tr(iommu, DID, GPA, ttyp)
    if cause is None:
        assert res(out) == (0x9_0000_3567, None)
    else:
        gpf(out, cause, 0x1_8020_1564)


@pytest.mark.parametrize("bits", [A, D, U, N])
@pytest.mark.parametrize("where", [GPTE2, GPTE1])
def test_gstage_nonleaf_reserved(env, bits, where):
    mem, iommu = env
    gstage(mem, iommu)
    gmap4k(mem, pte(0x9_0000_3000, G_LEAF))
    mem.write64(where, mem.read64(where) | bits)
    gpf(tr(iommu, DID, GPA), 21, 0x1_8020_1564)


def test_gstage_misaligned_superpage(env):
    mem, iommu = env
    gstage(mem, iommu)
    map_va(mem, GPA, pte(0x9_0020_1000, G_LEAF), [GROOT, GL1], x4=True)
    gpf(tr(iommu, DID, GPA, UW), 23, 0x1_8020_1564)


def test_gstage_napot(env):
    mem, iommu = env
    gstage(mem, iommu)
    leaf = N | (0x9_0001_8 << 10) | G_LEAF                  # 64 KiB at SPA 0x9_0001_0000
    gmap4k(mem, 0)
    for i in range(16):                                     # GPA VPN[0] 0x000..0x00F
        mem.write64(GL0 + 8 * i, leaf)
    assert res(tr(iommu, DID, GPA)) == (0x9_0001_1567, None)       # GPA[15:12] = 1
    assert res(tr(iommu, DID, GPA + 0x5000)) == (0x9_0001_6567, None)


@pytest.mark.parametrize("where", [GPTE2, GPTE1, GPTE0])
@pytest.mark.parametrize("ttyp", ALL)
def test_gstage_pte_access_fault(env, where, ttyp):
    mem, iommu = env
    gstage(mem, iommu)
    gmap4k(mem, pte(0x9_0000_3000, G_LEAF))
    mem.set_access_fault(where, where + 8)
    assert res(tr(iommu, DID, GPA, ttyp)) == (None, AF[ttyp])


@pytest.mark.parametrize("where", [GPTE2, GPTE0])
def test_gstage_pte_poison(env, where):
    mem, iommu = env
    gstage(mem, iommu)
    gmap4k(mem, pte(0x9_0000_3000, G_LEAF))
    mem.set_poison(where, where + 8)
    assert res(tr(iommu, DID, GPA, UW)) == (None, 274)


def test_success_has_no_iotval2(env):
    mem, iommu = env
    gstage(mem, iommu)
    gmap4k(mem, pte(0x9_0000_3000, G_LEAF))
    out = tr(iommu, DID, GPA)
    assert res(out) == (0x9_0000_3567, None)
    assert out.iotval2 == 0


# =========================================================================== two-stage
# G-stage maps GPA g -> SPA 0x1_0000_0000 + g for the 4 KiB pages used below.
# GPA pages < 2 MiB: G walk uses root entry 0 (0x40000), L1 entry 0 (0x44000), L0 entry g>>12.
SPA = 0x1_0000_0000
S1ROOT, S1L1, S1L0, DATA = 0x20000, 0x21000, 0x22000, 0x30000     # GPAs
VA = 0x20_2030_1567
# first-stage PTE GPAs of VA: 0x20000 + 0x80*8, 0x21000 + 0x101*8, 0x22000 + 0x101*8
S1PTE2, S1PTE1, S1PTE0 = 0x20400, 0x21808, 0x22808
# G-stage leaf PTEs of those pages: 0x45000 + (g >> 12)*8
GL_ROOT, GL_L1, GL_L0, GL_DATA = 0x45100, 0x45108, 0x45110, 0x45180


def two_stage(mem, iommu, data_leaf_flags=LEAF_URWX):
    setup_dc(mem, iommu, DID, iohgatp=atp(SV39X4, GROOT, 0x77), fsc=atp(SV39, S1ROOT))
    for g in (S1ROOT, S1L1, S1L0, DATA):
        map_va(mem, g, pte(SPA + g, G_LEAF), [GROOT, GL1, GL0], x4=True)
    # first-stage tables written at their SPAs, pointers are GPAs
    map_va(mem, VA, pte(DATA, data_leaf_flags), [SPA + S1ROOT, SPA + S1L1, SPA + S1L0],
           ptrs=[S1L1, S1L0])


@pytest.mark.parametrize("ttyp", ALL)
def test_two_stage_4k(env, ttyp):
    mem, iommu = env
    two_stage(mem, iommu)
    assert mem.read64(0x1_0002_0400) == (0x21 << 10) | V
    assert mem.read64(GL_L1) == pte(0x1_0002_1000, G_LEAF)
    assert res(tr(iommu, DID, VA, ttyp)) == (0x1_0003_0567, None)


def test_two_stage_superpages(env):
    mem, iommu = env
    setup_dc(mem, iommu, DID, iohgatp=atp(SV39X4, GROOT), fsc=atp(SV39, S1ROOT))
    # G-stage: GPA 0..1 GiB -> SPA 0x1_0000_0000 with one 1 GiB leaf; GPA 1..2 GiB via 2 MiB
    mem.write64(GROOT, pte(SPA, G_LEAF))
    mem.write64(GROOT + 8, pte(GL1, V))
    mem.write64(GL1 + 3 * 8, pte(0x2_0060_0000, G_LEAF))    # GPA 0x4060_0000 -> 0x2_0060_0000
    # first stage: VA's 2 MiB page -> GPA 0x4060_0000 (VPN[1] of GPA = 3)
    mem.write64(SPA + 0x20400, pte(0x21000, V))
    mem.write64(SPA + 0x21808, pte(0x4060_0000, LEAF_URWX))
    # VA & 0x1F_FFFF = 0x10_1567 -> GPA 0x4070_1567 -> SPA 0x2_0070_1567
    assert res(tr(iommu, DID, VA)) == (0x2_0070_1567, None)


@pytest.mark.parametrize("gl,s1pte", [(GL_ROOT, 0x20400), (GL_L1, 0x21808), (GL_L0, 0x22808)])
@pytest.mark.parametrize("ttyp", ALL)
def test_two_stage_implicit_gpf_not_valid(env, gl, s1pte, ttyp):
    mem, iommu = env
    two_stage(mem, iommu)
    mem.write64(gl, mem.read64(gl) & ~V)
    # original access type, iotval2 = GPA of the first-stage PTE | 1 (implicit)
    gpf(tr(iommu, DID, VA, ttyp), GPF[ttyp], s1pte | 1)


@pytest.mark.parametrize("flags", [V | X | U | A | D,        # no R
                                   V | R | W | X | A | D,    # no U
                                   V | R | W | X | U | D])   # A=0
@pytest.mark.parametrize("ttyp", ALL)
def test_two_stage_implicit_gpf_permission(env, flags, ttyp):
    mem, iommu = env
    two_stage(mem, iommu)
    mem.write64(GL_L1, pte(SPA + S1L1, flags))
    gpf(tr(iommu, DID, VA, ttyp), GPF[ttyp], 0x21809)


@pytest.mark.parametrize("ttyp", ALL)
def test_two_stage_implicit_read_needs_only_r_and_a(env, ttyp):
    mem, iommu = env
    two_stage(mem, iommu)
    for gl, g in ((GL_ROOT, S1ROOT), (GL_L1, S1L1), (GL_L0, S1L0)):
        mem.write64(gl, pte(SPA + g, V | R | U | A))       # read-only, D=0, no X
    assert res(tr(iommu, DID, VA, ttyp)) == (0x1_0003_0567, None)


@pytest.mark.parametrize("ttyp,flags", [(UW, V | R | U | A | D), (UX, V | R | W | U | A | D),
                                        (UR, V | W | U | A | D), (UR, V | R | W | X | A | D),
                                        (UW, V | R | W | U | A)])
def test_two_stage_final_gpf(env, ttyp, flags):
    mem, iommu = env
    two_stage(mem, iommu)
    mem.write64(GL_DATA, pte(SPA + DATA, flags))
    # final GPA 0x30567 with bits 1:0 cleared, bit 0 = 0 (not implicit)
    gpf(tr(iommu, DID, VA, ttyp), GPF[ttyp], 0x30564)


@pytest.mark.parametrize("ttyp", ALL)
def test_two_stage_final_gpa_too_wide(env, ttyp):
    mem, iommu = env
    two_stage(mem, iommu)
    mem.write64(SPA + S1PTE0, pte(0x200_0000_0000, LEAF_URWX))
    gpf(tr(iommu, DID, VA, ttyp), GPF[ttyp], 0x200_0000_0564)


def test_two_stage_root_gpa_too_wide(env):
    mem, iommu = env
    two_stage(mem, iommu)
    setup_dc(mem, iommu, DID, iohgatp=atp(SV39X4, GROOT, 0x77),
             fsc=atp(SV39, 0x400_0000_0000))
    # root PTE GPA = 0x400_0000_0000 + 0x80*8
    gpf(tr(iommu, DID, VA), 21, 0x400_0000_0401)


@pytest.mark.parametrize("ttyp", ALL)
def test_two_stage_first_stage_page_fault(env, ttyp):
    mem, iommu = env
    two_stage(mem, iommu, data_leaf_flags=V | R | W | X | A | D)   # U=0
    out = tr(iommu, DID, VA, ttyp)
    assert res(out) == (None, PF[ttyp])
    assert out.iotval2 == 0


def test_two_stage_first_stage_before_final_gstage(env):
    mem, iommu = env
    two_stage(mem, iommu, data_leaf_flags=V | R | U | A | D)
    mem.write64(GL_DATA, 0)                               # final G-stage would fault too
    assert res(tr(iommu, DID, VA, UW)) == (None, 15)


@pytest.mark.parametrize("where", [GPTE2 - 0x30, 0x44000, GL_L1])
@pytest.mark.parametrize("ttyp", ALL)
def test_two_stage_access_fault_gstage_pte_of_implicit(env, where, ttyp):
    mem, iommu = env
    two_stage(mem, iommu)
    mem.set_access_fault(where, where + 8)
    assert res(tr(iommu, DID, VA, ttyp)) == (None, AF[ttyp])


@pytest.mark.parametrize("where", [0x1_0002_0400, 0x1_0002_1808, 0x1_0002_2808])
@pytest.mark.parametrize("ttyp", ALL)
def test_two_stage_access_fault_first_stage_pte(env, where, ttyp):
    mem, iommu = env
    two_stage(mem, iommu)
    mem.set_access_fault(where, where + 8)
    assert res(tr(iommu, DID, VA, ttyp)) == (None, AF[ttyp])


@pytest.mark.parametrize("where", [0x1_0002_1808, GL_L1, GL_DATA])
def test_two_stage_poison(env, where):
    mem, iommu = env
    two_stage(mem, iommu)
    mem.set_poison(where, where + 8)
    assert res(tr(iommu, DID, VA)) == (None, 274)


def test_two_stage_first_stage_bare_gscid_ignored(env):
    mem, iommu = env
    setup_dc(mem, iommu, DID, iohgatp=atp(SV48X4, GROOT, 0xFFFF))
    map_va(mem, GPA, pte(0x9_0000_3000, G_LEAF), [GROOT, GL1, GL0, 0x46000], levels=4, x4=True)
    assert res(tr(iommu, DID, GPA)) == (0x9_0000_3567, None)


# Sv48x4 walk of GPA 0x1_8020_1567: VPN[3] = 0 (root), VPN[2] = 6, VPN[1] = 1, VPN[0] = 1
SV48X4_PTES = [0x40000, 0x44030, 0x45008, 0x46008]


@pytest.mark.parametrize("level", [3, 2, 1, 0])
@pytest.mark.parametrize("ttyp", ALL)
def test_sv48x4_fault_at_each_level(env, level, ttyp):
    mem, iommu = env
    gstage(mem, iommu, SV48X4)
    assert gmap4k(mem, pte(0x9_0000_3000, G_LEAF), mode=SV48X4) == SV48X4_PTES[3]
    where = SV48X4_PTES[3 - level]
    mem.set_access_fault(where, where + 8)
    assert res(tr(iommu, DID, GPA, ttyp)) == (None, AF[ttyp])
    mem.clear_faults()
    mem.write64(where, mem.read64(where) & ~V)
    gpf(tr(iommu, DID, GPA, ttyp), GPF[ttyp], 0x1_8020_1564)


@pytest.mark.parametrize("level", [2, 1])
def test_sv39x4_superpage_levels(env, level):
    mem, iommu = env
    gstage(mem, iommu)
    leaf = {2: pte(0x9_4000_0000, G_LEAF), 1: pte(0x9_0020_0000, G_LEAF)}[level]
    map_va(mem, GPA, leaf, [GROOT, GL1][:3 - level], x4=True)
    # 1 GiB: 0x9_4000_0000 + (GPA & 0x3FFF_FFFF = 0x20_1567); 2 MiB: + (GPA & 0x1F_FFFF = 0x1567)
    want = {2: 0x9_4020_1567, 1: 0x9_0020_1567}[level]
    assert res(tr(iommu, DID, GPA, UX)) == (want, None)


def test_two_stage_implicit_access_uses_wide_root_index(env):
    mem, iommu = env
    # first-stage root at GPA 0x100_0002_0000 (bit 40): G root index 0x400 -> entry 0x42000
    setup_dc(mem, iommu, DID, iohgatp=atp(SV39X4, GROOT, 1), fsc=atp(SV39, 0x100_0002_0000))
    mem.write64(0x42000, pte(0x5_0000_0000, G_LEAF))         # GPA 0x100_0000_0000 + 1 GiB
    mem.write64(GROOT + 8, pte(0x3_0000_0000, G_LEAF))       # GPA 0x4000_0000 + 1 GiB
    mem.write64(0x5_0002_0400, pte(0x4000_0000, LEAF_URWX))  # S1 root entry VPN[2] = 0x80
    # VA -> GPA 0x4000_0000 + 0x2030_1567 -> SPA 0x3_2030_1567
    assert res(tr(iommu, DID, VA)) == (0x3_2030_1567, None)
    mem.write64(0x42000, 0)
    gpf(tr(iommu, DID, VA), 21, 0x100_0002_0401)             # implicit: root PTE GPA | 1
