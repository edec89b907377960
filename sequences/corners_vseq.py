"""Directed corners every seed reaches (the random configurations reach them in some seeds):
- cache tags: device_ids that differ only in DDI[2] (bits 23:16) or in bit 15 of DDI[1], and
  process_ids that differ only above bit 7, each with its own context and table (a context
  cache that compares part of the id hands one the other's translation);
- permissions without hardware A/D update: a write to a leaf with D=0 (read first, so the
  IOTLB holds the page), a read of a leaf with A=0, a User request (no process_id) to a page
  with U=0; on the G-stage (first stage Bare): a leaf with U=0 and a written leaf with D=0;
  Supervisor requests (a process_id with ENS=1) to an execute-only page, a page with A=0 and
  a page with D=0, read, write and execute each;
- directory walks: a bus error on a non-leaf DDT entry (257) and on a non-leaf PDT entry
  (265); an IODIR.INVAL_DDT for a device_id above 16 bits after its context changed;
  Bare mode, where translated requests are disallowed (260); then a fresh 1LVL directory,
  where a device_id with DDI[1] bits set does not fit (260) and an empty slot is not valid (258);
- address ranges: an Sv39 IOVA that is not canonical (bit 38 set, bits 63:39 clear) while
  the high half is mapped, and Sv39x4 GPAs with bit 41 or 42 set (beyond its 41 bits) whose
  low bits alias a mapped page: both must fault.
Requests go in small groups, each waited for, so earlier groups fill the caches that later
ones look up. The oracle judges every response; the sequence computes nothing.
"""
from __future__ import annotations

from models import Reg, Request, TTYP
from sequences.iommu_sw_vseq import IommuSwVseq
from sequences.sw.commands import iodir_inval_ddt
from sequences.sw.device_directory import DeviceContextSpec
from sequences.sw.page_allocator import PageAllocator
from sequences.sw.page_table import SIZE_2M, SIZE_4K

IOVA, PA = 0x4000_0000, 0x9000_0000
PTE_A, PTE_D = 1 << 6, 1 << 7
RD, WR = TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_WRITE
ALIAS_DIDS = (0x00_0105, 0x01_0105, 0x00_8105)     # differ in bits 23:16 / bit 15 only
PD_DID = 0x00_0106
ALIAS_PIDS = (0x042, 0x142, 0x1_0042)              # differ above bit 7 only
PERM_DID, G_DID = 0x00_0107, 0x00_0108
DDT_FAULT_DID = 0x03_0109                          # its own root entry and mid table
PDT_FAULT_DID, PDT_FAULT_PID = 0x00_010A, 0x2_0042
DDTP_BUSY = 1 << 4
GPD_DID = 0x00_010B
SUP_DID, SUP_PID = 0x00_010C, 0x05
EX = TTYP.UNTRANSLATED_EXEC
G_TABLES, SPA_TABLES = 0x1000_0000, 0x0400_0000    # guest-physical table region, its home


