"""PCIe ATS: multi-translation requests (Length > 2 DW), the MRIF-mode answer (U = 1), and the
CXL.io and AMA fields of a Success completion.

Spec (riscv-iommu, src/iommu_data_structures.adoc, "PCIe ATS translation request handling"):
- "If the translation request has an address determined to be an MSI address ... but the MSI
  PTE is configured in MRIF mode then a Success response is generated with R, W, and U bit set
  to 1" (the implied 4 KiB range, untranslated requests only).
- CXL.io: "If requesting device is not a CXL device then CXL.io is set to 0." For a CXL type 1
  or 2 device: MSI -> 1; else T2GPA = 1 -> 1; else memory type NC or IO -> 1; PMA, or no
  Svpbmt: UNSPECIFIED. "The AMA field is by default set to 000b."
PCIe (the Translation Request's Length, in DW, is 2 per translation requested; the entries of
one completion are for consecutive untranslated ranges; the agent may return fewer).
Hand layout as tests/unit/test_ats.py: host device 5, Sv39 at 0x20000 / 0x21000 / 0x22000.
IOVA 0x4000_1234: VPN[2] = 1, VPN[1] = 0, VPN[0] = 1: leaf PTE at 0x22000 + 1 * 8.
The next pages: 0x4000_2000 (VPN[0] = 2, PTE at 0x22010), 0x4000_3000 (0x22018).
"""
import pytest

from models.ats import AtsRequest
from tables import A, D, R, SV39, SV39X4, TC_EN_ATS, TC_V, U, V, W, atp, map_va, pte, setup_dc
from test_ats import CAPS_ATS, DID, FS_L0, FS_L1, FS_ROOT, IOVA, SPA, fqt, guest, new_ats

RW = V | R | W | U | A | D
SPA2 = 0x8_0000_9000


def host3(mem, iommu, third=0):
    """IOVA's page -> SPA, the next page -> SPA2, the third page's leaf PTE = `third`."""
    setup_dc(mem, iommu, DID, tc=TC_V | TC_EN_ATS, fsc=atp(SV39, FS_ROOT))
    map_va(mem, IOVA, pte(SPA, RW), [FS_ROOT, FS_L1, FS_L0])
    mem.write64(FS_L0 + 2 * 8, pte(SPA2, RW))
    mem.write64(FS_L0 + 3 * 8, third)


def entries(cs):
    return [(c.status, c.r, c.w, c.addr, c.size_log2, c.cause) for c in cs]


# ============================================================================ Length
@pytest.mark.parametrize("length", [0, 1, 3, 1026])
def test_length_must_be_even_2_to_1024(length):
    with pytest.raises(ValueError, match="must be even, 2..1024"):
        AtsRequest(DID, IOVA, length=length)


def test_length_2_is_one_entry_as_ats_translate():
    mem, iommu = new_ats()
    host3(mem, iommu)
    (c,) = iommu.ats_translate_all(AtsRequest(DID, IOVA))
    assert c == iommu.ats_translate(AtsRequest(DID, IOVA))
    assert entries([c]) == [("SC", True, True, SPA, 12, None)]


def test_three_translations_consecutive_pages():
    # Length 6 DW = 3 translations: 0x4000_1000 -> SPA, 0x4000_2000 -> SPA2, 0x4000_3000 has
    # leaf PTE 0 (V=0): a read page fault, 13 -> Success with R=W=0, no record
    mem, iommu = new_ats()
    host3(mem, iommu)
    cs = iommu.ats_translate_all(AtsRequest(DID, IOVA, length=6))
    assert entries(cs) == [("SC", True, True, SPA, 12, None), ("SC", True, True, SPA2, 12, None),
                           ("SC", False, False, None, 12, 13)]
    assert fqt(iommu) == 0


def test_a_later_completer_abort_ends_the_entries_unreported():
    # the third page's leaf PTE (0x22018) gets a bus error: read access fault 5 -> CA. Entry 3
    # would be a CA: the completion ends after entry 2, and nothing is recorded
    mem, iommu = new_ats()
    host3(mem, iommu, third=pte(0x8_0000_A000, RW))
    mem.set_access_fault(FS_L0 + 0x18, FS_L0 + 0x20)
    cs = iommu.ats_translate_all(AtsRequest(DID, IOVA, length=8))
    assert entries(cs) == [("SC", True, True, SPA, 12, None), ("SC", True, True, SPA2, 12, None)]
    assert fqt(iommu) == 0
    # asked for that address, the device gets the CA, and the fault is recorded (TTYP 8)
    (c,) = iommu.ats_translate_all(AtsRequest(DID, 0x4000_3000, length=4))
    assert (c.status, c.cause) == ("CA", 5) and fqt(iommu) == 1


def test_next_entry_follows_a_large_page():
    # a 2 MiB leaf at level 1 maps 0x4020_0000..0x403F_FFFF -> 0x8_0020_0000 (VPN[1] = 1 ->
    # PTE at 0x21008); the next range starts at 0x4040_0000 (VPN[1] = 2 -> 0x21010), a 4 KiB
    # table at 0x23000 whose entry 0 maps -> 0x8_0050_0000
    mem, iommu = new_ats()
    setup_dc(mem, iommu, DID, tc=TC_V | TC_EN_ATS, fsc=atp(SV39, FS_ROOT))
    mem.write64(FS_ROOT + 1 * 8, pte(FS_L1, V))
    mem.write64(FS_L1 + 1 * 8, pte(0x8_0020_0000, RW))
    mem.write64(FS_L1 + 2 * 8, pte(0x23000, V))
    mem.write64(0x23000, pte(0x8_0050_0000, RW))
    cs = iommu.ats_translate_all(AtsRequest(DID, 0x4030_0000, length=4))
    assert entries(cs) == [("SC", True, True, 0x8_0020_0000, 21, None),
                           ("SC", True, True, 0x8_0050_0000, 12, None)]


