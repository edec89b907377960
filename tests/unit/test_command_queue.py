"""Command queue: decoding of every command of the subset, IOFENCE.C AV/WSI, illegal commands,
memory faults, cqh/cqt wrap-around.

Spec: iommu_in_memory_queues.adoc "Command-Queue (CQ)", "IOMMU Page-Table cache invalidation
commands", "IOMMU Command-queue Fence commands", "IOMMU directory cache invalidation
commands"; iommu_registers.adoc cqcsr; docs/design.md "Command queue".
"""

import pytest

from models import Reg
from tables import (CIE, CIP, CMD_ILL, CQ_BASE, CQEN, CQMF, FENCE_W_IP, cmd_iodir, cmd_iofence,
                    cmd_iotinval, enable_cq, put_cmd)

VMA, GVMA = 0, 1
DDT, PDT = 0, 1
FENCE_ADDR = 0x7_0000_1004


def cqh(iommu):
    return iommu.read_reg(Reg.CQH, size=4)


def cqcsr(iommu):
    return iommu.read_reg(Reg.CQCSR, size=4)


def ipsr(iommu):
    return iommu.read_reg(Reg.IPSR, size=4)


def run(iommu, mem, cmds, start=0, size=8):
    """Put cmds at start.. (mod size) and ring the doorbell."""
    for i, c in enumerate(cmds):
        put_cmd(mem, (start + i) % size, c)
    iommu.write_reg(Reg.CQT, (start + len(cmds)) % size, size=4)


@pytest.fixture
def cq(env):
    mem, iommu = env
    enable_cq(iommu, log2sz=3)                 # 8 entries at 0x60000
    mem.write64(0x7_0000_1000, 0x1111_1111_2222_2222)
    return mem, iommu


# ------------------------------------------------------------------------------ legal commands
@pytest.mark.parametrize("gv", [0, 1])
@pytest.mark.parametrize("av", [0, 1])
@pytest.mark.parametrize("pscv", [0, 1])
def test_iotinval_vma_combinations(cq, gv, av, pscv):
    mem, iommu = cq
    run(iommu, mem, [cmd_iotinval(VMA, av=av, pscid=0xABCDE if pscv else 0, pscv=pscv, gv=gv,
                                  gscid=0xFEDC if gv else 0,
                                  addr=0x00FF_FFFF_FFFF_F000 if av else 0)])
    assert cqh(iommu) == 1
    assert cqcsr(iommu) == 0x1_0001


@pytest.mark.parametrize("gv", [0, 1])
@pytest.mark.parametrize("av", [0, 1])
def test_iotinval_gvma_combinations(cq, gv, av):
    mem, iommu = cq
    run(iommu, mem, [cmd_iotinval(GVMA, av=av, gv=gv, gscid=0x1234 if gv else 0,
                                  addr=0x1_2345_6000 if av else 0)])
    assert cqh(iommu) == 1
    assert cqcsr(iommu) == 0x1_0001


def test_iotinval_ignored_operands(cq):
    # GSCID with GV=0, PSCID with PSCV=0, ADDR with AV=0 are ignored, not reserved
    mem, iommu = cq
    run(iommu, mem, [cmd_iotinval(VMA, pscid=0x5, gscid=0x6, addr=0x7000),
                     cmd_iotinval(GVMA, gscid=0x6, addr=0x7000)])
    assert cqh(iommu) == 2
    assert cqcsr(iommu) == 0x1_0001


@pytest.mark.parametrize("dv", [0, 1])
def test_iodir_inval_ddt(cq, dv):
    mem, iommu = cq
    run(iommu, mem, [cmd_iodir(DDT, dv=dv, did=0xABCDEF if dv else 0)])
    assert cqh(iommu) == 1
    assert cqcsr(iommu) == 0x1_0001


def test_iodir_inval_ddt_did_ignored_when_dv0(cq):
    mem, iommu = cq
    run(iommu, mem, [cmd_iodir(DDT, dv=0, did=0x55)])
    assert cqh(iommu) == 1
    assert cqcsr(iommu) == 0x1_0001


