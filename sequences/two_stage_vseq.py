"""Two-stage scenarios: guests whose first-stage tables and process directories live at GPAs
under a G-stage (iohgatp Sv39x4 and Sv48x4), and the hypervisor's G-stage updates under them,
each in a guest-update cycle (warm, update, translate before invalidating, persona's
invalidations, translate after):
- guest first-stage leaf updates (IOTINVAL.VMA GV=1);
- G-stage leaf remap, protect (write: 23) and unmap (read 21, exec 20) of a guest data page
  (IOTINVAL.GVMA GV=1 AV=1);
- G-stage superpage split and merge (a non-leaf G-stage PTE changed: GVMA GV=1 AV=0) and a
  G-stage table pruned away (non-leaf 1->0);
- the G-stage page holding the guest's tables and PDT moved by the hypervisor (copy, remap):
  the device contexts hold GPAs translated through it, so IODIR.INVAL_DDT for each holder
  (O7), then the old copy is scrubbed;
- a PDT under the G-stage with process-context changes (GV=1 scopes);
- guest-page faults on implicit accesses (first-stage root and PDT at unmapped GPAs:
  20/21/23 by the original access type).
"""
from __future__ import annotations

from sequences.guest_update_vseq import GuestUpdateBase, req, rwx
from sequences.sw.device_directory import DeviceContextSpec
from sequences.sw.page_allocator import PageAllocator
from sequences.sw.page_table import SIZE_2M, SIZE_4K, PageTable

G_TABLES = 0x8000_0000          # GPA of the guest's table region (one 2 MiB G-stage page)
G_DATA = 0x9000_0000            # GPA of guest data pages (4 KiB G-stage pages)
G_BIG = 0x9040_0000             # GPA of a 2 MiB G-stage page (split / merge)
G_PRUNE = 0xA000_0000           # GPA of a G-stage page whose tables are pruned away
G_HOLE = 0xB000_0000            # never mapped in the G-stage
IOVA = 0x4000_0000


class Guest:
    """One VM: a G-stage table (SPA), an allocator at GPAs, guest tables."""

    def __init__(self, seq: "TwoStageVseq", gmode: str, gscid: int, spa_tables: int,
                 spa_data: int) -> None:
        self.seq, self.gscid = seq, gscid
        self.g = seq.page_table(gmode, gscid=gscid)
        self.g.map(G_TABLES, spa_tables, SIZE_2M, "rw")
        for i in range(8):
            self.g.map(G_DATA + i * SIZE_4K, spa_data + i * SIZE_4K, SIZE_4K, "rwx")
        self.g.map(G_BIG, spa_data + SIZE_2M, SIZE_2M, "rwx")
        self.g.map(G_PRUNE, spa_data + 2 * SIZE_2M + 0x1000, SIZE_4K, "rw")
        self.spa_tables = spa_tables
        self.galloc = PageAllocator(G_TABLES, SIZE_2M, seq.store64, addr_to_pa=self.gpa_to_spa,
                                    zero=False)

    def gpa_to_spa(self, gpa: int) -> int:
        return self.g.translate(gpa)

    def table(self, mode: str, pscid: int) -> PageTable:
        """A guest first-stage table at GPAs (tagged GSCID, PSCID)."""
        return PageTable(mode, self.galloc, self.seq.store64, addr_to_pa=self.gpa_to_spa,
                         gscid=self.gscid, pscid=pscid)


