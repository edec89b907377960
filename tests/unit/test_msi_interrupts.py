"""Interrupts as MSIs (capabilities.IGS = MSI or BOTH): fctl.WSI, icvec's 16 vectors, the
msi_cfg_tbl registers, a message per ipsr 0 -> 1 edge, masking and the held message, a failed
message write (cause 273). Hand-worked values.

Spec: iommu_registers.adoc "fctl", "icvec", "msi_cfg_tbl", "ipsr" (interrupt generation);
docs/design.md "Interrupts as MSIs".
"""

import pytest

from models import IommuModel, Memory, Reg
from models import capabilities as capbits
from tables import (CIE, CIP, CMD_ILL, CQEN, FIE, FIP, FQ_BASE, FQEN, cmd_iofence, enable_cq,
                    enable_fq, put_cmd, record, tr)

IGS_MASK = 3 << capbits.IGS_SHIFT
MSI_CAPS = capbits.DEFAULT & ~IGS_MASK                           # IGS = MSI
BOTH_CAPS = MSI_CAPS | capbits.IGS_BOTH << capbits.IGS_SHIFT      # IGS = BOTH


def model(caps=MSI_CAPS):
    mem = Memory()
    return mem, IommuModel(mem, capabilities=caps)


def addr_reg(v):
    return Reg.MSI_CFG_TBL + 16 * v


def data_reg(v):
    return Reg.MSI_CFG_TBL + 16 * v + 8


def ctl_reg(v):
    return Reg.MSI_CFG_TBL + 16 * v + 12


def program(iommu, v, addr, data, masked=False):
    iommu.write_reg(addr_reg(v), addr)
    iommu.write_reg(data_reg(v), data, size=4)
    iommu.write_reg(ctl_reg(v), int(masked), size=4)


def off_fault(iommu):
    """ddtp is Off at reset: any request faults with 256 and a record is written."""
    return tr(iommu, 0x12, 0x1000)


# ------------------------------------------------------------------------------ registers
def test_fctl_wsi_by_igs():
    assert model(capbits.DEFAULT)[1].read_reg(Reg.FCTL, 4) == 0x2     # WSI only: WSI=1
    _, msi = model(MSI_CAPS)
    assert msi.read_reg(Reg.FCTL, 4) == 0                             # MSI only: WSI=0, fixed
    msi.write_reg(Reg.FCTL, 0x2, size=4)
    assert msi.read_reg(Reg.FCTL, 4) == 0
    _, both = model(BOTH_CAPS)
    assert both.read_reg(Reg.FCTL, 4) == 0                            # BOTH: resets to MSI
    both.write_reg(Reg.FCTL, 0xFFFF_FFFF, size=4)                     # only WSI is writable
    assert both.read_reg(Reg.FCTL, 4) == 0x2
    both.write_reg(Reg.FCTL, 0, size=4)
    assert both.read_reg(Reg.FCTL, 4) == 0


def test_table_reads_zero_without_msi():
    _, iommu = model(capbits.DEFAULT)
    iommu.write_reg(addr_reg(3), 0x1234_5678)
    iommu.write_reg(ctl_reg(3), 1, size=4)
    assert iommu.read_reg(addr_reg(3)) == 0 and iommu.read_reg(ctl_reg(3), 4) == 0


def test_table_fields():
    _, iommu = model()
    # msi_addr: ADDR [55:2]; [1:0] and [63:56] read 0
    iommu.write_reg(addr_reg(15), 0xFFFF_FFFF_FFFF_FFFF)
    assert iommu.read_reg(addr_reg(15)) == 0x00FF_FFFF_FFFF_FFFC
    # 32-bit halves of msi_addr
    iommu.write_reg(addr_reg(1), 0x8765_4323, size=4)
    iommu.write_reg(addr_reg(1) + 4, 0xAB, size=4)
    assert iommu.read_reg(addr_reg(1)) == 0xAB_8765_4320
    iommu.write_reg(data_reg(1), 0xDEAD_BEEF, size=4)
    assert iommu.read_reg(data_reg(1), 4) == 0xDEAD_BEEF
    iommu.write_reg(ctl_reg(1), 0xFFFF_FFFF, size=4)                  # only M [0]
    assert iommu.read_reg(ctl_reg(1), 4) == 1
    # reset: all 0 (the other entries untouched)
    assert [iommu.read_reg(addr_reg(v)) for v in (0, 2, 14)] == [0, 0, 0]
    # msi_data and msi_vec_ctl are 4-byte registers
    with pytest.raises(ValueError):
        iommu.read_reg(data_reg(1), 8)


