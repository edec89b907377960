"""The hardware performance monitor (capabilities.HPM = bit 30).

Spec (iommu_registers.adoc): iocountovf 0x58 (RO shadows: bit 0 iohpmcycles.OF, bit X
iohpmevtX.OF), iocountinh 0x5C (bit 0 inhibits iohpmcycles, bit X iohpmctrX), iohpmcycles
0x60 (counter [62:0], OF [63]), iohpmctr1-31 from 0x68, iohpmevt1-31 from 0x160: eventID
[14:0], DMASK [15], PID_PSCID [35:16], DID_GSCID [59:36], PV_PSCV [60], DV_GSCV [61], IDT
[62], OF [63]; events 1 untranslated requests, 2 translated, 4 TLB miss, 5 DDT walks,
6 PDT walks, 7 first-stage walks, 8 G-stage walks; IDT=1 only for events 4, 7 and 8 (a
counter whose IDT the event does not support does not count); overflow sets OF and, when OF
was 0, ipsr.pmip (bit 2, RW1C). Expected values are worked out by hand from those layouts.
"""
import pytest

from models import Reg, TTYP
from models import hpm
from models.walk_reader import Item
from tables import (CAPS, LEAF_URW, SV39, atp, map_va, new, pte, setup_dc, tr)

CAP_HPM = 1 << 30
DID = 1
ROOT, L1, L0 = 0x20000, 0x21000, 0x22000
VA = 0x20_2030_1567


def evt(event, did=None, pid=None, dmask=False, idt=False):
    v = event | (dmask << 15) | (idt << 62)
    if did is not None:
        v |= did << 36 | 1 << 61
    if pid is not None:
        v |= pid << 16 | 1 << 60
    return v


def hpm_model():
    mem, iommu = new(CAPS | CAP_HPM)
    setup_dc(mem, iommu, DID, fsc=atp(SV39, ROOT), ta=5 << 12)       # PSCID 5
    map_va(mem, VA, pte(0x8_0000_5000, LEAF_URW), [ROOT, L1, L0])
    return mem, iommu


def ctr(iommu, x):
    return iommu.read_reg(Reg.IOHPMCTR1 + 8 * (x - 1))


def set_evt(iommu, x, value):
    iommu.write_reg(Reg.IOHPMEVT1 + 8 * (x - 1), value)


def test_untranslated_and_walk_events_of_one_sv39_request():
    mem, iommu = hpm_model()
    for x, e in enumerate((1, 2, 4, 5, 6, 7, 8), start=1):
        set_evt(iommu, x, e)
    tr(iommu, DID, VA)
    tr(iommu, DID, VA, TTYP.UNTRANSLATED_WRITE)
    # 2 untranslated, 0 translated, 2 misses, 2 DDT walks, no PDT, 2 first-stage, no G-stage
    assert [ctr(iommu, x) for x in range(1, 8)] == [2, 0, 2, 2, 0, 2, 0]


def test_translated_request_counts_as_translated():
    mem, iommu = hpm_model()
    set_evt(iommu, 1, 1)
    set_evt(iommu, 2, 2)
    tr(iommu, DID, VA, TTYP.TRANSLATED_READ)       # a fault (no ATS), still a translated request
    assert (ctr(iommu, 1), ctr(iommu, 2)) == (0, 1)


def test_device_id_filter_and_dmask():
    assert hpm.did_match(0x17, 0x13, dmask=True)          # 0b10011: bits 2..0 masked
    assert hpm.did_match(0x10, 0x13, dmask=True)
    assert not hpm.did_match(0x18, 0x13, dmask=True)
    assert not hpm.did_match(0x17, 0x13, dmask=False)
    mem, iommu = hpm_model()
    setup_dc(mem, iommu, 2, fsc=atp(SV39, ROOT))
    set_evt(iommu, 1, evt(1, did=DID))
    set_evt(iommu, 2, evt(1, did=2))
    set_evt(iommu, 3, evt(1, did=0b11, dmask=True))      # bits 2..0 masked: devices 0..7
    tr(iommu, DID, VA)
    tr(iommu, 2, VA)
    tr(iommu, 2, VA)
    assert [ctr(iommu, x) for x in (1, 2, 3)] == [1, 2, 3]


def test_process_id_filter_needs_a_matching_process_id():
    t_none = hpm.Transaction(1, None)
    t_7 = hpm.Transaction(1, 7)
    assert not hpm.counts(evt(1, pid=7), 1, t_none)
    assert hpm.counts(evt(1, pid=7), 1, t_7)
    assert not hpm.counts(evt(1, pid=8), 1, t_7)
    assert hpm.counts(evt(1), 1, t_none)                  # no filter


