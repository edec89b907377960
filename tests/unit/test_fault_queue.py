"""Fault queue: record layout, fqt advance and wrap, overflow, memory fault, DTF, fip and wires.

Spec: iommu_in_memory_queues.adoc "Fault/Event-Queue (FQ)" (record format, full/overflow,
fqmf), iommu_registers.adoc fqcsr / ipsr / icvec; docs/design.md "Fault reporting".
"""

import pytest

from models import Reg, TTYP
from tables import (BARE, CIP, CQEN, FIE, FIP, FQ_BASE, FQEN, FQMF, FQOF, G_LEAF, LEAF_URWX,
                    PD8, SV39, SV39X4, TC_DTF, TC_PDTV, TC_SBE, TC_V, U, V, atp, enable_cq,
                    enable_fq, map_va, pte, record, res, setup_dc, tr)

UX, UR, UW = TTYP.UNTRANSLATED_EXEC, TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_WRITE


def fqt(iommu):
    return iommu.read_reg(Reg.FQT, size=4)


def fqcsr(iommu):
    return iommu.read_reg(Reg.FQCSR, size=4)


def ipsr(iommu):
    return iommu.read_reg(Reg.IPSR, size=4)


def wires(iommu):
    w0, w1 = iommu.irq_wires()
    return (int(w0), int(w1))


def off_fault(iommu, did=0x12, iova=0x1000_2345):
    """A fault of cause 256 (ddtp Off)."""
    return tr(iommu, did, iova)


# ------------------------------------------------------------------------------ record layout
def test_record_off(env):
    mem, iommu = env
    enable_fq(iommu)
    assert res(off_fault(iommu)) == (None, 256)
    # DW0 = 256 | TTYP 2 << 34 | DID 0x12 << 40
    assert record(mem, 0) == [0x0000_1208_0000_0100, 0, 0x1000_2345, 0]
    assert fqt(iommu) == 1
    assert mem.read(FQ_BASE, 8) == bytes([0x00, 0x01, 0x00, 0x00, 0x08, 0x12, 0x00, 0x00])


def test_record_full_did_and_ats_ttyp(env):
    mem, iommu = env
    enable_fq(iommu)
    iommu.write_reg(Reg.DDTP, BARE)
    assert res(tr(iommu, 0xABCDEF, 0xFFFF_FFFF_FFFF_F000, TTYP.PCIE_ATS)) == (None, 260)
    # DW0 = 260 (0x104) | 8 << 34 (0x20_0000_0000) | 0xABCDEF << 40
    assert record(mem, 0) == [0xABCD_EF20_0000_0104, 0, 0xFFFF_FFFF_FFFF_F000, 0]


def test_record_with_pid_and_priv(env):
    mem, iommu = env
    enable_fq(iommu)
    setup_dc(mem, iommu, 1, tc=TC_V | TC_PDTV, fsc=atp(PD8, 0x30000))
    assert res(tr(iommu, 1, 0x40_2030_1567, UW, pid=0xDE, priv_s=True)) == (None, 266)
    # 266 (0x10A) | 0xDE << 12 | PV << 32 | PRIV << 33 | 3 << 34 | 1 << 40
    assert record(mem, 0) == [0x0000_010F_000D_E10A, 0, 0x40_2030_1567, 0]


def test_record_with_pid_user(env):
    mem, iommu = env
    enable_fq(iommu)
    setup_dc(mem, iommu, 1, tc=TC_V | TC_PDTV, fsc=atp(PD8, 0x30000))
    assert res(tr(iommu, 1, 0x5000, UX, pid=0xFF)) == (None, 266)
    # 0x10A | 0xFF << 12 | PV << 32 | 1 << 34 | 1 << 40
    assert record(mem, 0) == [0x0000_0105_000F_F10A, 0, 0x5000, 0]


def test_record_no_pid_priv_zero(env):
    mem, iommu = env
    enable_fq(iommu)
    setup_dc(mem, iommu, 5, fsc=atp(SV39, 0x20000))
    assert res(tr(iommu, 5, 0x7654_3210, UW, priv_s=True)) == (None, 15)
    # 15 | 3 << 34 | 5 << 40: no pid -> PV = PID = PRIV = 0
    assert record(mem, 0) == [0x0000_050C_0000_000F, 0, 0x7654_3210, 0]


