"""A seeded mix of the concurrency scenarios under background traffic (docs/concurrency-scenarios.md):
straddled walks of every case, command bursts through a small command queue (wrapping),
fault bursts through a small fault queue (drained while it wraps, never overflowing: the
overflow race with fqh is FaultOverflowVseq's, kept deterministic there), ddtp switches with
a few requests in flight across them. `steps` sizes a run; the soak variant runs longer.
"""
from __future__ import annotations

from cocotb.triggers import Timer

from models import Reg
from sequences.concurrency_vseq import DdtStraddle, GuestStraddle, PdtStraddle
from sequences.ddtp_switch_vseq import DdtpSwitcher
from sequences.queue_stress_vseq import QueueBase, QueueWrapVseq

ACTIONS = (("ddt", 2), ("pdt", 2), ("leaf", 2), ("gleaf", 2), ("commands", 3), ("faults", 3),
           ("ddtp", 1))


class ConcurrencyMixVseq(DdtpSwitcher, DdtStraddle, PdtStraddle, GuestStraddle, QueueBase):
    steps = 14
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
        names = [n for n, w in ACTIONS for _ in range(w)]
        done: dict = {}
        for _ in range(self.steps):
            act = rng.choice(names)
            done[act] = done.get(act, 0) + 1
            await self.step(act)
            await self.drain_faults(True)
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
            await self.send([self.bad_req() for _ in range(rng.randint(1, self.fq.entries - 3))],
                            wait=False)
            await Timer(rng.randint(200, 2000), unit="ns")
            await self.drain_faults(False)
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

