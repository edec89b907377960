"""Harness for iommu_xlate on its own: a memory responder backed by models.Memory, a device
request driver, a response + fault monitor, an invalidation driver, and builders for the
DDT / PDT / page tables (written here from the spec's layouts).

Every response can be compared with the golden model (models.IommuModel.walk), including the
fault record the spec calls for (DTF filtering, iotval2).
"""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import Optional

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, Event, First, ReadOnly, RisingEdge
from cocotb.utils import get_sim_time

from models import IommuModel, Memory, Reg, Request
from models.causes import REPORTED_DESPITE_DTF
from models.memory import AccessFault, PoisonedData

OFF, BARE, LVL1, LVL2, LVL3 = 0, 1, 2, 3, 4
V, R, W, X, U, G, A, D = 1, 2, 4, 8, 16, 32, 64, 128
N = 1 << 63
TC_V, TC_EN_ATS, TC_EN_PRI, TC_T2GPA, TC_DTF, TC_PDTV = 1, 2, 4, 8, 16, 32
TC_PRPR, TC_GADE, TC_SADE, TC_DPE, TC_SBE, TC_SXL = 64, 128, 256, 512, 1024, 2048
PC_V, PC_ENS, PC_SUM = 1, 2, 4
SV39, SV48 = 8, 9
SV39X4, SV48X4 = 8, 9
PD8, PD17, PD20 = 1, 2, 3
RD, WR, EX = 2, 3, 1                      # untranslated TTYPs
PPN_MASK = (1 << 44) - 1
GUEST_SPA = 0x4000_0000                   # the 1 GiB G-stage leaf maps GPA 0 here
CLK_NS = 10


def atp(mode, pa, ident=0):
    """iosatp / pdtp / iohgatp: MODE[63:60], GSCID[59:44], PPN[43:0]."""
    return (mode << 60) | (ident << 44) | (pa >> 12)


def pte(pa, flags):
    return ((pa >> 12) << 10) | flags


@dataclass
class Rsp:
    fault: bool
    cause: int
    pa: int
    flt: Optional[dict]
    cycle: int


