"""The coherence oracle with Sv32 / Sv32x4 (4-byte PTEs, DC.tc.SXL, fctl.GXL) and big-endian
structures (fctl.BE, DC.tc.SBE): it reads each value as the model's walker does
(scoreboards/formats.py). Expected outcomes are worked out by hand.

Spec: "Updating in-memory data structure entries" (until the covering invalidation completes
the IOMMU may use the old or the new value); IOTINVAL.VMA / GVMA tables (AV=1 with NL=0 removes
leaf entries mapping ADDR only, non-leaf entries survive); "Endianness of in-memory data
structures" (DDT, DC, G-stage and MSI PT: fctl.BE; PDT, PC, first stage: DC.tc.SBE).
Privileged spec: Sv32 VA = VPN[1] [31:22] | VPN[0] [21:12] | offset; 4-byte PTEs, PPN [31:10];
a level-1 leaf is a 4 MiB megapage (PPN[0] = 0); Sv32x4 widens VPN[1] to GPA[33:22].

Sv32 layout (host device 5, PSCID 7, G-stage Bare, DC.tc.SXL = 1, iosatp Sv32 at 0x20000):
VA 0x4040_1234: VPN[1] = 0x4040_1234 >> 22 = 0x101, VPN[0] = (VA >> 12) & 0x3FF = 1.
Root PTE at 0x20000 + 0x101 * 4 = 0x20404: the HIGH half of doubleword 0x20400. Level-0 PTE at
L0 + 1 * 4: the high half of doubleword L0. A 4-byte PTE = (pa >> 12) << 10 | flags.
"""
from models import Reg
from oracle_tables import (DDT, LEAF, LVL1, NEW_PA, OLD_PA, V, Sw, atp, dc_order, ddtp, gvma,
                           inval_ddt, iofence, pte, req, res, settle, ta, vma)
from scoreboards import CoherenceOracle
from scoreboards.formats import FMT_32, FMT_BE
from scoreboards.reach import reachable

CAPS = 0x0000_01F8_1006_0610             # the model's default (Sv39, Sv48, Sv39x4, Sv48x4)
SV32, SV32X4, END = 1 << 8, 1 << 16, 1 << 27
TC_SXL, TC_SBE = 1 << 11, 1 << 10
SV32_MODE, SV39_MODE = 8, 8              # iosatp / iohgatp MODE 8 (Sv32 with SXL=1, Sv39)
ROOT, L0, L0_NEW = 0x20000, 0x22000, 0x23000
VA = 0x4040_1234
G_LEAF32 = 0xDF                          # V R W X U A D: a G-stage leaf needs U


def pte32(pa, flags):
    return ((pa >> 12) << 10) | flags


def hi(p):
    """A doubleword holding PTE `p` in its high half (PTE index odd), the low half 0."""
    return p << 32


def be64(x):
    return int.from_bytes(x.to_bytes(8, "big"), "little")


def sv32_host(tc=1 | TC_SXL):
    o = CoherenceOracle(capabilities=CAPS | SV32)
    sw = Sw(o)
    o.write_reg(Reg.DDTP, ddtp(LVL1))
    sw.st(L0, hi(pte32(OLD_PA, LEAF)))                   # L0[1] -> OLD_PA (VPN[0] = 1)
    sw.st(ROOT + 0x400, hi(pte32(L0, V)))                 # root[0x101] -> L0 (non-leaf)
    for i, w in dc_order((tc, 0, ta(7), atp(SV32_MODE, ROOT))):
        sw.st(DDT + 5 * 32 + 8 * i, w)
    settle(sw)
    return o, sw


def test_sv32_walk_translates():
    o, _ = sv32_host()
    assert res(o.outcomes(req(iova=VA))) == {(OLD_PA | 0x234, None)}


