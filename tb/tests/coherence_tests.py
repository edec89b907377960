"""Coherence-mode tests (sequences/coherence_vseq.py, docs/coherence.md): the platform's mode
comes from the run ($IOMMU_COHERENCE, the `coherence` key of the tb/regression.toml entry), so
one class runs on both platforms. None declares the missing-clean findings: on a non-coherent
platform the drivers that skip the cleans end with the verdict SEQUENCE."""
from tb.tests.uvm_test import uvm_test

import sequences.coherence_vseq  # noqa: F401  (registers the sequences with the factory)
from tb.tests.base_test import IommuBaseTest


@uvm_test(timeout_time=10, timeout_unit="ms")
class CoherenceCleansTest(IommuBaseTest):
    vseq_name = "CoherenceCleansVseq"


@uvm_test(timeout_time=10, timeout_unit="ms")
class CoherenceAssumesTest(IommuBaseTest):
    vseq_name = "CoherenceAssumesVseq"


@uvm_test(timeout_time=10, timeout_unit="ms")
class CoherenceForgetsQueueTest(IommuBaseTest):
    vseq_name = "CoherenceForgetsQueueVseq"
