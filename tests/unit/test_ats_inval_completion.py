"""Inbound "Invalidation Completion" messages (models/ats_inval.py) and IOFENCE.C's wait.

Spec (riscv-iommu, src/iommu_in_memory_queues.adoc, "IOMMU PCIe ATS commands"): ATS.INVAL
"completes when an 'Invalidation Completion' response message is received from the device or
a protocol-defined timeout occurs"; the IOMMU "may advance the cqh and fetch more commands
from CQ while a response is awaited"; a timeout "is reported when a subsequent IOFENCE.C
command is executed" (cmd_to, cqh holds the IOFENCE.C's index). iommu_data_structures.adoc:
with EN_ATS = 1 the IOMMU supports "PCIe ATS Invalidation Completion Message", "otherwise they
are treated as unsupported requests" (260; a PCIe message: TTYP 9, iotval = the message code,
0x02 for Invalidation Completion). PCIe ATS: ITag 0..31, ITag Vector (bit i = ITag i),
Completion Count CC (0 means 8).
Device 1's DC (1LVL, did 1 at DDT_ROOT + 1 * 32) has EN_ATS = 1; device 2's has EN_ATS = 0.
"""
import pytest

from models import IommuModel, Memory, Reg
from models.ats import InvalidationRequest
from models.ats_inval import InvalidationCompletion
from tables import (CAPS, CMD_TO, CQEN, CQON, FQ_BASE, LVL1, TC_EN_ATS, TC_V, cmd_iofence, dc_words,
                    enable_cq, enable_fq, place_dc, setup_dc)
from test_ats_commands import cmd_ats, cq, cqcsr, run

def env(log2sz=3):
    mem = Memory()
    iommu = IommuModel(mem, capabilities=CAPS | 1 << 25)
    enable_cq(iommu, log2sz=log2sz)
    enable_fq(iommu)
    setup_dc(mem, iommu, 1, tc=TC_V | TC_EN_ATS)
    place_dc(mem, LVL1, 2, dc_words(TC_V))
    iommu.ats_inval.at_once = False
    return mem, iommu


def cqh(iommu):
    return iommu.read_reg(Reg.CQH, size=4)


def test_default_answers_at_once_itag_0():
    mem, iommu = cq()
    run(mem, iommu, cmd_ats(rid=1, payload=0x1000), cmd_iofence())
    assert cqh(iommu) == 2 and iommu.device_messages == [InvalidationRequest(1, None, 0x1000, 0)]


def test_fence_waits_for_the_completion():
    # ATS.INVAL to device 1 takes ITag 0; the IOFENCE.C (AV: 0xD0E at 0x9000) waits with cqh on
    # it (index 1) until device 1 answers ITag Vector 0b1 with CC = 1
    mem, iommu = env()
    run(mem, iommu, cmd_ats(rid=1, payload=0x1000), cmd_iofence(av=1, data=0xD0E, addr=0x9000))
    assert iommu.device_messages == [InvalidationRequest(1, None, 0x1000, 0)]
    assert cqh(iommu) == 1 and mem.read(0x9000, 4) == bytes(4)
    assert iommu.invalidation_completion(InvalidationCompletion(1, 0b1)) == [0]
    assert cqh(iommu) == 2 and mem.read(0x9000, 4) == (0xD0E).to_bytes(4, "little")
    assert cqcsr(iommu) == CQEN | CQON


def test_commands_after_ats_inval_run_until_the_fence():
    # two ATS.INVALs take ITags 0 and 1 and cqh moves on; the fence waits for both
    mem, iommu = env()
    run(mem, iommu, cmd_ats(rid=1, payload=0x1000), cmd_ats(rid=1, payload=0x2000),
        cmd_iofence())
    assert [m.itag for m in iommu.device_messages] == [0, 1] and cqh(iommu) == 2
    iommu.invalidation_completion(InvalidationCompletion(1, 0b10))
    assert cqh(iommu) == 2                          # ITag 0 still outstanding
    iommu.invalidation_completion(InvalidationCompletion(1, 0b01))
    assert cqh(iommu) == 3


def test_completion_count_two_messages():
    # CC = 2: the request completes with the second completion naming ITag 0
    mem, iommu = env()
    run(mem, iommu, cmd_ats(rid=1), cmd_iofence())
    assert iommu.invalidation_completion(InvalidationCompletion(1, 0b1, cc=2)) == []
    assert cqh(iommu) == 1
    assert iommu.invalidation_completion(InvalidationCompletion(1, 0b1, cc=2)) == [0]
    assert cqh(iommu) == 2


