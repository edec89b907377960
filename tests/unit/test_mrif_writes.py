"""scoreboards/mrif_writes.py: the IOMMU's MRIF updates and notice MSIs judged against the
oracle's permitted outcomes, and the MSI PTE's mode switch (flat <-> MRIF) while the covering
IOTINVAL.GVMA is pending.

Spec: AIA IOMMU.adoc "Format of a memory-resident interrupt file" (identity i: pending bit
i % 64 of the doubleword at offset (i // 64) * 16, enable bit at +8), "MSI PTE, MRIF mode"
(the update, then the notice: NID zero-extended at NPPN << 12; an AMOOR with atomic update);
IOMMU "Caching in-memory data structures" / IOTINVAL.GVMA (MSI PTEs are cached and
invalidated by IOTINVAL.GVMA: GV=1 AV=1 with the GSCID and the GPA page covers the PTE).

Layout (hand-chosen): extended DC of did 5 at 0x10000 + 5 * 64 = 0x10140 (1LVL), iohgatp
Sv39x4 GSCID 3, first stage Bare, msiptp Flat at 0x70000, mask 0b11, pattern 0x28000. The
write's GPA 0x2800_2000: I = extract(0x28002, 0b11) = 2 -> MSI PTE at 0x70020.
MRIF A at 0x9000_0400, MRIF B at 0x9000_0800, notice at 0x2F00_0000 with NID 0x4A5.
"""
import pytest

from models import msi_mrif
from oracle_tables import (DDT, LVL1, SV39X4, TC_V, WR, Reg, Sw, atp, dc_order, ddtp,
                           gvma, iofence, pte, req, settle)
from scoreboards import CoherenceOracle
from scoreboards.mrif_writes import MrifWrites, permitted_effects

CAPS = 0x0000_01F8_1006_0610 | 1 << 22 | 1 << 23        # default + MSI_FLAT + MSI_MRIF
AMO_MRIF = 1 << 21
MSIPT, PTE_AT = 0x70000, 0x70020
IOVA = 0x2800_2000
MRIF_A, MRIF_B, NOTICE, NID = 0x9000_0400, 0x9000_0800, 0x2F00_0000, 0x4A5
FLAT_PA = 0x9_1234_5000
FLAT = pte(FLAT_PA, 1 | 3 << 1)                           # basic translate mode, V=1 M=3
R = req(iova=IOVA, ttyp=WR)


def setup(caps=CAPS, first=(FLAT, 0)):
    o = CoherenceOracle(capabilities=caps)
    sw = Sw(o)
    o.write_reg(Reg.DDTP, ddtp(LVL1))
    sw.st(PTE_AT + 8, first[1])
    sw.st(PTE_AT, first[0])
    words = (TC_V, atp(SV39X4, 0x40000, 3), 0, 0, atp(1, MSIPT), 0x3, 0x28000, 0)
    for i, w in dc_order(words):
        sw.st(DDT + 5 * 64 + 8 * i, w)
    settle(sw)
    return o, sw, MrifWrites(o)


def store_pte(sw, w0, w1):
    sw.st(PTE_AT + 8, w1)            # the notice fields first, then the mode in dw0
    sw.st(PTE_AT, w0)


def target(mrif=MRIF_A):
    return msi_mrif.MrifTarget(mrif, NOTICE, NID)


def modes(o):
    """The permitted outcomes as 'flat:<pa>' / 'mrif:<address>'."""
    return {f"mrif:{x.mrif.mrif_addr:#x}" if x.mrif else f"flat:{x.pa:#x}"
            for x in o.outcomes(R)}


def test_flat_to_mrif_both_permitted_until_gvma_completes():
    o, sw, _ = setup()
    assert modes(o) == {f"flat:{FLAT_PA:#x}"}
    store_pte(sw, *msi_mrif.encode_pte(MRIF_A, NOTICE, NID))
    assert modes(o) == {f"flat:{FLAT_PA:#x}", f"mrif:{MRIF_A:#x}"}
    sw.queue(gvma(gv=1, av=1, gscid=3, addr=IOVA), iofence())
    assert modes(o) == {f"flat:{FLAT_PA:#x}", f"mrif:{MRIF_A:#x}"}   # doorbell only
    sw.done()
    assert modes(o) == {f"mrif:{MRIF_A:#x}"}


