"""Sv32 and Sv32x4 (capabilities bits 8 and 16): DC.tc.SXL=1 first stages, fctl.GXL=1 G-stages.

Both are two-level walks of 4-byte PTEs (10-bit VPNs, the Sv32x4 root index 12 bits, 4 KiB and
4 MiB pages, 34-bit physical addresses). The IOMMU reads a PTE as half of its doubleword; the
byte order (fctl.BE, DC.tc.SBE) decides which half, so phase 2 runs big-endian when the DUT has
END. Every response, record and PTE write is judged by the scoreboard against the model; each
step also checks that the oracle settled on what it meant (`expect`), so a table stored in the
wrong half or order cannot pass unnoticed.

Phase 1, fctl.GXL=0 (little-endian; 2-level DDT):
- 0x31: SXL=1, Sv32 host table: 4 KiB pages read and written, a write to a read-only page (15),
  an unmapped page (13), a 4 MiB page, an IOVA above 32 bits (13), a 4 MiB leaf whose PPN[0]
  is not 0 (13), a remap of a 4 KiB and of the 4 MiB page, each with its IOTINVAL.VMA;
- 0x32: SXL=1 with PD8: process 3's Sv32 table; process 4's PC.fsc.MODE 9 (Sv48: not an SXL=1
  mode, 267);
- 0x123: an Sv32 guest table over Sv39x4; 0x124: the same G-stage, the guest root at GPA
  2^34 (mapped by the G-stage): a 32-bit guest's GPA above 33 bits is a guest-page fault (21);
- with AMO_HWAD: 0x35 (SADE=1) sets A and D in both halves of one doubleword of PTEs.
Phase 2: queues and ddtp off, fctl.GXL=1 (and fctl.BE=1 with END, first stages SBE=1), on again
with a new directory and fresh tags:
- 0x41: Sv32 over Sv32x4: a 4 KiB guest page in a 4 MiB G-stage page, a 4 MiB guest page over
  a 4 KiB G-stage page, 4 KiB over 4 KiB, and a remap of that G-stage page (IOTINVAL.GVMA);
- 0x42: G-stage only (SXL=1, first stage Bare): a GPA above 34 bits (21), a remap of the 4 MiB
  G-stage page (IOTINVAL.GVMA);
- 0x43: SXL=0 under GXL=1 (259); 0x44: iohgatp.MODE 9 under GXL=1 (259);
- with AMO_HWAD: 0x45 (SADE=1) and 0x46 (GADE=1): A and D in both halves of a first-stage and
  a G-stage doubleword.
A DUT without Sv32 skips the scenario, one without Sv32x4 phase 2, with the reason.
"""
from __future__ import annotations

from cocotb.triggers import Timer

from models import Reg
from sequences.guest_update_vseq import GuestUpdateBase, req
from sequences.sw.commands import (CommandQueueWriter, FaultQueueReader, iotinval_gvma,
                                   iotinval_vma)
from sequences.sw.byte_order import peek_in
from sequences.sw.device_directory import DeviceContextSpec, DeviceDirectory
from sequences.sw.page_table import SIZE_4K, SIZE_4M

SV32 = 8                           # iosatp / PC.fsc MODE under SXL=1, iohgatp MODE under GXL=1
IOVA = 0x5000_0000
IOVA_4M = 0x6040_0000
IOVA_BAD = 0x7000_0000             # a misaligned 4 MiB leaf
IOVA_AD = 0x5800_0000              # PTE index 0 and 1 of one table: both halves of a doubleword
DATA = 0x4800_0000                 # SPAs of the data pages (below 2^32)
DATA_4M = 0x3840_0000
G_TABLES, SPA_TABLES = 0x8000_0000, 0x2700_0000       # phase 1 guest tables (GPA, SPA)
G_DATA, SPA_DATA = 0x9000_0000, 0x3900_0000
G_TABLES2, SPA_TABLES2 = 0x8000_0000, 0x2740_0000     # phase 2 (4 MiB G-stage page)
G_DATA2, SPA_DATA2 = 0x2_9000_0000, 0x3A00_0000       # a GPA above 32 bits (Sv32x4's 34)
G_SMALL, SPA_SMALL = 0x2_9040_0000, 0x3B00_0000       # 4 KiB G-stage pages
G_SMALL2, SPA_SMALL2 = 0x2_9080_0000, 0x3B10_0000
CQ_BASE2, FQ_BASE2 = 0x0001_8000, 0x0002_8000         # phase 2 queues


def at(base: int):
    """Expect a translation to base plus the request's page offset."""
    return lambda r: ("pa", base + (r.iova & 0xFFF))


