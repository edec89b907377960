"""`make sim`: the regression's front door. Checks the knobs and the list (one line per problem,
exit 2), then runs pytest over tb/regression with them: exit 0 when every run ended as its
entry expects, 1 when one did not, 2 for bad input, 130 after Ctrl-C, 143 after SIGTERM (a CI
job cancelled: handled as Ctrl-C, every simulator stopped and the partial summary printed).

    python -m tb.regression [--dut NAME|PATH] [--sim icarus|verilator|all] [--test ID]
        [--seed N] [--seeds N] [--policy NAME] [--fills any|demand] [--waves] [--subset NAME]
        [--advice error|warn] [--jobs N] [--shard I/N] [--list] [--name NAME]
        [--timeout S] [--results-dir DIR] [-- pytest options (-k, -x, --lf, --durations=N, ...)]
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from tb import runner
from tb.dut_profile import ProfileError
from tb.regression.jobs import REPO, UsageError

DURATIONS = REPO / "tb" / "regression_durations.json"
WAVES_WORDS = {"": False, "0": False, "no": False, "false": False,
               "1": True, "yes": True, "true": True}


def parse(argv):
    ap = argparse.ArgumentParser(prog="make sim", description=__doc__.splitlines()[0])
    ap.add_argument("--dut")
    ap.add_argument("--sim", default="all")
    ap.add_argument("--test")
    ap.add_argument("--seed")
    ap.add_argument("--seeds")
    ap.add_argument("--policy")
    ap.add_argument("--fills", default="any")
    ap.add_argument("--waves", nargs="?", const="1", default="")
    ap.add_argument("--subset")
    ap.add_argument("--advice", default="error")
    ap.add_argument("--timeout")
    ap.add_argument("--jobs", default="2")
    ap.add_argument("--shard")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--name")
    ap.add_argument("--results-dir")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("pytest_args", nargs="*")
    args = ap.parse_args(argv)
    return args


def check(args) -> dict:
    """One UsageError for the first bad knob; returns the values pytest is given."""
    from tb.regression import conftest, jobs as plan
    waves = WAVES_WORDS.get(str(args.waves).strip().lower())
    if waves is None:
        raise UsageError(f"WAVES must be 1 (waves) or 0 (none), got {args.waves!r}")
    try:
        jobs = int(args.jobs)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise UsageError(f"JOBS must be a whole number of parallel runs >= 1, got {args.jobs!r}")
    shard = None
    if args.shard:
        i, _, n = args.shard.partition("/")
        if not (i.isdigit() and n.isdigit() and 1 <= int(i) <= int(n)):
            raise UsageError(f"SHARD must be i/N with 1 <= i <= N (e.g. 2/4), got {args.shard!r}")
        shard = (int(i), int(n))
    ns = argparse.Namespace(dut=args.dut, sim=args.sim, test=args.test, seed=args.seed,
                            seeds=args.seeds, policy=args.policy, fills=args.fills, waves=waves,
                            subset=args.subset, advice=args.advice, timeout=args.timeout)
    knobs = conftest.knobs(ns)
    from tb import dut_profile
    dut = dut_profile.load(knobs.dut)
    data = plan.load_list()
    n_runs = len(plan.plan(data, knobs, dut))
    if args.name is not None and (not args.name or "/" in args.name or args.name in (".", "..", "latest")):
        raise UsageError(f"NAME must be a plain folder name under results/, got {args.name!r}")
    if args.resume and not (args.name or args.results_dir):
        raise UsageError("RESUME=1 continues a results folder: name it with NAME= (or RESULTS_DIR=)")
    # no more workers than runs: a replay of one run starts no worker process at all
    return {"waves": waves, "jobs": min(jobs, n_runs) if not shard else jobs, "shard": shard}


def pytest_argv(args, v: dict) -> list[str]:
    # pytest-timeout is off: its --timeout would clash with ours (each run has its own limit)
    out = [str(REPO / "tb" / "regression"), "-q", "--tb=no", "-rN", "-p", "no:randomly",
           "-p", "no:timeout",
           "-o", "addopts=", "-o", "junit_family=xunit2", "--rootdir", str(REPO),
           "--sim", args.sim, "--fills", args.fills, "--advice", args.advice]
    for opt in ("dut", "test", "seed", "seeds", "policy", "subset", "timeout"):
        val = getattr(args, opt)
        if val is not None:
            out += [f"--{opt}", str(val)]
    if v["waves"]:
        out.append("--waves")
    if getattr(args, "resume", False):
        out.append("--resume")
    if v["jobs"] > 1:
        out += ["-n", str(v["jobs"])]
    if v["shard"]:
        i, n = v["shard"]
        out += ["--splits", str(n), "--group", str(i), "--durations-path", str(DURATIONS),
                "--splitting-algorithm", "least_duration"]
    return out + list(args.pytest_args)


def main(argv=None) -> int:
    runner.interruptible()
    try:
        args = parse(argv)
    except SystemExit as e:
        return 2 if e.code else 0
    try:
        v = check(args)
    except (UsageError, ProfileError) as e:
        for line in str(e).splitlines():         # the list's checker may name several problems
            print(f"error: {line}", file=sys.stderr)
        return 2
    import pytest
    pargs = pytest_argv(args, v)
    if args.list:
        return _code(pytest.main(pytest_argv(args, dict(v, jobs=1)) + ["--collect-only"]), v)
    from tb.regression import conftest
    out = (Path(args.results_dir).resolve() if args.results_dir
           else conftest.results_dir_for(args.name or None))
    try:
        conftest.prepare_results(out)
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    pargs += ["--results", str(out), "--junitxml", str(out / "junit.xml")]
    os.environ["PYTHONHASHSEED"] = "0"
    terminated = _stop_on_sigterm(v["jobs"] > 1)
    try:
        code = _code(pytest.main(pargs), v)
    except KeyboardInterrupt:
        runner.stop_all()
        code = 130
    if terminated and code == 130:
        code = 143
    try:                        # make turns every failure into 2: the real code stays here
        (out / "exit-code").write_text(f"{code}\n")
    except OSError:
        pass
    return code


def _stop_on_sigterm(workers: bool) -> list:
    """SIGTERM (what a CI service sends a cancelled job) takes the Ctrl-C path: the simulators
    run in sessions of their own and would outlive a plain termination. With workers, the
    process group gets the SIGINT a terminal's Ctrl-C would give it (each worker stops its own
    simulators); alone, this process raises KeyboardInterrupt. Returns a list that holds the
    signal number once it came."""
    got: list = []

    def on_term(signum, frame):
        got.append(signum)
        if workers:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)      # the group's SIGINT is enough
            os.killpg(os.getpgrp(), signal.SIGINT)
        else:
            raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    return got


def _code(rc, v) -> int:
    rc = int(rc)
    if rc == 5:
        if v.get("shard"):
            print("this shard has no run (more shards than runs)")
            return 0
        print("error: no run selected (check TEST=, SUBSET=, SIM= and -k)", file=sys.stderr)
        return 2
    return {0: 0, 1: 1, 2: 130, 4: 2}.get(rc, rc)


if __name__ == "__main__":
    sys.exit(main())
