"""Bad input to `make sim` gets one clear line and exit code 2, before any simulation."""
import re
import sys
from pathlib import Path

import pytest

import bounded_run

ROOT = Path(__file__).resolve().parents[2]


def regression(*args):
    return bounded_run.run([sys.executable, "-m", "tb.regression", *args], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("args, says", [
    (["--test", "NoSuchTest"], "unknown test 'NoSuchTest'; known tests: SmokeTest"),
    (["--policy", "lax"], "unknown policy 'lax'; known: riscv-1.0-strict"),
    (["--seed", "-3"], "SEED must be a non-negative integer, got -3"),
    (["--seeds", "0"], "SEEDS must be at least 1, got 0"),
    (["--sim", "modelsim"], "unknown simulator 'modelsim'; use icarus, verilator or all"),
    (["--advice", "foo"], "ADVICE must be one of error, warn, got 'foo'"),
    (["--waves=2"], "WAVES must be 1 (waves) or 0 (none), got '2'"),
    (["--jobs", "0"], "JOBS must be a whole number of parallel runs >= 1, got '0'"),
    (["--shard", "5/4"], "SHARD must be i/N with 1 <= i <= N (e.g. 2/4), got '5/4'"),
    (["--name", "../x"], "NAME must be a plain folder name under results/, got '../x'"),
    (["--timeout", "soon"], "TIMEOUT must be a number of seconds > 0, got 'soon'"),
    (["--subset", "nightly"], "no test is in subset 'nightly'; subsets: "),
])
def test_bad_input_is_one_line(args, says):
    r = regression(*args)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and says in lines[0], r.stderr


def test_non_integer_seed_is_refused():
    r = regression("--seed", "abc")
    assert r.returncode == 2 and r.stderr == "error: SEED must be an integer, got 'abc'\n", r.stderr


def test_bad_dut_profile_is_one_line(tmp_path):
    (tmp_path / "top.v").write_text("module acme(input clk);\nendmodule\n")
    f = tmp_path / "acme.toml"
    f.write_text('top = "acme"\nsources = ["top.v"]\n[port]\nkind = "pcie"\n')
    r = regression("--dut", str(f))
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0] == (f"error: {f}: key 'port.kind': must be one of dev, "
                                            f"axi-dma, got 'pcie'"), r.stderr


def test_unknown_dut_name_lists_the_known_ones():
    r = regression("--dut", "acme")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "unknown DUT 'acme'; known: " in r.stderr and "sv39-only" in r.stderr


def test_simulator_the_dut_does_not_support(tmp_path):
    (tmp_path / "top.v").write_text("module acme(input clk);\nendmodule\n")
    f = tmp_path / "acme.toml"
    f.write_text('top = "acme"\nsources = ["top.v"]\nsimulators = ["icarus"]\n')
    r = regression("--dut", str(f), "--sim", "verilator")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "supports icarus only, not verilator (key 'simulators')" in r.stderr, r.stderr


def test_an_unwritable_results_folder_is_one_line(tmp_path):
    (tmp_path / "file").write_text("")
    r = regression("--sim", "icarus", "--test", "SmokeTest", "--results-dir", str(tmp_path / "file" / "out"))
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr == (f"error: cannot write the results folder {tmp_path / 'file' / 'out'}: Not a "
                        f"directory; choose another with RESULTS_DIR=\n"), r.stderr


def test_make_keeps_the_code_in_its_message_and_in_the_results(tmp_path):
    """GNU make exits 2 for any failed recipe; its line names the regression's own code."""
    r = bounded_run.run(["make", "--no-print-directory", "sim", "SIM=icarus", "WAVES=2"], cwd=ROOT,
                        capture_output=True, text=True, timeout=300)
    assert r.returncode == 2
    assert "error: WAVES must be 1 (waves) or 0 (none), got '2'" in r.stderr
    assert re.search(r"\[Makefile:\d+: sim\] Error 2", r.stderr), r.stderr


def test_sim_verilator_does_not_need_icarus():
    r = bounded_run.run(["make", "-n", "sim", "SIM=verilator"], cwd=ROOT, capture_output=True,
                        text=True, timeout=60)
    assert r.returncode == 0 and "iverilog" not in r.stdout and "tb.regression --sim verilator" in r.stdout
    r = bounded_run.run(["make", "-n", "sim", "SIM=icarus"], cwd=ROOT, capture_output=True, text=True,
                        timeout=60)
    assert "command -v iverilog" in r.stdout
