"""MSI PTEs in MRIF mode (capabilities.MSI_MRIF, AMO_MRIF) and IommuModel.msi_write.

Spec: IOMMU iommu_data_structures.adoc "Process to translate addresses of MSIs" (MSI_TRANS),
the msipte.M == 1 steps; AIA IOMMU.adoc "Format of a memory-resident interrupt file",
"Recording of incoming MSIs to memory-resident interrupt files", "MSI PTE, MRIF mode";
iommu_debug.adoc (an MRIF-mode PTE gives 260 to the debug interface). Every value below is
worked out by hand from those texts.

Set-up shared by the tests (as tests/unit/test_msi.py): msi_addr_mask 0b11, pattern 0x28000,
MSI page table at 0x70000. GPA 0x2800_2ABC: (0x28002 & ~0b11) == 0x28000, so an MSI page;
I = extract(0x28002, 0b11) = 0b10 = 2, so the PTE is at 0x70000 | 2*16 = 0x70020 (its second
doubleword at 0x70028).

The MRIF-mode PTE (AIA "MSI PTE, MRIF mode": dw0 V[0], M[2:1] = 1, MRIF Address[55:9] in
[53:7], C[63]; dw1 NID[9:0] in [9:0], NPPN in [53:10], NID[10] in [60]):
  MRIF at 0x9000_0400 (512-byte aligned): 0x9000_0400 >> 9 = 0x48_0002, << 7 = 0x2400_0100;
    dw0 = 0x2400_0100 | M=1 (0b010) | V (0b1) = 0x2400_0103.
  notice at 0x2F00_0000 (NPPN 0x2F000), NID 0x4A5 = 0b100_1010_0101 (N10 = 1, N[9:0] = 0xA5):
    dw1 = 0xA5 | 0x2F000 << 10 (= 0xBC0_0000) | 1 << 60 = 0x1000_0000_0BC0_00A5.
"""

import pytest

from models import Reg, Request, TTYP
from models import msi_mrif
from tables import (CAPS, CAP_MSI_FLAT, FQ_BASE, SV39X4, atp, enable_fq, new, pte, res,
                    setup_dc, tr)

UX, UR, UW = TTYP.UNTRANSLATED_EXEC, TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_WRITE
CAP_MSI_MRIF, CAP_AMO_MRIF, CAP_DBG = 1 << 23, 1 << 21, 1 << 31
DID = 4
MSIPT = 0x70000
PTE_AT = MSIPT + 0x20
IOVA = 0x2800_2000                  # page offset 0: a little-endian MSI (A[11:2] = 0)
MRIF = 0x9000_0400
NOTICE = 0x2F00_0000
NID = 0x4A5
W0 = 0x2400_0103
W1 = 0x1000_0000_0BC0_00A5


def mrif_env(extra=0, w0=W0, w1=W1):
    mem, iommu = new(CAPS | CAP_MSI_FLAT | CAP_MSI_MRIF | extra)
    setup_dc(mem, iommu, DID, ext=True, iohgatp=atp(SV39X4, 0x40000, 1),
             msiptp=atp(1, MSIPT), mask=0x3, pattern=0x28000)
    mem.write64(PTE_AT, w0)
    mem.write64(PTE_AT + 8, w1)
    return mem, iommu


def write(iommu, data, offset=0, size=4, ttyp=UW):
    return iommu.msi_write(Request(did=DID, iova=IOVA + offset, ttyp=ttyp), data, size)


def test_hand_encoding_matches_encoder():
    # the helper software layers use builds the same doublewords as the derivation above
    assert msi_mrif.encode_pte(MRIF, NOTICE, NID) == (W0, W1)


@pytest.mark.parametrize("ttyp", [UR, UW])
def test_translation_gives_the_mrif_target(ttyp):
    mem, iommu = mrif_env()
    out = tr(iommu, DID, IOVA | 0xABC, ttyp)
    assert res(out) == (None, None) and out.ok
    assert out.mrif == msi_mrif.MrifTarget(MRIF, NOTICE, NID)
    # translate() has no side effect on the MRIF or the notice page
    assert mem.read64(MRIF) == 0 and mem.read32(NOTICE) == 0


