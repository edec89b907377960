"""Concurrency with invalidations: walks that straddle an invalidation and its IOFENCE.C, and
the seeded mix of every concurrency scenario (docs/concurrency-scenarios.md).

A *straddle* (ConcurrencyBase.straddle): the memory answers one implicit read of a request's
walk late (env.delay_reads: the read takes memory's value when it arrives, the answer comes
`straddle_ns` later), so the walk is held between two of its reads. While it is held, software
changes the entry the walk has just read, queues the covering invalidation and IOFENCE.C (the
persona's commands), and waits for the fence; the walk then finishes with what it read before
the change, and its response is judged with every outcome permitted during its flight. Then the
same request is sent again: only the new value is permitted. An IOMMU that fills a cache with
what such a walk read (rtl/iommu_walker.v drops the fills of a walk an invalidation overtook:
`no_fill`) answers the new request from the stale entry, and the oracle names it.

The read is chosen so that the walk has at least one more read to make after it, before its
cache fill: the command queue's fetch (one read engine, round-robin in our RTL) then goes
between the two, and the invalidation takes effect while the walk is still running.

Cases (one sequence each, `rounds` straddles, each on entries no cache holds yet):
- ddt:   the device context's first doubleword (V=0, or a misconfiguration) -> IODIR.INVAL_DDT;
- pdt:   the process context's first doubleword (V=0, or ENS=0 under a supervisor request)
         -> IODIR.INVAL_PDT;
- leaf:  a first-stage leaf PTE under a G-stage (unmap, remap, permission), held before the
         final G-stage walk -> IOTINVAL.VMA;
- gleaf: the G-stage leaf mapping a guest page-table page (unmap, or no read permission),
         held before the first-stage leaf read -> IOTINVAL.GVMA. (Moving the page to a copy
         with another leaf would also change a first-stage PTE as the guest sees it, which
         needs the guest's IOTINVAL.VMA too: the oracle rightly keeps the old leaf then.)
Every response is judged by the oracle; the sequence asserts only that each round really
straddled (the response came after the doorbell) and that the oracle settles afterwards.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable, Optional

import cocotb
from cocotb.triggers import First, Timer
from cocotb.utils import get_sim_time

from models import Reg, Request, TTYP
from sequences.guest_update_vseq import GuestUpdateBase
from sequences.sw.device_directory import DeviceContextSpec
from sequences.sw.page_allocator import PageAllocator
from sequences.sw.page_table import SIZE_2M, SIZE_4K, PageTable

RD, WR = TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_WRITE
WIN = 0x4000_0000                 # IOVA windows: one 2 MiB region per round where it matters
HOST_DATA = 0x8000_0000
G_TABLES, G_DATA = 0x1000_0000, 0x2000_0000     # guest-physical: page tables, data
SPA_TABLES, SPA_DATA = 0x0400_0000, 0x0500_0000
G_PAGES = 64                      # 4 KiB G-stage leaves per region (each table page its own)


class ConcurrencyBase(GuestUpdateBase):
    """Helpers of the concurrency scenarios: register checks against the golden model,
    background traffic, and the straddle."""

    poll_ns = 200                 # cqh polling interval
    settle_ns = 1000              # for the records of answered faults to be written
    straddle_ns = 3000            # how long the held read is answered late
    straddle_limit_ns = 50_000    # the walk must reach the held read within this

    def __init__(self, name: str = "vseq"):
        super().__init__(name)
        self.straddles = 0
        self.consumed = 0             # fault records software has consumed
        self.traffic_on = False
        self._traffic = None

    # -- register checks against the model ---------------------------------------------------
    async def expect_reg(self, offset: int, when: str, got: Optional[int] = None,
                         mask: int = 0xFFFF_FFFF) -> int:
        """The DUT's 32-bit register (read now unless `got`) must equal the model's."""
        if got is None:
            got = await self.reg_read(offset, 4)
        want = self.env.expected_reg(offset, 4)
        if (got ^ want) & mask:
            raise AssertionError(f"REGISTER {Reg(offset).name.lower()} expected {want & mask:#x} "
                                 f"got {got & mask:#x} {when}")
        return got

    async def wait_cq_idle(self, cqt: int, max_polls: int = 10_000, poll_ns: int = 0) -> int:
        """As the base (polling every poll_ns), then cqh must equal the model's."""
        cqh = await super().wait_cq_idle(cqt, max_polls, poll_ns or self.poll_ns)
        await self.expect_reg(Reg.CQH, f"once the commands up to cqt={cqt} were done", got=cqh)
        return cqh

    async def drain_faults(self, settle: bool) -> int:
        """Consume the fault records up to fqt and write fqh; with settle, first give the
        records of faults already answered settle_ns to be written. Returns how many."""
        if settle:
            await Timer(self.settle_ns, unit="ns")
        fqt = await self.reg_read(Reg.FQT, 4)
        records = self.fq.consume(fqt)
        await self.reg_write(*self.fq.head_write())
        self.consumed += len(records)
        return len(records)

    # -- device traffic ------------------------------------------------------------------------
    async def send(self, reqs: list, wait: bool = True):
        """translate() from a falling clock edge (a batch handed over in the time step of a
        rising edge can lose its first request: see RandomTrafficVseq.gap)."""
        await self.env.clock_falling()
        return await self.translate(reqs, wait)

    async def answered(self, results: list, n: int) -> None:
        """Wait until a batch sent without waiting (send(..., wait=False) returns its results
        list, filled as responses come back) has all `n` responses."""
        while len(results) < n:
            await Timer(self.poll_ns, unit="ns")

    async def quiesce(self, poll_ns: int = 200) -> None:
        while self.env.device_busy:
            await Timer(poll_ns, unit="ns")

    def start_traffic(self, make_req: Callable[[], Request], batch=(3, 8), gap_ns=(100, 1200),
                      max_queued: int = 16) -> None:
        """Background batches (not waited for) until stop_traffic()."""
        self.traffic_on = True

        async def run():
            rng = self.rng
            while self.traffic_on:
                if self.env.device_queued < max_queued:
                    await self.send([make_req() for _ in range(rng.randint(*batch))], wait=False)
                await Timer(rng.randint(*gap_ns), unit="ns")

        self._traffic = cocotb.start_soon(run())

    async def stop_traffic(self) -> None:
        self.traffic_on = False
        if self._traffic is not None:
            await self._traffic
            self._traffic = None
        await self.quiesce()

    # -- the straddle ----------------------------------------------------------------------------
    async def straddle(self, req: Request, hold_pa: int, change: Callable, holders=None,
                       label: str = "") -> None:
        """Send `req`; when its walk reads `hold_pa` (answered straddle_ns late), make
        `change()` (stores; returns the Update) and issue the persona's invalidations and
        IOFENCE.C; then the response (judged against every outcome of its flight), then the
        same request again (only the new value)."""
        held = self.env.delay_reads(hold_pa, hold_pa + 8, self.straddle_ns)
        task = cocotb.start_soon(self.send([req]))
        await First(held.wait(), Timer(self.straddle_limit_ns, unit="ns"))
        if not held.is_set():
            raise AssertionError(f"STRADDLE {label}: the walk of did={req.did:#x} "
                                 f"iova={req.iova:#x} never read {hold_pa:#x} within "
                                 f"{self.straddle_limit_ns} ns (answered from a cache?)")
        upd = change()
        t_ring = get_sim_time("ns")
        cmds = await self.after_update(upd, holders)
        if not cmds:
            raise AssertionError(f"STRADDLE {label}: the persona issued no invalidation for {upd}")
        (first,) = await task
        if first.done_ns <= t_ring:
            raise AssertionError(f"STRADDLE {label}: the response came at {first.done_ns:.0f} ns, "
                                 f"before the doorbell at {t_ring:.0f} ns: nothing straddled")
        await self.send([req])
        self.expect_settled([req], None, label)
        self.straddles += 1


