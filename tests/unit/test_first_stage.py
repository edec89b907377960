"""First-stage translation (iosatp in the DC, G-stage Bare): Sv39 / Sv48 / Sv57 walks,
superpages, Svnapot and every PTE check.

Spec: iommu_data_structures.adoc "Process to translate an IOVA" step 17 (the Privileged spec's
"Virtual address translation process"), Svnapot chapter; cause codes 1/5/7, 12/13/15, 274.
All requests here carry no process_id, so they are User requests.
"""

import pytest

from models import TTYP
from tables import (A, CAPS, CAP_SV57, D, G, LEAF_URW, LEAF_URWX, N, R, SV39, SV48, SV57, U, V,
                    W, X, atp, map_va, new, pte, res, setup_dc, tr)

UX, UR, UW = TTYP.UNTRANSLATED_EXEC, TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_WRITE
PF = {UX: 12, UR: 13, UW: 15}
AF = {UX: 1, UR: 5, UW: 7}
ALL = [UX, UR, UW]

DID = 1
ROOT, L1, L0 = 0x20000, 0x21000, 0x22000
# VA used throughout (bit 38 = 0, canonical for Sv39):
# VPN[2] = 0x80, VPN[1] = 0x101, VPN[0] = 0x101, offset 0x567
VA = 0x20_2030_1567
# Sv39 PTE addresses of VA: 0x20000 + 0x80*8, 0x21000 + 0x101*8, 0x22000 + 0x101*8
PTE2, PTE1, PTE0 = 0x20400, 0x21808, 0x22808


def sv39(mem, iommu, mode=SV39):
    setup_dc(mem, iommu, DID, fsc=atp(mode, ROOT))


def map4k(mem, leaf):
    return map_va(mem, VA, leaf, [ROOT, L1, L0])


# -------------------------------------------------------------------------------- page sizes
@pytest.mark.parametrize("ttyp", ALL)
def test_sv39_4k(env, ttyp):
    mem, iommu = env
    sv39(mem, iommu)
    assert map4k(mem, pte(0x8_0000_5000, LEAF_URWX)) == PTE0
    assert res(tr(iommu, DID, VA, ttyp)) == (0x8_0000_5567, None)


def test_sv39_4k_literal_layout(env):
    mem, iommu = env
    sv39(mem, iommu)
    mem.write64(PTE2, (0x21 << 10) | V)
    mem.write64(PTE1, (0x22 << 10) | V)
    mem.write64(PTE0, (0x8_0000_5 << 10) | LEAF_URW)      # PPN 0x80005
    assert res(tr(iommu, DID, VA)) == (0x8_0000_5567, None)
    assert res(tr(iommu, DID, VA + 0xA98)) == (0x8_0000_5FFF, None)   # same page, last byte
    assert res(tr(iommu, DID, VA + 0xA99)) == (None, 13)              # next page: PTE 0 empty


def test_sv39_2m(env):
    mem, iommu = env
    sv39(mem, iommu)
    assert map_va(mem, VA, pte(0x8_0040_0000, LEAF_URW), [ROOT, L1]) == PTE1
    # 0x8_0040_0000 + (VA & 0x1F_FFFF = 0x10_1567)
    assert res(tr(iommu, DID, VA)) == (0x8_0050_1567, None)
    assert res(tr(iommu, DID, VA, UW)) == (0x8_0050_1567, None)


def test_sv39_1g(env):
    mem, iommu = env
    sv39(mem, iommu)
    assert map_va(mem, VA, pte(0x8_4000_0000, LEAF_URW), [ROOT]) == PTE2
    # 0x8_4000_0000 + (VA & 0x3FFF_FFFF = 0x2030_1567)
    assert res(tr(iommu, DID, VA)) == (0x8_6030_1567, None)


def test_sv39_high_half(env):
    mem, iommu = env
    sv39(mem, iommu)
    va = 0xFFFF_FFC0_0000_1567                            # VPN[2] = 0x100, VPN[1] = 0, VPN[0] = 1
    mem.write64(0x20800, (0x21 << 10) | V)
    mem.write64(0x21000, (0x22 << 10) | V)
    mem.write64(0x22008, (0x9_0000_0 << 10) | LEAF_URW)
    assert res(tr(iommu, DID, va)) == (0x9_0000_0567, None)


