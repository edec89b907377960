"""The short form of `make sim` that CI runs: the smoke subset, one seed, both simulators,
through the same entry point users call."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_smoke_regression_passes_on_both_simulators():
    r = subprocess.run([sys.executable, "-m", "tb.regression", "--sim", "all", "--subset", "smoke"],
                       cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "0 failed" in r.stdout
    for sim in ("icarus", "verilator"):
        assert f"\n{sim:<10} SmokeTest" in r.stdout, r.stdout
