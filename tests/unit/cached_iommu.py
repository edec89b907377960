"""A small *correct* cached IOMMU for the oracle's differential tests
(test_oracle_cached_dut.py, test_oracle_cached_dut_sv32_be.py), written independently of the
oracle and of the model: a device-context cache, a non-leaf walk cache and a leaf IOTLB that
cache whatever the spec allows, execute invalidations when told and evict at random."""
from models import Outcome
from oracle_tables import inval_ddt, vma

DC_BASE = 0x10000


class CachedIommu:
    """1LVL DDT, Sv39, host spaces only. Caches: DC by did; level-1 non-leaf PTE by
    (pscid, va>>21); leaf by (pscid, va>>12). Only V=1 values are cached."""

    def __init__(self, mem, rnd, broken=None, evict=0.1, neg_dc=False):
        self.mem, self.rnd, self.broken, self.p_evict = mem, rnd, broken, evict
        self.neg_dc = neg_dc            # also cache V=0 device contexts (negative caching)
        self.dcc, self.walkc, self.tlb = {}, {}, {}

    def _use(self, cache, key):
        if key in cache and self.rnd.random() < 0.8:
            return cache[key]
        return None

    def _fill(self, cache, key, value):
        if self.rnd.random() < 0.7:
            cache[key] = value

    def translate(self, did, va):
        dc = self._use(self.dcc, did)
        if dc is None:
            dc = tuple(self.mem.read64(DC_BASE + 32 * did + 8 * i) for i in range(4))
            if dc[0] & 1 or self.neg_dc:
                self._fill(self.dcc, did, dc)
        if not dc[0] & 1:
            return Outcome(None, 258)
        pscid, root = (dc[2] >> 12) & 0xFFFFF, (dc[3] & ((1 << 44) - 1)) << 12
        leaf = self._use(self.tlb, (pscid, va >> 12))
        if leaf is None:
            l1 = self._use(self.walkc, (pscid, va >> 21))
            if l1 is None:
                r = self.mem.read64(root + ((va >> 30) & 0x1FF) * 8)
                if not r & 1:
                    return Outcome(None, 13)
                l1 = self.mem.read64(((r >> 10) << 12) + ((va >> 21) & 0x1FF) * 8)
                if not l1 & 1:
                    return Outcome(None, 13)
                self._fill(self.walkc, (pscid, va >> 21), l1)
            leaf = self.mem.read64(((l1 >> 10) << 12) + ((va >> 12) & 0x1FF) * 8)
            if not leaf & 1:
                return Outcome(None, 13)
            self._fill(self.tlb, (pscid, va >> 12), leaf)
        return Outcome(((leaf >> 10) << 12) | (va & 0xFFF), None)

    def execute(self, cmd):
        name, arg = cmd
        if name == self.broken:
            return
        if name == "ddt_all":
            self.dcc.clear()
        elif name == "ddt_did":
            self.dcc.pop(arg, None)
        elif name == "vma_all":
            self.walkc.clear()
            self.tlb.clear()
        elif name == "vma_pscid":
            for c in (self.walkc, self.tlb):
                for k in [k for k in c if k[0] == arg]:
                    del c[k]
        elif name == "vma_addr":                       # AV=1: leaf entries only
            for k in [k for k in self.tlb if k[1] == arg >> 12]:
                del self.tlb[k]

    def caches(self):
        return (self.dcc, self.walkc, self.tlb)

    def evict(self):
        for c in self.caches():
            if c and self.rnd.random() < self.p_evict:
                del c[self.rnd.choice(list(c))]


def encode(cmd):
    name, arg = cmd
    return {"ddt_all": lambda: inval_ddt(), "ddt_did": lambda: inval_ddt(dv=1, did=arg),
            "vma_all": lambda: vma(), "vma_pscid": lambda: vma(pscv=1, pscid=arg),
            "vma_addr": lambda: vma(av=1, addr=arg)}[name]()


ALL_CMDS = ("ddt_all", "ddt_did", "vma_all", "vma_pscid", "vma_addr")
