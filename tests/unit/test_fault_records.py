"""Fault-record judging (scoreboards/fault_records.py): the four doublewords against the
faulting response, DTF suppression, the queue's order and capacity, and the records an
IOMMU still owes. Expected record fields are worked out by hand from the spec's layout:
DW0 CAUSE[11:0] PID[31:12] PV[32] PRIV[33] TTYP[39:34] DID[63:40]; DW1 custom[31:0],
reserved[63:32]; DW2 iotval; DW3 iotval2 = GPA[63:2] | implicit(bit 0) for guest-page faults.

The situation: did 5, Sv39 first stage rooted at GPA 0x20000 under an empty Sv39x4 G-stage
(GSCID 3). A read of VA 0x4000_1000 reads its first-stage root PTE at GPA 0x20000 + 1*8
(VPN[2] = 1): the G-stage has no mapping for it, so the walk stops with a read guest-page
fault (21) on an implicit access: iotval2 = 0x20008 | 1 = 0x20009."""
from models import Outcome, Reg
from oracle_tables import DDT, TC_V, VA, Sw, inval_ddt, req, sv39_dc
from scoreboards import CoherenceOracle
from scoreboards.fault_records import Fault, FaultRecordChecker

FQ = 0x70000
DW0_21 = 21 | 2 << 34 | 5 << 40          # cause 21, untranslated read (2), did 5, no pid
IOTVAL2 = 0x20009
DTF = 1 << 4                             # DC.tc.DTF


def setup(entries_log2=2, dtf=False):
    o = CoherenceOracle()
    sw = Sw(o)
    sv39_dc(o, sw, gscid=3)
    if dtf:
        sw.st(DDT + 5 * 32, TC_V | DTF)
        sw.invalidate(inval_ddt(dv=1, did=5))     # the DC without DTF may have been cached
    o.write_reg(Reg.FQB, ((FQ >> 12) << 10) | (entries_log2 - 1))
    o.write_reg(Reg.FQCSR, 1, size=4)
    fails = []
    causes = []
    chk = FaultRecordChecker(o, fails.append, causes.append)
    return o, chk, fails, causes


def respond(o, chk, r, cause=21):
    """The DUT answered `r` with a fault (cause None: a port that carries no cause)."""
    if cause is None:
        verdict = o.check_fault(r)
    else:
        verdict = o.check(r, Outcome(None, cause))
    assert verdict.ok, verdict.message
    chk.fault(Fault(r, cause, verdict.permitted, o.fault_variants(r)))


def write(chk, index, dw0=DW0_21, dw1=0, iotval=VA, iotval2=IOTVAL2, beats=8):
    data = b"".join(w.to_bytes(8, "little") for w in (dw0, dw1, iotval, iotval2))
    addr = FQ + 32 * index
    for k in range(0, 32, beats):
        chk.write(addr + k, data[k:k + beats])


def full_queue():
    """4 entries, 3 faults recorded and none consumed: full (fqt == fqh - 1)."""
    o, chk, fails, _ = setup(entries_log2=2)
    for i in range(3):
        respond(o, chk, req(iova=VA + 8 * i))
        write(chk, i, iotval=VA + 8 * i)
    return o, chk, fails


def test_the_walk_reports_the_implicit_access_gpa():
    o, _, _, _ = setup()
    assert o.fault_variants(req()) == {21: frozenset({(IOTVAL2, False)})}


def test_a_correct_record_pairs_and_nothing_is_owed():
    o, chk, fails, _ = setup()
    respond(o, chk, req())
    write(chk, 0)
    assert fails == [] and chk.pending_problems() == []
    assert chk.records == 1 and chk.tail == 1 and o.model.fq.fqt == 1


def test_record_in_one_32_byte_beat_or_beats_out_of_order():
    o, chk, fails, _ = setup()
    respond(o, chk, req())
    write(chk, 0, beats=32)
    respond(o, chk, req())
    data = b"".join(w.to_bytes(8, "little") for w in (DW0_21, 0, VA, IOTVAL2))
    for k in (24, 8, 0, 16):                    # DW3 first
        chk.write(FQ + 32 + k, data[k:k + 8])
    assert fails == [] and chk.records == 2 and chk.pending_problems() == []


def test_iotval2_without_the_implicit_bit_fails():
    o, chk, fails, _ = setup()
    respond(o, chk, req())
    write(chk, 0, iotval2=0x20008)
    assert len(fails) == 1
    assert "iotval2=0x20008, expected 0x20009" in fails[0] and "cause 21 did=0x5" in fails[0]


def test_iotval2_with_a_wrong_gpa_fails():
    o, chk, fails, _ = setup()
    respond(o, chk, req())
    write(chk, 0, iotval2=0x21009)
    assert len(fails) == 1 and "expected 0x20009" in fails[0]


