"""Bad input to `make sim` gets one clear line and exit code 2, before any simulation."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def regression(*args):
    return subprocess.run([sys.executable, "-m", "tb.regression", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("args, says", [
    (["--test", "NoSuchTest"], "unknown test 'NoSuchTest'; known tests: SmokeTest"),
    (["--policy", "lax"], "unknown policy 'lax'; known: riscv-1.0-strict"),
    (["--seed", "-3"], "SEED must be a non-negative integer, got -3"),
    (["--seeds", "0"], "SEEDS must be at least 1, got 0"),
    (["--sim", "modelsim"], "unknown simulator 'modelsim'; use icarus, verilator or all"),
    (["--advice", "foo"], "ADVICE must be one of error, warn, got 'foo'"),
])
def test_bad_input_is_one_line(args, says):
    r = regression(*args)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and says in lines[0], r.stderr


def test_non_integer_seed_is_refused():
    r = regression("--seed", "abc")
    assert r.returncode == 2 and "invalid int value: 'abc'" in r.stderr


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