def test_cc_0_means_8():
    mem, iommu = env()
    run(mem, iommu, cmd_ats(rid=1), cmd_iofence())
    for _ in range(7):
        assert iommu.invalidation_completion(InvalidationCompletion(1, 0b1, cc=0)) == []
    assert iommu.invalidation_completion(InvalidationCompletion(1, 0b1, cc=0)) == [0]


def test_timeout_sets_cmd_to_on_the_waiting_fence():
    # no completion: the timeout completes ITag 0; the fence sets cmd_to, cqh stays on it (1);
    # software clears cmd_to and the fence completes
    mem, iommu = env()
    run(mem, iommu, cmd_ats(rid=1), cmd_iofence(av=1, data=0xD0E, addr=0x9000))
    assert iommu.ats_inval_timeout() == [0]
    assert cqcsr(iommu) == CQEN | CMD_TO | CQON and cqh(iommu) == 1
    assert mem.read(0x9000, 4) == bytes(4)
    iommu.write_reg(Reg.CQCSR, CQEN | CMD_TO, size=4)
    assert cqh(iommu) == 2 and mem.read(0x9000, 4) == (0xD0E).to_bytes(4, "little")


def test_completion_of_another_device_or_itag_is_ignored():
    mem, iommu = env()
    run(mem, iommu, cmd_ats(rid=1), cmd_iofence())
    assert iommu.invalidation_completion(InvalidationCompletion(1, 0b100)) == []   # ITag 2
    assert iommu.ats_inval.ignored == 1 and cqh(iommu) == 1
    # device 2 (EN_ATS = 0) naming ITag 0: an unsupported request, 260, TTYP 9, iotval 0x02
    assert iommu.invalidation_completion(InvalidationCompletion(2, 0b1)) == []
    assert cqh(iommu) == 1 and iommu.read_reg(Reg.FQT, size=4) == 1
    dw0 = mem.read64(FQ_BASE)
    assert dw0 == 260 | 9 << 34 | 2 << 40 and mem.read64(FQ_BASE + 16) == 0x02


def test_itags_exhausted_the_33rd_waits():
    # 33 ATS.INVALs: ITags 0..31 go out, the 33rd waits with cqh on it (index 32); completing
    # ITag 5 frees it: the 33rd takes ITag 5
    mem, iommu = env(log2sz=6)                      # 128 entries
    run(mem, iommu, *[cmd_ats(rid=1, payload=0x1000 * i) for i in range(33)])
    assert cqh(iommu) == 32 and len(iommu.device_messages) == 32
    iommu.invalidation_completion(InvalidationCompletion(1, 1 << 5))
    assert cqh(iommu) == 33 and iommu.device_messages[-1].itag == 5


@pytest.mark.parametrize("kw", [dict(itag_vector=0), dict(itag_vector=1 << 32), dict(cc=8)])
def test_bad_completion_fields(kw):
    args = dict(did=1, itag_vector=1, cc=1) | kw
    with pytest.raises(ValueError):
        InvalidationCompletion(**args)


def test_completion_through_a_dc_misconfigured_under_gxl_is_259():
    # Sv32x4 makes fctl.GXL writable; with GXL = 1 "DC.tc.SXL must be 1": device 1's DC
    # (EN_ATS = 1, SXL = 0) is misconfigured, so its Invalidation Completion is refused with
    # 259 (TTYP 9, iotval 0x02), not counted: the fence still waits
    mem = Memory()
    iommu = IommuModel(mem, capabilities=CAPS | 1 << 25 | 1 << 16)
    iommu.write_reg(Reg.FCTL, 0x4, 4)               # GXL = 1, while ddtp is Off
    enable_cq(iommu)
    enable_fq(iommu)
    setup_dc(mem, iommu, 1, tc=TC_V | TC_EN_ATS)
    iommu.ats_inval.at_once = False
    run(mem, iommu, cmd_ats(rid=1), cmd_iofence())
    assert iommu.invalidation_completion(InvalidationCompletion(1, 0b1)) == []
    assert cqh(iommu) == 1 and iommu.read_reg(Reg.FQT, size=4) == 1
    assert mem.read64(FQ_BASE) == 259 | 9 << 34 | 1 << 40 and mem.read64(FQ_BASE + 16) == 0x02
