"""tb/env/mrif_check.py: the scoreboard's part for MSI writes to MRIF-mode pages, fed the
events a simulation gives it (issued, the IOMMU's memory writes, the response).

Layout as tests/unit/test_mrif_writes.py (hand-chosen): extended DC of did 5 (1LVL), iohgatp
Sv39x4 GSCID 3, msiptp Flat at 0x70000, mask 0b11, pattern 0x28000; the write's GPA
0x2800_2000 uses the MSI PTE at 0x70020, set to MRIF mode: MRIF at 0x9000_0400, notice NID
0x4A5 at 0x2F00_0000. Values by hand from the AIA's MRIF format: identity 70 is bit 70 % 64 =
6 of the doubleword at 0x9000_0400 + (70 // 64) * 16 = 0x9000_0410, so with that doubleword
holding 0x5 the update writes 0x45.
"""
from types import SimpleNamespace

from models import msi_mrif
from oracle_tables import RD, WR, gvma
from sequences.items import WriteRequest
from tb.env.mrif_check import MrifCheck, pw_fences
from test_mrif_writes import IOVA, MRIF_A, NID, NOTICE, setup, store_pte

PENDING = 0x9000_0410


def env(data=70, offset=0):
    o, sw, _ = setup()
    store_pte(sw, *msi_mrif.encode_pte(MRIF_A, NOTICE, NID))
    sw.invalidate(gvma(gv=1, av=1, gscid=3, addr=IOVA))     # only the MRIF-mode PTE now
    o.mem.write(PENDING, (5).to_bytes(8, "little"))
    fails = []
    chk = MrifCheck(o, fails.append)
    r = WriteRequest(did=5, iova=IOVA + offset, ttyp=WR, data=data)
    chk.issued(1, r)
    return o, chk, fails, r


def answer(r, mrif=None, fault=False, cause=0, pa=0):
    return SimpleNamespace(seq_no=1, req=r, mrif=mrif, fault=fault, cause=cause, pa=pa)


def test_recorded_update_then_notice_then_response_is_clean():
    o, chk, fails, r = env()
    assert chk.mem_write(PENDING, (0x45).to_bytes(8, "little"), True)
    assert chk.mem_write(NOTICE, (NID).to_bytes(4, "little"), True)
    assert chk.result(answer(r, "recorded"), frozenset())
    assert fails == [] and chk.problems() == [] and chk.open == []
    assert o.mem.read64(PENDING) == 0x45                  # mirrored into the oracle's memory


def test_wrong_bit_is_a_mismatch():
    _, chk, fails, _ = env()
    chk.mem_write(PENDING, (0x25).to_bytes(8, "little"), True)   # bit 5 instead of bit 6
    assert len(fails) == 1 and "identity 70 sets only bit 6 of 0x90000410" in fails[0]


def test_notice_before_the_update_and_a_missing_notice():
    _, chk, fails, r = env()
    chk.mem_write(NOTICE, (NID).to_bytes(4, "little"), True)
    assert fails and "sent before the MRIF update" in fails[0]
    _, chk, fails, r = env()
    chk.mem_write(PENDING, (0x45).to_bytes(8, "little"), True)
    chk.result(answer(r, "recorded"), frozenset())
    assert fails == []
    assert chk.problems()[0].startswith("MISSING notice MSI for MSI write did=5")


def test_recorded_answer_without_update_is_missing_at_the_end():
    _, chk, fails, r = env()
    chk.result(answer(r, "recorded"), frozenset())
    assert fails == [] and chk.problems()[0].startswith("MISSING MRIF update")