def test_record_guest_page_fault(env):
    mem, iommu = env
    enable_fq(iommu)
    setup_dc(mem, iommu, 2, iohgatp=atp(SV39X4, 0x40000, 3))
    map_va(mem, 0x1_8020_1567, pte(0x9_0000_3000, G_LEAF & ~U), [0x40000, 0x44000, 0x45000],
           x4=True)
    assert res(tr(iommu, 2, 0x1_8020_1567)) == (None, 21)
    # 21 | 2 << 34 | 2 << 40; iotval2 = GPA with bits 1:0 = 0
    assert record(mem, 0) == [0x0000_0208_0000_0015, 0, 0x1_8020_1567, 0x1_8020_1564]


def test_record_implicit_guest_page_fault(env):
    mem, iommu = env
    enable_fq(iommu)
    setup_dc(mem, iommu, 2, iohgatp=atp(SV39X4, 0x40000, 3), fsc=atp(SV39, 0x20000))
    # G-stage maps nothing: the first implicit read (root PTE GPA 0x20400) faults
    assert res(tr(iommu, 2, 0x20_2030_1567, UX)) == (None, 20)
    # 20 | 1 << 34 | 2 << 40; iotval2 = 0x20000 + 0x80*8 | 1
    assert record(mem, 0) == [0x0000_0204_0000_0014, 0, 0x20_2030_1567, 0x20401]


def test_record_access_fault(env):
    mem, iommu = env
    enable_fq(iommu)
    setup_dc(mem, iommu, 6)
    mem.set_access_fault(0x100C0, 0x100E0)                 # DC of did 6
    assert res(tr(iommu, 6, 0x3000, UW)) == (None, 257)
    assert record(mem, 0) == [0x0000_060C_0000_0101, 0, 0x3000, 0]   # 257 | 3<<34 | 6<<40


def test_no_record_on_success(env):
    mem, iommu = env
    enable_fq(iommu)
    iommu.write_reg(Reg.DDTP, BARE)
    assert res(tr(iommu, 1, 0x3000)) == (0x3000, None)
    assert fqt(iommu) == 0
    assert ipsr(iommu) == 0
    assert record(mem, 0) == [0, 0, 0, 0]


def test_no_record_when_fq_off(env):
    mem, iommu = env
    iommu.write_reg(Reg.FQB, 0x14001)                       # base 0x50000, 4 entries
    assert res(off_fault(iommu)) == (None, 256)
    assert record(mem, 0) == [0, 0, 0, 0]
    assert fqt(iommu) == 0
    assert fqcsr(iommu) == 0


# ------------------------------------------------------------------------------ fqt and wrap
def test_fqt_advance_full_and_wrap(env):
    mem, iommu = env
    enable_fq(iommu)                                        # 4 entries: 3 usable
    for i in range(3):
        off_fault(iommu, did=i + 1)
        assert fqt(iommu) == i + 1
    assert [record(mem, i)[0] >> 40 for i in range(3)] == [1, 2, 3]
    off_fault(iommu, did=4)                                 # full: fqt + 1 == fqh
    assert fqt(iommu) == 3
    assert record(mem, 3) == [0, 0, 0, 0]
    assert fqcsr(iommu) == 0x1_0203                         # fqon | fqof | fie | fqen
    iommu.write_reg(Reg.FQH, 3, size=4)                     # software consumed 3 records
    off_fault(iommu, did=5)                                 # dropped: fqof still set
    assert record(mem, 3) == [0, 0, 0, 0]
    assert fqt(iommu) == 3
    iommu.write_reg(Reg.FQCSR, FQEN | FIE | FQOF, size=4)   # W1C fqof
    assert fqcsr(iommu) == 0x1_0003
    off_fault(iommu, did=6)
    assert record(mem, 3)[0] == 0x0000_0608_0000_0100
    assert fqt(iommu) == 0                                  # wrapped
    off_fault(iommu, did=7)
    assert record(mem, 0)[0] == 0x0000_0708_0000_0100
    assert fqt(iommu) == 1
    off_fault(iommu, did=8)                                 # fqt=1, fqh=3: one slot left
    assert fqt(iommu) == 2
    off_fault(iommu, did=9)                                 # full again
    assert fqt(iommu) == 2
    assert fqcsr(iommu) & FQOF


def test_two_entry_queue(env):
    mem, iommu = env
    enable_fq(iommu, log2sz=1)                              # 2 entries: 1 usable
    off_fault(iommu, did=1)
    assert fqt(iommu) == 1
    off_fault(iommu, did=2)
    assert fqcsr(iommu) & FQOF
    assert record(mem, 1) == [0, 0, 0, 0]


