"""sequences.sw.commands: command builders (hand-encoded doublewords, decoded back by the
model), the command-queue writer driving the model through its doorbell, and the fault-queue
reader decoding the model's records."""
import itertools

import pytest

from models import Cause, IommuModel, Memory, Reg, Request, TTYP
from models.command_queue import decode, encode
from sequences.sw import (CommandQueueWriter, FaultQueueReader, FaultRecord, QueueFull, RegWrite,
                          iodir_inval_ddt, iodir_inval_pdt, iofence_c, iotinval_gvma,
                          iotinval_vma)

CQ, FQ, FENCE_ADDR = 0x6_0000, 0x5_0000, 0x7_0000


# --------------------------------------------------------------------------------- builders
def test_builder_encodings():
    # IOTINVAL.VMA: opcode 1, AV[10], PSCID[31:12], PSCV[32], GV[33], GSCID[59:44] (3 << 44 =
    # 0x3000_0000_0000), ADDR[63:12] in DW1[61:10]
    assert encode(iotinval_vma(gscid=3, pscid=7, addr=0x4000_1ABC)) == (
        0x0000_3003_0000_7401, 0x40001 << 10)
    # IOTINVAL.GVMA: func3 1 (bit 7)
    assert encode(iotinval_gvma(gscid=3)) == (0x0000_3002_0000_0081, 0)
    assert encode(iotinval_gvma()) == (0x81, 0)
    # IODIR: opcode 3; INVAL_PDT func3 1; PID[31:12], DV[33], DID[63:40]
    assert encode(iodir_inval_ddt()) == (3, 0)
    assert encode(iodir_inval_ddt(0x1234)) == (0x0012_3402_0000_0003, 0)
    assert encode(iodir_inval_pdt(9, 0x42)) == (0x0000_0902_0004_2083, 0)
    # IOFENCE.C: opcode 2, AV[10] WSI[11] PR[12] PW[13], DATA[63:32], DW1 = ADDR >> 2
    assert encode(iofence_c(addr=FENCE_ADDR, data=0x1234_5678, pr=True, pw=True)) == (
        0x1234_5678_0000_3402, 0x1_C000)
    assert encode(iofence_c(wsi=True)) == (0x802, 0)


@pytest.mark.parametrize("gv,pscv,av", list(itertools.product((0, 1), repeat=3)))
def test_every_vma_scope_decodes(gv, pscv, av):
    cmd = iotinval_vma(gscid=5 if gv else None, pscid=6 if pscv else None,
                       addr=0x12_3456_7000 if av else None)
    back = decode(*encode(cmd), 1)
    assert (back.gv, back.pscv, back.av) == (gv, pscv, av)
    assert back == cmd


@pytest.mark.parametrize("cmd", [
    iotinval_gvma(), iotinval_gvma(gscid=2), iotinval_gvma(gscid=2, addr=0x8020_0000),
    iodir_inval_ddt(), iodir_inval_ddt(7), iodir_inval_pdt(7, 0xF_FFFF),
    iofence_c(), iofence_c(addr=0x1004, data=5, wsi=True, pr=True, pw=True)])
def test_other_scopes_decode(cmd):
    assert decode(*encode(cmd), 1) == cmd


def test_builder_argument_checks():
    with pytest.raises(ValueError):
        iotinval_gvma(addr=0x1000)              # an address needs a GSCID
    with pytest.raises(ValueError):
        iofence_c(addr=0x1002)                  # not 4-byte aligned


# --------------------------------------------------------------------------------- command queue
def cq_env(log2=3):
    mem = Memory()
    iommu = IommuModel(mem)
    return mem, iommu, CommandQueueWriter(CQ, log2, mem.write64, iommu.write_reg)


def test_setup_writes_follow_the_spec_order():
    _, _, cq = cq_env()
    # cqb = PPN 0x60 << 10 | LOG2SZ-1 (2 for 8 entries); cqt = 0; cqcsr.cqen = 1
    assert cq.setup_writes() == [RegWrite(Reg.CQB, 0x1_8002, 8), RegWrite(Reg.CQT, 0, 4),
                                 RegWrite(Reg.CQCSR, 1, 4)]


def test_doorbell_runs_the_commands_in_the_model():
    mem, iommu, cq = cq_env()
    cq.enable()
    assert iommu.read_reg(Reg.CQCSR, 4) & 1 << 16                 # cqon
    subs = cq.submit([iotinval_vma(pscid=7), iodir_inval_ddt(5),
                      iofence_c(addr=FENCE_ADDR, data=0xCAFE_F00D)])
    assert [(s.seq, s.index) for s in subs] == [(0, 0), (1, 1), (2, 2)]
    # commands stored at cqb + 16*index
    assert (mem.read64(CQ + 16), mem.read64(CQ + 24)) == encode(iodir_inval_ddt(5))
    assert iommu.read_reg(Reg.CQH, 4) == 3
    assert mem.read32(FENCE_ADDR) == 0xCAFE_F00D                  # the IOFENCE.C AV write
    assert [c.name for c in iommu.completed] == ["IOTINVAL.VMA", "IODIR.INVAL_DDT", "IOFENCE.C"]
    assert all(cq.completed(s, cqh=iommu.read_reg(Reg.CQH, 4)) for s in subs)


