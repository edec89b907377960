"""riscv_iommu_axi (the IOMMU behind an AXI4 DMA front) through tb/agents/dma on Icarus and
Verilator: the cocotb module tests/sim/cocotb_axi_dma.py passes, and fails on a mutant front
that forwards the untranslated address (so a wrong translated address is caught), on both.
"""
from __future__ import annotations

import re

import pytest

from tb import runner

TOP, FILELIST = "riscv_iommu_axi", "rtl/riscv_iommu_axi.f"
MODULE = "tests.sim.cocotb_axi_dma"
N_TESTS = 8


@pytest.fixture(scope="module", params=runner.SIMULATORS)
def sim(request):
    return request.param


def _report(sim, xml, n_fail):
    return f"{sim} {MODULE}: {n_fail} failed (log {xml.parent / 'sim.log'}): {runner.failures(xml)}"


def test_axi_dma(sim):
    bdir = runner.build(sim, TOP, filelist=FILELIST)
    n_pass, n_fail, xml = runner.run(sim, bdir, TOP, MODULE, seed=1,
                                     test_dir=bdir / "axi_dma" / "all")
    assert n_fail == 0, _report(sim, xml, n_fail)
    assert n_pass == N_TESTS, f"{sim} {MODULE}: expected {N_TESTS} tests to pass, got {n_pass}"


def _mutant_sources() -> list:
    """The file list with a copy of the front that forwards the IOVA instead of the PA."""
    src = (runner.REPO_ROOT / "rtl" / "riscv_iommu_axi.v").read_text()
    mutated, n = re.subn(r"(assign m_dma_a[rw]addr\s*=\s*)\{8'd0, t_pa\};", r"\1t_iova;", src)
    assert n == 2, f"mutation: expected to replace 2 address assignments, replaced {n}"
    out = runner.BUILD_ROOT / "mutants" / "riscv_iommu_axi_fwd_iova.v"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(mutated)
    return [p for p in runner.read_filelist("rtl/riscv_iommu.f")] + [out]


def test_mutant_forwarding_iova_is_caught(sim):
    bdir = runner.build(sim, TOP, sources=_mutant_sources(), includes=["rtl"])
    n_pass, n_fail, xml = runner.run(sim, bdir, TOP, MODULE, "sv39_translations", seed=1,
                                     test_dir=bdir / "axi_dma" / "mutant")
    fails = runner.failures(xml)
    assert n_fail == 1 and "MISMATCH" in fails[0], \
        f"{sim}: the front forwarding the IOVA should fail sv39_translations with a MISMATCH, " \
        f"got {n_pass} passed, {fails}"


# riscv_iommu_axi passes every feature parameter of riscv_iommu through (tests/sim/
# cocotb_axi_features.py works out the capabilities of each build by hand)
AXI_FEATURES = {"default": {},
                "all": dict(SVPBMT=1, AMO_HWAD=1, DBG=1, HPM_COUNTERS=8, HPM_WIDTH=40, NL=1, S=1,
                            MSI_FLAT=1, IGS=2, END=1, SV32=1, SV32X4=1, SV57=1,
                            SV57X4=1)}


@pytest.mark.parametrize("features", list(AXI_FEATURES))
def test_axi_features(sim, features):
    bdir = runner.build(sim, TOP, filelist=FILELIST, parameters=AXI_FEATURES[features])
    n_pass, n_fail, xml = runner.run(sim, bdir, TOP, "tests.sim.cocotb_axi_features", seed=1,
                                     extra_env={"IOMMU_AXI_FEATURES": features},
                                     test_dir=bdir / "axi_features" / features)
    assert (n_pass, n_fail) == (1, 0), _report(sim, xml, n_fail)


def test_axi_wrapper_dropping_a_parameter_is_caught(sim):
    """The broken variant of the pass-through: a wrapper that does not hand HPM_COUNTERS to
    riscv_iommu builds the IOMMU without HPM, and the all-features test fails on the
    capabilities it reads (bit 30 missing)."""
    src = (runner.REPO_ROOT / "rtl" / "riscv_iommu_axi.v").read_text()
    mutated, n = re.subn(r"\.HPM_COUNTERS\(HPM_COUNTERS\), ", "", src)
    assert n == 1, f"mutation: expected to drop 1 HPM_COUNTERS connection, dropped {n}"
    out = runner.BUILD_ROOT / "mutants" / "riscv_iommu_axi_no_hpm.v"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(mutated)
    sources = [p for p in runner.read_filelist("rtl/riscv_iommu.f")] + [out]
    bdir = runner.build(sim, TOP, sources=sources, includes=["rtl"],
                        parameters=AXI_FEATURES["all"])
    n_pass, n_fail, xml = runner.run(sim, bdir, TOP, "tests.sim.cocotb_axi_features", seed=1,
                                     extra_env={"IOMMU_AXI_FEATURES": "all"},
                                     test_dir=bdir / "axi_features" / "mutant")
    fails = runner.failures(xml)
    assert n_fail == 1 and "capabilities of the all wrapper build: expected 0x00000df8e94f8f10, " \
        "got 0x00000df8a94f8f10" in fails[0], f"{sim}: got {n_pass} passed, {fails}"
