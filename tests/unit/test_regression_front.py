"""The regression's front door and merge, without a simulator: pytest's exit codes turned into
ours, the shard options handed to pytest-split, JUnit files of shards merged."""
import xml.etree.ElementTree as ET

import pytest

from tb.regression import __main__ as front
from tb.regression import merge


@pytest.mark.parametrize("pytest_rc, shard, ours", [
    (0, None, 0), (1, None, 1),          # all as expected / a run did not end as expected
    (2, None, 130),                      # interrupted (Ctrl-C)
    (4, None, 2),                        # pytest's usage error: bad input, as ours
    (5, None, 2),                        # nothing selected: TEST=/SUBSET=/-k matched no run
    (5, (4, 4), 0),                      # ... but an empty shard is no error
])
def test_exit_codes(pytest_rc, shard, ours, capsys):
    assert front._code(pytest_rc, {"shard": shard}) == ours


def test_shard_becomes_pytest_split_options():
    args = front.parse(["--sim", "icarus", "--shard", "3/8", "--", "-k", "Smoke"])
    argv = front.pytest_argv(args, {"waves": False, "jobs": 2, "shard": (3, 8)})
    i = argv.index("--splits")
    assert argv[i:i + 6] == ["--splits", "8", "--group", "3", "--durations-path", str(front.DURATIONS)]
    assert argv[-2:] == ["-k", "Smoke"] and argv[argv.index("-n") + 1] == "2"
    assert "--waves" not in argv


def case(name, fail=False, skip=False, time="1.0"):
    inner = "<failure message='m' type='FAIL'>m</failure>" if fail else "<skipped message='s'/>" if skip else ""
    return f'<testcase classname="icarus.default" name="{name}" time="{time}">{inner}</testcase>'


def test_junit_of_shards_merged_counts_each_case_once(tmp_path):
    a, b = tmp_path / "a.xml", tmp_path / "b.xml"
    a.write_text(f"<testsuites><testsuite>{case('test_run[x-1]')}{case('test_run[x-2]', fail=True)}"
                 f"</testsuite></testsuites>")
    b.write_text(f"<testsuites><testsuite>{case('test_run[y-1]', skip=True)}"
                 f"{case('test_run[x-2]', time='2.5')}</testsuite></testsuites>")     # a rerun that passed
    out = tmp_path / "m.xml"
    assert merge.merge_junit([a, b], out) == (3, 0, 1)
    suite = ET.parse(out).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped"), suite.get("time")) == (
        "3", "0", "1", "4.500")
    assert sorted(c.get("name") for c in suite.iter("testcase")) == [
        "test_run[x-1]", "test_run[x-2]", "test_run[y-1]"]


def test_durations_recorded_add_to_the_file(tmp_path):
    d = tmp_path / "shard"
    d.mkdir()
    (d / "durations.json").write_text('{"n[a]": 1.5, "n[b]": 2.0}')
    f = tmp_path / "durations.json"
    f.write_text('{"n[a]": 9.0, "n[old]": 3.0}')
    assert merge.record_durations([d], f) == 2
    assert f.read_text() == '{\n "n[a]": 1.5,\n "n[b]": 2.0,\n "n[old]": 3.0\n}\n'


def test_a_bad_coherence_mode_is_one_line(monkeypatch):
    """IOMMU_COHERENCE (make sim COHERENCE=): checked before anything runs (docs/coherence.md)."""
    import argparse

    from tb.regression import conftest
    from tb.regression.jobs import UsageError
    opt = argparse.Namespace(dut=None, sim="icarus", test=None, seed=None, seeds=None, policy=None,
                             fills="any", waves=False, subset=None, advice="error", timeout=None)
    monkeypatch.setenv("IOMMU_COHERENCE", "incoherent")
    with pytest.raises(UsageError) as e:
        conftest.knobs(opt)
    assert str(e.value) == ("IOMMU_COHERENCE must be one of coherent, non-coherent, "
                            "got 'incoherent'")
    monkeypatch.setenv("IOMMU_COHERENCE", "non-coherent")
    assert conftest.knobs(opt).sim == "icarus"