def test_idt1_only_for_events_that_support_it():
    t = hpm.Transaction(1, None, gscid=9, pscid=5)
    assert not hpm.counts(evt(1, idt=True), 1, t)          # untranslated: IDT=0 only
    assert not hpm.counts(evt(5, idt=True), 5, t)          # DDT walks: IDT=0 only
    assert hpm.counts(evt(7, pid=5, idt=True), 7, t)       # first-stage walks by PSCID
    assert not hpm.counts(evt(7, pid=6, idt=True), 7, t)
    assert hpm.counts(evt(8, did=9, idt=True), 8, t)       # G-stage walks by GSCID
    assert not hpm.counts(evt(8, did=9, idt=True), 8, hpm.Transaction(1, None, None, 5))


def test_pscid_of_the_device_context_filters_first_stage_walks():
    mem, iommu = hpm_model()                              # DC PSCID 5, PDTV=0
    set_evt(iommu, 1, evt(7, pid=5, idt=True))
    set_evt(iommu, 2, evt(7, pid=4, idt=True))
    tr(iommu, DID, VA)
    assert (ctr(iommu, 1), ctr(iommu, 2)) == (1, 0)


def test_two_stage_counts_one_g_walk_per_table_address_and_the_final_one():
    def it(kind, level):
        return (Item(kind, 0, 1, level, ()), (0,))
    trace = [(Item("dc", 0, 4, 0, (1,)), (1, 8 << 60 | 9 << 44, 5 << 12, 8 << 60))]
    for level in (2, 1, 0):                       # each first-stage PTE address: a G walk
        trace += [it("pte2", 2), it("pte2", 1), it("pte2", 0), it("pte1", level)]
    trace += [it("pte2", 2), it("pte2", 1), it("pte2", 0)]          # the final GPA
    class Req:
        did, pid, ttyp = 1, None, 2
    t, events = hpm.request_events(Req, trace)
    assert dict(events) == {1: 1, 4: 1, 5: 1, 7: 1, 8: 4}
    assert (t.gscid, t.pscid) == (9, 5)


def test_overflow_sets_of_and_pmip_once():
    mem, iommu = hpm_model()
    set_evt(iommu, 3, 1)
    iommu.write_reg(Reg.IOHPMCTR1 + 16, (1 << 64) - 1)
    tr(iommu, DID, VA)
    assert ctr(iommu, 3) == 0
    assert iommu.read_reg(Reg.IOHPMEVT1 + 16) == 1 | 1 << 63
    assert iommu.read_reg(Reg.IOCOUNTOVF, size=4) == 1 << 3
    assert iommu.read_reg(Reg.IPSR, size=4) & 4
    iommu.write_reg(Reg.IPSR, 4, size=4)                     # RW1C
    assert not iommu.read_reg(Reg.IPSR, size=4) & 4
    iommu.write_reg(Reg.IOHPMCTR1 + 16, (1 << 64) - 1)
    tr(iommu, DID, VA)                                        # OF already 1: no interrupt
    assert not iommu.read_reg(Reg.IPSR, size=4) & 4


def test_inhibit_and_unimplemented_counters():
    mem, iommu = hpm_model()
    set_evt(iommu, 1, 1)
    set_evt(iommu, 2, 1)
    iommu.write_reg(Reg.IOCOUNTINH, 1 << 1, size=4)          # inhibit iohpmctr1
    tr(iommu, DID, VA)
    assert (ctr(iommu, 1), ctr(iommu, 2)) == (0, 1)
    # 7 counters (docs/design.md): iocountinh keeps bits 7..0, iohpmctr8 reads 0
    iommu.write_reg(Reg.IOCOUNTINH, 0xFFFF_FFFF, size=4)
    assert iommu.read_reg(Reg.IOCOUNTINH, size=4) == 0xFF
    iommu.write_reg(Reg.IOHPMCTR1 + 8 * 7, 5)
    assert ctr(iommu, 8) == 0


def test_cycles_counter():
    mem, iommu = hpm_model()
    iommu.write_reg(Reg.IOHPMCYCLES, (1 << 63) - 2)
    iommu.hpm.tick(1)
    assert iommu.read_reg(Reg.IOHPMCYCLES) == (1 << 63) - 1
    iommu.hpm.tick(2)                                        # wraps: 63-bit counter
    assert iommu.read_reg(Reg.IOHPMCYCLES) == 1 << 63 | 1
    assert iommu.read_reg(Reg.IOCOUNTOVF, size=4) & 1
    assert iommu.read_reg(Reg.IPSR, size=4) & 4
    iommu.write_reg(Reg.IOCOUNTINH, 1, size=4)
    iommu.hpm.tick(5)
    assert iommu.read_reg(Reg.IOHPMCYCLES) == 1 << 63 | 1


