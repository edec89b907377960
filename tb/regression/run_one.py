"""One run of the regression: a job on its build, in its own emptied folder, under a
wall-clock limit; its verdict judged against what its list entry expects. Plain Python: the
pytest plugin and the mutation campaign call it."""
from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tb import advice, runner
from tb.advice import SEQUENCE
from tb.regression import run_server
from tb.regression.jobs import Job

ERROR_LINES = 5                   # first error lines of a failed run kept for the report/JUnit


@dataclass
class JobResult:
    job: Job
    ok: bool
    seconds: float
    message: str = ""
    checked: int = 0
    sim_ns: float = 0.0
    skipped_steps: list = None    # steps the sequence could not do on this DUT: (step, reason)
    skipped: bool = False         # the whole run was skipped (see message)
    capabilities: str = ""        # the line capability discovery printed
    verdict: str = "PASS"         # how the run itself ended: PASS, FAIL or SEQUENCE
    advice: list = field(default_factory=list)   # the oracle's findings the test does not
                                  # declare (the first ones)
    advice_count: int = 0         # ... how many in all
    log: str = ""                 # the run's sim.log
    waves: str = ""               # its wave file, when it wrote one
    errors: list = field(default_factory=list)   # the first ERROR lines of its log
    built: tuple = ()             # (label, seconds) when this run made its build
    served: bool = False          # it ran on a run server (tb/regression/run_server.py)
    rerun: bool = False           # a run of its own after its served run did not end as expected

    @property
    def word(self) -> str:
        """The result column: SKIP, PASS, FAIL, or SEQUENCE for an ordinary run that failed on
        software findings alone (a run that must fail and does not end as expected is FAIL)."""
        if self.skipped:
            return "SKIP"
        if self.ok:
            return "PASS"
        return SEQUENCE if self.verdict == SEQUENCE and not self.job.must_fail else "FAIL"

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @staticmethod
    def from_json(text: str) -> "JobResult":
        d = json.loads(text)
        d["job"] = Job(**d["job"])
        d["skipped_steps"] = [tuple(x) for x in d["skipped_steps"] or []]
        d["built"] = tuple(d.get("built") or ())
        return JobResult(**d)


def _stats(test_dir: Path) -> dict:
    try:
        return json.loads((test_dir / "stats.json").read_text())
    except (OSError, ValueError):
        return {}


def error_lines(log: Path, n: int = ERROR_LINES) -> list[str]:
    """The first `n` lines of a run's log that report a failed check or an error."""
    out = []
    try:
        with open(log, errors="replace") as f:
            for line in f:
                if line[:1].isspace() and not line.lstrip()[:1].isdigit():
                    continue              # the continuation of a multi-line message
                if " ERROR " in line or "MISMATCH" in line:
                    out.append(line.rstrip()[:400])
                    if len(out) >= n:
                        break
    except OSError:
        pass
    return out


def judge(job: Job, verdict: str, msg: str, n_advice: int, log: str) -> tuple[bool, str]:
    """(ok, message) of a run that ended with `verdict` (PASS, FAIL or SEQUENCE) and `msg`.
    An ordinary run is ok when it passed. A run that must fail (a bug variant, a negative test,
    a broken software persona) is ok when it ended with the verdict its entry expects and its
    log contains the entry's `expect` text. Under ADVICE=warn an expected SEQUENCE verdict
    becomes a pass with the findings counted."""
    if not job.must_fail:
        return verdict == "PASS", msg
    want = job.expect_verdict
    what = (f"mutant {job.mutant}" if job.mutant else
            f"the expected {SEQUENCE} verdict" if want == SEQUENCE else "the expected failure")
    missing = bool(job.expect) and job.expect not in log
    if want == SEQUENCE and job.advice == "warn":
        if verdict != "PASS":
            return False, (f"{what} under ADVICE=warn: the run should pass with its findings "
                           f"counted, but ended {verdict}: {msg}")
        if not n_advice:
            return False, f"{what} under ADVICE=warn: the run passed but counted no finding"
        if missing:
            return False, f"{what} under ADVICE=warn: no message contains {job.expect!r}"
        return True, f"passed with {n_advice} advice counted (ADVICE=warn)"
    if verdict == "PASS":
        return False, f"{what} was NOT caught: the run passed"
    if verdict != want:
        return False, f"{what}: the run ended {verdict}, not {want}: {msg}"
    if missing:
        return False, f"{what}: the run failed but no message contains {job.expect!r}: {msg}"
    return True, f"caught {what}"


