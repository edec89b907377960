"""Test-side builders for the coherence-oracle tests: field encoders written from the spec's
layouts, a fixed memory map, and a small `Sw` driver that stores through the oracle and drives
its command queue the way software does. Expected results stay hand-written in the tests.

Memory map used by most tests (addresses chosen so the hand computations stay short):
  DDT root 0x10000 (1LVL: DC of did 5 at 0x100a0; 2LVL: ddte at 0x10000 -> 0x11000, DC at 0x110a0)
  first-stage Sv39 tables 0x20000 (root) / 0x21000 (level 1) / 0x22000 (level 0)
  va 0x4000_1000: root PTE @0x20008, level-1 PTE @0x21000, leaf PTE @0x22008
  data pages 0x8765_4000 (old) and 0x9999_9000 (new)
"""
from models import Reg, Request, TTYP

V, R, W, X, U, G, A, D = 1, 2, 4, 8, 16, 32, 64, 128
LEAF = V | R | W | U | A | D            # user read/write leaf
LEAF_RO = V | R | U | A                 # user read-only leaf
G_LEAF = V | R | W | X | U | A | D      # G-stage leaf
TC_V, TC_PDTV = 1, 1 << 5
SV39, SV39X4, PD8, PD17 = 8, 8, 1, 2
LVL1, LVL2 = 2, 3

DDT = 0x10000
DDT_L1 = 0x11000
ROOT, L1, L0 = 0x20000, 0x21000, 0x22000
CQ = 0x60000
VA = 0x4000_1000
OLD_PA, NEW_PA = 0x8765_4000, 0x9999_9000

RD = TTYP.UNTRANSLATED_READ
WR = TTYP.UNTRANSLATED_WRITE
PAGE_FAULT_RD, PAGE_FAULT_WR = 13, 15
GUEST_PAGE_FAULT_RD = 21
DDT_NOT_VALID, DDT_MISCONFIGURED = 258, 259
PDT_NOT_VALID = 266


def pte(pa, flags):
    return ((pa >> 12) << 10) | flags


def atp(mode, pa, ident=0):
    return (mode << 60) | (ident << 44) | (pa >> 12)


def ddtp(mode, root=DDT):
    return ((root >> 12) << 10) | mode


def ta(pscid):
    return pscid << 12


def req(did=5, iova=VA, ttyp=RD, pid=None):
    return Request(did=did, iova=iova, ttyp=ttyp, pid=pid)


def res(outs):
    """A set of Outcome as a set of (pa, cause)."""
    return {(o.pa, None if o.cause is None else int(o.cause)) for o in outs}


# commands (field positions from the spec's command formats)
def vma(gv=0, av=0, pscv=0, pscid=0, gscid=0, addr=0):
    dw0 = 1 | av << 10 | pscid << 12 | pscv << 32 | gv << 33 | gscid << 44
    return dw0, (addr >> 12) << 10


def gvma(gv=0, av=0, gscid=0, addr=0):
    dw0 = 1 | 1 << 7 | av << 10 | gv << 33 | gscid << 44
    return dw0, (addr >> 12) << 10


def inval_ddt(dv=0, did=0):
    return 3 | dv << 33 | did << 40, 0


def inval_pdt(did, pid):
    return 3 | 1 << 7 | pid << 12 | 1 << 33 | did << 40, 0


def iofence():
    return 2, 0


class Sw:
    """Software: stores through the oracle, a 64-entry command queue at CQ."""

    def __init__(self, o):
        self.o = o
        self.tail = 0
        o.write_reg(Reg.CQB, ((CQ >> 12) << 10) | 5)        # LOG2SZ-1 = 5: 64 entries
        o.write_reg(Reg.CQCSR, 1, size=4)

    def st(self, pa, value):
        return self.o.store64(pa, value)

    def queue(self, *cmds):
        """Write the commands and ring the doorbell (they become pending)."""
        for dw0, dw1 in cmds:
            self.o.store64(CQ + 16 * self.tail, dw0)
            self.o.store64(CQ + 16 * self.tail + 8, dw1)
            self.tail = (self.tail + 1) % 64
        self.o.write_reg(Reg.CQT, self.tail, size=4)

    def done(self):
        """The IOMMU reports every queued command fetched (cqh = tail)."""
        self.o.commands_done(self.tail)

    def invalidate(self, *cmds):
        """Commands + IOFENCE.C, and the IOMMU reports the fence complete."""
        self.queue(*cmds, iofence())
        self.done()


def dc_order(words):
    """(index, doubleword) of a context in the order software stores them: V (word 0) last."""
    return reversed(list(enumerate(words)))


def settle(sw, gscid=3):
    """Invalidate everything (DDT/PDT, first stage host and VM gscid, G-stage) and fence: the
    state right after set-up, whatever a cache may have filled from while it was built."""
    sw.invalidate(inval_ddt(), vma(), vma(gv=1, gscid=gscid), gvma())


def sv39_dc(o, sw, did=5, pscid=7, mode=LVL1, gscid=None, groot=0x40000):
    """ddtp in `mode`, DC of `did` with Sv39 first stage at ROOT (and Sv39x4 G-stage at groot
    when gscid is given). Returns the DC address."""
    o.write_reg(Reg.DDTP, ddtp(mode))
    if mode == LVL1:
        dc = DDT + did * 32
    else:
        sw.st(DDT, pte(DDT_L1, V))
        dc = DDT_L1 + did * 32
    iohgatp = atp(SV39X4, groot, gscid) if gscid is not None else 0
    for i, w in dc_order((TC_V, iohgatp, ta(pscid), atp(SV39, ROOT))):
        sw.st(dc + 8 * i, w)
    return dc


def map4k(sw, va=VA, pa=OLD_PA, flags=LEAF):
    """Root -> L1 -> L0 for va (Sv39), stored leaf first (each entry before the one linking
    it, as the spec's guidelines ask); returns the leaf PTE address."""
    leaf = L0 + ((va >> 12) & 0x1FF) * 8
    sw.st(leaf, pte(pa, flags))
    sw.st(L1 + ((va >> 21) & 0x1FF) * 8, pte(L0, V))
    sw.st(ROOT + ((va >> 30) & 0x1FF) * 8, pte(L1, V))
    return leaf
