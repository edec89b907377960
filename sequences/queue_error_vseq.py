"""Queue memory errors (the spec's cqmf and fqmf), each followed by software's recovery:
- an IOFENCE.C with AV=1 whose data store gets a bus error: cqcsr.cqmf is set, cqh stays on
  the fence (it does not complete) and the queue stops; software points the fence at good
  memory, W1C cqmf, and the queue resumes from it;
- a fault record whose write gets a bus error: fqcsr.fqmf is set, the record is discarded
  (fqt stays), fip is pending (fie=1) and later records are discarded too; software turns the
  queue off, gives it a new base, turns it on (fqen 0->1 resets fqt and clears the errors) and
  faults are recorded again.
Registers are compared with the model at each step; the scoreboard mirrors the failed record
write into the model (fqmf) and judges every record written.
"""
from __future__ import annotations

from cocotb.triggers import Timer

from models import Reg
from models.command_queue import encode
from sequences.iommu_sw_vseq import FENCE_DATA
from sequences.queue_stress_vseq import QueueBase
from sequences.sw.commands import (CQCSR_CIE, CQCSR_CQEN, FQCSR_FIE, FQCSR_FQEN, FaultQueueReader,
                                   iofence_c)

BAD = 0x0F00_0000                 # answers every access with a bus error
NEW_FQ = 0x0005_0000              # the fault queue's second home
CQCSR_CQMF = 1 << 8
FQCSR_FQMF, FQCSR_FQON = 1 << 8, 1 << 16
IPSR_CIP, IPSR_FIP = 1, 2
BIT_NAMES = {(Reg.CQCSR, CQCSR_CQMF): "cqmf", (Reg.FQCSR, FQCSR_FQMF): "fqmf",
             (Reg.FQCSR, FQCSR_FQON): "fqon"}


class QueueErrorVseq(QueueBase):
    async def body(self):
        await self.host_setup()
        self.env.set_access_fault(BAD, BAD + 0x1000)
        await self.reg_write(Reg.CQCSR, CQCSR_CQEN | CQCSR_CIE, 4)
        await self.send([self.good_req() for _ in range(4)])
        await self.fence_store_error()
        await self.send([self.good_req() for _ in range(4)])
        await self.record_write_error()

    async def fence_store_error(self) -> None:
        cq = self.cq
        fence = cq.write([iofence_c(addr=BAD + 0x40, data=0x5A)])[0]
        await self.reg_write(*cq.doorbell_write())
        csr = await self._poll(Reg.CQCSR, CQCSR_CQMF, "IOFENCE.C AV=1 to a bus-error address")
        when = "after an IOFENCE.C whose data store got a bus error"
        await self.expect_reg(Reg.CQH, when)
        await self.expect_reg(Reg.CQCSR, when, csr, mask=0x0001_0F03)
        await self.expect_reg(Reg.IPSR, when + " (cip, cie=1)", mask=IPSR_CIP)
        # repair: the fence writes to good memory, then W1C cqmf and cip
        dw0, dw1 = encode(iofence_c(addr=FENCE_DATA + 0x3F0, data=0x5A))
        self.store64(cq.base + 16 * fence.index, dw0)
        self.store64(cq.base + 16 * fence.index + 8, dw1)
        await self.reg_write(Reg.CQCSR, CQCSR_CQEN | CQCSR_CIE | CQCSR_CQMF, 4)
        await self.reg_write(Reg.IPSR, IPSR_CIP, 4)
        cqh = await self.wait_cq_idle(cq.tail)
        cq.update_head(cqh)
        await self.expect_reg(Reg.CQH, "after the fence was repaired and cqmf cleared")
        await self.expect_reg(Reg.CQCSR, "after the fence was repaired and cqmf cleared",
                              mask=0x0001_0F03)

    async def record_write_error(self) -> None:
        fqcsr = FQCSR_FQEN | FQCSR_FIE
        await self.reg_write(Reg.FQCSR, fqcsr, 4)
        await self.drain_faults(True)
        fqt = await self.reg_read(Reg.FQT, 4)
        slot = self.fq.base + 32 * fqt
        self.env.set_access_fault(slot, slot + 32)      # the next record's slot
        await self.send([self.bad_req()])
        await self._poll(Reg.FQCSR, FQCSR_FQMF, "a fault record written to a bus-error slot")
        when = "after a fault record write got a bus error"
        await Timer(self.settle_ns, unit="ns")
        await self.expect_reg(Reg.FQT, when + " (the record is discarded: fqt stays)")
        await self.expect_reg(Reg.FQCSR, when, mask=0x0001_0303)
        await self.expect_reg(Reg.IPSR, when + " (fip, fie=1)", mask=IPSR_FIP)
        await self.send([self.bad_req() for _ in range(2)])   # discarded while fqmf is set
        await Timer(self.settle_ns, unit="ns")
        await self.expect_reg(Reg.FQT, "after faults while fqmf was set (discarded)")
        # recovery: off, wait for fqon=0, a new base, on (fqt reset, errors cleared)
        await self.reg_write(Reg.FQCSR, FQCSR_FIE, 4)
        await self._poll(Reg.FQCSR, FQCSR_FQON, "fqon to clear after fqen=0", clear=True)
        self.fq = FaultQueueReader(NEW_FQ, self.fq_log2, self.env.peek64)
        for w in self.fq.setup_writes(fie=True):
            await self.reg_write(*w)
        await self.reg_write(Reg.IPSR, IPSR_FIP, 4)
        await self.expect_reg(Reg.FQCSR, "after the fault queue was moved and re-enabled",
                              mask=0x0001_0303)
        await self.send([self.bad_req() for _ in range(3)])
        if await self.drain_faults(True) == 0:
            raise AssertionError("FAULT-QUEUE no record written after the queue was re-enabled "
                                 "at a new base (fqen 0->1 clears fqmf)")
        await self.expect_reg(Reg.FQT, "after faults in the re-enabled queue")

    async def _poll(self, reg: int, bit: int, what: str, clear: bool = False) -> int:
        for _ in range(2000):
            v = await self.reg_read(reg, 4)
            if bool(v & bit) != clear:
                return v
            await Timer(100, unit="ns")
        state = "still set" if clear else "never set"
        name = BIT_NAMES.get((reg, bit), f"bit {bit.bit_length() - 1}")
        raise AssertionError(f"REGISTER {Reg(reg).name.lower()}={v:#x}: {name} {state} ({what})")
