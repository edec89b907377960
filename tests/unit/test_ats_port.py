"""The ATS completion on the device port: decoding its outputs (sequences/ats_items.py) and
what the scoreboard accepts next to the model's completion (scoreboards/ats_port.py). Values
worked out by hand from PCIe's Translated Address encoding and models/ats.py's rules."""
from models.ats import CA, SC, UR, AtsCompletion, AtsRequest
from scoreboards.ats_port import differences
from scoreboards.ats_cache import DeviceAtc
from sequences.ats_items import (A_G, A_PRIV, A_R, A_S, A_U, A_W, A_X, CPL_CA, CPL_SC, CPL_UR,
                                 ats_request, decode_completion)


def test_decode_success_with_range():
    # S=1, field bits 12..14 set, bit 15 clear: x = 3, the range is 2^(13+3) = 64 KiB at
    # 0x80000000 (the set bits are not part of the base)
    c = decode_completion(CPL_SC, A_R | A_W | A_S, 0x8000_7000, False, None)
    assert (c.status, c.r, c.w, c.x, c.addr, c.size_log2) == (SC, True, True, False, 0x8000_0000, 16)
    # S=0: 4 KiB, the field is the base
    c = decode_completion(CPL_SC, A_R | A_X | A_PRIV | A_G, 0x1234_5000, False, None)
    assert (c.addr, c.size_log2, c.x, c.priv, c.g, c.w) == (0x1234_5000, 12, True, True, True, False)


def test_decode_no_access_ur_ca_and_bad_status():
    c = decode_completion(CPL_SC, 0, 0xdead_b000, False, None)
    assert c.status == SC and c.addr is None and not c.ok
    assert decode_completion(CPL_UR, 0, 0, True, 260) == AtsCompletion(UR, cause=260)
    assert decode_completion(CPL_CA, 0, 0, True, 5) == AtsCompletion(CA, cause=5)
    assert decode_completion(2, 0, 0, False, None).status.startswith("status 2")


def test_request_carries_nw_and_exe():
    r = ats_request(0x51, 0x6800_0000, pid=3, priv_s=True, exec_req=True, no_write=True)
    assert int(r.ttyp) == 8
    assert r.ats_request() == AtsRequest(0x51, 0x6800_0000, pid=3, priv_s=True, exec_req=True,
                                         no_write=True)


AREQ = AtsRequest(1, 0x4023_4000)
PAGE_2M = AtsCompletion(SC, r=True, w=True, addr=0x9020_0000, size_log2=21)


def test_exact_and_smaller_range_accepted():
    assert differences(AREQ, PAGE_2M, PAGE_2M) is None
    # a 4 KiB range inside the 2 MiB page: IOVA 0x40234000 is 0x34000 into its 2 MiB page,
    # so its 4 KiB translation is 0x90200000 + 0x34000
    small = AtsCompletion(SC, r=True, w=True, addr=0x9023_4000, size_log2=12)
    assert differences(AREQ, small, PAGE_2M) is None
    wrong = AtsCompletion(SC, r=True, w=True, addr=0x9020_0000, size_log2=12)
    assert differences(AREQ, wrong, PAGE_2M) == ("address 0x90200000 (expected 0x90234000 for "
                                                 "a 2^12 range)")


def test_wider_range_status_cause_and_flags_refused():
    wide = AtsCompletion(SC, r=True, w=True, addr=0x9000_0000, size_log2=22)
    assert differences(AREQ, wide, PAGE_2M) == "range 2^22 (expected 2^12..2^21)"
    assert differences(AREQ, AtsCompletion(UR, cause=260), PAGE_2M) == "status UR (expected SC)"
    assert (differences(AREQ, AtsCompletion(UR, cause=259), AtsCompletion(UR, cause=260))
            == "cause 259 (expected 260)")
    w_only = AtsCompletion(SC, r=True, w=True, g=True, addr=0x9020_0000, size_log2=21)
    ro = AtsCompletion(SC, r=True, addr=0x9020_0000, size_log2=21)
    assert differences(AREQ, w_only, ro) == "G=1 (expected 0); W=1 (expected 0)"


