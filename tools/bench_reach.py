"""Cost of the oracle's reachable-set refresh (scoreboards/fills.py, _refresh_reach) under a
policy that caches V=0 entries (every slot of every table page is listed): one Sv39 device
whose L1 table links N leaf pages; each step unlinks one leaf page and links it again, and the
set is refreshed after each store. Prints the keys listed and the time per refresh.

    python tools/bench_reach.py [N]          # N leaf pages (default 200: ~104k keys)
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "unit"))

from oracle_tables import L1, LEAF, ROOT, V, Sw, pte, sv39_dc  # noqa: E402
from scoreboards import CoherenceOracle  # noqa: E402

L0_BASE = 0x20_0000
STEPS = 20


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    n = int(argv[0]) if argv else 200
    o = CoherenceOracle(policy="tlbi-on-map")
    sw = Sw(o)
    sv39_dc(o, sw)
    for i in range(n):
        sw.st(L0_BASE + i * 0x1000 + 8, pte(0x8000_0000 + i * 0x1000, LEAF))
        sw.st(L1 + i * 8, pte(L0_BASE + i * 0x1000, V))
    sw.st(ROOT + 8, pte(L1, V))
    o._reach_now()
    keys = sum(len(v) for v in o._reach.values())
    t0 = time.perf_counter()
    for k in range(STEPS):
        sw.st(L1 + (k % n) * 8, 0)
        o._reach_now()
        sw.st(L1 + (k % n) * 8, pte(L0_BASE + (k % n) * 0x1000, V))
        o._reach_now()
    per = (time.perf_counter() - t0) / (2 * STEPS)
    print(f"{n} leaf pages, {keys} keys: {per * 1e3:.1f} ms per refresh")
    return 0


if __name__ == "__main__":
    sys.exit(main())
