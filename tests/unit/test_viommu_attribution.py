"""sequences/guest/attribution.py and guest_view.py: which layer a finding belongs to, worked
by hand on a small guest (one device, an Sv39 table at GPAs, a VM whose RAM GPA 0x8000_0000 +
16 MiB sits at SPA 0x4000_0000)."""
from types import SimpleNamespace

import pytest

from models import Outcome, Reg, Request, TTYP
from sequences.guest.attribution import (GUEST, HARDWARE, VMM, attribute_advice,
                                         attribute_response, finding_address, finding_status)
from sequences.guest.forwarding import ForwardingAudit, VmIdentity
from sequences.guest.guest_view import GuestView
from sequences.guest.vm_memory import VmMemoryMap
from sequences.sw import (CommandQueueWriter, DeviceContextSpec, DeviceDirectory, PageAllocator,
                          PageTable)
from sequences.sw import iodir_inval_ddt as DDT
from sequences.sw import iofence_c as FENCE
from sequences.sw import iotinval_vma as VMA

VM = VmMemoryMap(0x8000_0000, 0x4000_0000, 0x100_0000)
IOVA = 0x1000_0000


# ------------------------------------------------------------------------------ the rule
def test_rule_table():
    m = ForwardingAudit(VmIdentity(3, {3: 0x23})).forwarded(VMA(pscid=7), [VMA(pscid=7)])
    assert attribute_response(False, True) == (HARDWARE, "the host oracle rejects the hardware's "
                                                         "response")
    assert attribute_response(False, False, m)[0] == HARDWARE     # the host's word first
    assert attribute_response(True, True, m) is None               # nothing visible: no finding
    assert attribute_response(True, False, m) == (VMM, str(m[0]))
    layer, why = attribute_response(True, False, [])
    assert layer == VMM and "no forwarding mistake named" in why


GUEST_LINE = ("ADVICE missing: store #5 to leaf PTE @0x80103000 (first stage, pscid 7, level 0, "
              "va 0x10000000) needs IOTINVAL.VMA GV=0 PSCV=1 PSCID=7 AV=1 ADDR=0x10000000: "
              "no covering invalidation issued")
HOST_SAME = ("ADVICE missing: store #40 to leaf PTE @0x40103000 (first stage, gscid 3, pscid 7, "
             "level 0, va 0x10000000) needs IOTINVAL.VMA GV=1 GSCID=3 PSCV=1 PSCID=7 AV=1 "
             "ADDR=0x10000000: no covering invalidation issued")
HOST_DDT = ("ADVICE missing: store #41 to device context of did 35 @0x1002060 needs "
            "IODIR.INVAL_DDT DV=1 DID=35: no covering invalidation issued")
WINDOW = ("ADVICE relied-before-completion: store #7 to leaf PTE @0x80103000 (first stage) needs "
          "IOTINVAL.VMA: request did=3 relied on the new value")


def test_finding_fields():
    assert finding_status(GUEST_LINE) == "missing"
    assert finding_address(GUEST_LINE) == 0x8010_3000
    assert finding_address(HOST_DDT) == 0x100_2060
    assert finding_status(WINDOW) == "relied-before-completion"


def test_guest_omission_is_the_guests_even_when_the_host_sees_it():
    out = attribute_advice([HOST_SAME], [GUEST_LINE], VM.gpa)
    assert [(f.layer, f.why) for f in out] == [(GUEST, "guest missing")]
    assert str(out[0]) == f"VIOMMU ADVICE layer=guest (guest missing): {GUEST_LINE}"


def test_host_finding_without_guest_finding_is_the_vmms():
    out = attribute_advice([HOST_SAME, HOST_DDT], [], VM.gpa)
    assert [(f.layer, f.why) for f in out] == [(VMM, "host missing"), (VMM, "host missing")]


def test_windows_are_nobodys_fault():
    assert attribute_advice([WINDOW], [WINDOW], VM.gpa) == []


