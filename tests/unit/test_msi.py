"""MSI flat (basic translate) mode with extended device contexts (capabilities.MSI_FLAT).

Spec: iommu_data_structures.adoc "Process to translate addresses of MSIs" (MSI_TRANS),
"Identification of MSIs" (msi_addr_mask / msi_addr_pattern); MSI PTE layout of the AIA spec
(basic mode: V[0], M[2:1]=3, PPN[53:10], C[63]); causes 1, 261, 262, 263, 270.
"""

import pytest

from models import TTYP
from tables import CAPS, CAP_MSI_FLAT, SV39X4, V, atp, new, pte, res, setup_dc, tr

UX, UR, UW = TTYP.UNTRANSLATED_EXEC, TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_WRITE
DID = 4
MSIPT = 0x70000
MSI_BASIC = V | (3 << 1)


def msi_env(mask=0x3, pattern=0x28000, msi_mode=1):
    mem, iommu = new(CAPS | CAP_MSI_FLAT)
    setup_dc(mem, iommu, DID, ext=True, iohgatp=atp(SV39X4, 0x40000, 1),
             msiptp=atp(msi_mode, MSIPT), mask=mask, pattern=pattern)
    return mem, iommu


@pytest.mark.parametrize("ttyp", [UR, UW])
def test_msi_basic_translation(ttyp):
    mem, iommu = msi_env()
    # GPA 0x2800_2ABC: (0x28002 & ~3) == 0x28000 -> MSI; I = extract(0x28002, 0b11) = 2
    mem.write64(MSIPT + 0x20, pte(0x9_1234_5000, MSI_BASIC))
    assert res(tr(iommu, DID, 0x2800_2ABC, ttyp)) == (0x9_1234_5ABC, None)


def test_msi_execute_is_access_fault():
    mem, iommu = msi_env()
    mem.write64(MSIPT + 0x20, pte(0x9_1234_5000, MSI_BASIC))
    assert res(tr(iommu, DID, 0x2800_2ABC, UX)) == (None, 1)


def test_msi_sparse_mask_extract():
    mem, iommu = msi_env(mask=0xA)
    mem.write64(MSIPT + 0x30, pte(0x9_0000_3000, MSI_BASIC))
    mem.write64(MSIPT + 0x20, pte(0x9_0000_2000, MSI_BASIC))
    mem.write64(MSIPT + 0x10, pte(0x9_0000_1000, MSI_BASIC))
    # 0x2800A: bits 3,1 = 1,1 -> I = 3; 0x28008: 1,0 -> I = 2; 0x28002: 0,1 -> I = 1
    assert res(tr(iommu, DID, 0x2800_A010, UW)) == (0x9_0000_3010, None)
    assert res(tr(iommu, DID, 0x2800_8010, UW)) == (0x9_0000_2010, None)
    assert res(tr(iommu, DID, 0x2800_2010, UW)) == (0x9_0000_1010, None)
    # 0x28001: bit 0 is not in the mask and differs from the pattern -> not an MSI
    out = tr(iommu, DID, 0x2800_1010, UW)
    assert res(out) == (None, 23)                          # G-stage root is empty
    assert out.iotval2 == 0x2800_1010


def test_msi_not_matching_uses_gstage():
    mem, iommu = msi_env()
    mem.write64(MSIPT + 0x20, pte(0x9_1234_5000, MSI_BASIC))
    out = tr(iommu, DID, 0x2800_7ABC, UW)                  # 0x28007 & ~3 = 0x28004
    assert res(out) == (None, 23)
    assert out.iotval2 == 0x2800_7ABC


def test_msiptp_off_no_msi():
    mem, iommu = msi_env(msi_mode=0)
    mem.write64(MSIPT + 0x20, pte(0x9_1234_5000, MSI_BASIC))
    assert res(tr(iommu, DID, 0x2800_2ABC, UW)) == (None, 23)


def test_msi_pte_not_valid():
    mem, iommu = msi_env()
    mem.write64(MSIPT + 0x20, pte(0x9_1234_5000, MSI_BASIC & ~V))
    assert res(tr(iommu, DID, 0x2800_2ABC, UW)) == (None, 262)


@pytest.mark.parametrize("value", [
    pte(0x9_1234_5000, V),                        # M = 0
    pte(0x9_1234_5000, V | (2 << 1)),             # M = 2
    pte(0x9_1234_5000, V | (1 << 1)),             # M = 1: MRIF without MSI_MRIF
    pte(0x9_1234_5000, MSI_BASIC | (1 << 3)),     # reserved [9:3]
    pte(0x9_1234_5000, MSI_BASIC | (1 << 9)),
    pte(0x9_1234_5000, MSI_BASIC) | (1 << 54),    # reserved [62:54]
    pte(0x9_1234_5000, MSI_BASIC) | (1 << 62),
])
def test_msi_pte_misconfigured(value):
    mem, iommu = msi_env()
    mem.write64(MSIPT + 0x20, value)
    assert res(tr(iommu, DID, 0x2800_2ABC, UW)) == (None, 263)