class TwoStageVseq(GuestUpdateBase):
    async def body(self):
        await self.init_iommu("2lvl")
        # VM2 and its guest use the DUT's widest modes (Sv57x4 and Sv57 when it has them, else
        # Sv48x4 and Sv48, else the widest below)
        self.g_wide, fs_wide = self.dut.g_mode("sv57x4"), self.dut.fs_mode("sv57")
        vm1 = Guest(self, "sv39x4", 3, 0x2000_0000, 0x3000_0000)
        vm2 = Guest(self, self.g_wide, 4, 0x2200_0000, 0x3200_0000)
        holders = [self.ddt]
        # guest devices: 0x107 (VM1, Sv39 guest), 0x108 (VM2, Sv48 guest), 0x109 (VM1, G-stage only)
        g1 = vm1.table("sv39", 7)
        g2 = vm2.table(fs_wide, 7)                    # same PSCID, another GSCID
        for t in (g1, g2):
            for i in range(4):
                t.map(IOVA + i * SIZE_4K, G_DATA + i * SIZE_4K, perms="rwx")
            t.map(IOVA + SIZE_2M, G_BIG, SIZE_2M, "rw")
            t.map(IOVA + 0x10_0000, G_PRUNE, perms="rw")
        for did, vm, t in ((0x107, vm1, g1), (0x108, vm2, g2)):
            await self.after_update(self.ddt.set_dc(did, DeviceContextSpec(
                fs_mode=t.mode, fs_root=t.root, pscid=7, g_mode=vm.g.mode, g_root=vm.g.root,
                gscid=vm.gscid)))
        await self.after_update(self.ddt.set_dc(0x109, DeviceContextSpec(
            g_mode="sv39x4", g_root=vm1.g.root, gscid=3)))
        devs = ((0x107, vm1, g1), (0x108, vm2, g2))
        for did, vm, t in devs:
            rq = rwx(did, IOVA) + rwx(did, IOVA + 0x1000) + rwx(did, IOVA + SIZE_2M + 0x5000, kinds="rw")
            await self.settle(rq, "ok", "two-stage set up")
            # guest first stage (VMA GV=1)
            await self.cycle(rq, lambda: t.remap(IOVA, G_DATA + 4 * SIZE_4K))
            await self.cycle(rq, lambda: t.protect(IOVA + 0x1000, "r"),
                             expect=lambda r: "ok" if r.ttyp == 2 or r.iova & 0x1000 == 0 else None)
            # G-stage leaf (GVMA GV=1 AV=1): remap, protect (23), unmap (20/21/23), map back
            ga = G_DATA + 4 * SIZE_4K
            gq = rwx(did, IOVA)
            await self.cycle(gq, lambda: vm.g.remap(ga, 0x3400_0000), holders=holders, expect="ok")
            await self.cycle(gq, lambda: vm.g.protect(ga, "rx"), holders=holders,
                             expect=lambda r: 23 if r.ttyp == 3 else "ok")
            await self.cycle(gq, lambda: vm.g.unmap(ga), holders=holders,
                             expect=lambda r: {1: 20, 2: 21, 3: 23}[int(r.ttyp)])
            await self.cycle(gq, lambda: vm.g.map(ga, 0x3400_1000, SIZE_4K, "rwx"), holders=holders,
                             expect="ok")
            # G-stage superpage split (leaf -> table) and merge (non-leaf -> leaf)
            bq = [req(did, IOVA + SIZE_2M + off, t_) for off in (0, 0x5000, 0x1F_F000) for t_ in "rw"]
            await self.cycle(bq, lambda: vm.g.split(G_BIG), holders=holders, expect="ok")
            await self.cycle(bq, lambda: vm.g.remap(G_BIG + 0x5000, 0x3500_0000), holders=holders)
            spa_big = vm.g.lookup(G_BIG).pa
            await self.cycle(bq, lambda: vm.g.remap(G_BIG + 0x5000, spa_big + 0x5000), holders=holders)
            await self.cycle(bq, lambda: vm.g.merge(G_BIG, SIZE_2M), holders=holders, expect="ok")
        # G-stage tables pruned away (non-leaf 1->0) and rebuilt, under both guests' G_PRUNE
        for did, vm, t in devs:
            pq = rwx(did, IOVA + 0x10_0000, kinds="rw")
            await self.cycle(pq, lambda: vm.g.unmap(G_PRUNE, prune=True), holders=holders, 
                             expect=lambda r: 21 if r.ttyp == 2 else 23)
            await self.cycle(pq, lambda: vm.g.map(G_PRUNE, 0x3600_0000, SIZE_4K, "rw"),
                             holders=holders, expect="ok")
        # the G-stage-only device: IOVA = GPA
        oq = [req(0x109, G_DATA + i * SIZE_4K, "r") for i in range(3)] + [req(0x109, G_HOLE, "w")]
        await self.cycle(oq, lambda: vm1.g.remap(G_DATA + SIZE_4K, 0x3700_0000), holders=holders,
                         expect=lambda r: 23 if r.iova == G_HOLE else "ok")

        # ---- a PDT under VM1's G-stage; processes at GPAs
        pd_mode = self.dut.pd_mode("pd17")
        pd = self.process_directory(pd_mode, alloc=vm1.galloc, addr_to_pa=vm1.gpa_to_spa,
                                    did=0x10A, gscid=3)
        holders = [self.ddt, pd]
        p_tables = {}
        for pid, pscid in ((0x1_0005 if pd_mode != "pd8" else 0x5, 30), (0x6, 31)):
            pt = vm1.table("sv39", pscid)
            pt.map(IOVA, G_DATA + 5 * SIZE_4K, perms="rw")
            p_tables[pid] = pt
            pd.set_pc(pid, pscid=pscid, fs_mode="sv39", fs_root=pt.root, ens=True)
        await self.after_update(self.ddt.set_dc(0x10A, DeviceContextSpec(
            pdtv=True, pdt_mode=pd_mode, pdt_root=pd.root, g_mode="sv39x4", g_root=vm1.g.root,
            gscid=3)))
        pids = list(p_tables)
        pdq = [r for p in pids for r in rwx(0x10A, IOVA, p, kinds="rw")]
        await self.settle(pdq, "ok", "PDT under G-stage")
        await self.cycle(pdq, lambda: p_tables[pids[0]].remap(IOVA, G_DATA + 6 * SIZE_4K), expect="ok")
        await self.cycle(pdq, lambda: pd.invalidate_pc(pids[1]),
                         expect=lambda r: 266 if r.pid == pids[1] else "ok")
        await self.cycle(pdq, lambda: pd.set_pc(pids[1], pscid=32, fs_mode="sv39",
                                                 fs_root=p_tables[pids[0]].root, ens=True),
                         expect="ok")
        await self.cycle(pdq, lambda: pd.set_pc(pids[1], pscid=32, fs_mode="sv39",
                                                 fs_root=p_tables[pids[1]].root, ens=True),
                         expect="ok")
        # the hypervisor moves VM1's table region (guest tables and the PDT): copy, remap the
        # G-stage 2 MiB page (the DCs/PCs hold GPAs translated through it: IODIR too)
        allq = pdq + rwx(0x107, IOVA) + rwx(0x109, G_DATA, kinds="r")
        await self.translate(allq)
        old_spa, new_spa = vm1.spa_tables, 0x2400_0000
        used = sorted(vm1.galloc._owned)                 # the GPA pages of the tables and PDT
        for gpa in used:
            for off in range(0, SIZE_4K, 8):
                v = self.env.peek64(old_spa + gpa - G_TABLES + off)
                if v:
                    self.store64(new_spa + gpa - G_TABLES + off, v)
        await self.cycle(allq, lambda: vm1.g.remap(G_TABLES, new_spa), holders=holders, expect="ok")
        vm1.spa_tables = new_spa
        # scrub the old copy: a stale G-stage translation would now walk garbage
        for gpa in used:
            for off in range(0, SIZE_4K, 8):
                if self.env.peek64(old_spa + gpa - G_TABLES + off):
                    self.store64(old_spa + gpa - G_TABLES + off, 0)
        await self.settle(allq, "ok", "after the old table copy is scrubbed")

        # ---- guest-page faults on implicit accesses: a first-stage root and a PDT at GPAs the
        # G-stage does not map (reported with the original access type)
        await self.cycle(rwx(0x10B, IOVA), lambda: self.ddt.set_dc(0x10B, DeviceContextSpec(
            fs_mode="sv39", fs_root=G_HOLE, pscid=40, g_mode="sv39x4", g_root=vm1.g.root, gscid=3)),
            expect=lambda r: {1: 20, 2: 21, 3: 23}[int(r.ttyp)])
        await self.cycle(rwx(0x10C, IOVA, 1), lambda: self.ddt.set_dc(0x10C, DeviceContextSpec(
            pdtv=True, pdt_mode="pd8", pdt_root=G_HOLE, g_mode="sv39x4", g_root=vm1.g.root, gscid=3)),
            expect=lambda r: {1: 20, 2: 21, 3: 23}[int(r.ttyp)])
        # the guest device moved from VM1 to a G-stage-only context (DC change, GV=1 scopes)
        await self.cycle(rwx(0x107, IOVA), lambda: self.ddt.invalidate_dc(0x107), expect=258)
        await self.cycle(rwx(0x107, G_DATA + 0x1000), lambda: self.ddt.set_dc(0x107, DeviceContextSpec(
            g_mode=self.g_wide, g_root=vm2.g.root, gscid=4)), expect="ok")
