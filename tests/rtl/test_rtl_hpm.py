"""The performance monitor of riscv_iommu (HPM_COUNTERS=3, HPM_WIDTH=48) on Icarus and
Verilator: tests.rtl.cocotb_hpm (registers, counting with filters, overflow, iohpmcycles)."""

import pytest

from tb.runner import build, failures, run

PARAMS = dict(HPM_COUNTERS=3, HPM_WIDTH=48)


@pytest.mark.parametrize("sim", ["icarus", "verilator"])
def test_hpm(sim):
    bdir = build(sim, "riscv_iommu", parameters=PARAMS)
    n_pass, n_fail, xml = run(sim, bdir, "riscv_iommu", "tests.rtl.cocotb_hpm",
                              test_dir=bdir / "hpm")
    assert n_fail == 0 and n_pass == 3, "\n".join(failures(xml)) + f"\nlog: {xml.parent}/sim.log"
