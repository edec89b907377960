"""Feature parameters of rtl/riscv_iommu.v (SV48, SV48X4, PD17, PD20, SVNAPOT) through the
whole IOMMU: the capabilities register and translations, compared with the golden model
configured like the build.

The build's profile comes from $IOMMU_FEATURES: "default" (every feature built) or
"sv39-only" (-GSV48=0 -GSV48X4=0 -GPD17=0 -GPD20=0 -GSVNAPOT=0). The model is then
IommuModel(mem, capabilities=<the profile's value>, svnapot=<SVNAPOT>). Every request's
response (fault, cause, PA) must equal the model's outcome; each request also carries what
the spec says for either profile, so a scenario that stops exercising its feature (e.g. the
model translating where an absent mode must be misconfigured) fails too.
"""

from __future__ import annotations

import os

import cocotb

from models import Reg
from models import capabilities as capbits
from tests.rtl.iommu_harness import IommuHarness
from tests.xlate.xlate_tb import (
    A, D, EX, GUEST_SPA, LVL2, N, PC_ENS, PC_V, PD8, PD17, PD20, R, RD, SV39, SV39X4, SV48,
    SV48X4, TC_PDTV, TC_V, U, V, W, WR, X, XlateTB, atp)

LEAF = V | R | W | X | U | A | D
PA_MASK = (1 << 56) - 1

# capabilities of each profile, from the spec's bit positions (not from the RTL)
PROFILES = {
    "default": dict(caps=capbits.DEFAULT, svnapot=True),
    "sv39-only": dict(caps=capbits.DEFAULT & ~(1 << capbits.SV48 | 1 << capbits.SV48X4
                                               | 1 << capbits.PD17 | 1 << capbits.PD20),
                      svnapot=False),
    "svpbmt": dict(caps=capbits.DEFAULT | 1 << capbits.SVPBMT, svnapot=True),
}
# cause numbers (spec table): page fault / guest-page fault by access type, DC and PC
# misconfigured, PC not valid
PF = {RD: 13, WR: 15, EX: 12}
GPF = {RD: 21, WR: 23, EX: 20}
DC_MISCONF, PC_MISCONF, PC_INVALID = 259, 267, 266
OK = None


class BothMemories:
    """What XlateTB's builders need of a memory, writing into the RAM behind m_axi and the
    model's memory alike (IommuHarness.store64)."""

    def __init__(self, h: IommuHarness):
        self.h = h

    def read64(self, pa: int) -> int:
        return self.h.mem.read64(pa)

    def write64(self, pa: int, value: int) -> None:
        self.h.store64(pa, value)


class World(XlateTB):
    """XlateTB's DDT / PDT / page-table builders over the top level's memories; the DUT's
    ports are not touched (ddtp is written through the register file by the test)."""

    def __init__(self, h: IommuHarness):
        super().__init__(h.dut)
        self.mem = BothMemories(h)
        self.model = h.model

    def set_ddtp(self, mode, root=None):
        if root is not None:
            self.ddt_root = root
        self.ddt_mode = mode


