"""capabilities.PAS of riscv_iommu on Icarus and Verilator: the default build (PAS 56, the one
the control tests use, so no extra build) and a -GPAS=40 build run tests.rtl.cocotb_pas, which
compares registers, translations, commands and fault records with the golden model configured
with the same PAS, and with the spec's values (docs/design.md "Physical address size")."""

import pytest

from tb.runner import build, failures, run

BUILDS = {56: {}, 40: dict(PAS=40)}


@pytest.mark.parametrize("pas", list(BUILDS))
@pytest.mark.parametrize("sim", ["icarus", "verilator"])
def test_pas(sim, pas):
    bdir = build(sim, "riscv_iommu", parameters=BUILDS[pas])
    n_pass, n_fail, xml = run(sim, bdir, "riscv_iommu", "tests.rtl.cocotb_pas",
                              extra_env={"IOMMU_PAS": str(pas)}, test_dir=bdir / "pas" / str(pas))
    assert n_fail == 0 and n_pass > 0, "\n".join(failures(xml)) + f"\nlog: {xml.parent}/sim.log"
