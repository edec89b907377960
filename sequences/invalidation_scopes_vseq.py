"""Every invalidation scope, one at a time, against an update it must (or must not) cover.

For each of the eight IOTINVAL.VMA rows (GV, AV, PSCV), the three IOTINVAL.GVMA rows,
IODIR.INVAL_DDT DV=0 and DV=1 and IODIR.INVAL_PDT: a cached leaf (or context) is changed, a
command that does NOT cover it is issued first (wrong PSCID, wrong address, wrong GSCID, a
global page under PSCV=1...) and the oracle must still permit the old value; then the scope
under test alone (plus IOFENCE.C) and only the new value may remain. The scoreboard checks
the DUT against both. IOFENCE.C is exercised with AV (data write checked), WSI (fence_w_ip
checked and cleared), PR/PW with device requests in flight, and AV=0.
"""
from __future__ import annotations

from sequences.guest_update_vseq import PA, VA, GuestUpdateBase, req, rwx
from sequences.invalidation_seq import GVMA_SCOPES, VMA_SCOPES, gvma_scope, scope_name, vma_scope
from sequences.sw.commands import iodir_inval_ddt, iodir_inval_pdt
from sequences.sw.device_directory import DeviceContextSpec
from sequences.sw.page_allocator import PageAllocator
from sequences.sw.page_table import SIZE_2M, SIZE_4K, PageTable
from sequences.sw.process_directory import ProcessDirectory

GPA_TABLES, GPA_DATA = 0x8000_0000, 0x9000_0000
SPA_TABLES, SPA_DATA = 0x2000_0000, 0x3000_0000


