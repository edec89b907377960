"""Test-side encoders and builders for the in-memory structures of the RISC-V IOMMU.

Written from the spec's field layouts (independently of models/). The builders only *place*
encoded entries at addresses the test chooses; the tests keep their expected results as
hand-computed literals.
"""

from models import IommuModel, Memory, Reg, Request, TTYP

# ---------------------------------------------------------------------------------------------
# capabilities values
CAPS = 0x0000_01F8_1006_0610          # the model's default (docs/design.md)
CAP_SV57 = 1 << 11
CAP_SV57X4 = 1 << 19
CAP_MSI_FLAT = 1 << 22
CAP_PD20 = 1 << 40
CAPS_NO_PD20 = CAPS & ~CAP_PD20       # 0x0000_00F8_1006_0610

# ddtp.iommu_mode
OFF, BARE, LVL1, LVL2, LVL3 = 0, 1, 2, 3, 4

# PTE bits
V, R, W, X, U, G, A, D = 1, 2, 4, 8, 16, 32, 64, 128
N = 1 << 63
LEAF_URW = V | R | W | U | A | D
LEAF_URWX = V | R | W | X | U | A | D
G_LEAF = V | R | W | X | U | A | D   # G-stage leaf: U must be 1

# DC.tc bits
TC_V = 1 << 0
TC_EN_ATS = 1 << 1
TC_EN_PRI = 1 << 2
TC_T2GPA = 1 << 3
TC_DTF = 1 << 4
TC_PDTV = 1 << 5
TC_PRPR = 1 << 6
TC_GADE = 1 << 7
TC_SADE = 1 << 8
TC_DPE = 1 << 9
TC_SBE = 1 << 10
TC_SXL = 1 << 11

# PC.ta bits
PC_V, PC_ENS, PC_SUM = 1, 2, 4

# iosatp / iohgatp / pdtp modes
SV39, SV48, SV57 = 8, 9, 10
SV39X4, SV48X4, SV57X4 = 8, 9, 10
PD8, PD17, PD20 = 1, 2, 3

# cqcsr / fqcsr / ipsr bits
CQEN, CIE = 1 << 0, 1 << 1
CQMF, CMD_TO, CMD_ILL, FENCE_W_IP = 1 << 8, 1 << 9, 1 << 10, 1 << 11
CQON, CQBUSY = 1 << 16, 1 << 17
FQEN, FIE = 1 << 0, 1 << 1
FQMF, FQOF = 1 << 8, 1 << 9
FQON = 1 << 16
CIP, FIP = 1 << 0, 1 << 1

# fixed addresses used by most tests
DDT_ROOT = 0x10000
FQ_BASE = 0x50000
CQ_BASE = 0x60000


def pte(pa, flags):
    """A PTE / non-leaf DDT or PDT entry pointing at pa (PPN = pa >> 12 in bits 53:10)."""
    return ((pa >> 12) << 10) | flags


def atp(mode, pa, ident=0):
    """iosatp / pdtp / iohgatp / msiptp: MODE[63:60], id (GSCID for iohgatp) [59:44], PPN[43:0]."""
    return (mode << 60) | (ident << 44) | (pa >> 12)


def ddtp(mode, root=DDT_ROOT):
    return ((root >> 12) << 10) | mode


def qbase(base, log2sz):
    """cqb / fqb value: LOG2SZ-1 in [4:0], PPN in [53:10]."""
    return ((base >> 12) << 10) | (log2sz - 1)


# ---------------------------------------------------------------------------------------------
# device directory
def ddi(did, ext=False):
    if ext:
        return [did & 0x3F, (did >> 6) & 0x1FF, (did >> 15) & 0x1FF]
    return [did & 0x7F, (did >> 7) & 0x1FF, (did >> 16) & 0xFF]


def dc_words(tc=TC_V, iohgatp=0, ta=0, fsc=0, msiptp=0, mask=0, pattern=0, ext=False):
    words = [tc, iohgatp, ta, fsc]
    if ext:
        words += [msiptp, mask, pattern, 0]
    return words


def place_dc(mem, mode, did, words, root=DDT_ROOT, tables=(), ext=False):
    """Write the non-leaf DDT entries and the DC of `did`.

    tables: addresses of the lower directory pages, top first (2 for 3LVL, 1 for 2LVL).
    Returns the DC address."""
    levels = {LVL1: 1, LVL2: 2, LVL3: 3}[mode]
    assert len(tables) == levels - 1
    idx = ddi(did, ext)
    a = root
    for lvl, nxt in zip(range(levels - 1, 0, -1), tables):
        mem.write64(a + idx[lvl] * 8, pte(nxt, V))
        a = nxt
    dc_addr = a + idx[0] * (64 if ext else 32)
    for i, w in enumerate(words):
        mem.write64(dc_addr + 8 * i, w)
    return dc_addr