def serving() -> bool:
    """Whether runs go to run servers ($IOMMU_SERVE, make's SERVE=; on by default)."""
    return os.environ.get("IOMMU_SERVE", "1") != "0"


def _fresh(folder: Path) -> None:
    # A run that dies before writing its files must not report a previous run's.
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)


def run_job(job: Job) -> JobResult:
    """Run one job on its build (job.build_dir) in job.folder, emptied first: on a run server
    (tb/regression/run_server.py) unless it writes waves or serving is off. A served run that
    does not end as its entry expects is run again in a simulator of its own, and that run is
    the one reported: every failure the regression shows is one its REPLAY line reproduces."""
    if job.waves or not serving():
        return _run_job(job, served=False)
    r = _run_job(job, served=True)
    if r.ok:
        r.served = True
        return r
    alone = _run_job(job, served=False)
    alone.seconds += r.seconds
    alone.rerun = True
    return alone


_STATIC_ENV = {"PYTHONWARNINGS": "ignore::DeprecationWarning"}   # read at interpreter start


def _run_job(job: Job, served: bool) -> JobResult:
    test_dir = job.folder
    t0 = time.time()
    _fresh(test_dir)
    verdict = "FAIL"
    env = {"IOMMU_POLICY": job.policy, "IOMMU_DUT": job.dut, "IOMMU_FILLS": job.fills,
           "IOMMU_ADVICE": job.advice, **({"IOMMU_COHERENCE": job.coherence} if job.coherence else {})}
    try:
        if served:
            try:
                answer = run_server.run(job.sim, job.build_dir, job.top, job.module, job.cls,
                                        job.seed, test_dir, env, _STATIC_ENV, job.timeout)
            except run_server.ServerError as e:
                return JobResult(job, False, time.time() - t0, str(e))
            passed, msg = answer["ok"], answer["message"]
        else:
            n_pass, n_fail, xml = runner.run(job.sim, job.build_dir, job.top, job.module,
                                             testcase=job.cls, seed=job.seed, test_dir=test_dir,
                                             waves=job.waves, timeout=job.timeout,
                                             extra_env={**env, **_STATIC_ENV})
            passed = n_fail == 0 and n_pass == 1
            msg = "" if passed else "; ".join(runner.failures(xml)) or "no test ran"
        verdict = "PASS" if passed else SEQUENCE if advice.is_sequence_failure(msg) else "FAIL"
        st = _stats(test_dir)
        if verdict == SEQUENCE and st.get("advice"):
            msg = st["advice"][0]         # the first undeclared finding, as the log prints it
        log = (test_dir / "sim.log").read_text(errors="replace") if job.must_fail else ""
        ok, msg = judge(job, verdict, msg, st.get("advice_count", 0), log)
    except runner.RunTimeout as e:
        ok, msg = False, (f"TIMEOUT: {e} (key 'timeout' of the entry in tb/regression.toml); "
                          f"log {test_dir / 'sim.log'}")
    except RuntimeError as e:
        ok, msg = False, str(e).splitlines()[0]
    st = _stats(test_dir)
    log_path = test_dir / "sim.log"
    wave = runner.wave_file(test_dir)
    return JobResult(job, ok, time.time() - t0, msg, st.get("checked", 0), st.get("sim_ns", 0.0),
                     [tuple(x) for x in st.get("skipped", [])], capabilities=st.get("capabilities", ""),
                     verdict=verdict, advice=list(st.get("advice", [])),
                     advice_count=st.get("advice_count", 0), log=str(log_path),
                     waves=str(wave) if wave.is_file() else "",
                     errors=[] if ok else error_lines(log_path))