def build(w: World) -> list[tuple]:
    """Device and process contexts using each feature; returns the requests as
    (what, did, iova, ttyp, pid, default outcome, sv39-only outcome): OK or a cause."""
    reqs = []
    w.set_ddtp(LVL2, root=w.alloc())

    # host first stage Sv39: 4 KiB and 2 MiB pages; Sv48
    r39 = w.alloc()
    w.map(r39, 0x1000_0000, 0x5000_0000, LEAF, 3)
    w.map(r39, 0x4020_0000, 0x6000_0000, LEAF, 3, leaf_level=1)
    w.set_dc(0x10, fsc=atp(SV39, r39), ta=5 << 12)
    for t in (RD, WR, EX):
        reqs += [("Sv39 4K", 0x10, 0x1000_0abc, t, None, OK, OK),
                 ("Sv39 2M", 0x10, 0x4031_2345, t, None, OK, OK)]
    r48 = w.alloc()
    w.map(r48, (1 << 39) | 0x2000, 0x5100_0000, LEAF, 4)
    w.set_dc(0x11, fsc=atp(SV48, r48), ta=6 << 12)
    reqs += [("iosatp Sv48", 0x11, (1 << 39) | 0x2010, t, None, OK, DC_MISCONF) for t in (RD, WR)]

    # G-stage only: Sv39x4 and Sv48x4 (GPA [0, 1 GiB) -> GUEST_SPA by a 1 GiB leaf)
    g39, _ = w.make_gstage(SV39X4, gscid=1)
    w.set_dc(0x12, iohgatp=g39)
    reqs += [("iohgatp Sv39x4", 0x12, 0x1234_5678, t, None, OK, OK) for t in (RD, EX)]
    g48, _ = w.make_gstage(SV48X4, gscid=2)
    w.set_dc(0x13, iohgatp=g48)
    reqs += [("iohgatp Sv48x4", 0x13, 0x1234_5678, t, None, OK, DC_MISCONF) for t in (RD, EX)]

    # two stages: Sv39 over Sv39x4, first-stage tables in guest memory
    groot = w.galloc()
    w.map(groot, 0x2000_0000, 0x0030_0000, LEAF, 3, guest=True)
    w.set_dc(0x14, iohgatp=g39, fsc=atp(SV39, groot), ta=7 << 12)
    reqs += [("Sv39 over Sv39x4", 0x14, 0x2000_0321, t, None, OK, OK) for t in (RD, WR)]

    # process contexts: a PD8 table whose PCs use Sv39, Sv48 and Bare; PD17 and PD20 tables
    pdt8 = w.alloc()
    w.set_dc(0x15, tc=TC_V | TC_PDTV, fsc=atp(PD8, pdt8))
    w.set_pc(pdt8, PD8, 1, PC_V | PC_ENS | (8 << 12), atp(SV39, r39))
    w.set_pc(pdt8, PD8, 2, PC_V | PC_ENS | (9 << 12), atp(SV48, r48))
    w.set_pc(pdt8, PD8, 3, PC_V | PC_ENS | (10 << 12), 0)
    reqs += [("PD8 PC Sv39", 0x15, 0x1000_0abc, RD, 1, OK, OK),
             ("PD8 PC Sv48", 0x15, (1 << 39) | 0x2010, RD, 2, OK, PC_MISCONF),
             ("PD8 PC Sv48", 0x15, (1 << 39) | 0x2010, WR, 2, OK, PC_MISCONF),
             ("PD8 PC Bare", 0x15, 0xABC_D000, RD, 3, OK, OK),
             ("PD8 no PC", 0x15, 0x1000, RD, 4, PC_INVALID, PC_INVALID)]
    for did, mode, pid in ((0x16, PD17, 0x101), (0x17, PD20, 0x2_0001)):
        pdt = w.alloc()
        w.set_dc(did, tc=TC_V | TC_PDTV, fsc=atp(mode, pdt))
        w.set_pc(pdt, mode, pid, PC_V | PC_ENS | (11 << 12), atp(SV39, r39))
        reqs += [(f"pdtp PD{ {PD17: 17, PD20: 20}[mode]}", did, 0x1000_0abc, RD, pid, OK,
                  DC_MISCONF)]

    # Svnapot, first stage: 16 PTEs with N=1 and PPN[3:0]=1000 make a 64 KiB page
    rn = w.alloc()
    for j in range(16):
        w.map(rn, 0x3000_0000 + j * 0x1000, 0x7_0000_8000, LEAF | N, 3)
    for t in (RD, WR, EX):
        reqs += [("N=1 leaf", 0x18, 0x3000_5123, t, None, OK, PF[t])]
    # N=1 where no Svnapot allows it: a 2 MiB leaf, a level-0 leaf with PPN[3:0]!=1000, a
    # non-leaf PTE (page faults in both profiles)
    w.map(rn, 0x3060_0000, 0x6020_0000, LEAF | N, 3, leaf_level=1)
    w.map(rn, 0x3080_1000, 0x7_0001_0000, LEAF | N, 3)
    w.map(rn, 0x30A0_0000, 0x5200_0000, LEAF, 3)
    va = 0x30A0_0000                         # its level-1 PTE (non-leaf) gets N=1
    l1_table = ((w.mem.read64(rn + (va >> 30) * 8) >> 10) & ((1 << 44) - 1)) << 12
    l1 = l1_table + ((va >> 21) & 0x1FF) * 8
    w.mem.write64(l1, w.mem.read64(l1) | N)
    w.set_dc(0x18, fsc=atp(SV39, rn), ta=12 << 12)
    reqs += [("N=1 2M leaf", 0x18, 0x3060_0000, RD, None, PF[RD], PF[RD]),
             ("N=1 PPN[3:0]=0", 0x18, 0x3080_1000, RD, None, PF[RD], PF[RD]),
             ("N=1 non-leaf", 0x18, 0x30A0_0000, WR, None, PF[WR], PF[WR])]

    # Svnapot, G-stage: a 64 KiB G-stage page at GPA 4 GiB; a G-stage-only DC uses it for the
    # final GPA, and a two-stage DC keeps its first-stage root table there (implicit reads)
    gn, gnroot = w.make_gstage(SV39X4, gscid=3)
    napot_spa = 0x7_1000_0000
    for j in range(16):
        w.map(gnroot, 0x1_0000_0000 + j * 0x1000, napot_spa | 0x8000, LEAF | N, 3, x4=True)
    w.set_dc(0x19, iohgatp=gn)
    for t in (RD, WR, EX):
        reqs += [("G-stage N=1 leaf", 0x19, 0x1_0000_3456, t, None, OK, GPF[t])]
    # first-stage root at GPA 0x1_0000_0000 (SPA napot_spa): VA 1 GiB -> GPA 0 (1 GiB leaf)
    w.mem.write64(napot_spa + 1 * 8, LEAF)
    w.set_dc(0x1A, iohgatp=gn, fsc=atp(SV39, 0x1_0000_0000), ta=13 << 12)
    for t in (RD, WR, EX):
        reqs += [("PTE read via G-stage N=1", 0x1A, 0x4000_1234, t, None, OK, GPF[t])]
    return reqs + build_pbmt(w)


