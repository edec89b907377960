"""PRI: page requests, the page-request queue (pqb/pqh/pqt/pqcsr), ipsr.pip and its interrupt,
and the PRG responses the IOMMU generates itself.

Spec (riscv-iommu): src/iommu_data_structures.adoc "PCIe ATS Page Request handling" (when a
message is queued; Response Failure / Invalid Request / Success; PRPR and the PASID; what is
not logged); src/iommu_in_memory_queues.adoc "Page-Request-Queue (PQ)" (the 16-byte record:
PID [31:12], PV [32], PRIV [33], EXEC [34], DID [63:40], PAYLOAD R [0] W [1] L [2] PRG index
[11:3] page address [63:12]; pqof / pqmf discard); src/iommu_registers.adoc pqb, pqh, pqt,
pqcsr (pqen 0 -> 1 zeroes pqt, pqmf, pqof), ipsr.pip (bit 3), icvec.piv [15:12].
"""

import pytest

from models import IommuModel, Memory, Reg
from models.page_request import PageRequest, PrgResponse
from tables import (CAPS, OFF, BARE, TC_DTF, TC_EN_ATS, TC_EN_PRI, TC_PRPR, TC_V, ddtp,
                    enable_fq, qbase, record, setup_dc)

ATS = 1 << 25
CAPS_ATS = CAPS | ATS
PQ_BASE = 0x70000
PQEN, PIE, PQMF, PQOF, PQON = 1, 2, 1 << 8, 1 << 9, 1 << 16
PIP = 1 << 3
DID = 0x21
SF, IR, RF = 0x0, 0x1, 0xF          # PCIe PRG response codes: Success, Invalid Request, Failure


def new_pq(caps=CAPS_ATS, tc=TC_V | TC_EN_ATS | TC_EN_PRI, log2sz=2, pie=True):
    mem = Memory()
    iommu = IommuModel(mem, capabilities=caps)
    enable_fq(iommu)
    setup_dc(mem, iommu, DID, tc=tc)
    iommu.write_reg(Reg.PQB, qbase(PQ_BASE, log2sz))
    iommu.write_reg(Reg.PQCSR, PQEN | (PIE if pie else 0), size=4)
    return mem, iommu


def pq_record(mem, index):
    return [mem.read64(PQ_BASE + 16 * index), mem.read64(PQ_BASE + 16 * index + 8)]


def reg(iommu, r):
    return iommu.read_reg(r, size=4)


# ------------------------------------------------------------------ registers
def test_registers_with_ats():
    # pqb keeps PPN [53:10] and LOG2SZ-1 [4:0]; pqh keeps LOG2SZ bits (4 entries: 2 bits);
    # pqt is read-only; pqcsr: pqon follows pqen, busy reads 0
    mem = Memory()
    iommu = IommuModel(mem, capabilities=CAPS_ATS)
    iommu.write_reg(Reg.PQB, qbase(PQ_BASE, 2) | 0xFFC0_0000_0000_03E0)
    assert iommu.read_reg(Reg.PQB) == qbase(PQ_BASE, 2) == 0x1C001     # 0x70 << 10 | 1
    iommu.write_reg(Reg.PQH, 0xFFFF_FFFF, size=4)
    assert reg(iommu, Reg.PQH) == 3
    iommu.write_reg(Reg.PQT, 2, size=4)
    assert reg(iommu, Reg.PQT) == 0
    iommu.write_reg(Reg.PQCSR, PQEN | PIE, size=4)
    assert reg(iommu, Reg.PQCSR) == PQEN | PIE | PQON


def test_pqb_ignored_while_enabled():
    mem, iommu = new_pq()
    iommu.write_reg(Reg.PQB, qbase(0x90000, 3))
    assert iommu.read_reg(Reg.PQB) == qbase(PQ_BASE, 2)


def test_icvec_piv_one_bit_with_wsi():
    # IGS = WSI (two wires): piv keeps bit 12 only, as civ/fiv keep one bit each
    iommu = IommuModel(Memory(), capabilities=CAPS_ATS)
    iommu.write_reg(Reg.ICVEC, 0xFFFF)
    assert iommu.read_reg(Reg.ICVEC) == 0x1011
    assert IommuModel(Memory()).read_reg(Reg.ICVEC) == 0x10      # without ATS: no piv