def test_execute_is_instruction_access_fault():
    # MSI_TRANS: R=W=U=1, X=0 for MRIF mode too: read-for-execute -> cause 1
    mem, iommu = mrif_env()
    assert res(tr(iommu, DID, IOVA, UX)) == (None, 1)


def test_without_msi_mrif_m1_is_misconfigured():
    # MSI_TRANS: "If capabilities.MSI_MRIF == 0, stop and report MSI PTE misconfigured (263)"
    mem, iommu = new(CAPS | CAP_MSI_FLAT)
    setup_dc(mem, iommu, DID, ext=True, iohgatp=atp(SV39X4, 0x40000, 1),
             msiptp=atp(1, MSIPT), mask=0x3, pattern=0x28000)
    mem.write64(PTE_AT, W0)
    mem.write64(PTE_AT + 8, W1)
    assert res(tr(iommu, DID, IOVA, UW)) == (None, 263)


@pytest.mark.parametrize("w0,w1", [
    (W0 | 1 << 3, W1), (W0 | 1 << 6, W1),          # dw0 [6:3] reserved
    (W0 | 1 << 54, W1), (W0 | 1 << 62, W1),        # dw0 [62:54] reserved
    (W0, W1 | 1 << 54), (W0, W1 | 1 << 59),        # dw1 [59:54] reserved
    (W0, W1 | 1 << 61), (W0, W1 | 1 << 63),        # dw1 [63:61] reserved
    (W0 | 1 << 63, W1),                            # C=1: implementation-defined, 263 here
])
def test_reserved_bits_misconfigured(w0, w1):
    mem, iommu = mrif_env(w0=w0, w1=w1)
    assert res(tr(iommu, DID, IOVA, UW)) == (None, 263)
    # the check comes before the execute check (MSI_TRANS order)
    assert res(tr(iommu, DID, IOVA, UX)) == (None, 263)


def test_nid_bit_10_is_a_field_not_reserved():
    # dw1 bit 60 is N10: clearing it gives NID 0x0A5 instead of 0x4A5
    mem, iommu = mrif_env(w1=W1 & ~(1 << 60))
    assert tr(iommu, DID, IOVA, UW).mrif == msi_mrif.MrifTarget(MRIF, NOTICE, 0x0A5)


@pytest.mark.parametrize("identity,pa,value", [
    (0, MRIF + 0x000, 1 << 0),            # faux identity 0: bit 0 of the first doubleword
    (63, MRIF + 0x000, 1 << 63),          # k = 63 // 64 = 0, bit 63
    (64, MRIF + 0x010, 1 << 0),           # k = 1: pending doubleword at 1 * 16 = 0x10
    (70, MRIF + 0x010, 1 << 6),           # k = 1, bit 70 % 64 = 6
    (1000, MRIF + 0x0F0, 1 << 40),        # k = 1000 // 64 = 15 -> 0xF0; 1000 - 960 = 40
    (2047, MRIF + 0x1F0, 1 << 63),        # k = 31 -> 0x1F0 (AIA table's last pair); bit 63
])
def test_msi_sets_the_pending_bit_and_sends_the_notice(identity, pa, value):
    mem, iommu = mrif_env()
    done = write(iommu, identity)
    assert done.action == msi_mrif.RECORDED and done.identity == identity
    assert mem.read64(pa) == value
    assert mem.read64(pa + 8) == 0                       # the enable doubleword untouched
    # notice MSI: NID 0x4A5 zero-extended, little-endian, at NPPN << 12
    assert mem.read32(NOTICE) == 0x4A5
    assert done.notice == (NOTICE, 0x4A5) and iommu.notices == [(NOTICE, 0x4A5)]
    assert done.update == msi_mrif.MrifUpdate(pa, identity % 64, 0, value, False)


def test_pending_bit_is_ored_into_the_doubleword():
    mem, iommu = mrif_env()
    mem.write64(MRIF + 0x10, 0x5)                        # identities 64 and 66 pending already
    mem.write64(MRIF + 0x18, 1 << 6)                     # identity 70 enabled
    write(iommu, 70)
    assert mem.read64(MRIF + 0x10) == 0x45               # 0x5 | 1 << 6
    assert mem.read64(MRIF + 0x18) == 1 << 6