class StraddleBase(ConcurrencyBase):
    """`rounds` straddles of one case: the mixin methods named by `case` (<setup>, <round>)."""
    rounds = 4
    ddt_mode = "2lvl"
    case = ("", "")

    async def body(self):
        setup, one_round = self.case
        await self.init_iommu(self.ddt_mode)
        await getattr(self, setup)()
        for _ in range(self.rounds):
            await getattr(self, one_round)()
        self.env.logger.info(f"{type(self).__name__}: {self.straddles} straddled walks")


# ------------------------------------------------------------------------ device context
class DdtStraddle:
    """A fresh host device per round (its DC cached nowhere); the walk is held on the DC's
    first doubleword, which software then changes (V=0, or PRPR without ATS: misconfigured)."""

    async def ddt_setup(self, base_did: int = 0x20, count: int = 0x20, pscid: int = 30) -> None:
        """Devices base_did.. base_did+count-1 take turns (a device used again is first made
        valid again, with its invalidations)."""
        self.ddt_pt = self.page_table("sv39", pscid=pscid)
        for i in range(8):
            self.ddt_pt.map(WIN + i * SIZE_4K, HOST_DATA + i * SIZE_4K, perms="rw")
        self.ddt_spec = DeviceContextSpec(fs_mode="sv39", fs_root=self.ddt_pt.root, pscid=pscid)
        self.ddt_dids = (base_did, count)
        self.ddt_n = 0

    async def ddt_round(self) -> None:
        base, count = self.ddt_dids
        did = base + self.ddt_n % count
        self.ddt_n += 1
        await self.after_update(self.ddt.set_dc(did, self.ddt_spec))     # V 0->1: nothing to do
        r = Request(did=did, iova=WIN + self.rng.randrange(8) * SIZE_4K + 0x80, ttyp=RD)
        kind = self.rng.choice(["v0", "misconfigured"])

        def change():
            if kind == "v0":
                return self.ddt.invalidate_dc(did)
            return self.ddt.set_dc(did, replace(self.ddt_spec, prpr=True))   # tc only

        await self.straddle(r, self.ddt.dc_addr(did), change, label=f"DC {did:#x} {kind}")


