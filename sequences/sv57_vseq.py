"""Sv57 and Sv57x4 (capabilities bits 11 and 19): iosatp / PC.fsc MODE 10 and iohgatp MODE 10.

Sv57 is a five-level walk of 57-bit IOVAs (root index IOVA[56:48]; canonical when bits 63:57
equal bit 56), Sv57x4 one of 59-bit GPAs (root index GPA[58:48], 11 bits; bits 63:59 must be 0,
else a guest-page fault). A leaf may sit at every level: 4 KiB, 2 MiB, 1 GiB, 512 GiB and, at
level 4, 256 TiB (a level-l leaf's PPN[9l-1:0] must be 0, else a page fault). Every response and
record is judged by the scoreboard against the model; each step also checks that the oracle
settled on what the step meant (`expect`).

- 0x51, host Sv57 table: a 4 KiB page at IOVA 0x00F0_1234_5678_9000 (root index 0xF0: bits
  55:48 matter, the IOVA is not canonical under a 48-bit check), one at a negative IOVA (bits
  63:56 all 1, root index 0x18A), a 512 GiB page (level 3), a 256 TiB page (level 4) read at two
  offsets (the IOTLB entry's offset bits 47:12 come from the IOVA), IOVAs with bit 57 alone or
  bit 56 alone set (not canonical: 13), a 256 TiB leaf whose PPN bit 27 is 1 (misaligned: 13),
  and a remap of the 256 TiB page with its IOTINVAL.VMA (an address inside it);
- 0x52, G-stage only, Sv57x4: a 4 KiB page at GPA 0x0600_0000_4000_0000 (GPA bits 58:57 set,
  root index 0x600), a 256 TiB G-stage page at GPA 0x0700_0000_0000_0000, GPA bit 59 set (21),
  a remap of the 256 TiB G-stage page (IOTINVAL.GVMA);
- 0x153, an Sv57 guest over Sv57x4: 4 KiB over 4 KiB, and a 256 TiB guest page over a 256 TiB
  G-stage page (a 256 TiB translation, cached as one);
- 0x54, a PD8 process directory: process 1's PC.fsc is Sv57;
- with MSI_FLAT: 0x55, Sv57x4 with msi_addr_pattern bit 46 (GPA bit 58, legal with MGPAW 59)
  translates; 0x56, pattern bit 47 (reserved: 259);
- with ATS: 0x57, an ATS translation request on the 256 TiB page (the completion's range).
A DUT without Sv57 skips the scenario, one without Sv57x4 the G-stage steps, with the reason.
"""
from __future__ import annotations

from sequences.ats_items import ats_request
from sequences.guest_update_vseq import GuestUpdateBase, req
from sequences.sw.device_directory import DeviceContextSpec
from sequences.sw.page_table import SIZE_4K, SIZE_512G

SIZE_256T = 1 << 48
IOVA_HI = 0x00F0_1234_5678_9000        # root index 0xF0; bits 55:52 set (canonical in 57 bits)
IOVA_NEG = 0xFF8A_0000_0001_3000       # bits 63:56 all 1, root index 0x18A
IOVA_512G = 0x0004_0080_0000_0000      # root index 4, level-3 index 1
IOVA_256T = 0x0003_0000_0000_0000      # root index 3
IOVA_BAD = 0x0006_0000_0000_0000       # a misaligned 256 TiB leaf
DATA = 0x4100_0000                     # SPAs
PA_512G = 0x0100_0000_0000             # 512 GiB aligned
PA_256T = 0x0005_0000_0000_0000        # 256 TiB aligned, below 2^56
PA_256T_2 = 0x0007_0000_0000_0000
G_HI = 0x0600_0000_4000_0000           # GPA bits 58:57 = 0b11, root index 0x600
G_256T = 0x0700_0000_0000_0000         # a 256 TiB G-stage page (root index 0x700)
SPA_G = 0x4200_0000
SPA_G256 = 0x0002_0000_0000_0000
SPA_G256_2 = 0x0009_0000_0000_0000
G_TABLES, SPA_TABLES = 0x8000_0000, 0x2800_0000    # the guest's table region (GPA, SPA)
G_DATA, SPA_DATA = 0x9000_0000, 0x3A00_0000
G_256T_LOW, SPA_256T_LOW = 0x0001_0000_0000_0000, 0x0008_0000_0000_0000
SV57 = "sv57"
SV57X4 = "sv57x4"