def test_sv32_leaf_changed_old_and_new_until_iotinval():
    o, sw = sv32_host()
    sw.st(L0, hi(pte32(NEW_PA, LEAF)))                    # no invalidation yet
    assert res(o.outcomes(req(iova=VA))) == {(OLD_PA | 0x234, None), (NEW_PA | 0x234, None)}
    sw.queue(vma(av=1, addr=VA), iofence())               # doorbell: not complete yet
    assert res(o.outcomes(req(iova=VA))) == {(OLD_PA | 0x234, None), (NEW_PA | 0x234, None)}
    sw.done()                                             # AV=1 covers the leaf for VA
    assert res(o.outcomes(req(iova=VA))) == {(NEW_PA | 0x234, None)}


def test_sv32_nonleaf_in_the_high_half_survives_av1():
    # root[0x101] (high half of 0x20400) re-pointed to L0_NEW, whose PTE 1 maps NEW_PA. An
    # IOTINVAL.VMA AV=1 (NL=0) removes leaf entries only: the cached old pointer may still lead
    # to L0, whose PTE 1 still maps OLD_PA. AV=0 removes it.
    o, sw = sv32_host()
    sw.st(L0_NEW, hi(pte32(NEW_PA, LEAF)))
    sw.st(ROOT + 0x400, hi(pte32(L0_NEW, V)))
    sw.invalidate(vma(av=1, addr=VA))
    assert res(o.outcomes(req(iova=VA))) == {(OLD_PA | 0x234, None), (NEW_PA | 0x234, None)}
    sw.invalidate(vma(pscv=1, pscid=7))
    assert res(o.outcomes(req(iova=VA))) == {(NEW_PA | 0x234, None)}


def test_sv32_megapage_covered_by_an_address_in_its_4mib():
    # root[0x101] a 4 MiB leaf: OLD 0x8040_0000 (PPN 0x80400, PPN[0] = 0), then 0x9000_0000.
    # VA 0x4040_1234 -> 0x8040_1234 / 0x9000_1234 (offset VA & 0x3F_FFFF = 0x1234).
    # IOTINVAL.VMA AV=1 ADDR 0x4050_0000: the same 4 MiB page (0x4050_0000 >> 22 = 0x101), a
    # different 2 MiB block: it covers the megapage (Sv32 levels are 10 bits: 4 MiB)
    o, sw = sv32_host()
    sw.st(ROOT + 0x400, hi(pte32(0x8040_0000, LEAF)))
    sw.invalidate(vma())
    assert res(o.outcomes(req(iova=VA))) == {(0x8040_1234, None)}
    sw.st(ROOT + 0x400, hi(pte32(0x9000_0000, LEAF)))
    assert res(o.outcomes(req(iova=VA))) == {(0x8040_1234, None), (0x9000_1234, None)}
    sw.invalidate(vma(av=1, addr=0x4050_0000))
    assert res(o.outcomes(req(iova=VA))) == {(0x9000_1234, None)}


def test_sv32_megapage_not_covered_by_the_next_4mib():
    # ADDR 0x4080_0000: VPN[1] 0x102, another megapage: the old value stays permitted
    o, sw = sv32_host()
    sw.st(ROOT + 0x400, hi(pte32(0x8040_0000, LEAF)))
    sw.invalidate(vma())
    sw.st(ROOT + 0x400, hi(pte32(0x9000_0000, LEAF)))
    sw.invalidate(vma(av=1, addr=0x4080_0000))
    assert res(o.outcomes(req(iova=VA))) == {(0x8040_1234, None), (0x9000_1234, None)}


def test_reach_lists_both_ptes_of_a_doubleword():
    # L0's doubleword 0 holds PTEs 0 and 1 (VPN 0x101 << 10 | 0 and | 1): both keys, width 32,
    # fmt FMT_32, tag (gscid None, pscid 7, level 0, vpn)
    o, _ = sv32_host()
    got = reachable(o.model)[L0]
    assert {(rk.tag, rk.width, rk.fmt) for rk in got} == {
        ((None, 7, 0, 0x101 << 10), 32, FMT_32), ((None, 7, 0, 0x101 << 10 | 1), 32, FMT_32)}


# ---- Sv32x4 (fctl.GXL = 1) -----------------------------------------------------------------
GROOT, GL0, GL0_NEW = 0x40000, 0x42000, 0x43000


