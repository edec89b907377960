"""IOTINVAL.VMA / IOTINVAL.GVMA with the NL and S operands (issue 16).

Spec: iommu_extensions.adoc, "Non-leaf PTE Invalidation Extension" (capabilities.NL, bit 42;
NL operand at command bit 34) and "Address Range Invalidation Extension" (capabilities.S,
bit 43; S operand at command bit 73): with the capability 0 the bit "remains reserved", and a
reserved bit set makes the command illegal (cqcsr.cmd_ill, iommu_in_memory_queues.adoc). With
S=1 the ADDR operand (ADDR[63:12]) encodes a NAPOT range: lowest 0 bit at X -> 2^(X+1) * 4 KiB
(X=0: 8 KiB); all ones -> UNSPECIFIED; MSB 0 and all other bits 1 -> the whole space.

Encodings and ranges below are worked by hand from those layouts.
"""
import pytest

from models import Reg
from models import capabilities as capbits
from models.command_queue import (Command, IllegalCommand, decode, encode, napot_operand,
                                  napot_range)
from tables import CAPS, CMD_ILL, CQEN, cmd_iotinval, enable_cq, new, put_cmd

CAP_NL, CAP_S = 1 << 42, 1 << 43

# IOTINVAL.VMA GV=0 PSCV=1 PSCID=7 AV=1 NL=1 ADDR=0x4000_1000:
#   dw0 = opcode 1 | AV<<10 (0x400) | PSCID 7<<12 (0x7000) | PSCV<<32 | NL<<34 = 0x5_0000_7401
#   dw1 = ADDR[63:12] (0x40001) << 10 = 0x1000_0400
VMA_NL = (0x5_0000_7401, 0x1000_0400)
# the same with S=1 instead of NL: NL bit off, S = command bit 73 = dw1 bit 9 (0x200)
VMA_S = (0x1_0000_7401, 0x1000_0600)
# IOTINVAL.GVMA GV=1 GSCID=3 AV=1 NL=1 S=1 ADDR=0x400F_F000 (a 2 MiB range at 0x4000_0000):
#   dw0 = 1 | 1<<7 (0x80) | 0x400 | GV<<33 | NL<<34 | 3<<44 = 0x3006_0000_0481
#   dw1 = 0x400FF << 10 | 0x200 = 0x1003_FE00
GVMA_NL_S = (0x3006_0000_0481, 0x1003_FE00)


def test_hand_encodings_match_the_test_builders():
    assert cmd_iotinval(av=1, pscv=1, pscid=7, nl=1, addr=0x4000_1000) == VMA_NL
    assert cmd_iotinval(av=1, pscv=1, pscid=7, s=1, addr=0x4000_1000) == VMA_S
    assert cmd_iotinval(func3=1, gv=1, gscid=3, av=1, nl=1, s=1, addr=0x400F_F000) == GVMA_NL_S


@pytest.mark.parametrize("words", [VMA_NL, VMA_S, GVMA_NL_S])
def test_reserved_without_the_capabilities(words):
    with pytest.raises(IllegalCommand) as e:
        decode(*words, 0)
    assert e.value.kind == "iotinval.reserved"


def test_nl_needs_nl_and_s_needs_s():
    with pytest.raises(IllegalCommand, match="NL=1"):
        decode(*VMA_NL, 0, s=True)
    with pytest.raises(IllegalCommand, match="S=1"):
        decode(*VMA_S, 0, nl=True)
    with pytest.raises(IllegalCommand, match="S=1"):
        decode(*GVMA_NL_S, 0, nl=True)


def test_decode_with_the_capabilities():
    c = decode(*VMA_NL, 0, nl=True)
    assert c == Command("IOTINVAL.VMA", av=1, pscv=1, pscid=7, addr=0x4000_1000, nl=1)
    c = decode(*VMA_S, 0, s=True)
    assert c == Command("IOTINVAL.VMA", av=1, pscv=1, pscid=7, addr=0x4000_1000, s=1)
    c = decode(*GVMA_NL_S, 0, nl=True, s=True)
    assert c == Command("IOTINVAL.GVMA", av=1, gv=1, gscid=3, addr=0x400F_F000, nl=1, s=1)
    for words in (VMA_NL, VMA_S, GVMA_NL_S):
        assert encode(decode(*words, 0, nl=True, s=True)) == words


def test_other_reserved_bits_stay_reserved_with_the_capabilities():
    with pytest.raises(IllegalCommand):
        decode(VMA_NL[0] | 1 << 35, VMA_NL[1], 0, nl=True, s=True)     # rsvd[43:35]
    with pytest.raises(IllegalCommand):
        decode(VMA_NL[0], VMA_NL[1] | 1 << 8, 0, nl=True, s=True)      # rsvd[72:60] (bit 72)


# (ADDR as a byte address, S) -> (base, log2 size in bytes)
RANGES = [
    (0x4000_1000, 0, (0x4000_1000, 12)),          # S=0: the page of ADDR
    (0x4000_0000, 1, (0x4000_0000, 13)),          # operand 0x40000: X=0 -> 8 KiB
    (0x4000_1000, 1, (0x4000_0000, 14)),          # operand 0x40001: X=1 -> 16 KiB at 0x4000_0000
    (0x4000_3000, 1, (0x4000_0000, 15)),          # operand 0x40003: X=2 -> 32 KiB
    (0x4000_5000, 1, (0x4000_4000, 14)),          # operand 0x40005: X=1 -> 16 KiB at 0x4000_4000
    (0x400F_F000, 1, (0x4000_0000, 21)),          # operand 0x400FF: X=8 -> 2^9 pages = 2 MiB
    (0x401F_F000, 1, (0x4000_0000, 22)),          # X=9 -> 4 MiB (two 2 MiB pages)
    (0x7FFF_FFFF_FFFF_F000, 1, (0, 64)),          # MSB 0, others 1: the whole space
]


