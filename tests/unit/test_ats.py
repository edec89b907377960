"""PCIe ATS: translation requests and their completions, translated requests (EN_ATS, T2GPA),
and the DC checks of the ATS controls (capabilities.ATS = bit 25, T2GPA = bit 26).

Spec (riscv-iommu, src/iommu_data_structures.adoc): "Translation control (tc)" (EN_ATS, T2GPA),
"Device-context configuration checks" (checks 2-7), "Process to translate an IOVA" (steps 2,
7, 8, 9), "PCIe ATS translation request handling" (UR / CA / Success with R=W=0, the
permissions, Priv, N, Global); src/iommu_in_memory_queues.adoc fault record (TTYP 8).
The expected values are worked out by hand in the comments.
"""

import pytest

from models import Memory, IommuModel, Reg, TTYP
from models.ats import AtsRequest, decode_range, encode_range
from tables import (A, CAPS, D, G, G_LEAF, OFF, BARE, PC_ENS, PC_SUM, PC_V, PD8, R,
                    SV39, SV39X4, TC_DTF, TC_EN_ATS, TC_EN_PRI, TC_PDTV, TC_PRPR, TC_T2GPA, TC_V,
                    U, V, W, X, atp, ddtp, enable_fq, map_va, place_pc, pte, record, res,
                    setup_dc, tr)

ATS, T2GPA = 1 << 25, 1 << 26
CAPS_ATS = CAPS | ATS | T2GPA
DID = 5
FS_ROOT, FS_L1, FS_L0 = 0x20000, 0x21000, 0x22000
PDT = 0x30000
IOVA = 0x4000_1234          # Sv39: VPN[2] = 1, VPN[1] = 0, VPN[0] = 1
SPA = 0x8_0000_5000
TR_R, TR_W, TR_X = TTYP.TRANSLATED_READ, TTYP.TRANSLATED_WRITE, TTYP.TRANSLATED_EXEC


def new_ats(caps=CAPS_ATS):
    mem = Memory()
    iommu = IommuModel(mem, capabilities=caps)
    enable_fq(iommu)
    return mem, iommu


def fqt(iommu):
    return iommu.read_reg(Reg.FQT, size=4)


def host(mem, iommu, leaf, tc=TC_V | TC_EN_ATS, va=IOVA):
    """A host device (no G-stage), Sv39 from DC.fsc, `va` mapped by a 4 KiB `leaf`."""
    setup_dc(mem, iommu, DID, tc=tc, fsc=atp(SV39, FS_ROOT))
    map_va(mem, va, leaf, [FS_ROOT, FS_L1, FS_L0])


def with_pasid(mem, iommu, leaf, pc_ta=PC_V | PC_ENS, pid=7):
    """PDTV=1, PD8 at PDT; process `pid` with Sv39 at FS_ROOT mapping IOVA by `leaf`."""
    setup_dc(mem, iommu, DID, tc=TC_V | TC_EN_ATS | TC_PDTV, fsc=atp(PD8, PDT))
    place_pc(mem, PD8, pid, pc_ta | (0x33 << 12), atp(SV39, FS_ROOT), [PDT])
    map_va(mem, IOVA, leaf, [FS_ROOT, FS_L1, FS_L0])


# =========================================================================== capability bits
def test_capability_bits_are_accepted_and_read_back():
    iommu = IommuModel(Memory(), capabilities=CAPS_ATS)
    assert iommu.read_reg(Reg.CAPABILITIES) == 0x0000_01F8_1606_0610     # CAPS | bits 25, 26
    assert iommu.caps.ats and iommu.caps.t2gpa


def test_ats_translate_refused_without_the_capability():
    with pytest.raises(ValueError, match="capabilities.ATS is 0"):
        IommuModel(Memory()).ats_translate(AtsRequest(DID, IOVA))


