"""Replay a run's checking without the simulator: the events a checker process received
(recorded with IOMMU_CHECKER_TAPE=<file>, tb/env/checker.py) applied to a fresh scoreboard,
coverage component and oracle, in one process. Prints the time per event kind, the total
(wall clock and this process's CPU time) and the scoreboard's summary; --profile <file> writes
a cProfile of the replay.

    IOMMU_CHECKER_TAPE=/tmp/mix.tape python -c "from tb import runner, bench; ..."
    python tools/replay_checker.py /tmp/mix.tape [--profile /tmp/mix.prof]
"""
from __future__ import annotations

import argparse
import gc
import pickle
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def load(path: str):
    with open(path, "rb") as f:
        setup = pickle.load(f)
        batches = []
        while True:
            try:
                batches.append(pickle.load(f))
            except EOFError:
                return setup, batches


def checking(setup: dict):
    """A fresh scoreboard, coverage component and oracle wired as the checker process wires
    them for a tape's set-up: (sb, oracle, core)."""
    from scoreboards import CoherenceOracle
    from tb.env import checker
    from tb.env.iommu_cov import IommuCoverage
    from tb.env.iommu_scoreboard import IommuScoreboard

    cfg = SimpleNamespace(**setup)
    sb = IommuScoreboard("sb", None)
    sb.build_phase()
    cov = IommuCoverage("cov", None)
    cov.build_phase()
    oracle = CoherenceOracle(policy=cfg.policy, svnapot=cfg.svnapot, fills=cfg.fills)
    checker.wire(sb, cov, oracle, cfg)
    return sb, oracle, checker.CheckerCore(sb, cov, oracle)


def replay(setup: dict, batches: list, profile: str | None = None) -> dict:
    from tb.env import checker

    sb, oracle, core = checking(setup)
    sb.fail_sink = lambda msg: None
    sb.info_sink = lambda msg: None
    gc.collect()
    collect = checker.CheckerGc()         # as the checker process
    spent: dict = {}
    counts: dict = {}
    prof = None
    if profile:
        import cProfile
        prof = cProfile.Profile()
        prof.enable()
    t_all = time.perf_counter()
    cpu_all = time.process_time()
    for batch in batches:
        collect.maybe()
        for ev in batch:
            t0 = time.perf_counter()
            if ev[0] == checker.QUERY:
                core.query(ev[2], *ev[3])
            else:
                checker._apply(core, ev)
            name = checker.EVENT_NAMES[ev[0]]
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - t0
            counts[name] = counts.get(name, 0) + 1
    total = time.perf_counter() - t_all
    cpu = time.process_time() - cpu_all
    if prof is not None:
        prof.disable()
        prof.dump_stats(profile)
    return {"total": total, "cpu": cpu, "spent": spent, "counts": counts, "sb": sb,
            "oracle": oracle}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="replay_checker")
    ap.add_argument("tape")
    ap.add_argument("--profile")
    args = ap.parse_args(argv)
    setup, batches = load(args.tape)
    r = replay(setup, batches, args.profile)
    for name, secs in sorted(r["spent"].items(), key=lambda kv: -kv[1]):
        n = r["counts"][name]
        print(f"{name:16s} {n:8d} events {secs:8.3f} s {1e6 * secs / n:8.1f} us each")
    print(f"total {r['total']:.3f} s (CPU {r['cpu']:.3f} s); " + "; ".join(r["sb"].report_lines()))
    o = r["oracle"]
    print(f"oracle: {o.memo_hits} memo hits, {o.memo_revalidated} of them revalidated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
