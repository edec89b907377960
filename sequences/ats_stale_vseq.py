"""ATS translation requests and page requests while software's changes wait for their
invalidation (capabilities.ATS).

An IOMMU may answer both from its caches: our RTL's walker takes the device context from its
DDTC for ATS translation requests and page requests, a foreign IOMMU may also answer an ATS
request from its IOTLB. Until the IODIR.INVAL_DDT or IOTINVAL.VMA covering a change completes,
the answer of the old value is as permitted as memory's (the scoreboard judges against every
permitted walk: scoreboards/permitted_answers.py); after it only memory's. This sequence
makes each change, asks in the window (either answer passes), invalidates, asks again and
checks here that the new answer came, so a DUT that keeps the old value past its invalidation
fails (besides the scoreboard's own check).

Device 0x5A (1LVL DDT, Sv39, EN_ATS, EN_PRI, PRPR), two page tables: A maps IOVA to PA_A
read-write, B maps IOVA to PA_B read-only.
1. A request and an ATS request through A (the DC and A's entries may now be cached).
2. The DC's first-stage root moved to B in place, no invalidation: an ATS request (A's or
   B's answer); then IODIR.INVAL_DDT, IOTINVAL.VMA of the PSCID and IOFENCE.C: B's answer
   (PA_B, R, no W). The IODIR alone is not enough: IOTLB entries are tagged by PSCID, which
   did not change, so A's translation may stay cached until an IOTINVAL.VMA.
3. B's page made read-write, no IOTINVAL: an ATS request (W or not); then IOTINVAL.VMA +
   IOFENCE.C: W=1.
4. The DC's EN_PRI cleared in place, no IODIR: a page request (queued under the cached DC, or
   refused with 260); then IODIR.INVAL_DDT + IOFENCE.C: refused with 260 (Invalid Request).
A DUT without ATS, or whose device port lacks the ATS signals, skips the scenario.
"""
from __future__ import annotations

from dataclasses import replace

from models import Reg, Request, TTYP
from models.ats import SC
from sequences.ats_items import ats_request, page_request_msg
from sequences.ats_vseq import AtsVseq
from sequences.sw.commands import iodir_inval_ddt, iotinval_vma

DID = 0x5A
PSCID = 21
IOVA = 0x6A00_0000
PA_A, PA_B = 0x7A00_0000, 0x7B00_0000
PQ_BASE, PQ_LOG2SZM1 = 0x0005_8000, 2          # 8 records
PQEN = 1
PAGE = 0x7C00_0000                              # the page a page request names


class AtsStaleVseq(AtsVseq):

    async def body(self):
        if not self.dut.need("ats", "ATS and page requests answered from cached structures "
                             "(the ats_stale scenario)"):
            return
        await self.init_iommu("2lvl" if self.dut.has("msi_flat") else "1lvl")
        if not getattr(self.env.dev.bfm, "ats", False):
            self.dut.skip("ATS translation requests from cached structures",
                          f"DUT {self.dut.name}'s device port has no ATS signals (profile keys "
                          f"port.ats_req, port.ats_rsp)")
            return
        self.atc: dict = {}
        table_a = await self.host_device(DID, "sv39", pscid=PSCID, en_ats=True, en_pri=True,
                                         prpr=True)
        await self.after_update(table_a.map(IOVA, PA_A, perms="rw"))
        table_b = self.page_table("sv39", big_endian=self.first_stage_big, pscid=PSCID)
        table_b.map(IOVA, PA_B, perms="r")     # not reachable yet: nothing to invalidate
        self.maintain_caches("update")
        # 1. warm
        await self.translate([Request(did=DID, iova=IOVA, ttyp=TTYP.UNTRANSLATED_READ)])
        (c,) = await self.ask([ats_request(DID, IOVA)])
        self.want("table A's read-write page", c, SC, r=True, w=True, addr=PA_A)
        # 2. the DC's root moved to table B, the IODIR later
        dc = self.ddt.get_dc(DID)
        self.ddt.set_dc(DID, replace(dc, fs_root=table_b.root), in_place=True)
        self.maintain_caches("update")
        await self.ask([ats_request(DID, IOVA)])            # A's or B's: the scoreboard's
        await self.run_commands([iodir_inval_ddt(DID), iotinval_vma(pscid=PSCID)])
        (c,) = await self.ask([ats_request(DID, IOVA)])
        self.want("table B's read-only page after IODIR.INVAL_DDT and IOTINVAL.VMA", c, SC,
                  r=True, w=False, addr=PA_B)
        # 3. B's page made read-write, the IOTINVAL later
        table_b.protect(IOVA, "rw")
        self.maintain_caches("update")
        await self.ask([ats_request(DID, IOVA)])
        await self.run_commands([iotinval_vma(pscid=PSCID)])
        (c,) = await self.ask([ats_request(DID, IOVA)])
        self.want("table B's page made read-write, after IOTINVAL.VMA", c, SC, r=True, w=True,
                  addr=PA_B)
        # 4. EN_PRI cleared, the IODIR later
        await self.reg_write(Reg.PQB, (PQ_BASE >> 12) << 10 | PQ_LOG2SZM1)
        await self.reg_write(Reg.PQH, 0, 4)
        await self.reg_write(Reg.PQCSR, PQEN, 4)
        await self.translate([page_request_msg(DID, PAGE, 1, pid=4)])
        await self.pq_expect("a page request of a device with EN_PRI=1")
        dc = self.ddt.get_dc(DID)
        self.ddt.set_dc(DID, replace(dc, en_pri=False, prpr=False), in_place=True)
        self.maintain_caches("update")
        await self.translate([page_request_msg(DID, PAGE + 0x1000, 2, pid=4)])
        await self.pq_expect("EN_PRI cleared, before its IODIR.INVAL_DDT")
        await self.run_commands([iodir_inval_ddt(DID)])
        (res,) = await self.translate([page_request_msg(DID, PAGE + 0x2000, 3, pid=4)])
        if not (res.fault and res.cause in (None, 260)):
            raise AssertionError(f"PRI: a page request after EN_PRI=0 and IODIR.INVAL_DDT was "
                                 f"{'fault ' + str(res.cause) if res.fault else 'accepted'}, "
                                 f"expected fault 260 (Invalid Request)")
        await self.pq_expect("EN_PRI cleared, after its IODIR.INVAL_DDT")
