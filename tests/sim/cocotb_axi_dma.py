"""cocotb tests of riscv_iommu_axi (the IOMMU behind an AXI4 DMA front) through AxiDmaBfm.

Registers through cocotbext-axi's AxiLiteMaster; the IOMMU's implicit accesses (DDT, PDT, page
tables, fault records) served by an AxiRam over a models.Memory (AxiMemoryView); every
software store goes to that memory and to the golden model's. Each result is checked against
models.IommuModel.translate (run in the order the port serves the requests, so the model's
fault records line up with the RTL's):
- no fault expected: OKAY, and pa (the downstream AxADDR + the low bits) = the model's pa;
- fault expected: SLVERR, cause None (the port has none), nothing downstream; and afterwards
  the fault queue in the DUT's memory equals the model's, record by record, with fqt.
Read data coming back upstream must be the target's word for the PA; write data and strobes
reaching the target must be what the BFM sent. One log line per failed check.
"""
from __future__ import annotations

import logging
import random
import warnings

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, Event, FallingEdge, RisingEdge, Timer
from cocotbext.axi import AxiBus, AxiLiteBus, AxiLiteMaster, AxiRam

from models import IommuModel, Memory, Reg, Request, TTYP
from tb.agents.dma.axi_dma_bfm import AxiDmaBfm, drive_reset_values
from tb.agents.dma.dma_target import data_at
from tb.agents.mem.dut_memory import PA_SPACE, AxiMemoryView

warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"cocotbext\.axi")

CLK_NS = 10
RD, WR, EX = TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_WRITE, TTYP.UNTRANSLATED_EXEC
V, R, W, X, U, A, D = 1, 2, 4, 8, 16, 64, 128
TC_V, TC_PDTV = 1, 1 << 5
PC_V, PC_ENS, PC_SUM = 1, 2, 4
SV39, PD8 = 8, 1
DDTP_BARE, DDTP_1LVL = 1, 2

DDT_ROOT = 0x10_0000
PDT_ROOT = 0x18_0000
FQ_BASE, FQ_LOG2SZ = 0x30_0000, 4
TABLES = 0x40_0000                      # page-table pages are taken from here
TIMEOUT_US = 200                        # a hung port fails its test (every test needs < 20 us)