def test_pmip_wire_through_icvec():
    mem, iommu = hpm_model()
    iommu.write_reg(Reg.ICVEC, 0xFFF)
    assert iommu.read_reg(Reg.ICVEC) == 0x111                # civ, fiv, pmiv: one bit each
    iommu.write_reg(Reg.ICVEC, 0x010)                        # pmiv 0: irq_cq's wire
    iommu.ipsr |= 4
    assert iommu.irq_wires() == (True, False)
    iommu.write_reg(Reg.ICVEC, 0x100)
    assert iommu.irq_wires() == (False, True)


def test_overflow_sends_the_pmiv_message_with_interrupts_as_msis():
    # capabilities.IGS = MSI (bits 29:28 = 0), fctl.WSI = 0: the pmip 0 -> 1 edge of an
    # overflow sends msi_cfg_tbl[pmiv]'s message, a 4-byte write of msi_data to msi_addr
    # (iommu_registers.adoc "msi_cfg_tbl"), exactly once per edge.
    mem, iommu = new((CAPS | CAP_HPM) & ~(3 << 28))
    setup_dc(mem, iommu, DID, fsc=atp(SV39, ROOT), ta=5 << 12)
    map_va(mem, VA, pte(0x8_0000_5000, LEAF_URW), [ROOT, L1, L0])
    iommu.write_reg(Reg.MSI_CFG_TBL + 16 * 5, 0x4_0050)          # vector 5: msi_addr
    iommu.write_reg(Reg.MSI_CFG_TBL + 16 * 5 + 8, 0x105, size=4)  # msi_data
    iommu.write_reg(Reg.ICVEC, 5 << 8)                            # pmiv = 5
    set_evt(iommu, 2, 1)
    iommu.write_reg(Reg.IOHPMCTR1 + 8, (1 << 64) - 1)
    tr(iommu, DID, VA)                                            # wraps: OF, pmip 0 -> 1
    assert iommu.read_reg(Reg.IPSR, size=4) == 4
    assert mem.read(0x4_0050, 4) == bytes([0x05, 0x01, 0, 0])
    assert iommu.msi.sent == [(5, 0x4_0050, 0x105)]
    # another overflow while pmip is still 1 (OF cleared, so it counts as an overflow): no edge
    iommu.write_reg(Reg.IOHPMEVT1 + 8, 1)
    iommu.write_reg(Reg.IOHPMCTR1 + 8, (1 << 64) - 1)
    tr(iommu, DID, VA)
    assert len(iommu.msi.sent) == 1
    # pmip cleared: the cycle counter's wrap is an edge again, with the same vector
    iommu.write_reg(Reg.IPSR, 4, size=4)
    iommu.write_reg(Reg.IOHPMCYCLES, (1 << 63) - 1)
    iommu.hpm.tick(1)
    assert iommu.msi.sent == [(5, 0x4_0050, 0x105)] * 2


def test_without_hpm_the_registers_are_absent():
    mem, iommu = new(CAPS)
    iommu.write_reg(Reg.IOHPMEVT1, 1)
    iommu.write_reg(Reg.IOCOUNTINH, 1, size=4)
    assert iommu.read_reg(Reg.IOHPMEVT1) == 0 and iommu.read_reg(Reg.IOCOUNTINH, size=4) == 0
    assert iommu.hpm is None


@pytest.mark.parametrize("counters, width", [(0, 64), (32, 64), (7, 31), (7, 65)])
def test_bad_shape_is_refused(counters, width):
    mem, iommu = new(CAPS | CAP_HPM)
    with pytest.raises(ValueError):
        iommu.set_hpm_shape(counters, width)


def test_narrow_counters_wrap_at_their_width():
    mem, iommu = hpm_model()
    iommu.set_hpm_shape(2, 32)
    set_evt(iommu, 1, 1)
    iommu.write_reg(Reg.IOHPMCTR1, (1 << 40) | 0xFFFF_FFFF)   # WARL: low 32 bits kept
    assert ctr(iommu, 1) == 0xFFFF_FFFF
    tr(iommu, DID, VA)
    assert ctr(iommu, 1) == 0 and iommu.read_reg(Reg.IOHPMEVT1) >> 63
