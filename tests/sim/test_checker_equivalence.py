"""The checker process on a simulator (tb/env/checker.py): the regression's bug subset (RTL
mutants caught, broken software personas, negative caching) and the concurrency tests give
the same results with the checking in a process of its own as in the simulator's process:
every run's stats.json, coverage.yml, its ERROR/WARNING/INFO lines in order, and its failure
message. And a checker that crashes fails the run with one CHECKER line."""
from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

from tb import runner

import bounded_run

ROOT = Path(__file__).resolve().parents[2]
SUBSETS = (("--subset", "bugs"), ("--test", "ConcurrencyMixTest"), ("--test", "RandomTrafficTest"))


def _regression(mode: str, out: Path, *args, extra_env=None):
    # Runs of their own (IOMMU_SERVE=0): the comparison reads each run's results.xml, which a
    # served run does not write (its result.json; served runs' equivalence is tested apart).
    env = {**os.environ, "IOMMU_CHECKER": mode, "IOMMU_SERVE": "0", **(extra_env or {})}
    return bounded_run.run([sys.executable, "-m", "tb.regression", "--sim", "icarus",
                           "--results-dir", str(out / mode), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=900, env=env)


def _line(text: str) -> str:
    """A log line without its simulation-time prefix."""
    return re.sub(r"^\s*[\d.]+ns ", "", text).split("]: ", 1)[-1]


def _snapshot(results: Path) -> dict:
    """Every run of one invocation (its results folder): what it wrote and logged."""
    out = {}
    for d in sorted(results.glob("runs/icarus/*/seed*")):
        log = (d / "sim.log").read_text(errors="replace")
        st, cov = d / "stats.json", d / "coverage.yml"    # (a run failed early writes neither)
        out[str(d.relative_to(results))] = {
            "stats": json.loads(st.read_text()) if st.exists() else None,
            "coverage": cov.read_text() if cov.exists() else None,
            "lines": [_line(ln) for ln in log.splitlines()
                      if re.search(r" (ERROR|WARNING|INFO) ", ln) and "]: " in ln],
            "failures": runner.failures(d / "results.xml"),
        }
    return out


def test_results_are_the_same_in_a_checker_process_as_in_process(tmp_path):
    for k, args in enumerate(SUBSETS):
        snaps = {}
        for mode in ("inline", "process"):
            out = tmp_path / str(k)
            r = _regression(mode, out, *args)
            assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
            snaps[mode] = _snapshot(out / mode)
        runs = int(re.search(r"(\d+) passed", r.stdout).group(1))
        assert len(snaps["inline"]) == runs, (args, len(snaps["inline"]), runs)
        assert snaps["inline"].keys() == snaps["process"].keys()
        for key, want in snaps["inline"].items():
            got = snaps["process"][key]
            for part in want:
                assert got[part] == want[part], f"{args} {key}: {part} differs"


def test_a_crashed_checker_is_one_line_and_a_failed_run(tmp_path):
    r = _regression("process", tmp_path, "--test", "SmokeTest", "--seed", "1",
                    extra_env={"IOMMU_CHECKER_CRASH_AT": "40"})
    assert r.returncode == 1, r.stdout[-3000:]
    assert "CHECKER process crashed at event 40" in r.stdout, r.stdout[-3000:]
    log = (tmp_path / "process/runs/icarus/SmokeTest/seed1/sim.log").read_text()
    errors = [ln for ln in log.splitlines() if " ERROR " in ln]
    assert len(errors) == 1 and "CHECKER process crashed at event 40 (" in errors[0], errors
    assert "traceback in checker_crash.log" in errors[0]
