"""The performance monitor of rtl/riscv_iommu.v built with HPM_COUNTERS=3, HPM_WIDTH=48
(rtl/iommu_hpm.v): register behaviour (WARL shape, read-only iocountovf, 32-bit halves,
icvec.pmiv), counting of untranslated and translated requests with filters, overflow with
OF/iocountovf/ipsr.pmip and the interrupt wire, iocountinh, iohpmcycles. Values are the
spec's layouts worked out by hand, and the golden model (set to the same shape, translating
the same requests in ddtp Bare, where no walk happens) must read the same.

Layouts (spec): iocountovf 0x58 (bit 0 CY, bit X counter X), iocountinh 0x5C, iohpmcycles
0x60 (OF bit 63), iohpmctrX 0x60 + 8X, iohpmevtX 0x158 + 8X: eventID [14:0], DMASK [15],
PID_PSCID [35:16], DID_GSCID [59:36], PV_PSCV [60], DV_GSCV [61], IDT [62], OF [63];
ipsr.pmip bit 2; icvec.pmiv [11:8].
"""

import cocotb
from cocotb.triggers import ClockCycles

from models import Reg, TTYP
from models import capabilities as capbits
from tests.rtl.iommu_harness import IommuHarness

CAPS = capbits.DEFAULT | 1 << capbits.HPM
N, WIDTH = 3, 48
MASK = (1 << WIDTH) - 1
OF = 1 << 63
DV, PV = 1 << 61, 1 << 60
RD, TR = TTYP.UNTRANSLATED_READ, TTYP.TRANSLATED_READ


def ctr(x):
    return Reg.IOHPMCTR1 + 8 * (x - 1)


def evt(x):
    return Reg.IOHPMEVT1 + 8 * (x - 1)


async def started(dut) -> IommuHarness:
    h = IommuHarness(dut, capabilities=CAPS)
    h.model.set_hpm_shape(N, WIDTH)
    await h.start()
    return h


async def same(h, regs, what):
    """Each register reads as the model says (iohpmcycles is not in the model's clock)."""
    for off, size in regs:
        got, exp = await h.rd(off, size), h.model.read_reg(off, size)
        assert got == exp, f"{what}: {Reg(off).name if off in Reg._value2member_map_ else hex(off)}" \
                           f"/{size} rtl={got:#x} model={exp:#x}"


HPM_REGS = ([(Reg.IOCOUNTOVF, 4), (Reg.IOCOUNTINH, 4), (Reg.IPSR, 4), (Reg.ICVEC, 8)] +
            [(ctr(x), 8) for x in range(1, 6)] + [(evt(x), 8) for x in range(1, 6)])


@cocotb.test()
async def test_registers(dut):
    h = await started(dut)
    assert await h.rd(Reg.CAPABILITIES) == CAPS
    await same(h, HPM_REGS, "reset")
    await h.wr(Reg.IOCOUNTINH, 0xFFFF_FFFF, 4)
    assert await h.rd(Reg.IOCOUNTINH, 4) == 0xF                # CY + 3 counters
    await h.wr(ctr(1), (1 << 64) - 1)
    assert await h.rd(ctr(1)) == MASK                          # 48 bits kept
    await h.wr(ctr(1), 0x1234_5678, 4)                         # low half only
    assert await h.rd(ctr(1)) == 0xFFFF_1234_5678
    await h.wr(ctr(1) + 4, 0xABCD_0000 | 0x42, 4)              # high half: 16 bits kept
    assert await h.rd(ctr(1)) == 0x0042_1234_5678
    await h.wr(evt(3), 0x7FFF_FFFF_FFFF_FFFF)                  # all 64 bits kept (OF 0)
    assert await h.rd(evt(3)) == 0x7FFF_FFFF_FFFF_FFFF
    await h.wr(ctr(4), 5)                                      # not built: 0
    await h.wr(evt(4), 5)
    await h.wr(Reg.IOCOUNTOVF, 0xFFFF_FFFF, 4)                 # read-only
    await h.wr(Reg.ICVEC, 0xFFFF)                              # civ, fiv, pmiv: one bit each
    assert await h.rd(Reg.ICVEC) == 0x111
    await same(h, HPM_REGS, "after writes")
    await h.wr(Reg.IOHPMCYCLES, OF | 77)                       # inhibited (CY=1): frozen
    await ClockCycles(dut.clk, 20)
    assert await h.rd(Reg.IOHPMCYCLES) == OF | 77


