"""Scenarios shared by the cocotb modules of tests/xlate (each module is one build)."""
import random

from cocotb.triggers import ClockCycles

from models import Request
from tests.xlate.xlate_tb import (
    A, D, EX, G, LVL2, N, PC_ENS, PC_SUM, PC_V, PD8, PD17, R, RD, SV39, SV39X4, SV48, SV48X4,
    TC_DPE, TC_DTF, TC_PDTV, TC_V, U, V, W, WR, X, XlateTB, atp)

LEAF = V | R | W | X | U | A | D


def build_world(tb: XlateTB):
    """A static configuration with every kind of context; returns the list of
    (did, pid-or-None, priv, [iovas]) request templates."""
    tb.set_ddtp(LVL2, root=tb.alloc())
    rnd = random.Random(7)
    out = []
    # host first stage Sv39 / Sv48, mixed page sizes and permissions
    for k, (mode, levels) in enumerate(((SV39, 3), (SV48, 4))):
        root = tb.alloc()
        vas = []
        for i in range(12):
            va = (0x1000_0000 * (i + 1) + rnd.randrange(0, 0x100) * 0x1000) | (k << 38 if levels == 4 else 0)
            flags = rnd.choice([LEAF, LEAF, LEAF & ~W, LEAF & ~X, LEAF & ~D, LEAF & ~U,
                                LEAF | G, LEAF & ~A])
            lvl = rnd.choice([0, 0, 1])
            pa = 0x2_0000_0000 + i * 0x100_0000
            if rnd.random() < 0.2 and lvl == 0:
                for j in range(16):
                    tb.map(root, (va & ~0xFFFF) + j * 0x1000, (pa & ~0xFFFF) | 0x8000, flags | N, levels)
            else:
                tb.map(root, va, pa, flags, levels, leaf_level=lvl)
            vas += [va, va + 0x123, va ^ 0x1000]
        did = 0x100 + k
        tb.set_dc(did, fsc=atp(mode, root), ta=(10 + k) << 12, tc=TC_V | (TC_DTF if k else 0))
        out.append((did, None, False, vas + [1 << 50, 0x123]))
    # G-stage only and two-stage
    for k, (gmode, fmode, flev) in enumerate(((SV39X4, SV39, 3), (SV48X4, SV48, 4))):
        iohgatp, groot = tb.make_gstage(gmode, gscid=0x20 + k)
        glev = 3 if gmode == SV39X4 else 4
        gvas = []
        for i in range(6):
            gpa = 0x1_0000_0000 + i * 0x20_1000
            tb.map(groot, gpa, 0x3_0000_0000 + i * 0x1000,
                   rnd.choice([LEAF, LEAF & ~W, LEAF & ~U, LEAF]), glev, x4=True)
            gvas += [gpa, gpa + 0x10]
        did = 0x200 + k
        tb.set_dc(did, iohgatp=iohgatp)
        out.append((did, None, False, gvas + [0x1234_5000, 1 << 45]))
        froot = tb.galloc()
        vas = []
        for i in range(6):
            va = 0x4000_0000 * (i + 1) + 0x5000
            target = rnd.choice([0x0100_0000 + i * 0x1000, gvas[2 * i]])
            tb.map(froot, va, target, rnd.choice([LEAF, LEAF & ~X, LEAF | G]), flev,
                   leaf_level=rnd.choice([0, 0, 1]) if target < 1 << 30 else 0, guest=True)
            vas += [va, va + 0x77]
        did = 0x300 + k
        tb.set_dc(did, iohgatp=iohgatp, fsc=atp(fmode, froot), ta=(30 + k) << 12)
        out.append((did, None, False, vas))
        # process contexts under the G-stage
        pdt = tb.galloc()
        did = 0x400 + k
        tb.set_dc(did, tc=TC_V | TC_PDTV | TC_DPE, iohgatp=iohgatp, fsc=atp(PD17, pdt))
        for pid in (0, 0x101, 0x1FFFF):
            tb.set_pc(pdt, PD17, pid, PC_V | PC_ENS | (PC_SUM if pid & 1 else 0) | ((pid + 5) << 12),
                      atp(fmode, froot), guest=True)
            out.append((did, pid, True, vas))
            out.append((did, pid, False, vas))
        out.append((did, None, False, vas))
        out.append((did, 0x55, False, vas))        # no PC: 266
    # host PDT
    root = tb.alloc()
    for i in range(4):
        tb.map(root, 0x7000_0000 + i * 0x1000, 0x8000_0000 + i * 0x1000,
               LEAF & ~U if i & 1 else LEAF, 3)
    pdt = tb.alloc()
    tb.set_dc(0x500, tc=TC_V | TC_PDTV, fsc=atp(PD8, pdt))
    for pid in (1, 2, 3):
        tb.set_pc(pdt, PD8, pid, PC_V | (PC_ENS if pid != 3 else 0) | (PC_SUM if pid == 2 else 0)
                  | (pid << 12), atp(SV39, root))
        vas = [0x7000_0000 + i * 0x1000 for i in range(4)]
        out.append((0x500, pid, True, vas))
        out.append((0x500, pid, False, vas))
    out.append((0x500, 0x100, False, [0x7000_0000]))   # too wide for PD8
    # Bare/Bare, invalid and misconfigured devices, a device id too wide
    tb.set_dc(0x600)
    tb.set_dc(0x601, tc=0)
    tb.set_dc(0x602, tc=TC_V | TC_DPE)
    out += [(0x600, None, False, [0x1234_5678]), (0x601, None, False, [0x1000]),
            (0x602, None, False, [0x1000]), (0x603, None, False, [0x1000]),
            (0x1_0000, None, False, [0x1000])]
    return out