def test_fqen_rising_edge_clears(env):
    mem, iommu = env
    enable_fq(iommu, log2sz=1)
    off_fault(iommu)
    off_fault(iommu)
    assert fqcsr(iommu) & FQOF
    iommu.write_reg(Reg.FQCSR, 0, size=4)
    assert fqcsr(iommu) == FQOF                             # error bit survives disable
    iommu.write_reg(Reg.FQCSR, FQEN, size=4)
    assert fqcsr(iommu) == 0x1_0001
    assert fqt(iommu) == 0
    iommu.write_reg(Reg.FQH, 0, size=4)
    off_fault(iommu, did=0x33)
    assert record(mem, 0)[0] == 0x0000_3308_0000_0100
    assert fqt(iommu) == 1


def test_fq_memory_fault(env):
    mem, iommu = env
    enable_fq(iommu)
    mem.set_access_fault(FQ_BASE, FQ_BASE + 32)
    off_fault(iommu, did=1)
    assert fqcsr(iommu) == 0x1_0103                         # fqmf
    assert fqt(iommu) == 0
    mem.clear_faults()
    off_fault(iommu, did=2)                                 # dropped while fqmf
    assert record(mem, 0) == [0, 0, 0, 0]
    assert fqt(iommu) == 0
    iommu.write_reg(Reg.FQCSR, FQEN | FIE | FQMF, size=4)
    assert fqcsr(iommu) == 0x1_0003
    off_fault(iommu, did=3)
    assert record(mem, 0)[0] == 0x0000_0308_0000_0100
    assert fqt(iommu) == 1


def test_fq_memory_fault_clears_on_enable(env):
    mem, iommu = env
    enable_fq(iommu)
    mem.set_access_fault(FQ_BASE, FQ_BASE + 0x1000)
    off_fault(iommu)
    assert fqcsr(iommu) & FQMF
    mem.clear_faults()
    iommu.write_reg(Reg.FQCSR, 0, size=4)
    iommu.write_reg(Reg.FQCSR, FQEN, size=4)
    assert fqcsr(iommu) == 0x1_0001
    off_fault(iommu, did=4)
    assert record(mem, 0)[0] == 0x0000_0408_0000_0100


def test_fq_rw1c_write_zero_keeps(env):
    mem, iommu = env
    enable_fq(iommu, log2sz=1)
    off_fault(iommu)
    off_fault(iommu)
    iommu.write_reg(Reg.FQCSR, FQEN | FIE, size=4)          # 0 in fqof: no effect
    assert fqcsr(iommu) == 0x1_0203


# ------------------------------------------------------------------------------------ DTF
def dtf_dc(mem, iommu, **kw):
    setup_dc(mem, iommu, 7, **kw)


@pytest.mark.parametrize("kw,req,cause", [
    (dict(tc=TC_V | TC_DTF, fsc=atp(SV39, 0x20000)), dict(), 13),              # page fault
    (dict(tc=TC_V | TC_DTF), dict(pid=3), 260),                                # pid, PDTV=0
    (dict(tc=TC_V | TC_DTF), dict(ttyp=TTYP.TRANSLATED_READ), 260),
    (dict(tc=TC_V | TC_DTF | TC_PDTV, fsc=atp(PD8, 0x30000)), dict(pid=3), 266),
    (dict(tc=TC_V | TC_DTF, iohgatp=atp(SV39X4, 0x40000)), dict(), 21),         # guest pf
])
def test_dtf_suppresses(env, kw, req, cause):
    mem, iommu = env
    enable_fq(iommu)
    dtf_dc(mem, iommu, **kw)
    assert res(tr(iommu, 7, 0x2000, **req)) == (None, cause)
    assert fqt(iommu) == 0
    assert record(mem, 0) == [0, 0, 0, 0]
    assert ipsr(iommu) == 0


def test_dtf_pte_access_fault_suppressed(env):
    mem, iommu = env
    enable_fq(iommu)
    dtf_dc(mem, iommu, tc=TC_V | TC_DTF, fsc=atp(SV39, 0x20000))
    mem.set_access_fault(0x20000, 0x21000)
    assert res(tr(iommu, 7, 0x2000)) == (None, 5)
    assert fqt(iommu) == 0


@pytest.mark.parametrize("tc,cause", [
    (TC_DTF, 258),                           # DC not valid: DTF not usable
    (TC_V | TC_DTF | TC_SBE, 259),           # misconfigured DC: still reported
])
def test_dtf_does_not_suppress_ddt_faults(env, tc, cause):
    mem, iommu = env
    enable_fq(iommu)
    dtf_dc(mem, iommu, tc=tc)
    assert res(tr(iommu, 7, 0x2000)) == (None, cause)
    assert fqt(iommu) == 1
    assert record(mem, 0)[0] == cause | (2 << 34) | (7 << 40)


