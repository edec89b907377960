"""Base virtual sequence: the calls every scenario is written with.

A scenario subclasses IommuBaseVseq and writes `body()` with `await self.reg_write(...)`,
`self.store64(...)`, `await self.translate([...])`; the environment (set by the test as
`self.env`) routes them to the register agent, the memory backdoor plus the oracle, and the
device agent. Randomness comes from `self.rng`, seeded from the test's seed.
"""
from __future__ import annotations

import random

from cocotb.triggers import Timer
from pyuvm import uvm_sequence

from models import Reg, Request
from sequences.items import RegBatch, RegOp, TranslationBatch

CQCSR_CQMF, CQCSR_CMD_ILL = 1 << 8, 1 << 10


class IommuBaseVseq(uvm_sequence):
    def __init__(self, name: str = "vseq"):
        super().__init__(name)
        self.env = None
        self.rng = random.Random(0)

    @property
    def dut(self):
        """What the DUT supports (sequences.dut_features.DutFeatures): pick modes from it, and
        record a step it cannot do with dut.skip()/dut.need()."""
        return self.env.features

    # -- registers ------------------------------------------------------------------------
    async def reg_ops(self, ops: list[RegOp]) -> list[RegOp]:
        batch = RegBatch(ops=ops)
        await self.start_item_on(self.env.reg.seqr, batch)
        return ops

    async def reg_write(self, offset: int, value: int, size: int = 8) -> None:
        await self.reg_ops([RegOp(int(offset), value, size, True)])

    async def reg_read(self, offset: int, size: int = 8) -> int:
        (op,) = await self.reg_ops([RegOp(int(offset), 0, size, False)])
        return op.result

    async def start_item_on(self, seqr, item) -> None:
        """Send an item to one of the env's sequencers; safe to call from concurrent
        coroutines of the same virtual sequence (it does not switch self.sequencer)."""
        item.parent_sequence_id = self.sequence_id
        await seqr.start_item(item)
        await seqr.finish_item(item)

    # -- memory -----------------------------------------------------------------------------
    def store64(self, pa: int, value: int) -> None:
        self.env.store64(pa, value)

    # -- translations -----------------------------------------------------------------------
    async def translate(self, reqs: list[Request], wait: bool = True):
        """Send requests to the DUT (those its device port cannot carry are left out and
        reported as skipped steps); with wait, returns their results when all are back."""
        reqs = self.dut.sendable(reqs)
        batch = TranslationBatch(reqs=reqs, wait=wait)
        await self.start_item_on(self.env.dev.seqr, batch)
        return batch.results

    # -- queues -----------------------------------------------------------------------------
    async def wait_cq_idle(self, cqt: int, max_polls: int = 10_000, poll_ns: int = 100) -> int:
        """Poll cqh until it reaches cqt (every command fetched and, for fences, complete);
        each new value read is reported to the oracle as completion (commands_done)."""
        for i in range(max_polls):
            if i:
                await Timer(poll_ns, unit="ns")
            cqh = await self.reg_read(Reg.CQH, 4)
            if cqh == cqt:
                return cqh
            csr = await self.reg_read(Reg.CQCSR, 4)
            if csr & (0x7 << 8):
                # an error stopped the queue: cmd_ill or cqmf the model does not have means
                # the DUT refused (or could not fetch) a command the model executed
                want = self.env.expected_reg(Reg.CQCSR, 4)
                extra = csr & ~want & (CQCSR_CMD_ILL | CQCSR_CQMF)
                if extra:
                    names = [n for b, n in ((CQCSR_CMD_ILL, "cmd_ill"), (CQCSR_CQMF, "cqmf"))
                             if extra & b]
                    raise AssertionError(
                        f"COMMAND QUEUE cqcsr={csr:#x} at cqh={cqh} (cqt={cqt}): {' and '.join(names)} "
                        f"set, expected cqcsr={want:#x} (the model executed the commands)")
                return cqh
        raise RuntimeError(f"command queue did not drain: cqh stuck below cqt={cqt}")
