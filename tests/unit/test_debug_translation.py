"""The debug translation-request interface (capabilities.DBG = bit 31).

Spec: iommu_debug.adoc ("Debug support") and iommu_registers.adoc (tr_req_iova at 0x258,
tr_req_ctl at 0x260, tr_response at 0x268):
- tr_req_iova: vpn [63:12] (WARL), bits 11:0 reserved;
- tr_req_ctl: Go/Busy [0] RW1S, Priv [1], Exe [2], NW [3] (1: read requested; 0: read and
  write), PID [31:12], PV [32], DID [63:40];
- tr_response: fault [0], PBMT [8:7], S [9], PPN [53:10]; with S=1 the first 0 bit of PPN
  scanning up from bit 0, at X, gives a range of 2^(X+1) * 4 KiB (bits X-1..0 are 1);
- the translation runs as an Untranslated request; faults are reported in the fault queue;
- an optional register reads 0 and ignores writes when its capability bit is 0.
Expected values below are worked out by hand from those layouts.
"""
import pytest

from models import Reg
from models import debug_translation as dbg
from tables import (CAPS, FQ_BASE, LEAF_URW, LEAF_URWX, N, R, SV39, U, A, V, atp, enable_fq,
                    map_va, new, pte, record, setup_dc)

CAP_DBG = 1 << 31
DID = 1
ROOT, L1, L0 = 0x20000, 0x21000, 0x22000
VA = 0x20_2030_1567                   # VPN[2] 0x80, VPN[1] 0x101, VPN[0] 0x101


def debug_model():
    mem, iommu = new(CAPS | CAP_DBG)
    setup_dc(mem, iommu, DID, fsc=atp(SV39, ROOT))
    return mem, iommu


def go(iommu, iova, ctl):
    iommu.write_reg(Reg.TR_REQ_IOVA, iova)
    iommu.write_reg(Reg.TR_REQ_CTL, ctl | 1)
    return iommu.read_reg(Reg.TR_RESPONSE)


CTL_READ = DID << 40 | 1 << 3         # DID 1, NW=1 (read), no process_id
CTL_WRITE = DID << 40                 # NW=0: read and write


def test_4k_page():
    mem, iommu = debug_model()
    map_va(mem, VA, pte(0x8_0000_5000, LEAF_URW), [ROOT, L1, L0])
    # PPN 0x80005 in [53:10], S=0, PBMT 0, fault 0
    assert go(iommu, VA, CTL_READ) == 0x8_0000_5 << 10
    assert iommu.read_reg(Reg.TR_REQ_CTL) & 1 == 0        # Go/Busy cleared: response valid
    assert iommu.read_reg(Reg.TR_REQ_IOVA) == 0x20_2030_1000   # bits 11:0 reserved: read 0


def test_2m_superpage_encodes_its_size():
    mem, iommu = debug_model()
    map_va(mem, VA, pte(0x8_0040_0000, LEAF_URW), [ROOT, L1])
    # 2 MiB = 2^(X+1) * 4 KiB -> X = 8: PPN bits 7:0 = 1, bit 8 = 0; base PPN 0x800400
    ppn = 0x800400 | 0xFF                     # 0x8004FF
    assert go(iommu, VA, CTL_READ) == ppn << 10 | 1 << 9
    r = dbg.decode(ppn << 10 | 1 << 9)
    assert r == dbg.Response(False, 0x8_0040_0000, 21, 0)


def test_1g_superpage():
    mem, iommu = debug_model()
    map_va(mem, VA, pte(0x8_4000_0000, LEAF_URW), [ROOT])
    # 1 GiB: X = 17: PPN bits 16:0 = 1, bit 17 = 0; PPN 0x84_0000 has bits 17:0 = 0
    assert go(iommu, VA, CTL_READ) == (0x84_0000 | 0x1_FFFF) << 10 | 1 << 9


def test_napot_64k():
    mem, iommu = debug_model()
    # NAPOT PTE: PPN 0x800018 (ppn[3:0] = 1000), N=1: 64 KiB at 0x8_0001_0000
    map_va(mem, VA, N | pte(0x8_0001_8000, LEAF_URW), [ROOT, L1, L0])
    # 64 KiB: X = 3: PPN bits 2:0 = 1, bit 3 = 0 -> 0x800010 | 0x7
    assert go(iommu, VA, CTL_READ) == 0x80_0017 << 10 | 1 << 9


def test_write_request_on_a_read_only_page_faults_and_is_reported():
    mem, iommu = debug_model()
    enable_fq(iommu)
    map_va(mem, VA, pte(0x8_0000_5000, V | R | U | A), [ROOT, L1, L0])
    assert go(iommu, VA, CTL_WRITE) == 1                  # fault=1, other fields 0
    dw0 = record(mem, 0, FQ_BASE)[0]
    assert dw0 & 0xFFF == 15                              # store/AMO page fault
    assert (dw0 >> 34) & 0x3F == 3                        # TTYP: untranslated write
    assert dw0 >> 40 == DID
    assert go(iommu, VA, CTL_READ) == 0x8_0000_5 << 10    # read only: fine


def test_execute_request_needs_x():
    mem, iommu = debug_model()
    enable_fq(iommu)
    map_va(mem, VA, pte(0x8_0000_5000, LEAF_URW), [ROOT, L1, L0])       # no X
    assert go(iommu, VA, CTL_READ | 1 << 2) == 1                          # Exe=1, NW=1
    assert record(mem, 0, FQ_BASE)[0] & 0xFFF == 12                       # instruction page fault
    map_va(mem, VA, pte(0x8_0000_5000, LEAF_URWX), [ROOT, L1, L0])
    assert go(iommu, VA, CTL_READ | 1 << 2) == 0x8_0000_5 << 10


