"""Hardware A/D update scenario (capabilities.AMO_HWAD; DC.tc.SADE for first-stage PTEs, GADE
for G-stage PTEs): leaves mapped with A=0 and/or D=0, read and written, under SADE/GADE=1
(the IOMMU sets A, and D for a write, in memory: the scoreboard judges each PTE write it
makes against the oracle, scoreboards/ad_updates.py) and SADE/GADE=0 (the (guest-)page fault
of the original access type stays).

Devices:
- 0x41: first stage only (Sv39, PSCID 21), SADE=1: pages with A=D=0 read then written, written
  first, A=1 D=0 read then written, and a read-only A=0 page written (page fault 15: the
  permission check comes first, no update) then read; and a page whose leaf software remaps
  while the walk's read of it is held (the walk read A=0 and must not write that old value:
  compare with memory, walk again, update the new leaf);
- 0x42: first stage only (Sv39, PSCID 22), SADE=0: the same kinds of leaves fault 13/15;
- 0x43: G-stage only (Sv39x4, GSCID 7), GADE=1: G-stage leaves with A=D=0 read and written;
- 0x44: G-stage only (Sv39x4, GSCID 8), GADE=0: guest-page faults 21/23;
- 0x45: two stages (Sv39 over Sv39x4, GSCID 9, PSCID 23), SADE=1 and GADE=1: the guest's
  table pages sit in a G-stage page with A=1 D=0, so the first-stage update (an implicit store
  through the G-stage) sets D on that G-stage leaf too; the data pages' G-stage leaves have
  A=D=0.
A DUT without AMO_HWAD (capabilities bit 24) skips the whole scenario, with the reason.
"""
from __future__ import annotations

import cocotb
from cocotb.triggers import First, Timer

from sequences.guest_update_vseq import GuestUpdateBase, req
from sequences.sw.device_directory import DeviceContextSpec
from sequences.sw.page_allocator import PageAllocator
from sequences.sw.page_table import SIZE_2M, SIZE_4K, PageTable

IOVA = 0x6000_0000
DATA = 0x4800_0000                # SPAs of the first-stage-only data pages
G_TABLES = 0x8000_0000            # GPA of the guest's table region (one 2 MiB G-stage page)
G_DATA = 0x9000_0000              # GPA of the data pages
SPA_TABLES, SPA_DATA = 0x2700_0000, 0x3900_0000