class StraddleDdtVseq(DdtStraddle, StraddleBase):
    case = ("ddt_setup", "ddt_round")


# ------------------------------------------------------------------------ process context
class PdtStraddle:
    """One device with a process directory; a fresh process per round; the walk is held on
    the PC's first doubleword, which software then changes (V=0, or ENS 1->0 under a
    supervisor request)."""

    async def pdt_setup(self, did: int = 0x40) -> None:
        self.pdt_did = did
        self.pdt_pd = self.process_directory(self.dut.pd_mode("pd8"), did=did)
        self.pdt_pt = self.page_table("sv39", pscid=40)
        for i in range(8):
            self.pdt_pt.map(WIN + i * SIZE_4K, HOST_DATA + 0x10_0000 + i * SIZE_4K, perms="rw")
        await self.after_update(self.ddt.set_dc(did, DeviceContextSpec(
            pdtv=True, pdt_mode=self.pdt_pd.mode, pdt_root=self.pdt_pd.root)))
        self.pdt_next = 1

    async def pdt_round(self) -> None:
        pid, self.pdt_next = self.pdt_next, self.pdt_next + 1
        pscid = 40 + pid
        pc = dict(pscid=pscid, fs_mode="sv39", fs_root=self.pdt_pt.root)
        await self.after_update(self.pdt_pd.set_pc(pid, ens=True, **pc))
        kind = self.rng.choice(["v0", "ens"])
        r = Request(did=self.pdt_did, iova=WIN + self.rng.randrange(8) * SIZE_4K + 0x40,
                    ttyp=RD, pid=pid, priv_s=kind == "ens")

        def change():
            if kind == "v0":
                return self.pdt_pd.invalidate_pc(pid)
            return self.pdt_pd.set_pc(pid, ens=False, **pc)             # ta only

        await self.straddle(r, self.pdt_pd.pc_addr(pid), change,
                            label=f"PC {self.pdt_did:#x}/{pid} {kind}")


