"""Throughput scenarios for `make bench`: one traffic shape each, timed by the test.

- hits:      one page per device, requests all hit the IOTLB after the first
- sv39_miss: every request a new page of an Sv39 table (IOTLB miss, DC cached)
- two_stage: every request a new page of a guest Sv39 table under Sv39x4
- mix:       random pages, with updates and invalidations in between
"""
from __future__ import annotations

import gc
import os
import time

from models import Request, TTYP
from sequences.iommu_sw_vseq import IommuSwVseq
from sequences.sw.device_directory import DeviceContextSpec
from sequences.sw.page_allocator import PageAllocator
from sequences.sw.page_table import SIZE_2M, PageTable

RD = TTYP.UNTRANSLATED_READ
IOVA = 0x4000_0000
PAGES = 4096                      # 16 MiB of 4 KiB pages
GUEST_RAM = 0x1000_0000           # GPA of guest memory; G-stage maps it at SPA 0x2000_0000


class BenchVseq(IommuSwVseq):
    shape = "hits"
    count = 20000
    batch = 256

    async def body(self):
        # IOMMU_BENCH_COUNT overrides the number of timed translations (quick profiling runs)
        self.count = int(os.environ.get("IOMMU_BENCH_COUNT", "0")) or self.count
        await self.init_iommu("1lvl")
        if self.shape == "two_stage":
            reqs_for = await self._two_stage()
        else:
            reqs_for = await self._host()
        # warm-up outside the timed window (builds, first walks)
        await self.translate(reqs_for(0, 64))
        if gc.isenabled() and os.environ.get("IOMMU_GC", "1") == "1":
            gc.collect()
            gc.freeze()              # the page tables built above stay: no need to rescan them
        chk0 = self.env.wait_checked()   # the warm-up judged; the checker's CPU time so far
        t0, cpu0, n = time.perf_counter(), time.process_time(), 0
        while n < self.count:
            k = min(self.batch, self.count - n)
            await self.translate(reqs_for(n, k))
            n += k
            if self.shape == "mix" and n % 2048 < self.batch:
                await self._random_update()
        chk1 = self.env.wait_checked()   # the window ends when every response has been judged
        self.elapsed = time.perf_counter() - t0
        # (count, wall seconds, this process's CPU seconds, the checker process's or None)
        self.env.bench_result = (self.count, self.elapsed, time.process_time() - cpu0,
                                 None if chk0 is None else chk1 - chk0)

    async def _host(self):
        pt = self.page_table("sv39", pscid=1)
        self.pt = pt
        pages = 1 if self.shape == "hits" else PAGES
        for i in range(pages):
            pt.map(IOVA + 0x1000 * i, 0x8000_0000 + 0x1000 * i, perms="rw")
        await self.after_update(self.ddt.set_dc(1, DeviceContextSpec(fs_mode="sv39", fs_root=pt.root, pscid=1)))

        def reqs(start, k):
            if self.shape == "hits":
                return [Request(did=1, iova=IOVA + 8 * ((start + i) % 512), ttyp=RD) for i in range(k)]
            if self.shape == "mix":
                return [Request(did=1, iova=IOVA + 0x1000 * self.rng.randrange(PAGES), ttyp=RD) for _ in range(k)]
            return [Request(did=1, iova=IOVA + 0x1000 * ((start + i) % PAGES), ttyp=RD) for i in range(k)]
        return reqs

    async def _two_stage(self):
        g = self.page_table("sv39x4", gscid=2)
        for i in range(16):                                 # 32 MiB of guest RAM in 2 MiB pages
            g.map(GUEST_RAM + SIZE_2M * i, 0x2000_0000 + SIZE_2M * i, size=SIZE_2M, perms="rw")
        galloc = PageAllocator(GUEST_RAM, 0x80_0000, self.store64, addr_to_pa=g.translate, zero=False)
        pt = PageTable("sv39", galloc, self.store64, addr_to_pa=g.translate, gscid=2, pscid=3)
        for i in range(PAGES):
            pt.map(IOVA + 0x1000 * i, GUEST_RAM + 0x80_0000 + 0x1000 * (i % 2048), perms="rw")
        await self.after_update(self.ddt.set_dc(1, DeviceContextSpec(
            fs_mode="sv39", fs_root=pt.root, pscid=3, g_mode="sv39x4", g_root=g.root, gscid=2)))

        def reqs(start, k):
            return [Request(did=1, iova=IOVA + 0x1000 * ((start + i) % PAGES), ttyp=RD) for i in range(k)]
        return reqs

    async def _random_update(self):
        va = IOVA + 0x1000 * self.rng.randrange(PAGES)
        await self.after_update(self.pt.remap(va, 0x9000_0000 + 0x1000 * self.rng.randrange(PAGES)))


class BenchHitsVseq(BenchVseq):
    shape = "hits"


class BenchSv39MissVseq(BenchVseq):
    shape = "sv39_miss"
    count = 10000


class BenchTwoStageVseq(BenchVseq):
    shape = "two_stage"
    count = 4000           # a two-stage miss walks ~7 entries: fewer, so a run stays short


class BenchMixVseq(BenchVseq):
    shape = "mix"
    count = 10000
