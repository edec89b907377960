"""The scoreboard's judgement of the performance monitor (capabilities.HPM = bit 30;
tb/env/iommu_scoreboard.py and scoreboards/hpm_checker.py), without a simulator: translation
results and register operations as the monitors report them, judged against the model.

Memory map (oracle_tables.py): DC of did 5 at 0x100a0 (1LVL, Sv39, PSCID 7), root 0x20000 ->
0x21000 -> 0x22000; VA 0x4000_1000 -> 0x8765_4000. Each request of did 5 reads the DC (a DDT
walk, an IOATC miss) and three first-stage PTEs (one first-stage walk), no PDT, no G-stage.
Register layouts (spec): iocountovf 0x58 (bit 0 CY, bit X counter X), iocountinh 0x5C,
iohpmcycles 0x60 (OF bit 63), iohpmctrX 0x60 + 8X, iohpmevtX 0x158 + 8X: eventID [14:0],
DMASK [15], PID_PSCID [35:16], DID_GSCID [59:36], PV_PSCV [60], DV_GSCV [61], IDT [62], OF [63].
The DUT modelled here has 4 counters of 40 bits. Expected values are worked out by hand.
"""
from models import Reg, TTYP
from oracle_tables import OLD_PA, VA, Sw, map4k, req, settle, sv39_dc
from scoreboards import CoherenceOracle
from sequences.items import RegOp, TranslationResult
from tb.env.iommu_scoreboard import IommuScoreboard

CAPS_HPM = 0x0000_01F8_1006_0610 | 1 << 30
MASK40 = (1 << 40) - 1
OF = 1 << 63
DV, PV, IDT = 1 << 61, 1 << 60, 1 << 62


def scoreboard(policy="riscv-1.0-strict", shape=True):
    o = CoherenceOracle(policy=policy)
    o.set_capabilities(CAPS_HPM)
    sw = Sw(o)
    map4k(sw)
    sv39_dc(o, sw)
    settle(sw)
    scoreboard.n += 1                  # (pyuvm: one name per component under the root)
    sb = IommuScoreboard(f"sb_hpm{scoreboard.n}", None)
    sb.build_phase()
    sb.oracle = o
    fails: list = []
    sb.fail_sink = fails.append
    if shape:
        sb.hpm.shape(4, 40)
    return sb, fails


scoreboard.n = 0


def wr(sb, offset, value, size=8):
    sb.reg_op(RegOp(int(offset), value, size, True))


def rd(sb, offset, got, size=8):
    sb.reg_op(RegOp(int(offset), 0, size, False, got))


def ctr(x):
    return Reg.IOHPMCTR1 + 8 * (x - 1)


def evt(x):
    return Reg.IOHPMEVT1 + 8 * (x - 1)


def answer(sb, n, did=5, ttyp=TTYP.UNTRANSLATED_READ):
    """n requests answered: did 5 translates VA to OLD_PA; a translated request faults 260."""
    for i in range(n):
        r = req(did=did, ttyp=ttyp)
        if ttyp == TTYP.TRANSLATED_READ:
            sb.translation(TranslationResult(r, i, True, 260, 0, seq_no=i))
        else:
            sb.translation(TranslationResult(r, i, False, None, OLD_PA, seq_no=i))


def test_untranslated_requests_exact_with_device_filter():
    sb, fails = scoreboard()
    wr(sb, evt(1), 1 | DV | 5 << 36)           # event 1, device 5
    wr(sb, evt(2), 1 | DV | 6 << 36)           # event 1, device 6
    wr(sb, evt(3), 1 | DV | 0b111 << 36 | 1 << 15)   # DMASK: bits 3..0 ignored, devices 0..15
    answer(sb, 3)
    rd(sb, ctr(1), 3)
    rd(sb, ctr(2), 0)
    rd(sb, ctr(3), 3)
    assert fails == []
    rd(sb, ctr(1), 4)
    rd(sb, ctr(2), 1)
    assert fails == [f"HPM iohpmctr1 expected 0x3 (evt {1 | DV | 5 << 36:#x}) got 0x4",
                     f"HPM iohpmctr2 expected 0x0 (evt {1 | DV | 6 << 36:#x}) got 0x1"]


