"""The regression as a pytest plugin: every job of tb/regression.toml (test x seeds x
simulators x DUT parameter sets x bug variants, narrowed by the options below) is one pytest
item `test_run[<simulator>-<entry>-<seed>]`, so `-k`, `--lf`, `-x`, `--durations`, `-n`
(pytest-xdist), `--splits/--group` (pytest-split) and `--junitxml` apply. `make sim` is the
front door (tb/regression/__main__.py); this also runs as

    pytest tb/regression --sim icarus --subset smoke -n 2

Builds: one per simulator, parameter set and bug variant, keyed by a hash of sources and
flags and kept in build/ for later invocations. The controlling process makes the ones the
selected runs need before any run starts (as many at once as there are workers); a run that
still finds its build missing (its own process, a lock shared with the others) makes it. A run's
files go to <results>/runs/<simulator>/<entry>/seed<n>/, emptied first. The controlling process
prints one line per finished build and run, and at the end the summary, the coverage and the
failures; it writes <results>/summary.txt, coverage.{yml,txt} and durations.json, and annotates
the JUnit file.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from tb import advice, dut_profile, runner
from tb.dut_profile import ProfileError
from tb.regression import jobs as planning
from tb.regression import report, run_server
from tb.regression.eta import Eta, load as load_durations
from tb.regression.builds import build_one, label
from tb.regression.jobs import UsageError
from tb.regression.run_one import JobResult, run_job

RESULTS_ENV = "IOMMU_RESULTS_DIR"     # the results folder, handed from the controller to workers


def pytest_addoption(parser):
    g = parser.getgroup("iommu", "IOMMU regression (make sim's knobs)")
    g.addoption("--dut", help="a DUT profile: a name in duts/ or a path to a .toml file")
    g.addoption("--sim", default="all", help="icarus, verilator or all (the installed ones)")
    g.addoption("--test", help="one entry of tb/regression.toml, by id")
    g.addoption("--seed", help="this seed only")
    g.addoption("--seeds", help="seeds 1..N of each entry")
    g.addoption("--policy", help="the oracle's caching policy for every run")
    g.addoption("--fills", default="any", help="any (the spec's contract) or demand")
    g.addoption("--waves", action="store_true", help="each run writes waves.fst in its folder")
    g.addoption("--subset", help="the entries of one subset (smoke, bugs, soak, mutate, ...)")
    g.addoption("--advice", default=advice.DEFAULT_MODE, help="error or warn")
    g.addoption("--timeout", help="wall-clock seconds per run (default: the list's)")
    g.addoption("--results", help="the results folder (default results/<timestamp>)")
    g.addoption("--resume", action="store_true",
                help="keep the runs that already passed in the results folder (same code)")


def _int(value, name: str, low: int):
    if value is None:
        return None
    try:
        n = int(value)
    except ValueError:
        raise UsageError(f"{name} must be an integer, got {value!r}") from None
    if n < low:
        raise UsageError(f"{name} must be at least {low}, got {n}" if low else
                         f"{name} must be a non-negative integer, got {n}")
    return n


def knobs(opt) -> "planning.argparse.Namespace":
    """The options checked and turned into plan()'s namespace (UsageError: one line)."""
    from scoreboards import POLICIES
    from scoreboards.policies import FILLS
    seed = _int(opt.seed, "SEED", 0)
    seeds = _int(opt.seeds, "SEEDS", 1)
    if opt.fills not in FILLS:
        raise UsageError(f"unknown fill mode FILLS={opt.fills!r}; use {' or '.join(FILLS)}")
    try:
        adv = advice.check_mode(opt.advice)
    except ValueError as e:
        raise UsageError(str(e)) from None
    if opt.policy and opt.policy not in POLICIES:
        raise UsageError(f"unknown policy {opt.policy!r}; known: {', '.join(POLICIES)}")
    timeout = None
    if opt.timeout is not None:
        try:
            timeout = float(opt.timeout)
        except ValueError:
            timeout = -1.0
        if not timeout > 0:
            raise UsageError(f"TIMEOUT must be a number of seconds > 0, got {opt.timeout!r}")
    if os.environ.get("IOMMU_SERVE", "1") not in ("0", "1"):
        raise UsageError(f"SERVE must be 0 (every run in a simulator of its own) or 1 (run "
                         f"servers), got {os.environ['IOMMU_SERVE']!r}")
    if os.environ.get("IOMMU_COHERENCE"):
        # the platform of the entries without a `coherence` key (docs/coherence.md)
        from sequences.sw.hart_cache import check_mode as check_coherence
        try:
            check_coherence(os.environ["IOMMU_COHERENCE"])
        except ValueError as e:
            raise UsageError(str(e)) from None
    return planning.namespace(dut=opt.dut, sim=opt.sim, test=opt.test, seed=seed, seeds=seeds,
                              policy=opt.policy, fills=opt.fills, waves=bool(opt.waves),
                              subset=opt.subset, advice=adv, timeout=timeout)