def sv32x4_guest():
    """GXL=1 (writable: 32- and 64-bit schemes), DC.tc.SXL=1, iohgatp Sv32x4 (MODE 8) at GROOT
    GSCID 3, first stage Bare: GPA = VA. Root index GPA[33:22] = 0x101 -> GROOT + 0x404 (high
    half of GROOT + 0x400); level 0 index 1 -> GL0 + 4 (high half of GL0)."""
    o = CoherenceOracle(capabilities=CAPS | SV32 | SV32X4)
    o.write_reg(Reg.FCTL, o.model.read_reg(Reg.FCTL, 4) | 1 << 2, size=4)   # Off, queues off
    assert o.model.read_reg(Reg.FCTL, 4) >> 2 & 1
    sw = Sw(o)
    o.write_reg(Reg.DDTP, ddtp(LVL1))
    sw.st(GL0, hi(pte32(OLD_PA, G_LEAF32)))
    sw.st(GROOT + 0x400, hi(pte32(GL0, V)))
    for i, w in dc_order((1 | TC_SXL, atp(8, GROOT, 3), 0, 0)):
        sw.st(DDT + 5 * 32 + 8 * i, w)
    settle(sw)
    return o, sw


def test_sv32x4_leaf_changed_until_gvma():
    o, sw = sv32x4_guest()
    assert res(o.outcomes(req(iova=VA))) == {(OLD_PA | 0x234, None)}
    sw.st(GL0, hi(pte32(NEW_PA, G_LEAF32)))
    assert res(o.outcomes(req(iova=VA))) == {(OLD_PA | 0x234, None), (NEW_PA | 0x234, None)}
    sw.invalidate(gvma(gv=1, av=1, gscid=3, addr=VA))
    assert res(o.outcomes(req(iova=VA))) == {(NEW_PA | 0x234, None)}


def test_sv32x4_nonleaf_survives_gvma_av1():
    o, sw = sv32x4_guest()
    sw.st(GL0_NEW, hi(pte32(NEW_PA, G_LEAF32)))
    sw.st(GROOT + 0x400, hi(pte32(GL0_NEW, V)))
    sw.invalidate(gvma(gv=1, av=1, gscid=3, addr=VA))
    assert res(o.outcomes(req(iova=VA))) == {(OLD_PA | 0x234, None), (NEW_PA | 0x234, None)}
    sw.invalidate(gvma(gv=1, gscid=3))
    assert res(o.outcomes(req(iova=VA))) == {(NEW_PA | 0x234, None)}


# ---- big-endian first stage (DC.tc.SBE = 1, END) ------------------------------------------------
# Sv39 at ROOT, VA2 0x4000_1234: VPN[2] = 1 -> ROOT + 8, VPN[1] = 0 -> L1 + 0, VPN[0] = 1 ->
# L0 + 8. Each PTE stored big-endian: its bytes most significant first (be64).
L1 = 0x21000
VA2 = 0x4000_1234


def be_host():
    o = CoherenceOracle(capabilities=CAPS | END)
    sw = Sw(o)
    o.write_reg(Reg.DDTP, ddtp(LVL1))
    sw.st(L0 + 8, be64(pte(OLD_PA, LEAF)))
    sw.st(L1, be64(pte(L0, V)))
    sw.st(ROOT + 8, be64(pte(L1, V)))
    for i, w in dc_order((1 | TC_SBE, 0, ta(7), atp(SV39_MODE, ROOT))):
        sw.st(DDT + 5 * 32 + 8 * i, w)
    settle(sw)
    return o, sw


def test_big_endian_pte_store_old_and_new_until_iotinval():
    o, sw = be_host()
    assert res(o.outcomes(req(iova=VA2))) == {(OLD_PA | 0x234, None)}
    sw.st(L0 + 8, be64(pte(NEW_PA, LEAF)))
    assert res(o.outcomes(req(iova=VA2))) == {(OLD_PA | 0x234, None), (NEW_PA | 0x234, None)}
    sw.invalidate(vma(av=1, addr=VA2))
    assert res(o.outcomes(req(iova=VA2))) == {(NEW_PA | 0x234, None)}
    assert o.model.read_reg(Reg.CQCSR, 4) & 0x700 == 0      # no cmd_ill: the commands decoded