NC, IO, RSVD = 1 << 61, 2 << 61, 3 << 61


def build_pbmt(w: World) -> list[tuple]:
    """Svpbmt: PBMT in leaf and non-leaf PTEs of both stages. Expected per profile as
    (default, sv39-only), and the Svpbmt build's outcome in PBMT_EXPECT (by `what`): without
    the capability every non-zero PBMT is a (guest-)page fault."""
    reqs = []
    r = w.alloc()
    for i, (what, bits) in enumerate((("PBMT NC leaf", NC), ("PBMT IO leaf", IO),
                                       ("PBMT=3 leaf", RSVD))):
        w.map(r, 0x1100_0000 + i * 0x1000, 0x5300_0000 + i * 0x1000, LEAF | bits, 3)
        for t in (RD, WR):
            reqs.append((what, 0x1B, 0x1100_0000 + i * 0x1000 + 0x10, t, None, PF[t], PF[t]))
    # a 2 MiB leaf with IO, and a non-leaf (level-1) PTE with NC
    w.map(r, 0x1140_0000, 0x5340_0000, LEAF | IO, 3, leaf_level=1)
    reqs.append(("PBMT IO 2M leaf", 0x1B, 0x1141_2345, RD, None, PF[RD], PF[RD]))
    va = 0x1180_0000
    w.map(r, va, 0x5380_0000, LEAF, 3)
    l1_table = ((w.mem.read64(r + (va >> 30) * 8) >> 10) & ((1 << 44) - 1)) << 12
    l1 = l1_table + ((va >> 21) & 0x1FF) * 8
    w.mem.write64(l1, w.mem.read64(l1) | NC)
    reqs.append(("PBMT NC non-leaf", 0x1B, va, RD, None, PF[RD], PF[RD]))
    w.set_dc(0x1B, fsc=atp(SV39, r), ta=14 << 12)
    # G-stage: a G-stage-only DC (GPA 2 GiB + i pages with PBMT), and a two-stage DC whose
    # first-stage leaf says NC over the G-stage's IO page
    g, groot = w.make_gstage(SV39X4, gscid=4)
    for i, bits in enumerate((IO, RSVD, NC)):
        w.map(groot, 0x8000_0000 + i * 0x1000, 0x5400_0000 + i * 0x1000, LEAF | bits, 3, x4=True)
    w.set_dc(0x1C, iohgatp=g)
    for t in (RD, WR):
        reqs += [("G PBMT IO leaf", 0x1C, 0x8000_0020, t, None, GPF[t], GPF[t]),
                 ("G PBMT=3 leaf", 0x1C, 0x8000_1020, t, None, GPF[t], GPF[t])]
    fs_root = w.galloc()                # first-stage tables at GPAs (the G-stage's 1 GiB window)
    w.map(fs_root, 0x2100_0000, 0x8000_0000, LEAF | NC, 3, guest=True)   # NC over G IO
    w.map(fs_root, 0x2100_1000, 0x8000_2000, LEAF, 3, guest=True)        # PMA over G NC
    w.set_dc(0x1D, iohgatp=g, fsc=atp(SV39, fs_root), ta=15 << 12)
    reqs += [("2-stage NC over G IO", 0x1D, 0x2100_0040, RD, None, PF[RD], PF[RD]),
             ("2-stage PMA over G NC", 0x1D, 0x2100_1040, RD, None, GPF[RD], GPF[RD])]
    return reqs


