"""Golden-model speed: microseconds per translate() for an Sv39 walk and a two-stage
(Sv39 over Sv39x4) walk, 3-level DDT. Median of 5 runs; prints a table and writes
results/bench_model.json."""
from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from models import IommuModel, Memory, Reg, Request, TTYP  # noqa: E402

LEAF = 0xD7          # V R W U A D  (+X off)
PTR = 0x1


def setup(two_stage: bool) -> IommuModel:
    mem = Memory()
    iommu = IommuModel(mem)
    iommu.write_reg(Reg.DDTP, (0x100 << 10) | 4)                  # 3LVL, root at 0x100000
    mem.write64(0x100000, (0x101 << 10) | 1)                      # DDI[2]=0
    mem.write64(0x101000, (0x102 << 10) | 1)                      # DDI[1]=0
    dc = 0x102000 + 5 * 32
    mem.write64(dc, 1)
    # first stage Sv39 root at (G)PA 0x200000; IOVA 0x40001000 -> 0x80000000 + page
    mem.write64(dc + 16, 7 << 12)
    mem.write64(dc + 24, 8 << 60 | 0x200)
    if two_stage:
        # G-stage Sv39x4 root at 0x400000 (16 KiB): identity for GPA < 1 GiB, +0x1_0000_0000 above
        mem.write64(dc + 8, 8 << 60 | 3 << 44 | 0x400)
        mem.write64(0x400000 + 0 * 8, (0x404 << 10) | PTR)        # GPA[40:30]=0 -> level-1 table
        mem.write64(0x400000 + 2 * 8, ((0x1_8000_0000 >> 12) << 10) | LEAF)  # 1 GiB page at GPA 2 GiB
        for i in range(512):
            mem.write64(0x404000 + i * 8, ((i << 9) << 10) | LEAF)  # 2 MiB identity pages
    mem.write64(0x200000 + 1 * 8, (0x201 << 10) | PTR)
    mem.write64(0x201000 + 0 * 8, (0x202 << 10) | PTR)
    for i in range(512):
        mem.write64(0x202000 + i * 8, ((0x80000 + i) << 10) | LEAF)
    return iommu


def per_translation_us(two_stage: bool, n: int = 20000) -> float:
    iommu = setup(two_stage)
    reqs = [Request(did=5, iova=0x4000_0000 + (i % 512) * 0x1000, ttyp=TTYP.UNTRANSLATED_READ)
            for i in range(n)]
    expect = 0x1_8000_0000 if two_stage else 0x8000_0000
    assert iommu.translate(reqs[3]).pa == expect + 3 * 0x1000, "benchmark set-up is wrong"
    t0 = time.perf_counter()
    for r in reqs:
        iommu.translate(r)
    return (time.perf_counter() - t0) / n * 1e6


def main() -> None:
    rows = {}
    for name, two in (("sv39", False), ("sv39_over_sv39x4", True)):
        rows[name] = statistics.median(per_translation_us(two) for _ in range(5))
    print("golden model, one translate() (3LVL DDT, no caches), median of 5:")
    for name, us in rows.items():
        print(f"  {name:<20} {us:7.1f} us   ({1e6 / us:8.0f} /s)")
    out = Path(__file__).resolve().parents[1] / "results"
    out.mkdir(exist_ok=True)
    (out / "bench_model.json").write_text(json.dumps({"us_per_translation": rows}, indent=2))


if __name__ == "__main__":
    main()