def test_mrif_to_flat_both_permitted_until_gvma_completes():
    o, sw, _ = setup(first=msi_mrif.encode_pte(MRIF_A, NOTICE, NID))
    assert modes(o) == {f"mrif:{MRIF_A:#x}"}
    sw.st(PTE_AT, FLAT)
    assert modes(o) == {f"flat:{FLAT_PA:#x}", f"mrif:{MRIF_A:#x}"}
    sw.queue(gvma(gv=1, gscid=4), iofence())          # another GSCID: does not cover it
    sw.done()
    assert modes(o) == {f"flat:{FLAT_PA:#x}", f"mrif:{MRIF_A:#x}"}
    sw.queue(gvma(gv=1, gscid=3), iofence())          # GV=1 AV=0 GSCID 3: covers it
    sw.done()
    assert modes(o) == {f"flat:{FLAT_PA:#x}"}


def test_switch_judged_update_notice_and_silence():
    o, sw, mw = setup()
    store_pte(sw, *msi_mrif.encode_pte(MRIF_A, NOTICE, NID))
    # identity 70: pending doubleword MRIF_A + (70 // 64) * 16 = 0x9000_0410, bit 70 % 64 = 6
    exp = mw.expect(R, 70)
    assert "MSI PTE @0x70020 (gscid 3, gpa 0x28002000)" in exp.head()
    assert mw.check_silent(exp).ok                    # the stale flat PTE may still be used
    assert mw.check_update(exp, 0x9000_0410, 0x45, read_value=0x5).ok     # 0x5 | 0x40
    assert mw.check_notice(exp, NOTICE, 0x4A5).ok
    sw.invalidate(gvma(gv=1, av=1, gscid=3, addr=IOVA))
    v = mw.check_silent(mw.expect(R, 70))
    assert not v.ok and v.message.startswith("MISSING MRIF update")
    assert "identity 70 -> pending bit 6 of 0x90000410" in v.message


def test_wrong_bit_and_wrong_doubleword():
    o, sw, mw = setup(first=msi_mrif.encode_pte(MRIF_A, NOTICE, NID))
    exp = mw.expect(R, 70)
    v = mw.check_update(exp, 0x9000_0410, 0x80, read_value=0)        # bit 7: identity 71
    assert not v.ok and "identity 70 sets only bit 6 of 0x90000410" in v.message
    v = mw.check_update(exp, 0x9000_0400, 0x40, read_value=0)        # identity 6's doubleword
    assert not v.ok and v.message.startswith("UNEXPECTED MRIF write")
    v = mw.check_update(exp, 0x9000_0418, 0x40, read_value=0)        # the enable doubleword
    assert not v.ok


def test_partial_read_modify_write():
    # identity 200: k = 200 // 64 = 3 -> MRIF_A + 0x30; bit 200 % 64 = 8, i.e. bit 0 of the
    # doubleword's byte 1 (address MRIF_A + 0x31): a 1-byte write there of read | 0x01
    o, sw, mw = setup(first=msi_mrif.encode_pte(MRIF_A, NOTICE, NID))
    exp = mw.expect(R, 200)
    assert mw.check_update(exp, MRIF_A + 0x31, 0x81, size=1, read_value=0x80).ok
    assert not mw.check_update(mw.expect(R, 200), MRIF_A + 0x30, 0x01, size=1,
                               read_value=0).ok          # byte 0 does not hold bit 8


def test_notice_rules():
    o, sw, mw = setup(first=msi_mrif.encode_pte(MRIF_A, NOTICE, NID))
    exp = mw.expect(R, 70)
    v = mw.check_notice(exp, NOTICE, 0x4A5)
    assert not v.ok and "before the MRIF update" in v.message
    assert mw.check_update(exp, 0x9000_0410, 0x40, read_value=0).ok
    assert not mw.check_notice(exp, NOTICE, 0x0A5).ok      # NID[10] lost
    assert not mw.check_notice(exp, NOTICE + 4, 0x4A5).ok  # page offset must be 0
    assert mw.check_notice(exp, NOTICE, 0x4A5).ok


def test_amo_mrif_requires_amoor():
    o, sw, mw = setup(caps=CAPS | AMO_MRIF, first=msi_mrif.encode_pte(MRIF_A, NOTICE, NID))
    exp = mw.expect(R, 70)
    v = mw.check_update(exp, 0x9000_0410, 0x40, read_value=0)
    assert not v.ok and "must be set by an AMOOR" in v.message
    assert not mw.check_update(exp, 0x9000_0410, 0x41, amo=True).ok   # operand: one bit only
    assert mw.check_update(exp, 0x9000_0410, 0x40, amo=True).ok


