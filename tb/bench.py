"""`make bench`: checked translations per second through the full pyuvm environment with the
oracle, per simulator and traffic shape, next to the same traffic with the scoreboard
disconnected (the limit of this environment, measured in the same run). Medians of REPS runs;
a table on stdout and results/bench.json, then the goals: checked hits/s and Sv39 misses/s per
simulator (GOALS) and, for every shape, checked/limit >= RATIO_GOAL; a figure below its goal
is flagged in the table and named in the last line.

The checking runs in a checker process ($IOMMU_CHECKER overrides: "inline" puts it in the
simulator's process; tb/env/checker.py); a checked run's window ends once the checker has
judged every response. "sim cpu" and "chk cpu" are the CPU microseconds per translation of the simulator's
process and of the checker process in that window (medians).

By default the toplevel is iommu_bench_top: the IOMMU's memory is the HDL one (page tables
written through a backdoor, no Python on m_axi), the device port is driven by the HDL batch
driver (requests and responses move in batches of 256, no Python on the clock) and the clock is
made in HDL. `--driver bfm` drives the device port from Python instead (iommu_fast_top, the
DevBfm of the regression); `--memory axiram` also puts cocotbext-axi's AxiRam on m_axi
(riscv_iommu, the regression's protocol-checking path).

    python -m tb.bench [--sim icarus|verilator|all] [--shape hits|sv39_miss|two_stage|mix]
                       [--reps 3] [--driver batch|bfm] [--memory hdl|axiram] [--count N]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

from tb import runner

SHAPES = {"hits": "BenchHitsTest", "sv39_miss": "BenchSv39MissTest",
          "two_stage": "BenchTwoStageTest", "mix": "BenchMixTest"}
MODULE = "tb.tests.bench_tests"
# Checked translations per second each simulator must reach (issue 13), and the ratio of
# checked to limit every shape must reach on both.
GOALS = {"verilator": {"hits": 35_000, "sv39_miss": 10_000},
         "icarus": {"hits": 20_000, "sv39_miss": 5_000}}
RATIO_GOAL = 0.5
# memory -> (toplevel, file list)
# (driver, memory) -> (toplevel, file list)
TOPS = {("batch", "hdl"): ("iommu_bench_top", "tb/hdl/bench_top.f"),
        ("bfm", "hdl"): ("iommu_fast_top", "tb/hdl/fast_top.f"),
        ("bfm", "axiram"): ("riscv_iommu", "rtl/riscv_iommu.f")}


def one_run(sim: str, bdir: Path, top: str, test: str, check: bool, rep: int,
            memory: str = "hdl", count: int = 0, detail: dict | None = None) -> tuple:
    d = bdir / "bench" / test / f"{'check' if check else 'limit'}{rep}"
    env = {"IOMMU_BENCH_CHECK": "1" if check else "0", "IOMMU_MEMORY": memory,
           # the checking in its own process unless the caller says otherwise (not "auto":
           # the figures must not depend on what else the machine is running)
           "IOMMU_CHECKER": os.environ.get("IOMMU_CHECKER", "process"),
           "IOMMU_PORT": "dev-batch" if top == "iommu_bench_top" else "dev",
           "PYTHONWARNINGS": "ignore::DeprecationWarning"}
    if count:
        env["IOMMU_BENCH_COUNT"] = str(count)
    n_pass, n_fail, _ = runner.run(sim, bdir, top, MODULE, testcase=test, seed=rep + 1,
                                   test_dir=d, extra_env=env)
    if n_fail or not n_pass:
        raise RuntimeError(f"{sim} {test} ({'checked' if check else 'limit'}) failed; log {d / 'sim.log'}")
    r = json.loads((d / "bench.json").read_text())
    if detail is not None:
        detail.update(r)
    # (translations/s, share of the timed window spent in the simulator; None with the BFM)
    share = r["hdl_seconds"] / r["seconds"] if r.get("hdl_seconds") is not None else None
    return r["count"] / r["seconds"], share


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="make bench")
    ap.add_argument("--sim", default="all")
    ap.add_argument("--shape", choices=sorted(SHAPES), action="append")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--driver", choices=("batch", "bfm"), default="batch",
                    help="device port: HDL batch driver (default) or the Python DevBfm")
    ap.add_argument("--memory", choices=("hdl", "axiram"), default="hdl",
                    help="the IOMMU's memory: hdl (default) or axiram (the regression's)")
    ap.add_argument("--count", type=int, default=0,
                    help="timed translations per run (default: each shape's own)")
    args = ap.parse_args(argv)
    if args.reps < 1:
        print("error: --reps must be at least 1", file=sys.stderr)
        return 2
    if (args.driver, args.memory) not in TOPS:
        print("error: --driver batch needs --memory hdl (the batch top has the HDL memory); "
              "use --driver bfm with --memory axiram", file=sys.stderr)
        return 2
    if args.sim not in ("all",) + runner.SIMULATORS:
        print(f"error: unknown simulator {args.sim!r}; use icarus, verilator or all", file=sys.stderr)
        return 2
    sims = runner.SIMULATORS if args.sim == "all" else (args.sim,)
    shapes = args.shape or list(SHAPES)
    rows = []
    top, filelist = TOPS[(args.driver, args.memory)]
    print(f"driver: {args.driver}, memory: {args.memory} (toplevel {top}), checker: "
          f"{os.environ.get('IOMMU_CHECKER', 'process')}")
    # sim time: share of a checked run's timed window spent in the simulator (the rest is Python)
    print(f"{'simulator':<10} {'traffic':<10} {'checked/s':>10} {'limit/s':>10} {'ratio':>9} "
          f"{'sim time':>9} {'sim cpu':>8} {'chk cpu':>8}")
    missed = []
    for sim in sims:
        try:
            bdir = runner.build(sim, top, filelist=filelist, timing=(args.driver == "batch"),
                                 waves=False, optimize=True)   # as fast as it compiles
        except (RuntimeError, ValueError) as e:
            print(f"error: {str(e).splitlines()[0]}", file=sys.stderr)
            return 2
        for shape in shapes:
            test = SHAPES[shape]
            try:
                details = [{} for _ in range(args.reps)]
                runs = [one_run(sim, bdir, top, test, True, r, args.memory, args.count, details[r])
                        for r in range(args.reps)]
                checked = statistics.median(x for x, _ in runs)
                shares = [sh for _, sh in runs if sh is not None]
                share = statistics.median(shares) if shares else None
                limit = statistics.median(one_run(sim, bdir, top, test, False, r, args.memory,
                                                  args.count)[0] for r in range(args.reps))
            except RuntimeError as e:
                print(f"error: {str(e).splitlines()[0]}", file=sys.stderr)
                return 1
            sim_cpu = _per_translation(details, "cpu_seconds")
            chk_cpu = _per_translation(details, "checker_cpu_seconds")
            ratio = checked / limit
            # (the rate goals are for the default set-up: batch driver, HDL memory)
            goal = GOALS.get(sim, {}).get(shape) if (args.driver, args.memory) == ("batch", "hdl") else None
            if goal is not None and checked < goal:
                missed.append(f"{sim} {shape} {checked:.0f}/s < {goal}/s")
            if ratio < RATIO_GOAL:
                missed.append(f"{sim} {shape} ratio {ratio:.2f} < {RATIO_GOAL}")
            rows.append({"sim": sim, "driver": args.driver, "memory": args.memory, "traffic": shape,
                         "checker": details[0].get("checker"),
                         "checked_per_s": round(checked), "goal_per_s": goal,
                         "limit_per_s": round(limit), "ratio": round(ratio, 3),
                         "ratio_ok": ratio >= RATIO_GOAL,
                         "sim_share": None if share is None else round(share, 3),
                         "sim_cpu_us": sim_cpu, "checker_cpu_us": chk_cpu})
            sh = "-" if share is None else f"{100 * share:.0f}%"
            flag = "" if ratio >= RATIO_GOAL else f"<{RATIO_GOAL}"
            low = "" if goal is None or checked >= goal else "!"
            print(f"{sim:<10} {shape:<10} {checked:>9.0f}{low or ' '} {limit:>10.0f} "
                  f"{ratio:>5.2f}{flag:>4} {sh:>9} {_us(sim_cpu):>8} {_us(chk_cpu):>8}", flush=True)
    print("goals: " + (f"{len(missed)} missed: " + "; ".join(missed) if missed else
                       f"all met (checked/limit >= {RATIO_GOAL} on every shape"
                       + "".join(f"; {s} hits >= {GOALS[s]['hits']}/s, Sv39 misses >= "
                                 f"{GOALS[s]['sv39_miss']}/s" for s in sims
                                 if s in GOALS and (args.driver, args.memory) == ("batch", "hdl"))
                       + ")"))
    out = runner.REPO_ROOT / "results"
    out.mkdir(exist_ok=True)
    (out / "bench.json").write_text(json.dumps(rows, indent=2) + "\n")
    print(f"saved {out / 'bench.json'}")
    return 0


def _per_translation(details: list, key: str):
    """Median CPU microseconds per translation of the checked runs (None if not measured)."""
    vals = [1e6 * d[key] / d["count"] for d in details if d.get(key) is not None and d.get("count")]
    return round(statistics.median(vals), 1) if vals else None


def _us(v) -> str:
    return "-" if v is None else f"{v:.1f}us"


if __name__ == "__main__":
    sys.exit(main())