def test_big_endian_nonleaf_survives_av1():
    # L1[0] re-pointed (big-endian) to L0_NEW whose PTE 1 maps NEW_PA: AV=1 NL=0 keeps the
    # cached non-leaf (its V is in byte 7 of the raw doubleword, R/W/X 0); AV=0 removes it
    o, sw = be_host()
    sw.st(L0_NEW + 8, be64(pte(NEW_PA, LEAF)))
    sw.st(L1, be64(pte(L0_NEW, V)))
    sw.invalidate(vma(av=1, addr=VA2))
    assert res(o.outcomes(req(iova=VA2))) == {(OLD_PA | 0x234, None), (NEW_PA | 0x234, None)}
    sw.invalidate(vma())
    assert res(o.outcomes(req(iova=VA2))) == {(NEW_PA | 0x234, None)}
    assert o.model.read_reg(Reg.CQCSR, 4) & 0x700 == 0      # no cmd_ill: the commands decoded


def test_reach_keys_of_a_big_endian_table():
    o, _ = be_host()
    got = reachable(o.model)[L0 + 8]
    assert {(rk.kind, rk.tag, rk.fmt) for rk in got} == {("pte1", (None, 7, 0, 0x40001), FMT_BE)}


# ---- big-endian device context (fctl.BE = 1) -------------------------------------------------
class SwBE(Sw):
    """Software on an IOMMU with fctl.BE = 1: commands are big-endian queue entries too."""

    def queue(self, *cmds):
        super().queue(*[(be64(a), be64(b)) for a, b in cmds])


def test_big_endian_dc_change_until_iodir():
    # fctl.BE = 1 (END, while Off): the DC's doublewords are big-endian; SBE = 1 too (the first
    # stage as above). The DC's iosatp moves to a second Sv39 table at 0x30000 that maps VA2 to
    # NEW_PA: both permitted until IODIR.INVAL_DDT completes
    o = CoherenceOracle(capabilities=CAPS | END)
    o.write_reg(Reg.FCTL, o.model.read_reg(Reg.FCTL, 4) | 1, size=4)      # Off, queues off
    assert o.model.read_reg(Reg.FCTL, 4) & 1
    sw = SwBE(o)
    o.write_reg(Reg.DDTP, ddtp(LVL1))
    sw.st(L0 + 8, be64(pte(OLD_PA, LEAF)))
    sw.st(L1, be64(pte(L0, V)))
    sw.st(ROOT + 8, be64(pte(L1, V)))
    sw.st(0x32000 + 8, be64(pte(NEW_PA, LEAF)))
    sw.st(0x31000, be64(pte(0x32000, V)))
    sw.st(0x30000 + 8, be64(pte(0x31000, V)))
    for i, w in dc_order((1 | TC_SBE, 0, ta(7), atp(SV39_MODE, ROOT))):
        sw.st(DDT + 5 * 32 + 8 * i, be64(w))
    settle(sw)
    assert res(o.outcomes(req(iova=VA2))) == {(OLD_PA | 0x234, None)}
    sw.st(DDT + 5 * 32 + 24, be64(atp(SV39_MODE, 0x30000)))
    assert res(o.outcomes(req(iova=VA2))) == {(OLD_PA | 0x234, None), (NEW_PA | 0x234, None)}
    sw.invalidate(inval_ddt(dv=1, did=5), vma())
    assert res(o.outcomes(req(iova=VA2))) == {(NEW_PA | 0x234, None)}
    assert o.model.read_reg(Reg.CQCSR, 4) & 0x700 == 0      # no cmd_ill: the commands decoded


# ---- A/D updates of 4-byte and big-endian PTEs (AMO_HWAD, DC.tc.SADE) -------------------------
AMO_HWAD, TC_SADE = 1 << 24, 1 << 8
RWU = V | 2 | 4 | 16                    # V R W U, A = D = 0