def test_iodir_inval_pdt(cq):
    mem, iommu = cq
    run(iommu, mem, [cmd_iodir(PDT, pid=0xFFFFF, dv=1, did=0xFFFFFF)])
    assert cqh(iommu) == 1
    assert cqcsr(iommu) == 0x1_0001


def test_iofence_plain(cq):
    mem, iommu = cq
    run(iommu, mem, [cmd_iofence(), cmd_iofence(pr=1, pw=1)])
    assert cqh(iommu) == 2
    assert cqcsr(iommu) == 0x1_0001
    assert mem.read64(0x7_0000_1000) == 0x1111_1111_2222_2222


def test_iofence_av_writes_data(cq):
    mem, iommu = cq
    run(iommu, mem, [cmd_iofence(av=1, data=0xDEAD_BEEF, addr=FENCE_ADDR)])
    assert cqh(iommu) == 1
    assert mem.read(FENCE_ADDR, 4) == bytes([0xEF, 0xBE, 0xAD, 0xDE])
    assert mem.read64(0x7_0000_1000) == 0xDEAD_BEEF_2222_2222      # only 4 bytes written


def test_iofence_av_address_low_bits(cq):
    # DW1 holds ADDR[63:2]; the write goes to ADDR[63:2] << 2
    mem, iommu = cq
    put_cmd(mem, 0, (2 | (1 << 10) | (0x0102_0304 << 32), 0x7_0000_1000 >> 2))
    iommu.write_reg(Reg.CQT, 1, size=4)
    assert mem.read64(0x7_0000_1000) == 0x1111_1111_0102_0304


def test_iofence_wsi(cq):
    mem, iommu = cq
    run(iommu, mem, [cmd_iofence(wsi=1)])
    assert cqh(iommu) == 1
    assert cqcsr(iommu) == 0x1_0801                       # fence_w_ip
    assert ipsr(iommu) == 0                               # cie = 0
    run(iommu, mem, [cmd_iotinval()], start=1)            # fence_w_ip does not stop the queue
    assert cqh(iommu) == 2


def test_iofence_wsi_interrupt(env):
    mem, iommu = env
    enable_cq(iommu, log2sz=3, cie=True)
    run(iommu, mem, [cmd_iofence(wsi=1, av=1, data=7, addr=0x7_0000_2000)])
    assert mem.read(0x7_0000_2000, 4) == bytes([7, 0, 0, 0])
    assert cqcsr(iommu) == 0x1_0803
    assert ipsr(iommu) == CIP
    assert tuple(map(int, iommu.irq_wires())) == (1, 0)
    iommu.write_reg(Reg.IPSR, CIP, size=4)                # fence_w_ip still set
    assert ipsr(iommu) == CIP
    iommu.write_reg(Reg.CQCSR, CQEN | CIE | FENCE_W_IP, size=4)
    assert cqcsr(iommu) == 0x1_0003
    iommu.write_reg(Reg.IPSR, CIP, size=4)
    assert ipsr(iommu) == 0
    assert tuple(map(int, iommu.irq_wires())) == (0, 0)


def test_cie_set_later_raises_cip(cq):
    mem, iommu = cq
    run(iommu, mem, [cmd_iofence(wsi=1)])
    assert ipsr(iommu) == 0
    iommu.write_reg(Reg.CQCSR, CQEN | CIE, size=4)
    assert ipsr(iommu) == CIP


def test_mixed_sequence(cq):
    mem, iommu = cq
    run(iommu, mem, [cmd_iotinval(VMA, av=1, addr=0x1000), cmd_iodir(DDT, dv=1, did=3),
                     cmd_iodir(PDT, dv=1, did=3, pid=4), cmd_iotinval(GVMA, gv=1, gscid=2),
                     cmd_iofence(av=1, data=0xCAFE_F00D, addr=FENCE_ADDR)])
    assert cqh(iommu) == 5
    assert mem.read64(0x7_0000_1000) == 0xCAFE_F00D_2222_2222