# =========================================================================== DC checks 2-7
@pytest.mark.parametrize("tc,caps,cause", [
    (TC_EN_ATS, CAPS_ATS, None),                    # legal
    (TC_EN_ATS | TC_EN_PRI | TC_PRPR, CAPS_ATS, None),
    (TC_EN_ATS, CAPS, 259),                         # check 2: capabilities.ATS = 0
    (TC_T2GPA, CAPS_ATS, 259),                      # check 3: EN_ATS = 0, T2GPA = 1
    (TC_EN_PRI, CAPS_ATS, 259),                     # check 4: EN_ATS = 0, EN_PRI = 1
    (TC_EN_ATS | TC_PRPR, CAPS_ATS, 259),           # check 5: EN_PRI = 0, PRPR = 1
    (TC_EN_ATS | TC_T2GPA, CAPS | ATS, 259),        # check 6: capabilities.T2GPA = 0
])
def test_dc_ats_checks(tc, caps, cause):
    mem, iommu = new_ats(caps)
    host(mem, iommu, pte(SPA, V | R | W | U | A | D), tc=TC_V | tc)
    # a good DC translates the untranslated read: SPA | 0x234
    assert res(tr(iommu, DID, IOVA)) == ((None, 259) if cause else (SPA | 0x234, None))


def test_dc_t2gpa_needs_a_g_stage():
    # check 7: T2GPA = 1 with iohgatp.MODE Bare is misconfigured; with Sv39x4 it is not (the
    # G-stage is empty there: a read of GPA 0x1000 is then a read guest-page fault, 21)
    mem, iommu = new_ats()
    setup_dc(mem, iommu, DID, tc=TC_V | TC_EN_ATS | TC_T2GPA)
    assert res(tr(iommu, DID, 0x1000)) == (None, 259)
    setup_dc(mem, iommu, DID, tc=TC_V | TC_EN_ATS | TC_T2GPA, iohgatp=atp(SV39X4, 0x40000))
    assert res(tr(iommu, DID, 0x1000)) == (None, 21)


# =========================================================================== Success
def test_success_read_write():
    # leaf V R W U A D -> SPA 0x8_0000_5000: a user request (no PASID) gets R=W=1, X=0, a
    # 4 KiB range at the page of SPA (S=0), Priv=0, N=0, U=0, Global=0; no fault record
    mem, iommu = new_ats()
    host(mem, iommu, pte(SPA, V | R | W | U | A | D))
    c = iommu.ats_translate(AtsRequest(DID, IOVA))
    assert (c.status, c.r, c.w, c.x, c.u, c.priv, c.n, c.g) == ("SC", True, True, False, False,
                                                                False, False, False)
    assert (c.addr, c.size_log2, c.cause) == (SPA, 12, None)
    assert c.address_field() == (SPA, False)
    assert fqt(iommu) == 0


def test_no_write_requested_gives_w0():
    # No Write = 1: read-only access asked for, the model answers W=0
    mem, iommu = new_ats()
    host(mem, iommu, pte(SPA, V | R | W | U | A | D))
    c = iommu.ats_translate(AtsRequest(DID, IOVA, no_write=True))
    assert (c.r, c.w, c.addr) == (True, False, SPA)


def test_read_only_page_denies_w():
    # "no-write not requested and no write permission": W=0, R from the tables
    mem, iommu = new_ats()
    host(mem, iommu, pte(SPA, V | R | U | A))
    c = iommu.ats_translate(AtsRequest(DID, IOVA))
    assert (c.status, c.r, c.w, c.addr) == ("SC", True, False, SPA)
    assert fqt(iommu) == 0


def test_dirty_clear_page_denies_w_without_sade():
    # D=0 with SADE=0: a write would page-fault (15), so W=0; the read is fine (A=1)
    mem, iommu = new_ats()
    host(mem, iommu, pte(SPA, V | R | W | U | A))
    c = iommu.ats_translate(AtsRequest(DID, IOVA))
    assert (c.r, c.w) == (True, False)


