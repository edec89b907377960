"""cocotb tests of iommu_xlate built with tiny caches (IOTLB 2, DDTC 2, PDTC 2) and
NEG_CACHE_DC=1: replacement under thrashing, and the deliberate negative caching of V=0
device contexts (the spec violation the coherence oracle must catch)."""
import cocotb

from models import Request

from tests.xlate.scenarios import LEAF, random_traffic
from tests.xlate.xlate_tb import LVL2, RD, SV39, TC_V, XlateTB, atp

# each test takes at most ~0.2 ms of simulated time: a lost handshake fails at this limit
XLATE_LIMIT_MS = 20


@cocotb.test(timeout_time=XLATE_LIMIT_MS, timeout_unit="ms")
async def random_small_caches(dut):
    tb = XlateTB(dut, mem_latency=(0, 2))
    await tb.start()
    await random_traffic(tb, n=300, seed=5)
    tb.done()


@cocotb.test(timeout_time=XLATE_LIMIT_MS, timeout_unit="ms")
async def negative_dc_caching(dut):
    """NEG_CACHE_DC=1: a DC read with V=0 is cached, so making it valid without
    IODIR.INVAL_DDT keeps answering 258 (RISC-V 1.0 forbids this); the invalidation fixes it."""
    tb = XlateTB(dut)
    await tb.start()
    tb.set_ddtp(LVL2, root=tb.alloc())
    root = tb.alloc()
    tb.map(root, 0x1000_0000, 0x9000_0000, LEAF, 3)
    dca = tb.set_dc(0x42, tc=0, fsc=atp(SV39, root), ta=3 << 12)
    await tb.xlate(0x42, 0x1000_0000)                              # 258, now cached
    tb.mem.write64(dca, TC_V)                                      # V 0->1, no invalidation
    n = await tb.reads_for(0x42, 0x1000_0000, RD, expect=("fault", 258), what="negative hit")
    assert n == 0, "the negative entry was not used"
    assert tb.flts[-1]["cause"] == 258
    await tb.inv(2, dv=1, did=0x43)
    await tb.xlate(0x42, 0x1000_0000, expect=("fault", 258), what="other device's INVAL_DDT")
    await tb.inv(2, dv=1, did=0x42)
    await tb.xlate(0x42, 0x1000_0000)                              # valid now
    # DV=0 drops negative entries too
    dcb = tb.set_dc(0x44, tc=0)
    await tb.xlate(0x44, 0x5000)
    tb.mem.write64(dcb, TC_V)
    await tb.xlate(0x44, 0x5000, expect=("fault", 258), what="negative hit")
    await tb.inv(2, dv=0)
    await tb.xlate(0x44, 0x5000)
    tb.done()


@cocotb.test(timeout_time=XLATE_LIMIT_MS, timeout_unit="ms")
async def ddtc_replacement(dut):
    """Three devices through a 2-entry DDTC: every answer stays right, and a hit after two
    fills reads nothing."""
    tb = XlateTB(dut)
    await tb.start()
    tb.set_ddtp(LVL2, root=tb.alloc())
    for did in (1, 2, 3):
        tb.set_dc(did)
    for rnd in range(3):
        for did in (1, 2, 3, 3, 2, 1):
            await tb.xlate(did, 0x1000 * (did + rnd))
    await tb.xlate(1, 0x1000)
    assert await tb.reads_for(1, 0x2000) == 0
    tb.done()


@cocotb.test(timeout_time=XLATE_LIMIT_MS, timeout_unit="ms")
async def oracle_dir_negative(dut):
    """Tiny caches with negative DC caching: the riscv-dir-negative policy accepts every
    answer under random updates and invalidations."""
    from scoreboards import CoherenceOracle
    from tests.xlate.scenarios import oracle_random
    tb = XlateTB(dut, mem_latency=(0, 2), oracle=CoherenceOracle(policy="riscv-dir-negative"))
    await tb.start()
    await oracle_random(tb, n=500, seed=33)
    tb.done()


async def _neg_scenario(dut, policy):
    from models import Outcome
    from scoreboards import CoherenceOracle
    o = CoherenceOracle(policy=policy)
    tb = XlateTB(dut, oracle=o)
    await tb.start()
    tb.set_ddtp(LVL2, root=tb.alloc())
    dca = tb.set_dc(0x42, tc=0)
    req = Request(did=0x42, iova=0x1000, ttyp=RD)
    res = []
    for step in range(2):
        earlier = o.outcomes(req)
        tag = tb.new_tag()
        await tb.send(req, tag)
        rsp = await tb.wait_rsp(tag)
        obs = Outcome(None, rsp.cause) if rsp.fault else Outcome(rsp.pa, None)
        res.append(o.check(req, obs, earlier))
        if step == 0:
            o.store64(dca, TC_V)          # V 0->1 without invalidation
    return res


@cocotb.test(timeout_time=XLATE_LIMIT_MS, timeout_unit="ms")
async def oracle_strict_rejects_negative_dc(dut):
    """The deliberate violation: riscv-1.0-strict rejects the negatively cached DC."""
    v = await _neg_scenario(dut, "riscv-1.0-strict")
    assert v[0].ok and not v[1].ok, [x.message for x in v]
    dut._log.info("strict policy caught it: %s", v[1].message)


@cocotb.test(timeout_time=XLATE_LIMIT_MS, timeout_unit="ms")
async def oracle_dir_negative_accepts_negative_dc(dut):
    """... and riscv-dir-negative accepts it."""
    v = await _neg_scenario(dut, "riscv-dir-negative")
    assert v[0].ok and v[1].ok, [x.message for x in v]
