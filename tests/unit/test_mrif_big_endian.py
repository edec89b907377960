"""Big-endian MSIs to MRIFs (AIA IOMMU.adoc "MSI PTE, MRIF mode" and "Format of a
memory-resident interrupt file"), worked by hand from the text:
- "The data of an incoming MSI is assumed to be in little-endian byte order if bit 2 of the
  destination address is zero, and in big-endian byte order if bit 2 of the destination
  address is one."
- "If either A[11:3] or D[31:11] is not zero, or if bit 2 of A is one and big-endian MSIs are
  not supported, then the incoming write is accepted but discarded."
- "When the IMSIC interrupt files in the system implement ... seteipnum_be ..., then an IOMMU
  must be able to store MSIs in both little-endian and big-endian byte orders to the
  destination MRIF" (IommuModel.big_endian_msis: a property of the system, not of fctl.BE).
- MRIF doublewords are "in little-endian byte order (even for systems where all harts are
  big-endian-only)", and the notice MSI is written "in little-endian byte order": neither
  follows fctl.BE.
Set-up as tests/unit/test_msi_mrif.py: the write's page at GPA 0x2800_2000, MSI PTE at
0x70020 (MRIF 0x9000_0400, notice 0x2F00_0000, NID 0x4A5).
A big-endian MSI of identity 70 (0x46) at offset 4: bytes 00 00 00 46, whose little-endian
value (what the port carries) is 0x4600_0000. Identity 70: pending doubleword 0x9000_0410
(70 // 64 = 1 -> + 16), bit 70 % 64 = 6 -> 0x40.
"""
import pytest

from models import Reg, msi_mrif
from tables import CAPS, CAP_MSI_FLAT, SV39X4, atp, new, setup_dc
from test_msi_mrif import CAP_MSI_MRIF, DID, MRIF, NOTICE, PTE_AT, W0, W1, mrif_env, write

BE70 = 0x4600_0000                  # bytes 00 00 00 46 as a little-endian value
END = 1 << 27


def be64(x):
    return int.from_bytes(x.to_bytes(8, "big"), "little")


def test_identity_in_the_order_of_a2():
    assert msi_mrif.msi_identity(0, 70) == 70
    assert msi_mrif.msi_identity(4, BE70) == 70
    assert msi_mrif.msi_identity(4, 70) == 0x4600_0000      # 46 00 00 00 read big-endian


@pytest.mark.parametrize("be,expected", [
    (False, (msi_mrif.DISCARDED, None)),            # no seteipnum_be: discarded
    (True, (msi_mrif.RECORDED, 70)),
])
def test_classify_big_endian(be, expected):
    assert msi_mrif.classify_write(4, BE70, 4, be) == expected


def test_big_endian_d_checks_bits_31_11_in_its_order():
    # identity 2048 = 0x800: D[31:11] != 0 -> discarded; bytes 00 00 08 00 -> LE value 0x0008_0000
    assert msi_mrif.classify_write(4, 0x0008_0000, 4, True) == (msi_mrif.DISCARDED, None)
    # little-endian 70 at offset 4 reads big-endian as 0x4600_0000: D[31:11] != 0, discarded
    assert msi_mrif.classify_write(4, 70, 4, True) == (msi_mrif.DISCARDED, None)
    # offset 8: A[11:3] = 1 -> discarded whatever the order
    assert msi_mrif.classify_write(12, BE70, 4, True) == (msi_mrif.DISCARDED, None)


def test_little_endian_unchanged_with_big_endian_support():
    assert msi_mrif.classify_write(0, 70, 4, True) == (msi_mrif.RECORDED, 70)


def test_model_discards_without_seteipnum_be():
    mem, iommu = mrif_env()
    done = write(iommu, BE70, offset=4)
    assert done.action == msi_mrif.DISCARDED and mem.read64(MRIF + 0x10) == 0
    assert iommu.notices == []


def test_model_records_big_endian_msi():
    mem, iommu = mrif_env()
    iommu.big_endian_msis = True
    done = write(iommu, BE70, offset=4)
    assert (done.action, done.identity) == (msi_mrif.RECORDED, 70)
    assert mem.read64(MRIF + 0x10) == 0x40                  # little-endian doubleword
    assert iommu.notices == [(NOTICE, 0x4A5)]
    assert mem.read32(NOTICE) == 0x4A5                     # little-endian notice


def test_fctl_be_changes_neither_the_mrif_nor_the_notice():
    # fctl.BE=1 (END): the DC and the MSI PTE are big-endian in memory; the MRIF doubleword
    # and the notice stay little-endian (AIA). A little-endian MSI of identity 70 at offset 0.
    mem, iommu = new(CAPS | CAP_MSI_FLAT | CAP_MSI_MRIF | END)
    iommu.write_reg(Reg.FCTL, iommu.read_reg(Reg.FCTL, 4) | 1, 4)
    assert iommu.read_reg(Reg.FCTL, 4) & 1
    dc = setup_dc(mem, iommu, DID, ext=True, iohgatp=atp(SV39X4, 0x40000, 1),
                  msiptp=atp(1, MSIPT_BE), mask=0x3, pattern=0x28000)
    for i in range(8):
        mem.write64(dc + 8 * i, be64(mem.read64(dc + 8 * i)))
    mem.write64(PTE_AT, be64(W0))
    mem.write64(PTE_AT + 8, be64(W1))
    done = write(iommu, 70)
    assert (done.action, done.identity) == (msi_mrif.RECORDED, 70)
    assert mem.read64(MRIF + 0x10) == 0x40
    assert mem.read32(NOTICE) == 0x4A5


MSIPT_BE = 0x70000


def test_oracle_effects_follow_the_system_property():
    from models import Outcome
    from scoreboards.mrif_writes import permitted_effects
    outs = {Outcome(None, None, mrif=msi_mrif.MrifTarget(MRIF, NOTICE, 0x4A5))}
    (e,) = permitted_effects(outs, 4, BE70)
    assert e.action == msi_mrif.DISCARDED
    (e,) = permitted_effects(outs, 4, BE70, big_endian_msis=True)
    assert (e.action, e.identity, e.pending_pa, e.bit) == (msi_mrif.RECORDED, 70, 0x9000_0410, 6)