def test_sv48_4k(env):
    mem, iommu = env
    sv39(mem, iommu, SV48)
    # Sv48: VPN[3] of VA is 0 -> root entry 0x20000, then the Sv39 indices one level lower
    map_va(mem, VA, pte(0x8_0000_5000, LEAF_URW), [ROOT, L1, L0, 0x23000], levels=4)
    assert mem.read64(0x20000) == (0x21 << 10) | V
    assert res(tr(iommu, DID, VA)) == (0x8_0000_5567, None)


def test_sv48_2m_1g_512g(env):
    mem, iommu = env
    sv39(mem, iommu, SV48)
    map_va(mem, VA, pte(0x8_0040_0000, LEAF_URW), [ROOT, L1, L0], levels=4)
    assert res(tr(iommu, DID, VA)) == (0x8_0050_1567, None)
    map_va(mem, VA, pte(0x8_4000_0000, LEAF_URW), [ROOT, L1], levels=4)
    assert res(tr(iommu, DID, VA)) == (0x8_6030_1567, None)
    map_va(mem, VA, pte(0x800_0000_0000, LEAF_URW), [ROOT], levels=4)
    # 512 GiB page: 0x800_0000_0000 + (VA & (2^39 - 1) = 0x20_2030_1567)
    assert res(tr(iommu, DID, VA)) == (0x820_2030_1567, None)


def test_sv48_high_half(env):
    mem, iommu = env
    sv39(mem, iommu, SV48)
    va = 0xFFFF_8000_0000_2567                            # VPN[3] = 0x100, VPN[0] = 2
    mem.write64(0x20800, (0x21 << 10) | V)
    mem.write64(0x21000, (0x22 << 10) | V)
    mem.write64(0x22000, (0x23 << 10) | V)
    mem.write64(0x23010, (0xA_0000_0 << 10) | LEAF_URW)
    assert res(tr(iommu, DID, va)) == (0xA_0000_0567, None)


def test_sv48_512g_misaligned(env):
    mem, iommu = env
    sv39(mem, iommu, SV48)
    mem.write64(ROOT, pte(0x800_4000_0000, LEAF_URW))     # PPN bits below 2^39 not zero
    assert res(tr(iommu, DID, VA)) == (None, 13)


def test_sv57_4k_and_canonical():
    mem, iommu = new(CAPS | CAP_SV57)
    va = 0x0001_0000_0000_0567                            # VPN[4] = 1, everything else 0
    setup_dc(mem, iommu, DID, fsc=atp(SV57, ROOT))
    mem.write64(0x20008, (0x21 << 10) | V)
    mem.write64(0x21000, (0x22 << 10) | V)
    mem.write64(0x22000, (0x23 << 10) | V)
    mem.write64(0x23000, (0x24 << 10) | V)
    mem.write64(0x24000, (0x8_0000_5 << 10) | LEAF_URW)
    assert res(tr(iommu, DID, va)) == (0x8_0000_5567, None)
    # the same VA is not canonical for Sv48 (bit 48 set, bit 47 clear)
    setup_dc(mem, iommu, DID, fsc=atp(SV48, ROOT))
    assert res(tr(iommu, DID, va)) == (None, 13)
    setup_dc(mem, iommu, DID, fsc=atp(SV57, ROOT))
    assert res(tr(iommu, DID, 0x0100_0000_0000_0000)) == (None, 13)   # bit 56 set, 63:57 clear
    assert res(tr(iommu, DID, 0x0200_0000_0000_0000, UW)) == (None, 15)


def test_sv57_256t_page():
    mem, iommu = new(CAPS | CAP_SV57)
    setup_dc(mem, iommu, DID, fsc=atp(SV57, ROOT))
    va = 0x0001_2345_6789_A567                            # VPN[4] = 1
    mem.write64(0x20008, pte(0x1_0000_0000_0000, LEAF_URW))   # 256 TiB leaf at level 4
    assert res(tr(iommu, DID, va)) == (0x1_2345_6789_A567, None)