class InvalidationScopesVseq(GuestUpdateBase):
    async def body(self):
        await self.init_iommu("1lvl")
        # host spaces: did 5 (PSCID 7), did 6 (PSCID 8)
        host = {5: await self.host_device(5, "sv39", 7), 6: await self.host_device(6, "sv39", 8)}
        # a VM (GSCID 3): did 7 with a guest Sv39 table (PSCID 7, the same value as did 5's)
        g = self.page_table("sv39x4", gscid=3)
        g.map(GPA_TABLES, SPA_TABLES, SIZE_2M, "rw")
        for i in range(64):
            g.map(GPA_DATA + i * SIZE_4K, SPA_DATA + i * SIZE_4K, SIZE_4K, "rwx")
        galloc = PageAllocator(GPA_TABLES, SIZE_2M, self.store64, addr_to_pa=g.translate, zero=False)
        guest = PageTable("sv39", galloc, self.store64, addr_to_pa=g.translate, gscid=3, pscid=7)
        await self.after_update(self.ddt.set_dc(7, DeviceContextSpec(
            fs_mode="sv39", fs_root=guest.root, pscid=7, g_mode="sv39x4", g_root=g.root, gscid=3)))
        self.g = g

        # ---- IOTINVAL.VMA: the eight rows
        for n, (gv, av, pscv) in enumerate(VMA_SCOPES):
            did, pt = (7, guest) if gv else (5, host[5])
            va = VA + n * 0x1_0000
            target = GPA_DATA if gv else PA
            pt.map(va, target + 2 * n * SIZE_4K, perms="rw")
            await self.after_update(pt.map(va + SIZE_4K, target + (2 * n + 1) * SIZE_4K,
                                           perms="rw", global_=True))
            rq = rwx(did, va, kinds="r")
            grq = rwx(did, va + SIZE_4K, kinds="r")
            await self.translate(rq + grq)                         # cached
            pt.remap(va, target + (2 * n + 40) * SIZE_4K)
            # not covering: another PSCID / another address / the other side (GV)
            miss = [vma_scope(gv, av, 1, gscid=3, pscid=9, addr=va),
                    vma_scope(gv, 1, pscv, gscid=3, pscid=7, addr=va + 0x10_0000),
                    vma_scope(1 - gv, av, pscv, gscid=3, pscid=7, addr=va)]
            if gv:
                miss.append(vma_scope(1, av, pscv, gscid=4, pscid=7, addr=va))
            await self.issue(miss)
            await self.translate(rq)
            self.expect_stale(rq, f"non-covering commands for VMA GV={gv} AV={av} PSCV={pscv}")
            cmd = vma_scope(gv, av, pscv, gscid=3, pscid=7, addr=va)
            await self.issue([cmd])
            await self.settle(rq, ("pa", self._spa(gv, pt, va)), scope_name(cmd))
            # a global page: PSCV=1 spares it, PSCV=0 covers it
            gva = va + SIZE_4K
            pt.remap(gva, target + (2 * n + 41) * SIZE_4K)
            await self.translate(grq)
            cmd = vma_scope(gv, av, pscv, gscid=3, pscid=7, addr=gva)
            await self.issue([cmd])
            if pscv:
                self.expect_stale(grq, f"{scope_name(cmd)} on a global page")
                await self.issue([vma_scope(gv, av, 0, gscid=3, addr=gva)])
            await self.settle(grq, ("pa", self._spa(gv, pt, gva)), f"{scope_name(cmd)}, global page")

        # ---- IOTINVAL.GVMA: the three rows, on a G-stage leaf under the guest's data
        for n, (gv, av) in enumerate(GVMA_SCOPES):
            gpa = GPA_DATA + (20 + n) * SIZE_4K
            va = VA + 0x20_0000 + n * SIZE_4K
            await self.after_update(guest.map(va, gpa, perms="rw"))
            rq = rwx(7, va, kinds="rw")
            await self.translate(rq)
            g.remap(gpa, SPA_DATA + (100 + n) * SIZE_4K)
            await self.issue([gvma_scope(1, 1, gscid=4, addr=gpa),
                              gvma_scope(1, 1, gscid=3, addr=gpa + SIZE_4K)])
            await self.translate(rq)
            self.expect_stale(rq, f"non-covering GVMA for GV={gv} AV={av}")
            cmd = gvma_scope(gv, av, gscid=3, addr=gpa)
            await self.issue([cmd])
            await self.settle(rq, "ok", scope_name(cmd))

        # ---- IODIR.INVAL_DDT DV=1 and DV=0 (device contexts made invalid), INVAL_PDT
        for dv, did in ((1, 5), (0, 6)):
            rq = rwx(did, VA, kinds="r") + rwx(did, VA + 0x1_0000, kinds="r")
            await self.translate(rq)
            self.ddt.invalidate_dc(did)
            await self.issue([iodir_inval_ddt(7 if dv else None)] if dv else [])
            await self.translate(rq)
            if dv:
                self.expect_stale(rq, "IODIR.INVAL_DDT DV=1 for another device")
            cmd = iodir_inval_ddt(did if dv else None)
            await self.issue([cmd])
            await self.settle(rq, 258, scope_name(cmd))
        pd = ProcessDirectory("pd8", self.alloc, self.store64, did=9)
        ppt = self.page_table("sv39", pscid=50)
        ppt.map(VA, PA, perms="rw")
        for pid in (1, 2):
            pd.set_pc(pid, pscid=50, fs_mode="sv39", fs_root=ppt.root)
        await self.after_update(self.ddt.set_dc(9, DeviceContextSpec(pdtv=True, pdt_mode="pd8",
                                                                    pdt_root=pd.root)))
        rq = rwx(9, VA, 1, kinds="rw")
        await self.translate(rq + rwx(9, VA, 2, kinds="r"))
        pd.invalidate_pc(1)
        await self.issue([iodir_inval_pdt(9, 2), iodir_inval_pdt(8, 1)])
        await self.translate(rq)
        self.expect_stale(rq, "IODIR.INVAL_PDT for other processes")
        await self.issue([iodir_inval_pdt(9, 1)])
        await self.settle(rq, 266, "IODIR.INVAL_PDT DID=9 PID=1")

        # ---- IOFENCE.C: AV=0, AV with data, WSI, PR/PW with requests in flight
        live = [req(7, VA + 0x20_0000 + (i % 3) * SIZE_4K + 8 * i, "rw"[i % 2]) for i in range(48)]
        await self.translate(live, wait=False)
        await self.iofence(av=False)
        await self.translate(live, wait=False)
        await self.iofence(av=True, pr=True, pw=True)
        await self.translate(live, wait=False)
        await self.iofence(av=True, wsi=True, pr=True)
        await self.iofence(av=False, wsi=True, pw=True)
        await self.translate(live)

    # -- helpers ------------------------------------------------------------------------
    def expect_stale(self, reqs, label: str) -> None:
        """The old value must still be permitted (more than one outcome) after commands that
        do not cover the change: the oracle's scopes are no wider than the spec's."""
        if self.policy == "no-cache":
            return
        for r in reqs:
            outs = self.env.permitted(r)
            if len(outs) < 2:
                raise AssertionError(f"after {label}: did={r.did:#x} iova={r.iova:#x} only "
                                     f"{sorted(map(str, outs))} permitted; the old value should "
                                     "still be (the commands do not cover it)")

    def _spa(self, gv: int, pt, va: int) -> int:
        """Where va lands now: through the first stage, and the G-stage for the guest."""
        pa = pt.lookup(va).pa
        return self.g.translate(pa) if gv else pa