class AxiDmaTb:
    def __init__(self, dut, down_stall: float = 0.0, rsp_stall: float = 0.0,
                 max_outstanding: int = 1, seed: int = 1):
        self.dut = dut
        self.log = logging.getLogger("cocotb.tb")
        self.dmem = Memory()                 # what the DUT's m_axi sees
        self.mmem = Memory()                 # the golden model's
        self.model = IommuModel(self.mmem)
        self.rng = random.Random(seed)
        self.knobs = dict(down_stall=down_stall, rsp_stall=rsp_stall,
                          max_outstanding=max_outstanding)
        self.next_table = TABLES
        self.errors: list[str] = []
        self.checked = 0

    async def start(self):
        dut = self.dut
        Clock(dut.clk, CLK_NS, unit="ns").start()
        dut.rst_n.value = 0
        drive_reset_values(dut)
        await ClockCycles(dut.clk, 2)        # registers out of X before the models sample
        self.axil = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axil"), dut.clk, dut.rst_n,
                                  reset_active_level=False)
        self.ram = AxiRam(AxiBus.from_prefix(dut, "m_axi"), dut.clk, dut.rst_n,
                          reset_active_level=False, size=PA_SPACE, mem=AxiMemoryView(self.dmem))
        for lg in (self.axil.write_if.log, self.axil.read_if.log, self.ram.write_if.log,
                   self.ram.read_if.log):
            lg.setLevel(logging.WARNING)
        self.bfm = AxiDmaBfm(dut, rng=random.Random(self.rng.random()), **self.knobs)
        self.bfm.start()
        await ClockCycles(dut.clk, 3)
        dut.rst_n.value = 1
        await ClockCycles(dut.clk, 2)

    # ------------------------------------------------------------------ software
    async def wr(self, reg: int, value: int, size: int = 8):
        await self.axil.write(int(reg), int(value).to_bytes(size, "little"))
        self.model.write_reg(int(reg), value, size)

    async def rd(self, reg: int, size: int = 4) -> int:
        return int.from_bytes((await self.axil.read(int(reg), size)).data, "little")

    def store64(self, pa: int, value: int):
        self.dmem.write64(pa, value)
        self.mmem.write64(pa, value)

    def alloc(self) -> int:
        pa, self.next_table = self.next_table, self.next_table + 0x1000
        return pa

    def map4k(self, root: int, va: int, pa: int, flags: int):
        """Sv39: a 4 KiB leaf for va, non-leaf tables allocated on the way."""
        table = root
        for level in (2, 1):
            slot = table + ((va >> (12 + 9 * level)) & 0x1FF) * 8
            pte = self.mmem.read64(slot)
            if not pte & V:
                nxt = self.alloc()
                self.store64(slot, (nxt >> 12) << 10 | V)
                table = nxt
            else:
                table = (pte >> 10) << 12
        self.store64(table + ((va >> 12) & 0x1FF) * 8, (pa >> 12) << 10 | flags)

    def set_dc(self, did: int, tc: int, fsc: int, ta: int = 0, iohgatp: int = 0):
        base = DDT_ROOT + did * 32          # 1LVL, base format
        for i, w in enumerate((tc, iohgatp, ta, fsc)):
            self.store64(base + 8 * i, w)

    def set_pc(self, pid: int, ta: int, fsc: int):
        self.store64(PDT_ROOT + pid * 16, ta)       # PD8: one level of 16-byte contexts
        self.store64(PDT_ROOT + pid * 16 + 8, fsc)

    async def enable_fq(self):
        await self.wr(Reg.FQB, (FQ_BASE >> 12) << 10 | (FQ_LOG2SZ - 1))
        await self.wr(Reg.FQCSR, 1 | 2, 4)          # fqen, fie

    # ------------------------------------------------------------------ traffic and checks
    async def run(self, reqs: list[Request]) -> list:
        """All requests through the port; results in submission order."""
        results = [None] * len(reqs)
        left = {"n": len(reqs)}
        done = Event()

        def cb(res, i):
            results[i] = res
            left["n"] -= 1
            if not left["n"]:
                done.set()

        for i, req in enumerate(reqs):
            self.bfm.submit(req, lambda res, i=i: cb(res, i))
        if reqs:
            await done.wait()
        return results

    def error(self, line: str):
        self.errors.append(line)
        self.log.error(line)

    def check(self, results) -> list:
        """Each result against the model, in the order the port served them. Returns the
        model's outcomes."""
        outs = []
        for res in sorted(results, key=lambda r: r.seq_no):
            req = res.req
            out = self.model.translate(req)
            outs.append((res, out))
            self.checked += 1
            what = (f"did={req.did:#x} pid={req.pid} priv={int(req.priv_s)} iova={req.iova:#x} "
                    f"ttyp={int(req.ttyp)}")
            if out.cause is None:
                exp = (False, None, out.pa)
            else:
                exp = (True, None, 0)
            got = (res.fault, res.cause if res.fault else None, res.pa)
            if got != exp:
                self.error(f"MISMATCH {what}: expected (fault, cause, pa)="
                           f"({exp[0]}, {exp[1]}, {exp[2]:#x}) (model {out}), got "
                           f"({got[0]}, {got[1]}, {got[2]:#x})")
            if res.fault:
                continue
            data = self.bfm.data.get(res.seq_no)
            if req.ttyp != WR and data != data_at(res.pa & ~7):
                self.error(f"MISMATCH read data {what}: expected {data_at(res.pa & ~7):#x} "
                           f"(target's word at {res.pa & ~7:#x}), got {data}")
        return [o for _, o in outs]

    def check_write_data(self, results):
        """Every forwarded write reached the target with the BFM's data and strobes."""
        sent = [r for r in sorted(results, key=lambda r: r.seq_no)
                if r.req.ttyp == WR and not r.fault]
        got = list(self.bfm.target.writes)
        got = got[-len(sent):] if sent else []
        if len(got) != len(sent):
            self.error(f"MISMATCH writes at the target: expected {len(sent)}, got {len(got)}")
            return
        for r, (aw, beats) in zip(sent, got):
            exp = (r.pa & ~7, [(self.bfm.data[r.seq_no], (0xFF << (r.req.iova & 7)) & 0xFF, 1)])
            if (aw.addr, beats) != exp:
                self.error(f"MISMATCH write iova={r.req.iova:#x}: expected at target "
                           f"(addr, [(data, strb, last)])={exp}, got {(aw.addr, beats)}")

    async def fq_settle(self):
        """Wait (by register reads, not per cycle) until the RTL's fqt equals the model's."""
        exp = self.model.read_reg(Reg.FQT, 4)
        for _ in range(50):
            if await self.rd(Reg.FQT) == exp:
                return
            await Timer(20 * CLK_NS, "ns")
        self.error(f"MISMATCH fqt: expected {exp}, got {await self.rd(Reg.FQT)} after settling")

    async def check_fault_queue(self, outs) -> None:
        """The records in the DUT's memory equal the model's, and the causes in them are the
        ones the model predicted for the faulting requests (in order)."""
        await self.fq_settle()
        n = self.model.read_reg(Reg.FQT, 4)
        causes = [int(o.cause) for o in outs if o.cause is not None]
        if n != len(causes):
            self.error(f"MISMATCH fault records: expected {len(causes)} (one per fault), "
                       f"model wrote {n}")
        for i in range(n):
            rtl = self.dmem.peek(FQ_BASE + 32 * i, 32)
            mdl = self.mmem.peek(FQ_BASE + 32 * i, 32)
            if rtl != mdl:
                self.error(f"MISMATCH fault record {i}: expected {mdl.hex()}, got {rtl.hex()}")
            cause = int.from_bytes(rtl[:8], "little") & 0xFFF
            if i < len(causes) and cause != causes[i]:
                self.error(f"MISMATCH fault record {i} cause: expected {causes[i]}, got {cause}")

    def finish(self, min_checked: int = 1):
        assert self.checked >= min_checked, f"only {self.checked} results checked"
        assert not self.errors, f"{len(self.errors)} failed checks; first: {self.errors[0]}"