def test_icvec_has_16_vectors():
    _, iommu = model()
    iommu.write_reg(Reg.ICVEC, 0xFFFF)
    assert iommu.read_reg(Reg.ICVEC) == 0xFF          # civ, fiv (pmiv needs HPM; no piv)
    _, wsi = model(capbits.DEFAULT)
    wsi.write_reg(Reg.ICVEC, 0xFFFF)
    assert wsi.read_reg(Reg.ICVEC) == 0x11            # one bit each: two wires


# ------------------------------------------------------------------------------ messages
def test_fault_record_sends_fiv_message():
    mem, iommu = model()
    program(iommu, 5, 0x9000_0040, 0x0000_0105)
    iommu.write_reg(Reg.ICVEC, 5 << 4)                # fiv = 5
    enable_fq(iommu)
    off_fault(iommu)
    assert iommu.read_reg(Reg.IPSR, 4) == FIP
    assert mem.read(0x9000_0040, 4) == bytes([0x05, 0x01, 0x00, 0x00])   # little-endian data
    assert iommu.msi.sent == [(5, 0x9000_0040, 0x105)]
    assert iommu.irq_wires() == (False, False)        # fctl.WSI = 0: no wire
    # fip stays 1: a second record is no edge, no message
    off_fault(iommu)
    assert len(iommu.msi.sent) == 1
    # cleared, then the next record is an edge again
    iommu.write_reg(Reg.IPSR, FIP, size=4)
    off_fault(iommu)
    assert iommu.msi.sent == [(5, 0x9000_0040, 0x105)] * 2


def test_masked_vector_holds_one_message_until_unmasked():
    mem, iommu = model()
    program(iommu, 2, 0x9000_0000, 0x77, masked=True)
    iommu.write_reg(Reg.ICVEC, 2 << 4)
    enable_fq(iommu)
    off_fault(iommu)                                   # edge 1: held
    iommu.write_reg(Reg.IPSR, FIP, size=4)
    off_fault(iommu)                                   # edge 2: still the one held message
    assert iommu.msi.sent == [] and mem.read(0x9000_0000, 4) == bytes(4)
    iommu.write_reg(data_reg(2), 0x78, size=4)         # the message takes the data at send time
    iommu.write_reg(ctl_reg(2), 0, size=4)             # M 1 -> 0: sent now
    assert iommu.msi.sent == [(2, 0x9000_0000, 0x78)]
    iommu.write_reg(ctl_reg(2), 0, size=4)             # nothing more held
    assert len(iommu.msi.sent) == 1


def test_cmd_ill_sends_civ_message_and_w1c_under_condition_is_no_edge():
    mem, iommu = model()
    program(iommu, 9, 0x9000_0100, 0xC1)
    iommu.write_reg(Reg.ICVEC, 9)                      # civ = 9
    enable_cq(iommu, log2sz=3, cie=True)
    put_cmd(mem, 0, (0x7F, 0))                         # an illegal opcode
    iommu.write_reg(Reg.CQT, 1, size=4)
    assert iommu.read_reg(Reg.CQCSR, 4) & CMD_ILL
    assert iommu.msi.sent == [(9, 0x9000_0100, 0xC1)]
    # W1C of cip while cmd_ill still holds: cip stays 1, no new edge and no message
    iommu.write_reg(Reg.IPSR, CIP, size=4)
    assert iommu.read_reg(Reg.IPSR, 4) == CIP and len(iommu.msi.sent) == 1
    # the cause cleared (command fixed), then cip cleared: a later cmd_ill is a new edge
    put_cmd(mem, 0, cmd_iofence())
    iommu.write_reg(Reg.CQCSR, CQEN | CIE | CMD_ILL, size=4)
    iommu.write_reg(Reg.IPSR, CIP, size=4)
    assert iommu.read_reg(Reg.IPSR, 4) == 0
    put_cmd(mem, 1, (0x7F, 0))
    iommu.write_reg(Reg.CQT, 2, size=4)
    assert len(iommu.msi.sent) == 2


