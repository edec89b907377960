"""A seeded mix of the concurrency scenarios under background traffic (docs/concurrency-scenarios.md):
straddled walks of every case, command bursts through a small command queue (wrapping),
fault bursts through a small fault queue (drained while it wraps, never overflowing: the
overflow race with fqh is FaultOverflowVseq's, kept deterministic there), ddtp switches with
a few requests in flight across them. `steps` sizes a run; the soak variant runs longer.

Never overflowing is the sequence's own doing: every step starts with the fault queue empty
(a burst is answered before its step ends, then the settled drain consumes its records) and
writes at most entries-3 records (a burst), 4 (a ddtp switch: its requests in Off) or 2 (a
straddle); fqcsr's error bits are compared with the model after every step.
"""
from __future__ import annotations

from cocotb.triggers import Timer

from models import Reg
from sequences.concurrency_vseq import DdtStraddle, GuestStraddle, PdtStraddle
from sequences.ddtp_switch_vseq import DdtpSwitcher
from sequences.queue_stress_vseq import QueueBase, QueueWrapVseq

FQCSR_ERRORS = 1 << 8 | 1 << 9           # fqmf, fqof
ACTIONS = (("ddt", 2), ("pdt", 2), ("leaf", 2), ("gleaf", 2), ("commands", 3), ("faults", 3),
           ("ddtp", 1))


class ConcurrencyMixVseq(DdtpSwitcher, DdtStraddle, PdtStraddle, GuestStraddle, QueueBase):
    steps = 14
    actions = ACTIONS               # (action, weight)
    cq_log2 = 3
    fq_log2 = 4
    random_command = QueueWrapVseq.random_command

    async def body(self):
        rng = self.rng
        self.switches = 0
        await self.host_setup()
        await self.hosts_setup()
        await self.ddt_setup(base_did=0x60, count=0x1E)
        await self.pdt_setup()
        await self.guest_setup()
        self.start_traffic(self.mixed_req)
        names = [n for n, w in self.actions for _ in range(w)]
        done: dict = {}
        for i in range(self.steps):
            act = rng.choice(names)
            done[act] = done.get(act, 0) + 1
            await self.step(act)
            await self.drain_faults(True)
            # The mix never lets its fault queue fill, so fqof (and fqmf) stay 0 throughout;
            # checked at every step, where an overflow happens (after one, every record is
            # dropped until software clears fqof, and the rest of the run checks none).
            await self.expect_reg(Reg.FQCSR, f"after step {i + 1} ({act}) of the mix, which "
                                  f"keeps its fault queue from filling", mask=FQCSR_ERRORS)
        await self.stop_traffic()
        await self.drain_faults(True)
        await self.expect_reg(Reg.FQCSR, "at the end")
        self.env.logger.info("concurrency mix: " + ", ".join(f"{k} {v}" for k, v in sorted(done.items()))
                             + f"; {self.straddles} straddled walks, {self.switches} ddtp switches")

    def mixed_req(self):
        return self.good_req() if self.rng.random() < 0.5 else self.host_req()

    async def step(self, act: str) -> None:
        rng = self.rng
        if act == "ddt":
            await self.ddt_round()
        elif act == "pdt":
            await self.pdt_round()
        elif act == "leaf":
            await self.leaf_round()
        elif act == "gleaf":
            await self.gleaf_round()
        elif act == "commands":
            for _ in range(rng.randint(2, 5)):
                await self.issue([self.random_command() for _ in range(rng.randint(1, 6))])
        elif act == "faults":
            burst = self.dut.sendable([self.bad_req()
                                       for _ in range(rng.randint(1, self.fq.entries - 3))])
            results = await self.send(burst, wait=False)
            await Timer(rng.randint(200, 2000), unit="ns")
            await self.drain_faults(False)          # while the records are being written
            # Every fault of the burst answered before the step ends: then the loop's settled
            # drain consumes all its records, and the next step (another burst, a ddtp switch
            # whose requests in Off are faults) starts from an empty queue. Without this, a
            # burst queued behind background walks left up to entries-4 records unconsumed,
            # and the next step's faults overflowed the queue (soak seed 97: fqof set).
            await self.answered(results, len(burst))
        else:
            # a few requests in flight across the switch, not a stream (every request in Off
            # is a recorded fault, and this fault queue is small)
            await self.stop_traffic()
            await self.send([self.host_req() for _ in range(4)], wait=False)
            await self.switch_ddtp(rng.choice(self.ddt_modes), rng.random() < 0.5)
            await self.quiesce()
            await self.drain_faults(True)
            self.start_traffic(self.mixed_req)


class ConcurrencyMixSoakVseq(ConcurrencyMixVseq):
    steps = 120


class ConcurrencyMixFaultsVseq(ConcurrencyMixVseq):
    """The mix's actions that write fault records, back to back: fault bursts (some still
    being answered when the step's drain reads fqt) followed by another burst or by a ddtp
    switch (its requests in Off are recorded faults). The fault queue must never overflow."""
    steps = 10
    actions = (("commands", 1), ("faults", 2), ("ddtp", 1))
