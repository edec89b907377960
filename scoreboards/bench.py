"""Cost of CoherenceOracle.outcomes() per request: `python -m scoreboards.bench`.

Cases on a 1LVL DDT + Sv39 walk (DC, three PTEs): the fast path (no item read has a history)
and one stale item (a leaf PTE changed, no invalidation: two paths), each evaluated afresh
(the memo defeated by a store that changes an unrelated word before every call) and as a
repeat of the same request with nothing changed in between (answered from the memo); and the
model's own walk for reference."""
from __future__ import annotations

import time

from models import Reg, Request, TTYP

from .oracle import CoherenceOracle


def _setup(o: CoherenceOracle) -> Request:
    # In the guidelines' order (tables leaf first, the DC's V last), so set-up leaves nothing
    # a cache may hold but the current values.
    o.write_reg(Reg.DDTP, (0x10 << 10) | 2)
    o.store64(0x22008, (0x87654 << 10) | 0xD7)
    o.store64(0x21000, (0x22 << 10) | 1)
    o.store64(0x20008, (0x21 << 10) | 1)
    for i, w in reversed(list(enumerate((1, 0, 7 << 12, (8 << 60) | 0x20)))):
        o.store64(0x100a0 + 8 * i, w)
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
    tick = iter(range(1, 1 << 62))

    def fresh():
        o.store64(0x9000, next(tick))      # changes the epoch: no memo
        return o.outcomes(r)

    store = _time(lambda: o.store64(0x9000, next(tick)), n)
    fast = _time(fresh, n) - store
    fast_memo = _time(lambda: o.outcomes(r), n)
    o.store64(0x22008, (0x99999 << 10) | 0xD7)          # one stale leaf, no invalidation
    assert len(o.outcomes(r)) == 2
    stale = _time(fresh, n) - store
    stale_memo = _time(lambda: o.outcomes(r), n)
    out = {"model walk us": walk, "outcomes fast path us": fast,
           "outcomes fast path, repeat (memo) us": fast_memo,
           "outcomes one stale item us": stale,
           "outcomes one stale item, repeat (memo) us": stale_memo}
    for k, v in out.items():
        print(f"{k:42s} {v:8.1f}")
    return out


if __name__ == "__main__":
    main()