@pytest.mark.parametrize("flags", [V | U | A | D, V | X | U | A | D])
def test_unreadable_page_gives_no_access(flags):
    # V|U|A|D (R=W=X=0) at level 0 is a non-leaf PTE with U/A/D set and no level left: read
    # page fault (13); X-only is readable by nobody (no MXR): 13 as well. Either way Success
    # with R=W=X=0 (X only with R), no record.
    mem, iommu = new_ats()
    host(mem, iommu, pte(SPA, flags))
    c = iommu.ats_translate(AtsRequest(DID, IOVA))
    assert (c.status, c.r, c.w, c.x, c.addr, c.cause) == ("SC", False, False, False, None, 13)
    assert not c.ok
    assert fqt(iommu) == 0


def test_user_request_to_supervisor_page_gives_no_access():
    # no PASID -> a User request; U=0 page: "Success response with R and W bits set to 0"
    mem, iommu = new_ats()
    host(mem, iommu, pte(SPA, V | R | W | A | D))
    c = iommu.ats_translate(AtsRequest(DID, IOVA))
    assert (c.status, c.r, c.w, c.cause) == ("SC", False, False, 13)
    assert fqt(iommu) == 0


def test_unmapped_page_gives_no_access():
    # the leaf PTE is 0 (V=0): read page fault 13 -> Success R=W=0, not reported
    mem, iommu = new_ats()
    host(mem, iommu, 0)
    c = iommu.ats_translate(AtsRequest(DID, IOVA))
    assert (c.status, c.r, c.w, c.cause) == ("SC", False, False, 13)
    assert fqt(iommu) == 0


def test_superpage_range_and_s_encoding():
    # a 2 MiB leaf at level 1 (PTE at FS_L1 + 0): IOVA 0x4000_1234 lies in the 2 MiB page at
    # 0x4000_0000 -> SPA 0x8_0020_0000. Range 2^21: S=1 and, PCIe's encoding, address bits
    # 19:12 are 1 and bit 20 is 0: 0x8_0020_0000 | 0xFF000.
    mem, iommu = new_ats()
    setup_dc(mem, iommu, DID, tc=TC_V | TC_EN_ATS, fsc=atp(SV39, FS_ROOT))
    map_va(mem, IOVA, pte(0x8_0020_0000, V | R | W | U | A | D), [FS_ROOT, FS_L1])
    c = iommu.ats_translate(AtsRequest(DID, IOVA))
    assert (c.addr, c.size_log2) == (0x8_0020_0000, 21)
    assert c.address_field() == (0x8_002F_F000, True)
    assert c.translate(0x4001_2345) == 0x8_0021_2345


@pytest.mark.parametrize("field,s,base,size_log2", [
    (0x1234_5000, False, 0x1234_5000, 12),       # S=0: 4 KiB
    (0x1234_4000, True, 0x1234_4000, 13),        # bit 12 = 0: 8 KiB
    (0x1234_5000, True, 0x1234_4000, 14),        # bit 12 = 1, bit 13 = 0: 16 KiB
    (0x4000_0000 | 0x1FFF_F000, True, 0x4000_0000, 30),   # bits 28:12 = 1, bit 29 = 0: 1 GiB
])
def test_range_encoding(field, s, base, size_log2):
    # PCIe: with S=1 the lowest 0 bit of the address field at 12 + x gives 2^(13 + x) bytes
    assert decode_range(field, s) == (base, size_log2)
    assert encode_range(base, size_log2) == (field, s)


# --------------------------------------------------------------------- with a PASID
def test_execute_requested_and_granted():
    # PASID 7, Execute Requested, leaf R W X U: X=1 (R is granted and execute asked for)
    mem, iommu = new_ats()
    with_pasid(mem, iommu, pte(SPA, V | R | W | X | U | A | D))
    c = iommu.ats_translate(AtsRequest(DID, IOVA, pid=7, exec_req=True))
    assert (c.r, c.w, c.x, c.priv) == (True, True, True, False)


def test_execute_not_requested_gives_x0():
    mem, iommu = new_ats()
    with_pasid(mem, iommu, pte(SPA, V | R | W | X | U | A | D))
    c = iommu.ats_translate(AtsRequest(DID, IOVA, pid=7))
    assert (c.r, c.w, c.x) == (True, True, False)


