"""The scenario tests: each a thin subclass of the base test naming its virtual sequence.
The regression list (tb/regression.toml) refers to these class names."""
import pyuvm

import sequences.smoke_vseq  # noqa: F401  (registers the sequences with the factory)
from tb.tests.base_test import IommuBaseTest


@pyuvm.test(timeout_time=10, timeout_unit="ms")
class SmokeTest(IommuBaseTest):
    vseq_name = "SmokeVseq"