# ---------------------------------------------------------------------- configurations
PAGES = {   # iova -> (pa, flags) for did 5 (Sv39, no process context)
    0x4000_1000: (0x8_0000_3000, V | R | W | X | U | A | D),
    0x4000_2000: (0x8_0000_7000, V | R | U | A | D),           # read-only
    0x4000_3000: (0x8_1234_5000, V | X | U | A),               # execute-only
    0x3F_FFFF_F000: (0x00_0000_9000, V | R | W | U | A | D),   # top of the lower half
}
UNMAPPED = 0x6000_0000
PID_PAGES = {   # iova -> (pa, flags) for did 7's process 3 (SUM=0) and 4 (SUM=1)
    0x5000_0000: (0x9_0000_1000, V | R | W | X | U | A | D),   # user page
    0x5000_1000: (0x9_0000_2000, V | R | W | X | A | D),       # supervisor page
}


async def setup_sv39(tb: AxiDmaTb):
    """ddtp 1LVL; did 5: Sv39 over PAGES; did 6: DC not valid; did 7: PDTV with PD8, processes
    3 (SUM=0) and 4 (SUM=1) over PID_PAGES; fault queue on."""
    root = tb.alloc()
    for va, (pa, flags) in PAGES.items():
        tb.map4k(root, va, pa, flags)
    tb.set_dc(5, tc=TC_V, fsc=SV39 << 60 | root >> 12, ta=0x21 << 12)
    tb.set_dc(6, tc=0, fsc=SV39 << 60 | root >> 12)                    # V=0
    proot = tb.alloc()
    for va, (pa, flags) in PID_PAGES.items():
        tb.map4k(proot, va, pa, flags)
    tb.set_dc(7, tc=TC_V | TC_PDTV, fsc=PD8 << 60 | PDT_ROOT >> 12)
    tb.set_pc(3, PC_V | PC_ENS | 0x33 << 12, SV39 << 60 | proot >> 12)
    tb.set_pc(4, PC_V | PC_ENS | PC_SUM | 0x34 << 12, SV39 << 60 | proot >> 12)
    await tb.enable_fq()
    await tb.wr(Reg.DDTP, (DDT_ROOT >> 12) << 10 | DDTP_1LVL)


def sv39_requests() -> list[Request]:
    reqs = []
    for va in PAGES:
        for ttyp in (RD, WR, EX):
            reqs.append(Request(did=5, iova=va + 0x128, ttyp=ttyp))
    reqs.append(Request(did=5, iova=0x4000_1FFD, ttyp=RD))              # low bits kept
    return reqs


