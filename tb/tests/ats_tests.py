"""PCIe ATS tests (capabilities.ATS): the device port's ATS Translation Requests and Translated
requests, judged by the scoreboard (sequences/ats_vseq.py). Our RTL: the parameter set "ats";
tb/regression.toml lists them (module tb.tests.ats_tests, subset "ats")."""
from tb.tests.uvm_test import uvm_test

import sequences.ats_vseq  # noqa: F401  (registers the sequence with the factory)
import sequences.ats_stale_vseq  # noqa: F401
from tb.tests.scenario_tests import GuestUpdateTest


@uvm_test(timeout_time=50, timeout_unit="ms")
class AtsTest(GuestUpdateTest):
    """ATS translation requests of pages with each permission, size and privilege, the
    device's ATC used by Translated requests, EN_ATS=0 refused (sequences/ats_vseq.py); needs
    the DUT built with ATS and a device port with the ATS signals (our RTL: the parameter set
    "ats")."""
    vseq_name = "AtsVseq"


@uvm_test(timeout_time=20, timeout_unit="ms")
class AtsStaleTest(GuestUpdateTest):
    """ATS translation requests and page requests in the window between a change (the DC's
    root, a leaf's permissions, EN_PRI) and its invalidation, where a cached answer is
    permitted, then after it, where only the new one is (sequences/ats_stale_vseq.py)."""
    vseq_name = "AtsStaleVseq"
