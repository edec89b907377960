"""Differential check: a small *correct* cached IOMMU (written here, independently of the
oracle) with a device-context cache, a non-leaf walk cache and a leaf IOTLB, that caches
whatever the spec allows, executes queued invalidations in queue order at any moment between
the doorbell and the fence's completion, and evicts at random.
Every result it gives must be accepted by the oracle (no false failures), and a broken
variant that ignores one invalidation must be caught."""
import random

import pytest

from oracle_tables import (dc_order, LEAF, LVL1, SV39, TC_V, V, Sw, atp, inval_ddt, iofence, pte, req,
                           ta, vma)
from cached_iommu import ALL_CMDS, DC_BASE, CachedIommu, encode
from models import Outcome, Reg
from scoreboards import CoherenceOracle

DIDS = (1, 2, 3)
NVA = 8


def tables(did):
    base = 0x100000 * did
    return base, base + 0x1000, base + 0x2000, base + 0x3000


def run(seed, steps, broken=None, policy="riscv-1.0-strict", kinds=ALL_CMDS, evict=0.1,
        neg_dc=False, targeted=False, nva=NVA):
    """targeted: invalidations name the device/address of the latest update (as a driver
    would) instead of a random one."""
    rnd = random.Random(seed)
    o = CoherenceOracle(policy=policy)
    sw = Sw(o)
    dut = CachedIommu(o.mem, rnd, broken, evict, neg_dc)
    o.write_reg(Reg.DDTP, (DC_BASE >> 12 << 10) | LVL1)
    for did in DIDS:
        root, l1, l0, l0b = tables(did)
        for i, w in dc_order((TC_V, 0, ta(did), atp(SV39, root))):
            sw.st(DC_BASE + 32 * did + 8 * i, w)
        sw.st(root + 8, pte(l1, V))
        sw.st(l1, pte(l0, V))
        for i in range(NVA):
            sw.st(l0 + 8 * i, pte(0x8000_0000 + (did << 20) + (i << 12), LEAF))
            sw.st(l0b + 8 * i, pte(0x9000_0000 + (did << 20) + (i << 12), LEAF))
    pending = []          # commands rung but not yet executed by the DUT
    checks = failures = 0
    first_failure = None
    last = (DIDS[0], 0x4000_0000)
    for _ in range(steps):
        x = rnd.random()
        did = rnd.choice(DIDS)
        root, l1, l0, l0b = tables(did)
        i = rnd.randrange(nva)
        va = 0x4000_0000 + (i << 12)
        if x < 0.30:
            last = (did, va)
            sw.st(rnd.choice((l0, l0b)) + 8 * i,
                  rnd.choice((pte(0x7000_0000 + (rnd.randrange(16) << 12), LEAF), 0)))
        elif x < 0.35:
            sw.st(l1, rnd.choice((pte(l0, V), pte(l0b, V), 0)))
        elif x < 0.40:
            dc = DC_BASE + 32 * did
            if rnd.random() < 0.5:
                sw.st(dc, rnd.choice((TC_V, 0)))
            else:
                sw.st(dc + 16, ta(rnd.choice(DIDS)))
        elif x < 0.75:
            out = dut.translate(did, va)
            v = o.check(req(did=did, iova=va), out)
            checks += 1
            if not v.ok:
                failures += 1
                first_failure = first_failure or v.message
        elif x < 0.85:                           # the DUT executes some, in queue order
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
            if rnd.random() < 0.6:               # the fence completes: all executed first
                for c in pending:
                    dut.execute(c)
                pending = []
                sw.done()
        dut.evict()
    return checks, failures, first_failure


@pytest.mark.parametrize("seed,evict,policy", [(1, 0.1, "riscv-1.0-strict"),
                                               (2, 0.0, "riscv-1.0-strict"),
                                               (3, 0.0, "riscv-negative-all"),
                                               (4, 0.3, "caching-mode")])
def test_correct_cached_iommu_is_always_accepted(seed, evict, policy):
    checks, failures, first = run(seed, 4000, evict=evict, policy=policy)
    assert checks > 1000
    assert failures == 0, first


