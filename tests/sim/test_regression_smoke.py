"""The short form of `make sim` that CI runs: the smoke subset, one seed, both simulators,
through the same entry point users call. `make test DUT=<name or profile>` runs it on that DUT
($IOMMU_TEST_DUT); the default is our own RTL."""
import os
import re
import sys
from pathlib import Path

from tb import dut_profile

import bounded_run

ROOT = Path(__file__).resolve().parents[2]
DUT = os.environ.get("IOMMU_TEST_DUT") or None


def regression(*args):
    dut = ("--dut", DUT) if DUT else ()
    return bounded_run.run([sys.executable, "-m", "tb.regression", *dut, *args], cwd=ROOT,
                           capture_output=True, text=True, timeout=900)


def test_smoke_regression_passes_on_both_simulators():
    sims = [s for s in ("icarus", "verilator") if s in dut_profile.load(DUT).simulators]
    r = regression("--sim", "all", "--subset", "smoke")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert " 0 failed" in r.stdout
    for sim in sims:
        assert f"\n{sim:<10} SmokeTest" in r.stdout, r.stdout


def test_broken_rtl_variants_are_caught():
    """Each mutant's run must fail with its expected message (the regression reports that as
    a pass); the full set on both simulators is in `make sim`. A DUT without bug variants
    lists each of these runs as skipped, with the reason. The broken software personas need
    no variant: each ends with the SEQUENCE verdict its entry expects (reported as a pass,
    its finding counted), and their control passes with none."""
    r = regression("--sim", "icarus", "--subset", "bugs")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    has_mutants = bool(dut_profile.load(DUT).mutants)
    for ident in ("NegCacheDc_strict_fails", "Bug_iotlb_ignores_pscid", "Bug_ddtc_not_flushed_by_iodir",
                  "Bug_fence_completes_early", "Bug_misconfigured_dc_reported_not_valid",
                  "Bug_fence_write_wrong_address", "Bug_fq_interrupt_stuck"):
        verdict = "PASS" if has_mutants else "SKIP"
        assert re.search(rf"\nicarus +{ident} +1 {verdict} ", r.stdout), r.stdout
    for ident in ("Seq_protect_never_invalidated", "Seq_protect_wrong_pscid"):
        assert re.search(rf"\nicarus +{ident} +1 PASS .*  \(1 advice\)\n", r.stdout), r.stdout
    assert re.search(r"\nicarus +Seq_protect_spec_passes +1 PASS .*s\n", r.stdout), r.stdout
