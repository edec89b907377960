"""Differential check for the oracle's Sv32 and big-endian reading (scoreboards/formats.py): a
small *correct* cached IOMMU written here, independently of the oracle and of the model, with
a device-context cache, a non-leaf (level-1) walk cache and a leaf IOTLB, that caches whatever
the spec allows, executes queued invalidations in queue order at any moment between the
doorbell and the fence's completion, and evicts at random. Its tables are Sv32 (4-byte PTEs,
two per doubleword: DC.tc.SXL = 1) and/or big-endian (DC.tc.SBE = 1, capabilities.END), or
Sv39 big-endian. Every result it gives must be accepted by the oracle, and a variant that
ignores one invalidation must be caught.

Layout per device d (1LVL DDT at 0x10000, base DCs, PSCID d, G-stage Bare):
- Sv32: root at 0x100000 * d; VA 0x4040_0000 + i * 4 KiB: VPN[1] = 0x101 -> root PTE at
  root + 0x404, the high half of doubleword root + 0x400; VPN[0] = i -> L0 + 4 * i, the low
  half for even i, the high half for odd i. Two level-0 tables, L0 and L0b.
- Sv39: root + 8 (VPN[2] = 1) -> L1 + 0 (VPN[1] = 2 for 0x4040_0000) -> L0 + 8 * i.
"""
import random

import pytest

from cached_iommu import ALL_CMDS, DC_BASE, CachedIommu, encode
from models import Outcome, Reg
from oracle_tables import LEAF, LVL1, V, Sw, dc_order, iofence, req, ta
from scoreboards import CoherenceOracle

CAPS = 0x0000_01F8_1006_0610
SV32, END = 1 << 8, 1 << 27
TC_V, TC_SBE, TC_SXL = 1, 1 << 10, 1 << 11
DIDS = (1, 2, 3)
NVA = 6
VA0 = 0x4040_0000


def be64(x):
    return int.from_bytes(x.to_bytes(8, "big"), "little")


def be32(x):
    return int.from_bytes(x.to_bytes(4, "big"), "little")


class Layout:
    """Where each PTE lives and how it is encoded, for one format."""

    def __init__(self, sv32, be):
        self.sv32, self.be = sv32, be

    def tables(self, did):
        base = 0x100000 * did
        return base, base + 0x1000, base + 0x2000, base + 0x3000   # root, L1, L0, L0b

    def pte(self, pa, flags):
        return ((pa >> 12) << 10) | flags

    # a PTE slot: (doubleword address, half or None)
    def leaf_slot(self, table, i):
        return (table + 4 * i & ~7, i & 1) if self.sv32 else (table + 8 * i, None)

    def nonleaf_slot(self, did):
        root, l1, _, _ = self.tables(did)
        return (root + 0x400, 1) if self.sv32 else (l1 + 16, None)    # 0x4040_0000: VPN[1]=2

    def encode(self, dw_old, half, value):
        """The doubleword after software writes PTE `value` into `half` of `dw_old`."""
        if half is None:
            return be64(value) if self.be else value
        v = be32(value) if self.be else value
        return dw_old & ~(0xFFFF_FFFF << 32 * half) | v << 32 * half

    def decode(self, dw, half):
        if half is None:
            return be64(dw) if self.be else dw
        v = dw >> 32 * half & 0xFFFF_FFFF
        return be32(v) if self.be else v


class CachedIommuSv32Be(CachedIommu):
    """Caches: DC by did; the level-1 non-leaf PTE by (pscid, va >> 22) (Sv32) or the level-1
    PTE by (pscid, va >> 21) (Sv39); leaf by (pscid, va >> 12). Only V=1 values are cached."""

    def __init__(self, mem, lay, rnd, broken=None, evict=0.1):
        super().__init__(mem, rnd, broken, evict)
        self.lay = lay

    def _pte(self, slot):
        return self.lay.decode(self.mem.read64(slot[0]), slot[1])

    def translate(self, did, va):
        lay = self.lay
        dc = self._use(self.dcc, did)
        if dc is None:
            dc = tuple(self.mem.read64(DC_BASE + 32 * did + 8 * i) for i in range(4))
            if dc[0] & 1:
                self._fill(self.dcc, did, dc)
        if not dc[0] & 1:
            return Outcome(None, 258)
        pscid, root = (dc[2] >> 12) & 0xFFFFF, (dc[3] & ((1 << 44) - 1)) << 12
        leaf = self._use(self.tlb, (pscid, va >> 12))
        if leaf is None:
            wkey = (pscid, va >> (22 if lay.sv32 else 21))
            nl = self._use(self.walkc, wkey)
            if nl is None:
                if lay.sv32:
                    slot = ((root + 4 * (va >> 22)) & ~7, (va >> 22) & 1)
                else:
                    r = self._pte((root + ((va >> 30) & 0x1FF) * 8, None))
                    if not r & 1:
                        return Outcome(None, 13)
                    slot = (((r >> 10) << 12) + ((va >> 21) & 0x1FF) * 8, None)
                nl = self._pte(slot)
                if not nl & 1:
                    return Outcome(None, 13)
                self._fill(self.walkc, wkey, nl)
            idx = (va >> 12) & (0x3FF if lay.sv32 else 0x1FF)
            leaf = self._pte(lay.leaf_slot((nl >> 10) << 12, idx))
            if not leaf & 1:
                return Outcome(None, 13)
            self._fill(self.tlb, (pscid, va >> 12), leaf)
        return Outcome(((leaf >> 10) << 12) | (va & 0xFFF), None)


