"""The scoreboard's judgment of ATS on the device port (tb/env/iommu_scoreboard.py:
`_ats_completion`, the Translated-request check, `ats_message`), without a simulator.

Memory map (oracle_tables.py): DC of did 5 at 0x100a0 (1LVL, tc = V | EN_ATS [1]), Sv39 root
0x20000 -> 0x21000 -> 0x22000; VA 0x4000_1000 -> leaf PTE 0x22008 -> 0x8765_4000. Expected
completions worked out by hand: a user read-write leaf with A=D=1 asked without a PASID gives
R=1, W=1 (NW=0), Exe=0, Priv=0, Global=0, the 4 KiB page 0x87654000.
"""
from models import TTYP, Request
from models.ats import SC, UR, AtsCompletion, InvalidationRequest
from oracle_tables import LEAF_RO, OLD_PA, VA, Sw, map4k, settle, sv39_dc
from scoreboards import CoherenceOracle
from sequences.ats_items import AtsObserved, ats_request
from sequences.items import TranslationResult
from offline_scoreboard import offline_scoreboard

CAPS_ATS = 0x0000_01F8_1006_0610 | 1 << 25
TC_EN_ATS = 1 << 1


def scoreboard(en_ats=True, flags=None):
    o = CoherenceOracle()
    o.set_capabilities(CAPS_ATS)
    sw = Sw(o)
    map4k(sw) if flags is None else map4k(sw, flags=flags)
    dc = sv39_dc(o, sw)
    if en_ats:
        sw.st(dc, 1 | TC_EN_ATS)            # tc: V, EN_ATS
    settle(sw)
    sb, fails = offline_scoreboard(o, "sb_ats")
    return sb, o, fails

RW_PAGE = AtsCompletion(SC, r=True, w=True, addr=OLD_PA, size_log2=12)


def answer(sb, req, completion, fault=False, cause=None):
    sb.translation(TranslationResult(req=req, tag=0, fault=fault, cause=cause, pa=0,
                                     ats=AtsObserved(req.no_write, req.exec_req, completion)))


def test_a_correct_completion_is_kept_in_the_device_atc():
    sb, o, fails = scoreboard()
    answer(sb, ats_request(5, VA), RW_PAGE)
    assert fails == []
    # the device may now write through it: a Translated write at the SPA, answered with it
    tr = Request(did=5, iova=OLD_PA + 0x10, ttyp=TTYP.TRANSLATED_WRITE)
    sb.translation(TranslationResult(req=tr, tag=1, fault=False, cause=None, pa=OLD_PA + 0x10))
    assert fails == []


def test_w_on_a_read_only_page_is_refused():
    sb, o, fails = scoreboard(flags=LEAF_RO)
    answer(sb, ats_request(5, VA), RW_PAGE)
    assert len(fails) == 1 and "W=1 (expected 0)" in fails[0], fails
    assert fails[0].startswith("ATS completion did=0x5 iova=0x40001000 NW=0 Exe=0")


def test_translated_request_without_a_completion_is_a_finding():
    sb, o, fails = scoreboard()
    tr = Request(did=5, iova=OLD_PA, ttyp=TTYP.TRANSLATED_READ)
    sb.translation(TranslationResult(req=tr, tag=1, fault=False, cause=None, pa=OLD_PA))
    assert len(fails) == 1 and "no ATS completion the device received grants it" in fails[0]


def test_en_ats_0_is_ur_260_and_owes_its_record():
    sb, o, fails = scoreboard(en_ats=False)
    answer(sb, ats_request(5, VA), RW_PAGE)
    assert len(fails) == 1 and "status SC (expected UR)" in fails[0], fails
    fails.clear()
    answer(sb, ats_request(5, VA), AtsCompletion(UR, cause=260), fault=True, cause=260)
    assert fails == []
    owed = sb.rec.waiting[-1]
    assert int(owed.req.ttyp) == 8 and owed.causes == frozenset({260})


def test_messages_are_matched_in_order_and_owed():
    sb, o, fails = scoreboard()
    sb.ats_message(None)                                 # the DUT has the port
    sent = o.model.device_messages
    a = InvalidationRequest(5, None, VA)                 # payload: the page's address, S=0, G=0
    b = InvalidationRequest(5, 3, VA)
    sent.extend([a, b])
    sb.ats_message(a)
    assert fails == []
    sb.ats_message(InvalidationRequest(5, 4, VA))        # PASID 4 where the model sent 3
    assert len(fails) == 1 and "expected InvalidationRequest(did=5, pid=3" in fails[0], fails
    sent.append(a)
    assert sb.pending_problems() == [f"ATS message missing: {a} (the model sent it for an ATS "
                                     f"command; the DUT never did)"]