# ---------------------------------------------------------------------- tests
@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def bare_passthrough(dut):
    """ddtp Bare: every read, write and exec leaves with AxADDR = IOVA, data intact."""
    tb = AxiDmaTb(dut)
    await tb.start()
    await tb.wr(Reg.DDTP, DDTP_BARE)
    iovas = [0x0, 0x1000, 0x1234_5678_9ABC, 0xFF_FFFF_FFFF_FFF8, 0x8000_0005]
    reqs = [Request(did=d, iova=iova, ttyp=t, pid=pid, priv_s=priv)
            for iova in iovas for t in (RD, WR, EX)
            for d, pid, priv in ((1, None, False), (0xABCDE, 7, True))]
    results = await tb.run(reqs)
    for res in results:                          # worked out by hand: Bare is the identity
        if res.fault or res.pa != res.req.iova:
            tb.error(f"MISMATCH Bare iova={res.req.iova:#x}: expected OKAY pa={res.req.iova:#x}, "
                     f"got fault={res.fault} pa={res.pa:#x}")
    tb.check(results)
    tb.check_write_data(results)
    tb.finish(len(reqs))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def sv39_translations(dut):
    """1LVL DDT, Sv39: reads, writes and exec get the model's PA (or fault as it says)."""
    tb = AxiDmaTb(dut)
    await tb.start()
    await setup_sv39(tb)
    reqs = sv39_requests()
    results = await tb.run(reqs)
    outs = tb.check(results)
    tb.check_write_data(results)
    # worked out by hand from PAGES (None: a fault), so the model is checked too
    exp = [0x8_0000_3128, 0x8_0000_3128, 0x8_0000_3128, 0x8_0000_7128, None, None,
           None, None, 0x8_1234_5128, 0x9128, 0x9128, None, 0x8_0000_3FFD]
    got = [o.pa if o.cause is None else None for o in outs]
    assert got == exp, f"MISMATCH model outcomes: expected {exp}, got {got}"
    await tb.check_fault_queue(outs)
    tb.finish(len(reqs))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def faults_reported_in_queue(dut):
    """An unmapped IOVA, a DC not valid, a write to a read-only page, exec of a no-X page: each
    is SLVERR with cause None upstream, and its record in memory has the model's cause."""
    tb = AxiDmaTb(dut)
    await tb.start()
    await setup_sv39(tb)
    reqs = [Request(did=5, iova=UNMAPPED, ttyp=RD),
            Request(did=5, iova=UNMAPPED + 0x10, ttyp=WR),
            Request(did=6, iova=0x4000_1000, ttyp=RD),                  # DC not valid
            Request(did=5, iova=0x4000_2000, ttyp=WR),                  # read-only page
            Request(did=5, iova=0x4000_2000, ttyp=EX),
            Request(did=5, iova=0x4000_1000, ttyp=RD)]                  # and one that passes
    results = await tb.run(reqs)
    outs = tb.check(results)
    causes = [None if o.cause is None else int(o.cause) for o in outs]
    # by hand: load/store page faults, DDT entry not valid, instruction page fault
    assert causes == [13, 15, 258, 15, 12, None], f"model causes {causes}"
    for res in results[:5]:
        assert res.fault and res.cause is None, f"expected SLVERR with cause None, got {res}"
    await tb.check_fault_queue(outs)
    assert int(dut.irq_fq.value) == 1, "expected irq_fq=1 after the records (fie=1), got 0"
    tb.finish(len(reqs))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def process_context_priv_vs_user(dut):
    """PDTV with PD8: with a process_id, a privileged and a user request on a U=1 page differ
    (SUM=0) as the model predicts, and on a U=0 page the other way round."""
    tb = AxiDmaTb(dut)
    await tb.start()
    await setup_sv39(tb)
    reqs = []
    for pid in (3, 4):
        for va in PID_PAGES:
            for priv in (False, True):
                for ttyp in (RD, WR, EX):
                    reqs.append(Request(did=7, iova=va + 0x40, ttyp=ttyp, pid=pid, priv_s=priv))
    reqs.append(Request(did=7, iova=0x5000_0040, ttyp=RD, pid=9))      # no valid PC there
    results = await tb.run(reqs)
    outs = tb.check(results)
    tb.check_write_data(results)
    by_req = {(r.req.pid, r.req.iova, r.req.priv_s, int(r.req.ttyp)): o
              for r, o in zip(sorted(results, key=lambda r: r.seq_no), outs)}
    # the model must see a difference for these (else the test proves nothing) ...
    user_pg, sup_pg = 0x5000_0040, 0x5000_1040
    assert by_req[(3, user_pg, False, int(RD))].cause is None
    assert by_req[(3, user_pg, True, int(RD))].cause is not None       # SUM=0
    assert by_req[(4, user_pg, True, int(RD))].cause is None           # SUM=1
    assert by_req[(4, user_pg, True, int(EX))].cause is not None       # never exec a U page
    assert by_req[(3, sup_pg, True, int(RD))].cause is None
    assert by_req[(3, sup_pg, False, int(RD))].cause is not None
    # ... and the port must show it
    res = {(r.req.pid, r.req.iova, r.req.priv_s, int(r.req.ttyp)): r for r in results}
    for key in ((3, user_pg, False, int(RD)), (3, user_pg, True, int(RD)),
                (3, sup_pg, True, int(RD)), (3, sup_pg, False, int(RD))):
        exp_fault = by_req[key].cause is not None
        assert res[key].fault == exp_fault, \
            f"MISMATCH pid/iova/priv/ttyp={key}: expected fault={exp_fault}, got {res[key].fault}"
    await tb.check_fault_queue(outs)
    tb.finish(len(reqs))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def downstream_stalls(dut):
    """Random ready stalls on m_dma's AR/AW and on the upstream R/B: the same results."""
    tb = AxiDmaTb(dut, down_stall=0.6, rsp_stall=0.4, seed=3)
    await tb.start()
    await setup_sv39(tb)
    reqs = sv39_requests() * 2 + [Request(did=5, iova=UNMAPPED, ttyp=RD)]
    results = await tb.run(reqs)
    outs = tb.check(results)
    tb.check_write_data(results)
    assert tb.bfm.target.stall_cycles > 0, "expected the target to stall some cycles, got none"
    await tb.check_fault_queue(outs)
    tb.finish(len(reqs))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def ar_aw_round_robin(dut):
    """AR and AW offered together (BFM with two outstanding, W sent with its AW): the front
    takes them in turn, one at a time, and every result is still the model's."""
    tb = AxiDmaTb(dut, max_outstanding=2)
    await tb.start()
    await setup_sv39(tb)
    reqs = []
    for i in range(6):
        reqs.append(Request(did=5, iova=0x4000_1000 + 8 * i, ttyp=RD))
        reqs.append(Request(did=5, iova=0x4000_1100 + 8 * i, ttyp=WR))
    results = await tb.run(reqs)
    tb.check(results)
    tb.check_write_data(results)
    kinds = [b.is_write for b in tb.bfm.target.addrs]
    exp = [i % 2 == 1 for i in range(len(reqs))]
    assert kinds == exp, f"MISMATCH downstream order (True=write): expected {exp}, got {kinds}"
    ids = [b.axid for b in tb.bfm.target.addrs]
    assert len(set(ids)) > 4, f"expected IDs in rotation downstream, got {ids}"
    tb.finish(len(reqs))


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def unsupported_request_types(dut):
    """Translated, ATS and PCIe-message requests cannot be said on this port: ValueError."""
    tb = AxiDmaTb(dut)
    await tb.start()
    for t in TTYP:
        req = Request(did=1, iova=0x1000, ttyp=t)
        expressible = int(t) in (1, 2, 3)
        assert AxiDmaBfm.can_express(req) == expressible, f"can_express({t.name})"
        if int(t) in AxiDmaBfm.UNSUPPORTED_TTYPS or not expressible:
            try:
                tb.bfm.submit(req, lambda res: None)
            except ValueError as e:
                assert "\n" not in str(e)
            else:
                raise AssertionError(f"submit of {t.name}: expected ValueError, got none")
    assert AxiDmaBfm.UNSUPPORTED_TTYPS == {5, 6, 7, 8, 9}
    assert not tb.bfm.busy