def test_page_offsets_may_be_reported_as_zero():
    # iotval: VA 0x4000_1234 may be reported as 0x4000_1000; iotval2: GPA 0x20008's page
    # offset may be 0, leaving bit 0: 0x20001.
    o, chk, fails, _ = setup()
    r = req(iova=VA + 0x234)
    respond(o, chk, r)
    write(chk, 0, iotval=VA, iotval2=0x20001)
    assert fails == [] and chk.pending_problems() == []


def test_dw1_custom_half_is_free_and_reserved_half_must_be_zero():
    o, chk, fails, _ = setup()
    respond(o, chk, req())
    write(chk, 0, dw1=0xDEAD_BEEF)
    assert fails == []
    respond(o, chk, req())
    write(chk, 1, dw1=1 << 32)
    assert len(fails) == 1 and "DW1=0x100000000" in fails[0] and "reserved" in fails[0]


def test_dtf_suppresses_the_record_and_nothing_is_owed():
    o, chk, fails, _ = setup(dtf=True)
    assert o.fault_variants(req()) == {21: frozenset({(IOTVAL2, True)})}
    respond(o, chk, req())
    assert chk.pending_problems() == []           # no record owed
    write(chk, 0)
    assert len(fails) == 1 and "DTF=1" in fails[0] and "cause 21" in fails[0]


def test_a_missing_record_is_owed_at_the_end():
    o, chk, fails, _ = setup()
    respond(o, chk, req())
    problems = chk.pending_problems()
    assert len(problems) == 1
    assert "FAULT-RECORD missing for 1 reported fault(s); first: cause 21 did=0x5 iova=0x40001000" \
        in problems[0]


def test_identical_faults_may_share_one_record():
    o, chk, fails, _ = setup()
    respond(o, chk, req())
    respond(o, chk, req(iova=VA + 8))                 # same page, same DW0
    write(chk, 0)
    assert fails == [] and chk.pending_problems() == []


def test_a_record_for_no_fault_is_an_orphan():
    o, chk, fails, _ = setup()
    write(chk, 0)
    problems = chk.pending_problems()
    assert len(problems) == 1 and "matches no faulting response (cause 21, did 0x5, ttyp 2)" in problems[0]


def test_records_go_at_the_tail_in_order():
    o, chk, fails, _ = setup()
    respond(o, chk, req())
    write(chk, 1)
    assert len(fails) == 1 and "(index 1) written out of place" in fails[0] and "fqt) was 0" in fails[0]


def test_a_full_queue_takes_no_record_and_later_faults_are_not_owed():
    # 4 entries: full at 3 records (fqt == fqh - 1). The 4th fault had no room: no record is
    # owed for it (an overflow sets fqof), and a record written there is a failure.
    o, chk, fails = full_queue()
    assert fails == [] and chk.occupancy() == 3
    respond(o, chk, req(iova=0x4000_5000))           # no room
    assert chk.maybe_overflowed
    assert chk.pending_problems() == []
    write(chk, 3, iotval=0x4000_5000)
    assert len(fails) == 1 and "written into a full queue (fqh=0, 4 entries)" in fails[0]


def test_software_head_and_fqof_clear_make_room_again():
    o, chk, fails = full_queue()
    respond(o, chk, req(iova=0x4000_5000))           # may be dropped
    chk.head_written(3)                              # software consumed the three
    chk.errors_cleared()                             # and cleared fqof
    respond(o, chk, req(iova=0x4000_6000))           # room again: owed
    problems = chk.pending_problems()
    assert len(problems) == 1 and "iova=0x40006000" in problems[0]


def test_a_portless_fault_takes_its_cause_from_the_record():
    o, chk, fails, causes = setup()
    respond(o, chk, req(), cause=None)
    write(chk, 0)
    assert fails == [] and causes == [21]


def test_a_portless_fault_with_a_wrong_cause_in_the_record_fails():
    o, chk, fails, causes = setup()
    respond(o, chk, req(), cause=None)
    write(chk, 0, dw0=DW0_21 - 21 + 13)             # read page fault: not permitted here
    assert len(fails) == 1 and "got=fault:13" in fails[0] and "cause from the fault record" in fails[0]


def test_a_reported_fault_into_a_full_queue_makes_fqof_certain():
    o, chk, fails = full_queue()
    assert not chk.overflow_certain()
    respond(o, chk, req(iova=0x4000_5000))           # full: its record must be discarded
    assert chk.overflow_certain()
    chk.errors_cleared()                             # software cleared fqof since
    assert not chk.overflow_certain()