def test_translated_requests_count_event_2_only():
    sb, fails = scoreboard()
    wr(sb, evt(1), 1)
    wr(sb, evt(2), 2)
    answer(sb, 2, ttyp=TTYP.TRANSLATED_READ)   # each faults (no ATS): still a translated request
    rd(sb, ctr(1), 0)
    rd(sb, ctr(2), 2)
    assert fails == []


def test_walk_events_between_zero_and_the_models_count():
    sb, fails = scoreboard()
    wr(sb, evt(1), 7)                          # first-stage walks: 1 per request in the model
    wr(sb, evt(2), 5)                          # DDT walks: 1 per request
    answer(sb, 2)
    rd(sb, ctr(1), 0)                          # all cached: fine
    rd(sb, ctr(2), 2)                          # nothing cached: fine
    assert fails == []
    rd(sb, ctr(1), 3)
    assert fails == ["HPM iohpmctr1 expected 0x0..0x2 (0x0 from events 1/2 and software, plus "
                     "at most 2 walk/miss events: the model's count without caches) got 0x3"]
    fails.clear()
    rd(sb, ctr(1), 1)                          # a read narrows: 1 of the 2 counted ...
    answer(sb, 1)                              # ... one more request: at most 1 + 1 + 1 now
    rd(sb, ctr(1), 3)
    assert fails == []
    rd(sb, ctr(1), 4)
    assert fails == [f"HPM iohpmctr1 expected 0x3 (evt 0x7) got 0x4"]


def test_walk_events_exact_without_caches():
    sb, fails = scoreboard(policy="no-cache")
    wr(sb, evt(1), 7)
    wr(sb, evt(2), 4)                          # TLB misses: 1 per request
    answer(sb, 2)
    rd(sb, ctr(1), 2)
    rd(sb, ctr(2), 1)
    assert fails == ["HPM iohpmctr2 expected 0x2 (evt 0x4) got 0x1"]


def test_idt1_pscid_filter_and_an_idt_the_event_does_not_support():
    sb, fails = scoreboard()
    wr(sb, evt(1), 7 | IDT | PV | 7 << 16)     # first-stage walks of PSCID 7: the DC's
    wr(sb, evt(2), 7 | IDT | PV | 8 << 16)     # PSCID 8: never
    wr(sb, evt(3), 1 | IDT)                    # event 1 does not support IDT=1: never counts
    wr(sb, evt(4), 7 | IDT | DV | 3 << 36)     # GSCID 3: the G-stage is Bare, no GSCID: never
    answer(sb, 2)
    rd(sb, ctr(1), 2)
    rd(sb, ctr(2), 0)
    rd(sb, ctr(3), 0)
    rd(sb, ctr(4), 0)
    assert fails == []
    rd(sb, ctr(2), 1)
    rd(sb, ctr(3), 1)
    rd(sb, ctr(4), 1)
    assert fails == [f"HPM iohpmctr2 expected 0x0 (evt {7 | IDT | PV | 8 << 16:#x}) got 0x1",
                     f"HPM iohpmctr3 expected 0x0 (evt {1 | IDT:#x}) got 0x1",
                     f"HPM iohpmctr4 expected 0x0 (evt {7 | IDT | DV | 3 << 36:#x}) got 0x1"]


def test_inhibited_counter_does_not_count():
    sb, fails = scoreboard()
    wr(sb, evt(1), 1)
    wr(sb, evt(2), 1)
    wr(sb, ctr(1), 10)
    wr(sb, Reg.IOCOUNTINH, 1 << 1, size=4)     # counter 1 inhibited
    answer(sb, 2)
    rd(sb, Reg.IOCOUNTINH, 0x2, size=4)
    rd(sb, ctr(1), 10)
    rd(sb, ctr(2), 2)
    assert fails == []
    rd(sb, ctr(1), 12)
    rd(sb, Reg.IOCOUNTINH, 0xFFFF_FFFF, size=4)
    assert fails == ["HPM iohpmctr1 expected 0xa (evt 0x1) got 0xc",
                     "HPM iocountinh expected 0x2 got 0xffffffff"]


