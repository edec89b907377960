"""The IOTINVAL extensions NL (non-leaf PTE invalidation) and S (address-range invalidation),
issue 16 (iommu_extensions.adoc): one host device (Sv39, PSCID 9), every invalidation an
explicit IOTINVAL.VMA built with sequences/sw/commands.py (size= gives S=1, nl= NL=1).

Steps (each: warm the IOTLB, change the tables, translate while stale values are permitted,
invalidate + IOFENCE.C, translate; the scoreboard judges every response, and the sequence
asserts where the oracle must have settled):
1. four 4 KiB pages remapped, one S=1 invalidation over the 16 KiB (ADDR[63:12] ends in 01);
2. the four remapped again, an 8 KiB range over pages 2-3 (settles them only), then an 8 KiB
   range over pages 0-1;
3. a 2 MiB superpage remapped, an 8 KiB range in its middle (the range overlaps the
   superpage partly: the whole entry must go);
4. the superpage remapped again, a 4 MiB range whose upper half holds it (its lower half,
   the page ADDR names, does not);
5. a level-1 non-leaf PTE re-pointed to a new level-0 table with other pages: AV=1 NL=0 over
   the range (leaves only: the cached non-leaf entry may survive, so the oracle still permits
   the old pages), then AV=1 NL=1 S=1 over the 2 MiB (everything on the way: settled); then
   a page of step 1 remapped and invalidated by AV=1 NL=1 S=0 (one page, all levels);
6. a G-stage-only device (Sv39x4, GSCID 4): two 4 KiB G-stage pages remapped, one
   IOTINVAL.GVMA GV=1 AV=1 S=1 over the 8 KiB; one remapped, IOTINVAL.GVMA AV=1 NL=1 (our
   RTL drops every entry of the GSCID for any GVMA: these judge the oracle's scope and a
   DUT that matches GPAs).
A DUT without capabilities.S skips the scenario, without NL step 5 and the NL=1 GVMA, without
Sv39x4 step 6, each with the reason.
"""
from __future__ import annotations

from sequences.guest_update_vseq import GuestUpdateBase, req
from sequences.sw.commands import iotinval_gvma, iotinval_vma
from sequences.sw.device_directory import DeviceContextSpec
from sequences.sw.page_table import SIZE_2M

DID, PSCID = 0x15, 9
BASE = 0x4000_0000                # four 4 KiB pages
SP = BASE + SIZE_2M               # a 2 MiB superpage
NLR = BASE + 2 * SIZE_2M          # the 2 MiB region whose level-1 entry is re-pointed
PA = 0x2000_0000                  # data pages (SPAs)
G_DID, GSCID = 0x16, 4
GPA = 0x6000_0000                 # G-stage-only device: two GPA pages


