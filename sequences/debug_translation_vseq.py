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
context, so a process_id is disallowed: cause 260). A DUT without DBG skips the scenario.
"""
from __future__ import annotations

from models import Reg
from models import debug_translation as dbg
from sequences.guest_update_vseq import GuestUpdateBase
from sequences.sw.page_table import SIZE_2M, SIZE_64K

DID = 0x41
IOVA = 0x6000_0000
RW_4K, RO_4K, BIG_2M, NAPOT_64K, UNMAPPED = (IOVA, IOVA + 0x1000, IOVA + 0x20_0000,
                                              IOVA + 0x40_0000, IOVA + 0x60_0000)
READ, WRITE, EXEC = dbg.NW, 0, dbg.EXE | dbg.NW
POLLS = 10_000


class DebugTranslationVseq(GuestUpdateBase):
    async def body(self):
        if not self.dut.need("dbg", "debug translations (the whole dbg scenario)"):
            return
        await self.init_iommu("1lvl")
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

    async def ask(self, iova: int, ctl: int, *, expect_fault: bool) -> int:
        """One debug translation; returns tr_response (the scoreboard judges it)."""
        await self.reg_write(Reg.TR_REQ_IOVA, iova & ~0xFFF)
        await self.reg_write(Reg.TR_REQ_CTL, ctl | DID << dbg.DID_SHIFT | dbg.GO)
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