class StraddlePdtVseq(PdtStraddle, StraddleBase):
    case = ("pdt_setup", "pdt_round")


# ------------------------------------------------------------------------ two-stage leaves
class GuestStraddle:
    """A guest device (Sv39 under Sv39x4): its page-table pages and data pages each have their
    own 4 KiB G-stage leaf. Each round maps a page in a fresh 2 MiB region (so a fresh leaf
    table page): nothing of it is cached.
    leaf:  held on the first-stage leaf PTE (the final G-stage walk still to come);
    gleaf: held on the G-stage leaf of the leaf table page (the first-stage leaf read to come)."""

    async def guest_setup(self, did: int = 0x50, gscid: int = 5, pscid: int = 50) -> None:
        self.g_did, self.g_gscid = did, gscid
        g = self.page_table("sv39x4", gscid=gscid)
        for i in range(G_PAGES):
            g.map(G_TABLES + i * SIZE_4K, SPA_TABLES + i * SIZE_4K, SIZE_4K, "rw")
            g.map(G_DATA + i * SIZE_4K, SPA_DATA + i * SIZE_4K, SIZE_4K, "rwx")
        galloc = PageAllocator(G_TABLES, G_PAGES * SIZE_4K, self.store64,
                               addr_to_pa=g.translate, zero=False)
        self.g_pt = PageTable("sv39", galloc, self.store64, addr_to_pa=g.translate,
                              gscid=gscid, pscid=pscid)
        self.g_g = g
        await self.after_update(self.ddt.set_dc(did, DeviceContextSpec(
            fs_mode="sv39", fs_root=self.g_pt.root, pscid=pscid, g_mode="sv39x4",
            g_root=g.root, gscid=gscid)))
        self.g_region = 0

    def guest_map(self) -> int:
        va = WIN + self.g_region * SIZE_2M + self.rng.randrange(512) * SIZE_4K
        self.g_region += 1
        self.g_pt.map(va, G_DATA + self.rng.randrange(G_PAGES) * SIZE_4K, perms="rw")
        return va

    def other_data(self, va: int) -> int:
        cur = self.g_pt.lookup(va).pa
        return G_DATA + (((cur - G_DATA) // SIZE_4K + 1 + self.rng.randrange(G_PAGES - 1))
                         % G_PAGES) * SIZE_4K

    async def leaf_round(self) -> None:
        va = self.guest_map()
        r = Request(did=self.g_did, iova=va + 0x100, ttyp=RD)
        kind = self.rng.choice(["unmap", "remap", "protect"])
        pt = self.g_pt

        def change():
            if kind == "unmap":
                return pt.unmap(va)
            if kind == "remap":
                return pt.remap(va, self.other_data(va))
            return pt.protect(va, "x")                                   # no read permission

        await self.straddle(r, self.g_g.translate(pt.pte_addr(va)), change,
                            label=f"first-stage leaf va={va:#x} {kind}")

    async def gleaf_round(self) -> None:
        va = self.guest_map()
        r = Request(did=self.g_did, iova=va + 0x200, ttyp=RD)
        table = self.g_pt.pte_addr(va) & ~0xFFF                        # GPA of the leaf table
        kind = self.rng.choice(["unmap", "protect"])
        g, holders = self.g_g, [self.ddt] + self.pdts

        def change():
            if kind == "unmap":
                return g.unmap(table)
            return g.protect(table, "x")                                 # implicit reads fault

        await self.straddle(r, g.pte_addr(table), change, holders=holders,
                            label=f"G-stage leaf of table gpa={table:#x} {kind}")


class StraddleLeafVseq(GuestStraddle, StraddleBase):
    case = ("guest_setup", "leaf_round")


class StraddleGLeafVseq(GuestStraddle, StraddleBase):
    case = ("guest_setup", "gleaf_round")