# ------------------------------------------------------------------------------------ Svnapot
def test_napot_64k(env):
    mem, iommu = env
    sv39(mem, iommu)
    map4k(mem, 0)
    leaf = N | (0x8_0001_8 << 10) | LEAF_URW              # PPN 0x80018: ppn[3:0] = 1000
    for i in range(16):                                   # VPN[0] 0x100..0x10F all identical
        mem.write64(0x22800 + 8 * i, leaf)
    # PA = (0x80018 & ~0xF | VA[15:12] = 1) << 12 | 0x567
    assert res(tr(iommu, DID, VA)) == (0x8_0001_1567, None)
    assert res(tr(iommu, DID, VA + 0x3000)) == (0x8_0001_4567, None)   # VA[15:12] = 4
    assert res(tr(iommu, DID, VA - 0x1000, UW)) == (0x8_0001_0567, None)
    assert res(tr(iommu, DID, VA + 0xEA98)) == (0x8_0001_FFFF, None)   # last byte of the page


@pytest.mark.parametrize("low", [0x0, 0x4, 0x9, 0xC, 0xF])
@pytest.mark.parametrize("ttyp", ALL)
def test_napot_bad_ppn(env, low, ttyp):
    mem, iommu = env
    sv39(mem, iommu)
    map4k(mem, N | ((0x8_0001_0 | low) << 10) | LEAF_URWX)
    assert res(tr(iommu, DID, VA, ttyp)) == (None, PF[ttyp])


@pytest.mark.parametrize("ttyp", ALL)
def test_napot_on_superpage(env, ttyp):
    mem, iommu = env
    sv39(mem, iommu)
    map_va(mem, VA, N | pte(0x8_0040_0000, LEAF_URWX) | (0x8 << 10), [ROOT, L1])
    assert res(tr(iommu, DID, VA, ttyp)) == (None, PF[ttyp])


@pytest.mark.parametrize("ttyp", ALL)
def test_napot_on_nonleaf(env, ttyp):
    mem, iommu = env
    sv39(mem, iommu)
    map4k(mem, pte(0x8_0000_5000, LEAF_URWX))
    mem.write64(PTE1, mem.read64(PTE1) | N)
    assert res(tr(iommu, DID, VA, ttyp)) == (None, PF[ttyp])


# ------------------------------------------------------------------------------- leaf checks
LEAF_FAULTS = {
    "v0": pte(0x8_0000_5000, LEAF_URWX & ~V),
    "w_no_r": pte(0x8_0000_5000, V | W | U | A | D),
    "wx_no_r": pte(0x8_0000_5000, V | W | X | U | A | D),
    "rsvd54": pte(0x8_0000_5000, LEAF_URWX) | (1 << 54),
    "rsvd57": pte(0x8_0000_5000, LEAF_URWX) | (1 << 57),
    "rsvd59": pte(0x8_0000_5000, LEAF_URWX) | (1 << 59),
    "rsvd60": pte(0x8_0000_5000, LEAF_URWX) | (1 << 60),
    "pbmt1": pte(0x8_0000_5000, LEAF_URWX) | (1 << 61),
    "pbmt2": pte(0x8_0000_5000, LEAF_URWX) | (2 << 61),
    "pbmt3": pte(0x8_0000_5000, LEAF_URWX) | (3 << 61),
    "not_user": pte(0x8_0000_5000, LEAF_URWX & ~U),
    "a0": pte(0x8_0000_5000, LEAF_URWX & ~A),
}


@pytest.mark.parametrize("kind", sorted(LEAF_FAULTS))
@pytest.mark.parametrize("ttyp", ALL)
def test_leaf_page_fault(env, kind, ttyp):
    mem, iommu = env
    sv39(mem, iommu)
    map4k(mem, LEAF_FAULTS[kind])
    assert res(tr(iommu, DID, VA, ttyp)) == (None, PF[ttyp])


