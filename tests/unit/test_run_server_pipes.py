"""The run server's client side (tb/regression/run_server.py) against a stand-in for the
simulator: a small Python process that opens the two FIFOs as tb/regression/served_runs.py does
(requests first, then responses). A simulator that dies between its two opens, or before it
answers, must give a ServerError at once (the run is then run on its own), never a hang."""
import os
import subprocess
import sys

import pytest

from tb import runner
from tb.regression import run_server

# the simulator side: open requests (read), read one request, then per MODE
STAND_IN = r"""
import json, os, sys
req = open(os.environ["IOMMU_SERVER_REQUESTS"], encoding="utf-8")
line = req.readline()
if os.environ["MODE"] == "dies_before_responses":
    sys.exit(3)
rsp = open(os.environ["IOMMU_SERVER_RESPONSES"], "w", encoding="utf-8")
rsp.write(json.dumps({"echo": json.loads(line)["n"]}) + "\n")
rsp.flush()
"""


# a hang fails the test (pytest-timeout) instead of stopping the suite
pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def stand_in(monkeypatch, tmp_path):
    monkeypatch.setenv("IOMMU_RESULTS_DIR", str(tmp_path))

    def start(mode):
        def fake_start_server(sim, build_dir, top, module, test_dir, extra_env):
            return subprocess.Popen([sys.executable, "-c", STAND_IN],
                                    env={**os.environ, **extra_env, "MODE": mode})
        monkeypatch.setattr(runner, "start_server", fake_start_server)
        return run_server._Server("icarus", tmp_path, "top", {})
    return start


def test_a_reply_comes_back(stand_in):
    server = stand_in("answers")
    assert server.run({"n": 7}, timeout=20) == {"echo": 7}
    server.stop()


def test_a_simulator_that_dies_between_its_two_opens_is_a_server_error(stand_in):
    server = stand_in("dies_before_responses")
    with pytest.raises(run_server.ServerError, match="server ended during a run"):
        server.run({"n": 1}, timeout=20)
    server.stop()
