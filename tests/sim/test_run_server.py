"""Run servers (tb/regression/run_server.py, served_runs.py): a run served by a simulator that
already ran others ends exactly as the same run in a simulator of its own, and a served run
that does not end as expected is run again on its own, which is the run reported."""
import json
import os
import sys
from pathlib import Path

import bounded_run

ROOT = Path(__file__).resolve().parents[2]


def regression(listing: Path, out: Path, serve: str):
    r = bounded_run.run([sys.executable, "-m", "tb.regression", "--results-dir", str(out),
                        "--sim", "icarus", "--jobs", "1"], cwd=ROOT, capture_output=True,
                       text=True, timeout=600,
                       env=dict(os.environ, IOMMU_REGRESSION_LIST=str(listing), IOMMU_SERVE=serve))
    return r


def run_files(out: Path, test: str, seed: int) -> tuple[dict, dict, dict]:
    d = out / "runs" / "icarus" / test / f"seed{seed}"
    return (json.loads((d / "result.json").read_text()), json.loads((d / "stats.json").read_text()),
            json.loads((d / "coverage.json").read_text()))


def test_served_runs_end_as_runs_of_their_own(tmp_path):
    # SmokeTest first: the runs after it are served by a simulator that ran something already.
    # RandomConfigTest draws its whole configuration from the seed; StraddleDdtTest has a
    # simulated-time limit, which a server applies as cocotb does.
    listing = tmp_path / "l.toml"
    listing.write_text('[defaults]\nsimulators = ["icarus"]\n'
                       '[[test]]\nname = "SmokeTest"\nseeds = 1\n'
                       '[[test]]\nname = "RandomConfigTest"\nmodule = "tb.tests.random_config_tests"\nseeds = 2\n'
                       '[[test]]\nname = "StraddleDdtTest"\nmodule = "tb.tests.concurrency_tests"\nseeds = 1\n')
    served, alone = tmp_path / "served", tmp_path / "alone"
    for out, serve in ((served, "1"), (alone, "0")):
        r = regression(listing, out, serve)
        assert r.returncode == 0, r.stdout + r.stderr
    assert "run servers: 4 of 4 runs served; 0 run again" in (served / "summary.txt").read_text()
    assert "run servers" not in (alone / "summary.txt").read_text()
    for test, seed in (("SmokeTest", 1), ("RandomConfigTest", 1), ("RandomConfigTest", 2),
                       ("StraddleDdtTest", 1)):
        (res_s, stats_s, cov_s), (res_a, stats_a, cov_a) = (run_files(served, test, seed),
                                                            run_files(alone, test, seed))
        assert res_s["served"] and not res_a["served"], (test, seed)
        # the clock of a served run starts where the previous run left the simulator: its
        # length in simulated time may differ by a cycle, nothing else may
        for st in (stats_s, stats_a):
            st.pop("sim_ns")
        assert stats_s == stats_a, (test, seed)
        assert cov_s == cov_a, (test, seed)
        seed_line = [ln.split("]: ", 1)[1] for ln in
                     (served / "runs/icarus" / test / f"seed{seed}" / "sim.log").read_text().splitlines()
                     if "]: seed " in ln]
        assert seed_line and seed_line[0] in (alone / "runs/icarus" / test / f"seed{seed}" /
                                              "sim.log").read_text()
    # the comparison sees the seed: two seeds of the random configuration differ
    assert run_files(served, "RandomConfigTest", 1)[2] != run_files(served, "RandomConfigTest", 2)[2]


def test_a_served_run_that_fails_is_run_again_on_its_own_and_that_run_reported(tmp_path):
    listing = tmp_path / "l.toml"
    cases = 'module = "tests.sim.cocotb_farm_cases"\n'
    listing.write_text('[defaults]\nsimulators = ["icarus"]\n'
                       f'[[test]]\nname = "PassingCase"\n{cases}seeds = 2\n'
                       f'[[test]]\nname = "FailingCase"\n{cases}seeds = 1\n'
                       f'[[test]]\nname = "TaskFailingCase"\n{cases}seeds = 1\n')
    out = tmp_path / "out"
    r = regression(listing, out, "1")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "2 passed, 2 failed" in r.stdout, r.stdout
    assert "run servers: 2 of 4 runs served; 2 run again on their own" in r.stdout, r.stdout
    for test, why in (("FailingCase", "FailingCase: 1 check(s) failed; first: MISMATCH translate"),
                      ("TaskFailingCase", "MISMATCH from a monitor task")):
        res = json.loads((out / "runs/icarus" / test / "seed1" / "result.json").read_text())
        assert res["rerun"] and not res["served"] and not res["ok"]
        assert why in res["message"], res["message"]
        # the run reported is the one of its own: cocotb's results file and start-up lines
        assert (out / "runs/icarus" / test / "seed1" / "results.xml").is_file()
        assert "Running on Icarus Verilog" in (out / "runs/icarus" / test / "seed1" / "sim.log").read_text()
    for seed in (1, 2):
        res = json.loads((out / "runs/icarus/PassingCase" / f"seed{seed}" / "result.json").read_text())
        assert res["served"] and res["ok"]
    assert not (out / "servers").exists()       # every server stopped and its folder removed