# ------------------------------------------------------------------------------ illegal commands
ILLEGAL = {
    "opcode0": (0, 0),
    "opcode4_ats": (4, 0),
    "opcode5": (5, 0),
    "opcode63": (63, 0),
    "opcode_custom64": (64, 0),
    "iotinval_func3_2": (1 | (2 << 7), 0),
    "iotinval_func3_7": (1 | (7 << 7), 0),
    "iofence_func3_1": (2 | (1 << 7), 0),
    "iodir_func3_2": (3 | (2 << 7), 0),
    "vma_rsvd11": (cmd_iotinval(VMA)[0] | (1 << 11), 0),
    "vma_nl": cmd_iotinval(VMA, av=1, nl=1, addr=0x1000),
    "vma_s": cmd_iotinval(VMA, av=1, s=1, addr=0x1000),
    "vma_rsvd35": (cmd_iotinval(VMA)[0] | (1 << 35), 0),
    "vma_rsvd43": (cmd_iotinval(VMA)[0] | (1 << 43), 0),
    "vma_rsvd60": (cmd_iotinval(VMA)[0] | (1 << 60), 0),
    "vma_rsvd63": (cmd_iotinval(VMA)[0] | (1 << 63), 0),
    "vma_rsvd64": (cmd_iotinval(VMA)[0], 1 << 0),          # bit 64
    "vma_rsvd72": (cmd_iotinval(VMA)[0], 1 << 8),          # bit 72
    "vma_rsvd126": (cmd_iotinval(VMA)[0], 1 << 62),        # bit 126
    "vma_rsvd127": (cmd_iotinval(VMA)[0], 1 << 63),
    "gvma_pscv": cmd_iotinval(GVMA, pscv=1, pscid=1, gv=1),
    "gvma_nl": cmd_iotinval(GVMA, av=1, gv=1, nl=1, addr=0x1000),
    "gvma_rsvd11": (cmd_iotinval(GVMA)[0] | (1 << 11), 0),
    "fence_rsvd14": (cmd_iofence()[0] | (1 << 14), 0),
    "fence_rsvd31": (cmd_iofence()[0] | (1 << 31), 0),
    "fence_rsvd126": (cmd_iofence()[0], 1 << 62),
    "ddt_pid": cmd_iodir(DDT, pid=1, dv=1, did=1),
    "ddt_rsvd10": (cmd_iodir(DDT)[0] | (1 << 10), 0),
    "ddt_rsvd32": (cmd_iodir(DDT)[0] | (1 << 32), 0),
    "ddt_rsvd34": (cmd_iodir(DDT)[0] | (1 << 34), 0),
    "ddt_rsvd39": (cmd_iodir(DDT)[0] | (1 << 39), 0),
    "ddt_dw1": (cmd_iodir(DDT)[0], 1),
    "pdt_dv0": cmd_iodir(PDT, pid=1, dv=0, did=1),
    "pdt_rsvd11": (cmd_iodir(PDT, dv=1)[0] | (1 << 11), 0),
    "pdt_dw1": (cmd_iodir(PDT, dv=1)[0], 1 << 40),
}


@pytest.mark.parametrize("name", sorted(ILLEGAL))
def test_illegal_command(cq, name):
    mem, iommu = cq
    run(iommu, mem, [cmd_iotinval(), ILLEGAL[name],
                     cmd_iofence(av=1, data=0x5555_5555, addr=FENCE_ADDR)])
    assert cqh(iommu) == 1                                # left on the bad command
    assert cqcsr(iommu) == 0x1_0401                       # cmd_ill
    assert mem.read64(0x7_0000_1000) == 0x1111_1111_2222_2222   # the fence did not run


def test_illegal_stops_until_cleared_then_resumes(cq):
    mem, iommu = cq
    run(iommu, mem, [cmd_iotinval(), (0, 0), cmd_iofence(av=1, data=0x5555_5555, addr=FENCE_ADDR)])
    assert cqh(iommu) == 1
    run(iommu, mem, [cmd_iofence()], start=3)             # doorbell while cmd_ill: nothing
    assert cqh(iommu) == 1
    assert cqcsr(iommu) == 0x1_0401
    put_cmd(mem, 1, cmd_iodir(DDT))                       # software fixes the command
    iommu.write_reg(Reg.CQCSR, CQEN | CMD_ILL, size=4)    # W1C: processing resumes
    assert cqcsr(iommu) == 0x1_0001
    assert cqh(iommu) == 4
    assert mem.read64(0x7_0000_1000) == 0x5555_5555_2222_2222