async def random_traffic(tb: XlateTB, n=300, seed=1, burst=True):
    """Random requests over build_world's configuration (memory static: every answer must
    equal the model's). With burst=True up to 8 requests are in flight, so hits overtake
    misses and responses come back out of order."""
    world = build_world(tb)
    rnd = random.Random(seed)
    reqs = []
    for _ in range(n):
        did, pid, priv, vas = rnd.choice(world)
        reqs.append(Request(did=did, iova=rnd.choice(vas), ttyp=rnd.choice([RD] * 5 + [WR] * 4 + [EX] * 3 + [9, 6]),
                            pid=pid, priv_s=priv))
    if not burst:
        for r in reqs:
            await tb.xlate(r.did, r.iova, r.ttyp, r.pid, r.priv_s)
        return
    expected = {}
    for i in range(0, n, 8):
        chunk = []
        for r in reqs[i:i + 8]:
            tag = tb.new_tag()
            expected[tag] = (r, *tb.expect(r))
            chunk.append((r, tag))
        await tb.send_many(chunk)
        for _, tag in chunk:
            rsp = await tb.wait_rsp(tag)
            r, out, report = expected.pop(tag)
            tb.compare(r, rsp, out, report, "random")


# ---------------------------------------------------------------------------------------------
# random updates + invalidations, every answer checked by the coherence oracle
CQ_BASE, CQ_LOG2 = 0x0F00_0000, 10


def _cmd_words(kind, p):
    """The CQ command (two doublewords) for an inv_* port request."""
    if kind in (0, 1):
        dw0 = 1 | (kind << 7) | (p["av"] << 10) | (p["pscid"] << 12) | (p["pscv"] << 32) \
            | (p["gv"] << 33) | (p["gscid"] << 44)
        return dw0, (p["addr"] >> 12) << 10
    return 3 | ((kind - 2) << 7) | (p["dv"] << 33) | (p["did"] << 40) | \
        ((p["pid"] << 12) if kind == 3 else 0), 0


class OracleDriver:
    """Mirrors every invalidation on the RTL's inv port into the oracle's command queue,
    followed by an IOFENCE.C that completes when the RTL raised inv_ready."""

    def __init__(self, tb):
        from models import Reg
        self.tb, self.o, self.Reg = tb, tb.oracle, Reg
        self.o.write_reg(Reg.CQB, ((CQ_BASE >> 12) << 10) | (CQ_LOG2 - 1))
        self.o.write_reg(Reg.CQCSR, 1, size=4)
        self.tail = 0

    async def inv(self, kind, **kw):
        p = dict(av=0, pscv=0, gv=0, dv=0, pscid=0, gscid=0, addr=0, did=0, pid=0)
        p.update(kw)
        size = 1 << CQ_LOG2
        for words in (_cmd_words(kind, p), (2, 0)):          # the command, then IOFENCE.C
            a = CQ_BASE + 16 * self.tail
            self.o.mem.write64(a, words[0])
            self.o.mem.write64(a + 8, words[1])
            self.tail = (self.tail + 1) % size
        self.o.write_reg(self.Reg.CQT, self.tail, size=4)
        await self.tb.inv(kind, **p)
        self.o.commands_done(self.tail)


