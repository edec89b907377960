"""Sv32 (first stage, DC.tc.SXL=1) and Sv32x4 (G-stage, fctl.GXL=1).

Spec, worked by hand from the text:
- IOMMU spec, capabilities: bit 8 Sv32 "Page-based 32-bit virtual addressing", bit 16 Sv32x4
  "Page-based 34-bit virtual addressing for second-stage address translation".
- fctl.GXL (bit 2, WARL) "Controls the address-translation schemes that may be used for
  guest physical addresses"; iohgatp.MODE with GXL=1: 0 Bare, 8 Sv32x4, others reserved.
  iosatp.MODE with DC.tc.SXL=1: 0 Bare, 8 Sv32, others reserved.
- fctl: "If software enables or disables a feature when the IOMMU is not OFF ... the IOMMU
  behavior is UNSPECIFIED" (the model keeps the old value: docs/design.md).
- DC checks (cause 259): SXL=1 with Sv32 unsupported and iosatp.MODE=Sv32; GXL=1 with Sv32x4
  unsupported and iohgatp.MODE=Sv32x4; "If fctl.GXL is 1, then DC.tc.SXL must be 1. If fctl.GXL
  is 0 and is writable, then DC.tc.SXL may be 0 or 1. If fctl.GXL is 0 and is not writable then
  DC.tc.SXL must be 0."; reserved encodings. PC check (267): SXL=1 and PC.fsc.MODE not Sv32/Bare.
- DC.tc.SXL=1: "If the first-stage is not Bare, then a page fault ... occurs if the IOVA has
  bits beyond bit 31 set to 1. If the second-stage is not Bare, then a guest page fault ...
  occurs if the incoming GPA has bits beyond bit 33 set to 1."
- Privileged spec, Sv32: VA = VPN[1] [31:22] | VPN[0] [21:12] | offset; 4-byte PTE = PPN[1]
  [31:20] | PPN[0] [19:10] | RSW | DAGUXWRV; 34-bit PA; a level-1 leaf is a 4 MiB megapage whose
  PPN[0] must be 0 (else a page fault). Sv32x4: VPN[1] is GPA[33:22] (12 bits, 16 KiB root).
Expected values are literals worked out from that text, not printed by the model.
"""
import pytest

from models import Reg, TTYP
from tables import (CAPS, G_LEAF, LVL1, TC_PDTV, TC_SADE, TC_SXL, TC_V, PC_V, PD8, SV39X4,
                    atp, new, pte, res, setup_dc, tr)

SV32_CAP, SV32X4_CAP, AMO_HWAD = 1 << 8, 1 << 16, 1 << 24
CAPS32 = CAPS | SV32_CAP | SV32X4_CAP      # 32- and 64-bit schemes: fctl.GXL writable
SV32 = SV32X4 = 8
FCTL = Reg.FCTL
UR, UW = TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_WRITE
FLAGS = 0xD7          # V R W U A D = 0x01+0x02+0x04+0x10+0x40+0x80
DID = 3


def pte32(pa, flags):
    """A 4-byte Sv32 PTE: PPN = pa >> 12 (22 bits) in [31:10]."""
    return ((pa >> 12) << 10) | flags


# ---- registers ----------------------------------------------------------------------------------
def test_gxl_is_read_only_0_without_sv32():
    _, iommu = new(CAPS)
    iommu.write_reg(FCTL, 0x4, 4)
    assert iommu.read_reg(FCTL, 4) == 0x2          # WSI=1 (IGS=WSI), GXL stays 0


def test_gxl_writable_with_both_widths_while_off():
    _, iommu = new(CAPS32)
    iommu.write_reg(FCTL, 0x4, 4)
    assert iommu.read_reg(FCTL, 4) == 0x6          # GXL=1, WSI=1 (read-only with IGS=WSI)
    iommu.write_reg(FCTL, 0x0, 4)
    assert iommu.read_reg(FCTL, 4) == 0x2


def test_gxl_change_ignored_while_iommu_not_off():
    _, iommu = new(CAPS32)
    iommu.write_reg(Reg.DDTP, 1)                   # Bare
    iommu.write_reg(FCTL, 0x4, 4)
    assert iommu.read_reg(FCTL, 4) == 0x2


def test_gxl_hardwired_1_with_only_32_bit_schemes():
    # version 0x10 | Sv32 (bit 8) | Sv32x4 (bit 16) | IGS=WSI (1 << 28) | PAS=34 (34 << 32)
    caps = 0x10 | 1 << 8 | 1 << 16 | 1 << 28 | 34 << 32
    assert caps == 0x0000_0022_1001_0110
    _, iommu = new(caps)
    assert iommu.read_reg(FCTL, 4) == 0x6
    iommu.write_reg(FCTL, 0, 4)
    assert iommu.read_reg(FCTL, 4) == 0x6


