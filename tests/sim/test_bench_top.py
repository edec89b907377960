"""The bench top (tb/hdl/iommu_bench_top.v: HDL batch driver on the device port, HDL memory,
HDL clock) checks what the regression's tops check: scenario tests pass through the batch
driver on both simulators (faults with their records, invalidation scopes, remaps with
response back-pressure), the bench scenarios pass with checking on, and a broken IOTLB is
caught through it, and a DUT that never answers fails the test by the watchdog."""
from __future__ import annotations

import json

import pytest

from tb import dut_profile, runner
from tb.regression import mutant_sources

TOP, FILELIST = "iommu_bench_top", "tb/hdl/bench_top.f"
# The HDL memory, and the HDL batch driver on the device port.
BATCH = {"IOMMU_MEMORY": "hdl", "IOMMU_PORT": "dev-batch"}

SCENARIOS = [("tb.tests.iommu_tests", "SmokeTest"), ("tb.tests.iommu_tests", "RemapRoundsTest"),
             ("tb.tests.iommu_tests", "DcMisconfiguredTest"),      # fault records
             ("tb.tests.scenario_tests", "InvalidationScopesTest"),
             ("tb.tests.scenario_tests", "RandomTrafficTest")]      # traffic with updates


@pytest.fixture(scope="module", params=runner.SIMULATORS)
def bench_build(request):
    sim = request.param      # a missing simulator fails in build() with how to install it
    return sim, runner.build(sim, TOP, filelist=FILELIST, timing=True)


@pytest.mark.parametrize("module,test", SCENARIOS, ids=[t for _, t in SCENARIOS])
def test_scenario_passes_through_batch_driver(bench_build, module, test):
    sim, bdir = bench_build
    # seed 6 (6 % 3 == 0): ScenarioTest picks memory stalls and response back-pressure (the
    # driver's LFSR)
    n_pass, n_fail, xml = runner.run(sim, bdir, TOP, module, test, seed=6,
                                     extra_env=BATCH,
                                     test_dir=bdir / "bench_top" / test)
    assert (n_pass, n_fail) == (1, 0), f"{sim} {test} through the batch driver: {runner.failures(xml)}"


@pytest.mark.parametrize("test", ["BenchHitsTest", "BenchMixTest"])
def test_bench_scenario_checks_every_translation(bench_build, test):
    sim, bdir = bench_build
    d = bdir / "bench_top" / test
    n_pass, n_fail, xml = runner.run(sim, bdir, TOP, "tb.tests.bench_tests", test, seed=1,
                                     extra_env={**BATCH, "IOMMU_BENCH_CHECK": "1",
                                                "IOMMU_BENCH_COUNT": "2304"},
                                     test_dir=d)
    assert (n_pass, n_fail) == (1, 0), f"{sim} {test}: {runner.failures(xml)}"
    r = json.loads((d / "bench.json").read_text())
    # the timed 2304 plus the 64 of the warm-up, each one checked by the oracle
    assert r["count"] == 2304 and r["checked"] == 2304 + 64
    assert r["hdl_cycles"] > 0


def test_broken_iotlb_is_caught_through_batch_driver():
    """The IOTLB ignoring PSCID (the regression's mutant) fails a scenario run on the bench top."""
    srcs = [str(p) for p in mutant_sources(dut_profile.load(), "iotlb_ignores_pscid")]
    # the bench top's own files: everything the list names outside rtl/ (compared as a path
    # relative to the repository, so a checkout whose path contains "rtl/" works too)
    srcs += [str(p) for p in runner.read_filelist(FILELIST)
             if p.resolve().relative_to(runner.REPO_ROOT.resolve()).parts[0] != "rtl"]
    bdir = runner.build("icarus", TOP, sources=srcs, timing=True, includes=["rtl"])
    n_pass, n_fail, xml = runner.run("icarus", bdir, TOP, "tb.tests.iommu_tests", "PscidTagTest",
                                     seed=1, extra_env=BATCH,
                                     test_dir=bdir / "bench_top" / "mutant")
    fails = runner.failures(xml)
    assert n_fail == 1 and "MISMATCH translate did=6" in fails[0], fails


def test_bench_top_file_list_asks_for_timing():
    """iommu_bench_top makes its own clock: its file list says so, so any build of it (the
    runner's CLI, a user's script) gets Verilator's --timing without being told."""
    assert runner._wants_timing(FILELIST)
    assert not runner._wants_timing("tb/hdl/fast_top.f")
    assert not runner._wants_timing("rtl/riscv_iommu.f")


@pytest.mark.parametrize("sim", runner.SIMULATORS)
def test_hung_dut_fails_with_one_line_through_batch_driver(sim):
    """A DUT that never answers ends the test by the watchdog with the HUNG line naming the
    requests in flight, instead of hanging the simulation (the batch driver waits in HDL)."""
    out = runner.BUILD_ROOT / "mutants" / "no_response"
    out.mkdir(parents=True, exist_ok=True)
    srcs = []
    for p in runner.read_filelist(FILELIST):
        if p.name == "iommu_xlate.v":
            text = p.read_text()
            assert text.count("assign dev_rsp_valid = rsp_v;") == 1
            p = out / p.name
            p.write_text(text.replace("assign dev_rsp_valid = rsp_v;", "assign dev_rsp_valid = 1'b0;"))
        srcs.append(p)
    bdir = runner.build(sim, TOP, sources=srcs, timing=True, includes=["rtl"])
    n_pass, n_fail, xml = runner.run(sim, bdir, TOP, "tb.tests.iommu_tests", "SmokeTest", seed=1,
                                     extra_env=BATCH,
                                     test_dir=bdir / "bench_top" / "hung")
    fails = runner.failures(xml)
    assert n_fail == 1 and fails[0].startswith("SmokeTest: HUNG DUT: no device response"), fails
    assert "requests in flight" in fails[0] and "tag 0 did=" in fails[0], fails
