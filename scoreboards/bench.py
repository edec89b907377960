"""Cost of CoherenceOracle.outcomes() per request: `python -m scoreboards.bench`.

Three cases on a 1LVL DDT + Sv39 walk (DC, three PTEs): the fast path (no item read has a
history), one stale item (a leaf PTE changed, no invalidation: two paths), and the model's
own walk for reference."""
from __future__ import annotations

import time

from models import Reg, Request, TTYP

from .oracle import CoherenceOracle


def _setup(o: CoherenceOracle) -> Request:
    o.write_reg(Reg.DDTP, (0x10 << 10) | 2)
    for i, w in enumerate((1, 0, 7 << 12, (8 << 60) | 0x20)):
        o.store64(0x100a0 + 8 * i, w)
    o.store64(0x20008, (0x21 << 10) | 1)
    o.store64(0x21000, (0x22 << 10) | 1)
    o.store64(0x22008, (0x87654 << 10) | 0xD7)
    return Request(did=5, iova=0x4000_1000, ttyp=TTYP.UNTRANSLATED_READ)


def _time(fn, n: int, repeat: int = 7) -> float:
    """Best of `repeat` runs of n calls, in microseconds per call (robust to a busy host)."""
    fn()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t0) / n)
    return best * 1e6


def main(n: int = 3000) -> dict:
    o = CoherenceOracle()
    r = _setup(o)
    walk = _time(lambda: o.model.walk(r), n)
    fast = _time(lambda: o.outcomes(r), n)
    o.store64(0x22008, (0x99999 << 10) | 0xD7)          # one stale leaf, no invalidation
    assert len(o.outcomes(r)) == 2
    stale = _time(lambda: o.outcomes(r), n)
    out = {"model walk us": walk, "outcomes fast path us": fast,
           "outcomes one stale item us": stale}
    for k, v in out.items():
        print(f"{k:28s} {v:8.1f}")
    return out


if __name__ == "__main__":
    main()