def test_execute_requested_no_x_permission():
    # "Execute requested but no execute permission": X=0, R and W from the tables
    mem, iommu = new_ats()
    with_pasid(mem, iommu, pte(SPA, V | R | W | U | A | D))
    c = iommu.ats_translate(AtsRequest(DID, IOVA, pid=7, exec_req=True))
    assert (c.status, c.r, c.w, c.x) == ("SC", True, True, False)


def test_priv_field_and_supervisor_page():
    # Privilege Mode Requested = 1 with ENS = 1: a supervisor request. U=0 page: R=W=1, and
    # the completion's Priv is the requested privilege, 1.
    mem, iommu = new_ats()
    with_pasid(mem, iommu, pte(SPA, V | R | W | A | D))
    c = iommu.ats_translate(AtsRequest(DID, IOVA, pid=7, priv_s=True))
    assert (c.r, c.w, c.priv) == (True, True, True)


def test_supervisor_request_user_page_without_sum():
    # U=1 page and PC.ta.SUM = 0: "Success response with R and W bits set to 0"; with SUM = 1
    # the supervisor request may read and write it.
    mem, iommu = new_ats()
    with_pasid(mem, iommu, pte(SPA, V | R | W | U | A | D))
    c = iommu.ats_translate(AtsRequest(DID, IOVA, pid=7, priv_s=True))
    assert (c.status, c.r, c.w, c.cause) == ("SC", False, False, 13)
    with_pasid(mem, iommu, pte(SPA, V | R | W | U | A | D), pc_ta=PC_V | PC_ENS | PC_SUM)
    c = iommu.ats_translate(AtsRequest(DID, IOVA, pid=7, priv_s=True))
    assert (c.r, c.w, c.priv) == (True, True, True)
    assert fqt(iommu) == 0


def test_global_from_the_first_stage_with_a_pasid_only():
    # Global = the first-stage G bit when the request had a PASID; always 0 without one
    mem, iommu = new_ats()
    with_pasid(mem, iommu, pte(SPA, V | R | W | U | G | A | D))
    assert iommu.ats_translate(AtsRequest(DID, IOVA, pid=7)).g is True
    host(mem, iommu, pte(SPA, V | R | W | U | G | A | D))
    assert iommu.ats_translate(AtsRequest(DID, IOVA)).g is False


def test_pasid_needed_for_priv_and_exec():
    with pytest.raises(ValueError, match="PASID"):
        AtsRequest(DID, IOVA, exec_req=True)


# =========================================================================== UR and CA
def ttyp8_record(cause, did=DID, iova=IOVA):
    # DW0 = CAUSE | TTYP 8 << 34 | DID << 40 (PV = PRIV = 0); iotval = the IOVA
    return [cause | 8 << 34 | did << 40, 0, iova, 0]


def test_ur_when_ats_disabled_in_the_dc():
    # EN_ATS = 0: step 7, "Transaction type disallowed" (260) -> UR, and reported
    mem, iommu = new_ats()
    host(mem, iommu, pte(SPA, V | R | W | U | A | D), tc=TC_V)
    c = iommu.ats_translate(AtsRequest(DID, IOVA))
    assert (c.status, c.cause, c.addr) == ("UR", 260, None)
    assert record(mem, 0) == ttyp8_record(260)       # 260 | 8 << 34 | 5 << 40


@pytest.mark.parametrize("mode,cause", [(OFF, 256), (BARE, 260)])
def test_ur_in_off_and_bare(mode, cause):
    # Off: 256; Bare: an ATS translation request is disallowed (step 2): 260. Both UR.
    mem, iommu = new_ats()
    iommu.write_reg(Reg.DDTP, ddtp(mode))
    c = iommu.ats_translate(AtsRequest(DID, IOVA))
    assert (c.status, c.cause) == ("UR", cause)
    assert record(mem, 0) == ttyp8_record(cause)


