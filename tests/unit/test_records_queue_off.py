"""Faults answered while the fault queue is off owe no record. The spec (fqcsr.fqen): with
fqen=0 the IOMMU writes no fault records; the random-configuration test sends requests
under ddtp Off and Bare before software enables the queue, and a checker that owed records
for those reported them as missing at the end of the test (found by RandomConfigTest; the
record checker now decides at response time).

The situation (tests/unit/oracle_tables.py): did 5, Sv39 first stage rooted at GPA 0x20000
under an empty Sv39x4 G-stage (GSCID 3); a read of VA 0x4000_1000 is a read guest-page
fault (21), a cause recorded whatever DTF says is not needed: DTF is 0 here."""
from models import Outcome, Reg
from oracle_tables import Sw, req, sv39_dc
from scoreboards import CoherenceOracle
from scoreboards.fault_records import Fault, FaultRecordChecker

FQ = 0x70000


def _fault(o, chk):
    r = req()
    verdict = o.check(r, Outcome(None, 21))
    assert verdict.ok, verdict.message
    chk.fault(Fault(r, 21, verdict.permitted, o.fault_variants(r)))


def test_a_fault_while_the_queue_is_off_owes_no_record():
    o = CoherenceOracle()
    sv39_dc(o, Sw(o), gscid=3)
    fails = []
    chk = FaultRecordChecker(o, fails.append)
    o.write_reg(Reg.FQB, ((FQ >> 12) << 10) | 1)          # 4 records, fqen still 0
    _fault(o, chk)
    assert chk.pending_problems() == [] and not fails


def test_the_same_fault_once_the_queue_is_on_is_owed():
    o = CoherenceOracle()
    sv39_dc(o, Sw(o), gscid=3)
    fails = []
    chk = FaultRecordChecker(o, fails.append)
    o.write_reg(Reg.FQB, ((FQ >> 12) << 10) | 1)
    _fault(o, chk)                                        # before fqen: not owed
    o.write_reg(Reg.FQCSR, 1, size=4)
    chk.enabled()
    _fault(o, chk)                                        # after: owed
    problems = chk.pending_problems()
    assert len(problems) == 1 and "missing" in problems[0] and "cause 21" in problems[0], problems