def test_overflow_sets_of_iocountovf_and_pmip():
    sb, fails = scoreboard()
    wr(sb, evt(1), 1)
    wr(sb, ctr(1), MASK40 - 1)                 # 2 below the wrap of a 40-bit counter
    answer(sb, 3)                              # ... wraps to 1
    assert sb.oracle.model.ipsr & 4            # pmip, as the DUT's must be
    rd(sb, ctr(1), 1)
    rd(sb, evt(1), OF | 1)
    rd(sb, Reg.IOCOUNTOVF, 0x2, size=4)
    assert fails == []
    rd(sb, evt(1), 1)
    rd(sb, Reg.IOCOUNTOVF, 0x0, size=4)
    rd(sb, ctr(1), MASK40 + 2)                 # wider than the counter
    assert fails == [
        "HPM iohpmevt1 expected 0x8000000000000001 got 0x1 (OF: counter overflowed: OF must "
        "be set; iohpmctr1 0x1)",
        "HPM iocountovf expected 0x2 got 0x0 (differs in HPM1)",
        "HPM iohpmctr1 expected a 40-bit value (at most 0xffffffffff) got 0x10000000001"]


def test_of_without_an_overflow_fails():
    sb, fails = scoreboard()
    wr(sb, evt(1), 1)
    answer(sb, 1)
    rd(sb, evt(1), OF | 1)
    assert fails == ["HPM iohpmevt1 expected 0x1 got 0x8000000000000001 (OF: no overflow "
                     "possible: OF must stay 0; iohpmctr1 0x1)"]


def test_a_walk_counter_may_wrap_on_events_the_model_bounded():
    sb, fails = scoreboard()
    wr(sb, evt(1), 5)                          # DDT walks
    wr(sb, ctr(1), MASK40)                     # one below the wrap
    answer(sb, 2)                              # the model: up to 2 walks, so 0 .. 1 after a wrap
    rd(sb, evt(1), OF | 5)                     # the DUT wrapped: permitted, the model follows
    rd(sb, ctr(1), 1)
    assert fails == []
    assert sb.oracle.model.ipsr & 4


def test_cycles_frozen_monotonic_and_wrapping():
    sb, fails = scoreboard()
    wr(sb, Reg.IOCOUNTINH, 1, size=4)          # CY: inhibited
    wr(sb, Reg.IOHPMCYCLES, 1000)
    rd(sb, Reg.IOHPMCYCLES, 1000)
    rd(sb, Reg.IOHPMCYCLES, 1001)
    assert fails == ["HPM iohpmcycles expected 0x3e8 (inhibited by iocountinh.CY since that "
                     "value) got 0x3e9"]
    fails.clear()
    wr(sb, Reg.IOCOUNTINH, 0, size=4)          # counting
    rd(sb, Reg.IOHPMCYCLES, 1500)
    rd(sb, Reg.IOHPMCYCLES, 1400)              # backwards
    assert fails == ["HPM iohpmcycles expected a value after 0x5dc (counting since) got 0x578"]
    fails.clear()
    rd(sb, Reg.IOHPMCYCLES, 1500)              # not moved while counting
    assert len(fails) == 1
    fails.clear()
    wr(sb, Reg.IOCOUNTINH, 1, size=4)
    wr(sb, Reg.IOHPMCYCLES, (1 << 63) - 10)
    wr(sb, Reg.IOCOUNTINH, 0, size=4)
    assert not sb.oracle.model.ipsr & 4
    rd(sb, Reg.IOHPMCYCLES, 5)                 # wrapped without OF
    assert fails == ["HPM iohpmcycles expected OF=1 (from 0x7ffffffffffffff6: wrapped) got 0x5"]
    fails.clear()
    wr(sb, Reg.IOCOUNTINH, 1, size=4)
    wr(sb, Reg.IOHPMCYCLES, (1 << 63) - 10)
    wr(sb, Reg.IOCOUNTINH, 0, size=4)
    rd(sb, Reg.IOHPMCYCLES, OF | 5)            # wrapped with OF: pmip
    rd(sb, Reg.IOCOUNTOVF, 1, size=4)
    assert fails == []
    assert sb.oracle.model.ipsr & 4


