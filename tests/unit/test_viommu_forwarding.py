"""sequences/guest/forwarding.py: the reference forwarding of a nested virtual IOMMU and the
audit that names each departure from it. Values worked out by hand from the command formats
(IOTINVAL: opcode 1, func3 bits 9:7, AV bit 10, PSCID 31:12, PSCV 32, GV 33, GSCID 59:44,
ADDR[63:12] at bits 125:74; IODIR: opcode 3, DV 33, DID 63:40) and the DC format (iohgatp:
MODE 63:60, GSCID 59:44, PPN 43:0; fsc: MODE 63:60, PPN 43:0; ta: PSCID 31:12)."""
import pytest

from models.command_queue import Command, encode
from sequences.guest.forwarding import (COMMAND_DROPPED, DID_NOT_TRANSLATED,
                                        FENCE_COMPLETED_EARLY, GSCID_NOT_SUBSTITUTED,
                                        HOST_DC_WRONG, SHADOW_NOT_UPDATED, ForwardingAudit,
                                        VmIdentity, cmd_text, forward_command, host_dc)
from sequences.sw import DeviceContextSpec
from sequences.sw import iodir_inval_ddt as DDT
from sequences.sw import iodir_inval_pdt as PDT
from sequences.sw import iofence_c as FENCE
from sequences.sw import iotinval_gvma as GVMA
from sequences.sw import iotinval_vma as VMA

VM = VmIdentity(gscid=3, did_map={3: 0x23, 4: 0x24}, g_mode="sv39x4", g_root=0x0100_4000)
GUEST_VMA = VMA(pscid=7, addr=0x1000_0000)                 # what the guest writes: GV=0


def test_vma_gets_gv1_and_the_vms_gscid():
    (hw,) = forward_command(GUEST_VMA, VM)
    assert hw == Command("IOTINVAL.VMA", av=1, pscv=1, gv=1, pscid=7, gscid=3, addr=0x1000_0000)
    # dw0 = 1 | AV<<10 (0x400) | 7<<12 (0x7000) | PSCV<<32 | GV<<33 (0x3_0000_0000)
    #       | 3<<44 (0x3000_0000_0000); dw1 = (0x1000_0000 >> 12) << 10 = 0x400_0000
    assert encode(hw) == (0x3003_0000_7401, 0x400_0000)
    assert encode(GUEST_VMA) == (0x0001_0000_7401, 0x400_0000)   # the guest's: GV=0, no GSCID


def test_vma_without_pscid_or_address_keeps_its_scope():
    (hw,) = forward_command(VMA(), VM)
    assert (hw.gv, hw.gscid, hw.pscv, hw.av) == (1, 3, 0, 0)


def test_iodir_gets_the_host_device_id():
    (hw,) = forward_command(DDT(3), VM)
    assert hw == Command("IODIR.INVAL_DDT", dv=1, did=0x23)
    # dw0 = 3 | DV<<33 (0x2_0000_0000) | 0x23<<40 (0x23_0000_0000_00)
    assert encode(hw) == (0x2302_0000_0003, 0)
    assert forward_command(PDT(4, 0x15), VM) == [Command("IODIR.INVAL_PDT", dv=1, did=0x24,
                                                         pid=0x15)]


def test_iodir_dv0_becomes_one_per_device_of_the_vm():
    assert forward_command(DDT(), VM) == [DDT(0x23), DDT(0x24)]


def test_fence_is_not_forwarded_and_gvma_is_refused():
    assert forward_command(FENCE(addr=0x8003_0008, data=1), VM) == []
    with pytest.raises(ValueError, match="no G-stage"):
        forward_command(GVMA(gscid=1), VM)


def test_a_device_outside_the_vm_is_one_line_error():
    with pytest.raises(ValueError) as e:
        forward_command(DDT(9), VM)
    assert "\n" not in str(e.value) and "0x9" in str(e.value)