# ------------------------------------------------------------------ queued
def test_page_request_is_queued():
    # PASID 0x12345, PRIV=1, EXEC=1, R=1 W=1 L=1, PRG index 0x1AB, page 0x8765_4000:
    # dw0 = 0x12345 << 12 | PV << 32 | PRIV << 33 | EXEC << 34 | 0x21 << 40
    #     = 0x0000_2107_1234_5000
    # dw1 = R | W << 1 | L << 2 | 0x1AB << 3 | 0x8765_4000 = 0x8765_4D5F
    mem, iommu = new_pq()
    msg = PageRequest(DID, 0x8765_4000, prgi=0x1AB, r=True, w=True, last=True,
                      pid=0x12345, priv=True, exec_req=True)
    assert iommu.page_request(msg) == []
    assert pq_record(mem, 0) == [0x0000_2107_1234_5000, 0x8765_4D5F]
    assert reg(iommu, Reg.PQT) == 1
    assert reg(iommu, Reg.IPSR) == PIP
    assert reg(iommu, Reg.FQT) == 0
    assert iommu.device_messages == []


def test_record_without_pasid():
    # no PASID: PV = PID = PRIV = EXEC = 0; a request without L needs no response
    mem, iommu = new_pq(pie=False)
    iommu.page_request(PageRequest(DID, 0x1000, prgi=3, last=False))
    # dw0 = 0x21 << 40; dw1 = R | 3 << 3 | 0x1000 = 0x1019
    assert pq_record(mem, 0) == [0x21 << 40, 0x1019]
    assert reg(iommu, Reg.IPSR) == 0                  # pie = 0: no pip


def test_stop_marker_is_queued():
    # R=W=0, L=1 with a PASID: a Stop Marker, queued like any page request
    mem, iommu = new_pq()
    assert iommu.page_request(PageRequest(DID, 0, r=False, w=False, last=True, pid=4)) == []
    assert pq_record(mem, 0) == [4 << 12 | 1 << 32 | 0x21 << 40, 0x4]


def test_pip_interrupt_on_the_piv_wire():
    # piv = 1 selects irq_fq's wire (vector 1): pip drives it; W1C of pip drops it
    mem, iommu = new_pq()
    iommu.write_reg(Reg.ICVEC, 0x1000)                # civ = fiv = 0, piv = 1
    iommu.page_request(PageRequest(DID, 0x1000))
    assert iommu.irq_wires() == (False, True)
    iommu.write_reg(Reg.IPSR, PIP, size=4)
    assert reg(iommu, Reg.IPSR) == 0 and iommu.irq_wires() == (False, False)


def test_pip_as_an_msi():
    # IGS = MSI (fctl.WSI = 0): pip 0 -> 1 sends vector piv's message: piv = 5 -> msi_addr_5
    # (0x300 + 5 * 16 = 0x350) and msi_data_5 (0x358)
    mem = Memory()
    iommu = IommuModel(mem, capabilities=CAPS_ATS & ~(3 << 28))
    setup_dc(mem, iommu, DID, tc=TC_V | TC_EN_ATS | TC_EN_PRI)
    iommu.write_reg(0x350, 0xA000)
    iommu.write_reg(0x358, 0x77, size=4)
    iommu.write_reg(Reg.ICVEC, 0x5000)
    iommu.write_reg(Reg.PQB, qbase(PQ_BASE, 2))
    iommu.write_reg(Reg.PQCSR, PQEN | PIE, size=4)
    iommu.page_request(PageRequest(DID, 0x1000))
    assert iommu.msi.sent == [(5, 0xA000, 0x77)]
    assert mem.read(0xA000, 4) == bytes([0x77, 0, 0, 0])


# ------------------------------------------------------------------ queue conditions
def test_full_queue_sets_pqof_and_answers_success():
    # 4 entries hold 3 records (full when pqt == pqh - 1): the 4th sets pqof, is discarded
    # and, L=1, answered Success; while pqof = 1 further ones are answered Success too.
    # PRPR = 0: no PASID in the response. Nothing goes to the fault queue.
    mem, iommu = new_pq()
    for i in range(3):
        assert iommu.page_request(PageRequest(DID, 0x1000 * (i + 1), prgi=i, pid=9)) == []
    assert reg(iommu, Reg.PQT) == 3
    assert iommu.page_request(PageRequest(DID, 0x9000, prgi=0x10, pid=9)) == [
        PrgResponse(DID, None, 0x10, SF)]
    assert reg(iommu, Reg.PQCSR) == PQEN | PIE | PQOF | PQON
    iommu.write_reg(Reg.PQH, 2, size=4)               # room again, but pqof still set
    assert iommu.page_request(PageRequest(DID, 0xA000, prgi=0x11)) == [
        PrgResponse(DID, None, 0x11, SF)]
    assert reg(iommu, Reg.PQT) == 3
    assert reg(iommu, Reg.FQT) == 0
    iommu.write_reg(Reg.PQCSR, PQEN | PIE | PQOF, size=4)   # W1C pqof: queued again
    assert iommu.page_request(PageRequest(DID, 0xB000, prgi=0x12)) == []
    assert reg(iommu, Reg.PQT) == 0                   # 3 + 1 wraps at 4


