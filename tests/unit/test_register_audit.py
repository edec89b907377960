"""The end-of-test register audit (scoreboards/register_audit.py): a quiet IOMMU's cqh,
cqcsr, fqt, fqcsr and ipsr against the model. Bit positions from the spec's register
layouts: cqcsr cqen[0] cie[1] cqmf[8] cmd_to[9] cmd_ill[10] fence_w_ip[11] cqon[16] busy[17];
fqcsr fqen[0] fie[1] fqmf[8] fqof[9] fqon[16] busy[17]; ipsr cip[0] fip[1]."""
from models import Reg
from oracle_tables import Sw, iofence
from scoreboards import CoherenceOracle
from scoreboards.register_audit import audit

FQ = 0x70000


def quiet(fie=False):
    """Command queue on (64 entries), two commands run; fault queue on (4 entries)."""
    o = CoherenceOracle()
    sw = Sw(o)
    sw.queue(iofence(), iofence())
    o.write_reg(Reg.FQB, ((FQ >> 12) << 10) | 1)
    o.write_reg(Reg.FQCSR, 1 | (2 if fie else 0), size=4)
    # what a correct IOMMU reads: cqh=2, cqcsr cqen|cqon, fqt 0, fqcsr fqen|(fie)|fqon, ipsr 0
    got = {Reg.CQH: 2, Reg.CQCSR: 1 | 1 << 16, Reg.FQT: 0,
           Reg.FQCSR: 1 | (2 if fie else 0) | 1 << 16, Reg.IPSR: 0}
    return o, got


def test_a_correct_quiet_iommu_passes():
    o, got = quiet()
    assert audit(o.model, got, False) == []


def test_cqh_short_of_the_doorbell_fails():
    o, got = quiet()
    got[Reg.CQH] = 1
    lines = audit(o.model, got, False)
    assert lines == ["REGISTER cqh=1 at the end of the test, expected 2 (every published command "
                     "executed, or the queue stopped at the command in error)"]


def test_a_spurious_cmd_ill_fails_naming_the_bit():
    o, got = quiet()
    got[Reg.CQCSR] |= 1 << 10
    lines = audit(o.model, got, False)
    assert len(lines) == 1 and "cqcsr=0x10401" in lines[0] and "differs in cmd_ill" in lines[0]


def test_busy_at_the_end_fails():
    o, got = quiet()
    got[Reg.FQCSR] |= 1 << 17
    lines = audit(o.model, got, False)
    assert len(lines) == 1 and "differs in busy" in lines[0]


def test_fqt_must_follow_the_records_written():
    o, got = quiet()
    o.model.record_observed(0)                  # the DUT wrote its first record
    assert audit(o.model, got, False)[0].startswith("REGISTER fqt=0 at the end of the test, expected 1")
    got[Reg.FQT] = 1
    assert audit(o.model, got, False) == []


def test_fip_follows_a_record_when_fie_is_set():
    o, got = quiet(fie=True)
    o.model.record_observed(0)
    got[Reg.FQT] = 1
    lines = audit(o.model, got, False)
    assert len(lines) == 1 and "ipsr=0x0" in lines[0] and "differs in fip" in lines[0]
    got[Reg.IPSR] = 2
    assert audit(o.model, got, False) == []


def test_fqof_only_when_a_record_may_not_have_fit():
    o, got = quiet(fie=True)
    got[Reg.FQCSR] |= 1 << 9
    lines = audit(o.model, got, False)
    assert any("differs in fqof" in line for line in lines)
    got[Reg.IPSR] = 2                           # an overflow with fie=1 also sets fip
    assert audit(o.model, got, True) == []


def test_fqof_required_when_a_record_certainly_did_not_fit():
    o, got = quiet(fie=True)
    lines = audit(o.model, got, True, overflow_certain=True)
    assert len(lines) == 2 and "differs in fqof" in lines[0] and "differs in fip" in lines[1]
    got[Reg.FQCSR] |= 1 << 9
    got[Reg.IPSR] = 2
    assert audit(o.model, got, True, overflow_certain=True) == []