def test_host_dc_keeps_the_guest_fields_and_adds_the_vm_g_stage():
    guest = DeviceContextSpec(fs_mode="sv39", fs_root=0x8010_2000, pscid=7)
    tc, iohgatp, ta, fsc = host_dc(guest, VM).words()
    assert tc == 1                                   # V only
    assert iohgatp == 0x8000_3000_0000_1004          # Sv39x4 (8), GSCID 3, PPN 0x1004
    assert ta == 0x7000                              # PSCID 7
    assert fsc == 0x8000_0000_0008_0102              # Sv39 (8), guest root GPA PPN 0x80102


def test_cmd_text():
    assert cmd_text(GUEST_VMA) == "IOTINVAL.VMA GV=0 PSCV=1 PSCID=7 AV=1 ADDR=0x10000000"
    assert cmd_text(DDT(0x23)) == "IODIR.INVAL_DDT DV=1 DID=0x23"


# ------------------------------------------------------------------------------ the audit
def test_correct_forwarding_is_no_mistake():
    a = ForwardingAudit(VM)
    assert a.forwarded(GUEST_VMA, forward_command(GUEST_VMA, VM)) == []
    assert a.forwarded(DDT(3), [DDT(0x23)]) == []
    assert a.guest_fence_reflected(2, []) == []
    assert a.mistakes == []


def test_gscid_not_substituted_is_named():
    a = ForwardingAudit(VM)
    (m,) = a.forwarded(GUEST_VMA, [GUEST_VMA])
    assert m.name == GSCID_NOT_SUBSTITUTED
    assert str(m) == ("GSCID not substituted: guest IOTINVAL.VMA GV=0 PSCV=1 PSCID=7 AV=1 "
                      "ADDR=0x10000000 forwarded as IOTINVAL.VMA GV=0 PSCV=1 PSCID=7 AV=1 "
                      "ADDR=0x10000000, the VM's GSCID is 3 (wanted IOTINVAL.VMA GV=1 GSCID=3 "
                      "PSCV=1 PSCID=7 AV=1 ADDR=0x10000000)")
    # the wrong GSCID (another VM's) is the same mistake
    (m2,) = a.forwarded(GUEST_VMA, [Command("IOTINVAL.VMA", av=1, pscv=1, gv=1, pscid=7,
                                            gscid=4, addr=0x1000_0000)])
    assert m2.name == GSCID_NOT_SUBSTITUTED and a.first() is m


def test_did_not_translated_is_named():
    (m,) = ForwardingAudit(VM).forwarded(DDT(3), [DDT(3)])
    assert m.name == DID_NOT_TRANSLATED
    assert "forwarded as IODIR.INVAL_DDT DV=1 DID=0x3, the host device is 0x23" in m.detail


def test_dropped_command_is_named():
    (m,) = ForwardingAudit(VM).forwarded(GUEST_VMA, [])
    assert m.name == COMMAND_DROPPED


def test_fence_completed_early_is_named():
    (m,) = ForwardingAudit(VM).guest_fence_reflected(1, [GUEST_VMA])
    assert m.name == FENCE_COMPLETED_EARLY
    assert m.detail == ("the guest's IOFENCE.C (guest slot 1) completed while 1 earlier guest "
                        "command(s) had not completed on the hardware: IOTINVAL.VMA GV=0 PSCV=1 "
                        "PSCID=7 AV=1 ADDR=0x10000000")


def test_host_dc_without_the_g_stage_is_named():
    guest = DeviceContextSpec(fs_mode="sv39", fs_root=0x8010_2000, pscid=7)
    a = ForwardingAudit(VM)
    assert a.host_dc_written(3, guest, host_dc(guest, VM)) == []
    (m,) = a.host_dc_written(3, guest, guest)            # the guest's DC as it is: no G-stage
    assert m.name == HOST_DC_WRONG


def test_shadow_mismatch_is_named():
    (m,) = ForwardingAudit(VM).shadow_mismatch(0x1000_0000, "to SPA 0x40830000 rw",
                                               "to SPA 0x40843000 rw", GUEST_VMA)
    assert m.name == SHADOW_NOT_UPDATED and "iova 0x10000000" in m.detail
