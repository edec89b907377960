"""PCIe ATS (capabilities.ATS): a device asks the IOMMU to translate pages (ATS Translation
Requests), keeps the completions in its own translation cache (the ATC, here `self.atc`), and
then sends Translated requests with the addresses it got.

The scoreboard judges every completion against the model (scoreboards/ats_port.py: status,
cause, R/W/Exe/U/Priv/N/Global, the range and its translated address), owes the fault record
of every UR/CA (TTYP 8), records every Success in the oracle's DeviceAtc, and judges every
Translated request: answered with its own address (DC.tc.T2GPA=0: an SPA) and using an entry
the device still holds (CoherenceOracle.check_translated). This sequence checks that each step
produced what it means to (e.g. a read-only page answered without W), so a scenario that
tests nothing fails.

Devices (1LVL DDT):
- 0x51: Sv39, EN_ATS=1, no process context: a 4 KiB read-write page, a 4 KiB read-only page,
  a 4 KiB page with W=1 and D=0, a 2 MiB read-write-execute page, a 64 KiB NAPOT page (with
  Svnapot) and an unmapped page; each asked with NW=0 and NW=1;
- 0x52: Sv39, EN_ATS=0: a Translation request is UR (cause 260), a Translated request 260;
- 0x53: PD8 process contexts with EN_ATS=1: process 3 (ENS=1, SUM=0) whose pages are a user
  page (U=1), a supervisor page (U=0, G=1) and a global user page; asked with and without
  Privilege Mode Requested and Execute Requested.
Then ATS.INVAL (a DUT with the ATS message port, profile port.ats_msg/ats_inv_cpl): the
testbench's device (tb/agents/dev/ats_device.py) receives every Invalidation Request, drops the
entries it covers from this sequence's ATC and answers with a completion DELAY cycles later;
the scoreboard matches every message with the model's, and the oracle's DeviceAtc judges
every Translated request after the IOFENCE.C: an entry an ATS.INVAL removed must not be used
once the fence completed (so a DUT that drops the message, or completes the fence before the
device answered, is caught by the device using a translation it still holds). ATS.INVALs: a
4 KiB page and a 2 MiB range of device 0x51; PASID 3 of device 0x53 with G=1 (its global
entries too); then ATS.PRGR, a PRG Response message; then a device that never answers: the
IOFENCE.C sets cmd_to, and completes once software clears it.
PRI (page requests on the device port as ttyp 9, the queue at PQ_BASE): device 0x55 (EN_ATS,
EN_PRI, PRPR) queues requests (with and without a PASID, a Stop Marker), device 0x51 (EN_PRI=0)
is refused (260, Invalid Request); the queue off (Response Failure), the queue full (pqof,
Success), the queue's memory failing (pqmf, Response Failure); pqt, pqcsr and ipsr read
against the model after each step; the scoreboard judges
every record the IOMMU writes and every PRG Response it sends.
- 0x54: two stages (Sv39 over Sv39x4, GSCID 9), EN_ATS=1 and, with capabilities.T2GPA,
  T2GPA=1: a page writable at both stages, one read-only at the G-stage, a 2 MiB page at both
  stages; the completions carry the range at both stages and (T2GPA=1) the GPA, and the
  Translated requests with those GPAs are translated by the G-stage (T2GPA=0: the SPA, used
  as is).
- 0x56 (with MSI_FLAT): G-stage only with an MSI page in basic mode: R and W, 4 KiB, the
  interrupt file's address (asked right after a G-stage read-only page);
- 0x59 (with MSI_MRIF as well): G-stage only with an interrupt file whose MSI PTE is in MRIF
  mode: the spec's step for an MRIF-mode PTE says "If the transaction is a PCIe ATS translation
  request then return a Success response with R, W, and U bit set to 1", and the U bit tells
  the device to use only Untranslated requests there: Success with R=W=U=1 whatever No Write
  asked, no Exe, not Global, no translated address (the port's address field 0, S=0: the
  implied 4 KiB range), nothing the device's ATC may use, dev_rsp_mrif 0 (nothing consumed).
  Asked with NW=0 and NW=1 right after a G-stage read-only page; then the device writes the
  MSI untranslated (a port with write data), which the MRIF records;
- 0x5A (with MSI_MRIF): two stages with a PD8 process context (the PDT and the guest's
  first-stage tables at GPAs), process 3 (ENS=1): a supervisor, global, executable page and a
  supervisor, global, executable leaf whose GPA is the MRIF page, both asked with Privilege
  Mode Requested and Execute Requested: the first R, W, Exe, Priv, Global; the second Success
  with R=W=U=1 and Priv=1 (the request's), but Exe=0 and Global=0 (the spec: Global is 0 for
  MSI address translations; an MSI page grants no execute) and no address.
A DUT without ATS, or whose device port lacks the ATS signals (profile port.ats_req/ats_rsp),
skips the scenario with the reason.
"""
from __future__ import annotations