@pytest.mark.parametrize("dw1", [
    0xFFFF_FFFF_FFFF_FFFF,                        # every bit
    1,                                            # bit 0
    1 << 63,                                      # bit 63
    (1 << 60) | (0x8_0000_0000 >> 2) | 0x3FF,     # what an MRIF-mode PTE keeps there
    0x5AFE_C0DE_0BAD_CAFE,                        # a software tag
])
def test_msi_basic_second_doubleword_ignored(dw1):
    # AIA "MSI PTE, basic translate mode": "The second doubleword is ignored by an IOMMU so is
    # free for software to use"; only bits of the *first* doubleword other than V, M, PPN, C are
    # reserved (IOMMU spec MSI_TRANS step "If msipte.M == 3 ... reserved ... set within msipte").
    # GPA 0x2800_2ABC: (0x28002 & ~0b11) == 0x28000 -> MSI page; I = extract(0x28002, 0b11) = 2,
    # so the PTE is at MSIPT + 2*16 = 0x70020 and its second doubleword at 0x70028.
    # SPA = PPN << 12 | A[11:0] = 0x9_1234_5000 | 0xABC.
    mem, iommu = msi_env()
    mem.write64(MSIPT + 0x20, pte(0x9_1234_5000, MSI_BASIC))
    mem.write64(MSIPT + 0x28, dw1)
    assert res(tr(iommu, DID, 0x2800_2ABC, UW)) == (0x9_1234_5ABC, None)
    assert res(tr(iommu, DID, 0x2800_2ABC, UR)) == (0x9_1234_5ABC, None)
    # execute is still refused whatever the second doubleword holds (MSI_TRANS: R=W=U=1, X=0)
    assert res(tr(iommu, DID, 0x2800_2ABC, UX)) == (None, 1)


def test_msi_basic_reserved_first_doubleword_still_checked_with_dw1():
    # the first doubleword's reserved bits [9:3] still give 263 when the second one is
    # non-zero too (nothing about the second doubleword excuses the first)
    mem, iommu = msi_env()
    mem.write64(MSIPT + 0x20, pte(0x9_1234_5000, MSI_BASIC | (1 << 5)))
    mem.write64(MSIPT + 0x28, 0x1234)
    assert res(tr(iommu, DID, 0x2800_2ABC, UW)) == (None, 263)


def test_msi_pte_second_doubleword_access_fault():
    # MSI_TRANS: "Let msipte be the value of sixteen bytes at address (m | (I x 16)). If
    # accessing msipte violates a PMA or PMP check ... cause = 261": the 16-byte read covers
    # the second doubleword, even though its value is then ignored.
    mem, iommu = msi_env()
    mem.write64(MSIPT + 0x20, pte(0x9_1234_5000, MSI_BASIC))
    mem.set_access_fault(MSIPT + 0x28, MSIPT + 0x30)
    assert res(tr(iommu, DID, 0x2800_2ABC, UW)) == (None, 261)


def test_msi_pte_access_fault():
    mem, iommu = msi_env()
    mem.write64(MSIPT + 0x20, pte(0x9_1234_5000, MSI_BASIC))
    mem.set_access_fault(MSIPT + 0x20, MSIPT + 0x30)
    assert res(tr(iommu, DID, 0x2800_2ABC, UW)) == (None, 261)


def test_msi_pte_poison():
    mem, iommu = msi_env()
    mem.write64(MSIPT + 0x20, pte(0x9_1234_5000, MSI_BASIC))
    mem.set_poison(MSIPT + 0x20, MSIPT + 0x28)
    assert res(tr(iommu, DID, 0x2800_2ABC, UW)) == (None, 270)


@pytest.mark.parametrize("field", ["mask", "pattern"])
def test_msi_mask_pattern_above_mgpaw_reserved(field):
    # widest G-stage Sv48x4: MGPAW = 50, so bits [51:38] of mask/pattern are reserved
    # (spec 20260222, "msi_addr_mask"/"msi_addr_pattern")
    kw = {"mask": 0x3, "pattern": 0x28000}
    kw[field] |= 1 << 38
    mem, iommu = msi_env(**kw)
    assert res(tr(iommu, DID, 0x2800_2ABC, UW)) == (None, 259)
    kw[field] = (kw[field] & ~(1 << 38)) | (1 << 37)     # bit 37: GPA bit 49, fine
    mem, iommu = msi_env(**kw)
    assert tr(iommu, DID, 0x2800_2ABC, UW).cause != 259


def test_msiptp_flat_with_bare_iohgatp():
    # spec 20260222: msiptp.MODE must be Off when iohgatp is Bare; reporting 259 is the
    # recommended behaviour, which the model implements
    mem, iommu = new(CAPS | CAP_MSI_FLAT)
    setup_dc(mem, iommu, DID, ext=True, msiptp=atp(1, MSIPT), mask=0x3, pattern=0x28000)
    assert res(tr(iommu, DID, 0x2800_2ABC, UW)) == (None, 259)