@pytest.mark.parametrize("kind", ["v0", "w_no_r", "rsvd54", "pbmt1", "not_user", "a0"])
@pytest.mark.parametrize("ttyp", ALL)
def test_superpage_leaf_page_fault(env, kind, ttyp):
    mem, iommu = env
    sv39(mem, iommu)
    leaf = LEAF_FAULTS[kind] - (0x8_0000_5 << 10) + (0x8_0040_0 << 10)   # 2 MiB aligned
    map_va(mem, VA, leaf, [ROOT, L1])
    assert res(tr(iommu, DID, VA, ttyp)) == (None, PF[ttyp])


def test_v0_ignores_other_bits(env):
    mem, iommu = env
    sv39(mem, iommu)
    map4k(mem, (0xFFFF_FFFF_FFFF_FFFF) & ~V)
    assert res(tr(iommu, DID, VA)) == (None, 13)


def test_rsw_global_bits_ignored(env):
    mem, iommu = env
    sv39(mem, iommu)
    map4k(mem, pte(0x8_0000_5000, LEAF_URW | G | (3 << 8)))
    mem.write64(PTE2, mem.read64(PTE2) | G | (3 << 8))
    assert res(tr(iommu, DID, VA)) == (0x8_0000_5567, None)


@pytest.mark.parametrize("ttyp,flags,cause", [
    (UR, V | X | U | A | D, 13),          # execute-only page: no MXR, reads fault
    (UW, V | X | U | A | D, 15),
    (UX, V | X | U | A | D, None),
    (UR, V | R | U | A, None),            # read-only, D=0 fine for reads
    (UW, V | R | U | A | D, 15),          # write to read-only
    (UX, V | R | U | A | D, 12),          # no X
    (UX, V | R | W | U | A | D, 12),
    (UR, V | R | W | U | A, None),        # D=0, read
    (UW, V | R | W | U | A, 15),          # D=0, write
    (UX, V | R | X | U | A, None),        # D=0, execute
    (UW, V | R | W | U | A | D, None),
    (UR, V | R | X | U | A | D, None),
])
def test_permissions(env, ttyp, flags, cause):
    mem, iommu = env
    sv39(mem, iommu)
    map4k(mem, pte(0x8_0000_5000, flags))
    expected = (None, cause) if cause else (0x8_0000_5567, None)
    assert res(tr(iommu, DID, VA, ttyp)) == expected


# ---------------------------------------------------------------------------- non-leaf checks
@pytest.mark.parametrize("bits", [A, D, U, A | D, N, 1 << 61, 1 << 54])
@pytest.mark.parametrize("where", [PTE2, PTE1])
@pytest.mark.parametrize("ttyp", ALL)
def test_nonleaf_reserved(env, bits, where, ttyp):
    mem, iommu = env
    sv39(mem, iommu)
    map4k(mem, pte(0x8_0000_5000, LEAF_URWX))
    mem.write64(where, mem.read64(where) | bits)
    assert res(tr(iommu, DID, VA, ttyp)) == (None, PF[ttyp])


@pytest.mark.parametrize("where", [PTE2, PTE1])
@pytest.mark.parametrize("ttyp", ALL)
def test_nonleaf_not_valid(env, where, ttyp):
    mem, iommu = env
    sv39(mem, iommu)
    map4k(mem, pte(0x8_0000_5000, LEAF_URWX))
    mem.write64(where, mem.read64(where) & ~V)
    assert res(tr(iommu, DID, VA, ttyp)) == (None, PF[ttyp])


@pytest.mark.parametrize("ttyp", ALL)
def test_nonleaf_w_without_r(env, ttyp):
    mem, iommu = env
    sv39(mem, iommu)
    map4k(mem, pte(0x8_0000_5000, LEAF_URWX))
    mem.write64(PTE1, mem.read64(PTE1) | W)               # xwr = 010: reserved
    assert res(tr(iommu, DID, VA, ttyp)) == (None, PF[ttyp])


