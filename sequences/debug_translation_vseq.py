"""The debug translation-request interface (capabilities.DBG): software writes tr_req_iova,
then tr_req_ctl with Go/Busy=1, polls until Go/Busy reads 0 and reads tr_response.

The scoreboard judges every tr_response read against the oracle (tb/env/iommu_scoreboard.py,
`_debug_op`): a fault when the spec permits one (its fault record is then owed as for any
faulting request), else a translation of the requested page that some permitted outcome
allows, in any range from 4 KiB up to the page's (the spec lets an IOMMU report less). The
sequence itself checks that the settled answer is the one each step means (fault or not).

Device 0x41, Sv39 (PSCID 12): a 4 KiB read-write page, a 4 KiB read-only page, a 2 MiB page,
a 64 KiB NAPOT page (with Svnapot) and an unmapped page; each asked as a read (NW=1), as a
read-and-write (NW=0) and as an execute (Exe=1, NW=1); then a remap of the 4 KiB page with
its invalidation, asked again; then every request with PV=1 (the device has no process
context, so a process_id is disallowed: cause 260).
With MSI_FLAT (capabilities bit 22; then a 2LVL directory, as extended DCs need): device 0x42,
G-stage only (Sv39x4, GSCID 14), msiptp Flat with mask 0x1: interrupt file 0 in basic (flat)
mode to the IMSIC page 0x3F10_0000, asked as a read and a write (a translation to that page,
4 KiB) and as an execute (instruction access fault, 1); with MSI_MRIF (bit 23) as well,
interrupt file 1's PTE in MRIF mode: the debug chapter says "If the IOVA is determined to be
that of a virtual interrupt file and the corresponding MSI PTE is in MRIF mode, then the
process stops and reports a 'Transaction type disallowed' (cause = 260) fault", so a read and
a write are fault=1 with a cause-260 record each (an execute is 1, found by the MSI PTE's
checks first), and the MRIF and the notice page stay untouched (no pending bit, no notice: a
debug request is no MSI). A DUT without DBG skips the scenario.
"""
from __future__ import annotations

from models import Reg
from models import debug_translation as dbg
from models import msi_mrif
from sequences.guest_update_vseq import GuestUpdateBase
from sequences.sw.device_directory import DeviceContextSpec
from sequences.sw.page_table import SIZE_2M, SIZE_64K

DID = 0x41
IOVA = 0x6000_0000
RW_4K, RO_4K, BIG_2M, NAPOT_64K, UNMAPPED = (IOVA, IOVA + 0x1000, IOVA + 0x20_0000,
                                              IOVA + 0x40_0000, IOVA + 0x60_0000)
READ, WRITE, EXEC = dbg.NW, 0, dbg.EXE | dbg.NW
POLLS = 10_000
# MSI pages (MSI_FLAT, MSI_MRIF): device 0x42, G-stage only, two interrupt files at GPA
# 0x2800_0000 (file 0, basic mode) and 0x2800_1000 (file 1, MRIF mode)
DID_MSI, GSCID_MSI = 0x42, 14
MSI_PATTERN, MSI_MASK = 0x2_8000, 0x1
FLAT_PAGE, MRIF_PAGE = MSI_PATTERN << 12, (MSI_PATTERN | 1) << 12
IMSIC = 0x3F10_0000
MRIF, NOTICE, NID = 0x3E00_0000, 0x3F00_0000, 0x4A5


