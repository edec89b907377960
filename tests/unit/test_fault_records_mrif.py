"""Fault records of MSI writes to MRIF-mode pages (scoreboards/fault_records.py): 264 "MRIF
access fault", 271 "MSI MRIF data corruption" (records of the device's write) and 273 "IOMMU
MSI write access fault" for a failed notice MSI (TTYP 0, the model's choice).

Spec: the fault-cause table (264 MRIF access fault, 271 MSI MRIF data corruption, 273 IOMMU
MSI write access fault; "Reported if DTF is 1?": 264 No, 271 No, 273 Yes) and the record's
layout DW0 CAUSE[11:0] PID[31:12] PV[32] PRIV[33] TTYP[39:34] DID[63:40], DW2 iotval.

Layout (as tests/unit/test_mrif_writes.py): extended DC of did 5 at 0x10140, iohgatp Sv39x4
GSCID 3, msiptp Flat at 0x70000, mask 0b11, pattern 0x28000; the write's GPA 0x2800_2000 ->
MSI PTE at 0x70020, MRIF at 0x9000_0400, notice at 0x2F00_0000 with NID 0x4A5. Identity 70:
pending doubleword 0x9000_0400 + (70 // 64) * 16 = 0x9000_0410 (bit 6). Fault queue at
0x7A000, 4 entries.
"""
from models import Outcome, Reg, msi_mrif
from oracle_tables import DDT, LVL1, SV39X4, TC_V, WR, Sw, atp, dc_order, ddtp, pte, req, settle
from scoreboards import CoherenceOracle
from scoreboards.fault_records import Fault, FaultRecordChecker
from scoreboards.mrif_writes import MrifWrites

CAPS = 0x0000_01F8_1006_0610 | 1 << 22 | 1 << 23        # default + MSI_FLAT + MSI_MRIF
MSIPT, PTE_AT = 0x70000, 0x70020
IOVA = 0x2800_2000
MRIF, NOTICE, NID = 0x9000_0400, 0x2F00_0000, 0x4A5
PENDING = 0x9000_0410                                    # identity 70's pending doubleword
FQ = 0x7A000
DTF = 1 << 4
R = req(iova=IOVA, ttyp=WR)
# cause | TTYP 3 (untranslated write) << 34 | did 5 << 40; no process_id
DW0_264 = 264 | 3 << 34 | 5 << 40
DW0_271 = 271 | 3 << 34 | 5 << 40
DW0_273 = 273                                            # TTYP 0, DID 0, no PID


def setup(tc=TC_V, first=None):
    o = CoherenceOracle(capabilities=CAPS)
    sw = Sw(o)
    o.write_reg(Reg.DDTP, ddtp(LVL1))
    w0, w1 = first or msi_mrif.encode_pte(MRIF, NOTICE, NID)
    sw.st(PTE_AT + 8, w1)
    sw.st(PTE_AT, w0)
    words = (tc, atp(SV39X4, 0x40000, 3), 0, 0, atp(1, MSIPT), 0x3, 0x28000, 0)
    for i, w in dc_order(words):
        sw.st(DDT + 5 * 64 + 8 * i, w)
    settle(sw)
    o.write_reg(Reg.FQB, ((FQ >> 12) << 10) | 1)         # LOG2SZ-1 = 1: 4 entries
    o.write_reg(Reg.FQCSR, 1, size=4)
    fails = []
    return o, FaultRecordChecker(o, fails.append), MrifWrites(o), fails


def respond(o, chk, mw, cause, identity=70):
    """The IOMMU answered the device's MSI write of `identity` with a fault (`cause`, None: a
    port without cause); the MRIF causes a permitted update meets come from MrifWrites."""
    exp = mw.expect(R, identity)
    chk.fault(Fault(R, cause, o.outcomes(R), o.fault_variants(R), msi_causes=exp.causes))


def write(chk, index, dw0, iotval=IOVA):
    data = b"".join(w.to_bytes(8, "little") for w in (dw0, 0, iotval, 0))
    chk.write(FQ + 32 * index, data)


def test_flat_page_has_no_mrif_causes_and_mrif_page_has_both():
    o, _, _, _ = setup(first=(pte(0x9_1234_5000, 1 | 3 << 1), 0))     # basic mode, M=3
    assert o.fault_variants(R) == {}
    o, _, _, _ = setup()                    # MRIF mode: the update may fail, DTF=0
    assert o.fault_variants(R) == {264: frozenset({(0, False)}), 271: frozenset({(0, False)})}


def test_264_record_pairs_and_is_owed():
    o, chk, mw, fails = setup()
    o.mem.set_access_fault(PENDING, PENDING + 8)
    respond(o, chk, mw, 264)
    assert [p.split(";")[0] for p in chk.pending_problems()] == [
        "FAULT-RECORD missing for 1 reported fault(s)"]
    write(chk, 0, DW0_264)
    assert fails == [] and chk.pending_problems() == []


def test_port_without_cause_pairs_271_from_poison():
    o, chk, mw, fails = setup()
    o.mem.set_poison(PENDING, PENDING + 8)
    respond(o, chk, mw, None)
    write(chk, 0, DW0_271)
    assert fails == [] and chk.pending_problems() == []


def test_271_record_when_only_a_bus_error_is_permitted_fails():
    o, chk, mw, fails = setup()
    o.mem.set_access_fault(PENDING, PENDING + 8)
    respond(o, chk, mw, None)
    write(chk, 0, DW0_271)
    assert len(fails) == 1 and "cause 271" in fails[0]
    assert "no permitted MRIF update of this write meets poisoned data" in fails[0]


def test_264_record_with_dtf_fails_and_is_not_owed():
    o, chk, mw, fails = setup(tc=TC_V | DTF)
    assert o.fault_variants(R)[264] == frozenset({(0, True)})
    o.mem.set_access_fault(PENDING, PENDING + 8)
    respond(o, chk, mw, 264)
    assert chk.pending_problems() == []                  # DTF=1 suppresses 264: not owed
    write(chk, 0, DW0_264)
    assert len(fails) == 1 and "DTF=1, which suppresses this cause" in fails[0]


def test_notice_failure_owes_a_273_record_ttyp_0():
    o, chk, _, fails = setup(tc=TC_V | DTF)              # 273 is reported despite DTF
    chk.notice_failed(NOTICE)
    problems = chk.pending_problems()
    assert len(problems) == 1 and "iotval=0x2f000000 (the notice MSI write" in problems[0]
    write(chk, 0, DW0_273, iotval=NOTICE)
    assert fails == [] and chk.pending_problems() == []


def test_273_record_with_the_write_iova_fails():
    o, chk, _, fails = setup()
    chk.notice_failed(NOTICE)
    write(chk, 0, DW0_273, iotval=IOVA)                   # iotval must be the notice address
    assert len(fails) == 1 and "nor a notice MSI" in fails[0]


def test_273_with_the_write_ids_fails():
    o, chk, _, fails = setup()
    chk.notice_failed(NOTICE)
    write(chk, 0, 273 | 3 << 34 | 5 << 40, iotval=NOTICE)  # TTYP 3 / DID 5: not the choice
    assert len(fails) == 1 and "expected 0x111 (TTYP 0" in fails[0]


def test_outcome_of_a_failed_update_is_not_a_translation_fault():
    # the walk itself succeeds (the MRIF target): 264 comes after it, so check() of a 264
    # response is not a permitted walk outcome; the record is judged by msi_causes instead
    o, _, _, _ = setup()
    assert not o.check(R, Outcome(None, 264)).ok