@pytest.mark.parametrize("broken", ["vma_addr", "vma_pscid", "ddt_did"])
def test_cached_iommu_ignoring_an_invalidation_is_caught(broken):
    # Software issues only the broken command kind plus IODIR/VMA of other scopes rarely
    # enough that a stale entry the DUT kept is used.
    checks, failures, first = run(11, 2000, broken=broken,
                                  kinds=(broken, broken, "vma_all", "ddt_all"),
                                  evict=0.0, targeted=True, nva=2)
    assert failures > 0
    assert first.startswith("MISMATCH translate")
    assert "completed at IOFENCE.C #" in first


@pytest.mark.parametrize("policy,accepted", [("riscv-1.0-strict", False), ("tlbi-on-map", False),
                                             ("riscv-dir-negative", True),
                                             ("riscv-negative-all", True), ("caching-mode", True)])
def test_negative_dc_caching_accepted_only_by_negative_policies(policy, accepted):
    # Like the RTL's NEG_CACHE_DC=1: V=0 device contexts stay cached until IODIR.
    checks, failures, first = run(5, 3000, policy=policy, neg_dc=True, evict=0.0)
    if accepted:
        assert failures == 0, first
    else:
        assert failures > 0
        assert "device context of did" in first and "V=0" in first


def test_any_cache_is_caught_under_no_cache():
    checks, failures, first = run(6, 1500, policy="no-cache", evict=0.0, nva=2)
    assert failures > 0 and "policy=no-cache" in first


# ---------------------------------------------------------------------------------------------
# Two-stage variant: G-stage (gscid = did) with a split design: the DC cache holds the SPA of
# the first-stage root (O7), a GVA->GPA leaf cache tagged (gscid, pscid, va), and a GPA->SPA
# cache tagged (gscid, gpa). First-stage tables live at GPAs 0x10000.. in GiB 0, translated by
# 4 KiB G-stage leaves; GiB 1 and 2 are identity 1 GiB G-stage leaves (data).
G_LEAF_FLAGS = V | 2 | 4 | 8 | 16 | 64 | 128
ROOT_GPA, L1_GPA, L0_GPA, L0B_GPA = 0x10000, 0x11000, 0x12000, 0x13000


def g_base(did):
    return 0x400000 * did


