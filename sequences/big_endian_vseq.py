"""Big-endian in-memory structures (capabilities.END): fctl.BE=1, and device contexts with
DC.tc.SBE both 1 and 0.

fctl.BE orders the DDT (its non-leaf entries and the device contexts), G-stage and MSI page
tables, the command queue, fault and page-request records, IOFENCE.C data and the IOMMU's
interrupt messages; DC.tc.SBE orders that device's PDT, process contexts and first-stage tables.
Software (a little-endian hart) stores those structures byte-reversed (sequences/sw/
byte_order.py). Every response, record and IOMMU write is judged by the scoreboard against the
model, which reads memory in the same orders; each step also checks that the oracle settled on
what it meant (`expect`), so a table the testbench stored in the wrong order cannot pass
unnoticed (the walk would read garbage and fault).

fctl.BE is set first, while ddtp is Off and the queues are off; the DDT has two levels.
- 0x21: first stage Sv39, SBE=1 (big-endian table): reads and writes translate, a write to a
  read-only page faults (15) and an unmapped page faults (13): fault records; a remap with its
  IOTINVAL.VMA and an IOFENCE.C with a data write (both in big-endian order);
- 0x22: first stage Sv39, SBE=0 under fctl.BE=1 (a little-endian table: END lets them differ);
- 0x123 (a second leaf page of the DDT): two stages, the guest's table (SBE=1) over
  Sv39x4 (fctl.BE);
- 0x24: process contexts: PD8 (SBE=1) with process 3's Sv39 table; process 4 not valid (266);
- with AMO_HWAD: 0x25 (SADE=1, SBE=1) and 0x26 (SADE=1, SBE=0) set A and D in a big- and a
  little-endian first-stage PTE; 0x27 (GADE=1) in a big-endian G-stage PTE;
- with MSI_FLAT: 0x28, G-stage only, whose MSI page table is big-endian: an MSI write to the
  interrupt file is translated to the IMSIC page;
- with interrupts as MSIs (IGS = MSI or BOTH): the fault queue's vector sends its message (data
  in big-endian order) at the first fault record;
- with ATS and an ATS message port: a page request queued (its record big-endian).
A DUT without END skips the scenario, with the reason.
"""
from __future__ import annotations

from models import capabilities as capbits
from models import Reg
from sequences.ats_items import page_request_msg
from sequences.guest_update_vseq import GuestUpdateBase, req
from sequences.msi_flat_vseq import program_msi_vectors
from sequences.sw.device_directory import DeviceContextSpec
from sequences.sw.page_table import SIZE_4K

IOVA = 0x5000_0000
DATA = 0x4800_0000                 # SPAs of the data pages
G_TABLES, SPA_TABLES = 0x8000_0000, 0x2700_0000   # the guest's table region (GPA, SPA)
G_DATA, SPA_DATA = 0x9000_0000, 0x3900_0000
MSI_PATTERN = 0x2_8000             # GPA 0x2800_0000: interrupt file 0 (mask 0)
IMSIC = 0x3F00_0000
PQ_BASE = 0x0006_0000
FQ_VEC = 5
V, M_BASIC = 1, 3 << 1


def at(base: int):
    """Expect a translation to base plus the request's page offset."""
    return lambda r: ("pa", base + (r.iova & 0xFFF))


