"""The short form of `make sim` that CI runs: the smoke subset, one seed, both simulators,
through the same entry point users call."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def regression(*args):
    return subprocess.run([sys.executable, "-m", "tb.regression", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)


def test_smoke_regression_passes_on_both_simulators():
    r = regression("--sim", "all", "--subset", "smoke")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "0 failed" in r.stdout
    for sim in ("icarus", "verilator"):
        assert f"\n{sim:<10} SmokeTest" in r.stdout, r.stdout


def test_broken_rtl_variants_are_caught():
    """Each mutant's run must fail with its expected message (the regression reports that as
    a pass); the full set on both simulators is in `make sim`."""
    r = regression("--sim", "icarus", "--subset", "bugs")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    for ident in ("NegCacheDc_strict_fails", "Bug_iotlb_ignores_pscid", "Bug_ddtc_not_flushed_by_iodir",
                  "Bug_fence_completes_early", "Bug_misconfigured_dc_reported_not_valid"):
        assert f"icarus     {ident}" in r.stdout, r.stdout
