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