from models import TTYP, Reg, Request
from models import capabilities as capbits
from models import msi_mrif
from models.ats import SC, UR, inval_payload, prgr_payload
from models.command_queue import Command
from sequences.ats_items import ats_request, page_request_msg
from sequences.guest_update_vseq import GuestUpdateBase
from sequences.items import WriteRequest
from sequences.msi_flat_vseq import program_msi_vectors
from sequences.sw.device_directory import DeviceContextSpec
from sequences.sw.page_table import SIZE_2M, SIZE_64K

IOVA = 0x6800_0000
RW, RO, CLEAN, BIG, NAPOT, UNMAPPED = (IOVA, IOVA + 0x1000, IOVA + 0x2000, IOVA + 0x20_0000,
                                       IOVA + 0x40_0000, IOVA + 0x60_0000)
PA = 0x7800_0000
DID, DID_OFF, DID_PASID, DID_2S = 0x51, 0x52, 0x53, 0x54
G_TABLES, SPA_TABLES = 0x8000_0000, 0x2A00_0000   # the guest's first-stage tables (0x54)
G_DATA, SPA_DATA = 0x9000_0000, 0x3A00_0000       # its data pages: GPA, SPA
PID = 3
TR = {"r": TTYP.TRANSLATED_READ, "w": TTYP.TRANSLATED_WRITE, "x": TTYP.TRANSLATED_EXEC}
DELAY = 200                      # cycles the device takes to answer an Invalidation Request
TIMEOUT_POLLS = 4000             # cqcsr reads while an IOFENCE.C waits for an unanswered device
CQCSR_CQEN, CQCSR_CMD_TO = 1, 1 << 9
PQ_BASE, PQ_LOG2SZM1 = 0x0005_0000, 2          # the page-request queue: 8 records of 16 bytes
PQEN, PIE, PQOF = 1, 2, 1 << 9
IPSR_PIP = 1 << 3
PQ_VEC = 7                       # msi_cfg_tbl vector of the page-request queue's interrupt
DID_PRI = 0x55
DID_MSI = 0x56                   # G-stage only, with an MSI page table (MSI_FLAT)
DID_SADE, DID_GADE = 0x57, 0x58  # SADE=1 (first stage), GADE=1 (G-stage only): AMO_HWAD
MSI_PATTERN, IMSIC = 0x2_8000, 0x3F00_0000        # GPA 0x2800_0000 -> its interrupt file
DID_MRIF = 0x59                  # G-stage only, an interrupt file in MRIF mode (MSI_MRIF)
MRIF_PATTERN = 0x2_9000          # GPA 0x2900_0000 -> the MRIF below
MRIF, NOTICE, NID = 0x3E00_0000, 0x3E00_1000, 0x123
MRIF_IDENTITY = 9                # the MSI the device then writes untranslated
DID_MRIF_2S = 0x5A               # two stages, a process context, a first-stage leaf to the MRIF
G_TABLES_M, SPA_TABLES_M = G_TABLES + 0x40_0000, SPA_TABLES + 0x40_0000   # its PDT and tables
MRIF_IOVA, PLAIN_IOVA = IOVA + 0x70_0000, IOVA + 0x71_0000


def ats_inval(did: int, base: int, size_log2: int = 12, pid=None, g: bool = False) -> Command:
    """ATS.INVAL of [base, base + 2^size_log2) at device `did` (segment 0, DSV=0)."""
    return Command("ATS.INVAL", pid=pid or 0, pv=int(pid is not None), rid=did & 0xFFFF,
                   payload=inval_payload(base, size_log2, g))


