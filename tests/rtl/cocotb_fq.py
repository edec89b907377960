"""Fault-queue tests of rtl/riscv_iommu.v: faulting device requests (ddtp Off: cause 256 for
every request) become 32-byte records at fqb + fqt*32; overflow (fqof), record bus errors
(fqmf), a queue that is off, fip and the wires. Records, registers and responses are compared
with the golden model."""

import cocotb
from cocotb.triggers import ClockCycles

from models import TTYP, Reg
from tests.rtl.iommu_harness import IommuHarness

FQ_BASE = 0x0030_0000
FQMF, FQOF = 1 << 8, 1 << 9

REQUESTS = [   # did, iova, ttyp, pid, priv_s
    (0x000001, 0x0000_0000_0000_1000, TTYP.UNTRANSLATED_READ, None, False),
    (0xABCDEF, 0xFFFF_FFFF_FFFF_F008, TTYP.UNTRANSLATED_WRITE, 0xFEDCB, True),
    (0x123456, 0x0000_7FFF_0000_0ABC, TTYP.UNTRANSLATED_EXEC, 0x00001, False),
    (0xFFFFFF, 0x8000_0000_0000_0000, TTYP.TRANSLATED_READ, None, True),   # no pid: priv 0
    (0x000000, 0x0000_0000_DEAD_B000, TTYP.PCIE_ATS, 0xFFFFF, True),
]


class FqTb:
    def __init__(self, dut):
        self.h = IommuHarness(dut)
        self.dut = dut

    async def start(self):
        await self.h.start()

    async def enable(self, log2sz=3, base=FQ_BASE, fie=1):
        h = self.h
        self.base, self.entries = base, 1 << log2sz
        await h.wr(Reg.FQB, (base >> 12) << 10 | (log2sz - 1), 8)
        await h.wr(Reg.FQCSR, 1 | fie << 1, 4)

    async def fault(self, did, iova, ttyp, pid=None, priv_s=False):
        """One faulting request: the response matches the model's outcome."""
        got, out = await self.h.request(did, iova, ttyp, pid, priv_s)
        assert got[0] == 1 and got[1] == int(out.cause), \
            f"MISMATCH response did={did:#x} iova={iova:#x}: rtl fault={got[0]} cause={got[1]} " \
            f"model {out}"
        await self.h.fq_settle()

    def check_records(self):
        n = 32 * self.entries
        rtl = self.h.load(self.base, n)
        model = self.h.mem.peek(self.base, n)
        for i in range(self.entries):
            r, m = rtl[32 * i:32 * i + 32], model[32 * i:32 * i + 32]
            assert r == m, (f"MISMATCH fault record {i}: rtl "
                            f"{[hex(int.from_bytes(r[k:k + 8], 'little')) for k in range(0, 32, 8)]}"
                            f" model {[hex(int.from_bytes(m[k:k + 8], 'little')) for k in range(0, 32, 8)]}")


@cocotb.test()
async def test_fault_records(dut):
    """Each reported fault writes the model's record at fqt and advances fqt; fip -> irq_fq."""
    tb = FqTb(dut)
    await tb.start()
    h = tb.h
    await tb.enable(log2sz=3)
    for i, req in enumerate(REQUESTS):
        await tb.fault(*req)
        assert await h.rd(Reg.FQT, 4) == i + 1
    tb.check_records()
    assert await h.rd(Reg.IPSR, 4) == 0x2 and h.irq() == (0, 1)
    await h.assert_regs_match("after five fault records")
    assert h.irq() == h.model.irq_wires()
    # the handler: W1C fip, consume the records
    await h.wr(Reg.IPSR, 0x2, 4)
    await h.wr(Reg.FQH, len(REQUESTS), 4)
    await ClockCycles(dut.clk, 2)
    assert h.irq() == (0, 0)
    await h.assert_regs_match("after the handler")
    # wrap around the 8-entry queue
    for req in REQUESTS:
        await tb.fault(*req)
    assert await h.rd(Reg.FQT, 4) == (2 * len(REQUESTS)) % 8
    tb.check_records()
    await h.assert_regs_match("after wrapping")