def test_an_identical_fault_into_a_full_queue_may_share_a_record():
    o, chk, fails = full_queue()
    respond(o, chk, req(iova=VA + 0x10))             # same DW0 and page as record 0
    assert not chk.overflow_certain()


def test_a_record_write_bus_error_sets_fqmf_and_keeps_the_tail():
    # The spec: a fault accessing the queue memory sets fqmf; the record is discarded, fqt
    # stays, and further records are discarded until software clears fqmf (nothing owed).
    o, chk, fails, _ = setup()
    respond(o, chk, req())
    chk.write_failed(FQ)
    assert o.model.fq.fqmf and o.model.fq.fqt == 0 and chk.tail == 0
    respond(o, chk, req(iova=0x4000_7000))
    assert chk.pending_problems() == [] and fails == []


def test_answered_faults_still_to_be_recorded_count_against_the_room():
    # Soak seed 97's overflow, at 4 entries (3 records fit: full when fqt == fqh - 1). Record
    # A is written at index 0 and consumed (fqh = 1); then B, C, D and E are answered before
    # any of their records is written. B, C and D fit (indices 1, 2, 3: fqt becomes 0 ==
    # fqh - 1, full); E's record is due into the full queue, so the spec discards it and sets
    # fqof. The checker must let B, C, D be owed, E not, and the audit accept fqof (with
    # fip, fie=1) although the model, which only mirrors records written, has fqof = 0.
    from scoreboards.register_audit import audit
    o, chk, fails, _ = setup(entries_log2=2)
    o.write_reg(Reg.FQCSR, 3, size=4)                # fqen, fie
    respond(o, chk, req(iova=VA))
    write(chk, 0)
    chk.head_written(1)
    o.write_reg(Reg.FQH, 1, size=4)
    iovas = [VA + k * 0x1000 for k in (1, 2, 3, 4)]  # B, C, D, E: other pages, no sharing
    for iova in iovas[:3]:
        respond(o, chk, req(iova=iova))
    assert [f.room for f in chk.waiting] == [True, True, True] and not chk.maybe_overflowed
    respond(o, chk, req(iova=iovas[3]))              # 0 written + 3 due + itself = 4 > 3
    assert chk.waiting[-1].room is False and chk.maybe_overflowed
    for index, iova in zip((1, 2, 3), iovas[:3]):
        write(chk, index, iotval=iova)
    assert fails == [] and chk.occupancy() == 3 and o.model.fq.fqt == 0
    assert chk.pending_problems() == []              # E's record is not owed
    got = {Reg.CQH: o.model.read_reg(Reg.CQH, 4),    # the command queue: not the subject
           Reg.CQCSR: o.model.read_reg(Reg.CQCSR, 4),
           Reg.FQT: 0,
           Reg.FQCSR: 1 | 2 | 1 << 9 | 1 << 16,       # fqen, fie, fqof, fqon
           Reg.IPSR: 1 << 1}                          # fip
    assert audit(o.model, got, chk.maybe_overflowed, chk.overflow_certain()) == []


# -- a failed interrupt message (the spec's msi_cfg_tbl): cause 273, TTYP 0, iotval = msi_addr_x
MSI_ADDR = 0x5_0060
DW0_273 = 273                            # TTYP 0, device_id 0, PV 0, PRIV 0: 0x111


def test_a_failed_message_owes_a_273_record_with_its_address():
    o, chk, fails, _ = setup()
    chk.msi_write_failed(MSI_ADDR)
    problems = chk.pending_problems()
    assert len(problems) == 1 and "first: cause 273 (IOMMU MSI write access fault) " \
        "iotval=0x50060" in problems[0]
    write(chk, 0, dw0=DW0_273, iotval=MSI_ADDR, iotval2=0)
    assert fails == [] and chk.pending_problems() == [] and chk.tail == 1


def test_a_273_record_with_ids_or_another_address_fails():
    o, chk, fails, _ = setup()
    chk.msi_write_failed(MSI_ADDR)
    write(chk, 0, dw0=DW0_273 | 5 << 40 | 2 << 34, iotval=MSI_ADDR, iotval2=0)
    assert len(fails) == 1 and "expected 0x111 (TTYP 0, device_id 0, no process_id)" in fails[0]
    write(chk, 1, dw0=DW0_273, iotval=MSI_ADDR + 0x10, iotval2=0)
    assert len(fails) == 2 and "iotval=0x50070 matches no interrupt message that got a bus " \
        "error" in fails[1]


def test_a_failed_message_with_the_queue_full_is_not_owed():
    o, chk, fails = full_queue()
    chk.msi_write_failed(MSI_ADDR)
    assert fails == [] and chk.pending_problems() == []