def at(base: int, va_base: int = 0, mask: int = 0xFFF):
    """Expect a translation to base plus the request's offset in its page."""
    return lambda r: ("pa", base + ((r.iova - va_base) & mask))


class Sv57Vseq(GuestUpdateBase):

    async def body(self):
        if not self.dut.need("sv57", "Sv57 first stages (the whole sv57 scenario)"):
            return
        await self.init_iommu("2lvl")
        await self.host_device57(0x51)
        await self.process_context(0x54)
        if not self.dut.need("sv57x4", "Sv57x4 G-stages"):
            return
        await self.g_stage_only(0x52)
        await self.guest_over_sv57x4(0x153)
        if self.dut.has("msi_flat"):
            await self.msi_pattern_width(0x55)
        if self.dut.has("ats"):
            await self.ats_256t(0x57)

    async def host_device57(self, did: int) -> None:
        pt = await self.host_device(did, SV57, pscid=0x51)
        await self.after_update(pt.map(IOVA_HI, DATA, perms="rw"))
        await self.after_update(pt.map(IOVA_NEG, DATA + SIZE_4K, perms="rw"))
        await self.after_update(pt.map(IOVA_512G, PA_512G, SIZE_512G, perms="rw"))
        await self.after_update(pt.map(IOVA_256T, PA_256T, SIZE_256T, perms="rw"))
        await self.settle([req(did, IOVA_HI + 0x18, "r"), req(did, IOVA_HI + 0x20, "w")],
                          at(DATA), "Sv57 4 KiB page, root index 0xF0")
        await self.settle([req(did, IOVA_NEG + 0x8, "r")], at(DATA + SIZE_4K),
                          "Sv57 4 KiB page at a negative IOVA")
        await self.settle([req(did, IOVA_512G + 0x12_3456_7008, "r")],
                          at(PA_512G, IOVA_512G, SIZE_512G - 1), "Sv57 512 GiB page")
        # two offsets in the 256 TiB page: the second may hit the first's IOTLB entry
        await self.settle([req(did, IOVA_256T + 0x1234_5678_9AB8, "r"),
                           req(did, IOVA_256T + 0xFEDC_BA98_7650, "w")],
                          at(PA_256T, IOVA_256T, SIZE_256T - 1), "Sv57 256 TiB page")
        await self.settle([req(did, IOVA_HI | 1 << 57, "r")], 13, "Sv57 IOVA bit 57 != bit 56")
        await self.settle([req(did, IOVA_HI | 1 << 56, "r")], 13, "Sv57 IOVA bit 56 alone")
        # a level-4 leaf with PPN bit 27 set: misaligned (PPN[35:0] must be 0)
        bad = (PA_256T >> 12 | 1 << 27) << 10 | 0xD7          # D A U W R V
        await self.after_update(pt.write_entry(IOVA_BAD, 4, bad))
        await self.settle([req(did, IOVA_BAD + 0x10, "r")], 13, "Sv57 misaligned 256 TiB leaf")
        await self.cycle([req(did, IOVA_256T + 0x2222_0000_0040, "r")],
                         lambda: pt.remap(IOVA_256T, PA_256T_2),
                         expect=at(PA_256T_2, IOVA_256T, SIZE_256T - 1),
                         label="Sv57 remap of a 256 TiB page")

    async def process_context(self, did: int) -> None:
        pd = self.process_directory("pd8", did=did)
        pt = self.page_table(SV57, pscid=0x54)
        pt.map(IOVA_HI, DATA + 2 * SIZE_4K, perms="rw")
        await self.after_update(pd.set_pc(1, pscid=0x54, fs_mode=SV57, fs_root=pt.root))
        await self.after_update(self.ddt.set_dc(did, DeviceContextSpec(
            pdtv=True, pdt_mode="pd8", pdt_root=pd.root, sbe=self.first_stage_big)))
        await self.settle([req(did, IOVA_HI + 0x8, "r", pid=1)], at(DATA + 2 * SIZE_4K),
                          "PC.fsc Sv57")

    async def g_stage_only(self, did: int) -> None:
        g = self.page_table(SV57X4, gscid=0x52)
        g.map(G_HI, SPA_G, perms="rw")
        g.map(G_256T, SPA_G256, SIZE_256T, perms="rw")
        await self.after_update(self.ddt.set_dc(did, DeviceContextSpec(
            g_mode=SV57X4, g_root=g.root, gscid=0x52)))
        await self.settle([req(did, G_HI + 0x28, "r"), req(did, G_HI + 0x30, "w")], at(SPA_G),
                          "Sv57x4 4 KiB page at GPA bits 58:57")
        await self.settle([req(did, G_256T + 0xABCD_EF12_3008, "r"),
                           req(did, G_256T + 0x0000_0000_0000_0010, "w")],
                          at(SPA_G256, G_256T, SIZE_256T - 1), "Sv57x4 256 TiB page")
        await self.settle([req(did, G_HI | 1 << 59, "r")], 21, "Sv57x4 GPA bit 59")
        await self.cycle([req(did, G_256T + 0x3333_0000_0040, "r")],
                         lambda: g.remap(G_256T, SPA_G256_2),
                         expect=at(SPA_G256_2, G_256T, SIZE_256T - 1),
                         label="Sv57x4 remap of a 256 TiB page")

    async def guest_over_sv57x4(self, did: int) -> None:
        g, guest = self.guest_page_table(0x53, 0x53, G_TABLES, SPA_TABLES, mode=SV57,
                                         g_mode=SV57X4)
        g.map(G_DATA, SPA_DATA, perms="rw")
        g.map(G_256T_LOW, SPA_256T_LOW, SIZE_256T, perms="rw")
        guest.map(IOVA_HI, G_DATA, perms="rw")
        guest.map(IOVA_256T, G_256T_LOW, SIZE_256T, perms="rw")
        await self.after_update(self.ddt.set_dc(did, DeviceContextSpec(
            fs_mode=SV57, fs_root=guest.root, pscid=0x53, g_mode=SV57X4, g_root=g.root,
            gscid=0x53, sbe=self.first_stage_big)))
        await self.settle([req(did, IOVA_HI + 0x8, "r"), req(did, IOVA_HI + 0x10, "w")],
                          at(SPA_DATA), "Sv57 guest over Sv57x4, 4 KiB")
        await self.settle([req(did, IOVA_256T + 0x4321_0000_0018, "r"),
                           req(did, IOVA_256T + 0x0123_4567_8000, "r")],
                          at(SPA_256T_LOW, IOVA_256T, SIZE_256T - 1),
                          "Sv57 256 TiB guest page over a 256 TiB G-stage page")

    async def msi_pattern_width(self, did: int) -> None:
        """MGPAW is 59 with Sv57x4: an MSI address pattern/mask has 47 page-number bits, so
        pattern bit 46 (GPA bit 58) is legal and bit 47 reserved (DC misconfigured, 259)."""
        g = self.page_table(SV57X4, gscid=0x55)
        g.map(G_HI, SPA_G + SIZE_4K, perms="rw")
        msi_root = self.alloc.alloc()
        for k, pattern in ((0, 1 << 46), (1, 1 << 47)):
            await self.after_update(self.ddt.set_dc(did + k, DeviceContextSpec(
                g_mode=SV57X4, g_root=g.root, gscid=0x55, msi_mode="flat", msi_root=msi_root,
                msi_addr_mask=0, msi_addr_pattern=pattern)))
        await self.settle([req(did, G_HI + 0x8, "r")], at(SPA_G + SIZE_4K),
                          "Sv57x4 with MSI pattern bit 46")
        await self.settle([req(did + 1, G_HI + 0x8, "r")], 259, "MSI pattern bit 47 (reserved)")

    async def ats_256t(self, did: int) -> None:
        pt = self.page_table(SV57, pscid=0x57)
        pt.map(IOVA_256T, PA_256T, SIZE_256T, perms="rw")
        await self.after_update(self.ddt.set_dc(did, DeviceContextSpec(
            fs_mode=SV57, fs_root=pt.root, pscid=0x57, en_ats=True, sbe=self.first_stage_big)))
        await self.settle([ats_request(did, IOVA_256T + 0x5555_0000_0000)], None,
                          "ATS translation request on a 256 TiB page")
