"""The oracle's judging of the IOMMU's A/D-update writes (capabilities.AMO_HWAD, DC.tc.SADE).

Spec: iommu_data_structures.adoc "IOMMU updating of PTE accessed (A) and dirty (D) updates"
(the Privileged spec's rules: compare-and-swap against memory, A on any access, D only for a
store, never clearing) and the DC.tc SADE/GADE text. Set-up: did 5, Sv39 at 0x20000, VA
0x4000_1000 -> leaf PTE @0x22008 -> 0x8765_4000 (oracle_tables). Expected values by hand:
the leaf with A=0, D=0 is pte(0x8765_4000, V|R|W|U) = 0x21D9_5017; with A: 0x21D9_5057;
with A and D: 0x21D9_50D7.
"""
import pytest

from models import Outcome, Reg
from oracle_tables import (DDT, OLD_PA, ROOT, SV39, TC_V, V, VA, WR, Sw, atp, ddtp, dc_order,
                           map4k, req, settle, ta, LVL1)
from scoreboards import CoherenceOracle
from offline_scoreboard import offline_scoreboard

R, W, U, A, D = 2, 4, 16, 64, 128
AMO_HWAD = 1 << 24
CAPS_AD = 0x0000_01F8_1006_0610 | AMO_HWAD
TC_SADE = 1 << 8
LEAF_PTE = 0x22008
OLD = 0x21D9_5017
assert OLD == (0x87654 << 10) | V | R | W | U


def setup(tc=TC_V | TC_SADE, leaf=OLD):
    o = CoherenceOracle(capabilities=CAPS_AD)
    sw = Sw(o)
    o.write_reg(Reg.DDTP, ddtp(LVL1))
    for i, w in dc_order((tc, 0, ta(7), atp(SV39, ROOT))):
        sw.st(DDT + 5 * 32 + 8 * i, w)
    map4k(sw, flags=leaf & 0x3FF)
    settle(sw)
    return o, sw


def test_read_may_set_a():
    o, _ = setup()
    v = o.ad_write(LEAF_PTE, 0x21D9_5057, [req()])
    assert v.ok, v.message
    assert o.mem.read64(LEAF_PTE) == 0x21D9_5057
    assert o.advice() == [] or all("0x22008" not in str(f) for f in o.advice())


def test_read_must_not_set_d():
    o, _ = setup()
    v = o.ad_write(LEAF_PTE, 0x21D9_50D7, [req()])
    assert not v.ok
    assert v.message == ("AD-UPDATE pte @0x22008 expected=0x21d95057 got=0x21d950d7 "
                         "(memory held 0x21d95017; only A may be set)")
    assert o.mem.read64(LEAF_PTE) == OLD


def test_write_sets_a_and_d():
    o, _ = setup()
    assert o.ad_write(LEAF_PTE, 0x21D9_50D7, [req(ttyp=WR)]).ok


def test_write_other_bits_fails():
    o, _ = setup()
    v = o.ad_write(LEAF_PTE, 0x21D9_50D7 | 8, [req(ttyp=WR)])      # X set too
    assert not v.ok
    assert "pte @0x22008 expected=0x21d950d7" in v.message and "got=0x21d950df" in v.message


def test_sade_zero_no_write_permitted():
    o, _ = setup(tc=TC_V)
    v = o.ad_write(LEAF_PTE, 0x21D9_5057, [req()])
    assert not v.ok
    assert v.message.startswith("AD-UPDATE pte @0x22008 expected=no write (value 0x21d95017) "
                                "got=0x21d95057: no request in flight needs")


def test_no_request_in_flight_no_write():
    o, _ = setup()
    assert not o.ad_write(LEAF_PTE, 0x21D9_5057, []).ok


def test_a_already_set_read_needs_no_write():
    o, _ = setup(leaf=OLD | A)
    assert not o.ad_write(LEAF_PTE, 0x21D9_50D7, [req()]).ok


def test_later_walks_use_updated_value_and_no_advice():
    o, _ = setup()
    assert o.outcomes(req()) == frozenset({Outcome(OLD_PA, None, gpa=VA)})
    assert o.ad_write(LEAF_PTE, 0x21D9_5057, [req()]).ok
    # a second update of the same PTE for a read is no longer needed (A=1 in memory now)
    assert not o.ad_write(LEAF_PTE, 0x21D9_5057 | D, [req()]).ok
    assert o.outcomes(req()) == frozenset({Outcome(OLD_PA, None, gpa=VA)})
    assert o.advice() == []


def test_pte_changed_by_software_cas_must_fail():
    # software remaps the leaf (another PPN, A=0) after the walk read it: the IOMMU's update
    # must be made against the current value; writing the old PTE | A is wrong
    o, sw = setup()
    sw.st(LEAF_PTE, (0x99999 << 10) | V | R | W | U)
    v = o.ad_write(LEAF_PTE, 0x21D9_5057, [req()])
    assert not v.ok
    assert "pte @0x22008" in v.message and "got=0x21d95057" in v.message


# ---- the scoreboard's routing of DUT writes (tb/env/iommu_scoreboard.py, mem_access) ----
def scoreboard(tc=TC_V | TC_SADE):
    o, sw = setup(tc=tc)
    sb, fails = offline_scoreboard(o, "sb_ad")
    return sb, fails



def test_scoreboard_accepts_the_update_of_a_request_in_flight():
    sb, fails = scoreboard()
    sb.issued((1, req()))
    sb.mem_access(("W", LEAF_PTE, (0x21D9_5057).to_bytes(8, "little"), True))
    assert fails == [] and sb.ad_writes_seen == 1
    assert sb.oracle.mem.read64(LEAF_PTE) == 0x21D9_5057