def test_mrif_moved_both_targets_until_invalidated():
    o, sw, mw = setup(first=msi_mrif.encode_pte(MRIF_A, NOTICE, NID))
    store_pte(sw, *msi_mrif.encode_pte(MRIF_B, NOTICE, NID))
    exp = mw.expect(R, 70)
    assert {e.pending_pa for e in exp.effects} == {MRIF_A + 0x10, MRIF_B + 0x10}
    assert mw.check_update(exp, MRIF_A + 0x10, 0x40, read_value=0).ok
    sw.invalidate(gvma(gv=1, av=1, gscid=3, addr=IOVA))
    v = mw.check_update(mw.expect(R, 70), MRIF_A + 0x10, 0x40, read_value=0)
    assert not v.ok and f"{MRIF_B + 0x10:#x}" in v.message


def test_discarded_data_permits_no_update():
    # D = 2048: D[31:11] != 0 -> accepted but discarded: no MRIF write, no notice
    o, sw, mw = setup(first=msi_mrif.encode_pte(MRIF_A, NOTICE, NID))
    exp = mw.expect(R, 2048)
    assert mw.check_silent(exp).ok
    v = mw.check_update(exp, MRIF_A + 0x200, 1, read_value=0)
    assert not v.ok and "no permitted outcome records this MSI" in v.message
    assert not mw.check_notice(exp, NOTICE, NID).ok


def test_permitted_effects_is_pure():
    from models import Outcome
    outs = {Outcome(None, None, mrif=target()), Outcome(0x1000, None)}
    (e,) = permitted_effects(outs, 0, 70)
    assert (e.action, e.identity, e.pending_pa, e.bit) == ("recorded", 70, MRIF_A + 0x10, 6)
    (e,) = permitted_effects(outs, 4, 70)                 # A[2] = 1: big-endian, discarded
    assert e.action == "discarded"


def test_check_update_bad_use():
    o, sw, mw = setup(first=msi_mrif.encode_pte(MRIF_A, NOTICE, NID))
    with pytest.raises(ValueError, match="read_value"):
        mw.check_update(mw.expect(R, 70), MRIF_A + 0x10, 0x40)
    with pytest.raises(ValueError, match="not aligned"):
        mw.check_update(mw.expect(R, 70), MRIF_A + 0x11, 0x40, size=4, read_value=0)


def test_iofence_pw_commits_processed_msi_writes():
    # IOMMU "IOMMU Command-queue Fence commands": PW=1 asks that "all previous write requests
    # from devices that have already been processed by the IOMMU be committed"; an MSI write
    # to an MRIF page is committed by its MRIF update, which the IOMMU itself makes
    o, sw, mw = setup(first=msi_mrif.encode_pte(MRIF_A, NOTICE, NID))
    late, done = mw.expect(R, 70), mw.expect(R, 71)
    mw.processed(late)
    mw.processed(done)
    assert mw.check_update(done, MRIF_A + 0x10, 0x80, read_value=0).ok    # 71: bit 7
    assert mw.fence_completed(pw=False) == []          # PW=0 orders nothing: kept
    (v,) = mw.fence_completed(pw=True)
    assert not v.ok and "IOFENCE.C PW=1 completed before the MRIF update" in v.message
    assert "data=0x46" in v.message                    # identity 70, the late one
    assert mw.fence_completed(pw=True) == []           # judged once


def test_iofence_pw_with_a_stale_flat_pte_permits_no_update():
    # while the flat PTE may still be used, the write may have gone to the flat address
    o, sw, mw = setup()
    store_pte(sw, *msi_mrif.encode_pte(MRIF_A, NOTICE, NID))
    mw.processed(mw.expect(R, 70))
    assert mw.fence_completed(pw=True) == []


def test_torn_pte_between_the_two_stores_is_permitted_until_invalidated():
    # software stores doubleword 0 (mode M=1, MRIF A) before doubleword 1: the IOMMU may read
    # the PTE in between (it may read at any time), seeing dw1 = 0: NPPN 0, NID 0, i.e. a
    # notice of 0 at address 0. That value stays usable until the IOTINVAL.GVMA completes.
    o, sw, mw = setup()
    w0, w1 = msi_mrif.encode_pte(MRIF_A, NOTICE, NID)
    sw.st(PTE_AT, w0)
    sw.st(PTE_AT + 8, w1)
    targets = {x.mrif for x in o.outcomes(R) if x.mrif}
    assert targets == {msi_mrif.MrifTarget(MRIF_A, 0, 0), target(MRIF_A)}
    exp = mw.expect(R, 70)
    assert mw.check_update(exp, MRIF_A + 0x10, 0x40, read_value=0).ok
    assert mw.check_notice(exp, 0, 0).ok
    sw.invalidate(gvma(gv=1, av=1, gscid=3, addr=IOVA))
    assert {x.mrif for x in o.outcomes(R)} == {target(MRIF_A)}