def test_exe_with_nw0_is_unspecified():
    assert dbg.unspecified(1 << 2)
    assert not dbg.unspecified(1 << 2 | 1 << 3)
    assert not dbg.unspecified(0)


def test_pv_gives_the_process_id_and_priv():
    req = dbg.request(0x1234_5FFF, 7 << 40 | 1 << 32 | 0x2_ABCD << 12 | 1 << 1 | 1 << 3)
    assert (req.did, req.pid, req.priv_s, int(req.ttyp), req.iova) == (7, 0x2_ABCD, True, 2,
                                                                      0x1234_5000)
    req = dbg.request(0x1000, 7 << 40 | 0x2_ABCD << 12 | 1 << 1 | 1 << 3)    # PV=0
    assert (req.pid, req.priv_s) == (None, False)


def test_go_busy_is_rw1s_and_reserved_fields_read_0():
    mem, iommu = debug_model()
    map_va(mem, VA, pte(0x8_0000_5000, LEAF_URW), [ROOT, L1, L0])
    go(iommu, VA, CTL_READ)
    # reserved 11:4 and 35:33, custom 39:36: read 0; Go=0 written: no translation
    iommu.write_reg(Reg.TR_REQ_CTL, 0xFF << 32 | 0xFF0 | 1 << 3 | DID << 40)
    assert iommu.read_reg(Reg.TR_REQ_CTL) == 1 << 32 | 1 << 3 | DID << 40


def test_without_dbg_the_registers_are_absent():
    mem, iommu = new(CAPS)
    setup_dc(mem, iommu, DID, fsc=atp(SV39, ROOT))
    map_va(mem, VA, pte(0x8_0000_5000, LEAF_URW), [ROOT, L1, L0])
    assert go(iommu, VA, CTL_READ) == 0
    assert iommu.read_reg(Reg.TR_REQ_IOVA) == 0 and iommu.read_reg(Reg.TR_REQ_CTL) == 0


def test_rv32_halves_high_first_then_low_with_go():
    mem, iommu = debug_model()
    map_va(mem, VA, pte(0x8_0000_5000, LEAF_URW), [ROOT, L1, L0])
    iommu.write_reg(Reg.TR_REQ_IOVA + 4, VA >> 32, size=4)
    iommu.write_reg(Reg.TR_REQ_IOVA, VA & 0xFFFF_FFFF, size=4)
    iommu.write_reg(Reg.TR_REQ_CTL + 4, DID << 8, size=4)          # DID [63:40] = high [31:8]
    assert iommu.read_reg(Reg.TR_RESPONSE) == 0                     # nothing asked yet
    iommu.write_reg(Reg.TR_REQ_CTL, 1 << 3 | 1, size=4)
    assert iommu.read_reg(Reg.TR_RESPONSE) == 0x8_0000_5 << 10


# -- judging an IOMMU's tr_response -------------------------------------------------------------
@pytest.mark.parametrize("value, why", [
    (0x8_0000_5 << 10, ""),                                # 4 KiB: always allowed
    (0x8_0000_7 << 10 | 1 << 9, ""),                       # the whole 64 KiB range (X = 3)
    (0x8_0000_3 << 10 | 1 << 9, ""),                       # 32 KiB (X = 2) holding the page
    (0x8_0000_B << 10 | 1 << 9, "expected 0x800005000"),  # the 32 KiB range above it
    (0x8_0000_4 << 10, "expected 0x800005000"),           # wrong page
    (0x8_001F_F << 10 | 1 << 9, "at most 2^16"),           # 2 MiB: larger than the mapping
    (1, "fault=1"),
    (((1 << 44) - 1) << 10 | 1 << 9, "encodes no size"),
])
def test_consistent_within_a_64k_mapping(value, why):
    # the page of iova 0x...5567 maps to 0x8_0000_5000 inside a 64 KiB range at 0x8_0000_0000
    got = dbg.consistent(value, 0x4000_5567, 0x8_0000_5567, 16)
    assert (why in got) if why else got == "", got


def test_range_log2_two_stage_takes_the_smaller():
    from models.walk_reader import Item
    from models import Outcome
    ok = Outcome(0x1000, None)
    leaf1 = (Item("pte1", 0, 1, 1, ()), (pte(0x20_0000, LEAF_URW),))          # 2 MiB
    leaf2 = (Item("pte2", 0, 1, 0, ()), (pte(0x3000, LEAF_URWX),))            # 4 KiB
    assert dbg.range_log2([leaf1], ok) == 21
    assert dbg.range_log2([leaf1, leaf2], ok) == 12
    assert dbg.range_log2([], ok) is None                 # Bare: any size


def test_pbmt_of_the_translation_with_svpbmt():
    """Svpbmt (capabilities bit 15): a first-stage leaf with PBMT=NC (1, bits 62:61) reports
    PBMT 1 in tr_response [8:7]."""
    mem, iommu = new(CAPS | CAP_DBG | 1 << 15)
    setup_dc(mem, iommu, DID, fsc=atp(SV39, ROOT))
    map_va(mem, VA, 1 << 61 | pte(0x8_0000_5000, LEAF_URW), [ROOT, L1, L0])
    assert go(iommu, VA, CTL_READ) == 0x8_0000_5 << 10 | 1 << 7
