"""The build option IOMMU_ALWAYS_RUN (every activity-gated clocked block runs every cycle) on
Icarus and Verilator: the top-level smoke scenario passes with and without it, and the
activation wires read 1 when idle only in the build that defines it (so the define reached
every block)."""

import pytest

from tb.runner import build, failures, run

TOP = "riscv_iommu"


@pytest.fixture(scope="module", params=[(s, a) for s in ("icarus", "verilator") for a in (0, 1)],
                ids=lambda p: f"{p[0]}-{'always_run' if p[1] else 'gated'}")
def always_run_build(request):
    sim, always = request.param
    return sim, always, build(sim, TOP, defines={"IOMMU_ALWAYS_RUN": 1} if always else None)


def test_smoke(always_run_build):
    sim, always, bdir = always_run_build
    n_pass, n_fail, xml = run(sim, bdir, TOP, "tb.tests.iommu_tests", testcase="SmokeTest", seed=1,
                              test_dir=bdir / "always_run" / "SmokeTest",
                              extra_env={"IOMMU_POLICY": "riscv-1.0-strict",
                                         "PYTHONWARNINGS": "ignore::DeprecationWarning"})
    assert n_fail == 0 and n_pass == 1, \
        f"{sim} always_run={always}: {failures(xml)}; log {xml.parent}/sim.log"


def test_run_wires(always_run_build):
    sim, always, bdir = always_run_build
    n_pass, n_fail, xml = run(sim, bdir, TOP, "tests.rtl.cocotb_run_wires",
                              test_dir=bdir / "always_run" / "run_wires",
                              extra_env={"IOMMU_ALWAYS_RUN": str(always)})
    assert (n_pass, n_fail) == (1, 0), f"{sim}: {failures(xml)}; log {xml.parent}/sim.log"