@pytest.mark.parametrize("ttyp", ALL)
def test_walk_runs_out_of_levels(env, ttyp):
    mem, iommu = env
    sv39(mem, iommu)
    map4k(mem, pte(0x23000, V))                           # level-0 entry is a pointer
    mem.write64(0x23000 + 0x101 * 8, pte(0x8_0000_5000, LEAF_URWX))
    assert res(tr(iommu, DID, VA, ttyp)) == (None, PF[ttyp])


@pytest.mark.parametrize("leaf,tables", [
    (pte(0x8_0040_1000, LEAF_URWX), [ROOT, L1]),           # 2 MiB with ppn[0] != 0
    (pte(0x8_0060_0000 | 0x1F_F000, LEAF_URWX), [ROOT, L1]),
    (pte(0x8_4000_1000, LEAF_URWX), [ROOT]),               # 1 GiB with ppn[0] != 0
    (pte(0x8_4020_0000, LEAF_URWX), [ROOT]),               # 1 GiB with ppn[1] != 0
])
@pytest.mark.parametrize("ttyp", ALL)
def test_misaligned_superpage(env, leaf, tables, ttyp):
    mem, iommu = env
    sv39(mem, iommu)
    map_va(mem, VA, leaf, tables)
    assert res(tr(iommu, DID, VA, ttyp)) == (None, PF[ttyp])


# ------------------------------------------------------------------------------- canonical IOVA
@pytest.mark.parametrize("va", [0x40_2030_1567, 0x80_0000_0000, 0x1000_0000_0000_0000,
                                0xFFFF_FF80_0000_1000,
                                0x8000_0040_0000_0000])
@pytest.mark.parametrize("ttyp", ALL)
def test_sv39_non_canonical(env, va, ttyp):
    mem, iommu = env
    sv39(mem, iommu)
    mem.write64(ROOT, pte(0, LEAF_URWX))                   # valid 1 GiB leaves at VPN[2] 0, 0x100
    mem.write64(ROOT + 0x100 * 8, pte(0, LEAF_URWX))
    assert res(tr(iommu, DID, va, ttyp)) == (None, PF[ttyp])


@pytest.mark.parametrize("va", [0x8000_0000_0000, 0xFFFF_0000_0000_0000, 0x0001_0000_0000_0000])
def test_sv48_non_canonical(env, va):
    mem, iommu = env
    sv39(mem, iommu, SV48)
    mem.write64(ROOT, pte(0, LEAF_URWX))
    mem.write64(ROOT + 0x100 * 8, pte(0, LEAF_URWX))
    assert res(tr(iommu, DID, va)) == (None, 13)
    assert res(tr(iommu, DID, va, UW)) == (None, 15)


# ------------------------------------------------------------------------ PTE access and poison
@pytest.mark.parametrize("where", [PTE2, PTE1, PTE0])
@pytest.mark.parametrize("ttyp", ALL)
def test_pte_access_fault(env, where, ttyp):
    mem, iommu = env
    sv39(mem, iommu)
    map4k(mem, pte(0x8_0000_5000, LEAF_URWX))
    mem.set_access_fault(where, where + 8)
    assert res(tr(iommu, DID, VA, ttyp)) == (None, AF[ttyp])


@pytest.mark.parametrize("where", [PTE2, PTE1, PTE0])
@pytest.mark.parametrize("ttyp", ALL)
def test_pte_poison(env, where, ttyp):
    mem, iommu = env
    sv39(mem, iommu)
    map4k(mem, pte(0x8_0000_5000, LEAF_URWX))
    mem.set_poison(where, where + 8)
    assert res(tr(iommu, DID, VA, ttyp)) == (None, 274)


def test_access_fault_on_final_page_not_checked(env):
    # the IOMMU translates; the data access itself is not its business
    mem, iommu = env
    sv39(mem, iommu)
    map4k(mem, pte(0x8_0000_5000, LEAF_URWX))
    mem.set_access_fault(0x8_0000_5000, 0x8_0000_6000)
    assert res(tr(iommu, DID, VA)) == (0x8_0000_5567, None)