@pytest.mark.parametrize("addr,s,want", RANGES)
def test_napot_range(addr, s, want):
    assert napot_range(Command("IOTINVAL.VMA", av=1, addr=addr, s=s)) == want


def test_napot_all_ones_is_unspecified():
    assert napot_range(Command("IOTINVAL.VMA", av=1, addr=0xFFFF_FFFF_FFFF_F000, s=1)) is None


@pytest.mark.parametrize("addr,s,want", [r for r in RANGES if r[1] and r[2][1] < 64])
def test_napot_operand_inverts_the_range(addr, s, want):
    base, log2 = want
    assert napot_operand(base, 1 << log2) == addr


@pytest.mark.parametrize("base,size", [(0x4000_0000, 0x1000), (0x4000_1000, 0x2000),
                                       (0x4000_0000, 0x3000)])
def test_napot_operand_refuses_what_s_cannot_encode(base, size):
    with pytest.raises(ValueError):
        napot_operand(base, size)


# ------------------------------------------------------------------ the model's command queue
@pytest.mark.parametrize("caps,words,ill", [
    (CAPS, VMA_NL, True), (CAPS, VMA_S, True),
    (CAPS | CAP_NL, VMA_NL, False), (CAPS | CAP_NL, VMA_S, True),
    (CAPS | CAP_S, VMA_S, False), (CAPS | CAP_S, VMA_NL, True),
    (CAPS | CAP_NL | CAP_S, GVMA_NL_S, False),
])
def test_model_queue(caps, words, ill):
    mem, iommu = new(caps)
    enable_cq(iommu)
    put_cmd(mem, 0, words)
    iommu.write_reg(Reg.CQT, 1, size=4)
    csr = iommu.read_reg(Reg.CQCSR, size=4)
    assert bool(csr & CMD_ILL) is ill and csr & CQEN
    assert iommu.read_reg(Reg.CQH, size=4) == (0 if ill else 1)
    assert iommu.read_reg(Reg.CAPABILITIES) == caps


def test_capabilities_names():
    assert capbits.NL == 42 and capbits.S == 43
    assert "NL S" in capbits.describe(CAPS | CAP_NL | CAP_S)


# ------------------------------------------------------------------ the software builders
def test_builders_and_napot_cover():
    from sequences.sw.commands import iotinval_gvma, iotinval_vma, napot_cover
    c = iotinval_vma(pscid=7, addr=0x4000_0000, size=0x4000)
    assert (c.av, c.s, c.nl, c.addr) == (1, 1, 0, 0x4000_1000)
    assert encode(c) == VMA_S
    assert iotinval_vma(pscid=7, addr=0x4000_1000, nl=True) == decode(*VMA_NL, 0, nl=True)
    assert iotinval_vma(addr=0x4000_1000, size=0x1000).s == 0          # one page: S=0
    g = iotinval_gvma(gscid=3, addr=0x4000_0000, size=0x20_0000, nl=True)
    assert encode(g) == GVMA_NL_S
    with pytest.raises(ValueError):
        iotinval_vma(addr=0x4000_1000, size=0x4000)                      # not aligned
    with pytest.raises(ValueError):
        iotinval_vma(nl=True)                                            # AV=0 ignores NL
    assert napot_cover(0x4000_0000, 0x4000_4000) == (0x4000_0000, 0x4000)
    assert napot_cover(0x4000_1000, 0x4000_3000) == (0x4000_0000, 0x4000)
    # two pages either side of a 2 MiB boundary (0x401F_F000, 0x4020_0000) agree above bit 22
    # only: the smallest NAPOT block holding both is 4 MiB
    assert napot_cover(0x401F_F000, 0x4020_1000) == (0x4000_0000, 0x40_0000)


def test_plan_ranges_and_what_covers_what():
    from sequences.sw.commands import iotinval_vma
    from sequences.sw.invalidation_plan import covers, ranged, simplify
    pages = [iotinval_vma(pscid=7, addr=0x4000_0000 + 0x1000 * i) for i in range(4)]
    assert ranged(pages) == [iotinval_vma(pscid=7, addr=0x4000_0000, size=0x4000)]
    assert ranged(pages[:1]) == pages[:1]                                # one page stays S=0
    other = iotinval_vma(pscid=8, addr=0x4000_0000)
    assert ranged(pages[:2] + [other]) == [iotinval_vma(pscid=7, addr=0x4000_0000, size=0x2000),
                                           other]
    rng = iotinval_vma(pscid=7, addr=0x4000_0000, size=0x4000)
    assert covers(rng, pages[2]) and not covers(pages[2], rng)
    # the page ADDR names with S=0 is not the S=1 range at the same ADDR
    same_addr = iotinval_vma(pscid=7, addr=0x4000_1000)
    assert rng.addr == same_addr.addr and not covers(same_addr, rng)
    assert simplify([same_addr, rng]) == [rng]
    nl = iotinval_vma(pscid=7, addr=0x4000_1000, nl=True)
    assert covers(nl, same_addr) and not covers(same_addr, nl)
    assert covers(iotinval_vma(pscid=7), nl)                              # AV=0 covers all