def test_dtf_ddt_poison_reported(env):
    mem, iommu = env
    enable_fq(iommu)
    dc = setup_dc(mem, iommu, 7, tc=TC_V | TC_DTF)
    mem.set_poison(dc, dc + 32)
    assert res(tr(iommu, 7, 0x2000)) == (None, 268)
    assert record(mem, 0)[0] == 0x0000_0708_0000_010C      # 268 | 2<<34 | 7<<40


def test_dtf0_reports(env):
    mem, iommu = env
    enable_fq(iommu)
    dtf_dc(mem, iommu, tc=TC_V, fsc=atp(SV39, 0x20000))
    assert res(tr(iommu, 7, 0x2000)) == (None, 13)
    assert record(mem, 0) == [0x0000_0708_0000_000D, 0, 0x2000, 0]


def test_too_wide_device_id_reported_even_if_dtf(env):
    mem, iommu = env
    enable_fq(iommu)
    setup_dc(mem, iommu, 0, tc=TC_V | TC_DTF)
    assert res(tr(iommu, 0x80, 0x2000)) == (None, 260)
    assert record(mem, 0)[0] == 0x0000_8008_0000_0104      # 260 | 2<<34 | 0x80<<40


# ------------------------------------------------------------------------------ interrupts
def test_fip_and_wires(env):
    mem, iommu = env
    enable_fq(iommu)
    assert wires(iommu) == (0, 0)
    off_fault(iommu)
    assert ipsr(iommu) == FIP
    assert wires(iommu) == (0, 1)                           # reset icvec: fiv = 1
    iommu.write_reg(Reg.IPSR, FIP, size=4)
    assert ipsr(iommu) == 0
    assert wires(iommu) == (0, 0)
    off_fault(iommu)
    assert ipsr(iommu) == FIP


def test_fip_needs_fie(env):
    mem, iommu = env
    enable_fq(iommu, fie=False)
    off_fault(iommu)
    assert fqt(iommu) == 1
    assert ipsr(iommu) == 0
    assert wires(iommu) == (0, 0)


def test_fip_held_while_fqof(env):
    mem, iommu = env
    enable_fq(iommu, log2sz=1)
    off_fault(iommu)
    off_fault(iommu)                                        # overflow
    iommu.write_reg(Reg.IPSR, FIP, size=4)
    assert ipsr(iommu) == FIP                               # fqof still set
    iommu.write_reg(Reg.FQCSR, FQEN | FIE | FQOF, size=4)
    iommu.write_reg(Reg.IPSR, FIP, size=4)
    assert ipsr(iommu) == 0


def test_fip_set_by_fqmf(env):
    mem, iommu = env
    enable_fq(iommu)
    mem.set_access_fault(FQ_BASE, FQ_BASE + 0x1000)
    off_fault(iommu)
    assert ipsr(iommu) == FIP
    iommu.write_reg(Reg.IPSR, FIP, size=4)
    assert ipsr(iommu) == FIP                               # fqmf still set


def test_fip_when_fie_set_later_with_fqof(env):
    mem, iommu = env
    enable_fq(iommu, log2sz=1, fie=False)
    off_fault(iommu)
    off_fault(iommu)
    assert ipsr(iommu) == 0
    iommu.write_reg(Reg.FQCSR, FQEN | FIE, size=4)
    assert ipsr(iommu) == FIP                               # fie & fqof


def test_icvec_routes_fip(env):
    mem, iommu = env
    iommu.write_reg(Reg.ICVEC, 0x00)                        # fiv = 0
    enable_fq(iommu)
    off_fault(iommu)
    assert wires(iommu) == (1, 0)
    iommu.write_reg(Reg.ICVEC, 0x10)
    assert wires(iommu) == (0, 1)


def test_both_interrupts(env):
    mem, iommu = env
    enable_fq(iommu)
    enable_cq(iommu, cie=True)
    iommu.write_reg(Reg.CQT, 1, size=4)                     # zero command: illegal
    off_fault(iommu)
    assert ipsr(iommu) == CIP | FIP
    assert wires(iommu) == (1, 1)
    iommu.write_reg(Reg.ICVEC, 0x11)                        # both on vector 1
    assert wires(iommu) == (0, 1)
    iommu.write_reg(Reg.ICVEC, 0x00)                        # both on vector 0
    assert wires(iommu) == (1, 0)
    iommu.write_reg(Reg.CQCSR, CQEN, size=4)                # cie = 0: cip may stay latched
    iommu.write_reg(Reg.IPSR, FIP | CIP, size=4)
    assert ipsr(iommu) == 0
    assert wires(iommu) == (0, 0)


