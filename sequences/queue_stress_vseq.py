"""Queues under load (docs/concurrency-scenarios.md):
- QueueWrapVseq: an 8-entry command queue fed many invalidation batches (cqt and cqh wrap
  several times) and an 8-entry fault queue that wraps while software drains it, both under
  background traffic; cqh is compared with the model after every fence, fqt after every drain;
- FaultOverflowVseq: a fault queue that fills with nobody draining: the record that does not
  fit is discarded and fqof set (fip pending, fie=1), later ones are dropped; software runs the
  spec's handler (W1C fqof, W1C ipsr.fip, consume, fqh) and new faults are recorded again.
  fqt, fqcsr and ipsr are compared with the golden model at each step (the scoreboard mirrors
  the DUT's records into it and judges each one), fqof and fip after the overflow with the
  spec's rule (a mirroring model cannot tell a discarded record).
"""
from __future__ import annotations

import cocotb
from cocotb.triggers import Timer

from models import Reg, Request, TTYP
from sequences.concurrency_vseq import HOST_DATA, WIN, ConcurrencyBase
from sequences.invalidation_seq import GVMA_SCOPES, VMA_SCOPES, gvma_scope, vma_scope
from sequences.sw.commands import FQCSR_FIE, FQCSR_FQEN, iodir_inval_ddt, iodir_inval_pdt
from sequences.sw.page_table import SIZE_4K

FQCSR_FQOF = 1 << 9
IPSR_FIP = 1 << 1
MAPPED, HOLES = 32, 16          # pages 0..31 mapped, 32..47 never: page faults
DID, BAD_DID = 3, 0x7F          # BAD_DID has no device context: cause 258


class QueueBase(ConcurrencyBase):
    cq_log2 = 3
    fq_log2 = 3

    async def host_setup(self) -> None:
        await self.init_iommu("1lvl", cq_log2=self.cq_log2, fq_log2=self.fq_log2)
        self.pt = await self.host_device(DID, "sv39", pscid=DID)
        for i in range(MAPPED):
            self.pt.map(WIN + i * SIZE_4K, HOST_DATA + i * SIZE_4K, perms="rw")

    def good_req(self) -> Request:
        rng = self.rng
        return Request(did=DID, iova=WIN + rng.randrange(MAPPED) * SIZE_4K + rng.randrange(0, 4096, 8),
                       ttyp=rng.choice([TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_WRITE]))

    def bad_req(self) -> Request:
        rng = self.rng
        if rng.random() < 0.2:
            return Request(did=BAD_DID, iova=WIN, ttyp=TTYP.UNTRANSLATED_READ)
        return Request(did=DID, iova=WIN + (MAPPED + rng.randrange(HOLES)) * SIZE_4K,
                       ttyp=rng.choice([TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_WRITE]))


