"""AXI master tests of rtl/riscv_iommu.v: the command queue, the fault queue and the translation
datapath sharing m_axi at once, with random stalls on every AXI channel, bus errors on each
kind of access, and nothing hanging; results compared with the golden model."""

import itertools
import random

import cocotb

from models import TTYP, Reg
from tests.rtl.cocotb_cq import ALL_LEGAL, CqTb, FENCE_AREA, iodir, iofence
from tests.rtl.cocotb_fq import FQ_BASE

DDT_BASE = 0x0040_0000


def pauses(rng: random.Random, duty: float):
    """A repeating stall pattern for set_pause_generator (True = stall this cycle)."""
    return itertools.cycle([rng.random() < duty for _ in range(97)])


def stall_everything(tb, rng, duty=0.4):
    ram = tb.h.ram.ram
    for ch in (ram.write_if.aw_channel, ram.write_if.w_channel, ram.write_if.b_channel,
               ram.read_if.ar_channel, ram.read_if.r_channel):
        ch.set_pause_generator(pauses(rng, duty))


def store_dc(h, did, tc=1, iohgatp=0, ta=0, fsc=0):
    """A base-format (32-byte) device context in a 1LVL DDT."""
    for i, dw in enumerate((tc, iohgatp, ta, fsc)):
        h.store64(DDT_BASE + 32 * did + 8 * i, dw)


async def enable_fq(h, log2sz=4):
    await h.wr(Reg.FQB, (FQ_BASE >> 12) << 10 | (log2sz - 1), 8)
    await h.wr(Reg.FQCSR, 0x3, 4)


def check_records(h, entries):
    n = 32 * entries
    assert h.load(FQ_BASE, n) == h.mem.peek(FQ_BASE, n), "fault records differ from the model"


async def device_traffic(h, reqs, log):
    for did, iova, ttyp in reqs:
        got, out = await h.request(did, iova, ttyp)
        exp = (0, 0, out.pa) if out.cause is None else (1, int(out.cause))
        if got[:len(exp)] != exp:
            log.append(f"MISMATCH did={did} iova={iova:#x} ttyp={int(ttyp)}: rtl "
                       f"fault={got[0]} cause={got[1]} pa={got[2]:#x} model={out}")


@cocotb.test()
async def test_all_requesters_with_stalls(dut):
    """CQ fetches and fence stores, fault-record writes and DDT reads of the datapath all at
    once, with random stalls on every channel: every result matches the model."""
    tb = CqTb(dut)
    await tb.start()
    h = tb.h
    rng = random.Random(cocotb.RANDOM_SEED)
    stall_everything(tb, rng)
    # 1LVL DDT: devices 1..6 valid with Bare stages; device 7's DC faults on read (257),
    # device 8's is invalid (258)
    for did in range(1, 7):
        store_dc(h, did)
    h.set_access_fault(DDT_BASE + 32 * 7, DDT_BASE + 32 * 8)
    await h.wr(Reg.DDTP, (DDT_BASE >> 12) << 10 | 2, 8)
    await enable_fq(h)
    await tb.enable(log2sz=5)
    reqs = [(rng.randrange(1, 9), rng.getrandbits(40) << 3,
             rng.choice([TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_WRITE])) for _ in range(24)]
    cmds = list(ALL_LEGAL) + [iodir(dv=0), iofence(av=1, data=0x600D, addr=FENCE_AREA + 0x80)]
    errors = []
    dev = cocotb.start_soon(device_traffic(h, reqs, errors))
    await tb.push(cmds)
    await dev
    await h.fq_settle()
    for e in errors:
        h.log.error(e)
    assert not errors, errors[0]
    ddt_reads = sum(DDT_BASE <= a < DDT_BASE + 0x1000 for a in h.ram.reads)
    records = await h.rd(Reg.FQT, 4)
    h.log.info("%d DDT reads, %d fault records, %d commands", ddt_reads, records, len(cmds))
    assert ddt_reads > 0 and records > 0, "the datapath must have read the DDT and faulted"
    assert await h.rd(Reg.CQH, 4) == len(cmds)
    check_records(h, 16)
    tb.check_fence_area()
    tb.check_events(cmds)
    await h.assert_regs_match("after concurrent traffic with stalls")


@cocotb.test()
async def test_read_error_kinds(dut):
    """SLVERR on a DDT read (257, recorded), on a command fetch (cqmf) and on a record write
    (fqmf), with stalls; nothing hangs and the state matches the model."""
    tb = CqTb(dut)
    await tb.start()
    h = tb.h
    rng = random.Random(cocotb.RANDOM_SEED + 1)
    stall_everything(tb, rng, duty=0.3)
    store_dc(h, 2)
    h.set_access_fault(DDT_BASE + 32 * 3, DDT_BASE + 32 * 4)
    await h.wr(Reg.DDTP, (DDT_BASE >> 12) << 10 | 2, 8)
    await enable_fq(h, log2sz=2)
    errors = []
    await device_traffic(h, [(3, 0x1000, TTYP.UNTRANSLATED_READ),
                             (2, 0x2000, TTYP.UNTRANSLATED_READ)], errors)
    await h.fq_settle()
    assert await h.rd(Reg.FQT, 4) == 1, "the 257 fault must be recorded"
    h.set_access_fault(FQ_BASE + 32, FQ_BASE + 64)     # next record slot
    await device_traffic(h, [(3, 0x3000, TTYP.UNTRANSLATED_WRITE)], errors)
    await h.fq_settle()
    assert (await h.rd(Reg.FQCSR, 4)) & (1 << 8), "fqmf"
    await tb.enable(log2sz=2)
    h.set_access_fault(tb.base + 16, tb.base + 32)     # command 1
    await tb.push([iodir(), iodir(dv=1, did=2)])
    assert (await h.rd(Reg.CQCSR, 4)) & (1 << 8) and await h.rd(Reg.CQH, 4) == 1, "cqmf"
    assert not errors, errors[0]
    check_records(h, 4)
    await h.assert_regs_match("after each kind of bus error")
