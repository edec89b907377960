"""Command-queue tests of rtl/riscv_iommu.v: every command of the subset accepted and handed
over with the right fields, illegal commands (cmd_ill, cqh stays, recovery), fetch bus errors
and IOFENCE.C store faults (cqmf), IOFENCE.C AV/WSI/PR/PW, queue wrap, disable/re-enable;
registers and IOFENCE.C stores compared with the golden model."""

import random

import cocotb
from cocotb.triggers import ClockCycles, RisingEdge

from models import Reg
from tests.rtl.iommu_harness import IommuHarness

CQ_BASE = 0x0010_0000
FENCE_AREA = 0x0020_0000
CQMF, CMD_ILL, FENCE_W_IP = 1 << 8, 1 << 10, 1 << 11


# ------------------------------------------------------------------ command encodings (spec)
def iotinval(gvma=0, av=0, pscv=0, gv=0, pscid=0, gscid=0, addr=0) -> int:
    return (1 | gvma << 7 | av << 10 | pscid << 12 | pscv << 32 | gv << 33 | gscid << 44
            | (addr >> 12) << 74)


def iofence(av=0, wsi=0, pr=0, pw=0, data=0, addr=0) -> int:
    return 2 | av << 10 | wsi << 11 | pr << 12 | pw << 13 | data << 32 | (addr >> 2) << 64


def iodir(pdt=0, dv=0, did=0, pid=0) -> int:
    return 3 | pdt << 7 | pid << 12 | dv << 33 | did << 40


def expected_inv(cmd: int):
    """The fields iommu_xlate must see for an invalidation command (None for IOFENCE.C)."""
    op, f3 = cmd & 0x7F, (cmd >> 7) & 7
    b = lambda hi, lo: (cmd >> lo) & ((1 << (hi - lo + 1)) - 1)   # noqa: E731
    if op == 1:
        return dict(kind=f3, av=b(10, 10), pscv=b(32, 32), gv=b(33, 33), pscid=b(31, 12),
                    gscid=b(59, 44), addr=b(125, 74))
    if op == 3:
        d = dict(kind=2 + f3, dv=b(33, 33), did=b(63, 40))
        if f3 == 1:
            d["pid"] = b(31, 12)
        return d
    return None


class CqTb:
    """Harness plus a command queue in memory and a monitor of the invalidation handshake."""

    def __init__(self, dut):
        self.h = IommuHarness(dut)
        self.dut = dut
        self.events = []          # ("inv", fields) and ("store", addr) in the order they happen
        self.tail = 0
        self.entries = 0

    async def start(self):
        await self.h.start()
        cocotb.start_soon(self._inv_monitor())
        ram = self.h.ram
        orig = ram.ram.write_if._write

        async def _write(address, data):
            await orig(address, data)
            if FENCE_AREA <= address < FENCE_AREA + 0x10000:
                self.events.append(("store", address))
        ram.ram.write_if._write = _write

    async def _inv_monitor(self):
        cq = self.dut.u_cq
        while True:
            await RisingEdge(cq.inv_valid)
            self.events.append(("inv", dict(
                kind=int(cq.inv_kind.value), av=int(cq.inv_av.value), pscv=int(cq.inv_pscv.value),
                gv=int(cq.inv_gv.value), dv=int(cq.inv_dv.value), pscid=int(cq.inv_pscid.value),
                gscid=int(cq.inv_gscid.value), addr=int(cq.inv_addr.value),
                did=int(cq.inv_did.value), pid=int(cq.inv_pid.value))))

    async def enable(self, log2sz=4, base=CQ_BASE, cie=0):
        h = self.h
        await h.wr(Reg.CQCSR, cie << 1, 4)
        await h.wr(Reg.CQB, (base >> 12) << 10 | (log2sz - 1), 8)
        await h.wr(Reg.CQCSR, 1 | cie << 1, 4)
        self.tail, self.entries, self.base = 0, 1 << log2sz, base

    def put(self, index: int, cmd: int):
        self.h.store(self.base + 16 * index, cmd.to_bytes(16, "little"))

    async def push(self, cmds, settle=True):
        for c in cmds:
            self.put(self.tail, c)
            self.tail = (self.tail + 1) % self.entries
        await self.h.wr(Reg.CQT, self.tail, 4)
        if settle:
            await self.h.cq_settle()

    def check_fence_area(self):
        rtl = self.h.load(FENCE_AREA, 0x400)
        model = self.h.mem.peek(FENCE_AREA, 0x400)
        assert rtl == model, "IOFENCE.C stores differ between RTL and model: " \
            + ", ".join(f"+{i:#x}: rtl {rtl[i]:#x} model {model[i]:#x}"
                        for i in range(len(rtl)) if rtl[i] != model[i])[:300]

    def check_events(self, cmds):
        """Invalidations handed over with the right fields, and stores, in command order."""
        exp = []
        for c in cmds:
            inv = expected_inv(c)
            if inv is not None:
                exp.append(("inv", inv))
            elif (c >> 10) & 1:
                exp.append(("store", ((c >> 64) & ((1 << 62) - 1)) << 2))
        got = []
        for i, (kind, val) in enumerate(self.events):
            if kind == "inv" and i < len(exp) and exp[i][0] == "inv":
                val = {f: val[f] for f in exp[i][1]}    # only the fields the command defines
            got.append((kind, val))
        assert got == exp, f"handover/stores out of order or wrong:\n got {got}\n exp {exp}"