class BigEndianVseq(GuestUpdateBase):
    big_endian = True              # fctl.BE=1; first-stage tables SBE=1 unless said otherwise

    async def body(self):
        if not self.dut.need("end", "big-endian structures (the whole big_endian scenario)"):
            return
        irq = self.dut.caps.igs != capbits.IGS_WSI
        if irq:
            await program_msi_vectors(self, fiv=FQ_VEC)
        await self.init_iommu("2lvl")
        if irq:
            await self.reg_write(Reg.FQCSR, 0x3, 4)             # fqen, fie: a record raises fip
        await self.host_devices()
        await self.two_stage(0x123)
        await self.process_contexts(0x24)
        if self.dut.has("amo_hwad"):
            await self.ad_updates()
        if self.dut.has("msi_flat"):
            await self.msi_page_table(0x28)
        if self.dut.has("ats") and getattr(self.env, "ats_device", None) is not None:
            await self.page_request(0x29)

    async def host_devices(self) -> None:
        be = await self.host_device(0x21, "sv39", pscid=5, sbe=True)
        le = self.page_table("sv39", big_endian=False, pscid=6)
        await self.after_update(self.ddt.set_dc(0x22, DeviceContextSpec(
            fs_mode="sv39", fs_root=le.root, pscid=6, sbe=False)))
        await self.after_update(be.map(IOVA, DATA, perms="rw"))
        await self.after_update(be.map(IOVA + SIZE_4K, DATA + SIZE_4K, perms="r"))
        await self.after_update(le.map(IOVA, DATA + 0x2000, perms="rw"))
        await self.settle([req(0x21, IOVA + 0x18, "r"), req(0x21, IOVA + 0x20, "w")],
                          at(DATA), "SBE=1 table")
        await self.settle([req(0x21, IOVA + SIZE_4K, "w")], 15, "SBE=1 read-only page, write")
        await self.settle([req(0x21, IOVA + 2 * SIZE_4K, "r")], 13, "SBE=1 unmapped page")
        await self.settle([req(0x22, IOVA + 0x30, "w")], at(DATA + 0x2000),
                          "SBE=0 table under fctl.BE=1")
        # a remap: IOTINVAL.VMA and IOFENCE.C (big-endian commands), then an AV data write
        await self.cycle([req(0x21, IOVA + 0x40, "r")], lambda: be.remap(IOVA, DATA + 0x5000),
                         expect=at(DATA + 0x5000), label="remap in an SBE=1 table")
        await self.fence()

    async def two_stage(self, did: int) -> None:
        g, guest = self.guest_page_table(9, 7, G_TABLES, SPA_TABLES)
        g.map(G_DATA, SPA_DATA, perms="rw")
        guest.map(IOVA, G_DATA, perms="rw")
        await self.after_update(self.ddt.set_dc(did, DeviceContextSpec(
            fs_mode="sv39", fs_root=guest.root, pscid=7, g_mode="sv39x4", g_root=g.root,
            gscid=9, sbe=True)))
        await self.settle([req(did, IOVA + 0x8, "r"), req(did, IOVA + 0x10, "w")],
                          at(SPA_DATA), "two stages: guest table SBE=1, G-stage fctl.BE")
        await self.settle([req(did, IOVA + SIZE_4K, "r")], 13, "two stages: unmapped")

    async def process_contexts(self, did: int) -> None:
        pd = self.process_directory("pd8", did=did)
        pt = self.page_table("sv39", pscid=8)
        pt.map(IOVA, DATA + 0x6000, perms="rw")
        await self.after_update(pd.set_pc(3, pscid=8, fs_mode="sv39", fs_root=pt.root))
        await self.after_update(self.ddt.set_dc(did, DeviceContextSpec(
            pdtv=True, pdt_mode="pd8", pdt_root=pd.root, sbe=True)))
        await self.settle([req(did, IOVA + 0x8, "r", pid=3)], at(DATA + 0x6000),
                          "process context in an SBE=1 PDT")
        await self.settle([req(did, IOVA + 0x8, "r", pid=4)], 266, "process not valid")

    async def ad_updates(self) -> None:
        """A and D set by the IOMMU in PTEs of each order (the write in the table's order)."""
        for did, big, base in ((0x25, True, 0x10_0000), (0x26, False, 0x20_0000)):
            pt = self.page_table("sv39", big_endian=big, pscid=did)
            await self.after_update(self.ddt.set_dc(did, DeviceContextSpec(
                fs_mode="sv39", fs_root=pt.root, pscid=did, sade=True, sbe=big)))
            await self.after_update(pt.map(IOVA + base, DATA + base, perms="rw", ad=""))
            tag = f"SADE=1 SBE={int(big)}"
            await self.settle([req(did, IOVA + base, "r")], "ok", f"{tag}: A=0 read")
            await self.settle([req(did, IOVA + base + 8, "w")], "ok", f"{tag}: D=0 write")
        g = self.page_table("sv39x4", gscid=11)
        await self.after_update(self.ddt.set_dc(0x27, DeviceContextSpec(
            g_mode="sv39x4", g_root=g.root, gscid=11, gade=True)))
        await self.after_update(g.map(G_DATA, SPA_DATA + 0x4000, perms="rw", ad=""))
        await self.settle([req(0x27, G_DATA + 0x8, "w")], "ok", "GADE=1: A=D=0 G-stage write")

    async def msi_page_table(self, did: int) -> None:
        g = self.page_table("sv39x4", gscid=12)
        g.map(G_DATA, SPA_DATA + 0x8000, perms="rw")
        root = self.alloc.alloc_page()
        store = self.structure_store()                  # MSI page tables follow fctl.BE
        store(root, V | M_BASIC | (IMSIC >> 12) << 10)
        store(root + 8, 0)
        spec = DeviceContextSpec(g_mode="sv39x4", g_root=g.root, gscid=12, msi_mode="flat",
                                 msi_root=root, msi_addr_mask=0, msi_addr_pattern=MSI_PATTERN)
        await self.after_update(self.ddt.set_dc(did, spec))
        await self.settle([req(did, (MSI_PATTERN << 12) | 0x4, "w")], at(IMSIC),
                          "MSI PTE in a big-endian MSI page table")

    async def page_request(self, did: int) -> None:
        await self.reg_write(Reg.PQB, (PQ_BASE >> 12) << 10 | 3)           # 16 records
        await self.reg_write(Reg.PQH, 0, 4)
        await self.reg_write(Reg.PQCSR, 0x1, 4)                            # pqen
        await self.host_device(did, "sv39", pscid=13, en_ats=True, en_pri=True)
        # its record (big-endian) is judged by the scoreboard against the model's
        await self.translate([page_request_msg(did, 0x7700_0000, 1, pid=4, priv=True)])