class Sv32Vseq(GuestUpdateBase):

    async def body(self):
        if not self.dut.need("sv32", "Sv32 first stages (the whole sv32 scenario)"):
            return
        await self.init_iommu("2lvl")
        await self.host_device32()
        await self.process_contexts(0x32)
        await self.guest_over_sv39x4(0x123)
        if self.dut.has("amo_hwad"):
            await self.first_stage_ad(0x35, pscid=35)
        if not self.dut.need("sv32x4", "phase 2: Sv32x4 G-stages (fctl.GXL=1)"):
            return
        await self.restart(big_endian=self.dut.has("end"))
        await self.two_stages(0x41)
        await self.g_stage_only(0x42)
        await self.settle([req(0x43, IOVA, "r")], 259, "SXL=0 under fctl.GXL=1")
        if self.dut.has("amo_hwad"):
            await self.first_stage_ad(0x45, pscid=45)
            await self.g_stage_ad(0x46)

    # -- set-up -------------------------------------------------------------------------------
    def sv32_table(self, pscid: int, big_endian=None):
        return self.page_table("sv32", big_endian=big_endian, pscid=pscid)

    async def sv32_device(self, did: int, pt, pscid: int, **dc) -> None:
        await self.after_update(self.ddt.set_dc(did, DeviceContextSpec(
            fs_mode=SV32, fs_root=pt.root, pscid=pscid, sxl=True, sbe=self.first_stage_big,
            **dc)))

    async def restart(self, big_endian: bool) -> None:
        """Everything off (ddtp Off, both queues off and seen off), fctl.GXL=1 and fctl.BE,
        then on again with new queues and a new directory (fresh pages: memory is not reused),
        and every cache flushed."""
        await self.reg_write(Reg.DDTP, 0)
        await self.reg_write(Reg.CQCSR, 0, 4)
        await self.reg_write(Reg.FQCSR, 0, 4)
        for _ in range(1000):
            cq, fq = await self.reg_read(Reg.CQCSR, 4), await self.reg_read(Reg.FQCSR, 4)
            if not (cq | fq) & 1 << 16:                 # cqon, fqon
                break
            await Timer(100, unit="ns")
        else:
            raise AssertionError("cqon/fqon stayed 1 after cqen = fqen = 0")
        self.big_endian, self.gxl = big_endian, True
        await self.set_byte_order()
        await self.set_gxl()
        fctl = await self.reg_read(Reg.FCTL, 4)
        if fctl & 5 != 4 | int(self.big_endian):
            raise AssertionError(f"fctl {fctl:#x} after writing GXL=1 BE={int(self.big_endian)} "
                                 "with everything off")
        store = self.structure_store()
        self.cq = CommandQueueWriter(CQ_BASE2, 6, store, None)
        self.fq = FaultQueueReader(FQ_BASE2, 6, peek_in(self.env.peek64, self.big_endian))
        for w in self.cq.setup_writes() + self.fq.setup_writes():
            await self.reg_write(*w)
        self.ddt = DeviceDirectory("2lvl", self.alloc, store, extended=self.dut.has("msi_flat"))
        self.pdts = []
        await self.reg_write(Reg.DDTP, self.ddt.ddtp())
        await self.flush_all()

    # -- phase 1 --------------------------------------------------------------------------------
    async def host_device32(self) -> None:
        did, pscid = 0x31, 5
        pt = self.sv32_table(pscid)
        await self.sv32_device(did, pt, pscid)
        await self.after_update(pt.map(IOVA, DATA, perms="rw"))
        await self.after_update(pt.map(IOVA + SIZE_4K, DATA + SIZE_4K, perms="r"))
        await self.after_update(pt.map(IOVA_4M, DATA_4M, SIZE_4M, perms="rw"))
        await self.settle([req(did, IOVA + 0x18, "r"), req(did, IOVA + 0x20, "w")], at(DATA),
                          "Sv32 4 KiB page")
        await self.settle([req(did, IOVA + SIZE_4K + 8, "r")], at(DATA + SIZE_4K),
                          "Sv32 read-only page, read")
        await self.settle([req(did, IOVA + SIZE_4K, "w")], 15, "Sv32 read-only page, write")
        await self.settle([req(did, IOVA + 2 * SIZE_4K, "r")], 13, "Sv32 unmapped page")
        await self.settle([req(did, IOVA_4M + 0x12_3458, "r")],
                          lambda r: ("pa", DATA_4M + 0x12_3458), "Sv32 4 MiB page")
        await self.settle([req(did, 0x1_0000_0000 | IOVA, "r")], 13, "Sv32 IOVA above 32 bits")
        # a level-1 leaf with PPN[0] = 1: a misaligned megapage
        bad = ((DATA_4M >> 12) | 1) << 10 | 0xD7                  # D A U W R V
        await self.after_update(pt.write_entry(IOVA_BAD, 1, bad))
        await self.settle([req(did, IOVA_BAD + 0x10, "r")], 13, "Sv32 misaligned 4 MiB leaf")
        # remaps, each with its IOTINVAL.VMA: a 4 KiB page, then the 4 MiB page (an address in
        # the middle of it: the invalidation names the page's base)
        await self.cycle([req(did, IOVA + 0x40, "r")], lambda: pt.remap(IOVA, DATA + 0x5000),
                         expect=at(DATA + 0x5000), label="Sv32 remap of a 4 KiB page")
        await self.cycle([req(did, IOVA_4M + 0x2F_0008, "r")],
                         lambda: pt.remap(IOVA_4M, DATA_4M + SIZE_4M),
                         expect=lambda r: ("pa", DATA_4M + SIZE_4M + 0x2F_0008),
                         label="Sv32 remap of a 4 MiB page")

    async def process_contexts(self, did: int) -> None:
        pd = self.process_directory("pd8", did=did)
        pt = self.sv32_table(6)
        pt.map(IOVA, DATA + 0x6000, perms="rw")
        await self.after_update(pd.set_pc(3, pscid=6, fs_mode=SV32, fs_root=pt.root))
        await self.after_update(pd.set_pc(4, pscid=7, fs_mode=9, fs_root=pt.root))
        await self.after_update(self.ddt.set_dc(did, DeviceContextSpec(
            pdtv=True, pdt_mode="pd8", pdt_root=pd.root, sxl=True, sbe=self.first_stage_big)))
        await self.settle([req(did, IOVA + 0x8, "r", pid=3)], at(DATA + 0x6000),
                          "SXL=1 process context, Sv32")
        await self.settle([req(did, IOVA + 0x8, "r", pid=4)], 267,
                          "SXL=1 process context with MODE 9")

    async def guest_over_sv39x4(self, did: int) -> None:
        g, guest = self.guest_page_table(9, 7, G_TABLES, SPA_TABLES, mode="sv32")
        g.map(G_DATA, SPA_DATA, perms="rw")
        guest.map(IOVA, G_DATA, perms="rw")
        # the guest's root again at GPA 2^34 (inside Sv39x4's 41 bits): only the 34-bit limit
        # of a 32-bit guest stops the walk there
        high_root = 1 << 34
        g.map(high_root, g.translate(guest.root), perms="rw")
        await self.after_update(self.ddt.set_dc(did, DeviceContextSpec(
            fs_mode=SV32, fs_root=guest.root, pscid=7, g_mode="sv39x4", g_root=g.root, gscid=9,
            sxl=True, sbe=self.first_stage_big)))
        await self.after_update(self.ddt.set_dc(did + 1, DeviceContextSpec(
            fs_mode=SV32, fs_root=high_root, pscid=8, g_mode="sv39x4", g_root=g.root, gscid=9,
            sxl=True, sbe=self.first_stage_big)))
        await self.settle([req(did, IOVA + 0x8, "r"), req(did, IOVA + 0x10, "w")],
                          at(SPA_DATA), "Sv32 guest over Sv39x4")
        await self.settle([req(did + 1, IOVA + 0x8, "r")], 21,
                          "Sv32 guest root at GPA 2^34 under Sv39x4")

    async def first_stage_ad(self, did: int, pscid: int) -> None:
        """SADE=1: A (a read) then D (a write) set in both PTEs of one doubleword."""
        pt = self.sv32_table(pscid)
        await self.sv32_device(did, pt, pscid, sade=True)
        for k in range(2):
            await self.after_update(pt.map(IOVA_AD + k * SIZE_4K, DATA + (8 + k) * SIZE_4K,
                                           perms="rw", ad=""))
        # the second PTE's store rewrote the doubleword holding the first (valid) one too: the
        # oracle counts that as an update of both, so the first page is invalidated as well
        await self.issue([iotinval_vma(pscid=pscid, addr=IOVA_AD)])
        for k in range(2):
            va = IOVA_AD + k * SIZE_4K
            tag = f"SADE=1 Sv32 PTE {k} of its doubleword (BE={int(self.first_stage_big)})"
            await self.settle([req(did, va, "r")], at(DATA + (8 + k) * SIZE_4K), f"{tag}: A=0")
            await self.settle([req(did, va + 8, "w")], "ok", f"{tag}: D=0 write")

    # -- phase 2 --------------------------------------------------------------------------------
    async def two_stages(self, did: int) -> None:
        g, guest = self.guest_page_table(10, 9, G_TABLES2, SPA_TABLES2, mode="sv32",
                                         g_mode="sv32x4")
        g.map(G_DATA2, SPA_DATA2, SIZE_4M, perms="rw")
        g.map(G_SMALL, SPA_SMALL, perms="rw")
        g.map(G_SMALL2, SPA_SMALL2, perms="rw")
        guest.map(IOVA, G_DATA2 + 0x3000, perms="rw")               # 4 KiB in a 4 MiB G page
        guest.map(IOVA_4M, G_SMALL, SIZE_4M, perms="rw")            # 4 MiB over 4 KiB
        guest.map(IOVA + 0x4000, G_SMALL2, perms="rw")              # 4 KiB over 4 KiB
        await self.after_update(self.ddt.set_dc(did, DeviceContextSpec(
            fs_mode=SV32, fs_root=guest.root, pscid=9, g_mode=SV32, g_root=g.root, gscid=10,
            sxl=True, sbe=self.first_stage_big)))
        tag = f"Sv32 over Sv32x4 (BE={int(self.big_endian)})"
        await self.settle([req(did, IOVA + 0x8, "r"), req(did, IOVA + 0x10, "w")],
                          at(SPA_DATA2 + 0x3000), f"{tag}: 4 KiB in a 4 MiB G-stage page")
        await self.settle([req(did, IOVA_4M + 0x18, "r")], at(SPA_SMALL),
                          f"{tag}: 4 MiB guest page over a 4 KiB G-stage page")
        await self.settle([req(did, IOVA_4M + 0x1000, "r")], 21,
                          f"{tag}: 4 MiB guest page, unmapped G-stage page")
        await self.cycle([req(did, IOVA + 0x4000 + 0x28, "r")],
                         lambda: g.remap(G_SMALL2, SPA_SMALL2 + 0x10_0000),
                         expect=at(SPA_SMALL2 + 0x10_0000), label=f"{tag}: G-stage remap")

    async def g_stage_only(self, did: int) -> None:
        g = self.page_table("sv32x4", gscid=11)
        g.map(G_DATA2, SPA_DATA2, SIZE_4M, perms="rw")
        await self.after_update(self.ddt.set_dc(did, DeviceContextSpec(
            g_mode=SV32, g_root=g.root, gscid=11, sxl=True, sbe=self.first_stage_big)))
        await self.after_update(self.ddt.set_dc(did + 2, DeviceContextSpec(
            g_mode=9, g_root=g.root, gscid=12, sxl=True, sbe=self.first_stage_big)))
        await self.after_update(self.ddt.set_dc(did + 1, DeviceContextSpec(
            g_mode=SV32, g_root=g.root, gscid=13, sxl=False, sbe=self.first_stage_big)))
        tag = f"Sv32x4 (BE={int(self.big_endian)})"
        await self.settle([req(did, G_DATA2 + 0x12_3450, "r"), req(did, G_DATA2 + 0x28, "w")],
                          lambda r: ("pa", SPA_DATA2 + (r.iova - G_DATA2)), f"{tag}: 4 MiB page")
        await self.settle([req(did, (1 << 34) | G_DATA2, "r")], 21, f"{tag}: GPA above 34 bits")
        await self.settle([req(did + 2, G_DATA2, "r")], 259, "iohgatp.MODE 9 under fctl.GXL=1")
        await self.cycle([req(did, G_DATA2 + 0x3F_0040, "r")],
                         lambda: g.remap(G_DATA2, SPA_DATA2 + SIZE_4M),
                         expect=lambda r: ("pa", SPA_DATA2 + SIZE_4M + 0x3F_0040),
                         label=f"{tag}: remap of a 4 MiB G-stage page")

    async def g_stage_ad(self, did: int) -> None:
        """GADE=1: A then D set in both Sv32x4 PTEs of one doubleword (fctl.BE order)."""
        g = self.page_table("sv32x4", gscid=14)
        await self.after_update(self.ddt.set_dc(did, DeviceContextSpec(
            g_mode=SV32, g_root=g.root, gscid=14, sxl=True, gade=True,
            sbe=self.first_stage_big)))
        for k in range(2):
            await self.after_update(g.map(G_SMALL + k * SIZE_4K, SPA_SMALL + (4 + k) * SIZE_4K,
                                          perms="rw", ad=""))
        await self.issue([iotinval_gvma(gscid=14, addr=G_SMALL)])     # (as in first_stage_ad)
        for k in range(2):
            gpa = G_SMALL + k * SIZE_4K
            tag = f"GADE=1 Sv32x4 PTE {k} of its doubleword (BE={int(self.big_endian)})"
            await self.settle([req(did, gpa, "r")], at(SPA_SMALL + (4 + k) * SIZE_4K), f"{tag}: A=0")
            await self.settle([req(did, gpa + 8, "w")], "ok", f"{tag}: D=0 write")
