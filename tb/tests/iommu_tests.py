"""The scenario tests: each a thin subclass of the base test naming its virtual sequence.
The regression list (tb/regression.toml) refers to these class names; the policy, the RTL
parameter set and the expected outcome of each run are set there."""
from tb.tests.uvm_test import uvm_test

import sequences.broken_persona_vseq  # noqa: F401
import sequences.cache_rules_vseq  # noqa: F401  (registers the sequences with the factory)
import sequences.example_unmap_vseq  # noqa: F401
import sequences.smoke_vseq  # noqa: F401
from tb.tests.base_test import IommuBaseTest


@uvm_test(timeout_time=10, timeout_unit="ms")
class SmokeTest(IommuBaseTest):
    vseq_name = "SmokeVseq"


@uvm_test(timeout_time=10, timeout_unit="ms")
class DcNegativeCacheTest(IommuBaseTest):
    vseq_name = "DcNegativeCacheVseq"


@uvm_test(timeout_time=10, timeout_unit="ms")
class DcNegativeCacheInvalidatingTest(IommuBaseTest):
    vseq_name = "DcNegativeCacheInvalidatingVseq"


@uvm_test(timeout_time=10, timeout_unit="ms")
class PscidTagTest(IommuBaseTest):
    vseq_name = "PscidTagVseq"


@uvm_test(timeout_time=10, timeout_unit="ms")
class DcChangeTest(IommuBaseTest):
    vseq_name = "DcChangeVseq"


@uvm_test(timeout_time=10, timeout_unit="ms")
class RemapRoundsTest(IommuBaseTest):
    vseq_name = "RemapRoundsVseq"


@uvm_test(timeout_time=10, timeout_unit="ms")
class DcMisconfiguredTest(IommuBaseTest):
    vseq_name = "DcMisconfiguredVseq"


@uvm_test(timeout_time=10, timeout_unit="ms")
class ExampleUnmapTest(IommuBaseTest):
    vseq_name = "ExampleUnmapVseq"


# Software mistakes on correct hardware (sequences/broken_persona_vseq.py): none declares the
# finding its persona causes, so the runs end with the verdict SEQUENCE (tb/regression.toml
# lists them with expect_verdict = "SEQUENCE"); PteProtectTest is their control.
@uvm_test(timeout_time=10, timeout_unit="ms")
class PteProtectTest(IommuBaseTest):
    vseq_name = "PteProtectVseq"


@uvm_test(timeout_time=10, timeout_unit="ms")
class PteProtectNeverInvalidateTest(IommuBaseTest):
    vseq_name = "PteProtectNeverInvalidateVseq"


@uvm_test(timeout_time=10, timeout_unit="ms")
class PteProtectWrongPscidTest(IommuBaseTest):
    vseq_name = "PteProtectWrongPscidVseq"