def test_torn_pte_update_counts_for_either_notice():
    # the same two stores (dw0 first): the half-updated PTE (notice 0 at 0) and the whole one
    # (notice 0x4A5 at 0x2F00_0000) set the same bit of the same doubleword (identity 70: bit
    # 6 of MRIF_A + 0x10), so one update announces either notice: the whole PTE's notice
    # after it is not "sent before the MRIF update".
    o, sw, mw = setup()
    w0, w1 = msi_mrif.encode_pte(MRIF_A, NOTICE, NID)
    sw.st(PTE_AT, w0)
    sw.st(PTE_AT + 8, w1)
    exp = mw.expect(R, 70)
    assert mw.check_update(exp, MRIF_A + 0x10, 0x40, read_value=0).ok
    assert mw.check_notice(exp, NOTICE, NID).ok
    exp = mw.expect(R, 70)                            # and before any update: neither
    v = mw.check_notice(exp, NOTICE, NID)
    assert not v.ok and "sent before the MRIF update" in v.message


def test_no_cache_policy_permits_only_the_current_pte():
    # policy no-cache: a cache-less IOMMU uses the PTE in memory now, so right after the
    # switch only the MRIF target is permitted, invalidation or not
    o = CoherenceOracle(policy="no-cache", capabilities=CAPS)
    sw = Sw(o)
    o.write_reg(Reg.DDTP, ddtp(LVL1))
    sw.st(PTE_AT, FLAT)
    words = (TC_V, atp(SV39X4, 0x40000, 3), 0, 0, atp(1, MSIPT), 0x3, 0x28000, 0)
    for i, w in dc_order(words):
        sw.st(DDT + 5 * 64 + 8 * i, w)
    assert modes(o) == {f"flat:{FLAT_PA:#x}"}
    store_pte(sw, *msi_mrif.encode_pte(MRIF_A, NOTICE, NID))
    assert modes(o) == {f"mrif:{MRIF_A:#x}"}
    assert not MrifWrites(o).check_silent(MrifWrites(o).expect(R, 70)).ok


def test_missing_invalidation_is_advice():
    # the switch without IOTINVAL.GVMA is a software finding naming the MSI PTE
    o, sw, mw = setup()
    store_pte(sw, *msi_mrif.encode_pte(MRIF_A, NOTICE, NID))
    o.outcomes(R)
    found = [f for f in o.advice() if "MSI PTE @0x70020" in f.item]
    assert found and found[-1].needed == "IOTINVAL.GVMA GV=1 GSCID=3 AV=1 ADDR=0x28002000"


def test_fault_causes_of_the_update_and_the_notice():
    # 264 MRIF access fault (bus error on the pending doubleword of identity 70, MRIF_A +
    # 0x10), 271 MSI MRIF data corruption (poison there), 273 for the notice (the model's
    # choice, docs/design.md); none when memory is fine
    o, sw, mw = setup(first=msi_mrif.encode_pte(MRIF_A, NOTICE, NID))
    exp = mw.expect(R, 70)
    assert exp.causes == frozenset()
    assert not mw.check_fault(exp, 264).ok
    o.mem.set_access_fault(MRIF_A + 0x10, MRIF_A + 0x18)
    assert mw.expect(R, 70).causes == {264}
    assert mw.expect(R, 6).causes == frozenset()          # identity 6: doubleword MRIF_A + 0
    o.mem.clear_faults()
    o.mem.set_poison(MRIF_A + 0x10, MRIF_A + 0x18)
    assert mw.check_fault(mw.expect(R, 70), 271).ok
    o.mem.clear_faults()
    o.mem.set_poison(NOTICE, NOTICE + 4)                  # a write: poison does not matter
    assert mw.expect(R, 70).causes == frozenset()
    o.mem.set_access_fault(NOTICE, NOTICE + 4)
    assert mw.expect(R, 70).causes == {273}
    # with the stale flat PTE permitted too, its outcomes' causes join (none here: a success)
    o.mem.clear_faults()
    sw.st(PTE_AT, pte(FLAT_PA, 1))                         # V=1, M=0: misconfigured, 263
    assert mw.expect(R, 70).causes == {263}
