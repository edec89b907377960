"""Run servers: simulators kept running between runs of one build, each serving many runs
(tb/regression/served_runs.py is the simulator side). A run's own process costs a simulator
start and about half a second of Python imports; most runs of `make sim` last less than that.

A process (a pytest-xdist worker) keeps at most MAX_SERVERS servers, one per build it used
last, and hands each run to its build's server over a pair of FIFOs. A run that does not answer
within its wall-clock limit stops its server (the next run of that build starts a new one) and
raises runner.RunTimeout, as a run of its own would. `stop_all()` ends every server.
"""
from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections import OrderedDict
from pathlib import Path

from tb import runner

MAX_SERVERS = 2                           # per worker process: the builds it used last
START_TIMEOUT = 120.0                     # seconds for a simulator to load and ask for a run
ALIVE_S = 1.0                             # while waiting for a reply, check the simulator


class ServerError(RuntimeError):
    """The server died or could not start: the caller runs the run on its own."""


class _Server:
    def __init__(self, sim: str, build_dir: Path, top: str, env: dict):
        self.sim = sim
        # in the regression's results folder (what it started stays under it), else in /tmp
        results = os.environ.get("IOMMU_RESULTS_DIR")
        home = Path(results) / "servers" if results else None
        if home is not None:
            home.mkdir(parents=True, exist_ok=True)
        self.dir = Path(tempfile.mkdtemp(prefix=f"{sim}-", dir=home))
        self.req_path, self.rsp_path = self.dir / "requests", self.dir / "responses"
        os.mkfifo(self.req_path)
        os.mkfifo(self.rsp_path)
        self.proc = runner.start_server(sim, build_dir, top, "tb.regression.served_runs",
                                        test_dir=self.dir,   # its own log: start-up only
                                        extra_env={**env,
                                                   "IOMMU_SERVER_REQUESTS": str(self.req_path),
                                                   "IOMMU_SERVER_RESPONSES": str(self.rsp_path)})
        # Opening a FIFO blocks until its other end opens: nothing here may wait on a
        # simulator that died while loading. The response end is opened non-blocking first (a
        # reader needs no writer), then the request end once the simulator reads it; a reply
        # is waited for with select, checking the simulator is alive.
        self.rsp = os.open(self.rsp_path, os.O_RDONLY | os.O_NONBLOCK)
        self.req = self._open_writer(self.req_path, START_TIMEOUT)
        self.buf = b""

    def _open_writer(self, path: Path, timeout: float) -> int:
        end = time.time() + timeout
        while True:
            try:
                fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
                os.set_blocking(fd, True)
                return fd
            except OSError:                          # ENXIO: no reader yet
                if self.proc.poll() is not None:
                    raise ServerError(f"{self.sim} server ended while starting "
                                      f"(exit {self.proc.returncode})") from None
                if time.time() > end:
                    raise ServerError(f"{self.sim} server did not start in {timeout:g} s") from None
                time.sleep(0.01)

    def run(self, request: dict, timeout: float | None) -> dict:
        try:
            os.write(self.req, (json.dumps(request) + "\n").encode())
        except OSError as e:
            raise ServerError(f"{self.sim} server gone ({e.strerror})") from None
        end = None if timeout is None else time.time() + timeout
        while b"\n" not in self.buf:
            left = None if end is None else end - time.time()
            if left is not None and left <= 0:
                raise runner.RunTimeout(f"stopped after {timeout:g} s (wall-clock limit)")
            # (a response end whose writer never opened is never ready: look at the
            # simulator every ALIVE_S)
            ready, _, _ = select.select([self.rsp], [], [], ALIVE_S if left is None
                                        else min(left, ALIVE_S))
            if not ready:
                if self.proc.poll() is not None:
                    raise ServerError(f"{self.sim} server ended during a run "
                                      f"(exit {self.proc.returncode})")
                continue
            try:
                chunk = os.read(self.rsp, 65536)
            except BlockingIOError:
                continue
            if not chunk:
                raise ServerError(f"{self.sim} server ended during a run "
                                  f"(exit {self.proc.wait()})")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def stop(self, kill: bool = False) -> None:
        for fd in (self.req, self.rsp):
            try:
                os.close(fd)          # the simulator reads end-of-file and ends
            except OSError:
                pass
        try:
            self.proc.wait(timeout=0.2 if kill else 10)
        except subprocess.TimeoutExpired:
            pass
        runner.stop_group(self.proc)
        shutil.rmtree(self.dir, ignore_errors=True)
        try:
            self.dir.parent.rmdir()       # <results>/servers/, once the last one is gone
        except OSError:
            pass


_SERVERS: "OrderedDict[tuple, _Server]" = OrderedDict()


def run(sim: str, build_dir, top: str, module: str, cls: str, seed: int, folder: Path,
        env: dict, static_env: dict, timeout: float | None) -> dict:
    """Run test class `cls` of `module` with `seed` in `folder` (emptied by the caller) on the
    server of (sim, build_dir, top), started with `static_env` if there is none. Returns the
    server's answer: {"ok", "message", "seconds", "sim_ns"}. Raises runner.RunTimeout past
    `timeout` and ServerError when the server cannot serve the run."""
    key = (sim, str(build_dir), top, tuple(sorted(static_env.items())))
    srv = _SERVERS.pop(key, None)
    if srv is None:
        while len(_SERVERS) >= MAX_SERVERS:
            _SERVERS.popitem(last=False)[1].stop()
        srv = _Server(sim, Path(build_dir), top, static_env)
    try:
        answer = srv.run({"module": module, "cls": cls, "seed": seed, "folder": str(folder),
                          "env": env}, timeout)
    except BaseException:
        srv.stop(kill=True)
        raise
    _SERVERS[key] = srv
    if not answer.get("served", True):
        raise ServerError(f"{module}.{cls} cannot be served (no such test, or cocotb must "
                          f"handle it: an expected failure, a skip)")
    return answer


def stop_all() -> None:
    while _SERVERS:
        _SERVERS.popitem()[1].stop()