# the Svpbmt build: OK with the memory type (0 PMA, 1 NC, 2 IO), or a cause
PBMT_EXPECT = {"PBMT NC leaf": ("ok", 1), "PBMT IO leaf": ("ok", 2), "PBMT IO 2M leaf": ("ok", 2),
               "PBMT=3 leaf": "pf", "PBMT NC non-leaf": "pf", "G PBMT IO leaf": ("ok", 2),
               "G PBMT=3 leaf": "gpf", "2-stage NC over G IO": ("ok", 1),
               "2-stage PMA over G NC": ("ok", 1)}


def expected(profile: str, what: str, ttyp: int, exp_default, exp_sv39):
    """(cause or OK, memory type or None) the scenario expects in this profile."""
    if profile == "svpbmt" and what in PBMT_EXPECT:
        e = PBMT_EXPECT[what]
        if e == "pf":
            return PF[ttyp], None
        if e == "gpf":
            return GPF[ttyp], None
        return OK, e[1]
    spec = exp_sv39 if profile == "sv39-only" else exp_default
    return spec, (0 if spec is OK else None)          # without PBMT bits: PMA


@cocotb.test()
async def features_against_model(dut):
    profile = os.environ.get("IOMMU_FEATURES", "default")
    cfg = PROFILES[profile]
    h = IommuHarness(dut, capabilities=cfg["caps"])
    h.model.set_capabilities(cfg["caps"], svnapot=cfg["svnapot"])
    await h.start()

    caps = await h.rd(Reg.CAPABILITIES, 8)
    assert caps == cfg["caps"] == h.model.read_reg(Reg.CAPABILITIES, 8), \
        f"{profile}: capabilities rtl={caps:#x} spec={cfg['caps']:#x}"
    await h.assert_regs_match(f"at reset ({profile})")

    w = World(h)
    reqs = build(w)
    await h.wr(Reg.DDTP, ((w.ddt_root >> 12) << 10) | w.ddt_mode)

    bad = []
    for rnd in range(2):      # the second round finds the contexts and successes cached
        for what, did, iova, ttyp, pid, exp_default, exp_sv39 in reqs:
            (fault, cause, pa), out = await h.request(did, iova, ttyp, pid=pid)
            spec, spec_pbmt = expected(profile, what, ttyp, exp_default, exp_sv39)
            model = None if out.cause is None else int(out.cause)
            head = f"{profile} round {rnd} {what}: did={did:#x} iova={iova:#x} ttyp={ttyp} pid={pid}"
            if model != spec:
                bad.append(f"SCENARIO {head}: model gives {model}, the scenario expects {spec}")
            if spec_pbmt is not None and out.cause is None and out.pbmt != spec_pbmt:
                bad.append(f"SCENARIO {head}: model gives memory type {out.pbmt}, the scenario "
                           f"expects {spec_pbmt}")
            if out.cause is None:
                ok = not fault and pa == out.pa & PA_MASK and h.last_pbmt == out.pbmt
                exp_s = f"pa:{out.pa & PA_MASK:#x} pbmt:{out.pbmt}"
            else:
                ok = fault and cause == int(out.cause)
                exp_s = f"fault:{int(out.cause)}"
            if not ok:
                got_s = f"fault:{cause}" if fault else f"pa:{pa:#x} pbmt:{h.last_pbmt}"
                bad.append(f"MISMATCH translate {head} got={got_s} expected={exp_s}")
    for line in bad:
        h.log.error(line)
    assert not bad, f"{len(bad)} of {2 * len(reqs)} checks failed; first: {bad[0]}"
    h.log.info("%s: %d requests checked against the model", profile, 2 * len(reqs))