def test_ur_dc_not_valid():
    mem, iommu = new_ats()
    setup_dc(mem, iommu, DID, tc=0)
    assert str(iommu.ats_translate(AtsRequest(DID, IOVA))) == "UR(cause 258)"
    assert record(mem, 0) == ttyp8_record(258)


def test_ca_on_a_pte_access_fault():
    # the leaf PTE (FS_L0 + 8) cannot be read: read access fault 5 -> Completer Abort, reported
    mem, iommu = new_ats()
    host(mem, iommu, pte(SPA, V | R | W | U | A | D))
    mem.set_access_fault(FS_L0, FS_L0 + 0x1000)
    c = iommu.ats_translate(AtsRequest(DID, IOVA))
    assert (c.status, c.cause) == ("CA", 5)
    assert record(mem, 0) == ttyp8_record(5)


def test_ca_on_a_misconfigured_pc():
    # PC.ta with reserved bit 3 set: PDT entry misconfigured (267) -> CA, reported with PV=1,
    # PID 7: DW0 = 267 | 7 << 12 | 1 << 32 | 8 << 34 | 5 << 40
    mem, iommu = new_ats()
    with_pasid(mem, iommu, pte(SPA, V | R | W | U | A | D), pc_ta=PC_V | PC_ENS | 1 << 3)
    c = iommu.ats_translate(AtsRequest(DID, IOVA, pid=7))
    assert (c.status, c.cause) == ("CA", 267)
    assert record(mem, 0)[0] == 267 | 7 << 12 | 1 << 32 | 8 << 34 | 5 << 40


def test_pdt_entry_not_valid_is_success_without_access():
    # PC of PASID 8 is 0 (V=0): 266 -> Success with R=W=0 and no record
    mem, iommu = new_ats()
    with_pasid(mem, iommu, pte(SPA, V | R | W | U | A | D))
    c = iommu.ats_translate(AtsRequest(DID, IOVA, pid=8))
    assert (c.status, c.r, c.w, c.cause) == ("SC", False, False, 266)
    assert fqt(iommu) == 0


def test_dtf_suppresses_the_ca_record():
    # DTF=1: the CA (cause 5) is still returned but not reported (5 is not reported with DTF)
    mem, iommu = new_ats()
    host(mem, iommu, pte(SPA, V | R | W | U | A | D), tc=TC_V | TC_EN_ATS | TC_DTF)
    mem.set_access_fault(FS_L0, FS_L0 + 0x1000)
    assert iommu.ats_translate(AtsRequest(DID, IOVA)).status == "CA"
    assert fqt(iommu) == 0


def test_translate_of_ttyp8_reports_no_page_fault():
    # translate() with TTYP 8 gives the read walk's outcome; a page fault is not reported
    # (the completion is a Success with R=W=0)
    mem, iommu = new_ats()
    host(mem, iommu, 0)
    assert res(tr(iommu, DID, IOVA, TTYP.PCIE_ATS)) == (None, 13)
    assert fqt(iommu) == 0


# =========================================================================== T2GPA
GROOT = 0x40000                       # Sv39x4 root (16 KiB aligned)
GPA = 0x4010_3000                     # the first stage's output for IOVA
GSPA = 0x2_0000_0000                  # G-stage: GPA 1 GiB page #1 -> SPA 0x2_0000_0000


def guest(mem, iommu, t2gpa):
    """Two stages: G-stage Sv39x4 with two 1 GiB leaves at the root: GPA [0, 1 GiB) -> SPA
    [0, 1 GiB) (index 0: the first-stage tables live there) and GPA [1 GiB, 2 GiB) -> SPA
    [8 GiB, 9 GiB) (index 1). First stage Sv39 at GPA FS_ROOT maps IOVA -> GPA 0x4010_3000."""
    tc = TC_V | TC_EN_ATS | (TC_T2GPA if t2gpa else 0)
    setup_dc(mem, iommu, DID, tc=tc, iohgatp=atp(SV39X4, GROOT, 3), fsc=atp(SV39, FS_ROOT))
    mem.write64(GROOT + 0 * 8, pte(0, G_LEAF))
    mem.write64(GROOT + 1 * 8, pte(GSPA, G_LEAF))
    map_va(mem, IOVA, pte(GPA, V | R | W | U | A | D), [FS_ROOT, FS_L1, FS_L0])