def test_success_response_carries_the_pasid_with_prpr():
    mem, iommu = new_pq(tc=TC_V | TC_EN_ATS | TC_EN_PRI | TC_PRPR, log2sz=1)
    iommu.page_request(PageRequest(DID, 0x1000, pid=9))             # 2 entries: 1 record fits
    assert iommu.page_request(PageRequest(DID, 0x2000, prgi=5, pid=9)) == [
        PrgResponse(DID, 9, 5, SF)]


def test_no_response_for_l0_or_stop_marker_when_dropped():
    mem, iommu = new_pq(log2sz=1)
    iommu.page_request(PageRequest(DID, 0x1000))
    assert iommu.page_request(PageRequest(DID, 0x2000, last=False)) == []
    assert iommu.page_request(PageRequest(DID, 0, r=False, w=False, last=True, pid=1)) == []
    assert iommu.device_messages == []


def test_memory_fault_sets_pqmf_and_answers_failure():
    # the record write faults: pqmf, pip, Response Failure (with the PASID, as always for
    # Response Failure); no fault record
    mem, iommu = new_pq()
    mem.set_access_fault(PQ_BASE, PQ_BASE + 0x1000)
    assert iommu.page_request(PageRequest(DID, 0x1000, prgi=2, pid=6)) == [
        PrgResponse(DID, 6, 2, RF)]
    assert reg(iommu, Reg.PQCSR) == PQEN | PIE | PQMF | PQON
    assert reg(iommu, Reg.IPSR) == PIP
    assert reg(iommu, Reg.PQT) == 0 and reg(iommu, Reg.FQT) == 0


def test_queue_off_answers_failure_without_a_record():
    mem, iommu = new_pq()
    iommu.write_reg(Reg.PQCSR, 0, size=4)
    assert iommu.page_request(PageRequest(DID, 0x1000, prgi=1)) == [PrgResponse(DID, None, 1, RF)]
    assert reg(iommu, Reg.FQT) == 0


def test_pqen_rising_clears_pqt_and_errors():
    mem, iommu = new_pq()
    iommu.page_request(PageRequest(DID, 0x1000))
    mem.set_access_fault(PQ_BASE + 16, PQ_BASE + 32)
    iommu.page_request(PageRequest(DID, 0x2000))
    assert reg(iommu, Reg.PQCSR) & (PQMF | 0xFF) == PQMF | PQEN | PIE
    iommu.write_reg(Reg.PQCSR, 0, size=4)
    iommu.write_reg(Reg.PQCSR, PQEN, size=4)
    assert (reg(iommu, Reg.PQT), reg(iommu, Reg.PQCSR)) == (0, PQEN | PQON)


# ------------------------------------------------------------------ refused by the DC
def msg9_record(cause, did=DID, pid=None):
    # TTYP 9 (PCIe message), iotval = the message code 0x04 (Page Request)
    pv = pid is not None
    return [cause | (pid or 0) << 12 | int(pv) << 32 | 9 << 34 | did << 40, 0, 0x4, 0]


def test_en_pri_0_is_an_invalid_request():
    # EN_ATS = 1, EN_PRI = 0: cause 260 (reported), Invalid Request; PRPR is 0 (it needs
    # EN_PRI), so no PASID in the response
    mem, iommu = new_pq(tc=TC_V | TC_EN_ATS)
    assert iommu.page_request(PageRequest(DID, 0x1000, prgi=7, pid=3)) == [
        PrgResponse(DID, None, 7, IR)]
    assert record(mem, 0) == msg9_record(260, pid=3)
    assert reg(iommu, Reg.PQT) == 0


def test_a_refusal_goes_where_the_caller_says():
    # the same refusal (EN_PRI = 0: cause 260, Invalid Request) with report= given: the fault
    # goes to the caller (a scoreboard whose fault queue follows the DUT's), none to the
    # model's fault queue; the response is the same
    mem, iommu = new_pq(tc=TC_V | TC_EN_ATS)
    got = []
    assert iommu.page_request(PageRequest(DID, 0x1000, prgi=7, pid=3),
                              report=lambda req, result: got.append(result.outcome.cause)) == [
        PrgResponse(DID, None, 7, IR)]
    assert got == [260]
    assert reg(iommu, Reg.FQT) == 0 and record(mem, 0) == [0, 0, 0, 0]