# ---- first stage Sv32, G-stage Bare -------------------------------------------------------------
# VA 0x1234_5678: VPN[1] = VA >> 22 = 0x48, VPN[0] = (VA >> 12) & 0x3FF = 0x345, offset 0x678.
# Root 0x20000: PTE at 0x20000 + 0x48*4 = 0x20120 (low half of doubleword 0x20120).
# Level 0 at 0x21000: PTE at 0x21000 + 0x345*4 = 0x21D14 (high half of doubleword 0x21D10).
# Leaf -> PA page 0x3_8765_4000 (34 bits): PPN 0x387654, PTE 0x387654 << 10 | 0xD7 = 0xE1D9_50D7.
VA = 0x1234_5678
ROOT, L0 = 0x20000, 0x21000


def sv32_first_stage(caps=CAPS32, tc=TC_V | TC_SXL, leaf=0xE1D9_50D7):
    mem, iommu = new(caps)
    setup_dc(mem, iommu, DID, tc=tc, fsc=atp(SV32, ROOT))
    mem.write32(0x20120, 0x8401)          # non-leaf -> 0x21000: PPN 0x21 << 10 | V
    mem.write32(0x21D10, 0xFFFF_FFFF)     # the other half of the doubleword: not this PTE
    mem.write32(0x21D14, leaf)
    return mem, iommu


def test_sv32_walk_4_byte_ptes():
    assert pte32(0x3_8765_4000, FLAGS) == 0xE1D9_50D7
    _, iommu = sv32_first_stage()
    assert res(tr(iommu, DID, VA)) == (0x3_8765_4678, None)


def test_sv32_iova_above_bit_31_is_a_page_fault():
    _, iommu = sv32_first_stage()
    assert res(tr(iommu, DID, 0x1_1234_5678)) == (None, 13)       # read page fault
    assert res(tr(iommu, DID, 0x1_1234_5678, UW)) == (None, 15)   # write page fault


def test_sv32_megapage_4mib():
    # root leaf -> 0x3_8740_0000 (PPN 0x387400, PPN[0] = 0): PTE 0xE1D0_00D7;
    # PA = 0x3_8740_0000 + (VA & 0x3F_FFFF = 0x34_5678) = 0x3_8774_5678
    mem, iommu = sv32_first_stage()
    mem.write32(0x20120, 0xE1D0_00D7)
    assert res(tr(iommu, DID, VA)) == (0x3_8774_5678, None)


def test_sv32_misaligned_megapage_faults():
    # PPN 0x387401: PPN[0] = 1 != 0 -> page fault; PTE 0x387401 << 10 | 0xD7 = 0xE1D0_04D7
    mem, iommu = sv32_first_stage()
    mem.write32(0x20120, 0xE1D0_04D7)
    assert res(tr(iommu, DID, VA)) == (None, 13)


def test_sv32_nonleaf_with_a_bit_is_reserved():
    # non-leaf PTE with A (0x40): reserved in non-leaf entries -> page fault
    mem, iommu = sv32_first_stage()
    mem.write32(0x20120, 0x8401 | 0x40)
    assert res(tr(iommu, DID, VA)) == (None, 13)


def test_sv32_ad_update_writes_the_4_byte_pte():
    # A=0 in the leaf (0xD7 - 0x40 = 0x97) with SADE=1: the IOMMU sets A; the other half of
    # the doubleword stays 0xFFFF_FFFF
    mem, iommu = sv32_first_stage(caps=CAPS32 | AMO_HWAD, tc=TC_V | TC_SXL | TC_SADE,
                                  leaf=0xE1D9_5097)
    assert res(tr(iommu, DID, VA)) == (0x3_8765_4678, None)
    assert mem.read32(0x21D14) == 0xE1D9_50D7
    assert mem.read32(0x21D10) == 0xFFFF_FFFF