async def axi_burst(tb: AxiDmaTb, is_write: bool, did: int, iova: int, beats: int, axid: int):
    """One INCR burst of 8-byte beats driven on s_dma by hand (the BFM stays idle; its rready
    and bready are 1). Returns the R beats [(rid, rdata, rresp, rlast)] or the B [(bid, bresp)]
    and, for a write, the W data sent. Polls every cycle: a few short bursts only."""
    dut, c = tb.dut, "aw" if is_write else "ar"
    edge = RisingEdge(dut.clk)
    wdata = [0x5700_0000_0000_0000 | axid << 40 | i for i in range(beats)]
    await FallingEdge(dut.clk)
    for name, v in (("id", axid), ("addr", iova), ("len", beats - 1), ("size", 3), ("burst", 1),
                    ("prot", 0)):
        getattr(dut, f"s_dma_{c}{name}").value = v
    getattr(dut, f"s_dma_{c}_stream_id").value = did
    getattr(dut, f"s_dma_{c}_ss_id_valid").value = 0
    getattr(dut, f"s_dma_{c}_substream_id").value = 0
    valid, ready = getattr(dut, f"s_dma_{c}valid"), getattr(dut, f"s_dma_{c}ready")
    valid.value = 1
    wi = 0
    if is_write:
        dut.s_dma_wdata.value, dut.s_dma_wstrb.value = wdata[0], 0xFF
        dut.s_dma_wlast.value, dut.s_dma_wvalid.value = int(beats == 1), 1
    out = []
    for _ in range(2000):
        await edge
        if int(valid.value) and int(ready.value):
            valid.value = 0
        if is_write and wi < beats and int(dut.s_dma_wvalid.value) and int(dut.s_dma_wready.value):
            wi += 1
            if wi < beats:
                dut.s_dma_wdata.value, dut.s_dma_wlast.value = wdata[wi], int(wi == beats - 1)
            else:
                dut.s_dma_wvalid.value = 0
        if not is_write and int(dut.s_dma_rvalid.value):
            out.append((int(dut.s_dma_rid.value), int(dut.s_dma_rdata.value),
                        int(dut.s_dma_rresp.value), int(dut.s_dma_rlast.value)))
            if out[-1][3]:
                return out, None
        if is_write and int(dut.s_dma_bvalid.value):
            return [(int(dut.s_dma_bid.value), int(dut.s_dma_bresp.value))], wdata
    raise AssertionError(f"burst ID {axid} at {iova:#x}: no response in 2000 cycles")