def test_en_pri_0_with_dtf_is_not_reported():
    mem, iommu = new_pq(tc=TC_V | TC_EN_ATS | TC_DTF)
    assert iommu.page_request(PageRequest(DID, 0x1000, prgi=7))[0].code == IR
    assert reg(iommu, Reg.FQT) == 0


@pytest.mark.parametrize("mode,cause,code", [(OFF, 256, RF), (BARE, 260, IR)])
def test_off_and_bare(mode, cause, code):
    # Off: Response Failure (with the PASID); Bare: Invalid Request (PRPR taken as 0: none)
    mem, iommu = new_pq()
    iommu.write_reg(Reg.DDTP, ddtp(mode))
    assert iommu.page_request(PageRequest(DID, 0x1000, prgi=1, pid=2)) == [
        PrgResponse(DID, 2 if code == RF else None, 1, code)]
    assert record(mem, 0) == msg9_record(cause, pid=2)


def test_dc_not_valid_is_a_response_failure():
    mem, iommu = new_pq(tc=0)
    assert iommu.page_request(PageRequest(DID, 0x1000, prgi=1)) == [PrgResponse(DID, None, 1, RF)]
    assert record(mem, 0) == msg9_record(258)


def test_device_id_too_wide_is_an_invalid_request():
    # 1LVL: device_id bits above DDI[0] must be 0; 0x80 has DDI[1] = 1 -> 260, Invalid Request
    mem, iommu = new_pq()
    assert iommu.page_request(PageRequest(0x80, 0x1000, prgi=1))[0].code == IR
    assert record(mem, 0) == msg9_record(260, did=0x80)


def test_page_request_refused_without_ats():
    with pytest.raises(ValueError, match="capabilities.ATS is 0"):
        IommuModel(Memory()).page_request(PageRequest(DID, 0x1000))


def test_priv_exec_need_a_pasid():
    with pytest.raises(ValueError, match="PASID"):
        PageRequest(DID, 0x1000, priv=True)


def test_pqmf_discards_later_requests_until_cleared():
    # "While either error bit is set ... the IOMMU discards all subsequent Page Request
    # messages": with the memory repaired, the next request still gets Response Failure and
    # pqt stays 0; after W1C pqmf it is queued at index 0
    mem, iommu = new_pq()
    mem.set_access_fault(PQ_BASE, PQ_BASE + 0x1000)
    iommu.page_request(PageRequest(DID, 0x1000, prgi=2))
    mem.clear_faults()
    assert iommu.page_request(PageRequest(DID, 0x2000, prgi=3)) == [PrgResponse(DID, None, 3, RF)]
    assert reg(iommu, Reg.PQT) == 0
    iommu.write_reg(Reg.PQCSR, PQEN | PIE | PQMF, size=4)
    assert reg(iommu, Reg.PQCSR) == PQEN | PIE | PQON
    assert iommu.page_request(PageRequest(DID, 0x2000, prgi=3)) == []
    assert pq_record(mem, 0) == [DID << 40, 0x2000 | 3 << 3 | 0x5]     # R | L, PRG index 3


def test_dc_misconfigured_under_gxl_is_a_response_failure():
    # Sv32x4 makes fctl.GXL writable; with GXL = 1 "DC.tc.SXL must be 1", so a DC with SXL = 0
    # is misconfigured (259) for a page request as for a translation: the DC's fault, and
    # Response Failure (the DC cannot be used), with the PASID
    caps = CAPS_ATS | 1 << 16                       # Sv32x4
    mem = Memory()
    iommu = IommuModel(mem, capabilities=caps)
    iommu.write_reg(Reg.FCTL, 0x4, 4)               # GXL = 1, while ddtp is Off
    assert iommu.read_reg(Reg.FCTL, 4) & 0x4
    enable_fq(iommu)
    setup_dc(mem, iommu, DID, tc=TC_V | TC_EN_ATS | TC_EN_PRI)      # SXL = 0
    iommu.write_reg(Reg.PQB, qbase(PQ_BASE, 2))
    iommu.write_reg(Reg.PQCSR, PQEN, size=4)
    assert iommu.page_request(PageRequest(DID, 0x1000, prgi=5, pid=9)) == [
        PrgResponse(DID, 9, 5, RF)]
    assert record(mem, 0) == msg9_record(259, pid=9)
    assert reg(iommu, Reg.PQT) == 0