def test_sv32_a_update_is_in_the_high_half():
    # L0's PTE 1 (high half of doubleword L0) = pte32(OLD_PA, V|R|W|U), A=0: a read sets its A
    # (bit 6 of the PTE = bit 38 of the doubleword). Setting bit 6 (the low half's A) is wrong.
    o = CoherenceOracle(capabilities=CAPS | SV32 | AMO_HWAD)
    sw = Sw(o)
    o.write_reg(Reg.DDTP, ddtp(LVL1))
    sw.st(L0, hi(pte32(OLD_PA, RWU)))
    sw.st(ROOT + 0x400, hi(pte32(L0, V)))
    for i, w in dc_order((1 | TC_SXL | TC_SADE, 0, ta(7), atp(SV32_MODE, ROOT))):
        sw.st(DDT + 5 * 32 + 8 * i, w)
    settle(sw)
    cur = hi(pte32(OLD_PA, RWU))
    assert not o.ad_write(L0, cur | 1 << 6, [req(iova=VA)]).ok
    v = o.ad_write(L0, cur | 1 << 38, [req(iova=VA)])
    assert v.ok, v.message


def test_big_endian_a_update_is_in_byte_7():
    # a big-endian leaf pte(OLD_PA, V|R|W|U): its low byte (A = bit 6) is the doubleword's
    # byte 7, so A is raw bit 56 + 6 = 62
    o = CoherenceOracle(capabilities=CAPS | END | AMO_HWAD)
    sw = Sw(o)
    o.write_reg(Reg.DDTP, ddtp(LVL1))
    sw.st(L0 + 8, be64(pte(OLD_PA, RWU)))
    sw.st(L1, be64(pte(L0, V)))
    sw.st(ROOT + 8, be64(pte(L1, V)))
    for i, w in dc_order((1 | TC_SBE | TC_SADE, 0, ta(7), atp(SV39_MODE, ROOT))):
        sw.st(DDT + 5 * 32 + 8 * i, w)
    settle(sw)
    cur = be64(pte(OLD_PA, RWU))
    assert not o.ad_write(L0 + 8, cur | 1 << 6, [req(iova=VA2)]).ok
    v = o.ad_write(L0 + 8, cur | 1 << 62, [req(iova=VA2)])
    assert v.ok, v.message


def test_advice_names_the_big_endian_leaf_store():
    # the leaf's store with V=1 (in byte 7) needs an IOTINVAL.VMA (PSCID 7, VA2's page)
    o, sw = be_host()
    sw.st(L0 + 8, be64(pte(NEW_PA, LEAF)))
    o.outcomes(req(iova=VA2))
    found = [f for f in o.advice() if "0x22008" in f.item]
    assert found and found[-1].needed.startswith("IOTINVAL.VMA")


def test_big_endian_g_stage_leaf_until_gvma():
    # fctl.BE = 1: DC and G-stage PTEs big-endian. Sv39x4 at GROOT (GSCID 3), first stage Bare:
    # GPA = VA2 0x4000_1234: VPN[2] = 1 -> GROOT + 8, VPN[1] = 0 -> 0x41000, VPN[0] = 1 ->
    # 0x42000 + 8 (a G-stage leaf needs U: V R W X U A D = 0xDF)
    o = CoherenceOracle(capabilities=CAPS | END)
    o.write_reg(Reg.FCTL, o.model.read_reg(Reg.FCTL, 4) | 1, size=4)
    sw = SwBE(o)
    o.write_reg(Reg.DDTP, ddtp(LVL1))
    sw.st(GL0 + 8, be64(pte(OLD_PA, 0xDF)))
    sw.st(0x41000, be64(pte(GL0, V)))
    sw.st(GROOT + 8, be64(pte(0x41000, V)))
    for i, w in dc_order((1 | TC_SBE, atp(8, GROOT, 3), 0, 0)):
        sw.st(DDT + 5 * 32 + 8 * i, be64(w))
    sw.invalidate(inval_ddt(), gvma())
    assert res(o.outcomes(req(iova=VA2))) == {(OLD_PA | 0x234, None)}
    sw.st(GL0 + 8, be64(pte(NEW_PA, 0xDF)))
    assert res(o.outcomes(req(iova=VA2))) == {(OLD_PA | 0x234, None), (NEW_PA | 0x234, None)}
    sw.invalidate(gvma(gv=1, av=1, gscid=3, addr=VA2))
    assert res(o.outcomes(req(iova=VA2))) == {(NEW_PA | 0x234, None)}
    # the non-leaf 0x41000[0] re-pointed: AV=1 spares it (its V is in byte 7), GV=1 AV=0 not
    sw.st(GL0_NEW + 8, be64(pte(0x7000_0000, 0xDF)))
    sw.st(0x41000, be64(pte(GL0_NEW, V)))
    sw.invalidate(gvma(gv=1, av=1, gscid=3, addr=VA2))
    assert res(o.outcomes(req(iova=VA2))) == {(NEW_PA | 0x234, None), (0x7000_0234, None)}
    sw.invalidate(gvma(gv=1, gscid=3))
    assert res(o.outcomes(req(iova=VA2))) == {(0x7000_0234, None)}