def test_illegal_clear_without_fix_stops_again(cq):
    mem, iommu = cq
    run(iommu, mem, [(0, 0)])
    iommu.write_reg(Reg.CQCSR, CQEN | CMD_ILL, size=4)
    assert cqh(iommu) == 0
    assert cqcsr(iommu) == 0x1_0401


def test_illegal_sets_cip_with_cie(env):
    mem, iommu = env
    enable_cq(iommu, log2sz=3, cie=True)
    run(iommu, mem, [(0x7F, 0)])
    assert ipsr(iommu) == CIP
    assert tuple(map(int, iommu.irq_wires())) == (1, 0)


# ------------------------------------------------------------------------------ memory faults
def test_fetch_bus_error(cq):
    mem, iommu = cq
    put_cmd(mem, 0, cmd_iotinval())
    put_cmd(mem, 1, cmd_iofence(av=1, data=0x5555_5555, addr=FENCE_ADDR))
    mem.set_access_fault(CQ_BASE + 16, CQ_BASE + 32)
    iommu.write_reg(Reg.CQT, 2, size=4)
    assert cqh(iommu) == 1
    assert cqcsr(iommu) == 0x1_0101                       # cqmf
    assert mem.read64(0x7_0000_1000) == 0x1111_1111_2222_2222
    mem.clear_faults()
    iommu.write_reg(Reg.CQT, 2, size=4)                   # doorbell while cqmf: nothing
    assert cqh(iommu) == 1
    iommu.write_reg(Reg.CQCSR, CQEN | CQMF, size=4)       # W1C: resumes
    assert cqcsr(iommu) == 0x1_0001
    assert cqh(iommu) == 2
    assert mem.read64(0x7_0000_1000) == 0x5555_5555_2222_2222


def test_fetch_bus_error_second_doubleword(cq):
    mem, iommu = cq
    put_cmd(mem, 0, cmd_iotinval())
    mem.set_access_fault(CQ_BASE + 8, CQ_BASE + 16)
    iommu.write_reg(Reg.CQT, 1, size=4)
    assert cqh(iommu) == 0
    assert cqcsr(iommu) & CQMF


def test_fence_write_bus_error(env):
    mem, iommu = env
    enable_cq(iommu, log2sz=3, cie=True)
    mem.set_access_fault(0x7_0000_1000, 0x7_0000_2000)
    run(iommu, mem, [cmd_iotinval(), cmd_iofence(av=1, wsi=1, data=1, addr=FENCE_ADDR),
                     cmd_iotinval()])
    assert cqh(iommu) == 1                                # stays on the fence
    assert cqcsr(iommu) == 0x1_0103                       # cqmf, no fence_w_ip
    assert ipsr(iommu) == CIP
    mem.clear_faults()
    iommu.write_reg(Reg.CQCSR, CQEN | CIE | CQMF, size=4)
    assert cqh(iommu) == 3
    assert cqcsr(iommu) == 0x1_0803                       # the fence completed: fence_w_ip
    assert mem.read(FENCE_ADDR, 4) == bytes([1, 0, 0, 0])


# ------------------------------------------------------------------------------ queue mechanics
def test_wrap_around_4_entries(env):
    mem, iommu = env
    enable_cq(iommu, log2sz=2)
    run(iommu, mem, [cmd_iotinval(), cmd_iotinval(), cmd_iotinval()], size=4)
    assert cqh(iommu) == 3
    run(iommu, mem, [cmd_iodir(DDT), cmd_iofence(av=1, data=0xA5, addr=0x7_0000_3000)],
        start=3, size=4)
    assert iommu.read_reg(Reg.CQT, size=4) == 1
    assert cqh(iommu) == 1
    assert mem.read(0x7_0000_3000, 4) == bytes([0xA5, 0, 0, 0])
    run(iommu, mem, [(0, 0)], start=1, size=4)            # illegal at index 1
    assert cqh(iommu) == 1
    assert cqcsr(iommu) & CMD_ILL


