"""tests/sim/bounded_run.py: a command past its time ends in TimeoutExpired with its whole tree
killed (subprocess.run kills only the command and leaves its children running)."""
import os
import subprocess
import time

import pytest

import bounded_run


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:         # a zombie not yet reaped is gone too
        return f.read().split(") ", 1)[1][0] != "Z"


def test_a_tree_past_its_time_is_killed_and_the_call_returns(tmp_path):
    pidfile = tmp_path / "child"
    t0 = time.time()
    with pytest.raises(subprocess.TimeoutExpired) as info:
        bounded_run.run(["bash", "-c", f"sleep 60 & echo $! > {pidfile}; echo started; wait"],
                        timeout=1, capture_output=True, text=True)
    assert time.time() - t0 < 8
    assert info.value.output == "started\n"
    child = int(pidfile.read_text())
    deadline = time.time() + 5
    while _alive(child) and time.time() < deadline:
        time.sleep(0.05)
    assert not _alive(child), "the command's child outlived the timeout"


def test_a_command_that_ends_gives_its_code_and_output():
    r = bounded_run.run(["bash", "-c", "echo out; echo err >&2; exit 3"], timeout=30,
                        capture_output=True, text=True)
    assert (r.returncode, r.stdout, r.stderr) == (3, "out\n", "err\n")
