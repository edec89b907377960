"""Cost of the coverage hooks, without a simulator: `python tools/bench_cov.py`.

IommuCoverage.translation(res) runs once per device response (tens of thousands per run), so
its cost per call matters. Cases, on a 1LVL DDT + Sv39 walk (scoreboards/bench.py's set-up)
with 64 pages mapped:
- repeat: results on pages already seen with memory unchanged (the common case in a run);
- fresh: every call after a store that changes the oracle's epoch (the per-page walk memo is
  defeated, so the model walks again);
- fault: a faulting result (cause 13) on an unmapped page, repeated;
and the end-of-run cost: building the per-run file (`end of run ms`) after 50,000 results.
Best of 7 runs, microseconds per call."""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models import Request, TTYP  # noqa: E402
from scoreboards import CoherenceOracle  # noqa: E402
from scoreboards.bench import _setup, _time  # noqa: E402
from sequences.items import TranslationResult  # noqa: E402
from tb.env.iommu_cov import IommuCoverage  # noqa: E402


def new_cov(oracle, cls=IommuCoverage):
    cov = cls.__new__(cls)                           # no pyuvm hierarchy needed for the hooks
    cov.build_phase()
    cov.oracle = oracle
    return cov


def main(n: int = 20000, cls=IommuCoverage) -> dict:
    o = CoherenceOracle()
    _setup(o)
    for i in range(64):                              # 64 pages in the leaf table at 0x22000
        o.store64(0x22000 + 8 * i, ((0x87000 + i) << 10) | 0xD7)
    reqs = [Request(did=5, iova=0x4000_0000 + (i << 12), ttyp=TTYP.UNTRANSLATED_READ)
            for i in range(64)]
    oks = [TranslationResult(r, i, False, None, 0x87000000 + (i << 12)) for i, r in enumerate(reqs)]
    bad = TranslationResult(Request(did=5, iova=0x4010_0000, ttyp=TTYP.UNTRANSLATED_READ),
                            0, True, 13, 0)
    cov = new_cov(o, cls)
    it = iter(range(1 << 62))
    repeat = _time(lambda: cov.translation(oks[next(it) & 63]), n)
    fault = _time(lambda: cov.translation(bad), n)
    tick = iter(range(1, 1 << 62))

    def store():
        o.store64(0x9000, next(tick))

    def fresh():
        store()
        cov.translation(oks[next(it) & 63])

    fresh_us = _time(fresh, n // 10) - _time(store, n // 10)
    cov = new_cov(o, cls)
    for i in range(50000):
        cov.translation(oks[i & 63] if i % 7 else bad)
    t0 = time.perf_counter()
    if hasattr(cov, "write"):                        # covergroups fed, per-run file written
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            cov.write(Path(d) / "coverage.yml")
    else:                                            # the counters of before: name: count lines
        "".join(f"{k}: {v}\n" for k, v in sorted(cov.bins.items()))
    end_ms = (time.perf_counter() - t0) * 1e3
    out = {"translation repeat us": repeat, "translation fault us": fault,
           "translation fresh (walk) us": fresh_us, "end of run ms": end_ms}
    for k, v in out.items():
        print(f"{k:<30} {v:8.2f}")
    return out


if __name__ == "__main__":
    main()