def test_answer_the_pte_does_not_permit():
    # offset 0 and identity 70: the only permitted action is recorded
    _, chk, fails, r = env()
    assert chk.result(answer(r, "discarded"), frozenset())
    assert "answered 'discarded'" in fails[0] and "identity 70" in fails[0]
    # offset 4 (the big-endian register): discarded only; an update for it is unexpected
    _, chk, fails, r = env(data=3, offset=4)
    chk.mem_write(0x9000_0400, (0x8).to_bytes(8, "little"), True)
    assert fails[0].startswith("UNEXPECTED MRIF write of 0x8 (8 bytes) at 0x90000400")
    _, chk, fails, r = env(data=3, offset=4)
    assert chk.result(answer(r, "discarded"), frozenset()) and fails == []


def test_a_translation_answer_goes_to_the_ordinary_check():
    _, chk, fails, r = env()
    assert not chk.result(answer(r, None, pa=0x1234), frozenset())
    assert fails == [] and chk.open == []


def test_reads_of_an_mrif_page_only_abort():
    o, chk, fails, _ = env()
    rd = WriteRequest(did=5, iova=IOVA, ttyp=RD, data=0)
    res = SimpleNamespace(seq_no=9, req=rd, mrif="aborted", fault=False, cause=0, pa=2)
    assert chk.result(res, frozenset()) and fails == []
    res.mrif = "recorded"
    chk.result(res, frozenset())
    assert "a read of an MRIF page is aborted" in fails[0]


def test_failed_notice_owes_the_273_record():
    o, chk, fails, r = env()
    owed = []
    chk.rec = SimpleNamespace(msi_write_failed=owed.append)
    chk.mem_write(PENDING, (0x45).to_bytes(8, "little"), True)
    chk.mem_write(NOTICE, (NID).to_bytes(4, "little"), False)
    assert owed == [NOTICE] and fails == []


def test_pw_fences():
    # pending commands (index, command, doorbell, fence): cqh 3 completes up to the last
    # IOFENCE.C before index 3
    f1 = SimpleNamespace(name="IOFENCE.C", pw=1)
    inv = SimpleNamespace(name="IOTINVAL.GVMA")
    pending = [(0, inv, 0, 0), (1, SimpleNamespace(name="IOFENCE.C", pw=0), 0, 0),
               (2, f1, 0, 0), (3, inv, 0, 0)]
    assert pw_fences(pending, 2) is False                # only the PW=0 fence completes
    assert pw_fences(pending, 3) is True


def test_the_checker_process_ships_the_data_and_the_answer():
    # tb/env/checker.py: a WriteRequest's data crosses the pipe with its fields, and the
    # response's mrif with the result event (a plain Request ships as before)
    from models import Request
    from tb.env import checker
    w = WriteRequest(did=5, iova=IOVA, ttyp=WR, data=0x4A)
    assert checker._request(checker._req_fields(w)) == w
    plain = Request(did=5, iova=IOVA, ttyp=RD)
    assert type(checker._request(checker._req_fields(plain))) is Request
    got = []
    core = SimpleNamespace(result=got.append)
    checker._apply(core, (checker.RESULT, 7, checker._req_fields(w), 1, False, 0, 0, 0.0, 1.0,
                          None, "recorded"))
    assert got[0].req.data == 0x4A and got[0].mrif == "recorded"


def test_a_fault_of_the_update_needs_the_mrif_to_fail():
    # 264 (MRIF access fault) is permitted only when the pending doubleword 0x9000_0410
    # answers with a bus error; then its record is owed (DTF=0 in this DC)
    o, chk, fails, r = env()
    owed = []
    chk.rec = SimpleNamespace(fault=owed.append)
    assert chk.result(answer(r, None, fault=True, cause=264), frozenset())
    assert fails[0].startswith("UNEXPECTED fault 264 for MSI write did=5") and owed == []
    o, chk, fails, r = env()
    o.mem.set_access_fault(PENDING, PENDING + 8)
    chk = MrifCheck(o, fails.append, SimpleNamespace(fault=owed.append))
    chk.issued(1, r)
    assert chk.result(answer(r, None, fault=True, cause=264), frozenset()) and fails == []
    assert [(f.cause, f.variants) for f in owed] == [(264, {264: frozenset({(0, False)})})]