class CornersVseq(IommuSwVseq):
    async def body(self):
        await self.init_iommu("3lvl")
        fs = self.dut.fs_mode("sv39")
        await self.alias_devices(fs)
        await self.alias_processes(fs)
        await self.permissions(fs)
        await self.supervisor_permissions(fs)
        await self.gstage_permissions()
        await self.directory_faults(fs)
        await self.high_did_change(fs)
        # the same requests again, in one batch, with every cache warm
        await self.translate(self.all_reqs)
        await self.bare_mode()
        await self.one_level()

    async def rounds(self, reqs: list, n: int = 3) -> None:
        self.all_reqs = getattr(self, "all_reqs", []) + reqs
        for _ in range(n):
            for r in reqs:
                await self.translate([r])

    async def alias_devices(self, fs: str) -> None:
        for k, did in enumerate(ALIAS_DIDS):
            pt = self.page_table(fs, pscid=40 + k)
            pt.map(IOVA, PA + k * SIZE_4K, perms="rw")
            await self.after_update(self.ddt.set_dc(did, DeviceContextSpec(
                fs_mode=fs, fs_root=pt.root, pscid=40 + k)))
        await self.rounds([Request(did=d, iova=IOVA, ttyp=RD) for d in ALIAS_DIDS])

    async def alias_processes(self, fs: str) -> None:
        pd_mode = self.dut.pd_mode("pd20")
        pids = [p for p in ALIAS_PIDS if p < 1 << {"pd8": 8, "pd17": 17, "pd20": 20}[pd_mode]]
        pd = self.process_directory(pd_mode, did=PD_DID)
        for k, pid in enumerate(pids):
            pt = self.page_table(fs, pscid=50 + k)
            pt.map(IOVA, PA + (8 + k) * SIZE_4K, perms="rw")
            pd.set_pc(pid, pscid=50 + k, fs_mode=fs, fs_root=pt.root)
        await self.after_update(self.ddt.set_dc(PD_DID, DeviceContextSpec(
            pdtv=True, pdt_mode=pd_mode, pdt_root=pd.root)))
        await self.rounds([Request(did=PD_DID, iova=IOVA, ttyp=RD, pid=p) for p in pids])

    async def permissions(self, fs: str) -> None:
        pt = self.page_table(fs, pscid=60)
        for i in range(3):
            pt.map(IOVA + i * SIZE_4K, PA + (16 + i) * SIZE_4K, perms="rw", user=i != 2)
        high = None
        if fs == "sv39":                        # the high half: root index 256 + 1
            high = (1 << 64) - (1 << 38) + IOVA
            pt.map(high, PA + 20 * SIZE_4K, perms="rw")
        # page 0: D=0 (a write must fault 15); page 1: A=0 (every access faults); page 2: U=0
        self.clear_bits(pt, IOVA, PTE_D)
        self.clear_bits(pt, IOVA + SIZE_4K, PTE_A)
        await self.after_update(self.ddt.set_dc(PERM_DID, DeviceContextSpec(
            fs_mode=fs, fs_root=pt.root, pscid=60)))
        await self.rounds([Request(did=PERM_DID, iova=IOVA, ttyp=RD),
                           Request(did=PERM_DID, iova=IOVA, ttyp=WR),
                           Request(did=PERM_DID, iova=IOVA + SIZE_4K, ttyp=RD),
                           Request(did=PERM_DID, iova=IOVA + 2 * SIZE_4K, ttyp=RD)]
                          + ([Request(did=PERM_DID, iova=high, ttyp=RD),
                              Request(did=PERM_DID, iova=(1 << 38) + IOVA, ttyp=RD)]
                             if high is not None else []))

    async def supervisor_permissions(self, fs: str) -> None:
        """Supervisor pages (U=0): page 0 execute-only, page 1 A=0, page 2 D=0; every request
        type on each, so R, A and D are each 0 under S requests of every type."""
        pd_mode = self.dut.pd_mode("pd8")
        pt = self.page_table(fs, pscid=65)
        pt.map(IOVA, PA + 24 * SIZE_4K, perms="x", user=False)
        for i in (1, 2):
            pt.map(IOVA + i * SIZE_4K, PA + (24 + i) * SIZE_4K, perms="rwx", user=False)
        self.clear_bits(pt, IOVA + SIZE_4K, PTE_A)
        self.clear_bits(pt, IOVA + 2 * SIZE_4K, PTE_D)
        pd = self.process_directory(pd_mode, did=SUP_DID)
        pd.set_pc(SUP_PID, pscid=65, fs_mode=fs, fs_root=pt.root, ens=True)
        await self.after_update(self.ddt.set_dc(SUP_DID, DeviceContextSpec(
            pdtv=True, pdt_mode=pd_mode, pdt_root=pd.root)))
        await self.rounds(self.dut.sendable(
            [Request(did=SUP_DID, iova=IOVA + i * SIZE_4K, ttyp=t, pid=SUP_PID, priv_s=True)
             for i in range(3) for t in (RD, WR, EX)]), n=2)

    async def gstage_permissions(self) -> None:
        if not (self.dut.has("sv39x4") or self.dut.has("sv48x4")):
            return
        gmode = self.dut.g_mode("sv39x4")
        g = self.page_table(gmode, gscid=9)
        g.map(IOVA, PA + 32 * SIZE_4K, perms="rw")                  # D=0 below
        g.map(IOVA + SIZE_4K, PA + 33 * SIZE_4K, perms="rw", user=False)
        self.clear_bits(g, IOVA, PTE_D)
        await self.after_update(self.ddt.set_dc(G_DID, DeviceContextSpec(
            g_mode=gmode, g_root=g.root, gscid=9)))
        beyond = [1 << 41, 1 << 42] if gmode == "sv39x4" else [1 << 50, 1 << 51]
        await self.rounds([Request(did=G_DID, iova=IOVA, ttyp=RD),
                           Request(did=G_DID, iova=IOVA, ttyp=WR),
                           Request(did=G_DID, iova=IOVA + SIZE_4K, ttyp=RD)]
                          + [Request(did=G_DID, iova=b + IOVA, ttyp=RD) for b in beyond])

    async def directory_faults(self, fs: str) -> None:
        pt = self.page_table(fs, pscid=70)
        pt.map(IOVA, PA + 40 * SIZE_4K, perms="rw")
        await self.after_update(self.ddt.set_dc(DDT_FAULT_DID, DeviceContextSpec(
            fs_mode=fs, fs_root=pt.root, pscid=70)))
        entry = self.ddt.ddte_addr(DDT_FAULT_DID, 1)        # the mid-level (non-leaf) entry
        self.env.set_access_fault(entry, entry + 8)
        reqs = [Request(did=DDT_FAULT_DID, iova=IOVA, ttyp=RD)]
        pd_mode = self.dut.pd_mode("pd20")
        pd = self.process_directory(pd_mode, did=PDT_FAULT_DID)
        if pd.levels > 1:
            pd.set_pc(PDT_FAULT_PID, pscid=71, fs_mode=fs, fs_root=pt.root)
            await self.after_update(self.ddt.set_dc(PDT_FAULT_DID, DeviceContextSpec(
                pdtv=True, pdt_mode=pd_mode, pdt_root=pd.root)))
            entry = pd.pdte_addr(PDT_FAULT_PID, pd.levels - 1)   # the first non-leaf below the root
            self.env.set_access_fault(entry, entry + 8)
            reqs.append(Request(did=PDT_FAULT_DID, iova=IOVA, ttyp=RD, pid=PDT_FAULT_PID))
        if self.dut.has("sv39x4") or self.dut.has("sv48x4"):
            reqs.append(await self.guest_pdt_fault(pd_mode))
        await self.rounds(reqs, n=2)

    async def guest_pdt_fault(self, pd_mode: str) -> Request:
        """A process directory in guest-physical memory: the G-stage entry mapping its pages
        answers with a bus error, so reading the PDT fails (265, not the request's own
        access fault)."""
        gmode = self.dut.g_mode("sv39x4")
        g = self.page_table(gmode, gscid=11)
        g.map(G_TABLES, SPA_TABLES, SIZE_2M, "rw")
        galloc = PageAllocator(G_TABLES, SIZE_2M, self.store64, addr_to_pa=g.translate, zero=False)
        pd = self.process_directory(pd_mode, alloc=galloc, addr_to_pa=g.translate,
                                    did=GPD_DID, gscid=11)
        pd.set_pc(PDT_FAULT_PID, pscid=73)
        await self.after_update(self.ddt.set_dc(GPD_DID, DeviceContextSpec(
            pdtv=True, pdt_mode=pd_mode, pdt_root=pd.root, g_mode=gmode, g_root=g.root,
            gscid=11)))
        entry = g.entry_addr(G_TABLES, 1)                    # the 2 MiB G-stage leaf
        self.env.set_access_fault(entry, entry + 8)
        return Request(did=GPD_DID, iova=IOVA, ttyp=RD, pid=PDT_FAULT_PID)

    async def high_did_change(self, fs: str) -> None:
        """The DC of a device above 16 bits of device_id changes (the persona's IODIR
        DV=1 DID=it + IOFENCE.C); its requests must then use the new context."""
        pt = self.page_table(fs, pscid=72)
        pt.map(IOVA, PA + 48 * SIZE_4K, perms="rw")
        await self.after_update(self.ddt.invalidate_dc(ALIAS_DIDS[1]))     # V=0, IODIR
        await self.after_update(self.ddt.set_dc(ALIAS_DIDS[1], DeviceContextSpec(
            fs_mode=fs, fs_root=pt.root, pscid=72)))
        await self.rounds([Request(did=d, iova=IOVA, ttyp=RD) for d in ALIAS_DIDS], n=2)

    async def bare_mode(self) -> None:
        """ddtp to Off (same PPN), then Bare, each once busy reads 0: untranslated requests
        pass through, translated ones are disallowed (260)."""
        ddtp = self.ddt.ddtp()
        for mode in (0, 1):
            await self.reg_write(Reg.DDTP, ddtp & ~0xF | mode)
            for _ in range(1000):
                if not await self.reg_read(Reg.DDTP) & DDTP_BUSY:
                    break
        await self.translate([Request(did=PERM_DID, iova=IOVA, ttyp=RD),
                              Request(did=PERM_DID, iova=IOVA, ttyp=TTYP.TRANSLATED_READ),
                              Request(did=PERM_DID, iova=IOVA, ttyp=TTYP.TRANSLATED_WRITE)])

    async def one_level(self) -> None:
        """From Bare to a fresh, empty 1LVL directory (the old directory's entries invalidated):
        a device_id with DDI[1] bits set does not fit a 1LVL table (260), an empty slot is not
        valid (258)."""
        root = self.alloc.alloc_page()
        await self.reg_write(Reg.DDTP, root >> 12 << 10 | 2)
        for _ in range(1000):
            if not await self.reg_read(Reg.DDTP) & DDTP_BUSY:
                break
        await self.run_commands([iodir_inval_ddt()])
        wide = 0x80 if not self.dut.has("msi_flat") else 0x40     # DDI[1] bit 0
        await self.translate([Request(did=wide | 5, iova=IOVA, ttyp=RD),
                              Request(did=5, iova=IOVA, ttyp=RD)])

    def clear_bits(self, pt, va: int, bits: int) -> None:
        """Before any request used the page: clear leaf bits with a plain store."""
        pa = pt.pte_addr(va)
        self.store64(pa, self.env.peek64(pa) & ~bits)
