"""The regression manager itself (tb/regression/): exit codes, progress and paths, the
wall-clock limit, Ctrl-C, one wave file per run, shards merged into the unsharded totals.
Small lists of cases with a known end (tests/sim/cocotb_farm_cases.py) keep it quick."""
import os
import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import bounded_run

ROOT = Path(__file__).resolve().parents[2]
CASES = "tests.sim.cocotb_farm_cases"


def write_list(path: Path, entries: list[tuple], timeout: float = 120) -> Path:
    """entries: (name, seeds, extra toml lines)."""
    text = f'[defaults]\nsimulators = ["icarus"]\ntimeout = {timeout}\n'
    for name, seeds, extra in entries:
        module = "" if name.endswith("Test") else f'module = "{CASES}"\n'
        text += f'\n[[test]]\nname = "{name}"\n{module}seeds = {seeds}\n{extra}'
    path.write_text(text)
    return path


def regression(listing: Path, out: Path, *args, timeout=600):
    return bounded_run.run([sys.executable, "-m", "tb.regression", "--results-dir", str(out), *args],
                           cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                           env=dict(os.environ, IOMMU_REGRESSION_LIST=str(listing)))


def processes_under(folder: Path) -> list[int]:
    """Processes whose working directory is inside `folder` (a simulator runs in its run's)."""
    found = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if str(Path(os.readlink(p / "cwd"))).startswith(str(folder)):
                    found.append(int(p.name))
            except OSError:
                pass
    return found


def test_a_failing_run_exits_1_with_its_lines_paths_and_junit(tmp_path):
    listing = write_list(tmp_path / "l.toml", [("PassingCase", 2, ""), ("FailingCase", 1, "")])
    out = tmp_path / "out"
    r = regression(listing, out, "--sim", "icarus", "--jobs", "1")
    assert r.returncode == 1, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    progress = [ln for ln in lines if re.match(r"\[\d/3\] ", ln)]
    assert len(progress) == 3, r.stdout
    assert re.match(r"\[1/3\] PASS +icarus +PassingCase seed 1  \d+\.\d s  ETA \d+s$", progress[0])
    fail = next(i for i, ln in enumerate(lines) if re.match(r"\[\d/3\] FAIL +icarus +FailingCase seed 1 ", ln))
    run = out / "runs" / "icarus" / "FailingCase" / "seed1"
    assert "ERROR" in lines[fail + 1] and "MISMATCH translate did=1" in lines[fail + 1]
    assert f"  log: {run / 'sim.log'}" in lines
    assert "  REPLAY: make sim SIM=icarus TEST=FailingCase SEED=1 WAVES=1" in lines
    assert "\n2 passed, 1 failed, 0 sequence, 0 skipped in " in r.stdout
    case = next(c for c in ET.parse(out / "junit.xml").getroot().iter("testcase")
                if c.find("failure") is not None)
    assert case.get("name") == "test_run[icarus-FailingCase-1]"
    body = case.find("failure").text.splitlines()
    assert body[0] == "FailingCase: 1 check(s) failed; first: MISMATCH translate did=1"
    assert "MISMATCH translate did=1 iova=0x1000" in body[1] and f"log: {run / 'sim.log'}" in body
    assert (out / "exit-code").read_text() == "1\n"
    assert (out / "summary.txt").read_text().count("PASS") == 2


def test_a_run_is_emptied_first_and_a_stuck_run_is_stopped_by_its_limit(tmp_path):
    listing = write_list(tmp_path / "l.toml", [("HangingCase", 1, "timeout = 2\n")])
    out = tmp_path / "out"
    stale = out / "runs" / "icarus" / "HangingCase" / "seed1"
    stale.mkdir(parents=True)
    (stale / "stats.json").write_text('{"checked": 12345}')       # left by an earlier run
    t0 = time.time()
    r = regression(listing, out, "--sim", "icarus", "--jobs", "1")
    assert r.returncode == 1, r.stdout + r.stderr
    assert time.time() - t0 < 60
    assert ("FAIL icarus HangingCase seed 1: TIMEOUT: stopped after 2 s (wall-clock limit) "
            "(key 'timeout' of the entry in tb/regression.toml)") in r.stdout, r.stdout
    assert not (stale / "stats.json").exists() and " 12345 " not in r.stdout
    # stopped twice: on its run server, then in a simulator of its own (the run reported)
    assert '"rerun": true' in (stale / "result.json").read_text()
    assert processes_under(tmp_path) == []


def _interrupt(pid: int, how: str) -> None:
    if how == "ctrl-c":
        os.killpg(pid, signal.SIGINT)          # what a terminal's Ctrl-C does: the whole group
    else:
        os.kill(pid, signal.SIGTERM)           # a CI service cancelling the job: the process only


