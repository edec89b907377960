"""ATS.INVAL and ATS.PRGR (opcode ATS = 4, func3 INVAL = 0 / PRGR = 1) and IOFENCE.C's wait
for invalidation completions.

Spec (riscv-iommu, src/iommu_in_memory_queues.adoc): "IOMMU PCIe ATS commands" (the layout:
rsvd [11:10], PID [31:12], PV [32], DSV [33], rsvd [39:34], RID [55:40], DSEG [63:56], PAYLOAD
[127:64]; the INVAL payload G [0], S [11], Untranslated Address [63:12]; the PRGR payload PRG
index [40:32], Response Code [47:44]); "supported if capabilities.ATS is 1" and "an illegal or
unsupported command ... sets cmd_ill"; "IOMMU Command-queue Fence commands" (an IOFENCE.C that
finds a timed-out ATS.INVAL sets cmd_to, cqh stays on it); iommu_registers.adoc cqcsr.cmd_to.
"""

import pytest

from models import IommuModel, Memory, Reg
from models.ats import InvalidationRequest, inval_payload, prgr_payload
from models.command_queue import Command, IllegalCommand, decode, encode
from models.page_request import PrgResponse
from tables import CAPS, CMD_ILL, CMD_TO, CQEN, CQON, cmd_iofence, enable_cq, put_cmd

ATS = 1 << 25


def cq(caps=CAPS | ATS):
    mem = Memory()
    iommu = IommuModel(mem, capabilities=caps)
    enable_cq(iommu, log2sz=3)
    return mem, iommu


def cmd_ats(func3=0, pid=0, pv=0, dsv=0, rid=0, dseg=0, payload=0, rsvd=0):
    """Hand-assembled from the spec's layout."""
    dw0 = 4 | func3 << 7 | rsvd | pid << 12 | pv << 32 | dsv << 33 | rid << 40 | dseg << 56
    return dw0, payload


def run(mem, iommu, *cmds):
    for i, c in enumerate(cmds):
        put_cmd(mem, i, c)
    iommu.write_reg(Reg.CQT, len(cmds), size=4)


def cqcsr(iommu):
    return iommu.read_reg(Reg.CQCSR, size=4)


# ------------------------------------------------------------------ decode / encode
def test_ats_inval_words_round_trip():
    c = Command("ATS.INVAL", pid=0xABCDE, pv=1, dsv=1, rid=0x1234, dseg=0x56,
                payload=0x7_6543_2801)
    # DW0: 4 | 0 << 7 | 0xABCDE << 12 | PV << 32 | DSV << 33 | 0x1234 << 40 | 0x56 << 56
    assert encode(c) == (0x5612_3403_ABCD_E004, 0x7_6543_2801)
    assert decode(*encode(c), 1, ats=True) == c


def test_ats_prgr_words_round_trip():
    c = Command("ATS.PRGR", pid=0x7, pv=1, rid=0x0102, payload=prgr_payload(0x1A5, 0xF))
    # payload: PRG index 0x1A5 << 32 | code 0xF << 44 = 0x0000_F1A5_0000_0000
    assert c.payload == 0x0000_F1A5_0000_0000
    # DW0: 4 | 1 << 7 | 7 << 12 | PV << 32 | 0x0102 << 40
    assert encode(c) == (0x0001_0201_0000_7084, 0x0000_F1A5_0000_0000)
    assert decode(*encode(c), 1, ats=True) == c


def test_ats_decode_without_capability_is_illegal():
    with pytest.raises(IllegalCommand, match="capabilities.ATS is 0"):
        decode(*cmd_ats(), 1)


@pytest.mark.parametrize("words", [
    cmd_ats(rsvd=1 << 10), cmd_ats(rsvd=1 << 11),          # rsvd [11:10]
    cmd_ats(rsvd=1 << 34), cmd_ats(rsvd=1 << 39),          # rsvd [39:34]
    cmd_ats(func3=2), cmd_ats(func3=7),                    # undefined functions
])
def test_ats_illegal_encodings(words):
    with pytest.raises(IllegalCommand):
        decode(*words, 1, ats=True)


