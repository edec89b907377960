"""Virtual-IOMMU tests (sequences/viommu_vseq.py, docs/virtualization.md): a guest driver on a
virtual IOMMU from each VMM persona, judged at the guest and the host layer. The broken
forwarders are listed in tb/regression.toml (subset viommu) with the message they must fail
with."""
from tb.tests.uvm_test import uvm_test

import sequences.viommu_vseq  # noqa: F401  (registers the sequences with the factory)
from tb.advice import IN_WINDOW
from tb.tests.scenario_tests import ScenarioTest


class ViommuTest(ScenarioTest):
    """The seed picks the bus timing as in the other scenarios (ScenarioTest)."""
    # each cycle translates between the guest's update and the completion of its
    # invalidation on purpose (the stale window both layers judge)
    expected_findings = (IN_WINDOW,)


@uvm_test(timeout_time=50, timeout_unit="ms")
class NestedForwardingTest(ViommuTest):
    vseq_name = "NestedForwardingVseq"


@uvm_test(timeout_time=50, timeout_unit="ms")
class NestedGscidNotSubstitutedTest(ViommuTest):
    vseq_name = "NestedGscidNotSubstitutedVseq"


@uvm_test(timeout_time=50, timeout_unit="ms")
class NestedDidNotTranslatedTest(ViommuTest):
    vseq_name = "NestedDidNotTranslatedVseq"


@uvm_test(timeout_time=50, timeout_unit="ms")
class NestedFenceCompletedEarlyTest(ViommuTest):
    vseq_name = "NestedFenceCompletedEarlyVseq"


@uvm_test(timeout_time=50, timeout_unit="ms")
class ShadowingTest(ViommuTest):
    vseq_name = "ShadowingVseq"


@uvm_test(timeout_time=50, timeout_unit="ms")
class ShadowingNotUpdatedTest(ViommuTest):
    vseq_name = "ShadowingNotUpdatedVseq"


@uvm_test(timeout_time=50, timeout_unit="ms")
class ShadowingStrictGuestTest(ViommuTest):
    vseq_name = "ShadowingStrictGuestVseq"


@uvm_test(timeout_time=50, timeout_unit="ms")
class NestedForgetsUnmapGuestTest(ViommuTest):
    vseq_name = "NestedForgetsUnmapGuestVseq"


# ---- PASID guests (a guest PDT), Svnapot, the guest's IODIR.INVAL_DDT DV=0
@uvm_test(timeout_time=80, timeout_unit="ms")
class NestedPasidTest(ViommuTest):
    vseq_name = "NestedPasidVseq"


@uvm_test(timeout_time=80, timeout_unit="ms")
class ShadowingPasidTest(ViommuTest):
    vseq_name = "ShadowingPasidVseq"


@uvm_test(timeout_time=80, timeout_unit="ms")
class NestedDv0DroppedTest(ViommuTest):
    vseq_name = "NestedDv0DroppedVseq"


@uvm_test(timeout_time=80, timeout_unit="ms")
class NestedPdtDidNotTranslatedTest(ViommuTest):
    vseq_name = "NestedPdtDidNotTranslatedVseq"


@uvm_test(timeout_time=80, timeout_unit="ms")
class ShadowingPdtNotUpdatedTest(ViommuTest):
    vseq_name = "ShadowingPdtNotUpdatedVseq"
