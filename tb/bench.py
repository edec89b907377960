"""`make bench`: checked translations per second through the full pyuvm environment with the
oracle, per simulator and traffic shape, next to the same traffic with the scoreboard
disconnected (the limit of this environment, measured in the same run). Medians of REPS runs;
a table on stdout and results/bench.json.

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
import statistics
import sys
from pathlib import Path

from tb import runner

SHAPES = {"hits": "BenchHitsTest", "sv39_miss": "BenchSv39MissTest",
          "two_stage": "BenchTwoStageTest", "mix": "BenchMixTest"}
MODULE = "tb.tests.bench_tests"
# memory -> (toplevel, file list)
# (driver, memory) -> (toplevel, file list)
TOPS = {("batch", "hdl"): ("iommu_bench_top", "tb/hdl/bench_top.f"),
        ("bfm", "hdl"): ("iommu_fast_top", "tb/hdl/fast_top.f"),
        ("bfm", "axiram"): ("riscv_iommu", "rtl/riscv_iommu.f")}


def one_run(sim: str, bdir: Path, top: str, test: str, check: bool, rep: int,
            memory: str = "hdl", count: int = 0) -> tuple:
    d = bdir / "bench" / test / f"{'check' if check else 'limit'}{rep}"
    env = {"IOMMU_BENCH_CHECK": "1" if check else "0", "IOMMU_MEMORY": memory,
           "IOMMU_PORT": "dev-batch" if top == "iommu_bench_top" else "dev",
           "PYTHONWARNINGS": "ignore::DeprecationWarning"}
    if count:
        env["IOMMU_BENCH_COUNT"] = str(count)
    n_pass, n_fail, _ = runner.run(sim, bdir, top, MODULE, testcase=test, seed=rep + 1,
                                   test_dir=d, extra_env=env)
    if n_fail or not n_pass:
        raise RuntimeError(f"{sim} {test} ({'checked' if check else 'limit'}) failed; log {d / 'sim.log'}")
    r = json.loads((d / "bench.json").read_text())
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
    print(f"driver: {args.driver}, memory: {args.memory} (toplevel {top})")
    # sim time: share of a checked run's timed window spent in the simulator (the rest is Python)
    print(f"{'simulator':<10} {'traffic':<10} {'checked/s':>10} {'limit/s':>10} {'ratio':>6} "
          f"{'sim time':>9}")
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
                runs = [one_run(sim, bdir, top, test, True, r, args.memory, args.count)
                        for r in range(args.reps)]
                checked = statistics.median(x for x, _ in runs)
                shares = [sh for _, sh in runs if sh is not None]
                share = statistics.median(shares) if shares else None
                limit = statistics.median(one_run(sim, bdir, top, test, False, r, args.memory,
                                                  args.count)[0] for r in range(args.reps))
            except RuntimeError as e:
                print(f"error: {str(e).splitlines()[0]}", file=sys.stderr)
                return 1
            rows.append({"sim": sim, "driver": args.driver, "memory": args.memory, "traffic": shape,
                         "checked_per_s": round(checked),
                         "limit_per_s": round(limit), "ratio": round(checked / limit, 3),
                         "sim_share": None if share is None else round(share, 3)})
            sh = "-" if share is None else f"{100 * share:.0f}%"
            print(f"{sim:<10} {shape:<10} {checked:>10.0f} {limit:>10.0f} {checked / limit:>6.2f}"
                  f" {sh:>9}", flush=True)
    out = runner.REPO_ROOT / "results"
    out.mkdir(exist_ok=True)
    (out / "bench.json").write_text(json.dumps(rows, indent=2) + "\n")
    print(f"saved {out / 'bench.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
