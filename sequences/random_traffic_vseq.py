"""Constrained-random traffic: several devices (host Sv39 and Sv48, a shared table, processes
behind a PD17 directory, guests under Sv39x4 and Sv48x4 G-stages), random mappings, and two
concurrent coroutines:
- traffic: batches of random translations issued without waiting (many requests in flight;
  the device agent keeps up to max_outstanding of them on the port), with random gaps;
- updates: random driver and hypervisor changes (map, unmap, remap, permission changes,
  2 MiB split/merge, Svnapot 64 KiB pages, G-stage leaf changes, process-context and
  device-context changes), each followed by the persona's invalidations, and the fault
  queue drained now and then.
Every response is checked by the oracle whatever moment of its flight it used. All choices
come from self.rng (seeded by the test seed). Class attributes size a run. With a DUT that
reports Svrsw60t59b, every PTE the tables write carries random bits 60:59 (software's there).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Optional

import cocotb
from cocotb.triggers import Timer

from models import Reg, Request, TTYP
from sequences.dut_features import PID_BITS
from sequences.guest_update_vseq import GuestUpdateBase
from sequences.sw.device_directory import DeviceContextSpec
from sequences.sw.page_allocator import PageAllocator
from sequences.sw.page_table import SIZE_2M, SIZE_4K, SIZE_64K, PageTable

WINDOW = 0x4000_0000            # IOVA of each space's window: 64 4 KiB slots, then a 2 MiB slot
NAPOT_SLOT = WINDOW + 0x3_0000  # slots 48..63: a 64 KiB page
BIG_SLOT = WINDOW + SIZE_2M
G_TABLES, G_DATA, G_BIG = 0x8000_0000, 0x9000_0000, 0x9040_0000
PERMS = ["r", "rw", "rx", "rwx", "rw", "rw"]
TTYP_W = [TTYP.UNTRANSLATED_READ] * 6 + [TTYP.UNTRANSLATED_WRITE] * 4 + [TTYP.UNTRANSLATED_EXEC]


@dataclass
class Space:
    """One first-stage address space and who translates through it."""
    dids: list
    pt: PageTable
    pid: Optional[int] = None
    vm: Optional["Vm"] = None
    name: str = ""
    big_home: int = 0            # where the 2 MiB slot's page was mapped (to merge it back)

    def pa_pool(self, rng, size: int) -> int:
        if self.vm is None:
            return rng.randrange(0x8000_0000, 0x1_0000_0000, size)
        if size == SIZE_2M:
            return G_BIG
        base = G_DATA + rng.randrange(0, 32 * SIZE_4K, max(size, SIZE_4K))
        return base if rng.random() < 0.95 else 0xB000_0000    # now and then unmapped: 20/21/23


@dataclass
class Vm:
    g: PageTable
    gscid: int
    galloc: PageAllocator = None
    spa_data: int = 0
    devices: list = field(default_factory=list)


class RandomTrafficVseq(GuestUpdateBase):
    n_batches = 30
    batch = (8, 24)
    n_updates = 40                 # at most (the updates stop when the traffic does)
    gap_ns = (100, 1500)           # between batches
    update_gap_ns = (200, 3000)    # between updates
    fq_log2 = 10                   # 1024 fault records
    max_pending = 48               # requests queued in the agent before the traffic holds back
    wait_every = 3
    poll_ns = 500                  # cqh polling interval while commands are pending

    def rsw_kw(self) -> dict:
        """Svrsw60t59b: the keyword giving a page table random PTE bits 60:59 (none without
        it, and self.rng untouched then: runs on other DUTs draw as before)."""
        if self.dut.has("svrsw60t59b"):
            return {"rsw_rng": random.Random(self.rng.random())}
        return {}

    def page_table(self, mode: str, **kw) -> PageTable:
        return super().page_table(mode, **kw, **self.rsw_kw())

    async def body(self):
        # a fault queue large enough that it never overflows between drains
        await self.init_iommu("2lvl", fq_log2=self.fq_log2)
        rng = self.rng
        self.spaces: list[Space] = []
        self.vms: list[Vm] = []
        # host devices: Sv39, the DUT's widest (Sv57, Sv48 or below), and a second device
        # sharing the Sv39 table and PSCID
        dut = self.dut
        for dids, mode, pscid in (([0x11, 0x13], "sv39", 11), ([0x12], dut.fs_mode("sv57"), 12)):
            pt = self.page_table(mode, pscid=pscid)
            for did in dids:
                await self.after_update(self.ddt.set_dc(did, DeviceContextSpec(
                    fs_mode=mode, fs_root=pt.root, pscid=pscid)))
            self.spaces.append(Space(dids, pt, name=f"host-{mode}"))
        # processes behind a PD17 directory (device 0x14), one table each
        pd_mode = dut.pd_mode("pd17")
        pd = self.process_directory(pd_mode, did=0x14)
        for k, pid in enumerate(rng.sample(range(1, 1 << PID_BITS[pd_mode]), 3)):
            pt = self.page_table(dut.fs_mode(rng.choice(["sv39", "sv48"])), pscid=20 + k)
            pd.set_pc(pid, pscid=20 + k, fs_mode=pt.mode, fs_root=pt.root, ens=True,
                      sum_=rng.random() < 0.5)
            self.spaces.append(Space([0x14], pt, pid=pid, name=f"pid-{pid:#x}"))
        await self.after_update(self.ddt.set_dc(0x14, DeviceContextSpec(
            pdtv=True, pdt_mode=pd_mode, pdt_root=pd.root)))
        # guests: Sv39 under Sv39x4 (GSCID 5), the DUT's widest (Sv57 under Sv57x4, else Sv48
        # under Sv48x4, else below) (GSCID 6), same PSCID 7
        for n, (gmode, fmode, gscid, did) in enumerate((("sv39x4", "sv39", 5, 0x15),
                                                        (dut.g_mode("sv57x4"), dut.fs_mode("sv57"), 6, 0x16))):
            g = self.page_table(gmode, gscid=gscid)
            spa_tables, spa_data = 0x2000_0000 + n * 0x400_0000, 0x3000_0000 + n * 0x400_0000
            g.map(G_TABLES, spa_tables, SIZE_2M, "rw")
            for i in range(32):
                g.map(G_DATA + i * SIZE_4K, spa_data + i * SIZE_4K, SIZE_4K, "rwx")
            g.map(G_BIG, spa_data + SIZE_2M, SIZE_2M, "rwx")
            vm = Vm(g, gscid, spa_data=spa_data, devices=[did])
            vm.galloc = PageAllocator(G_TABLES, SIZE_2M, self.store64, addr_to_pa=g.translate,
                                      zero=False)
            pt = PageTable(fmode, vm.galloc, self.store64, addr_to_pa=g.translate, gscid=gscid,
                           pscid=7, **self.rsw_kw())
            await self.after_update(self.ddt.set_dc(did, DeviceContextSpec(
                fs_mode=fmode, fs_root=pt.root, pscid=7, g_mode=gmode, g_root=g.root,
                gscid=gscid)))
            self.vms.append(vm)
            self.spaces.append(Space([did], pt, vm=vm, name=f"guest-{gscid}"))
        self.holders = [self.ddt] + self.pdts
        # initial mappings (no invalidation needed: nothing was valid)
        for sp in self.spaces:
            for _ in range(24):
                va = WINDOW + rng.randrange(48) * SIZE_4K
                if sp.pt.lookup(va) is None:
                    sp.pt.map(va, sp.pa_pool(rng, SIZE_4K), perms=rng.choice(PERMS))
        self.log_counts = {}
        self.traffic_done = False
        updates = cocotb.start_soon(self.update_loop())
        await self.traffic_loop()
        self.traffic_done = True
        await updates
        self.env.logger.info("random traffic: updates " + ", ".join(f"{k} {v}" for k, v in
                                                         sorted(self.log_counts.items())))

    # -- traffic ----------------------------------------------------------------------------
    def random_request(self) -> Request:
        rng = self.rng
        if rng.random() < 0.03:                                  # a device without a context
            return Request(did=rng.choice([0x17, 0x2_0000]), iova=WINDOW, ttyp=TTYP.UNTRANSLATED_READ)
        sp = rng.choice(self.spaces)
        for _ in range(4):                     # mostly mapped pages, now and then a hole
            r = rng.random()
            if r < 0.7:
                va = WINDOW + rng.randrange(64) * SIZE_4K
            elif r < 0.97:
                va = BIG_SLOT + rng.randrange(512) * SIZE_4K
            else:
                va = WINDOW + 0x100_0000                         # never mapped
            if sp.pt.lookup(va) is not None:
                break
        va += rng.randrange(0, SIZE_4K, 8)
        priv = sp.pid is not None and rng.random() < 0.3
        return Request(did=rng.choice(sp.dids), iova=va, ttyp=rng.choice(TTYP_W), pid=sp.pid,
                       priv_s=priv)

    async def traffic_loop(self) -> None:
        """Batches issued without waiting, so up to max_outstanding requests are in flight and
        more queue behind them; every `wait_every` batches the traffic pauses until every
        response is back, which leaves the DUT idle for a moment."""
        rng, env = self.rng, self.env
        for n in range(self.n_batches):
            while env.device_queued > self.max_pending:
                await self.gap(self.gap_ns[1])
            reqs = [self.random_request() for _ in range(rng.randint(*self.batch))]
            await self.translate(reqs, wait=False)
            if n % self.wait_every == self.wait_every - 1:
                await self.quiesce()
            await self.gap(rng.randint(*self.gap_ns))

    async def gap(self, ns: int) -> None:
        """Wait about `ns`, ending on a falling clock edge: a batch handed to the device agent
        from a Timer that expires in the time step of a rising edge can lose its first
        request (the agent's BFM drives it in that time step and counts it as accepted,
        although the DUT sampled the old dev_req_valid; see the report)."""
        await Timer(ns, unit="ns")
        await self.env.clock_falling()

    async def quiesce(self, poll_ns: int = 200) -> None:
        """Wait until no device request is queued or in flight. (TranslationBatch(wait=True)
        after batches that did not wait can return early: DevDriver's per-batch counter is
        shared by the callbacks of earlier batches.)"""
        while self.env.device_busy:
            await Timer(poll_ns, unit="ns")

    # -- updates ----------------------------------------------------------------------------
    async def update_loop(self) -> None:
        rng = self.rng
        for n in range(self.n_updates):
            await Timer(rng.randint(*self.update_gap_ns), unit="ns")
            if self.traffic_done:
                break
            r = rng.random()
            if r < 0.70:
                sp = rng.choice(self.spaces)
                upd = self.first_stage_update(sp)
                holders = ()
            elif r < 0.85:
                vm = rng.choice(self.vms)
                upd = self.g_stage_update(vm)
                holders = self.holders
            else:
                await self.context_update()
                continue
            if upd is not None:
                self.log_counts[upd.kind] = self.log_counts.get(upd.kind, 0) + 1
                await self.after_update(upd, list(holders) or None)
            if n % 10 == 9:
                await self.drain_fault_queue()

    def first_stage_update(self, sp: Space):
        rng, pt = self.rng, sp.pt
        slot = rng.choice(["4k"] * 6 + ["napot", "2m", "2m"])
        if slot == "napot" and not self.dut.need("svnapot", "Svnapot 64 KiB pages in random updates"):
            slot = "4k"
        try:
            if slot == "4k":
                va = WINDOW + rng.randrange(48) * SIZE_4K
                if pt.lookup(va) is None:
                    return pt.map(va, sp.pa_pool(rng, SIZE_4K), perms=rng.choice(PERMS))
                return self._change(sp, va, SIZE_4K)
            if slot == "napot":
                m = pt.lookup(NAPOT_SLOT)
                if m is None and all(pt.lookup(NAPOT_SLOT + k * SIZE_4K) is None for k in range(16)):
                    return pt.map(NAPOT_SLOT, sp.pa_pool(rng, SIZE_64K), SIZE_64K, rng.choice(PERMS))
                if m is not None and m.size == SIZE_64K:
                    if rng.random() < 0.3:
                        return pt.split(NAPOT_SLOT)
                    return self._change(sp, NAPOT_SLOT, SIZE_64K)
                va = NAPOT_SLOT + rng.randrange(16) * SIZE_4K
                if rng.random() < 0.5:
                    try:
                        return pt.merge(NAPOT_SLOT, SIZE_64K)
                    except ValueError:
                        pass
                return pt.unmap(va) if pt.lookup(va) else pt.map(
                    va, sp.pa_pool(rng, SIZE_4K), perms="rw")
            # the 2 MiB slot
            m = pt.lookup(BIG_SLOT)
            if m is not None and m.size == SIZE_2M:
                if rng.random() < 0.4:
                    return pt.split(BIG_SLOT)
                return self._change(sp, BIG_SLOT, SIZE_2M)
            if m is not None:                                    # split into 4 KiB pages
                if rng.random() < 0.5:
                    try:
                        return pt.merge(BIG_SLOT, SIZE_2M)
                    except ValueError:
                        pass
                va = BIG_SLOT + rng.randrange(512) * SIZE_4K
                want = sp.big_home + (va - BIG_SLOT)
                cur = pt.lookup(va)
                if cur is None:
                    return pt.map(va, want, perms=m.perms)
                if cur.pa != want:
                    return pt.remap(va, want)                    # back home: mergeable again
                return self._change(sp, va, SIZE_4K)
            try:
                home = sp.pa_pool(rng, SIZE_2M)
                upd = pt.map(BIG_SLOT, home, SIZE_2M, rng.choice(PERMS))
                sp.big_home = home
                return upd
            except ValueError:                                   # a table is there: fill it
                va = BIG_SLOT + rng.randrange(512) * SIZE_4K
                return pt.map(va, sp.pa_pool(rng, SIZE_4K), perms="rw")
        except ValueError:
            return None

    def _change(self, sp: Space, va: int, size: int):
        rng, pt = self.rng, sp.pt
        op = rng.choice(["unmap", "remap", "remap", "protect"])
        if op == "unmap":
            return pt.unmap(va)
        if op == "remap":
            pa = sp.pa_pool(rng, size)
            if size == SIZE_2M:
                sp.big_home = pa
            return pt.remap(va, pa)
        return pt.protect(va, rng.choice(PERMS))

    def g_stage_update(self, vm: Vm):
        rng, g = self.rng, vm.g
        gpa = G_DATA + rng.randrange(32) * SIZE_4K
        m = g.lookup(gpa)
        try:
            if m is None:
                return g.map(gpa, vm.spa_data + rng.randrange(64) * SIZE_4K, SIZE_4K,
                             rng.choice(["rwx", "rw", "rx"]))
            op = rng.choice(["remap", "remap", "protect", "unmap"])
            if op == "remap":
                return g.remap(gpa, vm.spa_data + rng.randrange(64) * SIZE_4K)
            if op == "protect":
                return g.protect(gpa, rng.choice(["rwx", "rw", "rx", "r"]))
            return g.unmap(gpa)
        except ValueError:
            return None

    async def context_update(self) -> None:
        """A process moved to another space's table (V=0, invalidate, new PC) or a device
        context turned off and on again (V=0, invalidate, same context)."""
        rng = self.rng
        if rng.random() < 0.6:
            pd = self.pdts[0]
            procs = [sp for sp in self.spaces if sp.pid is not None]
            sp = rng.choice(procs)
            await self.after_update(pd.invalidate_pc(sp.pid))
            await Timer(rng.randint(*self.update_gap_ns), unit="ns")
            target = rng.choice(procs)
            await self.after_update(pd.set_pc(sp.pid, pscid=target.pt.pscid, fs_mode=target.pt.mode,
                                              fs_root=target.pt.root, ens=True))
            # the process now translates through target's table
            sp.pt = target.pt
            self.log_counts["pc"] = self.log_counts.get("pc", 0) + 1
        else:
            sp = rng.choice([s for s in self.spaces if s.pid is None])
            did = rng.choice(sp.dids)
            spec = self.ddt.get_dc(did)
            await self.after_update(self.ddt.invalidate_dc(did))
            await Timer(rng.randint(*self.update_gap_ns), unit="ns")
            await self.after_update(self.ddt.set_dc(did, spec))
            self.log_counts["dc"] = self.log_counts.get("dc", 0) + 1

    async def wait_cq_idle(self, cqt: int, max_polls: int = 10_000, poll_ns: int = 0) -> int:
        """As the base, polling every self.poll_ns: with traffic in flight the queue waits for
        walks, and back-to-back register reads only load the bus."""
        return await super().wait_cq_idle(cqt, max_polls, poll_ns or self.poll_ns)

    async def drain_fault_queue(self) -> None:
        fqt = await self.reg_read(Reg.FQT, 4)
        self.fq.consume(fqt)
        await self.reg_write(*self.fq.head_write())
        await self.reg_write(Reg.FQCSR, 0x301, 4)      # fqen stays 1; W1C fqmf, fqof


class RandomTrafficInvalidateEverythingVseq(RandomTrafficVseq):
    persona_name = "invalidate-everything"


class RandomTrafficNeverOnMapVseq(RandomTrafficVseq):
    persona_name = "never-invalidate-on-map"


class FencePrPwUnderTrafficVseq(RandomTrafficVseq):
    """Forward progress of IOFENCE.C with PR/PW under sustained device traffic. A host device translates continuously (batches
    keep the agent's queue non-empty, never a pause); after a warm-up, software queues
    IOFENCE.C PR=1 PW=1 and must see it complete within `limit_ns`, long before the traffic
    ends. The spec's PR/PW commits the requests the IOMMU has *already processed*; an RTL that
    waits for the translation path to be idle while still accepting new requests never
    completes the fence under traffic (this test found that; the RTL now holds dev_req_ready
    low while a PR/PW fence drains)."""
    limit_ns = 20_000
    traffic_ns = 120_000

    async def body(self):
        from cocotb.utils import get_sim_time
        await self.init_iommu("1lvl")
        pt = self.page_table("sv39", pscid=7)
        for i in range(64):                      # more pages than IOTLB entries: misses
            pt.map(WINDOW + i * SIZE_4K, 0x8000_0000 + i * SIZE_4K, perms="rw")
        await self.after_update(self.ddt.set_dc(5, DeviceContextSpec(
            fs_mode="sv39", fs_root=pt.root, pscid=7)))
        env = self.env
        end = get_sim_time("ns") + self.traffic_ns

        async def traffic():
            n = 0
            while get_sim_time("ns") < end:
                if env.device_queued < 16:
                    # misses too: the walker stays busy
                    reqs = [Request(did=5, iova=WINDOW + self.rng.randrange(64) * SIZE_4K
                                    + 8 * k, ttyp=TTYP.UNTRANSLATED_READ) for k in range(8)]
                    await self.translate(reqs, wait=False)
                    n += 1
                await self.gap(200)

        task = cocotb.start_soon(traffic())
        await self.gap(5_000)
        t0 = get_sim_time("ns")
        await self.iofence(av=True, pr=True, pw=True)
        took = get_sim_time("ns") - t0
        await task
        if took > self.limit_ns:
            raise AssertionError(
                f"IOFENCE.C PR=1 PW=1 took {took:.0f} ns under continuous device traffic "
                f"(limit {self.limit_ns} ns; the traffic ran {self.traffic_ns} ns): it completed "
                "only when the traffic stopped. PR/PW need only commit requests already "
                "processed when the fence executes, so the fence must not wait for an idle "
                "translation path that new requests keep busy")