def run(lay, seed, steps, broken=None, kinds=ALL_CMDS, evict=0.1, targeted=False, nva=NVA):
    rnd = random.Random(seed)
    o = CoherenceOracle(capabilities=CAPS | (SV32 if lay.sv32 else 0) | (END if lay.be else 0))
    sw = Sw(o)
    dut = CachedIommuSv32Be(o.mem, lay, rnd, broken, evict)
    o.write_reg(Reg.DDTP, (DC_BASE >> 12 << 10) | LVL1)
    tc = TC_V | (TC_SXL if lay.sv32 else 0) | (TC_SBE if lay.be else 0)

    def put(slot, value):
        sw.st(slot[0], lay.encode(o.mem.read64(slot[0]), slot[1], value))

    for did in DIDS:
        root, l1, l0, l0b = lay.tables(did)
        for i, w in dc_order((tc, 0, ta(did), 8 << 60 | root >> 12)):     # Sv32 / Sv39: MODE 8
            sw.st(DC_BASE + 32 * did + 8 * i, w)
        for i in range(NVA):
            put(lay.leaf_slot(l0, i), lay.pte(0x8000_0000 + (did << 20) + (i << 12), LEAF))
            put(lay.leaf_slot(l0b, i), lay.pte(0x9000_0000 + (did << 20) + (i << 12), LEAF))
        if not lay.sv32:
            put((root + 8, None), lay.pte(l1, V))
        put(lay.nonleaf_slot(did), lay.pte(l0, V))
    pending = []
    checks = failures = 0
    first_failure = None
    last = (DIDS[0], VA0)
    for _ in range(steps):
        x = rnd.random()
        did = rnd.choice(DIDS)
        root, l1, l0, l0b = lay.tables(did)
        i = rnd.randrange(nva)
        va = VA0 + (i << 12)
        if x < 0.30:
            last = (did, va)
            put(lay.leaf_slot(rnd.choice((l0, l0b)), i),
                rnd.choice((lay.pte(0x7000_0000 + (rnd.randrange(16) << 12), LEAF), 0)))
        elif x < 0.35:
            put(lay.nonleaf_slot(did), rnd.choice((lay.pte(l0, V), lay.pte(l0b, V), 0)))
        elif x < 0.40:
            dc = DC_BASE + 32 * did
            if rnd.random() < 0.5:
                sw.st(dc, rnd.choice((tc, 0)))
            else:
                sw.st(dc + 16, ta(rnd.choice(DIDS)))
        elif x < 0.75:
            out = dut.translate(did, va)
            v = o.check(req(did=did, iova=va), out)
            checks += 1
            if not v.ok:
                failures += 1
                first_failure = first_failure or v.message
        elif x < 0.85:
            n = rnd.randint(0, len(pending))
            for c in pending[:n]:
                dut.execute(c)
            pending = pending[n:]
        else:
            if targeted:
                did, va = last
            args = {"ddt_all": 0, "ddt_did": did, "vma_all": 0, "vma_pscid": did, "vma_addr": va}
            cmds = [(k, args[k]) for k in (rnd.choice(kinds) for _ in range(rnd.randint(1, 2)))]
            sw.queue(*[encode(c) for c in cmds], iofence())
            pending += cmds
            if rnd.random() < 0.6:
                for c in pending:
                    dut.execute(c)
                pending = []
                sw.done()
        dut.evict()
    return checks, failures, first_failure


LAYOUTS = {"sv32": Layout(True, False), "sv32-be": Layout(True, True),
           "sv39-be": Layout(False, True)}


@pytest.mark.parametrize("fmt", sorted(LAYOUTS))
@pytest.mark.parametrize("seed,evict", [(1, 0.1), (2, 0.0)])
def test_correct_cached_iommu_is_always_accepted(fmt, seed, evict):
    checks, failures, first = run(LAYOUTS[fmt], seed, 2500, evict=evict)
    assert checks > 600
    assert failures == 0, first


@pytest.mark.parametrize("fmt", sorted(LAYOUTS))
@pytest.mark.parametrize("broken", ["vma_addr", "vma_pscid"])
def test_cached_iommu_ignoring_an_invalidation_is_caught(fmt, broken):
    checks, failures, first = run(LAYOUTS[fmt], 11, 1500, broken=broken,
                                  kinds=(broken, broken, "vma_all", "ddt_all"),
                                  evict=0.0, targeted=True, nva=2)
    assert failures > 0
    assert first.startswith("MISMATCH translate")