def test_no_fault_in_unrelated_region(env):
    mem, iommu = env
    sv39(mem, iommu)
    map4k(mem, pte(0x8_0000_5000, LEAF_URWX))
    mem.set_access_fault(0x22000, 0x22808)                  # up to, not including, PTE0
    mem.set_poison(0x22810, 0x23000)
    assert res(tr(iommu, DID, VA)) == (0x8_0000_5567, None)


def test_iotval2_zero_on_first_stage_fault(env):
    mem, iommu = env
    sv39(mem, iommu)
    out = tr(iommu, DID, VA)
    assert res(out) == (None, 13)
    assert out.iotval2 == 0


def test_translation_reads_current_memory(env):
    mem, iommu = env
    sv39(mem, iommu)
    map4k(mem, pte(0x8_0000_5000, LEAF_URWX))
    assert res(tr(iommu, DID, VA)) == (0x8_0000_5567, None)
    map4k(mem, pte(0x8_0000_7000, LEAF_URWX))
    assert res(tr(iommu, DID, VA)) == (0x8_0000_7567, None)


def test_translation_does_not_update_a_d(env):
    mem, iommu = env
    sv39(mem, iommu)
    map4k(mem, pte(0x8_0000_5000, V | R | W | U | A))
    assert res(tr(iommu, DID, VA)) == (0x8_0000_5567, None)
    assert res(tr(iommu, DID, VA, UW)) == (None, 15)
    assert mem.read64(PTE0) == pte(0x8_0000_5000, V | R | W | U | A)
    mem.write64(PTE0, pte(0x8_0000_5000, V | R | W | U))
    assert res(tr(iommu, DID, VA)) == (None, 13)
    assert mem.read64(PTE0) == pte(0x8_0000_5000, V | R | W | U)


# Sv48 walk of VA: VPN[3] = 0, VPN[2] = 0x80, VPN[1] = 0x101, VPN[0] = 0x101
SV48_PTES = [0x20000, 0x21400, 0x22808, 0x23808]


@pytest.mark.parametrize("level", [3, 2, 1, 0])
@pytest.mark.parametrize("ttyp", ALL)
def test_sv48_fault_at_each_level(env, level, ttyp):
    mem, iommu = env
    sv39(mem, iommu, SV48)
    assert map_va(mem, VA, pte(0x8_0000_5000, LEAF_URWX), [ROOT, L1, L0, 0x23000],
                  levels=4) == SV48_PTES[3]
    where = SV48_PTES[3 - level]
    mem.set_access_fault(where, where + 8)
    assert res(tr(iommu, DID, VA, ttyp)) == (None, AF[ttyp])
    mem.clear_faults()
    mem.write64(where, mem.read64(where) & ~V)
    assert res(tr(iommu, DID, VA, ttyp)) == (None, PF[ttyp])


# Sv57 walk of 0x0001_0000_0000_0567: VPN[4] = 1, all lower VPNs 0
SV57_VA = 0x0001_0000_0000_0567
SV57_PTES = [0x20008, 0x21000, 0x22000, 0x23000, 0x24000]


@pytest.mark.parametrize("level", [4, 3, 2, 1, 0])
def test_sv57_fault_at_each_level(level):
    mem, iommu = new(CAPS | CAP_SV57)
    setup_dc(mem, iommu, DID, fsc=atp(SV57, ROOT))
    assert map_va(mem, SV57_VA, pte(0x8_0000_5000, LEAF_URWX),
                  [ROOT, 0x21000, 0x22000, 0x23000, 0x24000], levels=5) == SV57_PTES[4]
    assert res(tr(iommu, DID, SV57_VA, UW)) == (0x8_0000_5567, None)
    where = SV57_PTES[4 - level]
    mem.set_poison(where, where + 8)
    assert res(tr(iommu, DID, SV57_VA, UW)) == (None, 274)
    mem.clear_faults()
    mem.write64(where, mem.read64(where) | (1 << 58))       # reserved bit
    assert res(tr(iommu, DID, SV57_VA, UW)) == (None, 15)