class AdUpdateVseq(GuestUpdateBase):
    async def body(self):
        if not self.dut.need("amo_hwad", "hardware A/D update (the whole ad scenario)"):
            return
        await self.init_iommu("1lvl")
        await self.first_stage(0x41, sade=True)
        await self.first_stage(0x42, sade=False)
        await self.g_stage(0x43, gade=True)
        await self.g_stage(0x44, gade=False)
        await self.two_stage(0x45)

    async def first_stage(self, did: int, sade: bool) -> None:
        pt = await self.host_device(did, "sv39", pscid=21 + (did - 0x41), sade=sade)
        base = IOVA + (did - 0x41) * 0x10_0000
        pages = [("rw", ""), ("rw", ""), ("rw", "a"), ("r", "")]
        for i, (perms, ad) in enumerate(pages):
            await self.after_update(pt.map(base + i * SIZE_4K, DATA + (did - 0x41) * 0x10_0000
                                           + i * SIZE_4K, perms=perms, ad=ad))
        rd, wr = 13, 15
        va = [base + i * SIZE_4K for i in range(4)]
        tag = "SADE=1" if sade else "SADE=0"
        # A=0, D=0: a read (A set), then a write (D set)
        await self.settle([req(did, va[0], "r")], "ok" if sade else rd, f"{tag} A=0 read")
        await self.settle([req(did, va[0] + 8, "w")], "ok" if sade else wr, f"{tag} A=0 write")
        await self.settle([req(did, va[0] + 16, "r")], "ok" if sade else rd, f"{tag} read again")
        # A=0, D=0 written first: A and D in one update
        await self.settle([req(did, va[1], "w")], "ok" if sade else wr, f"{tag} A=0 first write")
        # A=1, D=0: a read needs no update (D is never set for a read); a write sets D
        await self.settle([req(did, va[2], "r")], "ok", f"{tag} A=1 D=0 read")
        await self.settle([req(did, va[2], "w")], "ok" if sade else wr, f"{tag} D=0 write")
        # read-only, A=0: the write is a permission fault (no update); the read sets A
        await self.settle([req(did, va[3], "w")], wr, f"{tag} read-only write")
        await self.settle([req(did, va[3], "r")], "ok" if sade else rd, f"{tag} read-only read")
        # a mix in flight together, repeated (IOTLB hits after the updates)
        mix = [req(did, v + 0x80, t) for v in va for t in "rw"]
        await self.translate(mix)
        await self.translate(mix)
        if sade:
            await self.changed_under_walk(did, pt, base + 4 * SIZE_4K,
                                          DATA + 0x8_0000, DATA + 0x9_0000)

    async def changed_under_walk(self, did: int, pt, va: int, pa: int, new_pa: int) -> None:
        """The leaf (A=0) is read by the walk, answered late; meanwhile software remaps it (A
        still 0) and invalidates. An IOMMU whose A/D update compares with memory finds the PTE
        changed and walks again (it then sets A in the new leaf); one that writes back what it
        read would store the old PPN with A=1: the scoreboard's AD-UPDATE check fails it."""
        await self.after_update(pt.map(va, pa, perms="rw", ad=""))
        leaf = pt.pte_addr(va)
        held = self.env.delay_reads(leaf, leaf + 8, 3000)
        r = req(did, va + 0x20, "r")
        await self.env.clock_falling()
        task = cocotb.start_soon(self.translate([r]))
        await First(held.wait(), Timer(50_000, unit="ns"))
        if not held.is_set():
            raise AssertionError(f"the walk of did={did:#x} iova={va:#x} never read its leaf "
                                 f"@{leaf:#x} within 50 us")
        await self.after_update(pt.remap(va, new_pa))
        await task
        await self.settle([r], ("pa", new_pa + 0x20), "PTE remapped under the walk")

    async def g_stage(self, did: int, gade: bool) -> None:
        gscid = 7 + (did - 0x43)
        g = self.page_table("sv39x4", gscid=gscid)
        base = G_DATA + (did - 0x43) * 0x10_0000
        for i in range(3):
            g.map(base + i * SIZE_4K, 0x4A00_0000 + (did - 0x43) * 0x10_0000 + i * SIZE_4K,
                  SIZE_4K, "rw", ad="a" if i == 2 else "")
        await self.after_update(self.ddt.set_dc(did, DeviceContextSpec(
            g_mode="sv39x4", g_root=g.root, gscid=gscid, gade=gade)))
        tag = "GADE=1" if gade else "GADE=0"
        ok = "ok" if gade else None
        await self.settle([req(did, base, "r")], ok or 21, f"{tag} G-stage A=0 read")
        await self.settle([req(did, base + 8, "w")], ok or 23, f"{tag} G-stage A=0 write")
        await self.settle([req(did, base + SIZE_4K, "w")], ok or 23, f"{tag} G-stage first write")
        await self.settle([req(did, base + 2 * SIZE_4K, "r")], "ok", f"{tag} G-stage A=1 read")
        await self.settle([req(did, base + 2 * SIZE_4K, "w")], ok or 23, f"{tag} G-stage D=0 write")

    async def two_stage(self, did: int) -> None:
        gscid, pscid = 9, 23
        g = self.page_table("sv39x4", gscid=gscid)
        # the guest's tables: one 2 MiB G-stage page with A=1, D=0
        g.map(G_TABLES, SPA_TABLES, SIZE_2M, "rw", ad="a")
        galloc = PageAllocator(G_TABLES, SIZE_2M, self.store64, addr_to_pa=g.translate, zero=False)
        guest = PageTable("sv39", galloc, self.store64, addr_to_pa=g.translate, gscid=gscid,
                          pscid=pscid)
        for i in range(3):
            g.map(G_DATA + 0x80_0000 + i * SIZE_4K, SPA_DATA + i * SIZE_4K, SIZE_4K, "rw", ad="")
            guest.map(IOVA + 0x80_0000 + i * SIZE_4K, G_DATA + 0x80_0000 + i * SIZE_4K,
                      perms="rw", ad="")
        await self.after_update(self.ddt.set_dc(did, DeviceContextSpec(
            fs_mode="sv39", fs_root=guest.root, pscid=pscid, g_mode="sv39x4", g_root=g.root,
            gscid=gscid, sade=True, gade=True)))
        va = IOVA + 0x80_0000
        await self.settle([req(did, va, "r")], "ok", "two-stage: both stages A=0, read")
        await self.settle([req(did, va + 8, "w")], "ok", "two-stage: then a write")
        await self.settle([req(did, va + SIZE_4K, "w")], "ok", "two-stage: a first write")
        mix = [req(did, va + i * SIZE_4K + 0x100, t) for i in range(3) for t in "rw"]
        await self.translate(mix)
        await self.translate(mix)
