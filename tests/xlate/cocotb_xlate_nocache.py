"""cocotb tests of iommu_xlate built without caches (IOTLB/DDTC/PDTC_ENTRIES = 0)."""
import cocotb

from tests.xlate.scenarios import LEAF, random_traffic
from tests.xlate.xlate_tb import LVL3, PC_V, PD8, RD, SV39, TC_PDTV, XlateTB, atp

# each test takes at most ~0.2 ms of simulated time: a lost handshake fails at this limit
XLATE_LIMIT_MS = 20


@cocotb.test(timeout_time=XLATE_LIMIT_MS, timeout_unit="ms")
async def random_no_cache(dut):
    tb = XlateTB(dut, mem_latency=(0, 2))
    await tb.start()
    await random_traffic(tb, n=200, seed=9)
    tb.done()


@cocotb.test(timeout_time=XLATE_LIMIT_MS, timeout_unit="ms")
async def every_request_walks(dut):
    """Without caches a repeated request walks again, and invalidations still complete."""
    tb = XlateTB(dut)
    await tb.start()
    tb.set_ddtp(LVL3, root=tb.alloc())
    root = tb.alloc()
    tb.map(root, 0x1000_0000, 0x9000_0000, LEAF, 3)
    pdt = tb.alloc()
    tb.set_dc(0x10203, tc=1 | TC_PDTV, fsc=atp(PD8, pdt))
    tb.set_pc(pdt, PD8, 7, PC_V | (1 << 12), atp(SV39, root))
    for _ in range(3):
        n = await tb.reads_for(0x10203, 0x1000_0000, RD, pid=7)
        assert n == 2 + 4 + 2 + 3, f"{n} reads"
    for kind in range(4):
        await tb.inv(kind, dv=1, did=0x10203, pid=7)
    tb.mem.write64(pdt + 7 * 16, 0)                      # PC V=0 takes effect at once
    await tb.xlate(0x10203, 0x1000_0000, RD, pid=7)
    tb.done()


@cocotb.test(timeout_time=XLATE_LIMIT_MS, timeout_unit="ms")
async def oracle_no_cache(dut):
    """Without caches every answer is the current memory's: the no-cache policy passes."""
    from scoreboards import CoherenceOracle
    from tests.xlate.scenarios import oracle_random
    tb = XlateTB(dut, mem_latency=(0, 2), oracle=CoherenceOracle(policy="no-cache"))
    await tb.start()
    await oracle_random(tb, n=300, seed=21)
    tb.done()