@cocotb.test(timeout_time=TIMEOUT_US, timeout_unit="us")
async def bursts(dut):
    """Multi-beat bursts: a translated read gets every beat of the target's data, a faulted one
    arlen+1 SLVERR beats with data 0 and rlast only on the last; a translated write delivers
    every W beat, a faulted one has its W beats drained and gets SLVERR; nothing faulted reaches
    the target; the records are the model's."""
    tb = AxiDmaTb(dut)
    await tb.start()
    await setup_sv39(tb)
    tb.bfm.target.on_addr = None         # the bursts are not the BFM's
    target = tb.bfm.target
    cases = [(False, 0x4000_1040, 4, 9), (False, UNMAPPED, 4, 10), (True, 0x4000_1100, 3, 11),
             (True, 0x4000_2000, 3, 12), (False, 0x4000_2010, 2, 13)]
    outs = []
    for is_write, iova, beats, axid in cases:
        n_addrs, n_writes = len(target.addrs), len(target.writes)
        got, wdata = await axi_burst(tb, is_write, 5, iova, beats, axid)
        out = tb.model.translate(Request(did=5, iova=iova, ttyp=WR if is_write else RD))
        outs.append(out)
        tb.checked += 1
        what = f"{'write' if is_write else 'read'} burst of {beats} ID {axid} at {iova:#x}"
        down = list(target.addrs)[n_addrs:]
        if out.cause is not None:
            exp_down = []
            exp = [(axid, 2)] if is_write else \
                [(axid, 0, 2, int(i == beats - 1)) for i in range(beats)]
        else:
            exp_down = [(axid, out.pa, is_write, beats - 1)]
            exp = [(axid, 0)] if is_write else \
                [(axid, data_at(out.pa + 8 * i), 0, int(i == beats - 1)) for i in range(beats)]
            if is_write:
                wr = list(target.writes)[n_writes:]
                exp_w = [[(d, 0xFF, int(i == beats - 1)) for i, d in enumerate(wdata)]]
                if [b for _, b in wr] != exp_w:
                    tb.error(f"MISMATCH {what}: expected W beats at the target {exp_w}, "
                             f"got {[b for _, b in wr]}")
        if got != exp:
            tb.error(f"MISMATCH {what}: expected upstream {exp}, got {got}")
        got_down = [(b.axid, b.addr, b.is_write, b.len) for b in down]
        if got_down != exp_down:
            tb.error(f"MISMATCH {what}: expected downstream {exp_down}, got {got_down}")
    causes = [None if o.cause is None else int(o.cause) for o in outs]
    assert causes == [None, 13, None, 15, None], f"model causes {causes}"
    await tb.check_fault_queue(outs)
    tb.finish(len(cases))