async def oracle_random(tb, n=300, seed=3, update_rate=0.2, inv_rate=0.06, must_pass=True):
    """Random requests interleaved with random software updates (leaf PTEs, DCs, PCs) and
    random invalidations; each response must be an outcome the oracle permits."""
    from models import Outcome
    world = build_world(tb)
    drv = OracleDriver(tb)
    o = tb.oracle
    rnd = random.Random(seed)
    dids = sorted(tb.dc_log)
    gscids, pscids = [0x20, 0x21], [10, 11, 30, 31, 1, 2, 3, 5, 0x106, 0x1FFFF + 5]
    all_vas = sorted({va for _, _, _, vas in world for va in vas})
    stats = {"updates": 0, "invs": 0, "stale_ok": 0, "mismatch": 0}
    for i in range(n):
        r = rnd.random()
        if r < update_rate:
            what = rnd.random()
            if what < 0.6:
                a = rnd.choice(tb.leaf_log)
                flip = rnd.choice([0x800 << 10, W, V, D, U, A, X])
                o.store64(a, o.mem.read64(a) ^ flip)
            elif what < 0.8:
                a = tb.dc_log[rnd.choice(dids)]
                word = rnd.choice([0, 0, 2])
                flip = 1 if word == 0 else (rnd.choice(pscids) << 12)
                o.store64(a + 8 * word, o.mem.read64(a + 8 * word) ^ flip)
            else:
                a = rnd.choice(tb.pc_log)
                flip = rnd.choice([1, 1 << 12, PC_SUM, PC_ENS])
                o.store64(a, o.mem.read64(a) ^ flip)
            stats["updates"] += 1
            continue
        if r < update_rate + inv_rate:
            kind = rnd.randrange(4)
            kw = dict(av=rnd.randrange(2), pscv=rnd.randrange(2), gv=rnd.randrange(2),
                      dv=rnd.randrange(2), pscid=rnd.choice(pscids), gscid=rnd.choice(gscids),
                      addr=rnd.choice(all_vas) & ~0xFFF, did=rnd.choice(dids), pid=rnd.choice([0, 1, 2, 3, 0x101]))
            if kind == 1:
                kw["pscv"] = 0           # GVMA with PSCV=1 is illegal
            if kind == 3:
                kw["dv"] = 1             # INVAL_PDT with DV=0 is illegal
            if kind == 2:
                kw["pid"] = 0
            await drv.inv(kind, **kw)
            stats["invs"] += 1
            continue
        did, pid, priv, vas = rnd.choice(world)
        req = Request(did=did, iova=rnd.choice(vas), ttyp=rnd.choice([RD] * 5 + [WR] * 4 + [EX] * 2),
                      pid=pid, priv_s=priv)
        earlier = o.outcomes(req)
        tag = tb.new_tag()
        await tb.send(req, tag)
        rsp = await tb.wait_rsp(tag)
        obs = Outcome(None, rsp.cause) if rsp.fault else Outcome(rsp.pa, None)
        v = o.check(req, obs, earlier)
        tb.checked += 1
        if not v.ok:
            stats["mismatch"] += 1
            if must_pass:
                tb.fail(v.message)
            elif stats["mismatch"] == 1:
                tb.log.info("expected kind of mismatch: %s", v.message)
        elif "stale=" in v.message:
            stats["stale_ok"] += 1
        flt = tb.take_flt(req)
        if flt is not None and (not rsp.fault or flt["cause"] != rsp.cause):
            tb.fail(f"fault record {flt} does not match the response {rsp}")
    tb.log.info("oracle_random: %s", stats)
    return stats