@pytest.mark.parametrize("how,code,sigint", [
    pytest.param("ctrl-c", 130, signal.SIG_DFL, id="ctrl-c"),
    pytest.param("sigterm", 143, signal.SIG_DFL, id="sigterm"),
    pytest.param("sigterm", 143, signal.SIG_IGN, id="sigterm-sigint-ignored")])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_stops_every_simulator_and_prints_the_partial_summary(tmp_path, jobs, how, code,
                                                                      sigint):
    """Ctrl-C, or SIGTERM to the regression's process (a CI job cancelled): every simulator
    (each in a session of its own) is stopped, the partial summary printed, exit 130 or 143.
    SIGTERM also when the regression was started with SIGINT ignored (a background job of a
    non-interactive shell), which its own stop path relies on."""
    listing = write_list(tmp_path / "l.toml", [("PassingCase", 1, ""), ("HangingCase", 2, "")])
    out = tmp_path / "out"
    p = subprocess.Popen([sys.executable, "-m", "tb.regression", "--results-dir", str(out),
                          "--sim", "icarus", "--jobs", jobs], cwd=ROOT, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, start_new_session=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, sigint),
                         env=dict(os.environ, IOMMU_REGRESSION_LIST=str(listing)))
    try:
        deadline = time.time() + 120
        while time.time() < deadline and not (
                list(out.glob("runs/icarus/HangingCase/seed*/sim.log"))
                and (out / "runs" / "icarus" / "PassingCase" / "seed1" / "result.json").is_file()):
            time.sleep(0.2)
        time.sleep(1.0)
        assert processes_under(out), "the stuck run should be running"
        _interrupt(p.pid, how)
        text, _ = p.communicate(timeout=60)
    finally:                           # a failed check leaves nothing running for later tests
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        for pid in processes_under(out):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    assert p.returncode == code, text
    assert re.search(r"\n1 passed, 0 failed, 0 sequence, 0 skipped in .*; 2 not run", text), text
    # no traceback, no noise from the stopped processes: the summary's own lines only (its
    # coverage lines grow with the coverage items, one per item, and are not counted)
    lines = [ln for ln in text.splitlines() if not ln.startswith(("coverage ", "covergroup "))]
    assert "Traceback" not in text and len(lines) < 25, text
    assert (out / "exit-code").read_text() == f"{code}\n"
    time.sleep(0.5)
    assert processes_under(tmp_path) == []


def test_one_wave_file_per_run_and_its_path_on_failure(tmp_path):
    listing = write_list(tmp_path / "l.toml", [("PassingCase", 2, ""), ("FailingCase", 1, "")])
    out = tmp_path / "out"
    r = regression(listing, out, "--sim", "icarus", "--jobs", "2", "--waves")
    assert r.returncode == 1, r.stdout + r.stderr
    for seed in (1, 2):
        f = out / "runs" / "icarus" / "PassingCase" / f"seed{seed}" / "waves.fst"
        assert f.is_file() and f.stat().st_size > 0, f
    assert f"  waves: {out / 'runs' / 'icarus' / 'FailingCase' / 'seed1' / 'waves.fst'}" in r.stdout


def test_list_prints_the_runs_without_running_them(tmp_path):
    listing = write_list(tmp_path / "l.toml", [("PassingCase", 3, "")])
    r = regression(listing, tmp_path / "out", "--sim", "icarus", "--list")
    assert r.returncode == 0, r.stdout + r.stderr
    ids = re.findall(r"test_run\[([^\]]+)\]", r.stdout)
    assert ids == ["icarus-PassingCase-1", "icarus-PassingCase-2", "icarus-PassingCase-3"]
    assert not (tmp_path / "out" / "runs").exists()


def test_pytest_options_pass_through(tmp_path):
    listing = write_list(tmp_path / "l.toml", [("PassingCase", 3, ""), ("FailingCase", 1, "")])
    r = regression(listing, tmp_path / "out", "--sim", "icarus", "--jobs", "1", "--", "-k", "PassingCase and 2")
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"\n1 passed, 0 failed, 0 sequence, 0 skipped", r.stdout), r.stdout


def totals(text: str) -> str:
    (line,) = re.findall(r"^(\d+ passed, \d+ failed, \d+ sequence, \d+ skipped) in", text, re.M)
    return line