def test_inhibit_after_counting_freezes_at_the_next_value_read():
    sb, fails = scoreboard()
    rd(sb, Reg.IOHPMCYCLES, 300)               # counting since reset
    wr(sb, Reg.IOCOUNTINH, 1, size=4)
    rd(sb, Reg.IOHPMCYCLES, 320)               # stopped somewhere after 300
    rd(sb, Reg.IOHPMCYCLES, 320)
    rd(sb, Reg.IOHPMCYCLES, 330)
    assert fails == ["HPM iohpmcycles expected 0x140 (inhibited by iocountinh.CY since that "
                     "value) got 0x14a"]


def test_not_judged_before_the_shape_is_known():
    sb, fails = scoreboard(shape=False)
    wr(sb, Reg.IOCOUNTINH, 0xFFFF_FFFF, size=4)
    rd(sb, Reg.IOCOUNTINH, 0x1F, size=4)       # 4 counters: the model's 7 would say 0xff
    rd(sb, ctr(1), MASK40)
    assert fails == [] and sb.hpm.unjudged == 2
    sb.hpm.shape(4, 40)
    wr(sb, Reg.IOCOUNTINH, 0xFFFF_FFFF, size=4)
    rd(sb, Reg.IOCOUNTINH, 0x1F, size=4)
    rd(sb, ctr(5), 0)                          # not implemented: 0
    rd(sb, evt(5), 1)
    assert fails == ["HPM iohpmevt5 expected 0 (not implemented: 4 counters) got 0x1"]


def test_ats_translation_requests_event_3_with_ats_only():
    # Event 3 counts ATS translation requests (ttyp 8), each one the DUT answered, whatever
    # the answer (the model's ats_translate counts every call), and only with capabilities.ATS
    # (bit 25): without it no request is one. Counter 1: event 3; counter 2: event 3 of did 6.
    for caps, want in ((CAPS_HPM | 1 << 25, (2, 0)), (CAPS_HPM, (0, 0))):
        sb, fails = scoreboard()
        sb.oracle.set_capabilities(caps)
        sb.hpm.shape(4, 40)
        wr(sb, evt(1), 3)
        wr(sb, evt(2), 3 | DV | 6 << 36)
        for _ in range(2):
            sb.hpm.request(req(did=5, ttyp=TTYP.PCIE_ATS))
        sb.hpm.request(req(did=5))                     # an untranslated read: not event 3
        rd(sb, ctr(1), want[0])
        rd(sb, ctr(2), want[1])
        assert fails == [], (hex(caps), fails)
        rd(sb, ctr(1), want[0] + 1)
        assert fails == [f"HPM iohpmctr1 expected {want[0]:#x} (evt 0x3) got {want[0] + 1:#x}"]


def test_pm_message_of_a_walk_counter_the_model_only_bounds():
    # Interrupts as MSIs (IGS = MSI: capabilities [29:28] = 0), pmiv = vector 5 -> 0x4_0050,
    # data 0x105. Counter 1 on event 5 (DDT walks: the model bounds them), preset 2^40 - 2:
    # three answered requests of did 5 each may have walked the DDT, so the DUT may have
    # wrapped it; its message on pmiv's vector is taken as that overflow (pmip 0 -> 1). With
    # the preset far from the wrap, the same message is a failure.
    for preset, ok in ((MASK40 - 1, True), (100, False)):
        sb, fails = scoreboard()
        sb.oracle.set_capabilities(CAPS_HPM & ~(3 << 28))
        sb.hpm.shape(4, 40)
        wr(sb, Reg.MSI_CFG_TBL + 16 * 5, 0x4_0050)
        wr(sb, Reg.MSI_CFG_TBL + 16 * 5 + 8, 0x105, 4)
        wr(sb, Reg.ICVEC, 5 << 8)
        wr(sb, evt(1), 5)
        wr(sb, ctr(1), preset)
        wr(sb, Reg.IOCOUNTINH, 0, 4)
        answer(sb, 3)
        sb.mem_access(("W", 0x4_0050, (0x105).to_bytes(4, "little"), True))
        rd(sb, Reg.IPSR, 4 if ok else 0, 4)
        if ok:
            assert fails == [] and sb.oracle.model.ipsr & 4 and sb.irq_msis_seen == 1
        else:
            assert len(fails) == 1 and fails[0].startswith(
                "INTERRUPT unexpected MSI write 0x40050<-0x105: the model sent no such message")