def results_dir(config) -> Path:
    """<results>/ of this invocation: the option, else what the controller chose, else a new
    timestamped folder under results/ (with `latest` pointing at it)."""
    given = config.getoption("results") or os.environ.get(RESULTS_ENV)
    if given:
        return Path(given).resolve()
    return results_dir_for(None)


def results_dir_for(name: str | None) -> Path:
    """results/<name>, or results/<timestamp> (a suffix when that exists already)."""
    base = planning.RESULTS
    if name:
        return base / name
    name = time.strftime("%Y%m%d-%H%M%S")
    out, n = base / name, 1
    while out.exists():
        n += 1
        out = base / f"{name}-{n}"
    return out


def prepare_results(out: Path) -> None:
    """Make the results folder and point results/latest at it (UsageError when unwritable)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".writable"
        probe.write_text("")
        probe.unlink()
    except OSError as e:
        raise UsageError(f"cannot write the results folder {out}: {e.strerror}; "
                         f"choose another with RESULTS_DIR=") from None
    latest = planning.RESULTS / "latest"
    if out.parent == planning.RESULTS and out.name != "latest":
        try:
            tmp = planning.RESULTS / f".latest.{os.getpid()}"
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(out.name)
            os.replace(tmp, latest)
        except OSError:
            pass


def _same_run(a, b) -> bool:
    """The same run: every field of the job but where it was built and run and its limits."""
    from dataclasses import asdict
    loose = ("build_dir", "run_dir", "timeout", "waves")
    da, db = asdict(a), asdict(b)
    return all(da.get(k) == db.get(k) for k in set(da) | set(db) if k not in loose)


CODE_FILE = "code.txt"      # the code a results folder's runs ran (RESUME=1 checks it)


def code_stamp() -> str:
    """The commit checked out, and a digest of the uncommitted changes to tracked files (the
    results and build folders are not tracked): runs made under the same stamp ran the same
    code."""
    import hashlib
    import subprocess
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=planning.REPO, capture_output=True,
                              text=True, timeout=30).stdout.strip()
        diff = subprocess.run(["git", "diff", "HEAD", "--binary"], cwd=planning.REPO,
                              capture_output=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown (no git)"
    if not head:
        return "unknown (not a git checkout)"
    return head + (f" + uncommitted changes {hashlib.sha1(diff).hexdigest()[:12]}" if diff else "")


def stamp_results(out: Path, resume: bool) -> None:
    """Write the code stamp of a results folder; to resume one, it must be the same."""
    f = out / CODE_FILE
    now = code_stamp()
    if resume and f.is_file():
        was = f.read_text().strip()
        if was != now:
            raise UsageError(f"RESUME=1: {out} holds runs of {was}, the code now is {now}; "
                             f"resume on the same code, or start a new folder")
    f.write_text(now + "\n")


class Regression:
    """The plan of this process, and (in the controlling process) what has been reported."""

    def __init__(self, config):
        self.config = config
        self.args = knobs(config.option)
        self.dut = dut_profile.load(self.args.dut)
        self.jobs = planning.plan(planning.load_list(), self.args, self.dut)
        self.out = results_dir(config)
        for j in self.jobs:
            j.run_dir = str(self.out / "runs" / j.sim / j.test / f"seed{j.seed}")
            if self.args.timeout:
                j.timeout = self.args.timeout
        self.order = {j.ident: i for i, j in enumerate(self.jobs)}
        self.build_errors: dict = {}      # build key -> error line (not retried by this process)
        self.results: list[JobResult] = []
        self.by_name: dict = {}
        self.durations: dict = {}
        self.total = 0
        self.t0 = time.time()
        self.eta: Eta | None = None       # from the recorded run times (tb/regression/eta.py)
        self.t_runs = None                # when the runs started (after the builds)
        self.printed_builds: set = set()
        self.prebuilt = False
        self.resume = bool(config.getoption("resume"))

    def failed_build(self, key) -> str | None:
        """The error of a build the controlling process already tried (and printed)."""
        f = self.out / "build-errors.json"
        if not f.is_file():
            return None
        try:
            for k, err in json.loads(f.read_text()):
                if tuple(k) == tuple(key):
                    return err
        except (OSError, ValueError):
            pass
        return None

    def earlier(self, job) -> JobResult | None:
        """RESUME=1: the result this run left in the folder, if it ended as expected."""
        f = Path(job.run_dir) / "result.json"
        try:
            r = JobResult.from_json(f.read_text())
        except (OSError, ValueError, TypeError, KeyError):
            return None
        return r if r.ok and not r.skipped and _same_run(r.job, job) else None

    def execute(self, job) -> JobResult:
        """Build if needed, run, and leave result.json in the run's folder."""
        if self.resume:
            r = self.earlier(job)
            if r is not None:
                return r
        if job.skip:
            r = JobResult(job, True, 0.0, job.skip, skipped=True)
        else:
            err = self.build_errors.get(job.build_key) or self.failed_build(job.build_key)
            secs = 0.0
            if err is None:
                bdir, secs, err = build_one(job.build_key, self.dut)
                if err:
                    self.build_errors[job.build_key] = err
            if err:
                r = JobResult(job, False, 0.0, f"build failed: {err}", verdict="FAIL")
            else:
                job.build_dir = bdir
                r = run_job(job)
                if secs:
                    r.built = (label(job.build_key), round(secs, 1))
        folder = Path(job.run_dir)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "result.json").write_text(r.to_json())
        return r