def test_both_with_wsi_uses_the_wires():
    mem, iommu = model(BOTH_CAPS)
    program(iommu, 1, 0x9000_0000, 0x1)
    iommu.write_reg(Reg.FCTL, 0x2, size=4)             # wired
    iommu.write_reg(Reg.ICVEC, 1 << 4)                 # fiv = 1: irq_fq's wire
    enable_fq(iommu)
    off_fault(iommu)
    assert iommu.msi.sent == [] and iommu.irq_wires() == (False, True)
    iommu.write_reg(Reg.ICVEC, 7 << 4)                 # vector 7 has no wire
    assert iommu.irq_wires() == (False, False)


def test_failed_message_write_reports_273():
    mem, iommu = model()
    program(iommu, 4, 0x9000_0200, 0x44)
    iommu.write_reg(Reg.ICVEC, 4 << 4)
    enable_fq(iommu, log2sz=2)
    mem.set_access_fault(0x9000_0000, 0x9000_1000)
    off_fault(iommu)                                   # record 0 (256), then the message fails
    assert iommu.msi.sent == []
    # record 1: cause 273, TTYP 0, device 0, iotval = msi_addr
    assert record(mem, 1) == [273, 0, 0x9000_0200, 0]
    assert iommu.read_reg(Reg.FQT, 4) == 2


def test_icvec_reset_vector_and_any_address():
    mem, iommu = model()
    assert iommu.read_reg(Reg.ICVEC) == 0x10           # reset: civ 0, fiv 1 (as with WSI)
    program(iommu, 1, FQ_BASE + 0x800, 0x5)            # software may point anywhere
    enable_fq(iommu)
    iommu.write_reg(Reg.FQCSR, FQEN | FIE, size=4)
    off_fault(iommu)
    assert iommu.msi.sent == [(1, FQ_BASE + 0x800, 0x5)]
    assert mem.read(FQ_BASE + 0x800, 4) == bytes([5, 0, 0, 0])


def test_failed_cq_message_raises_fip_whose_message_is_sent():
    # iommu_registers.adoc, msi_cfg_tbl: a failed interrupt message is reported as a fault
    # record (cause 273); that record raises ipsr.fip (fie=1), an edge of its own, so fiv's
    # message goes out: civ = 9 at 0x9000_0100 fails, fiv = 5 at 0xA000_0040 is written.
    mem, iommu = model()
    program(iommu, 9, 0x9000_0100, 0xC1)
    program(iommu, 5, 0xA000_0040, 0x105)
    iommu.write_reg(Reg.ICVEC, 5 << 4 | 9)             # fiv = 5, civ = 9
    enable_fq(iommu, log2sz=2)
    enable_cq(iommu, log2sz=3, cie=True)
    mem.set_access_fault(0x9000_0000, 0x9000_1000)
    put_cmd(mem, 0, (0x7F, 0))                         # cmd_ill: cip 0 -> 1, civ's message
    iommu.write_reg(Reg.CQT, 1, size=4)
    assert record(mem, 0) == [273, 0, 0x9000_0100, 0]  # record 0: the failed civ message
    assert iommu.read_reg(Reg.IPSR, 4) == CIP | FIP
    assert iommu.msi.sent == [(5, 0xA000_0040, 0x105)]
    assert mem.read(0xA000_0040, 4) == bytes([0x05, 0x01, 0x00, 0x00])