def test_sv32_over_sv32x4_two_stage():
    # GXL=1, SXL=1: Sv32 first stage at GPA ROOT, under Sv32x4 (GSCID 3) identity megapages:
    # GPA >> 22 = 0 (the tables) -> root slot 0, low half of GROOT; 0x8765_4000 >> 22 = 0x21D
    # -> GROOT + 0x874, high half of GROOT + 0x870, PA 0x8740_0000; 0x9999_9000 >> 22 = 0x266
    # -> GROOT + 0x998, low half of GROOT + 0x998, PA 0x9980_0000. Megapage PPN[0] = 0.
    # The first stage as sv32_host: VA 0x4040_1234 -> root[0x101] -> L0[1] -> OLD_PA.
    o = CoherenceOracle(capabilities=CAPS | SV32 | SV32X4)
    o.write_reg(Reg.FCTL, o.model.read_reg(Reg.FCTL, 4) | 1 << 2, size=4)
    sw = Sw(o)
    o.write_reg(Reg.DDTP, ddtp(LVL1))
    sw.st(GROOT, pte32(0, G_LEAF32))
    sw.st(GROOT + 0x870, hi(pte32(0x8740_0000, G_LEAF32)))
    sw.st(GROOT + 0x998, pte32(0x9980_0000, G_LEAF32))
    sw.st(L0, hi(pte32(OLD_PA, LEAF)))
    sw.st(ROOT + 0x400, hi(pte32(L0, V)))
    for i, w in dc_order((1 | TC_SXL, atp(8, GROOT, 3), ta(7), atp(SV32_MODE, ROOT))):
        sw.st(DDT + 5 * 32 + 8 * i, w)
    settle(sw)
    assert res(o.outcomes(req(iova=VA))) == {(OLD_PA | 0x234, None)}
    sw.st(L0, hi(pte32(NEW_PA, LEAF)))
    assert res(o.outcomes(req(iova=VA))) == {(OLD_PA | 0x234, None), (NEW_PA | 0x234, None)}
    sw.invalidate(vma(gv=1, gscid=3, av=1, addr=VA))
    assert res(o.outcomes(req(iova=VA))) == {(NEW_PA | 0x234, None)}


def test_advice_names_only_the_4_byte_pte_a_store_changed():
    # L0's doubleword holds PTE 0 (low half, V=0: VA 0x4040_0000) and PTE 1 (high half, the
    # valid leaf of VA 0x4040_1234). A store making PTE 0 valid leaves PTE 1 as it was: no
    # invalidation is needed (a V=0 entry is never cached under riscv-1.0-strict), so no
    # advice, though a walk read the doubleword for PTE 1. Changing PTE 1 then needs
    # IOTINVAL.VMA for its page: one finding, naming VA 0x4040_1000.
    o, sw = sv32_host()
    assert res(o.outcomes(req(iova=VA))) == {(OLD_PA | 0x234, None)}
    sw.st(L0, hi(pte32(OLD_PA, LEAF)) | pte32(NEW_PA, LEAF))
    assert o.advice() == []
    sw.st(L0, hi(pte32(NEW_PA, LEAF)) | pte32(NEW_PA, LEAF))
    found = [str(f) for f in o.advice()]
    assert len(found) == 1 and "va 0x40401000" in found[0] and "ADDR=0x40401000" in found[0], found