@cocotb.test()
async def test_overflow(dut):
    """A record due while the queue is full sets fqof and is dropped, as are later ones until
    fqof is cleared; fip follows fqof."""
    tb = FqTb(dut)
    await tb.start()
    h = tb.h
    await tb.enable(log2sz=1)                          # 2 entries: room for one record
    await tb.fault(*REQUESTS[0])
    await tb.fault(*REQUESTS[1])                       # full
    fqcsr = await h.rd(Reg.FQCSR, 4)
    assert fqcsr & FQOF and await h.rd(Reg.FQT, 4) == 1, f"fqcsr {fqcsr:#x}"
    await tb.fault(*REQUESTS[2])                       # dropped while fqof
    await h.wr(Reg.IPSR, 0x2, 4)                       # fip stays: fqof holds
    await ClockCycles(dut.clk, 2)
    assert await h.rd(Reg.IPSR, 4) == 0x2
    tb.check_records()
    await h.assert_regs_match("overflowed")
    await h.wr(Reg.FQH, 1, 4)                          # consume, clear fqof, clear fip
    await h.wr(Reg.FQCSR, 0x3 | FQOF, 4)
    await h.wr(Reg.IPSR, 0x2, 4)
    await ClockCycles(dut.clk, 2)
    assert h.irq() == (0, 0)
    await tb.fault(*REQUESTS[3])                       # written at index 1
    assert await h.rd(Reg.FQT, 4) == 0
    tb.check_records()
    await h.assert_regs_match("after recovery from overflow")


@cocotb.test()
async def test_record_bus_error(dut):
    """A bus error writing a record sets fqmf, fqt stays and later records are dropped until
    fqmf is cleared."""
    tb = FqTb(dut)
    await tb.start()
    h = tb.h
    await tb.enable(log2sz=2)
    await tb.fault(*REQUESTS[0])
    h.set_access_fault(FQ_BASE + 32, FQ_BASE + 64)     # entry 1
    await tb.fault(*REQUESTS[1])
    fqcsr = await h.rd(Reg.FQCSR, 4)
    assert fqcsr & FQMF and await h.rd(Reg.FQT, 4) == 1, f"fqcsr {fqcsr:#x}"
    h.clear_faults()
    await tb.fault(*REQUESTS[2])                       # dropped: fqmf
    assert await h.rd(Reg.FQT, 4) == 1
    tb.check_records()
    await h.assert_regs_match("after a record bus error")
    await h.wr(Reg.FQCSR, 0x3 | FQMF, 4)
    await tb.fault(*REQUESTS[3])
    assert await h.rd(Reg.FQT, 4) == 2
    tb.check_records()
    await h.assert_regs_match("after recovery from fqmf")


@cocotb.test()
async def test_queue_off(dut):
    """With fqen=0 nothing is written; fqen 0->1 zeroes fqt and the error bits; fiv routes fip."""
    tb = FqTb(dut)
    await tb.start()
    h = tb.h
    await h.wr(Reg.FQB, (FQ_BASE >> 12) << 10 | 1, 8)
    await tb.fault(*REQUESTS[0])                       # queue off: response only
    assert await h.rd(Reg.FQT, 4) == 0
    assert not any(a >= FQ_BASE for a, _ in h.ram.writes)
    await h.assert_regs_match("queue off")
    await h.wr(Reg.ICVEC, 0x00, 8)                     # fip on wire 0 (irq_cq)
    await h.wr(Reg.FQCSR, 0x3, 4)
    tb.base, tb.entries = FQ_BASE, 4
    await tb.fault(*REQUESTS[4])
    assert h.irq() == (1, 0)
    await tb.fault(*REQUESTS[1])
    await h.wr(Reg.FQCSR, 0x2, 4)                      # off
    await h.wr(Reg.FQCSR, 0x3, 4)                      # on again: fqt = 0
    assert await h.rd(Reg.FQT, 4) == 0
    tb.check_records()
    await h.assert_regs_match("queue re-enabled")
    assert h.irq() == h.model.irq_wires()