ALL_LEGAL = [
    *[iotinval(av=av, pscv=pscv, gv=gv, pscid=0xABCDE, gscid=0x1234, addr=0xFEDC_BA98_7000)
      for gv in (0, 1) for av in (0, 1) for pscv in (0, 1)],
    *[iotinval(gvma=1, av=av, gv=gv, gscid=0xBEEF, addr=0x1_2345_6000) for gv in (0, 1) for av in (0, 1)],
    iodir(dv=0), iodir(dv=1, did=0xABCDEF), iodir(pdt=1, dv=1, did=0x123456, pid=0xFEDCB),
    iofence(),
    iofence(av=1, data=0x1122_3344, addr=FENCE_AREA + 0x10),
    iofence(av=1, data=0x5566_7788, addr=FENCE_AREA + 0x24),   # upper lanes
    iofence(wsi=1),
    iofence(pr=1, pw=1, av=1, data=0xCAFE_F00D, addr=FENCE_AREA + 0x30),
]


@cocotb.test()
async def test_each_command(dut):
    """Every legal command completes; invalidations reach iommu_xlate with their fields, in
    order with the IOFENCE.C stores; registers and stores match the model."""
    tb = CqTb(dut)
    await tb.start()
    await tb.enable(log2sz=5, cie=1)
    await tb.push(ALL_LEGAL)
    h = tb.h
    assert await h.rd(Reg.CQH, 4) == len(ALL_LEGAL)
    cqcsr = await h.rd(Reg.CQCSR, 4)
    assert cqcsr & FENCE_W_IP and not cqcsr & (CQMF | CMD_ILL), f"cqcsr {cqcsr:#x}"
    assert h.irq() == (1, 0), "fence_w_ip with cie must raise irq_cq"
    await h.assert_regs_match("after every legal command")
    tb.check_fence_area()
    tb.check_events(ALL_LEGAL)
    assert h.irq() == h.model.irq_wires()


