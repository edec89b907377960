"""The feature parameters of riscv_iommu (SV48, SV48X4, PD17, PD20, SVNAPOT, SVPBMT) on Icarus
and Verilator: the sv39-only build (the first five 0), the Svpbmt build and the default build
(the one the control tests use, so no extra build) run tests.rtl.cocotb_features, which compares the capabilities register
and every translation with the golden model configured the same way."""

import pytest

from tb.runner import build, failures, run

SV39_ONLY = dict(SV48=0, SV48X4=0, PD17=0, PD20=0, SVNAPOT=0)
PROFILES = {"default": {}, "sv39-only": SV39_ONLY, "svpbmt": dict(SVPBMT=1)}


@pytest.mark.parametrize("profile", list(PROFILES))
@pytest.mark.parametrize("sim", ["icarus", "verilator"])
def test_feature_profile(sim, profile):
    bdir = build(sim, "riscv_iommu", parameters=PROFILES[profile])
    n_pass, n_fail, xml = run(sim, bdir, "riscv_iommu", "tests.rtl.cocotb_features",
                              extra_env={"IOMMU_FEATURES": profile},
                              test_dir=bdir / "features" / profile)
    assert (n_pass, n_fail) == (1, 0), "\n".join(failures(xml)) + f"\nlog: {xml.parent}/sim.log"