def pytest_configure(config):
    if getattr(config.option, "sim", None) is None:
        return
    runner.interruptible()                        # pytest-xdist's workers inherit SIG_IGN too
    try:
        reg = Regression(config)
    except (UsageError, ProfileError) as e:
        raise pytest.UsageError(str(e)) from None
    config._iommu = reg
    if not hasattr(config, "workerinput"):        # the controlling process (or no workers)
        try:
            if not config.getoption("collectonly"):
                prepare_results(reg.out)
                stamp_results(reg.out, reg.resume)
        except UsageError as e:
            raise pytest.UsageError(str(e)) from None
        os.environ[RESULTS_ENV] = str(reg.out)     # the workers start after this, with it
        config.pluginmanager.register(_Printer(config), "iommu-printer")


def pytest_unconfigure(config):
    run_server.stop_all()
    runner.stop_all()


def pytest_generate_tests(metafunc):
    if "job" in metafunc.fixturenames:
        reg = metafunc.config._iommu
        metafunc.parametrize("job", reg.jobs, ids=[j.ident for j in reg.jobs])


@pytest.fixture
def regression(request):
    return request.config._iommu


def pytest_report_teststatus(report, config):
    # no dots or words from pytest: the plugin prints one line per run itself
    if getattr(config, "_iommu", None) is not None and "test_run[" in report.nodeid:
        if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
            return report.outcome, "", ""
        return "", "", ""


def _result_of(report) -> JobResult | None:
    for key, value in report.user_properties:
        if key == "run":
            try:
                return JobResult.from_json((Path(value) / "result.json").read_text())
            except (OSError, ValueError, TypeError):
                return None
    return None


