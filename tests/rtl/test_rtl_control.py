"""Block tests of the IOMMU's control side (register file, command queue, fault queue, AXI
master, interrupt wires) on Icarus and Verilator: one build per simulator, then each cocotb
module in one simulator run."""

import pytest

from tb.runner import build, failures, replay_line, run, seed_of

CONTROL_MODULES = ["tests.rtl.cocotb_regs", "tests.rtl.cocotb_cq", "tests.rtl.cocotb_fq",
                   "tests.rtl.cocotb_axi"]


@pytest.fixture(scope="session", params=["icarus", "verilator"])
def control_build(request):
    sim = request.param
    return sim, build(sim, "riscv_iommu")        # rtl/riscv_iommu.f


@pytest.mark.parametrize("module", CONTROL_MODULES)
def test_control(control_build, module):
    sim, bdir = control_build
    n_pass, n_fail, xml = run(sim, bdir, "riscv_iommu", module)
    if n_fail:
        seed = seed_of(xml.parent / "sim.log")
        lines = [f"{sim} {module}: {n_fail} failed (log {xml.parent / 'sim.log'})"]
        for f in failures(xml):
            lines += [f"  {f}", "  " + replay_line(sim, "riscv_iommu", module, f.split(":", 1)[0], seed)]
        pytest.fail("\n".join(lines), pytrace=False)
    assert n_pass > 0, f"{sim} {module}: no test ran"