def test_t2gpa_completion_carries_the_gpa():
    # T2GPA=1: the completion's address is the GPA 0x4010_3000, not the SPA 0x2_0010_3000;
    # the size is the smaller stage's (4 KiB first-stage leaf, 1 GiB G-stage leaf): 4 KiB
    mem, iommu = new_ats()
    guest(mem, iommu, t2gpa=True)
    c = iommu.ats_translate(AtsRequest(DID, IOVA))
    assert (c.status, c.r, c.w, c.addr, c.size_log2) == ("SC", True, True, GPA, 12)


def test_without_t2gpa_the_completion_carries_the_spa():
    mem, iommu = new_ats()
    guest(mem, iommu, t2gpa=False)
    c = iommu.ats_translate(AtsRequest(DID, IOVA))
    assert c.addr == 0x2_0010_3000


@pytest.mark.parametrize("ttyp", [TR_R, TR_W, TR_X])
def test_translated_request_through_the_g_stage_with_t2gpa(ttyp):
    # step 9: the address of a translated request is a GPA, first stage Bare: GPA
    # 0x4010_3abc -> G-stage 1 GiB leaf #1 -> 0x2_0000_0000 + 0x10_3abc
    mem, iommu = new_ats()
    guest(mem, iommu, t2gpa=True)
    assert res(tr(iommu, DID, GPA | 0xABC, ttyp)) == (0x2_0010_3ABC, None)


@pytest.mark.parametrize("ttyp,cause", [(TR_R, 21), (TR_W, 23), (TR_X, 20)])
def test_translated_request_guest_page_fault_with_t2gpa(ttyp, cause):
    # GPA 0x8000_0000 is root index 2, empty: a guest-page fault of the access type, reported
    # with TTYP 5/6/7, iotval = the address, iotval2 = GPA (bits 1:0 = 0: not implicit)
    mem, iommu = new_ats()
    guest(mem, iommu, t2gpa=True)
    out = tr(iommu, DID, 0x8000_0010, ttyp)
    assert (res(out), out.iotval2) == ((None, cause), 0x8000_0010)
    assert record(mem, 0) == [cause | int(ttyp) << 34 | DID << 40, 0, 0x8000_0010, 0x8000_0010]


@pytest.mark.parametrize("ttyp", [TR_R, TR_W, TR_X])
def test_translated_request_passes_through_without_t2gpa(ttyp):
    # step 8: T2GPA = 0, the address is an SPA: done, no checks (even an address no table maps)
    mem, iommu = new_ats()
    guest(mem, iommu, t2gpa=False)
    assert res(tr(iommu, DID, 0x2_0010_3ABC, ttyp)) == (0x2_0010_3ABC, None)
    assert res(tr(iommu, DID, 0x7777_7000, ttyp)) == (0x7777_7000, None)


@pytest.mark.parametrize("ttyp", [TR_R, TR_W, TR_X])
def test_translated_request_needs_en_ats(ttyp):
    mem, iommu = new_ats()
    host(mem, iommu, pte(SPA, V | R | W | U | A | D), tc=TC_V)
    assert res(tr(iommu, DID, SPA, ttyp)) == (None, 260)


def test_translated_request_with_pid_needs_pdtv():
    # step 7 applies to translated requests too: a process_id with PDTV = 0 is 260
    mem, iommu = new_ats()
    host(mem, iommu, pte(SPA, V | R | W | U | A | D))
    assert res(tr(iommu, DID, SPA, TR_R, pid=3)) == (None, 260)