# ------------------------------------------------------------------------------ the view
@pytest.fixture
def guest():
    """Guest device 3 (host 0x23) with an Sv39 table (PSCID 7) at GPAs: IOVA -> GPA
    0x8084_3000 (rw), after IOVA was first mapped to 0x8083_0000 and remapped with the
    guest's IOTINVAL.VMA + IOFENCE.C completed."""
    view = GuestView("riscv-1.0-strict", VM, {3: 0x23})
    alloc = PageAllocator(0x8010_0000, 0x10_0000, view.store64, zero=False)
    ddt = DeviceDirectory("1lvl", alloc, view.store64)
    pt = PageTable("sv39", alloc, view.store64, pscid=7)
    cq = CommandQueueWriter(0x8001_0000, 6, view.store64, view.write_reg)
    cq.enable()
    view.write_reg(Reg.DDTP, ddt.ddtp())
    pt.map(IOVA, 0x8083_0000, perms="rw")
    ddt.set_dc(3, DeviceContextSpec(fs_mode="sv39", fs_root=pt.root, pscid=7))
    pt.remap(IOVA, 0x8084_3000)
    cq.submit([VMA(pscid=7, addr=IOVA), FENCE()])
    view.commands_done(cq.tail)
    return view


def res(pa=0, fault=False, cause=None, did=0x23, ttyp=TTYP.UNTRANSLATED_READ):
    return SimpleNamespace(req=Request(did=did, iova=IOVA + 0x10, ttyp=ttyp), fault=fault,
                           cause=cause, pa=pa)


def test_a_response_both_layers_accept(guest):
    r = res(0x4084_3010)                           # SPA 0x4084_3010 = GPA 0x8084_3010
    assert guest.judge(r, frozenset({Outcome(0x4084_3010, None)})) is None
    assert guest.checked == 1


def test_stale_after_the_guests_fence_is_the_vmms(guest):
    r = res(0x4083_0010)                           # the old page, the host oracle permits it
    mistakes = ForwardingAudit(VmIdentity(3, {3: 0x23})).forwarded(VMA(pscid=7, addr=IOVA),
                                                                   [VMA(pscid=7, addr=IOVA)])
    f = guest.judge(r, frozenset({Outcome(0x4083_0010, None), Outcome(0x4084_3010, None)}),
                    mistakes)
    assert (f.kind, f.layer) == ("MISMATCH", VMM)
    assert f.why.startswith("GSCID not substituted: ")
    assert "got=pa:0x80830010 permitted={pa:0x80843010}" in f.detail


def test_what_the_host_rejects_is_the_hardwares(guest):
    f = guest.judge(res(0x4083_0010), frozenset({Outcome(0x4084_3010, None)}))
    assert f.layer == HARDWARE and "host view: did=0x23 (guest device 0x3)" in f.detail


def test_a_result_outside_the_vm_is_the_vmms(guest):
    f = guest.judge(res(0x9000_0010), frozenset({Outcome(0x9000_0010, None)}))
    assert f.layer == VMM and "outside the VM's RAM" in f.detail


def test_a_fault_the_guest_does_not_expect(guest):
    f = guest.judge(res(fault=True, cause=13), frozenset({Outcome(None, 13)}))
    assert f.layer == VMM and "got=fault:13" in f.detail


def test_caching_mode_guest_omission_is_not_a_mismatch_but_the_guests_finding():
    """Under caching-mode a map (V 0->1) needs its invalidation: a guest that skips it sees
    the old fault (the shadow never heard of the map) and the new page both permitted; the
    finding is the guest's advice."""
    view = GuestView("caching-mode", VM, {3: 0x23})
    alloc = PageAllocator(0x8010_0000, 0x10_0000, view.store64, zero=False)
    ddt = DeviceDirectory("1lvl", alloc, view.store64)
    pt = PageTable("sv39", alloc, view.store64, pscid=7)
    cq = CommandQueueWriter(0x8001_0000, 6, view.store64, view.write_reg)
    cq.enable()
    view.write_reg(Reg.DDTP, ddt.ddtp())
    ddt.set_dc(3, DeviceContextSpec(fs_mode="sv39", fs_root=pt.root, pscid=7))
    cq.submit([DDT(3), FENCE()])
    view.commands_done(cq.tail)
    assert view.judge(res(fault=True, cause=13), frozenset({Outcome(None, 13)})) is None
    pt.map(IOVA, 0x8083_0000, perms="rw")             # no IOTINVAL: the guest's mistake
    assert view.judge(res(fault=True, cause=13), frozenset({Outcome(None, 13)})) is None
    assert view.judge(res(0x4083_0010), frozenset({Outcome(0x4083_0010, None)})) is None
    out = attribute_advice([], view.advice(), VM.gpa)
    assert [(f.layer, f.why) for f in out] == [(GUEST, "guest missing")]
    assert "leaf PTE @0x" in out[0].detail and "needs IOTINVAL.VMA GV=0 PSCV=1 PSCID=7" in out[0].detail
