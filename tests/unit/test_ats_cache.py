"""scoreboards/ats_cache.py: what a device's ATC may still hold.

Spec (riscv-iommu, src/iommu_in_memory_queues.adoc "IOMMU PCIe ATS commands"): ATS.INVAL
completes when the device's Invalidation Completion arrives (or a timeout); software learns it
from a later IOFENCE.C ("The IOFENCE.C is guaranteed to not complete before all previously
fetched commands were executed and completed"). IOTINVAL.VMA/GVMA invalidate IOATC entries only
("IOMMU Page-Table cache invalidation commands"). PCIe ATS: an Invalidation Request without a
PASID covers every PASID; with a PASID that PASID, and with Global Invalidate also global
entries. Each expectation below follows from those rules by hand.
"""

import pytest

from models import IommuModel, Memory, Reg
from models.ats import AtsCompletion, inval_payload
from models.command_queue import Command, encode
from scoreboards.ats_cache import DeviceAtc, Permit
from tables import CAPS, cmd_iofence, cmd_iotinval, enable_cq, put_cmd

DID = 0x310


def sc(addr, size_log2=12, r=True, w=True, x=False, g=False):
    return AtsCompletion("SC", r=r, w=w, x=x, g=g, addr=addr, size_log2=size_log2)


def test_completion_is_usable_until_an_inval_completes():
    # IOVA 0x4000_1000 -> SPA 0x8_0000_5000 (4 KiB, RW). A translated write to 0x8_0000_5010
    # is permitted; after ATS.INVAL of the page is fetched it still is (not yet complete); once
    # a later IOFENCE.C completes it is not, and the finding names the invalidation.
    atc = DeviceAtc()
    atc.record_completion(DID, None, 0x4000_1234, sc(0x8_0000_5000))
    assert atc.permitted(DID, None, 0x4000_1ABC) == {Permit(0x8_0000_5ABC, True, True, False)}
    assert atc.check_translated(DID, 0x8_0000_5010, "write") is None
    t = atc.on_ats_inval(DID, None, 0x4000_1000)
    f = atc.on_fence()
    assert atc.check_translated(DID, 0x8_0000_5010, "write") is None       # pending
    atc.fence_completed(f)
    finding = atc.check_translated(DID, 0x8_0000_5010, "write")
    assert finding is not None and f"ATS.INVAL #{t} removed" in finding
    assert atc.permitted(DID, None, 0x4000_1ABC) == frozenset()


def test_permissions_are_the_completion_s():
    # R-only completion: a read is permitted, a write is not (no completion grants it), and an
    # execute is not (X = 0)
    atc = DeviceAtc()
    atc.record_completion(DID, None, 0x1000, sc(0x9000, w=False))
    assert atc.check_translated(DID, 0x9000, "read") is None
    assert "no ATS completion" in atc.check_translated(DID, 0x9000, "write")
    assert "no ATS completion" in atc.check_translated(DID, 0x9000, "exec")


def test_no_access_completion_is_not_recorded():
    atc = DeviceAtc()
    atc.record_completion(DID, None, 0x1000, AtsCompletion("SC", cause=13))
    atc.record_completion(DID, None, 0x1000, AtsCompletion("UR", cause=260))
    assert atc.permitted(DID, None, 0x1000) == frozenset()


def test_iotinval_does_not_touch_the_device_atc():
    # IOTINVAL.VMA (and a fence after it) leave the entry usable: only ATS.INVAL removes it
    atc = DeviceAtc()
    atc.record_completion(DID, None, 0x1000, sc(0x9000))
    assert atc.on_command(Command("IOTINVAL.VMA")) is None
    atc.fence_completed(atc.on_command(Command("IOFENCE.C")))
    assert atc.check_translated(DID, 0x9123, "read") is None


def test_range_of_the_invalidation():
    # a 2 MiB completion at IOVA 0x4000_0000 -> 0x8_0020_0000; an 8 KiB ATS.INVAL at
    # 0x4010_0000 overlaps it (0x4010_0000 is inside [0x4000_0000, 0x4020_0000)): removed.
    # A 4 KiB entry at 0x4020_0000 (outside) stays.
    atc = DeviceAtc()
    atc.record_completion(DID, None, 0x4000_0000, sc(0x8_0020_0000, 21))
    atc.record_completion(DID, None, 0x4020_0000, sc(0x7000))
    atc.on_ats_inval(DID, None, 0x4010_0000, 13)
    atc.fence_completed(atc.on_fence())
    assert atc.permitted(DID, None, 0x4000_0000) == frozenset()
    assert atc.check_translated(DID, 0x8_0030_0000, "read") is not None
    assert atc.check_translated(DID, 0x7FFF, "read") is None