def test_pcie_message_is_not_translated():
    mem, iommu = new_ats()
    host(mem, iommu, pte(SPA, V | R | W | U | A | D))
    assert res(tr(iommu, DID, 0x4, TTYP.PCIE_MSG)) == (None, 260)


# =========================================================================== A/D, MSI, HPM
AMO_HWAD = 1 << 24


def test_write_permission_sets_d_with_sade():
    # SADE=1 (AMO_HWAD): leaf V R W U A, D=0. Granting W lets the device write without the
    # IOMMU seeing it, so the write walk sets D (bit 7) before the completion: W=1 and the PTE
    # at FS_L0 + 8 becomes leaf | D. With No Write = 1 nothing is written (A is already 1).
    from tables import TC_SADE
    leaf = pte(SPA, V | R | W | U | A)
    mem, iommu = new_ats(CAPS_ATS | AMO_HWAD)
    host(mem, iommu, leaf, tc=TC_V | TC_EN_ATS | TC_SADE)
    assert iommu.ats_translate(AtsRequest(DID, IOVA, no_write=True)).w is False
    assert mem.read64(FS_L0 + 8) == leaf
    c = iommu.ats_translate(AtsRequest(DID, IOVA))
    assert (c.r, c.w) == (True, True)
    assert mem.read64(FS_L0 + 8) == leaf | D


MSIPT = 0x70000


def msi_dc(mem, iommu, msipte):
    # extended DC (MSI_FLAT), G-stage Sv39x4 (empty), MSI mask 0x3 pattern 0x28000: GPA page
    # 0x28002 is an MSI page, interrupt file 2 -> MSI PTE at MSIPT + 2 * 16
    setup_dc(mem, iommu, DID, tc=TC_V | TC_EN_ATS, ext=True, iohgatp=atp(SV39X4, 0x40000, 1),
             msiptp=atp(1, MSIPT), mask=0x3, pattern=0x28000)
    mem.write64(MSIPT + 0x20, msipte)


def test_msi_page_completion():
    # basic-mode MSI PTE (V, M=3) -> 0x9_1234_5000: like a G-stage PTE with R=W=U=1, X=0: R=W=1,
    # X=0 even when asked (execute is cause 1, a denied permission here), 4 KiB, Global 0
    mem, iommu = new_ats(CAPS_ATS | (1 << 22))
    msi_dc(mem, iommu, pte(0x9_1234_5000, V | 3 << 1))
    c = iommu.ats_translate(AtsRequest(DID, 0x2800_2ABC))
    assert (c.status, c.r, c.w, c.x, c.g, c.addr, c.size_log2) == (
        "SC", True, True, False, False, 0x9_1234_5000, 12)


@pytest.mark.parametrize("msipte,want", [(pte(0x9_1234_5000, 3 << 1), ("SC", 262)),   # V=0
                                         (pte(0x9_1234_5000, V | 1 << 1), ("CA", 263))])  # MRIF
def test_msi_pte_faults(msipte, want):
    # MSI PTE not valid: Success with R=W=0; MRIF mode without MSI_MRIF: misconfigured, CA
    mem, iommu = new_ats(CAPS_ATS | (1 << 22))
    msi_dc(mem, iommu, msipte)
    c = iommu.ats_translate(AtsRequest(DID, 0x2800_2ABC))
    assert (c.status, c.cause, c.r) == (*want, False)
    assert fqt(iommu) == (1 if want[0] == "CA" else 0)


def test_hpm_event_3_counts_ats_translation_requests():
    # iohpmevt1 = eventID 3 (ATS translation requests), no filter: one per ats_translate,
    # none for an untranslated request
    mem, iommu = new_ats(CAPS_ATS | 1 << 30)
    host(mem, iommu, pte(SPA, V | R | W | U | A | D))
    iommu.write_reg(Reg.IOHPMEVT1, 3)
    iommu.ats_translate(AtsRequest(DID, IOVA))
    iommu.ats_translate(AtsRequest(DID, IOVA, no_write=True))
    tr(iommu, DID, IOVA)
    assert iommu.read_reg(Reg.IOHPMCTR1) == 2