class TwoStageIommu:
    def __init__(self, mem, rnd, broken=None, evict=0.1):
        self.mem, self.rnd, self.broken, self.p_evict = mem, rnd, broken, evict
        self.dcc, self.fst, self.gst = {}, {}, {}

    _use = CachedIommu._use
    _fill = CachedIommu._fill

    def g(self, gscid, groot, gpa):
        hit = self._use(self.gst, (gscid, gpa >> 12))
        if hit is not None:
            return hit | (gpa & 0xFFF)
        e = self.mem.read64(groot + ((gpa >> 30) & 0x7FF) * 8)
        if not e & 1:
            return None
        if e & 0xA:                                  # 1 GiB leaf
            spa = ((e >> 10) << 12) + (gpa & 0x3FFF_FFFF)
        else:
            e = self.mem.read64(((e >> 10) << 12) + ((gpa >> 21) & 0x1FF) * 8)
            if not e & 1:
                return None
            e = self.mem.read64(((e >> 10) << 12) + ((gpa >> 12) & 0x1FF) * 8)
            if not e & 1:
                return None
            spa = ((e >> 10) << 12) | (gpa & 0xFFF)
        self._fill(self.gst, (gscid, gpa >> 12), spa & ~0xFFF)
        return spa

    def translate(self, did, va):
        dc = self._use(self.dcc, did)
        if dc is None:
            w = [self.mem.read64(DC_BASE + 32 * did + 8 * i) for i in range(4)]
            if not w[0] & 1:
                return Outcome(None, 258)
            gscid, groot = (w[1] >> 44) & 0xFFFF, (w[1] & ((1 << 44) - 1)) << 12
            root = self.g(gscid, groot, (w[3] & ((1 << 44) - 1)) << 12)
            if root is None:
                return Outcome(None, 21)
            dc = ((w[2] >> 12) & 0xFFFFF, root, gscid, groot)
            self._fill(self.dcc, did, dc)
        pscid, root, gscid, groot = dc
        leaf = self._use(self.fst, (gscid, pscid, va >> 12))
        if leaf is None:
            r = self.mem.read64(root + ((va >> 30) & 0x1FF) * 8)
            if not r & 1:
                return Outcome(None, 13)
            if r & 0xA:
                leaf = (2, r)
            else:
                spa = self.g(gscid, groot, ((r >> 10) << 12) + ((va >> 21) & 0x1FF) * 8)
                if spa is None:
                    return Outcome(None, 21)
                l1 = self.mem.read64(spa)
                if not l1 & 1:
                    return Outcome(None, 13)
                spa = self.g(gscid, groot, ((l1 >> 10) << 12) + ((va >> 12) & 0x1FF) * 8)
                if spa is None:
                    return Outcome(None, 21)
                pte0 = self.mem.read64(spa)
                if not pte0 & 1:
                    return Outcome(None, 13)
                leaf = (0, pte0)
            self._fill(self.fst, (gscid, pscid, va >> 12), leaf)
        level, p = leaf
        span = 12 + 9 * level
        gpa = ((p >> 10) << 12 >> span << span) | (va & ((1 << span) - 1))
        spa = self.g(gscid, groot, gpa)
        return Outcome(None, 21) if spa is None else Outcome(spa, None)

    def execute(self, cmd):
        name, arg = cmd
        if name == self.broken:
            return
        if name == "ddt_did":
            self.dcc.pop(arg, None)
        elif name == "vma_g":
            for k in [k for k in self.fst if k[0] == arg]:
                del self.fst[k]
        elif name == "vma_g_addr":            # every page cached from a leaf mapping ADDR
            for k, (level, _) in list(self.fst.items()):
                span = 12 + 9 * level
                if k[0] == arg[0] and (k[2] << 12) >> span == arg[1] >> span:
                    del self.fst[k]
        elif name == "gvma_g":
            for k in [k for k in self.gst if k[0] == arg]:
                del self.gst[k]
        elif name == "gvma_addr":
            for k in [k for k in self.gst if k[0] == arg[0] and k[1] == arg[1] >> 12]:
                del self.gst[k]
        elif name == "gvma_all":
            self.gst.clear()

    evict = CachedIommu.evict

    def caches(self):
        return (self.dcc, self.fst, self.gst)


def encode2(cmd):
    from oracle_tables import gvma
    name, arg = cmd
    return {"ddt_did": lambda: inval_ddt(dv=1, did=arg),
            "vma_g": lambda: vma(gv=1, gscid=arg),
            "vma_g_addr": lambda: vma(gv=1, gscid=arg[0], av=1, addr=arg[1]),
            "gvma_g": lambda: gvma(gv=1, gscid=arg),
            "gvma_addr": lambda: gvma(gv=1, av=1, gscid=arg[0], addr=arg[1]),
            "gvma_all": lambda: gvma()}[name]()