def test_w_with_no_write():
    nw = AtsRequest(1, 0x4023_4000, no_write=True)
    ro = AtsCompletion(SC, r=True, addr=0x9020_0000, size_log2=21)
    # NW=1: W=1 is accepted only when the tables give W (PCIe lets the agent ignore NW)
    assert differences(nw, PAGE_2M, ro, lambda: True) is None
    assert differences(nw, PAGE_2M, ro, lambda: False) == "W=1 (expected 0)"
    assert differences(AREQ, PAGE_2M, ro, lambda: True) == "W=1 (expected 0)"


# ---- an MRIF-mode MSI page: Success with R, W and U = 1 and no translated address (the spec's
# MRIF step; models/ats.py), which the port encodes as the address field 0 with S=0
MRIF_AREQ = AtsRequest(0x59, 0x2900_0000, no_write=True)
MRIF_EXP = AtsCompletion(SC, r=True, w=True, u=True)          # addr None: no address


def test_decode_u_without_address():
    c = decode_completion(CPL_SC, A_R | A_W | A_U, 0, False, None)
    assert (c.r, c.w, c.u, c.x, c.addr, c.size_log2) == (True, True, True, False, None, 12)
    assert str(c) == "SC(RWU no address)"
    # an address field that is not 0, or S=1, is a translated range (judged below)
    c = decode_completion(CPL_SC, A_R | A_W | A_U, 0x3E00_0000, False, None)
    assert (c.u, c.addr, c.size_log2) == (True, 0x3E00_0000, 12)
    c = decode_completion(CPL_SC, A_R | A_W | A_U | A_S, 0, False, None)
    assert (c.addr, c.size_log2) == (0, 13)
    # U=0 with the field 0 is the 4 KiB page at address 0, as before
    assert decode_completion(CPL_SC, A_R | A_W, 0, False, None).addr == 0


def test_mrif_page_judgement():
    assert differences(MRIF_AREQ, MRIF_EXP, MRIF_EXP) is None
    # an address with U=1 (the MRIF's, 0x3E000000), U=0 (decoded with the field 0 as the page
    # at 0), W=0 although the spec sets W whatever No Write asked
    with_addr = AtsCompletion(SC, r=True, w=True, u=True, addr=0x3E00_0000)
    assert differences(MRIF_AREQ, with_addr, MRIF_EXP) == (
        "translated address 0x3e000000/2^12 (an MRIF-mode MSI page gets none: U=1, address "
        "field 0, S=0)")
    no_u = AtsCompletion(SC, r=True, w=True, addr=0)
    assert differences(MRIF_AREQ, no_u, MRIF_EXP) == (
        "U=0 (expected 1); translated address 0x0/2^12 (an MRIF-mode MSI page gets none: U=1, "
        "address field 0, S=0)")
    no_w = AtsCompletion(SC, r=True, u=True)
    assert differences(MRIF_AREQ, no_w, MRIF_EXP) == "W=0 (expected 1)"
    # an ordinary page's completion keeps its address judgement: U=1 where the model says 0
    assert differences(AREQ, AtsCompletion(SC, r=True, w=True, u=True, addr=0x9020_0000,
                                           size_log2=21), PAGE_2M) == "U=1 (expected 0)"


def test_device_atc_keeps_nothing_of_a_u_completion():
    atc = DeviceAtc()
    atc.record_completion(0x59, None, 0x2900_0000, MRIF_EXP)
    # even a U=1 completion that came with an address gives the device nothing to use
    atc.record_completion(0x59, None, 0x2900_0000,
                          AtsCompletion(SC, r=True, w=True, u=True, addr=0x3E00_0000))
    assert atc.permitted(0x59, None, 0x2900_0000) == frozenset()
    assert atc.check_translated(0x59, 0x3E00_0000, "write") is not None
