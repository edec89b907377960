"""`make bench`: checked translations per second through the full pyuvm environment with the
oracle, per simulator and traffic shape, next to the same traffic with the scoreboard
disconnected (the limit of this Python-driven environment, measured in the same run). Medians
of REPS runs; a table on stdout and results/bench.json.

The IOMMU's memory is the HDL one (tb/hdl/axi_mem_model.v inside iommu_fast_top, page tables
written through a backdoor, no Python on m_axi); `--memory axiram` measures the AxiRam path of
the regression (riscv_iommu with cocotbext-axi on m_axi) instead.

    python -m tb.bench [--sim icarus|verilator|all] [--shape hits|sv39_miss|two_stage|mix] [--reps 3]
                       [--memory hdl|axiram]
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
TOPS = {"batch": ("iommu_bench_top", "tb/hdl/bench_top.f"),
        "hdl": ("iommu_fast_top", "tb/hdl/fast_top.f"), "axiram": ("riscv_iommu", "rtl/riscv_iommu.f")}


def one_run(sim: str, bdir: Path, test: str, check: bool, rep: int, memory: str = "hdl") -> float:
    d = bdir / "bench" / test / f"{'check' if check else 'limit'}{rep}"
    n_pass, n_fail, _ = runner.run(sim, bdir, TOPS[memory][0], MODULE, testcase=test, seed=rep + 1,
                                   test_dir=d,
                                   extra_env={"IOMMU_BENCH_CHECK": "1" if check else "0",
                                              "IOMMU_MEMORY": "axiram" if memory == "axiram" else "hdl",
                                              "PYTHONWARNINGS": "ignore::DeprecationWarning"})
    if n_fail or not n_pass:
        raise RuntimeError(f"{sim} {test} ({'checked' if check else 'limit'}) failed; log {d / 'sim.log'}")
    r = json.loads((d / "bench.json").read_text())
    return r["count"] / r["seconds"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="make bench")
    ap.add_argument("--sim", default="all")
    ap.add_argument("--shape", choices=sorted(SHAPES), action="append")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--memory", choices=sorted(TOPS), default="hdl",
                    help="the IOMMU's memory: hdl (fast top, default) or axiram (the regression's)")
    args = ap.parse_args(argv)
    sims = runner.SIMULATORS if args.sim == "all" else (args.sim,)
    shapes = args.shape or list(SHAPES)
    rows = []
    top, filelist = TOPS[args.memory]
    print(f"memory: {args.memory} (toplevel {top})")
    print(f"{'simulator':<10} {'traffic':<10} {'checked/s':>10} {'limit/s':>10} {'ratio':>6}")
    for sim in sims:
        try:
            bdir = runner.build(sim, top, filelist=filelist, timing=(args.memory == "batch"))
        except (RuntimeError, ValueError) as e:
            print(f"error: {str(e).splitlines()[0]}", file=sys.stderr)
            return 2
        for shape in shapes:
            test = SHAPES[shape]
            checked = statistics.median(one_run(sim, bdir, test, True, r, args.memory)
                                        for r in range(args.reps))
            limit = statistics.median(one_run(sim, bdir, test, False, r, args.memory)
                                      for r in range(args.reps))
            rows.append({"sim": sim, "memory": args.memory, "traffic": shape,
                         "checked_per_s": round(checked),
                         "limit_per_s": round(limit), "ratio": round(checked / limit, 3)})
            print(f"{sim:<10} {shape:<10} {checked:>10.0f} {limit:>10.0f} {checked / limit:>6.2f}",
                  flush=True)
    out = runner.REPO_ROOT / "results"
    out.mkdir(exist_ok=True)
    (out / "bench.json").write_text(json.dumps(rows, indent=2) + "\n")
    print(f"saved {out / 'bench.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