def test_pasid_scope():
    # entries: no PASID, PASID 1, PASID 2 (global). ATS.INVAL with PASID 1, G=0: only PASID 1's.
    # Then PASID 3 with G=1: PASID 2's global entry too. Then no PASID: the no-PASID entry.
    atc = DeviceAtc()
    atc.record_completion(DID, None, 0x1000, sc(0xA000))
    atc.record_completion(DID, 1, 0x1000, sc(0xB000))
    atc.record_completion(DID, 2, 0x1000, sc(0xC000, g=True))
    atc.on_ats_inval(DID, 1, 0x1000)
    atc.fence_completed(atc.on_fence())
    assert [bool(atc.permitted(DID, p, 0x1000)) for p in (None, 1, 2)] == [True, False, True]
    atc.on_ats_inval(DID, 3, 0x1000, g=True)
    atc.fence_completed(atc.on_fence())
    assert [bool(atc.permitted(DID, p, 0x1000)) for p in (None, 1, 2)] == [True, False, False]
    atc.on_ats_inval(DID, None, 0x1000)
    atc.fence_completed(atc.on_fence())
    assert atc.permitted(DID, None, 0x1000) == frozenset()


def test_inval_without_pasid_covers_every_pasid():
    atc = DeviceAtc()
    atc.record_completion(DID, 5, 0x1000, sc(0xB000))
    atc.on_ats_inval(DID, None, 0x1000)
    atc.fence_completed(atc.on_fence())
    assert atc.permitted(DID, 5, 0x1000) == frozenset()


def test_other_device_untouched_and_later_completion_survives():
    # an ATS.INVAL for device 0x311 leaves 0x310's entry; a completion received after the
    # ATS.INVAL was fetched (a new translation request) is not covered by it
    atc = DeviceAtc()
    atc.record_completion(DID, None, 0x1000, sc(0xA000))
    atc.on_ats_inval(0x311, None, 0x1000)
    t = atc.on_ats_inval(DID, None, 0x1000)
    atc.record_completion(DID, None, 0x1000, sc(0xD000))
    atc.fence_completed(atc.on_fence())
    assert t == 2
    assert atc.permitted(DID, None, 0x1000) == {Permit(0xD000, True, True, False)}
    assert atc.check_translated(DID, 0xA000, "read") is not None


def test_fence_before_the_inval_does_not_complete_it():
    atc = DeviceAtc()
    atc.record_completion(DID, None, 0x1000, sc(0xA000))
    f = atc.on_fence()
    atc.on_ats_inval(DID, None, 0x1000)
    atc.fence_completed(f)
    assert atc.check_translated(DID, 0xA000, "read") is None


def test_driven_by_the_model_command_queue():
    # the oracle side fed by IommuModel.on_command: ATS.INVAL (RID 0x310, no PASID, the 4 KiB
    # page 0x1000) and an IOFENCE.C; the model completes the fence at once (cqh = 3), so the
    # fence's ticket completes and the entry is gone. The IOTINVAL.VMA between does nothing.
    mem = Memory()
    iommu = IommuModel(mem, capabilities=CAPS | 1 << 25)
    enable_cq(iommu, log2sz=3)
    atc = DeviceAtc()
    atc.record_completion(DID, None, 0x1000, sc(0xA000))
    tickets = []
    iommu.on_command = lambda cmd: tickets.append((cmd.name, atc.on_command(cmd)))
    put_cmd(mem, 0, encode(Command("ATS.INVAL", rid=DID, payload=inval_payload(0x1000))))
    put_cmd(mem, 1, cmd_iotinval())
    put_cmd(mem, 2, cmd_iofence())
    iommu.write_reg(Reg.CQT, 3, size=4)
    assert tickets == [("ATS.INVAL", 1), ("IOTINVAL.VMA", None), ("IOFENCE.C", 1)]
    assert atc.check_translated(DID, 0xA000, "read") is None          # fence not reported yet
    assert iommu.read_reg(Reg.CQH, size=4) == 3
    atc.fence_completed(tickets[2][1])
    assert atc.check_translated(DID, 0xA000, "read") is not None


def test_bad_use():
    atc = DeviceAtc()
    with pytest.raises(ValueError, match="aligned"):
        atc.on_ats_inval(DID, None, 0x1800)
    with pytest.raises(ValueError, match="access"):
        atc.check_translated(DID, 0, "rw")


def test_coherence_oracle_follows_ats_inval_and_fence_completion():
    # the oracle with ATS: a completion recorded, then ATS.INVAL (RID 0x310, page 0x1000) and
    # IOFENCE.C queued (indices 0, 1). Until the IOMMU reports the fence complete (cqh = 2) the
    # entry is usable; after it, a translated read through it is a finding.
    from oracle_tables import Sw, iofence
    from scoreboards import CoherenceOracle
    o = CoherenceOracle(capabilities=CAPS | 1 << 25)
    sw = Sw(o)
    o.ats_completion(DID, None, 0x1000, sc(0xA000))
    sw.queue(encode(Command("ATS.INVAL", rid=DID, payload=inval_payload(0x1000))), iofence())
    o.commands_done(1)                         # the ATS.INVAL fetched, the fence not complete
    assert o.check_translated(DID, 0xA000) is None
    o.commands_done(2)
    assert "ATS.INVAL #1 removed" in o.check_translated(DID, 0xA000)