# ---- DC / PC configuration checks ---------------------------------------------------------------
@pytest.mark.parametrize("caps, fctl, tc, fsc, iohgatp", [
    (CAPS, 0, TC_V | TC_SXL, 0, 0),                       # GXL 0 and not writable: SXL must be 0
    (CAPS32, 0x4, TC_V, 0, 0),                            # GXL=1: SXL must be 1
    (CAPS32, 0, TC_V | TC_SXL, atp(9, ROOT), 0),          # SXL=1: MODE 9 is reserved
    (CAPS | SV32X4_CAP, 0, TC_V | TC_SXL, atp(SV32, ROOT), 0),   # Sv32 unsupported
    (CAPS32, 0x4, TC_V | TC_SXL, 0, atp(9, 0x40000, 1)),  # GXL=1: iohgatp MODE 9 is reserved
    (CAPS | SV32_CAP, 0x4, TC_V | TC_SXL, 0, atp(SV32X4, 0x40000, 1)),  # Sv32x4 unsupported
    (CAPS32, 0x4, TC_V | TC_SXL, 0, atp(SV32X4, 0x41000, 1)),  # root not 16 KiB aligned
])
def test_dc_misconfigured(caps, fctl, tc, fsc, iohgatp):
    mem, iommu = new(caps)
    iommu.write_reg(FCTL, fctl, 4)
    setup_dc(mem, iommu, DID, tc=tc, fsc=fsc, iohgatp=iohgatp)
    assert res(tr(iommu, DID, 0x1000)) == (None, 259)


@pytest.mark.parametrize("caps, fctl, tc, fsc", [
    (CAPS32, 0, TC_V | TC_SXL, 0),             # GXL=0 writable: SXL=1 legal, first stage Bare
    (CAPS | SV32X4_CAP, 0, TC_V | TC_SXL, 0),  # no Sv32, but Bare is legal under SXL=1
    (CAPS32, 0, TC_V, 0),                      # GXL=0: SXL=0 legal
])
def test_dc_legal(caps, fctl, tc, fsc):
    mem, iommu = new(caps)
    iommu.write_reg(FCTL, fctl, 4)
    setup_dc(mem, iommu, DID, tc=tc, fsc=fsc)
    assert res(tr(iommu, DID, 0x1000)) == (0x1000, None)      # both stages Bare


def test_pc_mode_follows_sxl():
    # PD8 root at 0x30000; PC of pid 5 at 0x30000 + 5*16 = 0x30050
    mem, iommu = new(CAPS32)
    setup_dc(mem, iommu, DID, tc=TC_V | TC_PDTV | TC_SXL, fsc=atp(PD8, 0x30000))
    mem.write64(0x30050, PC_V)
    mem.write64(0x30058, atp(9, ROOT))        # Sv48 encoding: reserved under SXL=1
    assert res(tr(iommu, DID, VA, pid=5)) == (None, 267)
    mem.write64(0x30058, atp(SV32, ROOT))     # Sv32 tables as in sv32_first_stage
    mem.write32(0x20120, 0x8401)
    mem.write32(0x21D14, 0xE1D9_50D7)
    assert res(tr(iommu, DID, VA, pid=5)) == (0x3_8765_4678, None)


# ---- G-stage Sv32x4 ---------------------------------------------------------------------------
# GPA 0x3_ABCD_E123: VPN[1] = GPA[33:22] = 0xEAF (12 bits), VPN[0] = (GPA >> 12) & 0x3FF = 0xDE.
# Root 0x40000 (16 KiB): PTE at 0x40000 + 0xEAF*4 = 0x43ABC -> level 0 at 0x44000 (0x44 << 10 | V
# = 0x11001); level-0 PTE at 0x44000 + 0xDE*4 = 0x44378 -> SPA page 0x2_0000_5000:
# PPN 0x200005, PTE 0x200005 << 10 | 0xDF = 0x8000_14DF. SPA = 0x2_0000_5123.
GROOT = 0x40000


def sv32x4_g_stage():
    mem, iommu = new(CAPS32)
    iommu.write_reg(FCTL, 0x4, 4)
    setup_dc(mem, iommu, DID, tc=TC_V | TC_SXL, iohgatp=atp(SV32X4, GROOT, 1))
    mem.write32(0x43ABC, 0x11001)
    mem.write32(0x44378, 0x8000_14DF)
    return mem, iommu


def test_sv32x4_walk():
    assert pte32(0x2_0000_5000, G_LEAF) == 0x8000_14DF
    _, iommu = sv32x4_g_stage()
    assert res(tr(iommu, DID, 0x3_ABCD_E123)) == (0x2_0000_5123, None)


def test_sv32x4_gpa_above_bit_33_is_a_guest_page_fault():
    _, iommu = sv32x4_g_stage()
    out = tr(iommu, DID, 0x4_0000_0123)
    assert res(out) == (None, 21)
    assert out.iotval2 == 0x4_0000_0120          # GPA[63:2] << 2, bits 1:0 = 0 (not implicit)