class XlateTB:
    def __init__(self, dut, mem_latency=(0, 0), oracle=None, ready_stall=(0, 0),
                 rsp_stall=0.0):
        self.dut = dut
        self.oracle = oracle
        # with an oracle, the RTL reads the oracle's memory and the model is the oracle's
        self.mem = oracle.mem if oracle is not None else Memory()
        self.model = oracle.model if oracle is not None else IommuModel(self.mem)
        self.leaf_log: list[int] = []    # SPAs of leaf PTEs placed by map()
        self.dc_log: dict[int, int] = {} # did -> DC address
        self.pc_log: list[int] = []      # PC addresses
        self.reads = 0
        self.read_log: list[int] = []
        self.rsps: dict[int, Rsp] = {}
        self.flts: list[dict] = []       # every fault record, in order
        self.ev = Event()
        self.next_tag = 0
        self.host_next = 0x20_0000
        self.guest_next = 0x10_0000
        self.ddt_root = 0x1_0000
        self.ddt_mode = OFF
        self.mem_latency = mem_latency
        self.ready_stall = ready_stall   # mem_rd_ready held low for this many cycles per read
        self.rsp_stall = rsp_stall       # probability of dev_rsp_ready low in a cycle
        self.flt_pool: list[dict] = []   # records not yet matched to a response
        self.errors = 0
        self.checked = 0
        self.seen = Counter()          # outcomes checked against the model
        self.log = dut._log

    # ---------------------------------------------------------------- set-up
    async def start(self):
        d = self.dut
        impl = "gpi" if cocotb.SIM_NAME.lower().startswith("icarus") else None
        Clock(d.clk, CLK_NS, unit="ns", impl=impl).start()
        d.rst_n.value = 0
        d.dev_req_valid.value = 0
        d.req_hold.value = 0
        d.dev_rsp_ready.value = 1
        d.mem_rd_ready.value = 0 if self.ready_stall[1] else 1
        d.mem_rd_rsp_valid.value = 0
        d.mem_rd_rsp_data.value = 0
        d.mem_rd_rsp_err.value = 0
        d.flt_ready.value = 1
        d.inv_valid.value = 0
        for s in ("inv_kind", "inv_av", "inv_pscv", "inv_gv", "inv_dv", "inv_pscid",
                  "inv_gscid", "inv_addr", "inv_did", "inv_pid", "dev_req_did", "dev_req_pv",
                  "dev_req_pid", "dev_req_priv", "dev_req_iova", "dev_req_ttyp", "dev_req_tag"):
            getattr(d, s).value = 0
        d.ddtp_mode.value = 0
        d.ddtp_ppn.value = 0
        await ClockCycles(d.clk, 3)
        d.rst_n.value = 1
        await RisingEdge(d.clk)
        cocotb.start_soon(self._mem_responder())
        cocotb.start_soon(self._monitor())
        if self.rsp_stall:
            cocotb.start_soon(self._rsp_stall())

    async def _rsp_stall(self):
        d = self.dut
        while True:
            await RisingEdge(d.clk)
            d.dev_rsp_ready.value = int(random.random() >= self.rsp_stall)

    def cycle(self) -> int:
        return int(get_sim_time("ns")) // CLK_NS

    def set_ddtp(self, mode, root=None):
        if root is not None:
            self.ddt_root = root
        self.ddt_mode = mode
        value = ((self.ddt_root >> 12) << 10) | mode
        self.model.write_reg(Reg.DDTP, value)
        self.dut.ddtp_mode.value = mode
        self.dut.ddtp_ppn.value = self.ddt_root >> 12

    # ---------------------------------------------------------------- allocators
    def alloc(self, pages=1, align=1) -> int:
        a = (self.host_next + align * 4096 - 1) // (align * 4096) * (align * 4096)
        self.host_next = a + pages * 4096
        return a

    def galloc(self) -> int:
        a = self.guest_next
        self.guest_next += 4096
        return a

    @staticmethod
    def gpa2spa(gpa: int) -> int:
        assert gpa < 1 << 30
        return gpa + GUEST_SPA

    # ---------------------------------------------------------------- structure builders
    def set_dc(self, did, tc=TC_V, iohgatp=0, ta=0, fsc=0) -> int:
        """Place the DC of `did` under the current ddtp mode, creating directory pages."""
        levels = {LVL1: 1, LVL2: 2, LVL3: 3}[self.ddt_mode]
        ddi = [did & 0x7F, (did >> 7) & 0x1FF, (did >> 16) & 0xFF]
        a = self.ddt_root
        for lvl in range(levels - 1, 0, -1):
            ea = a + ddi[lvl] * 8
            e = self.mem.read64(ea)
            if e & 1:
                a = ((e >> 10) & PPN_MASK) << 12
            else:
                t = self.alloc()
                self.mem.write64(ea, pte(t, V))
                a = t
        dca = a + ddi[0] * 32
        for i, w in enumerate((tc, iohgatp, ta, fsc)):
            self.mem.write64(dca + 8 * i, w)
        self.dc_log[did] = dca
        return dca

    def dc_nonleaf_addr(self, did, lvl) -> int:
        """Address of the non-leaf DDT entry of level `lvl` on `did`'s path."""
        levels = {LVL1: 1, LVL2: 2, LVL3: 3}[self.ddt_mode]
        ddi = [did & 0x7F, (did >> 7) & 0x1FF, (did >> 16) & 0xFF]
        a = self.ddt_root
        for l in range(levels - 1, lvl, -1):
            a = ((self.mem.read64(a + ddi[l] * 8) >> 10) & PPN_MASK) << 12
        return a + ddi[lvl] * 8

    def map(self, root, va, pa, flags, levels, leaf_level=0, x4=False, guest=False) -> int:
        """Map `va` with a leaf at `leaf_level`; tables are SPAs, or GPAs when guest=True
        (then written through the 1 GiB G-stage window). Returns the leaf PTE's SPA."""
        wr = self.gpa2spa if guest else (lambda x: x)
        alloc = self.galloc if guest else self.alloc
        a = root
        for lvl in range(levels - 1, leaf_level, -1):
            ea = wr(a + self._vpn(va, lvl, levels, x4) * 8)
            e = self.mem.read64(ea)
            if e & 1 and not e & (R | X):
                a = ((e >> 10) & PPN_MASK) << 12
            else:
                t = alloc()
                self.mem.write64(ea, pte(t, V))
                a = t
        ea = wr(a + self._vpn(va, leaf_level, levels, x4) * 8)
        self.mem.write64(ea, ((pa >> 12) << 10) | flags)
        self.leaf_log.append(ea)
        return ea

    @staticmethod
    def _vpn(va, lvl, levels, x4):
        mask = 0x7FF if (x4 and lvl == levels - 1) else 0x1FF
        return (va >> (12 + 9 * lvl)) & mask

    def make_gstage(self, mode=SV39X4, gscid=1) -> tuple[int, int]:
        """A G-stage whose root maps GPA [0, 1 GiB) to SPA GUEST_SPA with one 1 GiB leaf.
        Returns (iohgatp, root)."""
        root = self.alloc(4, align=4)
        levels = 3 if mode == SV39X4 else 4
        self.map(root, 0, GUEST_SPA, V | R | W | X | U | A | D, levels, leaf_level=2, x4=True)
        return atp(mode, root, gscid), root

    def set_pc(self, pdt_root, mode, pid, ta, fsc, guest=False) -> int:
        """Place the PC of `pid` (PDT pages are GPAs when guest=True). Returns its SPA."""
        wr = self.gpa2spa if guest else (lambda x: x)
        alloc = self.galloc if guest else self.alloc
        levels = {PD8: 1, PD17: 2, PD20: 3}[mode]
        pdi = [pid & 0xFF, (pid >> 8) & 0x1FF, (pid >> 17) & 0x7]
        a = pdt_root
        for lvl in range(levels - 1, 0, -1):
            ea = wr(a + pdi[lvl] * 8)
            e = self.mem.read64(ea)
            if e & 1:
                a = ((e >> 10) & PPN_MASK) << 12
            else:
                t = alloc()
                self.mem.write64(ea, pte(t, V))
                a = t
        pca = wr(a + pdi[0] * 16)
        self.mem.write64(pca, ta)
        self.mem.write64(pca + 8, fsc)
        self.pc_log.append(pca)
        return pca

    # ---------------------------------------------------------------- BFMs
    async def _mem_responder(self):
        d = self.dut
        while True:
            # valid may rise in the time step the previous response ends (a walk's next read
            # is offered at once): look at its level first, never wait for an edge gone by
            await ReadOnly()
            if not int(d.mem_rd_valid.value):
                await RisingEdge(d.mem_rd_valid)
                await ReadOnly()
            addr = int(d.mem_rd_addr.value)
            lo, hi = self.ready_stall
            if hi:
                n = random.randint(lo, hi)
                await RisingEdge(d.clk)             # ready low: no handshake yet
                if n > 1:
                    await ClockCycles(d.clk, n - 1)
                d.mem_rd_ready.value = 1
                await RisingEdge(d.clk)             # handshake
                d.mem_rd_ready.value = 0
            else:
                await RisingEdge(d.clk)             # handshake (ready is held at 1)
            lo, hi = self.mem_latency
            if hi:
                n = random.randint(lo, hi)
                if n:
                    await ClockCycles(d.clk, n)
            try:
                data, err = self.mem.read64(addr), 0
            except (AccessFault, PoisonedData):
                data, err = 0, 1
            self.reads += 1
            self.read_log.append(addr)
            d.mem_rd_rsp_data.value = data
            d.mem_rd_rsp_err.value = err
            d.mem_rd_rsp_valid.value = 1
            await RisingEdge(d.clk)
            d.mem_rd_rsp_valid.value = 0

    async def _monitor(self):
        d = self.dut
        while True:
            await ReadOnly()
            rv, fv = int(d.dev_rsp_valid.value), int(d.flt_valid.value)
            if not (rv or fv):
                await First(RisingEdge(d.dev_rsp_valid), RisingEdge(d.flt_valid))
                continue
            rr, fr = int(d.dev_rsp_ready.value), int(d.flt_ready.value)
            flt = None
            if fv and fr:
                flt = dict(cause=int(d.flt_cause.value), did=int(d.flt_did.value),
                           pv=int(d.flt_pv.value), pid=int(d.flt_pid.value),
                           priv=int(d.flt_priv.value), ttyp=int(d.flt_ttyp.value),
                           iotval=int(d.flt_iotval.value), iotval2=int(d.flt_iotval2.value))
            rsp = None
            if rv and rr:
                rsp = (int(d.dev_rsp_tag.value), int(d.dev_rsp_fault.value),
                       int(d.dev_rsp_cause.value), int(d.dev_rsp_pa.value))
            await RisingEdge(d.clk)
            if flt is not None:
                self.flts.append(flt)
                self.flt_pool.append(flt)
            if rsp is not None:
                tag, f, c, pa = rsp
                assert tag not in self.rsps, f"second response for tag {tag}"
                self.rsps[tag] = Rsp(bool(f), c, pa, flt, self.cycle())
            self.ev.set()

    async def send(self, req: Request, tag: int):
        d = self.dut
        d.dev_req_did.value = req.did
        d.dev_req_pv.value = int(req.pid is not None)
        d.dev_req_pid.value = req.pid or 0
        d.dev_req_priv.value = int(req.priv_s)
        d.dev_req_iova.value = req.iova
        d.dev_req_ttyp.value = int(req.ttyp)
        d.dev_req_tag.value = tag
        d.dev_req_valid.value = 1
        while True:
            await ReadOnly()
            ok = int(d.dev_req_ready.value)
            await RisingEdge(d.clk)
            if ok:
                break
        d.dev_req_valid.value = 0

    async def send_many(self, reqs):
        """Drive (Request, tag) pairs back to back, valid held high; returns the accept cycles."""
        d = self.dut
        acc = []
        for req, tag in reqs:
            d.dev_req_did.value = req.did
            d.dev_req_pv.value = int(req.pid is not None)
            d.dev_req_pid.value = req.pid or 0
            d.dev_req_priv.value = int(req.priv_s)
            d.dev_req_iova.value = req.iova
            d.dev_req_ttyp.value = int(req.ttyp)
            d.dev_req_tag.value = tag
            d.dev_req_valid.value = 1
            while True:
                await ReadOnly()
                ok = int(d.dev_req_ready.value)
                await RisingEdge(d.clk)
                if ok:
                    acc.append(self.cycle())
                    break
        d.dev_req_valid.value = 0
        return acc

    def new_tag(self) -> int:
        while True:
            t = self.next_tag
            self.next_tag = (self.next_tag + 1) & 0xFF
            if t not in self.rsps:
                return t

    async def wait_rsp(self, tag: int) -> Rsp:
        while tag not in self.rsps:
            self.ev.clear()
            await self.ev.wait()
        return self.rsps.pop(tag)

    async def inv(self, kind, av=0, pscv=0, gv=0, dv=0, pscid=0, gscid=0, addr=0, did=0, pid=0):
        """kind 0 IOTINVAL.VMA, 1 IOTINVAL.GVMA, 2 IODIR.INVAL_DDT, 3 IODIR.INVAL_PDT;
        returns when inv_ready was seen."""
        d = self.dut
        for s, v in (("inv_kind", kind), ("inv_av", av), ("inv_pscv", pscv), ("inv_gv", gv),
                     ("inv_dv", dv), ("inv_pscid", pscid), ("inv_gscid", gscid),
                     ("inv_addr", addr >> 12), ("inv_did", did), ("inv_pid", pid)):
            getattr(d, s).value = v
        d.inv_valid.value = 1
        while True:
            await ReadOnly()
            ok = int(d.inv_ready.value)
            await RisingEdge(d.clk)
            if ok:
                break
        d.inv_valid.value = 0

    # ---------------------------------------------------------------- checking
    def expect(self, req: Request):
        """(outcome, record expected?) from the golden model over current memory."""
        res = self.model.walk(req)
        out = res.outcome
        report = out.cause is not None and not (res.dtf and int(out.cause) not in REPORTED_DESPITE_DTF)
        return out, report

    def fail(self, msg):
        self.errors += 1
        self.log.error(msg)

    def compare(self, req: Request, rsp: Rsp, out, report, what="") -> bool:
        self.checked += 1
        pid = "-" if req.pid is None else f"{req.pid:#x}"
        head = (f"{what} did={req.did:#x} pid={pid} priv={int(req.priv_s)} iova={req.iova:#x} "
                f"ttyp={int(req.ttyp)}")
        if out.cause is None:
            exp_s = f"pa:{out.pa & ((1 << 56) - 1):#x}"
            ok = not rsp.fault and rsp.pa == out.pa & ((1 << 56) - 1)
        else:
            exp_s = f"fault:{int(out.cause)}"
            ok = rsp.fault and rsp.cause == int(out.cause)
        self.seen["ok" if out.cause is None else int(out.cause)] += 1
        got_s = f"fault:{rsp.cause}" if rsp.fault else f"pa:{rsp.pa:#x}"
        if not ok:
            self.fail(f"MISMATCH translate {head} got={got_s} expected={exp_s}")
            return False
        # the record was taken no later than the response (flt_ready is never held low
        # while responses are checked this way)
        got = self.take_flt(req)
        if report:
            pv = req.pid is not None
            want = dict(cause=int(out.cause), did=req.did, pv=int(pv), pid=req.pid if pv else 0,
                        priv=int(pv and req.priv_s), ttyp=int(req.ttyp), iotval=req.iova,
                        iotval2=out.iotval2)
            if got != want:
                self.fail(f"MISMATCH fault record {head} got={got} expected={want}")
                return False
        elif got is not None:
            self.fail(f"MISMATCH fault record {head} got={got} expected none (DTF)")
            return False
        return True

    def take_flt(self, req: Request):
        """Remove and return the first unmatched record of this request, or None."""
        for i, f in enumerate(self.flt_pool):
            if (f["did"], f["iotval"], f["ttyp"], f["pv"]) == (req.did, req.iova, int(req.ttyp),
                                                                int(req.pid is not None)):
                return self.flt_pool.pop(i)
        return None

    async def xlate(self, did, iova, ttyp=RD, pid=None, priv=False, expect=None, what=""):
        """Translate one request and compare it with the model (or with `expect`: an int PA
        or ('fault', cause)). Returns the Rsp."""
        req = Request(did=did, iova=iova, ttyp=ttyp, pid=pid, priv_s=priv)
        out, report = self.expect(req)
        tag = self.new_tag()
        await self.send(req, tag)
        rsp = await self.wait_rsp(tag)
        if expect is None:
            self.compare(req, rsp, out, report, what)
        else:
            got = ("fault", rsp.cause) if rsp.fault else rsp.pa
            self.take_flt(req)
            self.checked += 1
            if got != expect:
                self.fail(f"MISMATCH translate {what} did={did:#x} iova={iova:#x} got={got!r} "
                          f"expected={expect!r} (model now: {out})")
        return rsp

    async def reads_for(self, *args, **kw) -> int:
        """Memory reads made by one translation."""
        before = self.reads
        await self.xlate(*args, **kw)
        return self.reads - before

    def done(self):
        assert not self.flt_pool, f"fault records without a matching response: {self.flt_pool}"
        assert self.errors == 0, f"{self.errors} mismatches (of {self.checked} checks), see log"
        self.log.info("%d checks passed; model outcomes: %s", self.checked,
                      dict(sorted(self.seen.items(), key=str)))