class _Printer:
    """In the controlling process: one line per finished build and run, as reports arrive,
    then the summary."""

    def __init__(self, config):
        self.config = config
        self.reg = config._iommu

    def write(self, line: str = "") -> None:
        tr = self.config.pluginmanager.get_plugin("terminalreporter")
        if tr is not None:
            tr.write_line(line)
        else:
            print(line, flush=True)

    def pytest_sessionstart(self, session):
        reg, dut = self.reg, self.reg.dut
        self.write(f"DUT {dut.name}: top {dut.top}, {len(dut.sources)} sources, port "
                   f"{dut.port['kind']}, profile {dut.path}")
        self.write(f"results: {reg.out}")

    def pytest_collection_finish(self, session):
        self.reg.total = len(session.items)
        self.build_first([item.nodeid for item in session.items])

    def pytest_xdist_node_collection_finished(self, node, ids):
        self.reg.total = len(ids)
        self.build_first(ids)

    def build_first(self, nodeids) -> None:
        """Make the builds the selected runs need (after -k, --lf and the shard's split),
        before any run starts, as many at once as there are workers; one line each."""
        reg = self.reg
        if reg.prebuilt:
            return
        reg.prebuilt = True
        reg.eta = Eta(load_durations(runner.REPO_ROOT / "tb" / "regression_durations.json"),
                      nodeids)
        wanted = {n.rsplit("[", 1)[-1].rstrip("]") for n in nodeids}
        keys = sorted({j.build_key for j in reg.jobs if j.ident in wanted and not j.skip})
        if not keys:
            return
        workers = max(1, int(getattr(self.config.option, "numprocesses", None) or 1))
        from concurrent.futures import ThreadPoolExecutor, as_completed
        with ThreadPoolExecutor(max_workers=min(workers, len(keys))) as pool:
            futures = {pool.submit(build_one, key, reg.dut): key for key in keys}
            for f in as_completed(futures):
                key = futures[f]
                _, secs, err = f.result()
                sim = key[0]
                if err:
                    reg.build_errors[key] = err
                    self.write(f"build {sim:<9} {label(key):<40} FAILED: {err}")
                elif secs:
                    self.write(_report.build_line(sim, label(key), secs))
                    reg.printed_builds.add(label(key) + sim)
                else:
                    self.write(f"build {sim:<9} {label(key):<40}   kept")
                    reg.printed_builds.add(label(key) + sim)
        if reg.build_errors:
            try:
                (reg.out / "build-errors.json").write_text(json.dumps(
                    [[list(k), e] for k, e in reg.build_errors.items()]))
            except OSError:
                pass

    def pytest_runtest_logreport(self, report):
        if report.when != "call" and not (report.when == "setup" and report.outcome != "passed"):
            return
        r = _result_of(report)
        if r is None:
            return
        reg = self.reg
        if r.built and r.built[0] + r.job.sim not in reg.printed_builds:
            reg.printed_builds.add(r.built[0] + r.job.sim)
            self.write(_report.build_line(r.job.sim, r.built[0], r.built[1]))
        reg.results.append(r)
        reg.by_name[report.nodeid.split("::")[-1]] = r
        # the run's own time, without a build it made (shards split the runs, and a CI
        # machine keeps its builds)
        reg.durations[report.nodeid] = round(r.seconds, 2)
        n = len(reg.results)
        total = max(reg.total, n)
        if reg.t_runs is None:            # (the builds' time is not the runs')
            reg.t_runs = reg.t0 if reg.eta is None else time.time() - r.seconds
        if reg.eta is not None:
            reg.eta.finished(report.nodeid)
            eta = reg.eta.seconds_left(time.time() - reg.t_runs)
        else:
            eta = (time.time() - reg.t0) / n * (total - n)
        self.write(_report.progress_line(n, total, r, eta))
        if not r.ok and not r.skipped:
            for line in _report.failure_detail(r):
                self.write(line)

    def pytest_terminal_summary(self, terminalreporter):
        summarize(self.config, self.write)


_report = report


def summarize(config, write) -> None:
    """The end of an invocation (also after Ctrl-C, with what finished): the table, the
    totals, coverage, the failures; summary.txt, coverage and durations.json in the results
    folder; the JUnit file annotated."""
    reg = config._iommu
    results = sorted(reg.results, key=lambda r: reg.order.get(r.job.ident, 1 << 30))
    wall = time.time() - reg.t0
    lines = [""] + report.table_lines(results)
    for sim in sorted({r.job.sim for r in results}):
        line = next((r.capabilities for r in results if r.job.sim == sim and r.capabilities), "")
        if line:
            lines.append(f"{sim}: {line}")
    steps = sorted({(r.job.test, step, why) for r in results if r.skipped_steps
                    for step, why in r.skipped_steps})
    if steps:
        lines.append("\nsteps skipped (the DUT cannot do them):")
        lines += [f"  {test}: {step}: {why}" for test, step, why in steps]
    missing = len(reg.jobs) - len(results) if reg.total == len(reg.jobs) else reg.total - len(results)
    lines.append("")
    lines.append(report.totals_line(results, wall)
                 + (f"; {missing} not run (interrupted or stopped early)" if missing > 0 else ""))
    served = report.served_line(results)
    if served:
        lines.append(served)
    from tb.regression import coverage as cov
    cov_lines = cov.merge_and_report(results, reg.out)
    # the goals speak of a whole regression: one test's runs show only where the file is
    lines += cov_lines if not reg.args.test else cov_lines[-1:]
    lines += report.failure_lines(results)
    for line in lines:
        write(line)
    try:
        (reg.out / "summary.txt").write_text("\n".join(lines).lstrip("\n") + "\n")
        (reg.out / "durations.json").write_text(json.dumps(reg.durations, indent=1, sort_keys=True) + "\n")
        xml = config.getoption("xmlpath", None)
        if xml and Path(xml).is_file():
            report.annotate_junit(Path(xml), reg.by_name)
    except OSError as e:
        write(f"error: cannot write into {reg.out}: {e.strerror}")
    write(f"results: {reg.out} (summary.txt, junit.xml, coverage.txt, runs/)")
