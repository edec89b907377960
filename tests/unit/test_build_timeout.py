"""tb/runner.build's wall-clock limit: a compiler that hangs is stopped and the build fails with
one line naming the limit, instead of holding every process that waits for that build."""
import logging
import os
import time

import pytest

from tb import runner


class _HangingCompiler:
    """A cocotb runner whose build runs one command that never ends."""
    log = logging.getLogger("hanging-compiler")
    env = dict(os.environ)

    def build(self, build_dir, **_):
        self._execute_cmds([["sleep", "60"]], str(build_dir))


def test_a_stuck_build_is_stopped_at_its_limit(tmp_path, monkeypatch):
    import cocotb_tools.runner
    monkeypatch.setattr(runner, "BUILD_ROOT", tmp_path / "build")
    monkeypatch.setattr(runner, "BUILD_TIMEOUT", 1.0)
    monkeypatch.setattr(cocotb_tools.runner, "get_runner", lambda sim: _HangingCompiler())
    src = tmp_path / "top.v"
    src.write_text("module top; endmodule\n")
    live = set(runner._LIVE)
    t0 = time.time()
    with pytest.raises(RuntimeError, match=r"icarus build of top failed \(stopped after 1 s "
                                           r"\(wall-clock limit\)\)"):
        runner.build("icarus", "top", sources=[src])
    assert time.time() - t0 < 10
    assert runner._LIVE == live                  # the compiler's group was stopped