def test_oracle_translated_request_with_t2gpa_follows_gvma():
    # Translated reads with T2GPA=1 go through the G-stage (spec step 9), so a G-stage leaf
    # changed without IOTINVAL.GVMA may give the old or the new SPA; after GVMA + IOFENCE.C
    # completed only the new. DC of device 5: EN_ATS | T2GPA | V, Sv39x4 at 0x40000 (GSCID 3),
    # first stage Bare. GPA 0x4000_1000: root index 1 -> a 1 GiB leaf; SPAs at 1 GiB alignment.
    # With T2GPA=0 the same request passes through: its only outcome is the address itself.
    from models import Outcome, Request, TTYP
    from oracle_tables import Sw, gvma
    from scoreboards import CoherenceOracle
    o = CoherenceOracle(capabilities=CAPS | 3 << 25)
    sw = Sw(o)
    o.write_reg(Reg.DDTP, (0x10 << 10) | 2)                       # 1LVL at 0x10000
    dc = 0x10000 + 5 * 32
    o.store64(dc + 8, 8 << 60 | 3 << 44 | 0x40)                   # iohgatp Sv39x4 @0x40000
    o.store64(dc, 1 | 1 << 1 | 1 << 3)                            # V, EN_ATS, T2GPA
    g_leaf = 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x40 | 0x80           # V R W X U A D
    o.store64(0x40000 + 8, (0x1_4000_0000 >> 12) << 10 | g_leaf)
    sw.invalidate()
    r = Request(did=5, iova=0x4000_1234, ttyp=TTYP.TRANSLATED_READ)
    assert o.outcomes(r) == {Outcome(0x1_4000_1234, None)}
    o.store64(0x40000 + 8, (0x2_4000_0000 >> 12) << 10 | g_leaf)
    assert o.outcomes(r) == {Outcome(0x1_4000_1234, None), Outcome(0x2_4000_1234, None)}
    sw.invalidate(gvma(gv=1, gscid=3))
    assert o.outcomes(r) == {Outcome(0x2_4000_1234, None)}
    o.store64(dc, 1 | 1 << 1)                                      # T2GPA=0 (no IODIR yet)
    sw.invalidate(encode(Command("IODIR.INVAL_DDT")))
    assert o.outcomes(r) == {Outcome(0x4000_1234, None)}


def test_stale_entries_are_software_findings():
    # the lookup stands for "what the IOMMU would answer now": the same translation (no
    # finding), a moved page (finding), write taken away (finding), a bigger page that still
    # maps the entry's range to the same place with more rights (no finding); an entry with
    # an ATS.INVAL in flight is not reported
    atc = DeviceAtc()
    atc.record_completion(DID, None, 0x1000, sc(0xA000))
    same = {0x1000: sc(0xA000), 0x2000: sc(0xC000), 0x3000: sc(0xD000, w=False),
            0x4000: sc(0x0, 21, x=True), 0x5000: sc(0x1000)}
    atc.record_completion(DID, None, 0x2000, sc(0xB000))
    atc.record_completion(DID, None, 0x3000, sc(0xD000))
    atc.record_completion(DID, None, 0x4000, sc(0x4000))
    atc.record_completion(DID, None, 0x5000, sc(0xE000))
    atc.on_ats_inval(DID, None, 0x5000)
    found = atc.stale(lambda did, pid, iova, c: same[iova])
    assert len(found) == 2
    assert "IOVA 0x2000" in found[0] and "IOVA 0x3000" in found[1]


def test_oracle_ats_advice_after_unmap_without_ats_inval():
    # host device 5 (oracle_tables: Sv39 at ROOT, EN_ATS set here): VA 0x4000_1000 -> OLD_PA.
    # The device got that completion; software unmaps (leaf 0) and sends IOTINVAL.VMA + fence
    # only: the completion is still usable, and advice names it. After ATS.INVAL + fence: none.
    from oracle_tables import L0, OLD_PA, VA, Sw, map4k, sv39_dc, vma
    from scoreboards import CoherenceOracle
    from models.ats import AtsRequest
    o = CoherenceOracle(capabilities=CAPS | 1 << 25)
    sw = Sw(o)
    dc = sv39_dc(o, sw)
    o.store64(dc, 1 | 1 << 1)                                    # V | EN_ATS
    map4k(sw)
    sw.invalidate(encode(Command("IODIR.INVAL_DDT")))
    c = o.model.ats_translate(AtsRequest(5, VA))
    assert (c.addr, c.r, c.w) == (OLD_PA, True, True)
    o.ats_completion(5, None, VA, c)
    assert o.ats_advice() == []
    o.store64(L0 + ((VA >> 12) & 0x1FF) * 8, 0)
    sw.invalidate(vma())
    advice = o.ats_advice()
    assert len(advice) == 1 and "IOTINVAL does not reach a device ATC" in advice[0]
    assert o.check_translated(5, OLD_PA | 0x10, "write") is None   # still permitted
    sw.invalidate(encode(Command("ATS.INVAL", rid=5, payload=inval_payload(VA))))
    assert o.ats_advice() == []
    assert o.check_translated(5, OLD_PA | 0x10, "write") is not None
