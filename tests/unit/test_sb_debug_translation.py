"""The scoreboard's judgment of the debug translation-request interface (capabilities.DBG;
tb/env/iommu_scoreboard.py, `_debug_op`), without a simulator: register operations as the
register monitor reports them, judged against the oracle.

Memory map (oracle_tables.py): DC of did 5 at 0x100a0 (1LVL), Sv39 root 0x20000 -> 0x21000
-> 0x22000; VA 0x4000_1000 -> leaf PTE 0x22008 -> 0x8765_4000 (read-write).
tr_req_ctl: Go [0], NW [3] (1: read), DID [63:40]; tr_response: fault [0], PBMT [8:7], S [9],
PPN [53:10]. Expected outcomes are worked out by hand from those layouts.
"""
import pytest

from models import Reg
from oracle_tables import (LEAF_RO, NEW_PA, OLD_PA, VA, Sw, map4k, pte, settle, sv39_dc)
from scoreboards import CoherenceOracle
from sequences.items import RegOp
from offline_scoreboard import offline_scoreboard

CAPS_DBG = 0x0000_01F8_1006_0610 | 1 << 31
READ = 5 << 40 | 1 << 3 | 1                   # DID 5, NW=1, Go
WRITE = 5 << 40 | 1                           # DID 5, NW=0 (read and write), Go


def scoreboard(flags=None):
    o = CoherenceOracle()
    o.set_capabilities(CAPS_DBG)
    sw = Sw(o)
    leaf = map4k(sw) if flags is None else map4k(sw, flags=flags)
    sv39_dc(o, sw)
    settle(sw)
    sb, fails = offline_scoreboard(o, "sb_dbg")
    return sb, sw, leaf, fails



def ask(sb, ctl, response, iova=VA):
    sb.reg_op(RegOp(Reg.TR_REQ_IOVA, iova))
    sb.reg_op(RegOp(Reg.TR_REQ_CTL, ctl))
    sb.reg_op(RegOp(Reg.TR_REQ_CTL, write=False, result=ctl & ~1))      # Go/Busy back to 0
    sb.reg_op(RegOp(Reg.TR_RESPONSE, write=False, result=response))


@pytest.mark.parametrize("response, bad", [
    (OLD_PA >> 12 << 10, None),                                    # the page, 4 KiB
    ((OLD_PA >> 12) + 1 << 10, "expected 0x87654000"),           # the next page
    (1, "fault=1, expected a translation"),
    (OLD_PA >> 12 << 10 | 1 << 7, "PBMT NC, expected PMA"),
    ((OLD_PA >> 12 & ~0x1FF | 0xFF) << 10 | 1 << 9, "at most 2^12"),   # 2 MiB: too large
])
def test_read_of_a_4k_page(response, bad):
    sb, sw, leaf, fails = scoreboard()
    ask(sb, READ, response)
    if bad is None:
        assert fails == []
    else:
        assert len(fails) == 1 and bad in fails[0], fails
        assert fails[0].startswith("DEBUG tr_response did=0x5 iova=0x40001000 ttyp=2 read")


def test_write_request_of_a_read_only_page_must_fault_and_owes_its_record():
    sb, sw, leaf, fails = scoreboard(flags=LEAF_RO)
    ask(sb, WRITE, OLD_PA >> 12 << 10)
    assert len(fails) == 1 and "only faults are permitted (fault:15)" in fails[0], fails
    fails.clear()
    ask(sb, WRITE, 1)
    assert fails == []
    assert len(sb.rec.waiting) == 1 and sb.rec.waiting[0].req.ttyp == 3   # its record is owed


def test_a_remap_without_invalidation_permits_both_pages():
    sb, sw, leaf, fails = scoreboard()
    ask(sb, READ, OLD_PA >> 12 << 10)                 # the walk may fill the IOTLB
    sw.st(leaf, pte(NEW_PA, 0xD7))
    ask(sb, READ, OLD_PA >> 12 << 10)
    ask(sb, READ, NEW_PA >> 12 << 10)
    assert fails == []


def test_the_oracles_model_takes_the_go_write_without_translating():
    sb, sw, leaf, fails = scoreboard(flags=LEAF_RO)
    sb.reg_op(RegOp(Reg.FQB, (0x70000 >> 12) << 10 | 3))          # a 16-entry fault queue, on
    sb.reg_op(RegOp(Reg.FQCSR, 1, size=4))
    ask(sb, WRITE, 1)
    model = sb.oracle.model
    assert model.read_reg(Reg.TR_REQ_CTL) & 1 == 0
    assert model.fq.fqt == 0                          # no record in the model's own queue


def test_an_mrif_mode_msi_pte_answers_the_debug_interface_with_fault_260():
    # iommu_debug.adoc: a debug translation that reaches an MSI PTE in MRIF mode faults with
    # 260 (transaction type disallowed), though a device's MSI write there is translated to the
    # MRIF. Layout as tests/unit/test_mrif_writes.py: extended DC of did 5 (MSI_FLAT), msiptp
    # Flat at 0x70000, mask 0b11, pattern 0x28000; IOVA 0x2800_2000 -> index 2 -> PTE at 0x70020.
    from models import msi_mrif
    from oracle_tables import DDT, LVL1, SV39X4, TC_V, atp, dc_order, ddtp
    o = CoherenceOracle(capabilities=CAPS_DBG | 1 << 22 | 1 << 23)   # + MSI_FLAT, MSI_MRIF
    sw = Sw(o)
    o.write_reg(Reg.DDTP, ddtp(LVL1))
    w0, w1 = msi_mrif.encode_pte(0x9000_0400, 0x2F00_0000, 0x4A5)
    sw.st(0x70028, w1)
    sw.st(0x70020, w0)
    for i, w in dc_order((TC_V, atp(SV39X4, 0x40000, 3), 0, 0, atp(1, 0x70000), 0x3, 0x28000, 0)):
        sw.st(DDT + 5 * 64 + 8 * i, w)
    settle(sw)
    sb, fails = offline_scoreboard(o, "sb_dbg")
    ask(sb, WRITE, 0x1234 << 10, iova=0x2800_2000)          # a translation: wrong
    assert len(fails) == 1 and "only faults are permitted (fault:260)" in fails[0], fails
    fails.clear()
    ask(sb, WRITE, 1, iova=0x2800_2000)                       # fault: right, its record owed
    assert fails == []
    owed = sb.rec.waiting[-1]
    assert {int(f.cause) for f in owed.permitted} == {260}