def test_inval_payload_encoding():
    # 4 KiB at 0x1234_5000: S=0 -> 0x1234_5000; 8 KiB at 0x1234_4000: S=1 (bit 11), bit 12 = 0;
    # 2 MiB at 0x4000_0000: S=1, bits 19:12 = 1 -> 0x4000_0000 | 0xFF000 | 0x800; G -> bit 0
    assert inval_payload(0x1234_5000) == 0x1234_5000
    assert inval_payload(0x1234_4000, 13) == 0x1234_4800
    assert inval_payload(0x4000_0000, 21, g=True) == 0x400F_F801


# ------------------------------------------------------------------ execution
def test_ats_command_with_ats0_sets_cmd_ill():
    mem, iommu = cq(CAPS)
    run(mem, iommu, cmd_ats())
    assert cqcsr(iommu) == CQEN | CMD_ILL | CQON
    assert iommu.read_reg(Reg.CQH, size=4) == 0
    assert iommu.device_messages == []


def test_ats_inval_sends_an_invalidation_request():
    # RID 0x0310, DSV=0 -> device_id 0x310 (segment 0); PV=1 PID 9; 2 MiB at 0x4000_0000
    mem, iommu = cq()
    run(mem, iommu, cmd_ats(pid=9, pv=1, rid=0x0310, payload=0x400F_F800))
    assert iommu.read_reg(Reg.CQH, size=4) == 1
    assert iommu.device_messages == [InvalidationRequest(0x310, 9, 0x400F_F800)]
    m = iommu.device_messages[0]
    assert (m.range(), m.g) == ((0x4000_0000, 21), False)


def test_ats_inval_destination_segment_and_no_pasid():
    # DSV=1 DSEG 0x12 RID 0x3456 -> device_id 0x12_3456; PV=0: the PID operand is ignored
    mem, iommu = cq()
    run(mem, iommu, cmd_ats(pid=0x55, pv=0, dsv=1, dseg=0x12, rid=0x3456, payload=0x9000))
    assert iommu.device_messages == [InvalidationRequest(0x12_3456, None, 0x9000)]


def test_ats_prgr_sends_a_prg_response():
    # PRG index 0x1A5, response code 1 (Invalid Request), PASID 7 to RID 0x0102
    mem, iommu = cq()
    run(mem, iommu, cmd_ats(func3=1, pid=7, pv=1, rid=0x0102, payload=0x1 << 44 | 0x1A5 << 32))
    assert iommu.device_messages == [PrgResponse(0x0102, 7, 0x1A5, 1)]
    assert iommu.device_messages[0].status == "Invalid Request"


def test_fence_completes_after_answered_invalidations():
    # the model's device answers at once: the fence after ATS.INVAL completes, its AV write done
    mem, iommu = cq()
    run(mem, iommu, cmd_ats(rid=1, payload=0x1000), cmd_iofence(av=1, data=0xD0E, addr=0x9000))
    assert iommu.read_reg(Reg.CQH, size=4) == 2
    assert mem.read(0x9000, 4) == (0xD0E).to_bytes(4, "little")


def test_fence_after_a_timed_out_invalidation_sets_cmd_to():
    # a device that never answers: the ATS.INVAL completes by timeout; the IOFENCE.C after it
    # sets cmd_to and cqh stays on the fence (index 1), its AV write not done. Software clears
    # cmd_to (W1C): processing resumes and the fence completes (the timeout was reported).
    mem, iommu = cq()
    iommu.ats_inval_answered = lambda msg: False
    run(mem, iommu, cmd_ats(rid=1, payload=0x1000), cmd_iofence(av=1, data=0xD0E, addr=0x9000))
    assert cqcsr(iommu) == CQEN | CMD_TO | CQON
    assert iommu.read_reg(Reg.CQH, size=4) == 1
    assert mem.read(0x9000, 4) == bytes(4)
    iommu.write_reg(Reg.CQCSR, CQEN | CMD_TO, size=4)
    assert cqcsr(iommu) == CQEN | CQON
    assert iommu.read_reg(Reg.CQH, size=4) == 2
    assert mem.read(0x9000, 4) == (0xD0E).to_bytes(4, "little")


def test_no_timeout_without_a_fence():
    # cmd_to is reported only by a later IOFENCE.C: without one the queue runs on
    mem, iommu = cq()
    iommu.ats_inval_answered = lambda msg: False
    run(mem, iommu, cmd_ats(rid=1), cmd_ats(rid=2))
    assert (cqcsr(iommu), iommu.read_reg(Reg.CQH, size=4)) == (CQEN | CQON, 2)
