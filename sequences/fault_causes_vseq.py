"""Every fault cause of the subset, each produced on purpose and checked to settle on that
cause (response and fault record checked by the scoreboard):
- page faults 12/13/15 (execute, read, write) and guest-page faults 20/21/23;
- 256 (ddtp Off), 258 (DC not valid), 259 (misconfigured DC; MODE 10 where the DUT has no
  Sv57 / Sv57x4), 260 (translated request,
  device_id too wide, process_id too wide, supervisor request with ENS=0);
- 265 (PDT access fault), 266 (PC not valid), 267 (misconfigured PC);
- access faults injected with env.set_access_fault: 257 (DDT leaf page), 1/5/7 (first-stage
  leaf table page; by the original access type).
Then the broken structures are repaired the driver's way and translate again.
"""
from __future__ import annotations

from models import Reg, Request, TTYP
from sequences.guest_update_vseq import PA, VA, GuestUpdateBase, req, rwx
from sequences.sw.device_directory import DeviceContextSpec
from sequences.sw.page_allocator import PageAllocator
from sequences.sw.page_table import SIZE_2M, SIZE_4K, PageTable
from sequences.sw.process_directory import ProcessDirectory

BY_TYPE = {"page": {1: 12, 2: 13, 3: 15}, "guest": {1: 20, 2: 21, 3: 23}, "access": {1: 1, 2: 5, 3: 7}}


def by_type(kind: str):
    return lambda r: BY_TYPE[kind][int(r.ttyp)]