def test_commands_written_without_the_doorbell_do_not_run():
    mem, iommu, cq = cq_env()
    cq.enable()
    subs = cq.write([iotinval_gvma(gscid=1)]) + cq.write(iofence_c(addr=FENCE_ADDR, data=1))
    assert iommu.read_reg(Reg.CQH, 4) == 0 and mem.read32(FENCE_ADDR) == 0
    assert not cq.fetched(subs[0], cqh=0) and not cq.completed(subs[0])
    assert cq.doorbell_write() == RegWrite(Reg.CQT, 2, 4)
    cq.ring()
    assert mem.read32(FENCE_ADDR) == 1
    assert cq.completed(subs[0], cqh=iommu.read_reg(Reg.CQH, 4))


def test_completion_needs_a_fence():
    _, iommu, cq = cq_env()
    cq.enable()
    first = cq.submit([iotinval_vma()])
    cqh = iommu.read_reg(Reg.CQH, 4)
    assert cq.fetched(first[0], cqh) and not cq.completed(first[0])     # fetched, no fence yet
    cq.submit([iofence_c()])
    assert cq.completed(first[0], iommu.read_reg(Reg.CQH, 4))


def test_queue_wraps_and_indices_repeat():
    mem, iommu, cq = cq_env(log2=3)                                # 8 entries, 7 usable
    cq.enable()
    cq.submit([iotinval_vma(pscid=k) for k in range(5)])
    cq.update_head(iommu.read_reg(Reg.CQH, 4))
    subs = cq.submit([iotinval_vma(pscid=k) for k in range(5, 9)]
                     + [iofence_c(addr=FENCE_ADDR, data=9)])
    assert [s.index for s in subs] == [5, 6, 7, 0, 1]
    assert iommu.read_reg(Reg.CQH, 4) == 2                         # 10 commands mod 8
    assert [c.pscid for c in iommu.completed[:9]] == list(range(9))
    assert mem.read32(FENCE_ADDR) == 9
    assert cq.completed(subs[0], iommu.read_reg(Reg.CQH, 4))


def test_queue_full_until_the_head_moves():
    mem = Memory()
    cq = CommandQueueWriter(CQ, 2, mem.write64, lambda *a: None)   # an IOMMU that never fetches
    cq.enable()
    cq.submit([iotinval_vma()] * 3)                                # 4 entries: 3 usable
    with pytest.raises(QueueFull):
        cq.write([iotinval_vma()])
    cq.update_head(2)
    assert cq.free_slots() == 2
    with pytest.raises(ValueError):
        cq.update_head(0)                                          # behind the known head


def test_queue_alignment_rules():
    mem = Memory()
    with pytest.raises(ValueError):
        CommandQueueWriter(0x6_0800, 3, mem.write64, None)         # 4 KiB alignment
    with pytest.raises(ValueError):
        CommandQueueWriter(0x6_1000, 9, mem.write64, None)         # 512 x 16 B: 8 KiB alignment
    CommandQueueWriter(0x6_2000, 9, mem.write64, None)


# --------------------------------------------------------------------------------- fault queue
def test_fault_queue_reader_decodes_the_models_records():
    mem = Memory()
    iommu = IommuModel(mem)
    fq = FaultQueueReader(FQ, 2, mem.read64, iommu.write_reg)
    assert fq.setup_writes() == [RegWrite(Reg.FQB, 0x1_4001, 8), RegWrite(Reg.FQH, 0, 4),
                                 RegWrite(Reg.FQCSR, 1, 4)]
    fq.enable()
    # ddtp is Off at reset: every request faults with 256 and is reported
    iommu.translate(Request(7, 0x1234, TTYP.UNTRANSLATED_READ))
    iommu.translate(Request(0xAB_CDEF, 0x5000, TTYP.UNTRANSLATED_WRITE, pid=0x42, priv_s=True))
    fqt = iommu.read_reg(Reg.FQT, 4)
    recs = fq.consume(fqt)
    assert recs == [
        FaultRecord(cause=256, pid=0, pv=False, priv=False, ttyp=2, did=7, custom=0,
                    iotval=0x1234, iotval2=0),
        FaultRecord(cause=256, pid=0x42, pv=True, priv=True, ttyp=3, did=0xAB_CDEF, custom=0,
                    iotval=0x5000, iotval2=0)]
    assert iommu.read_reg(Reg.FQH, 4) == 2
    # three more: indices 2, 3, 0 (4 entries, wrapping)
    for iova in (0x1000, 0x2000, 0x3000):
        iommu.translate(Request(1, iova, TTYP.UNTRANSLATED_EXEC))
    fqt = iommu.read_reg(Reg.FQT, 4)
    assert fqt == 1
    recs = fq.consume(fqt)
    assert [(r.iotval, r.ttyp, r.cause) for r in recs] == [
        (0x1000, 1, Cause.ALL_INBOUND_DISALLOWED), (0x2000, 1, 256), (0x3000, 1, 256)]
    assert fq.read(iommu.read_reg(Reg.FQT, 4)) == []