class QueueWrapVseq(QueueBase):
    command_batches = 24            # each: 1..6 commands + IOFENCE.C, or a remap + its commands
    fault_batches = 14              # each: 1..5 faulting requests
    min_wraps = 3                   # the run must wrap each queue at least this often

    async def body(self):
        await self.host_setup()
        self.start_traffic(self.good_req)
        cmds = cocotb.start_soon(self.command_loop())
        await self.fault_loop()
        await cmds
        await self.stop_traffic()
        await self.drain_faults(True)
        await self.expect_reg(Reg.CQCSR, "at the end")
        await self.expect_reg(Reg.FQCSR, "at the end")
        wraps = (self.cq.tail_seq // self.cq.entries, self.consumed // self.fq.entries)
        if min(wraps) < self.min_wraps:
            raise AssertionError(f"scenario: the command queue wrapped {wraps[0]} times and the "
                                 f"fault queue {wraps[1]} times (wanted {self.min_wraps} each)")
        self.env.logger.info(f"queue wrap: {self.cq.tail_seq} commands ({wraps[0]} wraps), "
                             f"{self.consumed} fault records ({wraps[1]} wraps)")

    async def command_loop(self) -> None:
        rng = self.rng
        for _ in range(self.command_batches):
            if rng.random() < 0.4:
                va = WIN + rng.randrange(MAPPED) * SIZE_4K
                await self.after_update(self.pt.remap(va, HOST_DATA + rng.randrange(64) * SIZE_4K))
            else:
                await self.issue([self.random_command() for _ in range(rng.randint(1, 6))])
            await Timer(rng.randint(50, 800), unit="ns")

    def random_command(self):
        rng = self.rng
        r = rng.random()
        if r < 0.5:
            gv, av, pscv = rng.choice(VMA_SCOPES)
            return vma_scope(gv, av, pscv, gscid=rng.randrange(8), pscid=DID,
                             addr=WIN + rng.randrange(MAPPED) * SIZE_4K)
        if r < 0.7:
            gv, av = rng.choice(GVMA_SCOPES)
            return gvma_scope(gv, av, gscid=rng.randrange(8), addr=0x1000 * rng.randrange(64))
        if r < 0.9:
            return iodir_inval_ddt(rng.choice([None, DID, BAD_DID]))
        return iodir_inval_pdt(DID, rng.randrange(256))

    async def fault_loop(self) -> None:
        """Faulting requests in small batches; the records are drained now and then while
        more are being written, never letting the queue fill (so which record is written is
        certain: no race with fqh)."""
        rng, room = self.rng, self.fq.entries - 2
        issued = 0
        for b in range(self.fault_batches):
            m = rng.randint(1, 5)
            while issued - self.consumed + m > room:
                await self.drain_faults(True)
            await self.send([self.bad_req() for _ in range(m)], wait=False)
            issued += m
            await Timer(rng.randint(100, 1500), unit="ns")
            if rng.random() < 0.5:
                await self.drain_faults(False)
        await self.quiesce()


class FaultOverflowVseq(QueueBase):
    extra = 4                       # faults beyond what the queue holds

    async def body(self):
        await self.host_setup()
        fqcsr = FQCSR_FQEN | FQCSR_FIE
        await self.reg_write(Reg.FQCSR, fqcsr, 4)
        self.start_traffic(self.good_req)
        n = self.fq.entries + self.extra
        await self.send([self.bad_req() for _ in range(n)])
        await Timer(self.settle_ns, unit="ns")
        when = f"after {n} faults into a {self.fq.entries}-entry fault queue nobody drained"
        await self.overflowed(when)
        # while fqof is set, every record is dropped, even with room made
        await self.drain_faults(False)
        await self.send([self.bad_req() for _ in range(3)])
        await Timer(self.settle_ns, unit="ns")
        await self.expect_reg(Reg.FQT, "after faults while fqof was set (dropped)")
        await self.overflowed("after faults while fqof was set", full=False)
        # the handler: read fqcsr, W1C the errors, W1C ipsr.fip, consume, write fqh
        await self.reg_read(Reg.FQCSR, 4)
        await self.reg_write(Reg.FQCSR, fqcsr | FQCSR_FQOF, 4)
        await self.reg_write(Reg.IPSR, IPSR_FIP, 4)
        await self.expect_reg(Reg.FQCSR, "after W1C of fqof")
        await self.expect_reg(Reg.IPSR, "after W1C of fqof and ipsr.fip")
        await self.drain_faults(True)
        # recorded again
        await self.send([self.bad_req() for _ in range(3)])
        await self.drain_faults(True)
        if self.consumed < self.fq.entries + 2:
            raise AssertionError(f"FAULT-QUEUE {self.consumed} records consumed in all: the 3 "
                                 f"faults after fqof was cleared were not recorded")
        await self.expect_reg(Reg.FQT, "after new faults once fqof was cleared")
        await self.expect_reg(Reg.FQCSR, "after new faults once fqof was cleared")
        await self.expect_reg(Reg.IPSR, "after new faults once fqof was cleared (fip)")
        await self.stop_traffic()
        await self.reg_write(Reg.IPSR, IPSR_FIP, 4)
        await self.expect_reg(Reg.IPSR, "at the end, after W1C of ipsr.fip")

    async def overflowed(self, when: str, full: bool = True) -> None:
        """With `full`, the queue holds entries-1 records (fqt as the model mirrors the DUT's records) and
        the spec's overflow is visible: fqof set, and ipsr.fip (fie=1). The model follows the
        DUT's records and cannot tell when a record was discarded, so fqof and fip are held to
        the spec's rule here: the record that does not fit is discarded and fqof set."""
        await self.expect_reg(Reg.FQT, when)
        fqt, fqh = await self.reg_read(Reg.FQT, 4), await self.reg_read(Reg.FQH, 4)
        if full and (fqt + 1) % self.fq.entries != fqh:
            raise AssertionError(f"REGISTER fqt={fqt} fqh={fqh} {when}: the queue should be "
                                 f"full ({self.fq.entries - 1} records)")
        csr, ipsr = await self.reg_read(Reg.FQCSR, 4), await self.reg_read(Reg.IPSR, 4)
        if not csr & FQCSR_FQOF or not ipsr & IPSR_FIP:
            raise AssertionError(f"REGISTER fqcsr={csr:#x} ipsr={ipsr:#x} {when}: fqcsr.fqof "
                                 f"(bit 9) and ipsr.fip (bit 1, fie=1) must be 1 (a record that "
                                 f"does not fit is discarded and sets fqof)")
