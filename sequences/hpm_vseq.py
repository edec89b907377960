"""The performance monitor (capabilities.HPM): counters programmed with several filters, traffic,
then every counter read back; the scoreboard judges each read against the model
(scoreboards/hpm_checker.py: events 1/2 exact, walk/miss events up to the model's count for
an IOMMU without caches, iohpmcycles monotonic, OF and ipsr.pmip), and the sequence checks
that the exact counters hold what the traffic meant (a scenario that counts nothing fails).

Shape: software finds it as the spec's WARL registers allow (all-ones written to iocountinh
and iohpmctr1, read back) and tells the model (env.hpm_shape). Counters are programmed while
inhibited (iocountinh), as the spec recommends, and only while no request is in flight.

Devices (1LVL DDT): A 0x21 and B 0x22 (Sv39, PSCIDs 12 and 13), C 0x29 (Sv39, PSCID 14),
P 0x30 (PDTV, PD8: process 5 with PSCID 20, process 6 with PSCID 21), G 0x31 and H 0x32
(G-stage only, Sv39x4, GSCIDs 3 and 4).

Phase 1, counters (as many as the DUT has, up to 8):
  1 event 1, no filter            2 event 1, device A (DV_GSCV)
  3 event 1, DID 0x23 with DMASK (devices 0x20..0x27: A and B, not C)
  4 event 1, process_id 5 (PV_PSCV)   5 event 2 (translated requests: each faults, 260)
  6 event 8, IDT=1, GSCID 3 (G's G-stage walks, not H's)
  7 event 7, IDT=1, PSCID 20 (P's process 5 first-stage walks, not process 6's)
  8 event 1, device A, preset 3 below the wrap: overflows (OF, iocountovf, ipsr.pmip)
Phase 2: counters 6..8 reprogrammed to events 4, 5 and 6 (no filter) and counter 1
inhibited: it must not move. Phase 3: iohpmcycles inhibited (frozen), counting (at least the
cycles waited), preset near 2^63 (wraps: OF, pmip).

A DUT with ATS (capabilities.ATS) also runs phase 4: counter 1 event 3 (ATS translation
requests), counter 2 event 3 of device D 0x2A only; D (EN_ATS=1) and A (EN_ATS=0: each
request is refused, 260, and still counts) send ATS translation requests.

A DUT with interrupts as MSIs (capabilities.IGS = MSI or BOTH) gets the performance-monitor
interrupt as a message: msi_cfg_tbl vector PM_VEC, icvec.pmiv pointing at it (fctl.WSI = 0
with BOTH). Each pmip edge above then owes the message the model works out, and the
scoreboard judges the ones the IOMMU writes (as the msi scenario's queue interrupts).
"""
from __future__ import annotations

from cocotb.triggers import Timer

from models import Reg, Request, TTYP
from models import capabilities as capbits
from models import hpm as H
from sequences.ats_items import ats_request
from sequences.guest_update_vseq import GuestUpdateBase
from sequences.msi_flat_vseq import program_msi_vectors
from sequences.sw.commands import iodir_inval_ddt, iotinval_gvma, iotinval_vma
from sequences.sw.device_directory import DeviceContextSpec

A, B, C, P, G, GH, D = 0x21, 0x22, 0x29, 0x30, 0x31, 0x32, 0x2A
VA = 0x5000_0000
PA = 0x7200_0000
PMIP = 1 << 2
PM_VEC = 5                        # msi_cfg_tbl vector of the performance-monitor interrupt
OF = H.OF


def evt(event, did=None, pid=None, dmask=False, idt=False):
    """An iohpmevt value: eventID, DMASK [15], PID_PSCID [35:16] with PV_PSCV [60],
    DID_GSCID [59:36] with DV_GSCV [61], IDT [62]."""
    v = event | dmask << 15 | idt << 62
    if did is not None:
        v |= did << 36 | 1 << 61
    if pid is not None:
        v |= pid << 16 | 1 << 60
    return v


def ctr_reg(x):
    return Reg.IOHPMCTR1 + 8 * (x - 1)


def evt_reg(x):
    return Reg.IOHPMEVT1 + 8 * (x - 1)