def test_scoreboard_rejects_d_on_a_read_in_one_line():
    sb, fails = scoreboard()
    sb.issued((1, req()))
    sb.mem_access(("W", LEAF_PTE, (0x21D9_50D7).to_bytes(8, "little"), True))
    assert fails == ["AD-UPDATE pte @0x22008 expected=0x21d95057 got=0x21d950d7 "
                     "(memory held 0x21d95017; only A may be set)"]


def test_scoreboard_rejects_an_update_under_sade_zero():
    sb, fails = scoreboard(tc=TC_V)
    sb.issued((1, req()))
    sb.mem_access(("W", LEAF_PTE, (0x21D9_5057).to_bytes(8, "little"), True))
    assert len(fails) == 1 and fails[0].startswith("AD-UPDATE pte @0x22008 expected=no write")


def test_scoreboard_without_amo_hwad_keeps_the_old_classification():
    o = CoherenceOracle()                      # default capabilities: AMO_HWAD = 0
    sb, fails = offline_scoreboard(o, "sb_ad_off")
    sb.mem_access(("W", LEAF_PTE, (0x21D9_5057).to_bytes(8, "little"), True))
    assert len(fails) == 1 and fails[0].startswith("WRITE unexpected memory write 0x22008")


# ---- a 4-byte Sv32 PTE's update: an aligned 4-byte write of its half (tb/env/iommu_scoreboard.py)
SV32_CAPS = CAPS_AD | 1 << 8 | 1 << 16           # Sv32, Sv32x4 (fctl.GXL writable)
SV32_ROOT, SV32_L0 = 0x30000, 0x31000
TC_SXL = 1 << 11
# VA 0x4000_1000: VPN[1] = 0x100 (root + 0x400), VPN[0] = 1 (L0 + 4: the high half). The leaf
# with A=0 (V R W U) -> 0x8765_4000 is 0x21D9_5017 as for Sv39; its neighbour (index 0) a
# leaf to 0x8765_3000 with A and D: 0x21D9_4CD7.
SV32_NEIGHBOUR = (0x87653 << 10) | V | R | W | U | A | D


def sv32_scoreboard():
    o = CoherenceOracle(capabilities=SV32_CAPS)
    sw = Sw(o)
    o.write_reg(Reg.DDTP, ddtp(LVL1))
    for i, w in dc_order((TC_V | TC_SADE | TC_SXL, 0, ta(7), atp(8, SV32_ROOT))):
        sw.st(DDT + 5 * 32 + 8 * i, w)
    sw.st(SV32_ROOT + 0x400, (SV32_L0 >> 12) << 10 | V)
    sw.st(SV32_L0, OLD << 32 | SV32_NEIGHBOUR)
    settle(sw)
    sb, fails = offline_scoreboard(o, "sb_ad_sv32_")
    return sb, fails


def test_scoreboard_takes_a_4_byte_write_as_half_an_sv32_pte():
    sb, fails = sv32_scoreboard()
    sb.issued((1, req()))
    sb.mem_access(("W", SV32_L0 + 4, (0x21D9_5057).to_bytes(4, "little"), True))
    assert fails == [] and sb.ad_writes_seen == 1
    assert sb.oracle.mem.read64(SV32_L0) == 0x21D9_5057 << 32 | SV32_NEIGHBOUR


def test_scoreboard_rejects_an_sv32_update_of_the_wrong_half():
    sb, fails = sv32_scoreboard()
    sb.issued((1, req()))
    sb.mem_access(("W", SV32_L0, (0x21D9_5057).to_bytes(4, "little"), True))
    # (the neighbour's half overwritten with the leaf's value, the leaf's half left as it was)
    assert fails == ["AD-UPDATE pte @0x31000 expected=0x21d9505721d94cd7 got=0x21d9501721d95057 "
                     "(memory held 0x21d9501721d94cd7; only A may be set)"]


def test_ats_translation_request_sets_d_only_when_it_asked_for_write():
    # ATS (bit 25) with AMO_HWAD; the DC has EN_ATS (tc bit 1) and SADE. An ATS translation
    # request (ttyp 8) is walked as a read and, with No Write = 0, as a write too (the model's
    # completion, docs/design.md "ATS, PRI and T2GPA"): with NW=0 the IOMMU may set A and D
    # (0x21D9_50D7), with NW=1 only A (0x21D9_5057).
    from sequences.ats_items import ats_request
    o = CoherenceOracle(capabilities=CAPS_AD | 1 << 25)
    sw = Sw(o)
    o.write_reg(Reg.DDTP, ddtp(LVL1))
    for i, w in dc_order((TC_V | 1 << 1 | TC_SADE, 0, ta(7), atp(SV39, ROOT))):
        sw.st(DDT + 5 * 32 + 8 * i, w)
    map4k(sw, flags=OLD & 0x3FF)
    settle(sw)
    asks_write = ats_request(5, VA)
    reads_only = ats_request(5, VA, no_write=True)
    v = o.ad_write(LEAF_PTE, 0x21D9_50D7, [reads_only])
    assert not v.ok and v.message == ("AD-UPDATE pte @0x22008 expected=0x21d95057 got=0x21d950d7 "
                                      "(memory held 0x21d95017; only A may be set)")
    assert o.ad_write(LEAF_PTE, 0x21D9_50D7, [asks_write]).ok
    assert o.mem.read64(LEAF_PTE) == 0x21D9_50D7