def test_hpm_event_3_counts_one_request():
    from models import Reg
    mem, iommu = new_ats(CAPS_ATS | 1 << 30)
    host3(mem, iommu)
    iommu.write_reg(Reg.IOHPMEVT1, 3)
    iommu.ats_translate_all(AtsRequest(DID, IOVA, length=6))
    assert iommu.read_reg(Reg.IOHPMCTR1) == 1


# ============================================================================ MRIF: U = 1
MSIPT = 0x70000
MSI_FLAT, MSI_MRIF = 1 << 22, 1 << 23


def test_mrif_page_answers_r_w_u():
    # MRIF-mode PTE (AIA layout): MRIF 0x9000_0400 -> dw0 0x2400_0103; notice 0x2F00_0000, NID
    # 0x4A5 -> dw1 0x1000_0000_0BC0_00A5 (tests/unit/test_msi_mrif.py's derivation). Even with
    # No Write = 1 the spec sets R, W and U; no translated address
    mem, iommu = new_ats(CAPS_ATS | MSI_FLAT | MSI_MRIF)
    setup_dc(mem, iommu, DID, tc=TC_V | TC_EN_ATS, ext=True, iohgatp=atp(SV39X4, 0x40000, 1),
             msiptp=atp(1, MSIPT), mask=0x3, pattern=0x28000)
    mem.write64(MSIPT + 0x20, 0x2400_0103)
    mem.write64(MSIPT + 0x28, 0x1000_0000_0BC0_00A5)
    c = iommu.ats_translate(AtsRequest(DID, 0x2800_2000, no_write=True))
    assert (c.status, c.r, c.w, c.x, c.u, c.g, c.addr, c.size_log2) == (
        "SC", True, True, False, True, False, None, 12)
    assert fqt(iommu) == 0


# ============================================================================ CXL.io, AMA
def test_not_cxl_is_0_and_ama_000():
    mem, iommu = new_ats()
    host3(mem, iommu)
    c = iommu.ats_translate(AtsRequest(DID, IOVA))
    assert (c.cxl_io, c.ama) == (False, 0)
    assert c.permits_cxl_io(False) and not c.permits_cxl_io(True)


def test_cxl_pma_without_svpbmt_is_unspecified():
    mem, iommu = new_ats()
    host3(mem, iommu)
    c = iommu.ats_translate(AtsRequest(DID, IOVA, cxl=True))
    assert c.cxl_io is None and c.permits_cxl_io(True) and c.permits_cxl_io(False)


@pytest.mark.parametrize("pbmt,want", [(0, None), (1, True), (2, True)])   # PMA, NC, IO
def test_cxl_by_memory_type(pbmt, want):
    # Svpbmt (capabilities bit 15): PBMT in leaf bits 62:61
    mem, iommu = new_ats(CAPS_ATS | 1 << 15)
    host3(mem, iommu)
    mem.write64(FS_L0 + 8, pte(SPA, RW) | pbmt << 61)
    c = iommu.ats_translate(AtsRequest(DID, IOVA, cxl=True))
    assert (c.status, c.r, c.cxl_io) == ("SC", True, want)


def test_cxl_t2gpa_is_1():
    mem, iommu = new_ats()
    guest(mem, iommu, t2gpa=True)
    assert iommu.ats_translate(AtsRequest(DID, IOVA, cxl=True)).cxl_io is True
    mem2, iommu2 = new_ats()
    guest(mem2, iommu2, t2gpa=False)
    assert iommu2.ats_translate(AtsRequest(DID, IOVA, cxl=True)).cxl_io is None


def test_cxl_msi_page_is_1():
    mem, iommu = new_ats(CAPS_ATS | MSI_FLAT)
    setup_dc(mem, iommu, DID, tc=TC_V | TC_EN_ATS, ext=True, iohgatp=atp(SV39X4, 0x40000, 1),
             msiptp=atp(1, MSIPT), mask=0x3, pattern=0x28000)
    mem.write64(MSIPT + 0x20, pte(0x9_1234_5000, V | 3 << 1))
    c = iommu.ats_translate(AtsRequest(DID, 0x2800_2ABC, cxl=True))
    assert (c.addr, c.cxl_io) == (0x9_1234_5000, True)


# ============================================================================ the device ATC
def test_oracle_records_each_entry_at_its_own_address():
    # entries for 0x4020_0000 (2 MiB -> 0x8_0020_0000) and the next range 0x4040_0000 (4 KiB
    # -> 0x8_0050_0000): a translated read of 0x8_0050_0010 is permitted (entry 2), and the
    # device's ATC gives 0x4040_0abc -> 0x8_0050_0abc, 0x4030_1000 -> 0x8_0030_1000
    from models.ats import AtsCompletion
    from scoreboards import CoherenceOracle
    from scoreboards.ats_cache import Permit
    o = CoherenceOracle()
    e1 = AtsCompletion("SC", r=True, addr=0x8_0020_0000, size_log2=21)
    e2 = AtsCompletion("SC", r=True, addr=0x8_0050_0000, size_log2=12)
    o.ats_completions(DID, None, 0x4030_0000, (e1, e2))
    assert o.check_translated(DID, 0x8_0050_0010) is None
    assert o.atc.permitted(DID, None, 0x4040_0ABC) == {Permit(0x8_0050_0ABC, True, False, False)}
    assert o.atc.permitted(DID, None, 0x4030_1000) == {Permit(0x8_0030_1000, True, False, False)}
