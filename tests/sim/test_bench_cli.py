"""`make bench` (python -m tb.bench) refuses bad input with one line, before building anything."""
from __future__ import annotations

import sys

import pytest

from tb import runner

import bounded_run


def _bench(*args):
    return bounded_run.run([sys.executable, "-m", "tb.bench", *args], cwd=runner.REPO_ROOT,
                           capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("args,needle", [
    (["--sim", "modelsim"], "unknown simulator 'modelsim'"),
    (["--reps", "0"], "--reps must be at least 1"),
    (["--driver", "batch", "--memory", "axiram"], "--driver batch needs --memory hdl"),
])
def test_bad_input_is_one_line(args, needle):
    r = _bench(*args)
    assert r.returncode == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and needle in lines[0], r.stderr
    assert "Traceback" not in r.stderr