def test_sxl1_under_sv39x4_limits_the_gpa_to_34_bits():
    # Sv39x4 root 0x40000: GPA 0x4_0000_0000 >> 30 = 0x10 -> root PTE at 0x40080, a 1 GiB leaf
    # -> SPA 0x8000_0000. With SXL=0 it translates; with SXL=1 (GXL=0 writable) GPA bit 34 set
    # is a guest-page fault (21).
    for tc, want in ((TC_V, (0x8000_0000, None)), (TC_V | TC_SXL, (None, 21))):
        mem, iommu = new(CAPS32)
        setup_dc(mem, iommu, DID, tc=tc, iohgatp=atp(SV39X4, GROOT, 1))
        mem.write64(0x40080, pte(0x8000_0000, G_LEAF))
        assert res(tr(iommu, DID, 0x4_0000_0000)) == want


def test_two_stage_sv32_over_sv32x4():
    # G-stage: 4 MiB leaf at root index 1 (GPA 0x40_0000..0x7F_FFFF) -> SPA 0x80_0000:
    # PTE at 0x40004 = 0x800 << 10 | 0xDF = 0x20_00DF.
    # First stage (GPAs): root GPA 0x40_0000 (SPA 0x80_0000): PTE for VPN[1] 0x48 at SPA 0x80_0120
    # -> GPA 0x40_1000 (0x401 << 10 | V = 0x10_0401); level 0 PTE for VPN[0] 0x345 at GPA
    # 0x40_1D14 = SPA 0x80_1D14 -> GPA page 0x40_5000 (0x405 << 10 | 0xD7 = 0x10_14D7).
    # GPA 0x40_5678 -> SPA 0x80_5678.
    mem, iommu = new(CAPS32)
    iommu.write_reg(FCTL, 0x4, 4)
    setup_dc(mem, iommu, DID, tc=TC_V | TC_SXL, iohgatp=atp(SV32X4, GROOT, 1),
             fsc=atp(SV32, 0x40_0000))
    mem.write32(0x40004, 0x20_00DF)
    mem.write32(0x80_0120, 0x10_0401)
    mem.write32(0x80_1D14, 0x10_14D7)
    out = tr(iommu, DID, VA)
    assert res(out) == (0x80_5678, None)
    assert out.gpa == 0x40_5678


def test_sxl1_with_both_stages_bare_does_not_check_the_iova():
    # the IOVA rules apply only to a non-Bare first stage / G-stage: 0x1_0000_1000 passes
    mem, iommu = new(CAPS32)
    setup_dc(mem, iommu, DID, tc=TC_V | TC_SXL)
    assert res(tr(iommu, DID, 0x1_0000_1000)) == (0x1_0000_1000, None)


def test_sv32_write_needs_d_without_sade():
    # leaf with D=0 (0xD7 - 0x80 = 0x57) and SADE=0: a write is a page fault (15), a read is not
    _, iommu = sv32_first_stage(leaf=0xE1D9_5057)
    assert res(tr(iommu, DID, VA, UW)) == (None, 15)
    assert res(tr(iommu, DID, VA)) == (0x3_8765_4678, None)


def test_sv32_pte_address_guest_page_fault():
    # first-stage root at GPA 0x80_0000: G-stage root index GPA[33:22] = 2 (0x40008) is empty,
    # so the implicit read of the root PTE (GPA 0x80_0000 + 0x48*4 = 0x80_0120) is a read
    # guest-page fault (21) with iotval2 = GPA & ~3 | 1 (implicit access) = 0x80_0121
    mem, iommu = new(CAPS32)
    iommu.write_reg(FCTL, 0x4, 4)
    setup_dc(mem, iommu, DID, tc=TC_V | TC_SXL, iohgatp=atp(SV32X4, GROOT, 1),
             fsc=atp(SV32, 0x80_0000))
    out = tr(iommu, DID, VA)
    assert res(out) == (None, 21)
    assert out.iotval2 == 0x80_0121


def test_gxl_change_ignored_while_fault_queue_on():
    from tables import enable_fq
    _, iommu = new(CAPS32)
    enable_fq(iommu)
    iommu.write_reg(FCTL, 0x4, 4)
    assert iommu.read_reg(FCTL, 4) == 0x2


def test_capability_helpers():
    # the mode tables by SXL/GXL (MODE 8 -> 2 levels), and the bits kept for the model
    from models.capabilities import Capabilities, for_model
    c = Capabilities(CAPS32)
    assert c.first_stage_modes(1) == {0: 0, 8: 2}
    assert c.g_stage_modes(1) == {0: 0, 8: 2}
    assert c.first_stage_modes(0) == {0: 0, 8: 3, 9: 4}       # Sv39, Sv48 of CAPS
    assert Capabilities(CAPS | SV32X4_CAP).first_stage_modes(1) == {0: 0}
    assert for_model(CAPS32) == (CAPS32, [])
