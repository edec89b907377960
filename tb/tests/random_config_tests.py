"""Constrained-random configurations (sequences/random_config_vseq.py): each seed draws a
whole configuration from sequences/config_space.py, and the bus stalls too."""
import pyuvm

import sequences.random_config_vseq  # noqa: F401  (registers the sequence with the factory)
from sequences.config_space import draw_bus, run_seed
from tb.tests.base_test import IommuBaseTest


@pyuvm.test(timeout_time=200, timeout_unit="ms")
class RandomConfigTest(IommuBaseTest):
    vseq_name = "RandomConfigVseq"

    def configure(self, cfg):
        cfg.mem_stall, cfg.rsp_stall = draw_bus(run_seed(cfg.seed))