def run2(seed, steps, broken=None, evict=0.1, nva=4, policy="riscv-1.0-strict", kinds=None):
    rnd = random.Random(seed)
    o = CoherenceOracle(policy=policy)
    sw = Sw(o)
    dut = TwoStageIommu(o.mem, rnd, broken, evict)
    o.write_reg(Reg.DDTP, (DC_BASE >> 12 << 10) | LVL1)
    for did in DIDS:
        b = g_base(did)
        sw.st(b, pte(b + 0x4000, V))                              # G root [0] -> GL1
        sw.st(b + 8, pte(0x4000_0000, G_LEAF_FLAGS))              # GiB 1 identity
        sw.st(b + 16, pte(0x8000_0000, G_LEAF_FLAGS))             # GiB 2 identity
        sw.st(b + 0x4000, pte(b + 0x5000, V))                     # GL1 [0] -> GL0
        for gpa in (ROOT_GPA, L1_GPA, L0_GPA, L0B_GPA):
            sw.st(b + 0x5000 + (gpa >> 12) * 8, pte(b + gpa, G_LEAF_FLAGS))
        sw.st(b + ROOT_GPA + 8, pte(L1_GPA, V))                   # root [1] -> L1
        sw.st(b + 0x14000 + 8, pte(0x8000_0000, LEAF))            # alternative root: 1 GiB leaf
        sw.st(b + L1_GPA, pte(L0_GPA, V))
        for i in range(nva):
            sw.st(b + L0_GPA + 8 * i, pte(0x8000_0000 + (did << 20) + (i << 12), LEAF))
            sw.st(b + L0B_GPA + 8 * i, pte(0x8800_0000 + (did << 20) + (i << 12), LEAF))
        for i, w in dc_order((TC_V, atp(8, b, did), ta(did), atp(SV39, ROOT_GPA))):
            sw.st(DC_BASE + 32 * did + 8 * i, w)
    pending, checks, failures, first = [], 0, 0, None
    for _ in range(steps):
        x = rnd.random()
        did = rnd.choice(DIDS)
        b = g_base(did)
        i = rnd.randrange(nva)
        va = 0x4000_0000 + (i << 12)
        if x < 0.20:
            sw.st(b + rnd.choice((L0_GPA, L0B_GPA)) + 8 * i,
                  rnd.choice((pte(0x7000_0000 + (rnd.randrange(8) << 12), LEAF), 0)))
        elif x < 0.25:
            sw.st(b + L1_GPA, pte(rnd.choice((L0_GPA, L0B_GPA)), V))
        elif x < 0.30:                                            # O7: move the root page
            sw.st(b + 0x5000 + (ROOT_GPA >> 12) * 8,
                  pte(b + rnd.choice((ROOT_GPA, 0x14000)), G_LEAF_FLAGS))
        elif x < 0.33:                                            # move the L0 page
            sw.st(b + 0x5000 + (L0_GPA >> 12) * 8,
                  pte(b + rnd.choice((L0_GPA, L0B_GPA)), G_LEAF_FLAGS))
        elif x < 0.65:
            out = dut.translate(did, va)
            v = o.check(req(did=did, iova=va), out)
            checks += 1
            if not v.ok:
                failures += 1
                first = first or v.message
        elif x < 0.75:
            n = rnd.randint(0, len(pending))
            for c in pending[:n]:
                dut.execute(c)
            pending = pending[n:]
        else:
            choices = [("ddt_did", did), ("vma_g", did), ("vma_g_addr", (did, va)),
                       ("gvma_g", did), ("gvma_addr", (did, rnd.choice((ROOT_GPA, L0_GPA)))),
                       ("gvma_all", 0)]
            if kinds:
                choices = [c for c in choices if c[0] in kinds]
            cmds = [rnd.choice(choices) for _ in range(rnd.randint(1, 3))]
            sw.queue(*[encode2(c) for c in cmds], iofence())
            pending += cmds
            if rnd.random() < 0.6:
                for c in pending:
                    dut.execute(c)
                pending = []
                sw.done()
        dut.evict()
    return checks, failures, first


@pytest.mark.parametrize("seed,evict", [(1, 0.1), (2, 0.0), (3, 0.3)])
def test_correct_two_stage_iommu_is_always_accepted(seed, evict):
    checks, failures, first = run2(seed, 3000, evict=evict)
    assert checks > 700
    assert failures == 0, first


@pytest.mark.parametrize("broken,kinds", [
    ("gvma_g", ("gvma_g", "ddt_did", "vma_g")),
    ("gvma_addr", ("gvma_addr", "ddt_did", "vma_g")),
    ("ddt_did", None),                  # the DC keeps the old root SPA (O7)
    ("vma_g", None),
    ("vma_g_addr", None),
])
def test_two_stage_iommu_ignoring_an_invalidation_is_caught(broken, kinds):
    checks, failures, first = run2(1, 1500, broken=broken, evict=0.0, nva=2, kinds=kinds)
    assert failures > 0
    assert first.startswith("MISMATCH translate") and "policy=riscv-1.0-strict" in first
