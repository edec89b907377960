"""QoS IDs (capabilities.QOSID): iommu_qosid and DC.ta.RCID/MCID.

Spec, worked by hand from the text:
- capabilities bit 41 QOSID "Associating QoS IDs with requests is supported".
- iommu_qosid at offset 624 = 0x270, 4 bytes: RCID [11:0] WARL, [15:12] WPRI, MCID [27:16]
  WARL, [31:28] WPRI; optional: "if capabilities.QOSID==0" it reads 0 and ignores writes.
  Its IDs tag the IOMMU's DDT, queue and MSI accesses, and "When ddtp.iommu_mode == Bare, all
  device-originated requests are associated with the QoS IDs configured in the iommu_qosid
  register." Reset: RCID 0 when the mode resets to Bare (the model resets it to 0 always).
- DC.ta: reserved [11:0], PSCID [31:12], reserved [39:32], RCID [51:40], MCID [63:52]. "If
  capabilities.QOSID is 0, these bits are reserved and must be set to 0." DC check (259):
  "capabilities.QOSID is 1 and DC.ta.RCID or DC.ta.MCID values are wider than that supported
  by the IOMMU." "The RCID and MCID configured in DC.ta are provided to the IO bridge on
  successful address translations."
Expected values are literals worked out from that text, not printed by the model.
"""
from models import Reg
from tables import BARE, CAPS, new, res, setup_dc, tr

QOSID = 1 << 41
QREG = Reg.IOMMU_QOSID
DID = 6


def ta(rcid=0, mcid=0, pscid=0, rsvd=0):
    return mcid << 52 | rcid << 40 | rsvd << 32 | pscid << 12


def test_register_offset():
    assert int(QREG) == 0x270 == 624


def test_register_absent_without_qosid():
    _, iommu = new(CAPS)
    iommu.write_reg(QREG, 0xFFFF_FFFF, 4)
    assert iommu.read_reg(QREG, 4) == 0


def test_register_reset_and_warl_fields():
    _, iommu = new(CAPS | QOSID)
    assert iommu.read_reg(QREG, 4) == 0
    iommu.write_reg(QREG, 0xFFFF_FFFF, 4)
    assert iommu.read_reg(QREG, 4) == 0x0FFF_0FFF      # [31:28] and [15:12] are WPRI: 0


def test_register_narrower_ids():
    # RCID 4 bits (mask 0xF), MCID 6 bits (mask 0x3F << 16 = 0x3F_0000)
    _, iommu = new(CAPS | QOSID)
    iommu.set_qosid_widths(4, 6)
    iommu.write_reg(QREG, 0xFFFF_FFFF, 4)
    assert iommu.read_reg(QREG, 4) == 0x003F_000F


def test_bare_mode_requests_carry_iommu_qosid():
    # iommu_qosid 0x0ABC_0DEF: RCID 0xDEF, MCID 0xABC
    _, iommu = new(CAPS | QOSID)
    iommu.write_reg(QREG, 0x0ABC_0DEF, 4)
    iommu.write_reg(Reg.DDTP, BARE)
    out = tr(iommu, DID, 0x1234)
    assert res(out) == (0x1234, None)
    assert (out.rcid, out.mcid) == (0xDEF, 0xABC)


def test_translation_carries_dc_ta_ids():
    # ta: RCID 0x123 in [51:40], MCID 0x456 in [63:52] = 0x4561_2300_0000_0000
    assert ta(0x123, 0x456) == 0x4561_2300_0000_0000
    mem, iommu = new(CAPS | QOSID)
    iommu.write_reg(QREG, 0x0ABC_0DEF, 4)
    setup_dc(mem, iommu, DID, ta=ta(0x123, 0x456))
    out = tr(iommu, DID, 0x5000)
    assert res(out) == (0x5000, None)
    assert (out.rcid, out.mcid) == (0x123, 0x456)


def test_ta_ids_are_reserved_without_qosid():
    mem, iommu = new(CAPS)
    setup_dc(mem, iommu, DID, ta=ta(rcid=1))
    assert res(tr(iommu, DID, 0x5000)) == (None, 259)
    setup_dc(mem, iommu, DID, ta=ta(mcid=1))
    assert res(tr(iommu, DID, 0x5000)) == (None, 259)


def test_ta_39_32_stays_reserved_with_qosid():
    mem, iommu = new(CAPS | QOSID)
    setup_dc(mem, iommu, DID, ta=ta(rsvd=0x80))        # bit 39
    assert res(tr(iommu, DID, 0x5000)) == (None, 259)


def test_ta_ids_wider_than_supported():
    # RCID 4 bits wide: 0xF is the widest legal value, 0x10 is too wide; MCID 6 bits: 0x40
    mem, iommu = new(CAPS | QOSID)
    iommu.set_qosid_widths(4, 6)
    setup_dc(mem, iommu, DID, ta=ta(rcid=0xF, mcid=0x3F))
    assert res(tr(iommu, DID, 0x5000)) == (0x5000, None)
    setup_dc(mem, iommu, DID, ta=ta(rcid=0x10))
    assert res(tr(iommu, DID, 0x5000)) == (None, 259)
    setup_dc(mem, iommu, DID, ta=ta(mcid=0x40))
    assert res(tr(iommu, DID, 0x5000)) == (None, 259)


def test_fault_carries_no_ids():
    mem, iommu = new(CAPS | QOSID)
    setup_dc(mem, iommu, DID, ta=ta(0x123, 0x456), fsc=(8 << 60) | 0x20)   # Sv39, empty table
    out = tr(iommu, DID, 0x5000)
    assert res(out) == (None, 13)
    assert (out.rcid, out.mcid) == (0, 0)


def test_which_ids_tag_each_implicit_access():
    # DDT, queues and IOMMU MSIs: iommu_qosid; PDT, first/second-stage and MSI page tables:
    # DC.ta. iommu_qosid 0x0ABC_0DEF -> (0xDEF, 0xABC); ta(0x123, 0x456) -> (0x123, 0x456)
    from models.qos import access_ids
    for kind in ("ddte", "dc", "cq", "fq", "msi"):
        assert access_ids(kind, 0x0ABC_0DEF, ta(0x123, 0x456)) == (0xDEF, 0xABC)
    for kind in ("pdte", "pc", "pte1", "pte2", "msipte"):
        assert access_ids(kind, 0x0ABC_0DEF, ta(0x123, 0x456)) == (0x123, 0x456)