class DebugTranslationVseq(GuestUpdateBase):
    async def body(self):
        if not self.dut.need("dbg", "debug translations (the whole dbg scenario)"):
            return
        # (extended DCs with MSI_FLAT: a 1LVL directory holds device_ids up to 0x3F only)
        await self.init_iommu("2lvl" if self.dut.has("msi_flat") else "1lvl")
        pt = await self.host_device(DID, "sv39", pscid=12)
        await self.after_update(pt.map(RW_4K, 0x7100_0000, perms="rw"))
        await self.after_update(pt.map(RO_4K, 0x7100_1000, perms="r"))
        await self.after_update(pt.map(BIG_2M, 0x7120_0000, size=SIZE_2M, perms="rwx"))
        pages = [(RW_4K, "rw"), (RO_4K, "r"), (BIG_2M + 0x3_4000, "rwx"), (UNMAPPED, "")]
        if self.dut.has("svnapot"):
            await self.after_update(pt.map(NAPOT_64K, 0x7140_0000, size=SIZE_64K, perms="rw"))
            pages.append((NAPOT_64K + 0x5000, "rw"))
        for va, perms in pages:
            for kind, need in ((READ, "r"), (WRITE, "w"), (EXEC, "x")):
                await self.ask(va, kind, expect_fault=need not in perms)
        # a remap with its invalidation: the new page afterwards
        await self.after_update(pt.remap(RW_4K, 0x7180_0000))
        value = await self.ask(RW_4K, READ, expect_fault=False)
        if dbg.decode(value).base != 0x7180_0000:
            raise AssertionError(f"DEBUG after the remap and its invalidation tr_response "
                                 f"{value:#x} reports {dbg.decode(value).base:#x}, expected "
                                 f"0x71800000")
        # a process_id on a device context without PDTV: transaction type disallowed
        await self.ask(RW_4K, READ | dbg.PV | 5 << dbg.PID_SHIFT, expect_fault=True)
        if self.dut.has("msi_flat"):
            await self.msi_pages()

    async def msi_pages(self) -> None:
        """Debug translations of interrupt files: a basic-mode MSI PTE translates (4 KiB, the
        IMSIC page); an MRIF-mode one stops the process with 260 (module docstring)."""
        g = self.page_table("sv39x4", gscid=GSCID_MSI)
        root = self.alloc.alloc_page()
        store = self.structure_store()                 # MSI page tables follow fctl.BE
        store(root, 1 | 3 << 1 | (IMSIC >> 12) << 10)   # file 0: V, basic mode M=3, PPN
        store(root + 8, 0)
        mrif = self.dut.has("msi_mrif")
        if mrif:
            w0, w1 = msi_mrif.encode_pte(MRIF, NOTICE, NID)
            store(root + 16, w0)                        # file 1: MRIF mode
            store(root + 24, w1)
        await self.after_update(self.ddt.set_dc(DID_MSI, DeviceContextSpec(
            g_mode="sv39x4", g_root=g.root, gscid=GSCID_MSI, msi_mode="flat", msi_root=root,
            msi_addr_mask=MSI_MASK, msi_addr_pattern=MSI_PATTERN)))
        for kind in (READ, WRITE):
            value = await self.ask(FLAT_PAGE, kind, expect_fault=False, did=DID_MSI)
            r = dbg.decode(value)
            if (r.base, r.size_log2) != (IMSIC, 12):
                raise AssertionError(f"DEBUG flat MSI page {FLAT_PAGE:#x} tr_req_ctl {kind:#x}: "
                                     f"tr_response {value:#x} reports {r.base:#x}/2^"
                                     f"{r.size_log2}, expected {IMSIC:#x}/2^12 (the MSI PTE's "
                                     f"page)")
        await self.ask(FLAT_PAGE, EXEC, expect_fault=True, did=DID_MSI)
        if not mrif:
            return
        for kind in (READ, WRITE, EXEC):
            await self.ask(MRIF_PAGE, kind, expect_fault=True, did=DID_MSI)
        for pa, what in ((MRIF, "the MRIF's first pending doubleword"),
                         (NOTICE, "the notice MSI's page")):
            got = self.env.peek64(pa)
            if got:
                raise AssertionError(f"DEBUG after debug translations of the MRIF page "
                                     f"{MRIF_PAGE:#x}: {what} @{pa:#x} holds {got:#x}, expected 0 "
                                     f"(a debug request records no MSI and sends no notice)")

    async def ask(self, iova: int, ctl: int, *, expect_fault: bool, did: int = DID) -> int:
        """One debug translation; returns tr_response (the scoreboard judges it)."""
        await self.reg_write(Reg.TR_REQ_IOVA, iova & ~0xFFF)
        await self.reg_write(Reg.TR_REQ_CTL, ctl | did << dbg.DID_SHIFT | dbg.GO)
        for _ in range(POLLS):
            if not await self.reg_read(Reg.TR_REQ_CTL) & dbg.GO:
                break
        else:
            raise AssertionError(f"DEBUG tr_req_ctl Go/Busy still 1 after {POLLS} reads "
                                 f"(iova {iova:#x}): the translation never completed")
        value = await self.reg_read(Reg.TR_RESPONSE)
        if bool(value & dbg.FAULT) != expect_fault:
            what = "a fault" if expect_fault else "a translation"
            raise AssertionError(f"DEBUG iova {iova:#x} tr_req_ctl {ctl:#x}: tr_response "
                                 f"{value:#x}, expected {what}")
        return value