class AtsVseq(GuestUpdateBase):
    async def body(self):
        if not self.dut.need("ats", "PCIe ATS translation and translated requests (the ats scenario)"):
            return
        self.atc: dict = {}              # (did, pid, page) -> AtsCompletion the device holds
        if self.dut.caps.igs != capbits.IGS_WSI:
            # interrupts as MSIs: each pip 0 -> 1 edge of the page requests below owes the
            # message of msi_cfg_tbl[PQ_VEC] (the scoreboard matches it with the model's)
            await program_msi_vectors(self, piv=PQ_VEC)
        # (extended DCs with MSI_FLAT: a 1LVL directory holds device_ids up to 0x3F only)
        await self.init_iommu("2lvl" if self.dut.has("msi_flat") else "1lvl")
        if not getattr(self.env.dev.bfm, "ats", False):
            self.dut.skip("PCIe ATS translation requests, the device's ATC, ATS.INVAL (the ats "
                          "scenario but its Translated requests with EN_ATS=0)",
                          f"DUT {self.dut.name}'s device port has no ATS signals (profile keys "
                          f"port.ats_req, port.ats_rsp)")
            await self.translated_disabled()
            return
        await self.host_pages()
        await self.ats_disabled()
        await self.with_pasid()
        await self.two_stage()
        if self.dut.has("msi_flat"):
            await self.msi_page()
            if self.dut.has("msi_mrif"):
                await self.mrif_page()
        if self.dut.has("amo_hwad"):
            await self.ad_updates()
        await self.invalidations()
        await self.page_requests()

    # -- the device's side ----------------------------------------------------------------
    async def ask(self, areqs: list) -> list:
        """Send ATS Translation Requests; keep every completion granting access in the ATC.
        Returns the completions, in request order."""
        results = await self.translate(areqs)
        by_req = {}
        for res in results:
            if res.ats is None:
                raise AssertionError(f"ATS request {res.req} answered without a completion "
                                     f"(the port's ATS outputs were not read)")
            by_req[res.req] = res.ats.completion
        out = [by_req[a] for a in areqs]
        for a, c in zip(areqs, out):
            if c.ok and not c.u:         # U=1: Untranslated requests only, nothing to keep
                self.atc[(a.did, a.pid, a.iova >> 12)] = (a.iova, c)
        return out

    async def use(self, did: int, iova: int, access: str, pid=None) -> None:
        """A Translated request through the ATC entry for iova's page (must exist)."""
        base, c = self.atc[(did, pid, iova >> 12)]
        addr = c.translate(iova)
        res = await self.translate([Request(did=did, iova=addr, ttyp=TR[access], pid=pid)])
        if res and res[0].fault:
            raise AssertionError(f"ATS translated {access} of {addr:#x} (device {did:#x}, from "
                                 f"the completion for {base:#x}) faulted with "
                                 f"{res[0].cause}: EN_ATS=1, T2GPA=0 passes it untouched")

    def want(self, what: str, c, status: str, **fields) -> None:
        bad = [] if c.status == status else [f"status {c.status}"]
        bad += [f"{k}={getattr(c, k)}" for k, v in fields.items() if getattr(c, k) != v]
        if bad:
            raise AssertionError(f"ATS {what}: completion {c}, expected {status} "
                                 f"{fields or ''} ({', '.join(bad)})")

    # -- a device without process context -------------------------------------------------
    async def host_pages(self) -> None:
        pt = await self.host_device(DID, "sv39", pscid=13, en_ats=True)
        await self.after_update(pt.map(RW, PA, perms="rw"))
        await self.after_update(pt.map(RO, PA + 0x1000, perms="r"))
        await self.after_update(pt.map(CLEAN, PA + 0x2000, perms="rw", ad="a"))
        await self.after_update(pt.map(BIG, PA + 0x20_0000, size=SIZE_2M, perms="rwx"))
        pages = [RW, RO, CLEAN, BIG + 0x3_4000, UNMAPPED]
        if self.dut.has("svnapot"):
            await self.after_update(pt.map(NAPOT, PA + 0x40_0000, size=SIZE_64K, perms="rw"))
            pages.append(NAPOT + 0x5000)
        asked = [ats_request(DID, va, no_write=nw) for va in pages for nw in (True, False)]
        got = dict(zip(((a.iova, a.no_write) for a in asked), await self.ask(asked)))
        self.want("read-write page, NW=0", got[(RW, False)], SC, r=True, w=True, size_log2=12)
        self.want("read-write page, NW=1", got[(RW, True)], SC, r=True)
        self.want("read-only page, NW=0", got[(RO, False)], SC, r=True, w=False)
        self.want("W=1 D=0 page, NW=0", got[(CLEAN, False)], SC, r=True, w=False)
        self.want("2 MiB page, NW=0", got[(BIG + 0x3_4000, False)], SC, r=True, w=True,
                  size_log2=21, addr=PA + 0x20_0000)
        self.want("unmapped page", got[(UNMAPPED, False)], SC, r=False, w=False)
        if self.dut.has("svnapot"):
            self.want("64 KiB NAPOT page", got[(NAPOT + 0x5000, False)], SC, r=True, w=True,
                      size_log2=16, addr=PA + 0x40_0000)
        # the device uses what it holds: reads everywhere it may read, writes where it may
        for (did, pid, _), (va, c) in list(self.atc.items()):
            await self.use(did, va + 0x80, "r", pid)
            if c.w:
                await self.use(did, va + 0xC0, "w", pid)

    # -- EN_ATS=0 ----------------------------------------------------------------------------
    async def ats_disabled(self) -> None:
        pt = await self.host_device(DID_OFF, "sv39", pscid=14)
        await self.after_update(pt.map(RW, PA + 0x8000, perms="rw"))
        c, = await self.ask([ats_request(DID_OFF, RW)])
        self.want("EN_ATS=0", c, UR, cause=260)
        await self.translated_disabled(pt)

    async def translated_disabled(self, pt=None) -> None:
        """A Translated request of a device with EN_ATS=0: cause 260 (step 7)."""
        if pt is None:
            pt = await self.host_device(DID_OFF, "sv39", pscid=14)
            await self.after_update(pt.map(RW, PA + 0x8000, perms="rw"))
        res = await self.translate([Request(did=DID_OFF, iova=PA + 0x8000,
                                            ttyp=TTYP.TRANSLATED_READ)])
        if res and not (res[0].fault and res[0].cause == 260):
            raise AssertionError(f"ATS translated read with EN_ATS=0: {res[0]}, expected cause 260")

    # -- a device with process contexts ------------------------------------------------------
    async def with_pasid(self) -> None:
        pd = self.process_directory("pd8", did=DID_PASID)
        pt = self.page_table("sv39", pscid=15)
        pt.map(RW, PA + 0x10_0000, perms="rwx")                         # user page
        pt.map(RO, PA + 0x10_1000, perms="rx", user=False, global_=True)  # supervisor, global
        pt.map(CLEAN, PA + 0x10_2000, perms="rw", global_=True)           # user, global
        await self.after_update(pd.set_pc(PID, pscid=15, fs_mode="sv39", fs_root=pt.root,
                                          ens=True))
        await self.after_update(self.ddt.set_dc(DID_PASID, DeviceContextSpec(
            pdtv=True, pdt_mode="pd8", pdt_root=pd.root, en_ats=True)))
        asks = [ats_request(DID_PASID, RW, pid=PID, exec_req=True),
                ats_request(DID_PASID, RW, pid=PID, priv_s=True, exec_req=True),
                ats_request(DID_PASID, RO, pid=PID, priv_s=True, exec_req=True, no_write=True),
                ats_request(DID_PASID, RO, pid=PID),
                ats_request(DID_PASID, CLEAN, pid=PID, priv_s=True),
                ats_request(DID_PASID, RW, pid=9)]
        u_x, s_u, s_sup, u_sup, s_glob, no_pc = await self.ask(asks)
        self.want("user page, user, Exe", u_x, SC, r=True, w=True, x=True, priv=False, g=False)
        # a supervisor access to a user page with SUM=0: a page fault, so no permission
        self.want("user page, supervisor (SUM=0)", s_u, SC, r=False, w=False)
        self.want("supervisor global page, supervisor, Exe", s_sup, SC, r=True, w=False, x=True,
                  priv=True, g=True)
        self.want("supervisor page, user", u_sup, SC, r=False, w=False)
        self.want("user global page, supervisor (SUM=0)", s_glob, SC, r=False)
        # process 9 has no valid PC: PDT entry not valid (266) is answered without permission
        self.want("process without a context", no_pc, SC, r=False, w=False)
        # a supervisor request for the global page with SUM=1 sees it (G=1, Priv=1)
        await self.after_update(pd.set_pc(PID, pscid=15, fs_mode="sv39", fs_root=pt.root,
                                          ens=True, sum_=True))
        c, = await self.ask([ats_request(DID_PASID, CLEAN, pid=PID, priv_s=True)])
        self.want("user global page, supervisor (SUM=1)", c, SC, r=True, w=True, priv=True,
                  g=True)
        await self.use(DID_PASID, RW + 0x10, "r", PID)
        await self.use(DID_PASID, RW + 0x10, "x", PID)
        await self.use(DID_PASID, RO + 0x10, "x", PID)
        await self.use(DID_PASID, CLEAN + 0x10, "w", PID)

    # -- two stages, T2GPA ---------------------------------------------------------------------
    async def two_stage(self) -> None:
        t2gpa = self.dut.has("t2gpa")
        gscid = 9
        g, guest = self.guest_page_table(gscid, 16, G_TABLES, SPA_TABLES)
        g.map(G_DATA, SPA_DATA, perms="rw")
        g.map(G_DATA + 0x1000, SPA_DATA + 0x1000, perms="r")
        g.map(G_DATA + 0x20_0000, SPA_DATA + 0x20_0000, SIZE_2M, "rwx")
        guest.map(RW, G_DATA, perms="rw")
        guest.map(RO, G_DATA + 0x1000, perms="rw")            # read-only at the G-stage
        guest.map(BIG, G_DATA + 0x20_0000, size=SIZE_2M, perms="rwx")
        await self.after_update(self.ddt.set_dc(DID_2S, DeviceContextSpec(
            fs_mode="sv39", fs_root=guest.root, pscid=16, g_mode="sv39x4", g_root=g.root,
            gscid=gscid, en_ats=True, t2gpa=t2gpa)))
        rw, ro, big = await self.ask([ats_request(DID_2S, RW), ats_request(DID_2S, RO),
                                      ats_request(DID_2S, BIG + 0x5_6000)])
        out = G_DATA if t2gpa else SPA_DATA          # what a completion's address is
        self.want("two stages, both writable", rw, SC, r=True, w=True, addr=out, size_log2=12)
        self.want("two stages, G-stage read-only", ro, SC, r=True, w=False, addr=out + 0x1000)
        self.want("two stages, 2 MiB at both", big, SC, r=True, w=True, addr=out + 0x20_0000,
                  size_log2=21)
        await self.use(DID_2S, RW + 0x28, "r")
        await self.use(DID_2S, RW + 0x28, "w")
        await self.use(DID_2S, RO + 0x30, "r")
        await self.use(DID_2S, BIG + 0x5_6038, "w")

    # -- hardware A/D update (AMO_HWAD) ---------------------------------------------------------
    async def ad_updates(self) -> None:
        """ATS translation requests under SADE/GADE=1 (models/ats.py: walked as a read, and as
        a write when No Write = 0): a writable page with D=0 asked with NW=0 gets D set and W;
        asked with NW=1 only A (an IOMMU that sets D then is caught by the scoreboard's A/D
        judge); a read-only page W=0. Every PTE write the DUT makes is judged."""
        pt = await self.host_device(DID_SADE, "sv39", pscid=18, en_ats=True, sade=True)
        for i, (perms, ad) in enumerate((("rw", "a"), ("rw", ""), ("r", ""))):
            await self.after_update(pt.map(IOVA + 0x10_0000 + 0x1000 * i,
                                           PA + 0x30_0000 + 0x1000 * i, perms=perms, ad=ad))
        clean, fresh, ro = await self.ask([
            ats_request(DID_SADE, IOVA + 0x10_0000),
            ats_request(DID_SADE, IOVA + 0x10_1000, no_write=True),
            ats_request(DID_SADE, IOVA + 0x10_2000)])
        self.want("SADE=1, D=0 page, NW=0", clean, SC, r=True, w=True)
        self.want("SADE=1, A=D=0 page, NW=1", fresh, SC, r=True, w=False)
        self.want("SADE=1, read-only page, NW=0", ro, SC, r=True, w=False)
        g = self.page_table("sv39x4", gscid=14)
        await self.after_update(self.ddt.set_dc(DID_GADE, DeviceContextSpec(
            g_mode="sv39x4", g_root=g.root, gscid=14, en_ats=True, gade=True)))
        await self.after_update(g.map(G_DATA, SPA_DATA + 0x50_0000, perms="rw", ad=""))
        gpage, = await self.ask([ats_request(DID_GADE, G_DATA)])
        self.want("GADE=1, A=D=0 G-stage page, NW=0", gpage, SC, r=True, w=True)

    # -- an MSI page (MSI_FLAT) -------------------------------------------------------------
    async def msi_page(self) -> None:
        """An ATS translation request for an MSI page (basic mode): the MSI PTE stands in for
        the G-stage, which is not walked: R and W, no Exe, not Global, 4 KiB, the interrupt
        file's address (the model's answer, models/ats.py). Asked right after a G-stage
        read-only page, so an IOMMU that leaves that walk's permissions in place answers W=0."""
        g = self.page_table("sv39x4", gscid=13)
        g.map(G_DATA, SPA_DATA + 0x40_0000, perms="r")
        root = self.alloc.alloc_page()
        store = self.structure_store()                  # MSI page tables follow fctl.BE
        store(root, 1 | 3 << 1 | (IMSIC >> 12) << 10)     # V, basic mode M=3, PPN
        store(root + 8, 0)
        await self.after_update(self.ddt.set_dc(DID_MSI, DeviceContextSpec(
            g_mode="sv39x4", g_root=g.root, gscid=13, en_ats=True, msi_mode="flat",
            msi_root=root, msi_addr_mask=0, msi_addr_pattern=MSI_PATTERN)))
        ro, msi = await self.ask([ats_request(DID_MSI, G_DATA),
                                  ats_request(DID_MSI, MSI_PATTERN << 12)])
        self.want("G-stage read-only page", ro, SC, r=True, w=False, addr=SPA_DATA + 0x40_0000)
        self.want("MSI page", msi, SC, r=True, w=True, x=False, g=False, addr=IMSIC,
                  size_log2=12)

    async def mrif_page(self) -> None:
        """ATS translation requests for an interrupt file whose MSI PTE is in MRIF mode:
        Success with R=W=U=1, no address (module docstring). Asked right after a G-stage
        read-only page, so permissions a previous walk left in place show."""
        g = self.page_table("sv39x4", gscid=15)
        g.map(G_DATA, SPA_DATA + 0x60_0000, perms="r")
        root = self.alloc.alloc_page()
        store = self.structure_store()                  # MSI page tables follow fctl.BE
        w0, w1 = msi_mrif.encode_pte(MRIF, NOTICE, NID)
        store(root, w0)
        store(root + 8, w1)
        await self.after_update(self.ddt.set_dc(DID_MRIF, DeviceContextSpec(
            g_mode="sv39x4", g_root=g.root, gscid=15, en_ats=True, msi_mode="flat",
            msi_root=root, msi_addr_mask=0, msi_addr_pattern=MRIF_PATTERN)))
        page = MRIF_PATTERN << 12
        for nw in (False, True):
            ro, c = await self.ask([ats_request(DID_MRIF, G_DATA),
                                    ats_request(DID_MRIF, page, no_write=nw)])
            self.want("G-stage read-only page", ro, SC, r=True, w=False,
                      addr=SPA_DATA + 0x60_0000)
            self.want(f"MRIF-mode MSI page, NW={int(nw)}", c, SC, r=True, w=True, u=True,
                      x=False, g=False, priv=False, addr=None)
        for (did, _, _), (va, c) in self.atc.items():
            if did == DID_MRIF and va == page:
                raise AssertionError(f"ATS the device keeps the MRIF page's completion {c}")
        await self.mrif_page_pasid(root)
        if getattr(self.env.dev.bfm, "req_data", None) is None:
            return
        # U=1: the device writes the MSI untranslated, and the IOMMU records it in the MRIF
        res, = await self.translate([WriteRequest(did=DID_MRIF, iova=page,
                                                  ttyp=TTYP.UNTRANSLATED_WRITE,
                                                  data=MRIF_IDENTITY)])
        if res.mrif != msi_mrif.RECORDED:
            raise AssertionError(f"ATS untranslated MSI write to the MRIF page {page:#x}: "
                                 f"{res}, expected recorded (dev_rsp_mrif)")
        got = self.env.peek64(MRIF)
        if got != 1 << MRIF_IDENTITY:
            raise AssertionError(f"ATS MRIF pending doubleword @{MRIF:#x} holds {got:#x} after "
                                 f"the MSI of identity {MRIF_IDENTITY}, expected "
                                 f"{1 << MRIF_IDENTITY:#x}")

    async def mrif_page_pasid(self, msi_root: int) -> None:
        """Two stages with a process context: an ordinary supervisor page (R, W, Exe, Priv,
        Global), then a first-stage leaf to the MRIF page (the MRIF-mode PTE at msi_root): R=W=U=1
        and Priv as asked, but no Exe and no Global, whatever the first-stage leaf allows."""
        gscid, pscid = 17, 20
        g, guest = self.guest_page_table(gscid, pscid, G_TABLES_M, SPA_TABLES_M)
        g.map(G_DATA, SPA_DATA + 0x70_0000, perms="rwx")
        guest.map(PLAIN_IOVA, G_DATA, perms="rwx", user=False, global_=True)
        guest.map(MRIF_IOVA, MRIF_PATTERN << 12, perms="rwx", user=False, global_=True)
        pd = self.process_directory("pd8", alloc=guest.alloc, addr_to_pa=g.translate,
                                    did=DID_MRIF_2S, gscid=gscid)
        await self.after_update(pd.set_pc(PID, pscid=pscid, fs_mode="sv39", fs_root=guest.root,
                                          ens=True))
        await self.after_update(self.ddt.set_dc(DID_MRIF_2S, DeviceContextSpec(
            pdtv=True, pdt_mode="pd8", pdt_root=pd.root, g_mode="sv39x4", g_root=g.root,
            gscid=gscid, en_ats=True, msi_mode="flat", msi_root=msi_root, msi_addr_mask=0,
            msi_addr_pattern=MRIF_PATTERN)))
        plain, c = await self.ask([
            ats_request(DID_MRIF_2S, PLAIN_IOVA, pid=PID, priv_s=True, exec_req=True),
            ats_request(DID_MRIF_2S, MRIF_IOVA, pid=PID, priv_s=True, exec_req=True)])
        self.want("supervisor global page, supervisor, Exe", plain, SC, r=True, w=True, x=True,
                  priv=True, g=True, u=False, addr=SPA_DATA + 0x70_0000)
        self.want("MRIF-mode MSI page through a global executable leaf, supervisor, Exe", c, SC,
                  r=True, w=True, u=True, x=False, g=False, priv=True, addr=None)

    # -- ATS.INVAL and ATS.PRGR ----------------------------------------------------------------
    def atc_invalidate(self, msg) -> None:
        """The device's side of an Invalidation Request: drop the entries it covers (without
        a PASID every entry of the device in the range; with one, that PASID's entries and,
        with G=1, the global entries of every PASID)."""
        base, size_log2 = msg.range()
        for key, (va, c) in list(self.atc.items()):
            did, pid, _ = key
            if did != msg.did or (msg.pid is not None and pid != msg.pid and not (msg.g and c.g)):
                continue
            lo = va & ~((1 << c.size_log2) - 1)
            if lo < base + (1 << size_log2) and base < lo + (1 << c.size_log2):
                del self.atc[key]

    async def use_all(self) -> None:
        """The device reads through every entry it still holds."""
        for (did, pid, _), (va, c) in list(self.atc.items()):
            await self.use(did, va + 0x100, "r", pid)

    async def invalidations(self) -> None:
        dev = getattr(self.env, "ats_device", None)
        if dev is None:
            self.dut.skip("ATS.INVAL and ATS.PRGR (messages to the device)",
                          f"DUT {self.dut.name} has no ATS message port (profile keys "
                          f"port.ats_msg, port.ats_inv_cpl)")
            return
        dev.delay = DELAY
        dev.on_invalidate = self.atc_invalidate
        page = lambda did, va, pid=None: (did, pid, va >> 12)
        gone = [page(DID, RW), page(DID, BIG + 0x3_4000)]
        kept = [page(DID, RO), page(DID, CLEAN)]
        for k in gone + kept:
            if k not in self.atc:
                raise AssertionError(f"ATS: the device holds no entry for {k} before ATS.INVAL")
        await self.issue([ats_inval(DID, RW), ats_inval(DID, BIG, 21)])
        await self.use_all()             # after the fence: what the device still holds
        for k in gone:
            if k in self.atc:
                raise AssertionError(f"ATS: the entry {k} outlived its ATS.INVAL and IOFENCE.C "
                                     f"(no Invalidation Request reached the device)")
        if any(k not in self.atc for k in kept):
            raise AssertionError("ATS: an ATS.INVAL removed entries outside its range")
        # PASID 3 with G=1: its own entries and the global ones (all of them here)
        await self.issue([ats_inval(DID_PASID, 0x4000_0000, 30, pid=PID, g=True)])
        await self.use_all()
        if any(k[0] == DID_PASID for k in self.atc):
            raise AssertionError("ATS: PASID 3's entries outlived ATS.INVAL PV=1 G=1 over 1 GiB")
        # a PRG Response message (the scoreboard matches it with the model's)
        await self.issue([Command("ATS.PRGR", pid=PID, pv=1, rid=DID_PASID,
                                  payload=prgr_payload(0x1A5, 0))])
        if dev.completed < 3:
            raise AssertionError(f"ATS: the device answered {dev.completed} Invalidation "
                                 f"Requests, expected 3")
        await self.timeout()

    async def timeout(self) -> None:
        """A device that never answers: the IOFENCE.C after the ATS.INVAL sets cqcsr.cmd_to and
        stays at the head of the queue; software clears cmd_to and the fence completes (the
        model: the timed-out invalidation is reported once). The range holds no entry of the
        device's ATC, so the unanswered request leaves nothing behind."""
        self.env.ats_answers(False)
        cq = self.cq
        cq.write([ats_inval(DID, UNMAPPED)])
        fence_slot = cq.tail
        cq.write([self.fence_cmd()])
        await self.reg_write(*cq.doorbell_write())
        csr = 0
        for _ in range(TIMEOUT_POLLS):
            csr = await self.reg_read(Reg.CQCSR, 4)
            if csr & CQCSR_CMD_TO:
                break
        else:
            raise AssertionError(f"ATS: an unanswered ATS.INVAL, then IOFENCE.C: cqcsr={csr:#x}, "
                                 f"cmd_to never set")
        self.env.ats_answers(True)
        for reg, name in ((Reg.CQH, "cqh"), (Reg.CQCSR, "cqcsr")):
            got = await self.reg_read(reg, 4)
            want = self.env.expected_reg(reg, 4)
            if got != want:
                raise AssertionError(f"ATS: after the timeout {name}={got:#x}, expected {want:#x} "
                                     f"(cqh on the IOFENCE.C, slot {fence_slot}, and cmd_to)")
        cq.update_head(fence_slot)
        await self.reg_write(Reg.CQCSR, CQCSR_CQEN | CQCSR_CMD_TO, 4)
        cqh = await self.wait_cq_idle(cq.tail)
        cq.update_head(cqh)
        if cqh != cq.tail:
            raise AssertionError(f"ATS: after cmd_to was cleared the IOFENCE.C did not complete "
                                 f"(cqh={cqh}, cqt={cq.tail})")

    # -- PRI: page requests into the page-request queue -------------------------------------
    async def pq_expect(self, what: str) -> None:
        """pqt, pqcsr and ipsr as the model has them."""
        for reg, name in ((Reg.PQT, "pqt"), (Reg.PQCSR, "pqcsr"), (Reg.IPSR, "ipsr")):
            got = await self.reg_read(reg, 4)
            want = self.env.expected_reg(reg, 4)
            if got != want:
                raise AssertionError(f"PRI {what}: {name}={got:#x}, expected {want:#x}")

    async def page_requests(self) -> None:
        if getattr(self.env, "ats_device", None) is None:
            self.dut.skip("PRI page requests", f"DUT {self.dut.name} has no ATS message port "
                          f"(its PRG Responses could not be seen)")
            return
        await self.reg_write(Reg.PQB, (PQ_BASE >> 12) << 10 | PQ_LOG2SZM1)
        await self.reg_write(Reg.PQH, 0, 4)
        await self.reg_write(Reg.PQCSR, PQEN | PIE, 4)
        await self.host_device(DID_PRI, "sv39", pscid=17, en_ats=True, en_pri=True,
                               prpr=True)
        page = 0x7700_0000
        # two queued requests (one with a PASID, Priv and Exe), a Stop Marker, and one of a
        # device with EN_PRI=0 (260: a record and an Invalid Request response)
        await self.translate([page_request_msg(DID_PRI, page, 1, pid=4, priv=True)])
        await self.translate([page_request_msg(DID_PRI, page + 0x1000, 2, w=True, pid=5,
                                               priv=True, exec_req=True)])
        await self.translate([page_request_msg(DID_PRI, 0, 2, r=False, pid=5)])  # Stop Marker
        await self.translate([page_request_msg(DID, page, 3, pid=6)])
        await self.pq_expect("three records, one refusal")
        # the queue off: Response Failure (with the PASID), no record
        await self.reg_write(Reg.PQCSR, PIE, 4)
        await self.translate([page_request_msg(DID_PRI, page, 4, pid=7)])
        await self.pq_expect("queue off")
        # on again (pqt back to 0): 7 records fill the 8-entry queue, the next sets pqof
        await self.reg_write(Reg.PQH, 0, 4)
        await self.reg_write(Reg.PQCSR, PQEN | PIE, 4)
        for i in range(7):
            await self.translate([page_request_msg(DID_PRI, page + 0x1000 * i, 8 + i,
                                                   last=i == 6)])
        await self.pq_expect("queue full")
        await self.translate([page_request_msg(DID_PRI, page, 20, pid=9)])
        await self.pq_expect("overflow")
        if not await self.reg_read(Reg.PQCSR, 4) & PQOF:
            raise AssertionError("PRI: a page request into a full queue did not set pqof")
        # software takes the records and clears pqof and pip
        await self.reg_write(Reg.PQH, await self.reg_read(Reg.PQT, 4), 4)
        await self.reg_write(Reg.PQCSR, PQEN | PIE | PQOF, 4)
        await self.reg_write(Reg.IPSR, IPSR_PIP, 4)
        await self.pq_expect("records taken, pqof and pip cleared")
        # the queue's memory answers with a bus error: pqmf, Response Failure, pip (left set)
        self.env.set_access_fault(PQ_BASE, PQ_BASE + 16 << PQ_LOG2SZM1 + 1)
        await self.translate([page_request_msg(DID_PRI, page, 21, pid=4)])
        await self.pq_expect("record write bus error")