ILLEGAL = [
    ("opcode 0", 0),
    ("opcode 4 (ATS, not built)", 4),
    ("opcode 5", 5),
    ("custom opcode 64", 64),
    ("IOTINVAL func3 2", iotinval() | 2 << 7),
    ("IOTINVAL rsvd bit 11", iotinval() | 1 << 11),
    ("IOTINVAL NL", iotinval(av=1) | 1 << 34),
    ("IOTINVAL rsvd 43:35", iotinval() | 1 << 40),
    ("IOTINVAL rsvd 72:60", iotinval() | 1 << 64),
    ("IOTINVAL S", iotinval(av=1) | 1 << 73),
    ("IOTINVAL rsvd 127:126", iotinval() | 1 << 127),
    ("IOTINVAL.GVMA PSCV=1", iotinval(gvma=1, pscv=1)),
    ("IOFENCE func3 1", iofence() | 1 << 7),
    ("IOFENCE rsvd 31:14", iofence() | 1 << 20),
    ("IOFENCE rsvd 127:126", iofence() | 1 << 126),
    ("IODIR func3 2", iodir() | 2 << 7),
    ("IODIR rsvd 11:10", iodir() | 1 << 10),
    ("IODIR.INVAL_DDT PID", iodir(dv=1, pid=5)),
    ("IODIR rsvd 32", iodir(dv=1) | 1 << 32),
    ("IODIR rsvd 39:34", iodir(dv=1) | 1 << 36),
    ("IODIR rsvd 127:64", iodir(dv=1) | 1 << 100),
    ("IODIR.INVAL_PDT DV=0", iodir(pdt=1, dv=0, pid=3)),
]


@cocotb.test()
async def test_illegal_commands(dut):
    """Each illegal command sets cmd_ill and leaves cqh on it; once fixed and cmd_ill is
    cleared, processing resumes."""
    tb = CqTb(dut)
    await tb.start()
    h = tb.h
    await tb.enable(log2sz=3)
    for i, (why, bad) in enumerate(ILLEGAL):
        start = await h.rd(Reg.CQH, 4)
        slot = (start + 1) % tb.entries
        fence_addr = FENCE_AREA + 8 * (i % 64)
        await tb.push([iotinval(), bad, iofence(av=1, data=i, addr=fence_addr)])
        cqcsr = await h.rd(Reg.CQCSR, 4)
        assert cqcsr & CMD_ILL, f"{why}: cmd_ill not set (cqcsr {cqcsr:#x})"
        assert await h.rd(Reg.CQH, 4) == slot, f"{why}: cqh must stay on the illegal command"
        await h.assert_regs_match(f"after illegal command: {why}")
        tb.put(slot, iodir(dv=1, did=i))                 # software fixes the command
        await h.wr(Reg.CQCSR, 1 | CMD_ILL, 4)            # W1C cmd_ill: processing resumes
        await h.cq_settle()
        assert await h.rd(Reg.CQH, 4) == tb.tail, f"{why}: queue did not resume"
        await h.assert_regs_match(f"after recovery from: {why}")
    tb.check_fence_area()


@cocotb.test()
async def test_fetch_bus_error(dut):
    """A bus error reading a command sets cqmf (cqh stays, cip with cie); clearing resumes."""
    tb = CqTb(dut)
    await tb.start()
    h = tb.h
    await tb.enable(log2sz=2, cie=1)
    h.set_access_fault(CQ_BASE + 0x20, CQ_BASE + 0x30)  # entry 2
    await tb.push([iotinval(), iofence(av=1, data=7, addr=FENCE_AREA), iodir()])
    assert (await h.rd(Reg.CQCSR, 4)) & CQMF
    assert await h.rd(Reg.CQH, 4) == 2
    assert h.irq() == (1, 0)
    await h.assert_regs_match("after a fetch bus error")
    h.clear_faults()
    await h.wr(Reg.CQCSR, 0x3 | CQMF, 4)
    await h.cq_settle()
    assert await h.rd(Reg.CQH, 4) == 3
    await h.assert_regs_match("after recovery from a fetch bus error")
    tb.check_fence_area()


