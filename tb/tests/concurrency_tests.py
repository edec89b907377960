"""Concurrency scenarios (sequences/concurrency_vseq.py, queue_stress_vseq.py,
ddtp_switch_vseq.py, concurrency_mix_vseq.py): walks that straddle an invalidation and its IOFENCE.C, queues that wrap,
a fault queue that overflows, ddtp changes under traffic, and a seeded mix of them. Thin test
classes; tb/regression.toml lists them (module tb.tests.concurrency_tests).

The fault-queue sequences compare the DUT's fqt, fqcsr and ipsr with the golden model
(env.expected_reg). The scoreboard does not report faults to the model, so these tests attach
FaultQueueFeed, which does: see its docstring.
"""
from __future__ import annotations

import pyuvm

import sequences.concurrency_mix_vseq  # noqa: F401  (registers the sequences with the factory)
import sequences.concurrency_vseq  # noqa: F401
import sequences.ddtp_switch_vseq  # noqa: F401
import sequences.queue_stress_vseq  # noqa: F401
from models import Outcome
from models.fault_queue import RECORD_BYTES
from models.translate import WalkResult
from tb.env.iommu_scoreboard import subscriber
from tb.tests.base_test import IommuBaseTest


class FaultQueueFeed:
    """Reports every faulting response, in the order the device port answers them, to the
    golden model (IommuModel.report), so the model's fault queue follows the spec: fqt, fqof
    when full, ipsr.fip, and the records in the model's memory. (Our RTL writes records in the
    order of its faulting responses: both leave the walker together.) The record's cause is the
    port's, or, on a port without causes, one the oracle permitted (the scoreboard judges the
    real one). At the end, `ring_problems` compares the DUT's fault-queue ring with the
    model's, slot by slot: exactly the same records must have been written.

    It stands down if the scoreboard ever reports faults to the model itself
    (`feeds_fault_queue` = True on the scoreboard), so the model is never fed twice."""

    def __init__(self, env) -> None:
        self.env = env
        self.posted = 0

    @property
    def active(self) -> bool:
        return not getattr(self.env.sb, "feeds_fault_queue", False)

    def write(self, res) -> None:
        if not res.fault or not self.active:
            return
        model = self.env.oracle.model
        cause = res.cause
        if cause is None:
            causes = sorted(int(o.cause) for o in res.permitted if not o.ok)
            cause = causes[0] if causes else 0
        walk = model.walk(res.req)
        iotval2 = walk.outcome.iotval2 if walk.outcome.cause == cause else 0
        if model.report(res.req, WalkResult(Outcome(None, cause, iotval2), walk.dtf)):
            self.posted += 1

    def ring_problems(self) -> list:
        """Slots whose DW0..DW2 differ between the DUT's memory and the model's (the cause
        bits are left out on a port that does not carry causes)."""
        if not self.active or not self.posted:
            return []
        model = self.env.oracle.model
        fq = model.fq
        cause_mask = 0 if self.env.sb.cause_on_port else 0xFFF
        for slot in range(fq.entries):
            base = fq.base + RECORD_BYTES * slot
            for k, mask in ((0, ~cause_mask), (1, -1), (2, -1)):
                got = self.env.peek64(base + 8 * k) & mask
                want = self.env.oracle.mem.read64(base + 8 * k) & mask
                if got != want:
                    return [f"FAULT-QUEUE slot {slot} DW{k} @{base + 8 * k:#x}: DUT {got:#x}, "
                            f"model {want:#x} ({self.posted} records the model wrote; fqt "
                            f"model {fq.fqt})"]
        return []


class ConcurrencyTest(IommuBaseTest):
    """The seed picks the bus timing as the scenario tests do: seed % 3 == 1 no stalls,
    == 2 memory back-pressure, == 0 memory and response stalls."""

    def configure(self, cfg):
        mode = cfg.seed % 3
        if mode == 2:
            cfg.mem_stall = 0.2
        elif mode == 0:
            cfg.mem_stall = 0.1
            cfg.rsp_stall = 0.2

    def connect_phase(self):
        self.fq_feed = FaultQueueFeed(self.env)
        if self.env.cfg.checking:
            self.env.dev.ap.connect(subscriber("fq_feed", self, self.fq_feed.write).analysis_export)

    def extract_phase(self):
        for problem in self.fq_feed.ring_problems():
            self.env.sb._fail(problem)
        super().extract_phase()


@pyuvm.test(timeout_time=100, timeout_unit="ms")
class StraddleDdtTest(ConcurrencyTest):
    vseq_name = "StraddleDdtVseq"


@pyuvm.test(timeout_time=100, timeout_unit="ms")
class StraddlePdtTest(ConcurrencyTest):
    vseq_name = "StraddlePdtVseq"


@pyuvm.test(timeout_time=100, timeout_unit="ms")
class StraddleLeafTest(ConcurrencyTest):
    vseq_name = "StraddleLeafVseq"


@pyuvm.test(timeout_time=100, timeout_unit="ms")
class StraddleGLeafTest(ConcurrencyTest):
    vseq_name = "StraddleGLeafVseq"


@pyuvm.test(timeout_time=100, timeout_unit="ms")
class QueueWrapTest(ConcurrencyTest):
    vseq_name = "QueueWrapVseq"


@pyuvm.test(timeout_time=100, timeout_unit="ms")
class FaultOverflowTest(ConcurrencyTest):
    vseq_name = "FaultOverflowVseq"


@pyuvm.test(timeout_time=100, timeout_unit="ms")
class DdtpSwitchTest(ConcurrencyTest):
    vseq_name = "DdtpSwitchVseq"


@pyuvm.test(timeout_time=300, timeout_unit="ms")
class ConcurrencyMixTest(ConcurrencyTest):
    vseq_name = "ConcurrencyMixVseq"


@pyuvm.test(timeout_time=1000, timeout_unit="ms")
class ConcurrencyMixSoakTest(ConcurrencyTest):
    vseq_name = "ConcurrencyMixSoakVseq"
