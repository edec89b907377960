"""Constrained-random configurations (sequences/random_config_vseq.py): each seed draws a
whole configuration from sequences/config_space.py, and the bus stalls too."""
from tb.tests.uvm_test import uvm_test

import sequences.random_config_vseq  # noqa: F401  (registers the sequence with the factory)
from sequences.config_space import draw_bus, run_seed
from tb.advice import IN_WINDOW
from tb.tests.base_test import IommuBaseTest


@uvm_test(timeout_time=200, timeout_unit="ms")
class RandomConfigTest(IommuBaseTest):
    vseq_name = "RandomConfigVseq"
    # Random traffic runs while the configuration's devices are updated (a RandomTrafficVseq):
    # requests in the window between an update and its invalidation's completion are expected.
    expected_findings = (IN_WINDOW,)

    def configure(self, cfg):
        cfg.mem_stall, cfg.rsp_stall = draw_bus(run_seed(cfg.seed))