@cocotb.test()
async def test_fence_store_fault(dut):
    """An IOFENCE.C whose AV store faults sets cqmf, stays on cqh and does not set fence_w_ip;
    once the store can succeed the fence completes with both."""
    tb = CqTb(dut)
    await tb.start()
    h = tb.h
    await tb.enable(log2sz=3)
    target = FENCE_AREA + 0x104
    h.set_access_fault(target, target + 4)
    await tb.push([iotinval(gv=1, gscid=3), iofence(av=1, wsi=1, data=0xDEAD_BEEF, addr=target),
                   iotinval()])
    cqcsr = await h.rd(Reg.CQCSR, 4)
    assert cqcsr & CQMF and not cqcsr & FENCE_W_IP, f"cqcsr {cqcsr:#x}"
    assert await h.rd(Reg.CQH, 4) == 1
    await h.assert_regs_match("after a faulting IOFENCE.C store")
    h.clear_faults()
    await h.wr(Reg.CQCSR, 0x1 | CQMF, 4)
    await h.cq_settle()
    cqcsr = await h.rd(Reg.CQCSR, 4)
    assert cqcsr & FENCE_W_IP and await h.rd(Reg.CQH, 4) == 3
    assert int.from_bytes(h.load(target, 4), "little") == 0xDEAD_BEEF
    await h.assert_regs_match("after the fence completed")
    tb.check_fence_area()


@cocotb.test()
async def test_fence_wsi_interrupt(dut):
    """IOFENCE.C WSI=1 sets fence_w_ip; with cie that is cip on the wire icvec.civ selects."""
    tb = CqTb(dut)
    await tb.start()
    h = tb.h
    await tb.enable(log2sz=1)
    await tb.push([iofence(wsi=1)])
    assert (await h.rd(Reg.CQCSR, 4)) & FENCE_W_IP and h.irq() == (0, 0)   # cie=0
    await h.wr(Reg.ICVEC, 0x01, 8)
    await h.wr(Reg.CQCSR, 0x3, 4)                                          # cie=1
    await ClockCycles(dut.clk, 2)
    assert h.irq() == (0, 1)
    await h.assert_regs_match("fence_w_ip, cie, civ=1")
    await h.wr(Reg.CQCSR, 0x3 | FENCE_W_IP, 4)
    await h.wr(Reg.IPSR, 0x1, 4)
    await ClockCycles(dut.clk, 2)
    assert h.irq() == (0, 0)
    await h.assert_regs_match("fence_w_ip and cip cleared")


@cocotb.test()
async def test_wrap_random(dut):
    """A 4-entry queue, random legal commands in batches that wrap; model agrees each time."""
    tb = CqTb(dut)
    await tb.start()
    h = tb.h
    rng = random.Random(cocotb.RANDOM_SEED)
    await tb.enable(log2sz=2)
    n = 0
    for _ in range(8):
        batch = []
        for _ in range(rng.randrange(1, 4)):            # at most entries-1
            c = rng.choice(ALL_LEGAL)
            if c & 0x7F == 2 and (c >> 10) & 1:
                c = iofence(av=1, data=rng.getrandbits(32), addr=FENCE_AREA + 4 * rng.randrange(64),
                            pr=rng.randrange(2))
            batch.append(c)
            n += 1
        await tb.push(batch)
        await h.assert_regs_match(f"after {n} commands")
    tb.check_fence_area()


@cocotb.test()
async def test_disable_and_reenable(dut):
    """Dropping cqen with commands queued, then enabling again: cqh restarts at 0 and every
    command runs; the final state matches the model."""
    tb = CqTb(dut)
    await tb.start()
    h = tb.h
    await tb.enable(log2sz=3)
    cmds = [iotinval(), iofence(av=1, data=0x1234, addr=FENCE_AREA + 8), iodir(),
            iofence(av=1, data=0x5678, addr=FENCE_AREA + 16)]
    await tb.push(cmds, settle=False)
    await h.wr(Reg.CQCSR, 0x0, 4)
    await h.cq_settle()
    assert await h.rd(Reg.CQCSR, 4) & 0x10001 == 0
    await h.wr(Reg.CQB, (CQ_BASE >> 12) << 10 | 2, 8)   # base write while off: cqt = 0
    assert await h.rd(Reg.CQT, 4) == 0                 # (cqh: wherever the abort left it)
    await h.wr(Reg.CQCSR, 0x1, 4)
    await h.wr(Reg.CQT, len(cmds), 4)
    await h.cq_settle()
    assert await h.rd(Reg.CQH, 4) == len(cmds)
    await h.assert_regs_match("after re-enable")
    tb.check_fence_area()