class FaultCausesVseq(GuestUpdateBase):
    async def body(self):
        await self.settle(rwx(5, VA, kinds="r"), 256, "ddtp Off")
        await self.init_iommu("2lvl")
        pt = await self.host_device(5, "sv39", 7)
        pt.map(VA, PA, perms="r")
        # page faults: unmapped (12/13/15), then read-only (execute 12, write 15)
        await self.settle(rwx(5, VA + SIZE_4K), by_type("page"), "unmapped")
        await self.settle(rwx(5, VA), lambda r: "ok" if r.ttyp == TTYP.UNTRANSLATED_READ
                          else by_type("page")(r), "read-only page")
        # 258, 259, 260
        await self.settle(rwx(0x55, VA), 258, "no device context")
        await self.cycle(rwx(0x56, VA), lambda: self.ddt.set_dc(0x56, DeviceContextSpec(
            fs_mode="sv39", fs_root=pt.root, pscid=7, en_ats=True)), expect=259)
        # MODE 10 (Sv57 / Sv57x4) on a DUT that does not report it: an unsupported mode (259)
        if not self.dut.has("sv57"):
            await self.cycle(rwx(0x57, VA), lambda: self.ddt.set_dc(0x57, DeviceContextSpec(
                fs_mode=10, fs_root=pt.root, pscid=7)), expect=259)
        if not self.dut.has("sv57x4"):
            g10 = self.page_table("sv39x4", gscid=5)
            await self.cycle(rwx(0x58, VA), lambda: self.ddt.set_dc(0x58, DeviceContextSpec(
                g_mode=10, g_root=g10.root, gscid=5)), expect=259)
        translated = (TTYP.TRANSLATED_READ, TTYP.TRANSLATED_WRITE, TTYP.TRANSLATED_EXEC)
        await self.settle([Request(did=5, iova=VA, ttyp=t) for t in translated], 260,
                          "translated requests")
        await self.settle([req(0x1_0005, VA, "r")], 260, "device_id too wide for 2LVL")
        # process contexts: 266, 267, 260 (pid too wide, ENS=0 supervisor), 265
        pd = ProcessDirectory("pd8", self.alloc, self.store64, did=0x60)
        ppt = self.page_table("sv39", pscid=20)
        ppt.map(VA, PA, perms="rw")
        pd.set_pc(1, pscid=20, fs_mode="sv39", fs_root=ppt.root)              # ENS=0
        pd.set_pc(2, pscid=21, fs_mode=3, fs_root=ppt.root)                   # reserved mode
        await self.after_update(self.ddt.set_dc(0x60, DeviceContextSpec(
            pdtv=True, pdt_mode="pd8", pdt_root=pd.root)))
        await self.settle(rwx(0x60, VA, 1, kinds="rw"), "ok", "process 1")
        await self.settle(rwx(0x60, VA, 1, s=True), 260, "supervisor request, ENS=0")
        await self.settle(rwx(0x60, VA, 3), 266, "process context not valid")
        await self.settle(rwx(0x60, VA, 2), 267, "process context misconfigured")
        await self.settle(rwx(0x60, VA, 0x123), 260, "process_id too wide for PD8")
        bad_pd = ProcessDirectory("pd8", self.alloc, self.store64, did=0x61)
        bad_pd.set_pc(1, pscid=22, fs_mode="sv39", fs_root=ppt.root)
        self.env.set_access_fault(bad_pd.root, bad_pd.root + SIZE_4K)
        await self.cycle(rwx(0x61, VA, 1), lambda: self.ddt.set_dc(0x61, DeviceContextSpec(
            pdtv=True, pdt_mode="pd8", pdt_root=bad_pd.root)), expect=265)
        # guest-page faults: the final GPA not mapped in the G-stage
        g = self.page_table("sv39x4", gscid=3)
        g.map(0x8000_0000, 0x2000_0000, SIZE_2M, "rw")
        galloc = PageAllocator(0x8000_0000, SIZE_2M, self.store64, addr_to_pa=g.translate, zero=False)
        guest = PageTable("sv39", galloc, self.store64, addr_to_pa=g.translate, gscid=3, pscid=7)
        guest.map(VA, 0x9000_0000, perms="rwx")
        await self.cycle(rwx(0x70, VA), lambda: self.ddt.set_dc(0x70, DeviceContextSpec(
            fs_mode="sv39", fs_root=guest.root, pscid=7, g_mode="sv39x4", g_root=g.root, gscid=3)),
            expect=by_type("guest"))
        await self.cycle(rwx(0x70, VA), lambda: g.map(0x9000_0000, 0x3000_0000, SIZE_4K, "rwx"),
                         holders=[self.ddt], expect="ok")
        # access faults: a DDT leaf page (257) and a first-stage leaf table page (1/5/7)
        lone = await self.host_device(0x300, "sv39", 30)      # DDI[1]=6: a leaf page of its own
        lone.map(VA, PA, perms="rwx")
        leaf_page = self.ddt.dc_addr(0x300) & ~0xFFF
        self.env.set_access_fault(leaf_page, leaf_page + SIZE_4K)
        await self.settle(rwx(0x301, VA), 257, "DDT leaf page access fault")
        apt = await self.host_device(0x40, "sv39", 40)
        apt.map(VA, PA, perms="rwx")
        apt.map(VA + SIZE_2M, PA + SIZE_2M, perms="rwx")        # another leaf table page
        await self.settle(rwx(0x40, VA) + rwx(0x40, VA + SIZE_2M), "ok", "before the fault")
        page = apt.pte_addr(VA + SIZE_2M) & ~0xFFF
        self.env.set_access_fault(page, page + SIZE_4K)
        await self.inval_vma(pscid=40)                          # drop the cached leaves
        await self.settle(rwx(0x40, VA + SIZE_2M), by_type("access"), "PTE access fault")
        await self.settle(rwx(0x40, VA), "ok", "the other leaf table page")
        # repair: device 0x56 made valid the driver's way
        await self.cycle(rwx(0x56, VA), lambda: self.ddt.invalidate_dc(0x56), expect=258)
        await self.cycle(rwx(0x56, VA), lambda: self.ddt.set_dc(0x56, DeviceContextSpec(
            fs_mode="sv39", fs_root=pt.root, pscid=7)))
        # the fault queue: everything recorded so far is consumed, fqof/fqmf cleared
        fqt = await self.reg_read(Reg.FQT, 4)
        self.fq.consume(fqt)
        await self.reg_write(*self.fq.head_write())
        await self.reg_write(Reg.FQCSR, 0x301, 4)
        await self.settle(rwx(5, VA + SIZE_4K), by_type("page"), "after the fault queue drained")