def test_wrap_illegal_at_index_3(env):
    mem, iommu = env
    enable_cq(iommu, log2sz=2)
    run(iommu, mem, [cmd_iotinval(), cmd_iotinval()], size=4)
    run(iommu, mem, [cmd_iotinval(), (0x7E, 0), cmd_iotinval()], start=2, size=4)
    assert cqh(iommu) == 3
    assert cqcsr(iommu) == 0x1_0401


def test_queue_disabled_does_not_process(env):
    mem, iommu = env
    iommu.write_reg(Reg.CQB, (0x60 << 10) | 2)            # 8 entries at 0x60000
    put_cmd(mem, 0, cmd_iotinval())
    put_cmd(mem, 1, cmd_iofence(av=1, data=9, addr=0x7_0000_3000))
    iommu.write_reg(Reg.CQT, 2, size=4)
    assert cqh(iommu) == 0
    assert mem.read(0x7_0000_3000, 4) == bytes(4)
    iommu.write_reg(Reg.CQCSR, CQEN, size=4)              # enabling runs the queued commands
    assert cqh(iommu) == 2
    assert mem.read(0x7_0000_3000, 4) == bytes([9, 0, 0, 0])


def test_disable_then_enable_resets_cqh(cq):
    mem, iommu = cq
    run(iommu, mem, [cmd_iotinval(), cmd_iotinval()])
    assert cqh(iommu) == 2
    iommu.write_reg(Reg.CQCSR, 0, size=4)
    assert cqcsr(iommu) == 0
    assert cqh(iommu) == 2
    iommu.write_reg(Reg.CQCSR, CQEN, size=4)              # cqh <- 0, then runs 0..cqt=2 again
    assert cqh(iommu) == 2
    assert iommu.read_reg(Reg.CQT, size=4) == 2


def test_empty_doorbell(cq):
    mem, iommu = cq
    iommu.write_reg(Reg.CQT, 0, size=4)
    assert cqh(iommu) == 0
    assert cqcsr(iommu) == 0x1_0001


def test_full_queue_of_commands(cq):
    mem, iommu = cq
    run(iommu, mem, [cmd_iotinval(VMA, av=1, addr=0x1000 * i) for i in range(7)])
    assert cqh(iommu) == 7
    run(iommu, mem, [cmd_iofence(av=1, data=0x77, addr=0x7_0000_3000)], start=7)
    assert cqh(iommu) == 0
    assert mem.read(0x7_0000_3000, 4) == bytes([0x77, 0, 0, 0])


def test_commands_with_fq_and_translation_independent(cq):
    # command processing does not depend on iommu_mode (Off here)
    mem, iommu = cq
    run(iommu, mem, [cmd_iodir(DDT), cmd_iofence(av=1, data=1, addr=FENCE_ADDR)])
    assert cqh(iommu) == 2
    assert iommu.read_reg(Reg.DDTP) == 0


def test_cq_high_base(env):
    mem, iommu = env
    iommu.write_reg(Reg.CQB, (0xAB_CDEF_1 << 10) | 0)     # 2 entries at 0xAB_CDEF_1000
    assert iommu.read_reg(Reg.CQB) == 0x2A_F37B_C400       # PPN 0xABCDEF1 << 10
    iommu.write_reg(Reg.CQCSR, CQEN, size=4)
    mem.write64(0xAB_CDEF_1010, cmd_iofence(av=1, data=0x1234, addr=0x7_0000_3000)[0])
    mem.write64(0xAB_CDEF_1018, cmd_iofence(av=1, data=0x1234, addr=0x7_0000_3000)[1])
    iommu.write_reg(Reg.CQT, 0, size=4)                   # nothing
    assert cqh(iommu) == 0
    put_cmd(mem, 0, cmd_iotinval(), base=0xAB_CDEF_1000)
    iommu.write_reg(Reg.CQT, 1, size=4)
    assert cqh(iommu) == 1
    iommu.write_reg(Reg.CQT, 0, size=4)                   # wraps: runs index 1
    assert cqh(iommu) == 0
    assert mem.read(0x7_0000_3000, 4) == bytes([0x34, 0x12, 0, 0])