def setup_dc(mem, iommu, did, tc=TC_V, iohgatp=0, ta=0, fsc=0, mode=LVL1, tables=None,
             ext=False, **kw):
    """Point ddtp at DDT_ROOT in `mode` and place one DC. Returns the DC address."""
    if tables is None:
        tables = {LVL1: (), LVL2: (0x11000,), LVL3: (0x11000, 0x12000)}[mode]
    iommu.write_reg(Reg.DDTP, ddtp(mode))
    return place_dc(mem, mode, did, dc_words(tc, iohgatp, ta, fsc, ext=ext, **kw),
                    tables=tables, ext=ext)


# ---------------------------------------------------------------------------------------------
# process directory
def place_pc(mem, mode, pid, ta, fsc, tables, ptrs=None):
    """Write the non-leaf PDT entries and the PC of `pid`.

    tables[0] is where the root is written; tables[1:] where the lower pages are written.
    ptrs: the addresses stored in the non-leaf entries (GPAs under a G-stage); default tables[1:].
    Returns the address (as written) of the PC."""
    levels = {PD8: 1, PD17: 2, PD20: 3}[mode]
    assert len(tables) == levels
    ptrs = list(tables[1:]) if ptrs is None else list(ptrs)
    idx = [pid & 0xFF, (pid >> 8) & 0x1FF, (pid >> 17) & 0x7]
    a = tables[0]
    for k, lvl in enumerate(range(levels - 1, 0, -1)):
        mem.write64(a + idx[lvl] * 8, pte(ptrs[k], V))
        a = tables[k + 1]
    pc = a + idx[0] * 16
    mem.write64(pc, ta)
    mem.write64(pc + 8, fsc)
    return pc


# ---------------------------------------------------------------------------------------------
# page tables
def vpn(va, level, levels, x4=False):
    mask = 0x7FF if (x4 and level == levels - 1) else 0x1FF
    return (va >> (12 + 9 * level)) & mask


def pte_addr(table, va, level, levels, x4=False):
    return table + vpn(va, level, levels, x4) * 8


def map_va(mem, va, leaf, tables, levels=3, ptrs=None, x4=False):
    """Place a walk for `va`: tables[0] is the root (top level), one table per level down to the
    leaf, whose level is levels - len(tables). `leaf` is the full leaf PTE value.
    ptrs: values stored in the non-leaf PTEs (GPAs for a guest table); default tables[1:].
    Returns the address of the leaf PTE."""
    ptrs = list(tables[1:]) if ptrs is None else list(ptrs)
    level = levels - 1
    for k, t in enumerate(tables):
        addr = pte_addr(t, va, level, levels, x4)
        if k == len(tables) - 1:
            mem.write64(addr, leaf)
            return addr
        mem.write64(addr, pte(ptrs[k], V))
        level -= 1
    raise AssertionError("no tables")


# ---------------------------------------------------------------------------------------------
# command queue
def cmd_iotinval(func3=0, av=0, pscid=0, pscv=0, gv=0, nl=0, gscid=0, s=0, addr=0):
    dw0 = 1 | (func3 << 7) | (av << 10) | (pscid << 12) | (pscv << 32) | (gv << 33) | (nl << 34) \
        | (gscid << 44)
    dw1 = (s << 9) | ((addr >> 12) << 10)
    return dw0, dw1


def cmd_iofence(av=0, wsi=0, pr=0, pw=0, data=0, addr=0):
    dw0 = 2 | (av << 10) | (wsi << 11) | (pr << 12) | (pw << 13) | (data << 32)
    return dw0, addr >> 2


def cmd_iodir(func3=0, pid=0, dv=0, did=0):
    return 3 | (func3 << 7) | (pid << 12) | (dv << 33) | (did << 40), 0


def put_cmd(mem, index, cmd, base=CQ_BASE):
    mem.write64(base + 16 * index, cmd[0])
    mem.write64(base + 16 * index + 8, cmd[1])


# ---------------------------------------------------------------------------------------------
def new(caps=None):
    mem = Memory()
    return mem, IommuModel(mem, capabilities=caps)


def tr(iommu, did, iova, ttyp=TTYP.UNTRANSLATED_READ, pid=None, priv_s=False):
    return iommu.translate(Request(did=did, iova=iova, ttyp=ttyp, pid=pid, priv_s=priv_s))


def res(out):
    """(pa, cause) of an Outcome, cause as a plain int."""
    return (out.pa, None if out.cause is None else int(out.cause))


def enable_fq(iommu, base=FQ_BASE, log2sz=2, fie=True):
    iommu.write_reg(Reg.FQB, qbase(base, log2sz))
    iommu.write_reg(Reg.FQH, 0, size=4)
    iommu.write_reg(Reg.FQCSR, FQEN | (FIE if fie else 0), size=4)


def enable_cq(iommu, base=CQ_BASE, log2sz=2, cie=False):
    iommu.write_reg(Reg.CQB, qbase(base, log2sz))
    iommu.write_reg(Reg.CQCSR, CQEN | (CIE if cie else 0), size=4)


def record(mem, index, base=FQ_BASE):
    return [mem.read64(base + 32 * index + 8 * i) for i in range(4)]
