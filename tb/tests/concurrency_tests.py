"""Concurrency scenarios (sequences/concurrency_vseq.py, queue_stress_vseq.py,
ddtp_switch_vseq.py, concurrency_mix_vseq.py): walks that straddle an invalidation and its IOFENCE.C, queues that wrap,
a fault queue that overflows, ddtp changes under traffic, and a seeded mix of them. Thin test
classes; tb/regression.toml lists them (module tb.tests.concurrency_tests).
"""
from __future__ import annotations

from tb.tests.uvm_test import uvm_test

import sequences.concurrency_mix_vseq  # noqa: F401  (registers the sequences with the factory)
import sequences.concurrency_vseq  # noqa: F401
import sequences.ddtp_switch_vseq  # noqa: F401
import sequences.queue_error_vseq  # noqa: F401
import sequences.queue_stress_vseq  # noqa: F401
from tb.tests.scenario_tests import GuestUpdateTest


class ConcurrencyTest(GuestUpdateTest):
    """The seed picks the bus timing as for the scenario tests (ScenarioTest.configure).
    Traffic runs while software updates and invalidates, and walks straddle invalidations on
    purpose: relied-before-completion findings are expected (GuestUpdateTest)."""


@uvm_test(timeout_time=100, timeout_unit="ms")
class StraddleDdtTest(ConcurrencyTest):
    vseq_name = "StraddleDdtVseq"


@uvm_test(timeout_time=100, timeout_unit="ms")
class StraddlePdtTest(ConcurrencyTest):
    vseq_name = "StraddlePdtVseq"


@uvm_test(timeout_time=100, timeout_unit="ms")
class StraddleLeafTest(ConcurrencyTest):
    vseq_name = "StraddleLeafVseq"


@uvm_test(timeout_time=100, timeout_unit="ms")
class StraddleGLeafTest(ConcurrencyTest):
    vseq_name = "StraddleGLeafVseq"


@uvm_test(timeout_time=100, timeout_unit="ms")
class QueueWrapTest(ConcurrencyTest):
    vseq_name = "QueueWrapVseq"


@uvm_test(timeout_time=100, timeout_unit="ms")
class FaultOverflowTest(ConcurrencyTest):
    vseq_name = "FaultOverflowVseq"


@uvm_test(timeout_time=100, timeout_unit="ms")
class DdtpSwitchTest(ConcurrencyTest):
    vseq_name = "DdtpSwitchVseq"


@uvm_test(timeout_time=300, timeout_unit="ms")
class ConcurrencyMixTest(ConcurrencyTest):
    vseq_name = "ConcurrencyMixVseq"


@uvm_test(timeout_time=1000, timeout_unit="ms")
class ConcurrencyMixSoakTest(ConcurrencyTest):
    vseq_name = "ConcurrencyMixSoakVseq"


@uvm_test(timeout_time=300, timeout_unit="ms")
class ConcurrencyMixFaultsTest(ConcurrencyTest):
    """Fault bursts and ddtp switches back to back on a slow bus (the records of a burst
    lag its requests): the mix must still keep its fault queue from overflowing."""
    vseq_name = "ConcurrencyMixFaultsVseq"

    def configure(self, cfg):
        cfg.mem_stall = 0.5


@uvm_test(timeout_time=100, timeout_unit="ms")
class QueueErrorTest(ConcurrencyTest):
    vseq_name = "QueueErrorVseq"