def test_record_iotval_bytes(env):
    mem, iommu = env
    enable_fq(iommu)
    setup_dc(mem, iommu, 1, tc=TC_V, fsc=atp(SV39, 0x20000))
    mem.write64(0x20400, pte(0x8_4000_0000, LEAF_URWX & ~V))
    assert res(tr(iommu, 1, 0x20_2030_1567, UR)) == (None, 13)
    assert mem.read(FQ_BASE + 16, 8) == bytes([0x67, 0x15, 0x30, 0x20, 0x20, 0, 0, 0])


def test_fq_high_base_8_entries(env):
    mem, iommu = env
    enable_fq(iommu, base=0x12_3456_7000, log2sz=3)
    assert iommu.read_reg(Reg.FQB) == 0x4_8D15_9C02      # PPN 0x1234567 << 10 | 2
    for i in range(7):
        off_fault(iommu, did=i)
    assert fqt(iommu) == 7
    # record 6 at 0x12_3456_7000 + 6*32
    assert mem.read64(0x12_3456_70C0) == 0x0000_0608_0000_0100
    off_fault(iommu, did=0x77)                              # 8th: full
    assert fqcsr(iommu) & FQOF
    iommu.write_reg(Reg.FQH, 15, size=4)                    # masked to 7
    assert iommu.read_reg(Reg.FQH, size=4) == 7


def test_record_pdt_guest_page_fault(env):
    mem, iommu = env
    enable_fq(iommu)
    setup_dc(mem, iommu, 9, tc=TC_V | TC_PDTV, iohgatp=atp(SV39X4, 0x40000, 1),
             fsc=atp(PD8, 0x30000))
    # G-stage root empty: reading the PC of pid 0x12 (GPA 0x30000 + 0x12*16) faults
    assert res(tr(iommu, 9, 0x4000, UR, pid=0x12, priv_s=True)) == (None, 21)
    # 21 | 0x12 << 12 | PV | PRIV | 2 << 34 | 9 << 40
    assert record(mem, 0) == [0x0000_090B_0001_2015, 0, 0x4000, 0x30121]


def test_record_pcie_message_ttyp(env):
    mem, iommu = env
    enable_fq(iommu)
    setup_dc(mem, iommu, 1)
    assert res(tr(iommu, 1, 0x7E, TTYP.PCIE_MSG)) == (None, 260)
    assert record(mem, 0) == [0x0000_0124_0000_0104, 0, 0x7E, 0]   # 260 | 9<<34 | 1<<40


@pytest.mark.parametrize("what,cause", [("pdt_af", 265), ("pdt_poison", 269), ("pt_poison", 274),
                                        ("pc_rsvd", 267), ("ens", 260)])
def test_dtf_suppresses_pdt_and_pt_faults(env, what, cause):
    mem, iommu = env
    enable_fq(iommu)
    setup_dc(mem, iommu, 7, tc=TC_V | TC_DTF | TC_PDTV, fsc=atp(PD8, 0x30000))
    mem.write64(0x30010, 1 | (1 << 1) | (3 if what == "pc_rsvd" else 0) << 3)  # pid 1: V, ENS
    mem.write64(0x30018, atp(SV39, 0x20000))
    if what == "ens":
        mem.write64(0x30010, 1)                             # ENS = 0
    if what == "pdt_af":
        mem.set_access_fault(0x30010, 0x30020)
    if what == "pdt_poison":
        mem.set_poison(0x30010, 0x30020)
    if what == "pt_poison":
        mem.set_poison(0x20000, 0x21000)
    assert res(tr(iommu, 7, 0x2000, pid=1, priv_s=True)) == (None, cause)
    assert fqt(iommu) == 0
    assert record(mem, 0) == [0, 0, 0, 0]


def test_record_dpe_default_pid_has_pv0(env):
    # with DPE the request still carries no process_id: PV = PID = PRIV = 0 in the record
    mem, iommu = env
    enable_fq(iommu)
    setup_dc(mem, iommu, 7, tc=TC_V | TC_PDTV | (1 << 9), fsc=atp(PD8, 0x30000))   # DPE
    assert res(tr(iommu, 7, 0x2000, UW, priv_s=True)) == (None, 266)
    assert record(mem, 0) == [0x0000_070C_0000_010A, 0, 0x2000, 0]   # 266 | 3<<34 | 7<<40