def test_notice_sent_whatever_the_enable_bit():
    # AIA "Recording of incoming MSIs": "an IOMMU is required always to send a notice MSI
    # after storing an MSI to an MRIF, even when the corresponding enable bit ... is zero"
    for enable in (0, 1 << 6):
        mem, iommu = mrif_env()
        mem.write64(MRIF + 0x18, enable)
        assert write(iommu, 70).notice == (NOTICE, NID)


def test_amo_mrif_update_is_atomic_same_memory():
    mem, iommu = mrif_env(CAP_AMO_MRIF)
    done = write(iommu, 70)
    assert done.update == msi_mrif.MrifUpdate(MRIF + 0x10, 6, 0, 0x40, True)
    assert mem.read64(MRIF + 0x10) == 0x40


@pytest.mark.parametrize("offset,data", [
    (0x8, 5),          # A[11:3] = 1: not the seteipnum_le register
    (0xFFC, 5),        # A[11:3] = 0x1FF
    (0x4, 5),          # A[2] = 1: a big-endian MSI, not supported (the model's choice)
    (0x0, 0x800),      # D = 2048: D[31:11] != 0
    (0x0, 0xFFFF_FFFF),
])
def test_discarded_writes(offset, data):
    mem, iommu = mrif_env()
    enable_fq(iommu)
    done = write(iommu, data, offset)
    assert done.action == msi_mrif.DISCARDED and done.outcome.ok
    assert all(mem.read64(MRIF + 8 * i) == 0 for i in range(64))
    assert mem.read32(NOTICE) == 0 and iommu.notices == []
    assert iommu.read_reg(Reg.FQT, size=4) == 0          # accepted: no fault


@pytest.mark.parametrize("offset,size", [(0x0, 8), (0x0, 2), (0x0, 1), (0x2, 4), (0x1, 4)])
def test_unsupported_accesses_aborted(offset, size):
    # AIA: "not for 32 bits of data, or ... not aligned to a 4-byte boundary ... aborted as
    # unsupported"; the spec names no fault cause for it, so no record (docs/design.md)
    mem, iommu = mrif_env()
    enable_fq(iommu)
    done = write(iommu, 1, offset, size)
    assert done.action == msi_mrif.ABORTED
    assert mem.read64(MRIF) == 0 and mem.read32(NOTICE) == 0
    assert iommu.read_reg(Reg.FQT, size=4) == 0


def test_read_responses():
    # aligned 32-bit read: 0 (preferred) or aborted; anything else aborted
    assert msi_mrif.read_responses(0x0, 4) == {0, msi_mrif.ABORTED}
    assert msi_mrif.read_responses(0x8, 4) == {0, msi_mrif.ABORTED}
    assert msi_mrif.read_responses(0x2, 4) == {msi_mrif.ABORTED}
    assert msi_mrif.read_responses(0x0, 8) == {msi_mrif.ABORTED}


def _record(mem, i=0):
    dw0 = mem.read64(FQ_BASE + 32 * i)
    return dw0 & 0xFFF, (dw0 >> 34) & 0x3F, dw0 >> 40, mem.read64(FQ_BASE + 32 * i + 16)


@pytest.mark.parametrize("kind,cause", [("access", 264), ("poison", 271)])
def test_mrif_update_fails(kind, cause):
    # cause table: 264 MRIF access fault, 271 MSI MRIF data corruption; reported for the
    # inbound write (TTYP 3, the device_id, iotval = the IOVA); no notice MSI follows
    mem, iommu = mrif_env()
    enable_fq(iommu)
    (mem.set_access_fault if kind == "access" else mem.set_poison)(MRIF + 0x10, MRIF + 0x18)
    done = write(iommu, 70)
    assert res(done.outcome) == (None, cause) and done.notice is None
    assert mem.read32(NOTICE) == 0
    assert _record(mem) == (cause, 3, DID, IOVA)


