"""The performance monitor of riscv_iommu (HPM_COUNTERS=3, HPM_WIDTH=48) on Icarus and
Verilator: tests.rtl.cocotb_hpm (registers, counting with filters, overflow, iohpmcycles);
on Icarus also built with IOMMU_ALWAYS_RUN (every activity-gated block runs every cycle), so a
block whose body is only right when its activation holds shows as a failure."""

import pytest

from tb.runner import build, failures, run

PARAMS = dict(HPM_COUNTERS=3, HPM_WIDTH=48)


@pytest.mark.parametrize("sim, always", [("icarus", 0), ("icarus", 1), ("verilator", 0)],
                         ids=["icarus", "icarus-always_run", "verilator"])
def test_hpm(sim, always):
    bdir = build(sim, "riscv_iommu", parameters=PARAMS,
                 defines={"IOMMU_ALWAYS_RUN": 1} if always else None)
    n_pass, n_fail, xml = run(sim, bdir, "riscv_iommu", "tests.rtl.cocotb_hpm",
                              test_dir=bdir / "hpm")
    assert n_fail == 0 and n_pass == 3, "\n".join(failures(xml)) + f"\nlog: {xml.parent}/sim.log"