def test_four_shards_merged_give_the_unsharded_totals(tmp_path):
    listing = write_list(tmp_path / "l.toml", [("SmokeTest", 2, ""), ("PassingCase", 3, ""),
                                               ("FailingCase", 1, "")])
    whole = regression(listing, tmp_path / "whole", "--sim", "icarus", "--jobs", "1")
    assert whole.returncode == 1, whole.stdout + whole.stderr
    shards = []
    for i in range(1, 5):
        d = tmp_path / f"shard{i}"
        r = regression(listing, d, "--sim", "icarus", "--jobs", "1", "--shard", f"{i}/4")
        assert r.returncode in (0, 1), r.stdout + r.stderr
        shards.append(d)
    merged = tmp_path / "merged"
    m = bounded_run.run([sys.executable, "-m", "tb.regression.merge", *map(str, shards), "--out", str(merged)],
                        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert m.returncode == 1, m.stdout + m.stderr                # the failing case is in it
    assert totals(m.stdout) == totals(whole.stdout) == "5 passed, 1 failed, 0 sequence, 0 skipped"

    def cases(f):
        return sorted((c.get("name"), c.find("failure") is not None)
                      for c in ET.parse(f).getroot().iter("testcase"))
    assert cases(merged / "junit.xml") == cases(tmp_path / "whole" / "junit.xml")
    assert len(cases(merged / "junit.xml")) == 6
    # coverage: SmokeTest's two seeds, whichever shards ran them
    assert (merged / "coverage.yml").read_text() == (tmp_path / "whole" / "coverage.yml").read_text()
    assert "REPLAY: make sim SIM=icarus TEST=FailingCase SEED=1 WAVES=1" in m.stdout


def test_merge_refuses_a_folder_that_is_not_results(tmp_path):
    m = bounded_run.run([sys.executable, "-m", "tb.regression.merge", str(tmp_path)], cwd=ROOT,
                        capture_output=True, text=True, timeout=60)
    assert m.returncode == 2 and m.stderr == (
        f"error: {tmp_path} is not a regression's results folder (no runs/ nor junit.xml)\n")


def test_last_failed_reruns_only_the_failures(tmp_path):
    listing = write_list(tmp_path / "l.toml", [("PassingCase", 2, ""), ("FailingCase", 1, "")])
    cache = ["-o", f"cache_dir={tmp_path / 'cache'}"]
    first = regression(listing, tmp_path / "a", "--sim", "icarus", "--jobs", "1", "--", *cache)
    assert first.returncode == 1 and totals(first.stdout) == "2 passed, 1 failed, 0 sequence, 0 skipped"
    again = regression(listing, tmp_path / "b", "--sim", "icarus", "--jobs", "1", "--", *cache, "--lf")
    assert again.returncode == 1, again.stdout + again.stderr
    assert totals(again.stdout) == "0 passed, 1 failed, 0 sequence, 0 skipped", again.stdout
    first_fails = write_list(tmp_path / "x.toml", [("FailingCase", 1, ""), ("PassingCase", 2, "")])
    stop = regression(first_fails, tmp_path / "c", "--sim", "icarus", "--jobs", "1", "--", *cache, "-x")
    assert stop.returncode == 1, stop.stdout + stop.stderr
    assert re.search(r"\n0 passed, 1 failed, 0 sequence, 0 skipped in .*; 2 not run", stop.stdout), stop.stdout


def test_resume_keeps_the_runs_that_passed_and_refuses_other_code(tmp_path):
    """RESUME=1 on a results folder: the runs that passed there are kept (not run again, their
    results counted), the others run; a folder made by other code is refused with one line."""
    listing = write_list(tmp_path / "l.toml", [("PassingCase", 2, ""), ("FailingCase", 1, "")])
    out = tmp_path / "out"
    first = regression(listing, out, "--sim", "icarus", "--jobs", "1")
    assert first.returncode == 1, first.stdout + first.stderr
    passed = out / "runs" / "icarus" / "PassingCase" / "seed1" / "sim.log"
    failed = out / "runs" / "icarus" / "FailingCase" / "seed1" / "sim.log"
    t_pass, t_fail = passed.stat().st_mtime_ns, failed.stat().st_mtime_ns
    again = regression(listing, out, "--sim", "icarus", "--jobs", "1", "--resume")
    assert again.returncode == 1, again.stdout + again.stderr
    assert "\n2 passed, 1 failed, 0 sequence, 0 skipped in " in again.stdout
    assert passed.stat().st_mtime_ns == t_pass          # kept
    assert failed.stat().st_mtime_ns != t_fail          # run again
    (out / "code.txt").write_text("0123abc\n")          # runs of other code
    other = regression(listing, out, "--sim", "icarus", "--jobs", "1", "--resume")
    assert other.returncode == 2
    errors = [ln for ln in other.stderr.splitlines() if ln.strip()]
    assert len(errors) == 1 and "holds runs of 0123abc, the code now is" in errors[0], other.stderr
    assert "Traceback" not in other.stdout + other.stderr
    no_name = bounded_run.run([sys.executable, "-m", "tb.regression", "--sim", "icarus", "--resume"],
                              cwd=ROOT, capture_output=True, text=True, timeout=120,
                              env=dict(os.environ, IOMMU_REGRESSION_LIST=str(listing)))
    assert no_name.returncode == 2 and "RESUME=1 continues a results folder" in no_name.stderr