def test_mrif_beyond_pas_is_access_fault():
    # capabilities.PAS = 40: the IOMMU addresses 0 .. 2^40 - 1, so an MRIF at 2^40 (a legal
    # MRIF Address[55:9] value) cannot be accessed: the update is an MRIF access fault (264)
    caps = (CAPS & ~(0x3F << 32)) | 40 << 32 | CAP_MSI_FLAT | CAP_MSI_MRIF
    mem, iommu = new(caps)
    setup_dc(mem, iommu, DID, ext=True, iohgatp=atp(SV39X4, 0x40000, 1),
             msiptp=atp(1, MSIPT), mask=0x3, pattern=0x28000)
    w0, w1 = msi_mrif.encode_pte(1 << 40, NOTICE, NID)
    mem.write64(PTE_AT, w0)
    mem.write64(PTE_AT + 8, w1)
    assert res(write(iommu, 1).outcome) == (None, 264)


def test_notice_write_fails():
    # the MRIF is updated; the failed notice MSI is reported as the IOMMU's own MSIs are:
    # cause 273, TTYP 0 (so DID 0), iotval = the notice address (the model's choice)
    mem, iommu = mrif_env()
    enable_fq(iommu)
    mem.set_access_fault(NOTICE, NOTICE + 4)
    done = write(iommu, 70)
    assert done.action == msi_mrif.RECORDED and done.outcome.ok and done.notice is None
    assert mem.read64(MRIF + 0x10) == 0x40
    assert _record(mem) == (273, 0, 0, NOTICE)


def test_not_an_mrif_page_is_only_translated():
    # GPA 0x2800_7000: 0x28007 & ~3 = 0x28004 != 0x28000 -> G-stage, whose root is empty:
    # write guest-page fault 23
    mem, iommu = mrif_env()
    done = iommu.msi_write(Request(did=DID, iova=0x2800_7000, ttyp=UW), 1)
    assert done.action == "fault" and res(done.outcome) == (None, 23)


def test_basic_mode_pte_is_translated():
    mem, iommu = mrif_env(w0=pte(0x9_1234_5000, 1 | 3 << 1), w1=0)
    done = write(iommu, 70)
    assert done.action == "translated" and res(done.outcome) == (0x9_1234_5000, None)
    assert mem.read64(MRIF + 0x10) == 0 and iommu.notices == []


def test_msi_write_needs_a_write():
    mem, iommu = mrif_env()
    with pytest.raises(ValueError, match="not a write"):
        write(iommu, 1, ttyp=UR)
    with pytest.raises(ValueError, match="does not fit"):
        write(iommu, 1 << 32)


def test_debug_interface_gives_260():
    # iommu_debug.adoc: an MSI address whose PTE is in MRIF mode stops with cause 260,
    # reported normally in the fault queue; tr_response.fault = 1
    mem, iommu = mrif_env(CAP_DBG)
    enable_fq(iommu)
    iommu.write_reg(Reg.TR_REQ_IOVA, IOVA)
    iommu.write_reg(Reg.TR_REQ_CTL, DID << 40 | 1)
    assert iommu.read_reg(Reg.TR_RESPONSE) & 1 == 1
    assert _record(mem)[:3] == (260, 3, DID)        # NW=0: read and write, TTYP 3
    # with NW=1 (a read) the same: the debug rule does not depend on the access type
    iommu.write_reg(Reg.TR_REQ_CTL, DID << 40 | 1 << 3 | 1)
    assert iommu.read_reg(Reg.TR_RESPONSE) & 1 == 1
    assert _record(mem, 1)[:3] == (260, 2, DID)


def test_dtf_suppresses_264_but_not_273():
    # cause table "Reported if DTF is 1?": 264 No, 273 Yes
    mem, iommu = new(CAPS | CAP_MSI_FLAT | CAP_MSI_MRIF)
    setup_dc(mem, iommu, DID, tc=1 | 1 << 4, ext=True, iohgatp=atp(SV39X4, 0x40000, 1),
             msiptp=atp(1, MSIPT), mask=0x3, pattern=0x28000)          # V | DTF
    mem.write64(PTE_AT, W0)
    mem.write64(PTE_AT + 8, W1)
    enable_fq(iommu)
    mem.set_access_fault(MRIF + 0x10, MRIF + 0x18)
    assert res(write(iommu, 70).outcome) == (None, 264)
    assert iommu.read_reg(Reg.FQT, size=4) == 0                       # not reported
    mem.clear_faults()
    mem.set_access_fault(NOTICE, NOTICE + 4)
    write(iommu, 70)
    assert iommu.read_reg(Reg.FQT, size=4) == 1 and _record(mem)[0] == 273
