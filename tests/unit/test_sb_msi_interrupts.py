"""The scoreboard's judgement of the IOMMU's interrupt messages (capabilities.IGS = MSI;
tb/env/iommu_scoreboard.py, `_irq_message`), without a simulator: register operations and
memory writes as the monitors report them, a fault record as the record checker mirrors it
(model.record_observed), judged against the model's messages.

Vector 6 (fiv) -> msi_addr 0x4_0060, msi_data 0x106; vector 3 (civ) -> 0x4_0030, 0x103.
"""
from models import Reg
from models import capabilities as capbits
from scoreboards import CoherenceOracle
from sequences.items import RegOp
from offline_scoreboard import offline_scoreboard

CAPS_MSI = capbits.DEFAULT & ~(3 << capbits.IGS_SHIFT)
FQ_BASE = 0x2_0000
FIP = 2


def wr(sb, offset, value, size=8):
    sb.reg_op(RegOp(int(offset), value, size, True))


def rd(sb, offset, got, size=8):
    sb.reg_op(RegOp(int(offset), 0, size, False, got))


def vec(v):
    return Reg.MSI_CFG_TBL + 16 * v, Reg.MSI_CFG_TBL + 16 * v + 8, Reg.MSI_CFG_TBL + 16 * v + 12


def bare_scoreboard(caps: int = CAPS_MSI):
    o = CoherenceOracle()
    o.set_capabilities(caps)
    sb, fails = offline_scoreboard(o, "sb_msi")
    return sb, fails


def scoreboard():
    sb, fails = bare_scoreboard()
    for v in (3, 6):
        a, d, c = vec(v)
        wr(sb, a, 0x4_0000 + 0x10 * v)
        wr(sb, d, 0x100 + v, 4)
    wr(sb, Reg.ICVEC, 6 << 4 | 3)
    wr(sb, Reg.FQB, FQ_BASE >> 2 & ~0x3FF | 3)      # 16 records
    wr(sb, Reg.FQCSR, 3, 4)                          # fqen, fie
    return sb, fails



def fault_edge(sb):
    """fip cleared, then a record mirrored: fip 0 -> 1 in the model."""
    wr(sb, Reg.IPSR, FIP, 4)
    m = sb.oracle.model
    m.record_observed(m.fq.fqt)


def dut_write(sb, addr, data):
    sb.mem_access(("W", addr, int(data).to_bytes(4, "little"), True))


def test_message_matched():
    sb, fails = scoreboard()
    fault_edge(sb)
    dut_write(sb, 0x4_0060, 0x106)
    rd(sb, Reg.IPSR, FIP, 4)
    assert fails == [] and sb.irq_msis_seen == 1 and sb.pending_problems() == []


def test_message_before_the_model_sends_it_is_accepted():
    sb, fails = scoreboard()
    wr(sb, Reg.IPSR, FIP, 4)
    dut_write(sb, 0x4_0060, 0x106)           # the DUT is quicker than the mirrored record
    m = sb.oracle.model
    m.record_observed(m.fq.fqt)
    rd(sb, Reg.IPSR, FIP, 4)
    assert fails == [] and sb.irq_msis_seen == 1


def test_masked_message_sent_early_fails_at_the_next_read():
    sb, fails = scoreboard()
    _a, _d, ctl = vec(6)
    wr(sb, ctl, 1, 4)
    fault_edge(sb)                            # held in the model
    dut_write(sb, 0x4_0060, 0x106)            # a DUT ignoring M
    rd(sb, ctl, 1, 4)
    assert len(fails) == 1 and fails[0].startswith(
        "INTERRUPT unexpected MSI write 0x40060<-0x106: the model sent no such message "
        "(vector 6: data 0x106 M=1 held;")
    wr(sb, ctl, 0, 4)                         # unmasked: the model sends it now
    dut_write(sb, 0x4_0060, 0x106)
    rd(sb, Reg.IPSR, FIP, 4)
    assert len(fails) == 1 and sb.pending_problems() == []


def test_wrong_data_and_missing_message():
    sb, fails = scoreboard()
    fault_edge(sb)
    dut_write(sb, 0x4_0060, 0x107)            # wrong data at the vector's address
    rd(sb, Reg.IPSR, FIP, 4)
    assert len(fails) == 1 and "0x40060<-0x107" in fails[0]
    assert sb.pending_problems() == [
        "INTERRUPT MSI missing: vector 6 message 0x40060<-0x106 (the model sent it; the DUT "
        "wrote nothing there)"]


def test_other_writes_are_not_messages():
    sb, fails = scoreboard()
    fault_edge(sb)
    dut_write(sb, 0x5_0000, 0x106)            # not a table address: an unexpected write
    assert len(fails) == 1 and fails[0].startswith("WRITE unexpected memory write 0x50000<-0x106")


# -- the performance monitor's interrupt (pmiv), vector 5 -> 0x4_0050, 0x105 ------------------
def scoreboard_hpm(cycles: int):
    """capabilities.HPM as well; iohpmcycles written `cycles`, counting (iocountinh.CY = 0)."""
    sb, fails = bare_scoreboard(CAPS_MSI | 1 << 30)
    a, d, _c = vec(5)
    wr(sb, a, 0x4_0050)
    wr(sb, d, 0x105, 4)
    wr(sb, Reg.ICVEC, 5 << 8)
    wr(sb, Reg.IOCOUNTINH, 0, 4)
    wr(sb, Reg.IOHPMCYCLES, cycles)
    return sb, fails


def test_pm_message_of_a_cycles_wrap_the_model_cannot_see_is_taken_as_that_wrap():
    # iohpmcycles counts clocks (the model has none): 100 below 2^63 and counting, a wrap is
    # believable, so the DUT's message on pmiv's vector is that wrap's (pmip 0 -> 1)
    sb, fails = scoreboard_hpm((1 << 63) - 100)
    dut_write(sb, 0x4_0050, 0x105)
    rd(sb, Reg.IPSR, 4, 4)
    assert fails == [] and sb.irq_msis_seen == 1 and sb.pending_problems() == []
    assert sb.oracle.model.ipsr & 4 and sb.oracle.model.hpm.cycles >> 63 == 1   # OF


def test_pm_message_with_no_believable_wrap_fails():
    sb, fails = scoreboard_hpm(1000)          # 2^63 - 1000 cycles away: no wrap, no message
    dut_write(sb, 0x4_0050, 0x105)
    rd(sb, Reg.IPSR, 0, 4)
    assert len(fails) == 1 and fails[0].startswith(
        "INTERRUPT unexpected MSI write 0x40050<-0x105: the model sent no such message")
