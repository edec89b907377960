"""The scoreboard's page-request and ATS-completion judgement for an IOMMU that answers from its
caches (scoreboards/permitted_answers.py): after a store software has not invalidated yet, the
answer the old, still cached value gives is permitted as well as memory's; after the
invalidation completes, only memory's; under the no-cache policy, never the old one.

Memory map (oracle_tables.py): DC of did 5 at 0x100a0 (1LVL), Sv39 root 0x20000 -> 0x21000 ->
0x22000; VA 0x4000_1000 -> leaf PTE 0x22008 -> 0x8765_4000. The page-request queue: 8 entries
at 0x70000 (pqb = PPN 0x70 << 10 | LOG2SZ-1 = 2 -> 0x1c002).

Spec (riscv-iommu): "PCIe ATS Page Request handling": a page request is queued when the DC has
EN_ATS = 1 and EN_PRI = 1, else with EN_PRI = 0 it is refused with cause 260 (Invalid
Request). "Caching in-memory data structures": an IOMMU may keep using a cached device context
or leaf PTE until the IODIR.INVAL_DDT / IOTINVAL.VMA that covers it completes.
"""
from models import Reg
from models.ats import SC, AtsCompletion
from oracle_tables import (LEAF, LEAF_RO, OLD_PA, SV39, V, VA, Sw, atp, inval_ddt, map4k, pte,
                           req, settle, sv39_dc, vma)
from scoreboards import CoherenceOracle
from sequences.ats_items import AtsObserved, ats_request, page_request_msg
from sequences.items import TranslationResult
from offline_scoreboard import offline_scoreboard

CAPS_ATS = 0x0000_01F8_1006_0610 | 1 << 25
TC_V, TC_EN_ATS, TC_EN_PRI = 1, 1 << 1, 1 << 2
PQ_BASE = 0x70000
# a Page Request for page 0x5000, PRG index 3, R = 1, L = 1: payload 0x5000 | 3 << 3 | 4 | 1
PAYLOAD = 0x501D


def scoreboard(tc, policy="riscv-1.0-strict"):
    o = CoherenceOracle(policy=policy)
    o.set_capabilities(CAPS_ATS)
    sw = Sw(o)
    leaf = map4k(sw)
    dc = sv39_dc(o, sw)
    sw.st(dc, tc)
    settle(sw)
    o.write_reg(Reg.PQB, 0x1C002)
    o.write_reg(Reg.PQCSR, 1, size=4)                # pqen
    o.outcomes(req())                                # a walk: the DC and the PTEs are read
    sb, fails = offline_scoreboard(o, "sb_stale")
    return sb, o, sw, dc, leaf, fails



def page_request(sb, fault=False, cause=None):
    sb.translation(TranslationResult(req=page_request_msg(5, 0x5000, prgi=3), tag=0, fault=fault,
                                     cause=cause, pa=0, ats=AtsObserved(False, False, None)))


# ------------------------------------------------------------------ page requests, stale DC
def test_a_cached_dc_with_en_pri_may_still_queue_the_request():
    sb, o, sw, dc, _, fails = scoreboard(TC_V | TC_EN_ATS | TC_EN_PRI)
    sw.st(dc, TC_V | TC_EN_ATS)                      # EN_PRI cleared, no IODIR.INVAL yet
    page_request(sb)                                 # queued: the old DC's answer
    assert fails == []
    # the model followed the DUT: the record is in the queue (dw0: DID 5 << 40; dw1: payload)
    assert o.model.read_reg(Reg.PQT, size=4) == 1
    assert (o.mem.read64(PQ_BASE), o.mem.read64(PQ_BASE + 8)) == (5 << 40, PAYLOAD)


def test_the_new_dc_answer_is_permitted_too():
    sb, o, sw, dc, _, fails = scoreboard(TC_V | TC_EN_ATS | TC_EN_PRI)
    sw.st(dc, TC_V | TC_EN_ATS)
    page_request(sb, fault=True, cause=260)
    assert fails == []
    assert o.model.read_reg(Reg.PQT, size=4) == 0    # not queued


def test_after_iodir_only_the_new_dc_answers():
    sb, o, sw, dc, _, fails = scoreboard(TC_V | TC_EN_ATS | TC_EN_PRI)
    sw.st(dc, TC_V | TC_EN_ATS)
    sw.invalidate(inval_ddt(dv=1, did=5))
    page_request(sb)
    assert fails == [f"PAGE-REQUEST did=0x5 payload={PAYLOAD:#x}: accepted, expected fault 260"]


def test_no_cache_policy_never_takes_the_old_dc():
    sb, o, sw, dc, _, fails = scoreboard(TC_V | TC_EN_ATS | TC_EN_PRI, policy="no-cache")
    sw.st(dc, TC_V | TC_EN_ATS)
    page_request(sb)
    assert fails == [f"PAGE-REQUEST did=0x5 payload={PAYLOAD:#x}: accepted, expected fault 260"]


