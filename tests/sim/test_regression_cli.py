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
])
def test_bad_input_is_one_line(args, says):
    r = regression(*args)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and says in lines[0], r.stderr


def test_non_integer_seed_is_refused():
    r = regression("--seed", "abc")
    assert r.returncode == 2 and "invalid int value: 'abc'" in r.stderr
