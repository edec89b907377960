"""subprocess.run for commands that start trees of processes (the regression starts
pytest-xdist workers, run servers and simulators), bounded for the whole tree.

subprocess.run(timeout=) kills only its direct child: a stuck regression's workers would run on
for the rest of the test suite, each holding a core of this 2-core machine. Here the command
runs in a session of its own and, past its time (or when the test is interrupted), the whole
session is killed.
"""
from __future__ import annotations

import os
import signal
import subprocess

DRAIN_S = 10.0                      # reading what is left once the session was killed


def run(cmd, *, timeout: float, capture_output: bool = False, text: bool = False,
        **kwargs) -> subprocess.CompletedProcess:
    if capture_output:
        kwargs["stdout"] = kwargs["stderr"] = subprocess.PIPE
    kwargs.setdefault("stdin", subprocess.DEVNULL)
    proc = subprocess.Popen(cmd, text=text, start_new_session=True, **kwargs)
    try:
        out, err = proc.communicate(timeout=timeout)
    except BaseException as exc:
        _kill_session(proc.pid)
        try:
            out, err = proc.communicate(timeout=DRAIN_S)
        except subprocess.TimeoutExpired:         # a process of another session holds a pipe
            for pipe in (proc.stdout, proc.stderr):
                if pipe is not None:
                    pipe.close()
            out = err = None
            proc.wait()
        if isinstance(exc, subprocess.TimeoutExpired):
            raise subprocess.TimeoutExpired(cmd, timeout, out, err) from None
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _kill_session(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