class IotinvalNlSVseq(GuestUpdateBase):
    async def body(self):
        if not self.dut.need("s", "IOTINVAL S=1 address ranges (the whole nl_s scenario)"):
            return
        await self.init_iommu("1lvl")
        self.pt = await self.host_device(DID, "sv39", PSCID)
        await self.four_pages()
        await self.superpage()
        nl = self.dut.need("nl", "IOTINVAL NL=1 (steps 5 and 6's NL=1 command)")
        if nl:
            await self.non_leaf()
        if self.dut.need("sv39x4", "the G-stage ranges (step 6)"):
            await self.g_stage(nl)

    async def invalidate(self, *cmds) -> None:
        """Explicit commands + IOFENCE.C after stores (cleaned first on a non-coherent
        platform, as after_update does)."""
        self.maintain_caches("update")
        await self.run_commands(list(cmds))

    def range_cmd(self, base: int, size: int, nl: bool = False):
        return iotinval_vma(pscid=PSCID, addr=base, size=size, nl=nl)

    # -- 1, 2: 4 KiB pages ----------------------------------------------------------------
    async def four_pages(self) -> None:
        pt = self.pt
        pages = [BASE + 0x1000 * i for i in range(4)]
        for i, va in enumerate(pages):
            await self.after_update(pt.map(va, PA + 0x1000 * i, perms="rw"))
        reqs = [req(DID, va + 0x48, t) for va in pages for t in "rw"]

        def at(base):
            return lambda r: ("pa", PA + base + (r.iova - BASE))

        await self.settle(reqs, at(0), "four pages mapped")
        # 1: remap all four, one 16 KiB range (ADDR = BASE + 0x1000: operand ...01, X=1)
        for i, va in enumerate(pages):
            pt.remap(va, PA + 0x10_0000 + 0x1000 * i)
        await self.translate(reqs)                       # stale values permitted
        cmd = self.range_cmd(BASE, 0x4000)
        assert cmd.s == 1 and cmd.addr == BASE + 0x1000, cmd
        await self.invalidate(cmd)
        await self.settle(reqs, at(0x10_0000), "16 KiB range")
        # 2: remap again, 8 KiB over pages 2-3 first (ADDR = BASE + 0x2000: X=0)
        await self.translate(reqs)
        for i, va in enumerate(pages):
            pt.remap(va, PA + 0x20_0000 + 0x1000 * i)
        await self.translate(reqs)
        await self.invalidate(self.range_cmd(BASE + 0x2000, 0x2000))
        await self.settle(reqs[4:], at(0x20_0000), "8 KiB range over pages 2-3")
        await self.translate(reqs[:4])                   # pages 0-1: both still permitted
        await self.invalidate(self.range_cmd(BASE, 0x2000))
        await self.settle(reqs, at(0x20_0000), "8 KiB range over pages 0-1")

    # -- 3, 4: a superpage ----------------------------------------------------------------
    async def superpage(self) -> None:
        pt = self.pt
        await self.after_update(pt.map(SP, PA + 0x40_0000, SIZE_2M, "rw"))
        reqs = [req(DID, SP + off, t) for off in (0, 0x10_1008, SIZE_2M - 8) for t in "rw"]

        def at(pa):
            return lambda r: ("pa", pa + (r.iova - SP))

        await self.settle(reqs, at(PA + 0x40_0000), "superpage mapped")
        # 3: an 8 KiB range in the middle of the 2 MiB page
        pt.remap(SP, PA + 0x60_0000)
        await self.translate(reqs)
        await self.invalidate(self.range_cmd(SP + 0x10_0000, 0x2000))
        await self.settle(reqs, at(PA + 0x60_0000), "8 KiB range inside the superpage")
        # 4: a 4 MiB range from BASE: the superpage is its upper half
        pt.remap(SP, PA + 0x80_0000)
        await self.translate(reqs)
        await self.invalidate(self.range_cmd(BASE, 2 * SIZE_2M))
        await self.settle(reqs, at(PA + 0x80_0000), "4 MiB range holding the superpage")

    # -- 5: NL after a non-leaf change ------------------------------------------------------
    async def non_leaf(self) -> None:
        pt = self.pt
        pages = [NLR + 0x1000 * i for i in range(4)]
        for i, va in enumerate(pages):
            await self.after_update(pt.map(va, PA + 0xA0_0000 + 0x1000 * i, perms="rw"))
        reqs = [req(DID, va + 0x10, "r") for va in pages]
        await self.settle(reqs, lambda r: ("pa", PA + 0xA0_0000 + (r.iova - NLR)), "non-leaf: mapped")
        # a new level-0 table with other pages, then the level-1 entry re-pointed to it (the
        # old table stays in memory, unchanged: a cached old non-leaf entry still leads there)
        table = self.alloc.alloc_page()
        for i in range(4):
            self.store64(table + 8 * i, pt.leaf_value(PA + 0xC0_0000 + 0x1000 * i, "rw"))
        l1 = pt.entry_addr(NLR, 1)
        self.store64(l1, (table >> 12) << 10 | 1)
        await self.translate(reqs)
        # NL=0: leaves only; the oracle keeps the old pages permitted (non-leaf entries may stay)
        await self.invalidate(self.range_cmd(NLR, 0x4000))
        await self.translate(reqs)
        outs = [self.env.permitted(r) for r in reqs]
        assert all(len(o) == 2 for o in outs), (
            f"after AV=1 NL=0 the oracle must still permit the old and the new page: {outs}")
        # NL=1 over the 2 MiB: the non-leaf entry on the way goes too
        await self.invalidate(self.range_cmd(NLR, SIZE_2M, nl=True))
        await self.settle(reqs, lambda r: ("pa", PA + 0xC0_0000 + (r.iova - NLR)), "NL=1 over 2 MiB")
        # a leaf remapped (page 0 of step 1: the page table's own view of NLR is stale now),
        # AV=1 NL=1 S=0: the page's entries of every level
        q = [req(DID, BASE + 0x10, "r")]
        await self.translate(q)
        pt.remap(BASE, PA + 0xE0_0000)
        await self.translate(q)
        await self.invalidate(iotinval_vma(pscid=PSCID, addr=BASE, nl=True))
        await self.settle(q, lambda r: ("pa", PA + 0xE0_0010), "NL=1 S=0")

    # -- 6: IOTINVAL.GVMA with S and NL -------------------------------------------------------
    async def g_stage(self, nl: bool) -> None:
        g = self.page_table("sv39x4", gscid=GSCID)
        for i in range(2):
            g.map(GPA + 0x1000 * i, PA + 0x100_0000 + 0x1000 * i, perms="rw")
        await self.after_update(self.ddt.set_dc(G_DID, DeviceContextSpec(
            g_mode="sv39x4", g_root=g.root, gscid=GSCID)))
        reqs = [req(G_DID, GPA + 0x1000 * i + 0x20, t) for i in range(2) for t in "rw"]

        def at(base):
            return lambda r: ("pa", PA + base + (r.iova - GPA))

        await self.settle(reqs, at(0x100_0000), "G-stage pages mapped")
        for i in range(2):
            g.remap(GPA + 0x1000 * i, PA + 0x110_0000 + 0x1000 * i)
        await self.translate(reqs)
        await self.invalidate(iotinval_gvma(gscid=GSCID, addr=GPA, size=0x2000))
        await self.settle(reqs, at(0x110_0000), "GVMA S=1 over 8 KiB")
        if not nl:
            return
        g.remap(GPA, PA + 0x120_0000)
        await self.translate(reqs[:2])
        await self.invalidate(iotinval_gvma(gscid=GSCID, addr=GPA, nl=True))
        await self.settle(reqs[:2], at(0x120_0000), "GVMA NL=1")