@cocotb.test()
async def test_counting_filters_overflow(dut):
    h = await started(dut)
    await h.wr(Reg.IOCOUNTINH, 0xF, 4)
    await h.wr(evt(1), 1)                                      # untranslated, any device
    await h.wr(evt(2), 1 | DV | 0x13 << 36 | 1 << 15)          # DMASK: devices 0x10..0x17
    await h.wr(evt(3), 2 | PV | 9 << 16)                       # translated with process_id 9
    await h.wr(ctr(1), MASK - 1)                               # wraps on the 2nd request
    await h.wr(Reg.DDTP, 1)                                    # Bare: untranslated pass through
    await h.wr(Reg.IOCOUNTINH, 0, 4)
    for did, ttyp, pid in ((0x10, RD, None), (0x17, RD, 3), (0x18, RD, None), (0x11, TR, 9),
                           (0x11, TR, None), (0x11, TR, 8)):
        got, out = await h.request(did, 0x1000, ttyp, pid)
        assert bool(got[0]) == (out.cause is not None), (did, ttyp, got, out)
    await h.wr(Reg.IOCOUNTINH, 0xF, 4)
    # ctr1: 3 untranslated from MASK-1 -> wraps to 1; ctr2: 0x10, 0x17 (not 0x18); ctr3: one
    assert [await h.rd(ctr(x)) for x in (1, 2, 3)] == [1, 2, 1]
    assert await h.rd(evt(1)) == OF | 1
    assert await h.rd(Reg.IOCOUNTOVF, 4) == 0x2
    assert await h.rd(Reg.IPSR, 4) == 0x4
    assert h.irq() == (1, 0)                                   # pmiv = 0: the first wire
    await same(h, HPM_REGS, "after counting")
    await h.wr(Reg.IPSR, 0x4, 4)                               # W1C
    assert await h.rd(Reg.IPSR, 4) == 0 and h.irq() == (0, 0)
    # OF already 1: another wrap raises no interrupt
    await h.wr(ctr(1), MASK)
    await h.wr(Reg.IOCOUNTINH, 0, 4)
    await h.request(0x10, 0x1000, RD)
    assert await h.rd(Reg.IPSR, 4) == 0 and await h.rd(ctr(1)) == 0
    # iocountinh: counter 1 inhibited does not move
    await h.wr(Reg.IOCOUNTINH, 0x2, 4)
    await h.request(0x10, 0x1000, RD)
    assert await h.rd(ctr(1)) == 0 and await h.rd(ctr(2)) == 4
    await same(h, HPM_REGS, "after inhibit")


@cocotb.test()
async def test_cycles(dut):
    h = await started(dut)
    c0 = await h.rd(Reg.IOHPMCYCLES)                           # counting since reset
    await ClockCycles(dut.clk, 100)
    c1 = await h.rd(Reg.IOHPMCYCLES)
    assert c1 - c0 >= 100, (c0, c1)
    await h.wr(Reg.IOCOUNTINH, 1, 4)
    await h.wr(Reg.IOHPMCYCLES, (1 << 63) - 30)
    await h.wr(Reg.IOCOUNTINH, 0, 4)
    await ClockCycles(dut.clk, 60)
    c2 = await h.rd(Reg.IOHPMCYCLES)
    assert c2 & OF and (c2 & ~OF) < 100, hex(c2)
    assert await h.rd(Reg.IOCOUNTOVF, 4) == 1
    assert await h.rd(Reg.IPSR, 4) == 0x4