class HpmVseq(GuestUpdateBase):
    async def body(self):
        if not self.dut.need("hpm", "the performance monitor (the whole hpm scenario)"):
            return
        self.n, self.width = await self.discover()
        self.mask = (1 << self.width) - 1
        if self.dut.caps.igs != capbits.IGS_WSI:
            await program_msi_vectors(self, pmiv=PM_VEC)
        await self.init_iommu("1lvl")
        await self.build_devices()
        await self.phase_filters()
        await self.phase_walks_and_inhibit()
        await self.phase_cycles()
        if self.dut.has("ats"):
            await self.phase_ats()

    # -- shape ------------------------------------------------------------------------------
    async def discover(self):
        await self.reg_write(Reg.IOCOUNTINH, 0xFFFF_FFFF, 4)
        inh = await self.reg_read(Reg.IOCOUNTINH, 4)
        n = inh.bit_length() - 1
        if inh != (1 << (n + 1)) - 1 or n < 1:
            raise AssertionError(f"HPM iocountinh reads {inh:#x} after all-ones: expected "
                                 f"CY and one bit per counter (at least iohpmctr1)")
        await self.reg_write(ctr_reg(1), (1 << 64) - 1)
        width = (await self.reg_read(ctr_reg(1))).bit_length()
        if not 32 <= width <= 64:
            raise AssertionError(f"HPM iohpmctr1 keeps {width} bits: the spec wants at least 32")
        self.env.hpm_shape(n, width)
        self.env.logger.info(f"HPM: {n} counters of {width} bits")
        # every register at a known value (the model is at reset values now)
        await self.reg_write(Reg.IOCOUNTINH, 0xFFFF_FFFF, 4)
        await self.reg_write(Reg.IOHPMCYCLES, 0)
        for x in range(1, n + 1):
            await self.reg_write(ctr_reg(x), 0)
            await self.reg_write(evt_reg(x), 0)
        return n, width

    # -- devices ----------------------------------------------------------------------------
    async def build_devices(self):
        for i, did in enumerate((A, B, C)):
            pt = await self.host_device(did, "sv39", pscid=12 + i)
            for p in range(2):
                await self.after_update(pt.map(VA + p * 0x1000, PA + (4 * i + p) * 0x1000,
                                               perms="rw"))
        pd = self.process_directory("pd8", did=P)
        await self.after_update(self.ddt.set_dc(P, DeviceContextSpec(
            pdtv=True, pdt_mode="pd8", pdt_root=pd.root)))
        for pid, pscid in ((5, 20), (6, 21)):
            pt = self.page_table("sv39", pscid=pscid)
            await self.after_update(pt.map(VA, PA + 0x10_0000 + pscid * 0x1000, perms="rw"))
            await self.after_update(pd.set_pc(pid, pscid=pscid, fs_mode="sv39", fs_root=pt.root))
        for did, gscid in ((G, 3), (GH, 4)):
            g = self.page_table("sv39x4", gscid=gscid)
            for p in range(2):
                await self.after_update(g.map(VA + p * 0x1000,
                                              PA + 0x20_0000 + (2 * gscid + p) * 0x1000,
                                              perms="rwx"))
            await self.after_update(self.ddt.set_dc(did, DeviceContextSpec(
                g_mode="sv39x4", g_root=g.root, gscid=gscid)))

    def traffic(self, rounds: int = 3) -> dict:
        """Requests of every device; returns them by name (untranslated unless 'tr')."""
        r = {}
        for name, did in (("A", A), ("B", B), ("C", C), ("G", G), ("H", GH)):
            r[name] = [Request(did=did, iova=VA + (i % 2) * 0x1000 + 8 * i,
                               ttyp=TTYP.UNTRANSLATED_READ if i % 3 else TTYP.UNTRANSLATED_WRITE,
                               pid=None, priv_s=False) for i in range(rounds * 2)]
        for pid in (5, 6):
            r[f"P{pid}"] = [Request(did=P, iova=VA + 8 * i, ttyp=TTYP.UNTRANSLATED_READ, pid=pid,
                                    priv_s=False) for i in range(rounds)]
        r["tr"] = [Request(did=A, iova=VA + 16 * i, ttyp=TTYP.TRANSLATED_READ, pid=None,
                           priv_s=False) for i in range(2)]
        return r

    async def send_all(self, r: dict):
        for reqs in r.values():
            await self.translate(reqs)

    async def program(self, counters: dict, presets: dict = None):
        """Inhibit all, set event selectors and counters, release (all but `keep_inhibited`)."""
        presets = presets or {}
        await self.reg_write(Reg.IOCOUNTINH, (1 << (self.n + 1)) - 1, 4)
        for x, e in counters.items():
            if x > self.n:
                continue
            await self.reg_write(evt_reg(x), e)
            await self.reg_write(ctr_reg(x), presets.get(x, 0) & self.mask)

    async def read_all(self) -> tuple[dict, dict]:
        ctr, ev = {}, {}
        for x in range(1, self.n + 1):
            ctr[x] = await self.reg_read(ctr_reg(x))
            ev[x] = await self.reg_read(evt_reg(x))
        return ctr, ev

    def expect(self, what: str, got: int, want: int) -> None:
        if got != want:
            raise AssertionError(f"HPM {what}: read {got:#x}, the traffic meant {want:#x}")

    # -- phase 1: filters and an overflow ---------------------------------------------------
    async def phase_filters(self):
        counters = {1: evt(H.UNTRANSLATED), 2: evt(H.UNTRANSLATED, did=A),
                    3: evt(H.UNTRANSLATED, did=0x23, dmask=True),
                    4: evt(H.UNTRANSLATED, pid=5), 5: evt(H.TRANSLATED),
                    6: evt(H.GS_WALK, did=3, idt=True), 7: evt(H.FS_WALK, pid=20, idt=True),
                    8: evt(H.UNTRANSLATED, did=A)}
        await self.program(counters, presets={8: self.mask - 2})
        await self.reg_write(Reg.IOCOUNTINH, 0, 4)
        r = self.traffic()
        await self.send_all(r)
        await self.reg_write(Reg.IOCOUNTINH, (1 << (self.n + 1)) - 1, 4)
        ctr, ev = await self.read_all()
        ovf = await self.reg_read(Reg.IOCOUNTOVF, 4)
        ipsr = await self.reg_read(Reg.IPSR, 4)
        untr = sum(len(v) for k, v in r.items() if k != "tr")
        want = {1: untr, 2: len(r["A"]), 3: len(r["A"]) + len(r["B"]), 4: len(r["P5"]),
                5: len(r["tr"]), 8: (self.mask - 2 + len(r["A"])) & self.mask}
        for x, w in want.items():
            if x <= self.n:
                self.expect(f"iohpmctr{x} (evt {counters[x]:#x})", ctr[x], w)
        if self.n >= 6 and not 1 <= ctr[6] <= 2 * len(r["G"]):
            raise AssertionError(f"HPM iohpmctr6 (G-stage walks of GSCID 3) read {ctr[6]}: "
                                 f"expected 1..{2 * len(r['G'])} (device G's walks only)")
        if self.n >= 8:
            if not ev[8] & OF or not ovf >> 8 & 1 or not ipsr & PMIP:
                raise AssertionError(f"HPM counter 8 wrapped (iohpmctr8 {ctr[8]:#x}) but "
                                     f"iohpmevt8 {ev[8]:#x}, iocountovf {ovf:#x}, ipsr {ipsr:#x}:"
                                     f" expected OF, iocountovf bit 8 and ipsr.pmip")
            # clear: OF rewritten to 0 (re-arms the interrupt), pmip W1C
            await self.reg_write(evt_reg(8), ev[8] & ~OF)
            await self.reg_write(Reg.IPSR, PMIP, 4)
            if await self.reg_read(Reg.IPSR, 4) & PMIP:
                raise AssertionError("HPM ipsr.pmip still 1 after a W1C (no new overflow)")

    # -- phase 2: walk events, an inhibited counter -----------------------------------------
    async def phase_walks_and_inhibit(self):
        counters = {6: evt(H.TLB_MISS), 7: evt(H.DDT_WALK), 8: evt(H.PDT_WALK)}
        await self.program(counters)
        before, _ = await self.read_all()
        await self.reg_write(Reg.IOCOUNTINH, 1 << 1, 4)           # counter 1 stays inhibited
        # invalidate everything: the walks happen again (counted up to the model's bound)
        await self.run_commands([iotinval_vma(), iotinval_gvma(), iodir_inval_ddt()])
        r = self.traffic(rounds=1)
        await self.send_all(r)
        await self.reg_write(Reg.IOCOUNTINH, (1 << (self.n + 1)) - 1, 4)
        after, _ = await self.read_all()
        walks = {x: after[x] - before[x] for x in (6, 7, 8) if x <= self.n}
        self.env.logger.info(f"HPM phase 2 ({sum(len(v) for v in r.values())} requests after "
                             f"invalidating everything): TLB misses {walks.get(6)}, DDT walks "
                             f"{walks.get(7)}, PDT walks {walks.get(8)}")
        self.expect("iohpmctr1 inhibited by iocountinh", after[1], before[1])
        self.expect("iohpmctr2 (device A)", after[2], before[2] + len(r["A"]))

    # -- phase 3: iohpmcycles ---------------------------------------------------------------
    async def wait_cycles(self, n: int):
        await Timer(n * self.env.cfg.clock_ns, unit="ns")

    async def phase_cycles(self):
        await self.reg_write(Reg.IOCOUNTINH, 0xFFFF_FFFF, 4)      # CY=1: frozen
        await self.reg_write(Reg.IOHPMCYCLES, 1000)
        await self.wait_cycles(50)
        self.expect("iohpmcycles inhibited", await self.reg_read(Reg.IOHPMCYCLES), 1000)
        await self.reg_write(Reg.IOCOUNTINH, 0, 4)                 # counting
        c0 = await self.reg_read(Reg.IOHPMCYCLES)
        await self.wait_cycles(200)
        c1 = await self.reg_read(Reg.IOHPMCYCLES)
        if c1 - c0 < 200:
            raise AssertionError(f"HPM iohpmcycles moved {c1 - c0} in 200 cycles: {c0:#x} -> "
                                 f"{c1:#x}")
        # near the wrap: 2^63 - 100, then 300 cycles
        await self.reg_write(Reg.IOCOUNTINH, 1, 4)
        await self.reg_write(Reg.IOHPMCYCLES, (1 << 63) - 100)
        await self.reg_write(Reg.IOCOUNTINH, 0, 4)
        await self.wait_cycles(300)
        c2 = await self.reg_read(Reg.IOHPMCYCLES)
        ovf = await self.reg_read(Reg.IOCOUNTOVF, 4)
        ipsr = await self.reg_read(Reg.IPSR, 4)
        if not c2 & OF or c2 & ~OF > 1000 or not ovf & 1 or not ipsr & PMIP:
            raise AssertionError(f"HPM iohpmcycles preset 100 below the wrap reads {c2:#x} "
                                 f"after 300 cycles, iocountovf {ovf:#x}, ipsr {ipsr:#x}: "
                                 f"expected a small value with OF, iocountovf.CY and pmip")
        # leave it quiet: inhibited at 0 without OF, pmip cleared
        await self.reg_write(Reg.IOCOUNTINH, 1, 4)
        await self.reg_write(Reg.IOHPMCYCLES, 0)
        await self.reg_write(Reg.IPSR, PMIP, 4)
        self.expect("ipsr.pmip after W1C", await self.reg_read(Reg.IPSR, 4) & PMIP, 0)

    # -- phase 4 (ATS): event 3 ---------------------------------------------------------------
    async def phase_ats(self):
        pt = await self.host_device(D, "sv39", pscid=15, en_ats=True)
        await self.after_update(pt.map(VA, PA + 0x40_0000, perms="rw"))
        await self.program({1: evt(H.ATS_REQ), 2: evt(H.ATS_REQ, did=D)})
        await self.reg_write(Reg.IOCOUNTINH, 0, 4)
        asks = [ats_request(D, VA + 0x1000 * (i % 2)) for i in range(5)]   # one page unmapped
        refused = [ats_request(A, VA) for _ in range(3)]                     # EN_ATS=0: UR
        await self.translate(asks + refused)
        await self.translate(self.traffic(rounds=1)["A"])                   # not event 3
        await self.reg_write(Reg.IOCOUNTINH, (1 << (self.n + 1)) - 1, 4)
        ctr, _ = await self.read_all()
        self.expect("iohpmctr1 (event 3: ATS translation requests)", ctr[1],
                    len(asks) + len(refused))
        if self.n >= 2:
            self.expect("iohpmctr2 (event 3 of device D)", ctr[2], len(asks))