def test_both_answers_named_when_neither_is_given():
    # EN_PRI 0 -> 1 with the DUT refusing with 258 (DC not valid): neither answer; the
    # message names both that are permitted (memory's first)
    sb, o, sw, dc, _, fails = scoreboard(TC_V | TC_EN_ATS | TC_EN_PRI)
    sw.st(dc, TC_V | TC_EN_ATS)
    page_request(sb, fault=True, cause=258)
    assert fails == [f"PAGE-REQUEST did=0x5 payload={PAYLOAD:#x}: fault 258, expected fault 260 "
                     f"or no fault (queued or answered)"]


# ------------------------------------------------------------------ ATS completions, stale PTE
RW_OLD = AtsCompletion(SC, r=True, w=True, addr=OLD_PA, size_log2=12)
RO_OLD = AtsCompletion(SC, r=True, w=False, addr=OLD_PA, size_log2=12)


def ats(sb, completion):
    r = ats_request(5, VA)
    sb.translation(TranslationResult(req=r, tag=0, fault=False, cause=None, pa=0,
                                     ats=AtsObserved(False, False, completion)))


def test_a_cached_writable_leaf_may_still_grant_w():
    sb, o, sw, _, leaf, fails = scoreboard(TC_V | TC_EN_ATS)
    sw.st(leaf, (OLD_PA >> 12) << 10 | LEAF_RO)      # made read-only, no IOTINVAL yet
    ats(sb, RW_OLD)                                  # the IOTLB's old leaf: R, W
    assert fails == []
    ats(sb, RO_OLD)                                  # memory's: R only
    assert fails == []


def test_after_iotinval_w_is_refused():
    sb, o, sw, _, leaf, fails = scoreboard(TC_V | TC_EN_ATS)
    sw.st(leaf, (OLD_PA >> 12) << 10 | LEAF_RO)
    sw.invalidate(vma())
    ats(sb, RW_OLD)
    assert len(fails) == 1 and fails[0].endswith("W=1 (expected 0)"), fails


def test_no_cache_policy_refuses_the_old_leaf():
    sb, o, sw, _, leaf, fails = scoreboard(TC_V | TC_EN_ATS, policy="no-cache")
    sw.st(leaf, (OLD_PA >> 12) << 10 | LEAF_RO)
    ats(sb, RW_OLD)
    assert len(fails) == 1 and fails[0].endswith("W=1 (expected 0)"), fails


def test_a_writable_leaf_made_so_stays_writable():
    # the other way round (read-only -> read-write, no invalidation): memory's answer W=1 and
    # the old R-only answer are both permitted
    sb, o, sw, _, leaf, fails = scoreboard(TC_V | TC_EN_ATS)
    sw.st(leaf, (OLD_PA >> 12) << 10 | LEAF_RO)
    sw.invalidate(vma())
    o.outcomes(req())
    sw.st(leaf, (OLD_PA >> 12) << 10 | LEAF)
    ats(sb, RO_OLD)
    ats(sb, RW_OLD)
    assert fails == []


# ------------------------------------------------------------------ the DC's root moved
# table B: 0x30000 -> 0x31000 -> 0x32000, VA -> 0x9999_9000 read-only
B_ROOT, B_L1, B_L0, PA_B = 0x30000, 0x31000, 0x32000, 0x9999_9000
RO_B = AtsCompletion(SC, r=True, w=False, addr=PA_B, size_log2=12)


def move_root_to_b(sw, dc):
    sw.st(B_L0 + ((VA >> 12) & 0x1FF) * 8, pte(PA_B, LEAF_RO))
    sw.st(B_L1 + ((VA >> 21) & 0x1FF) * 8, pte(B_L0, V))
    sw.st(B_ROOT + ((VA >> 30) & 0x1FF) * 8, pte(B_L1, V))
    sw.st(dc + 24, atp(SV39, B_ROOT))                # fsc: Sv39 at B, the same PSCID


def test_after_iodir_alone_the_old_table_may_still_answer():
    # IOTLB entries are tagged by PSCID, which did not change: A's leaf may stay cached until
    # an IOTINVAL.VMA, whatever the IODIR did to the DC
    sb, o, sw, dc, _, fails = scoreboard(TC_V | TC_EN_ATS)
    move_root_to_b(sw, dc)
    sw.invalidate(inval_ddt(dv=1, did=5))
    ats(sb, RW_OLD)
    ats(sb, RO_B)
    assert fails == []


def test_after_iodir_and_iotinval_only_the_new_table_answers():
    sb, o, sw, dc, _, fails = scoreboard(TC_V | TC_EN_ATS)
    move_root_to_b(sw, dc)
    sw.invalidate(inval_ddt(dv=1, did=5), vma(pscv=1, pscid=7))
    ats(sb, RO_B)
    assert fails == []
    ats(sb, RW_OLD)
    assert fails == [f"ATS completion did=0x5 iova={VA:#x} NW=0 Exe=0: observed "
                     f"SC(RW {OLD_PA:#x}/2^12) expected SC(R {PA_B:#x}/2^12): W=1 (expected 0); "
                     f"address {OLD_PA:#x} (expected {PA_B:#x} for a 2^12 range)"]
