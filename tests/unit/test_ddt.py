"""ddtp modes, the device-directory walk and the device-context checks.

Spec: iommu_data_structures.adoc "Device-Directory-Table (DDT)", "Device-context fields",
"Device-context configuration checks", "Process to locate the Device-context",
"Process to translate an IOVA" steps 1-7; cause codes: iommu_in_memory_queues.adoc fault table.
"""

import pytest

from models import Reg, TTYP
from tables import (BARE, CAPS, CAPS_NO_PD20, CAP_MSI_FLAT, CAP_SV57, DDT_ROOT, LVL1, LVL2, LVL3,
                    OFF, PD8, PD17, PD20, SV39, SV39X4, SV48, SV48X4, SV57, SV57X4, TC_DPE, TC_DTF,
                    TC_EN_ATS, TC_EN_PRI, TC_GADE, TC_PDTV, TC_PRPR, TC_SADE, TC_SBE, TC_SXL,
                    TC_T2GPA, TC_V, V, atp, ddtp, new, res, setup_dc, tr)

UR, UW, UX = TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_WRITE, TTYP.UNTRANSLATED_EXEC
ALL_TTYPS = [TTYP.UNTRANSLATED_EXEC, TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_WRITE,
             TTYP.TRANSLATED_EXEC, TTYP.TRANSLATED_READ, TTYP.TRANSLATED_WRITE,
             TTYP.PCIE_ATS, TTYP.PCIE_MSG]


# ------------------------------------------------------------------------------------ Off / Bare
@pytest.mark.parametrize("ttyp", ALL_TTYPS)
def test_off_disallows_everything(iommu, ttyp):
    assert res(tr(iommu, 3, 0x1234, ttyp)) == (None, 256)


def test_off_after_bare(iommu):
    iommu.write_reg(Reg.DDTP, BARE)
    iommu.write_reg(Reg.DDTP, OFF)
    assert res(tr(iommu, 0, 0x1000)) == (None, 256)


@pytest.mark.parametrize("ttyp", [UX, UR, UW])
def test_bare_passes_untranslated(iommu, ttyp):
    iommu.write_reg(Reg.DDTP, BARE)
    assert res(tr(iommu, 0xABCDEF, 0x00AB_CDEF_0123_4567, ttyp)) == (0x00AB_CDEF_0123_4567, None)


def test_bare_ignores_pid_and_privilege(iommu):
    iommu.write_reg(Reg.DDTP, (0x10 << 10) | BARE)     # PPN is ignored in Bare
    assert res(tr(iommu, 7, 0x8000_0010, UW, pid=0x55, priv_s=True)) == (0x8000_0010, None)


@pytest.mark.parametrize("ttyp", [TTYP.TRANSLATED_EXEC, TTYP.TRANSLATED_READ,
                                  TTYP.TRANSLATED_WRITE, TTYP.PCIE_ATS])
def test_bare_disallows_translated_and_ats(iommu, ttyp):
    iommu.write_reg(Reg.DDTP, BARE)
    assert res(tr(iommu, 1, 0x1000, ttyp)) == (None, 260)


@pytest.mark.parametrize("ttyp", [TTYP.PCIE_MSG, 0, 4, 10, 31, 32, 63])
def test_bare_disallows_everything_but_untranslated(iommu, ttyp):
    # iommu_registers.adoc, ddtp: "When in Bare mode only Untranslated requests are allowed.
    # Translated requests, Translation request, and PCIe message transactions are unsupported"
    # -> "Transaction type disallowed" (cause 260). PCIe message = TTYP 9; 0 (no inbound
    # transaction), 4 and 10-31 (reserved) and 32-63 (custom) are not Untranslated either.
    iommu.write_reg(Reg.DDTP, BARE)
    assert res(tr(iommu, 1, 0x40, ttyp)) == (None, 260)


def test_bare_pcie_message_is_recorded(env):
    # the 260 of a PCIe message in Bare is a fault like any other: one record, TTYP 9.
    # DW0 = 260 | 9 << 34 | 1 << 40 = 0x104 | 0x24_0000_0000 | 0x100_0000_0000
    #     = 0x0000_0124_0000_0104; iotval = the IOVA (the message's address), iotval2 = 0
    mem, iommu = env
    iommu.write_reg(Reg.FQB, (0x50000 >> 12) << 10 | 1)        # 4 records at 0x50000
    iommu.write_reg(Reg.FQCSR, 1, size=4)                      # fqen
    iommu.write_reg(Reg.DDTP, BARE)
    assert res(tr(iommu, 1, 0x40, TTYP.PCIE_MSG)) == (None, 260)
    assert [mem.read64(0x50000 + 8 * i) for i in range(4)] == [0x0000_0124_0000_0104, 0, 0x40, 0]


def test_bare_does_not_read_memory(env):
    mem, iommu = env
    mem.set_access_fault(0, 1 << 56)
    iommu.write_reg(Reg.DDTP, BARE)
    assert res(tr(iommu, 1, 0x2000)) == (0x2000, None)


# ------------------------------------------------------------------------ device_id splitting
def test_1lvl_base_dc_address(env):
    mem, iommu = env
    iommu.write_reg(Reg.DDTP, ddtp(LVL1))                  # root 0x10000
    mem.write64(0x10AC0, TC_V)                             # did 0x56 -> 0x10000 + 0x56*32
    assert res(tr(iommu, 0x56, 0x7000)) == (0x7000, None)
    assert res(tr(iommu, 0x55, 0x7000)) == (None, 258)     # its DC (0x10AA0) is zero


def test_2lvl_base_dc_address(env):
    mem, iommu = env
    iommu.write_reg(Reg.DDTP, ddtp(LVL2))
    # did 0x3456: DDI[1] = 0x68, DDI[0] = 0x56
    mem.write64(0x10340, (0x12 << 10) | V)                 # 0x10000 + 0x68*8 -> page 0x12000
    mem.write64(0x12AC0, TC_V)                             # 0x12000 + 0x56*32
    assert res(tr(iommu, 0x3456, 0x7000)) == (0x7000, None)
    assert res(tr(iommu, 0x3356, 0x7000)) == (None, 258)   # DDI[1] = 0x66: entry 0x10330 = 0


def test_3lvl_base_dc_address(env):
    mem, iommu = env
    iommu.write_reg(Reg.DDTP, ddtp(LVL3))
    # did 0x123456: DDI[2] = 0x12, DDI[1] = 0x68, DDI[0] = 0x56
    mem.write64(0x10090, (0x11 << 10) | V)                 # 0x10000 + 0x12*8 -> 0x11000
    mem.write64(0x11340, (0x12 << 10) | V)                 # 0x11000 + 0x68*8 -> 0x12000
    mem.write64(0x12AC0, TC_V)                             # 0x12000 + 0x56*32
    assert res(tr(iommu, 0x123456, 0x7000)) == (0x7000, None)
    assert res(tr(iommu, 0x133456, 0x7000)) == (None, 258)


def test_1lvl_device_id_too_wide(env):
    mem, iommu = env
    iommu.write_reg(Reg.DDTP, ddtp(LVL1))
    mem.write64(DDT_ROOT, TC_V)                            # DC of did 0 (what 0x80 would alias to)
    assert res(tr(iommu, 0x80, 0x1000)) == (None, 260)     # DDI[1] != 0
    assert res(tr(iommu, 0x10000, 0x1000)) == (None, 260)  # DDI[2] != 0
    assert res(tr(iommu, 0x7F, 0x1000)) == (None, 258)     # widest legal id, DC zero


def test_2lvl_device_id_too_wide(env):
    mem, iommu = env
    iommu.write_reg(Reg.DDTP, ddtp(LVL2))
    mem.write64(DDT_ROOT, (0x12 << 10) | V)
    mem.write64(0x12000, TC_V)
    assert res(tr(iommu, 0x0, 0x1000)) == (0x1000, None)
    assert res(tr(iommu, 0x10000, 0x1000)) == (None, 260)


def test_3lvl_full_width_device_id(env):
    mem, iommu = env
    iommu.write_reg(Reg.DDTP, ddtp(LVL3))
    # did 0xFFFFFF: DDI = 0xFF / 0x1FF / 0x7F
    mem.write64(0x107F8, (0x11 << 10) | V)                 # 0x10000 + 0xFF*8
    mem.write64(0x11FF8, (0x12 << 10) | V)                 # 0x11000 + 0x1FF*8
    mem.write64(0x12FE0, TC_V)                             # 0x12000 + 0x7F*32
    assert res(tr(iommu, 0xFFFFFF, 0x3000)) == (0x3000, None)


def test_extended_dc_1lvl(env):
    mem, iommu = new(CAPS | CAP_MSI_FLAT)
    iommu.write_reg(Reg.DDTP, ddtp(LVL1))
    mem.write64(0x10940, TC_V)                             # did 0x25 -> 0x10000 + 0x25*64
    assert res(tr(iommu, 0x25, 0x9000)) == (0x9000, None)
    mem.write64(0x10FC0, TC_V)                             # did 0x3F -> 0x10000 + 0x3F*64
    assert res(tr(iommu, 0x3F, 0x9000)) == (0x9000, None)
    assert res(tr(iommu, 0x40, 0x9000)) == (None, 260)     # needs 7 bits: too wide for 1LVL


def test_extended_dc_2lvl(env):
    mem, iommu = new(CAPS | CAP_MSI_FLAT)
    iommu.write_reg(Reg.DDTP, ddtp(LVL2))
    # did 0x3456: DDI[1] = 0x3456 >> 6 = 0xD1, DDI[0] = 0x16
    mem.write64(0x10688, (0x12 << 10) | V)                 # 0x10000 + 0xD1*8
    mem.write64(0x12580, TC_V)                             # 0x12000 + 0x16*64
    assert res(tr(iommu, 0x3456, 0x9000)) == (0x9000, None)
    assert res(tr(iommu, 0x8000, 0x9000)) == (None, 260)   # bit 15 needs 3LVL


def test_extended_dc_3lvl(env):
    mem, iommu = new(CAPS | CAP_MSI_FLAT)
    iommu.write_reg(Reg.DDTP, ddtp(LVL3))
    # did 0x123456: DDI[2] = 0x24, DDI[1] = 0xD1, DDI[0] = 0x16
    mem.write64(0x10120, (0x11 << 10) | V)                 # 0x10000 + 0x24*8
    mem.write64(0x11688, (0x12 << 10) | V)                 # 0x11000 + 0xD1*8
    mem.write64(0x12580, TC_V)                             # 0x12000 + 0x16*64
    assert res(tr(iommu, 0x123456, 0x9000)) == (0x9000, None)


def test_extended_dc_msiptp_checks(env):
    mem, iommu = new(CAPS | CAP_MSI_FLAT)
    gs = atp(SV39X4, 0x40000)
    setup_dc(mem, iommu, 1, ext=True, iohgatp=gs, msiptp=(2 << 60) | 0x70)   # reserved mode 2
    assert res(tr(iommu, 1, 0x1000)) == (None, 259)
    setup_dc(mem, iommu, 1, ext=True, iohgatp=gs, msiptp=(15 << 60) | 0x70)  # custom: unsupported
    assert res(tr(iommu, 1, 0x1000)) == (None, 259)


def test_extended_dc_reserved_dw7(env):
    mem, iommu = new(CAPS | CAP_MSI_FLAT)
    dc = setup_dc(mem, iommu, 1, ext=True)
    assert res(tr(iommu, 1, 0x1000)) == (0x1000, None)
    mem.write64(dc + 56, 1)                                 # DW7 reserved
    assert res(tr(iommu, 1, 0x1000)) == (None, 259)


def test_extended_dc_msi_reserved_fields(env):
    mem, iommu = new(CAPS | CAP_MSI_FLAT)
    dc = setup_dc(mem, iommu, 1, ext=True)
    mem.write64(dc + 32, 1 << 44)                           # msiptp reserved [59:44]
    assert res(tr(iommu, 1, 0x1000)) == (None, 259)
    mem.write64(dc + 32, 0)
    mem.write64(dc + 40, 1 << 63)                           # msi_addr_mask reserved [63:52]
    assert res(tr(iommu, 1, 0x1000)) == (None, 259)
    mem.write64(dc + 40, 0)
    mem.write64(dc + 48, 1 << 52)                           # msi_addr_pattern reserved [63:52]
    assert res(tr(iommu, 1, 0x1000)) == (None, 259)


# ------------------------------------------------------------------------ non-leaf DDT entries
@pytest.mark.parametrize("mode,entry", [(LVL2, 0x10000), (LVL3, 0x10000), (LVL3, 0x11000)])
def test_nonleaf_ddte_not_valid(env, mode, entry):
    mem, iommu = env
    setup_dc(mem, iommu, 0, mode=mode)                     # did 0: every index is 0
    assert res(tr(iommu, 0, 0x1000)) == (0x1000, None)
    mem.write64(entry, mem.read64(entry) & ~1)
    assert res(tr(iommu, 0, 0x1000)) == (None, 258)


@pytest.mark.parametrize("bit", [1, 5, 9, 54, 63])
@pytest.mark.parametrize("entry", [0x10000, 0x11000])
def test_nonleaf_ddte_reserved_bit(env, bit, entry):
    mem, iommu = env
    setup_dc(mem, iommu, 0, mode=LVL3)
    mem.write64(entry, mem.read64(entry) | (1 << bit))
    assert res(tr(iommu, 0, 0x1000)) == (None, 259)


def test_nonleaf_v0_other_bits_ignored(env):
    mem, iommu = env
    setup_dc(mem, iommu, 0, mode=LVL2)
    mem.write64(0x10000, (1 << 63) | (1 << 5))             # V=0: the rest belongs to software
    assert res(tr(iommu, 0, 0x1000)) == (None, 258)


def test_dc_not_valid(env):
    mem, iommu = env
    setup_dc(mem, iommu, 9, tc=0, fsc=atp(SV39, 0x20000), iohgatp=7 << 60)  # V=0, garbage else
    assert res(tr(iommu, 9, 0x1000)) == (None, 258)


@pytest.mark.parametrize("mode", [LVL1, LVL2, LVL3])
def test_ddt_access_fault_on_dc(env, mode):
    mem, iommu = env
    dc = setup_dc(mem, iommu, 0x21, mode=mode)
    mem.set_access_fault(dc, dc + 32)
    assert res(tr(iommu, 0x21, 0x1000)) == (None, 257)
    mem.clear_faults()
    assert res(tr(iommu, 0x21, 0x1000)) == (0x1000, None)


@pytest.mark.parametrize("entry", [0x10000, 0x11000])
def test_ddt_access_fault_on_nonleaf(env, entry):
    mem, iommu = env
    setup_dc(mem, iommu, 0, mode=LVL3)
    mem.set_access_fault(entry, entry + 8)
    assert res(tr(iommu, 0, 0x1000)) == (None, 257)


def test_ddt_access_fault_partial_dc(env):
    mem, iommu = env
    dc = setup_dc(mem, iommu, 2)
    mem.set_access_fault(dc + 24, dc + 25)                  # only the fsc doubleword
    assert res(tr(iommu, 2, 0x1000)) == (None, 257)


@pytest.mark.parametrize("where", ["root", "mid", "dc"])
def test_ddt_poison(env, where):
    mem, iommu = env
    dc = setup_dc(mem, iommu, 0, mode=LVL3)
    lo = {"root": 0x10000, "mid": 0x11000, "dc": dc}[where]
    mem.set_poison(lo, lo + 8)
    assert res(tr(iommu, 0, 0x1000)) == (None, 268)


def test_ddt_poison_only_affects_the_dc_read(env):
    mem, iommu = env
    setup_dc(mem, iommu, 0)
    mem.set_poison(DDT_ROOT + 32, DDT_ROOT + 64)           # the DC of did 1 only
    assert res(tr(iommu, 0, 0x1000)) == (0x1000, None)
    assert res(tr(iommu, 1, 0x1000)) == (None, 268)


def test_ddtp_ppn_change_moves_the_table(env):
    mem, iommu = env
    mem.write64(0x10000, TC_V)
    iommu.write_reg(Reg.DDTP, (0x10 << 10) | LVL1)
    assert res(tr(iommu, 0, 0x1000)) == (0x1000, None)
    iommu.write_reg(Reg.DDTP, BARE)
    iommu.write_reg(Reg.DDTP, (0x30 << 10) | LVL1)         # empty table at 0x30000
    assert res(tr(iommu, 0, 0x1000)) == (None, 258)


# ---------------------------------------------------------------------- transaction type checks
@pytest.mark.parametrize("ttyp", [TTYP.TRANSLATED_EXEC, TTYP.TRANSLATED_READ,
                                  TTYP.TRANSLATED_WRITE, TTYP.PCIE_ATS])
def test_translated_without_ats_disallowed(env, ttyp):
    mem, iommu = env
    setup_dc(mem, iommu, 4)
    assert res(tr(iommu, 4, 0x1000, ttyp)) == (None, 260)


def test_pcie_message_disallowed_with_dc(env):
    mem, iommu = env
    setup_dc(mem, iommu, 4)
    assert res(tr(iommu, 4, 0x1000, TTYP.PCIE_MSG)) == (None, 260)


def test_pid_with_pdtv0_disallowed(env):
    mem, iommu = env
    setup_dc(mem, iommu, 4)
    assert res(tr(iommu, 4, 0x1000, pid=0)) == (None, 260)
    assert res(tr(iommu, 4, 0x1000, pid=5, priv_s=True)) == (None, 260)


def test_dc_checked_before_transaction_type(env):
    mem, iommu = env
    setup_dc(mem, iommu, 4, tc=0)
    assert res(tr(iommu, 4, 0x1000, TTYP.TRANSLATED_READ)) == (None, 258)


# ------------------------------------------------------------------------------- DC checks: 259
def test_valid_minimal_dc(env):
    mem, iommu = env
    setup_dc(mem, iommu, 3)
    assert res(tr(iommu, 3, 0x5678, UW)) == (0x5678, None)


def test_dc_custom_tc_bits_exempt(env):
    mem, iommu = env
    setup_dc(mem, iommu, 3, tc=TC_V | (0xFF << 24))        # tc custom [31:24]
    assert res(tr(iommu, 3, 0x5678)) == (0x5678, None)


@pytest.mark.parametrize("bit", [12, 17, 23, 32, 47, 63])
def test_dc_tc_reserved_bit(env, bit):
    mem, iommu = env
    setup_dc(mem, iommu, 3, tc=TC_V | (1 << bit))
    assert res(tr(iommu, 3, 0x1000)) == (None, 259)


@pytest.mark.parametrize("bit", [0, 11, 32, 39, 40, 52, 63])
def test_dc_ta_reserved_bit(env, bit):
    # ta: [11:0] and [39:32] reserved; RCID/MCID [63:40] reserved without QOSID
    mem, iommu = env
    setup_dc(mem, iommu, 3, ta=1 << bit)
    assert res(tr(iommu, 3, 0x1000)) == (None, 259)


def test_dc_ta_pscid_is_not_reserved(env):
    mem, iommu = env
    setup_dc(mem, iommu, 3, ta=0xFFFFF << 12)
    assert res(tr(iommu, 3, 0x1000)) == (0x1000, None)


@pytest.mark.parametrize("bit", [44, 50, 59])
def test_dc_iosatp_reserved_bits(env, bit):
    mem, iommu = env
    setup_dc(mem, iommu, 3, fsc=atp(SV39, 0x20000) | (1 << bit))
    assert res(tr(iommu, 3, 0x1000)) == (None, 259)


@pytest.mark.parametrize("bit", [44, 59])
def test_dc_pdtp_reserved_bits(env, bit):
    mem, iommu = env
    setup_dc(mem, iommu, 3, tc=TC_V | TC_PDTV, fsc=atp(PD8, 0x30000) | (1 << bit))
    assert res(tr(iommu, 3, 0x1000)) == (None, 259)


@pytest.mark.parametrize("tc", [TC_EN_ATS, TC_EN_PRI, TC_PRPR, TC_EN_ATS | TC_EN_PRI | TC_PRPR,
                                TC_T2GPA, TC_EN_ATS | TC_T2GPA])
def test_dc_ats_fields_without_ats(env, tc):
    mem, iommu = env
    setup_dc(mem, iommu, 3, tc=TC_V | tc, iohgatp=atp(SV39X4, 0x40000))
    assert res(tr(iommu, 3, 0x1000)) == (None, 259)


def test_dc_pd20_without_capability():
    mem, iommu = new(CAPS_NO_PD20)
    setup_dc(mem, iommu, 3, tc=TC_V | TC_PDTV, fsc=atp(PD20, 0x30000))
    assert res(tr(iommu, 3, 0x1000)) == (None, 259)
    setup_dc(mem, iommu, 3, tc=TC_V | TC_PDTV, fsc=atp(PD17, 0x30000))
    assert res(tr(iommu, 3, 0x1000, pid=0x100)) == (None, 266)   # PD17 fine: empty PDT


@pytest.mark.parametrize("mode", [4, 5, 13, 14, 15])
def test_dc_pdtp_invalid_mode(env, mode):
    mem, iommu = env
    setup_dc(mem, iommu, 3, tc=TC_V | TC_PDTV, fsc=atp(mode, 0x30000))
    assert res(tr(iommu, 3, 0x1000)) == (None, 259)


@pytest.mark.parametrize("mode", [1, 2, 7, 10, 11, 12, 13, 14, 15])
def test_dc_iosatp_invalid_mode(env, mode):
    # 10 = Sv57 is not supported by the default capabilities
    mem, iommu = env
    setup_dc(mem, iommu, 3, fsc=atp(mode, 0x20000))
    assert res(tr(iommu, 3, 0x1000)) == (None, 259)


def test_dc_iosatp_sv57_with_capability():
    mem, iommu = new(CAPS | CAP_SV57)
    setup_dc(mem, iommu, 3, fsc=atp(SV57, 0x20000))
    assert res(tr(iommu, 3, 0x1000)) == (None, 13)          # valid DC: empty root page -> V=0


def test_dc_dpe_without_pdtv(env):
    mem, iommu = env
    setup_dc(mem, iommu, 3, tc=TC_V | TC_DPE)
    assert res(tr(iommu, 3, 0x1000)) == (None, 259)


@pytest.mark.parametrize("mode", [1, 7, 10, 11, 13, 14, 15])
def test_dc_iohgatp_invalid_mode(env, mode):
    mem, iommu = env
    setup_dc(mem, iommu, 3, iohgatp=atp(mode, 0x40000))
    assert res(tr(iommu, 3, 0x1000)) == (None, 259)


def test_dc_iohgatp_sv57x4_with_capability():
    mem, iommu = new(CAPS | CAP_SV57 | (1 << 19))
    setup_dc(mem, iommu, 3, iohgatp=atp(SV57X4, 0x40000))
    assert res(tr(iommu, 3, 0x1000)) == (None, 21)          # valid DC: empty G root -> V=0


@pytest.mark.parametrize("root", [0x41000, 0x42000, 0x43000, 0x45000])
def test_dc_iohgatp_root_not_16k_aligned(env, root):
    mem, iommu = env
    setup_dc(mem, iommu, 3, iohgatp=atp(SV39X4, root))
    assert res(tr(iommu, 3, 0x1000)) == (None, 259)


@pytest.mark.parametrize("mode", [SV39X4, SV48X4])
def test_dc_iohgatp_aligned_is_fine(env, mode):
    mem, iommu = env
    setup_dc(mem, iommu, 3, iohgatp=atp(mode, 0x44000, 0xFFFF))
    assert res(tr(iommu, 3, 0x1000)) == (None, 21)          # valid DC, empty G-stage root


@pytest.mark.parametrize("tc", [TC_GADE, TC_SADE, TC_GADE | TC_SADE])
def test_dc_ad_update_without_amo_hwad(env, tc):
    mem, iommu = env
    setup_dc(mem, iommu, 3, tc=TC_V | tc)
    assert res(tr(iommu, 3, 0x1000)) == (None, 259)


def test_dc_sbe_differs_from_be(env):
    mem, iommu = env
    setup_dc(mem, iommu, 3, tc=TC_V | TC_SBE)
    assert res(tr(iommu, 3, 0x1000)) == (None, 259)


def test_dc_sxl_without_sv32(env):
    mem, iommu = env
    setup_dc(mem, iommu, 3, tc=TC_V | TC_SXL)
    assert res(tr(iommu, 3, 0x1000)) == (None, 259)
    setup_dc(mem, iommu, 3, tc=TC_V | TC_SXL, fsc=atp(SV39, 0x20000))
    assert res(tr(iommu, 3, 0x1000)) == (None, 259)


def test_dc_dtf_alone_is_valid(env):
    mem, iommu = env
    setup_dc(mem, iommu, 3, tc=TC_V | TC_DTF)
    assert res(tr(iommu, 3, 0x1000)) == (0x1000, None)


def test_dc_misconfig_reported_for_any_request(env):
    mem, iommu = env
    setup_dc(mem, iommu, 3, tc=TC_V | TC_SBE)
    for ttyp in (UX, UR, UW, TTYP.TRANSLATED_READ, TTYP.PCIE_ATS):
        assert res(tr(iommu, 3, 0x1000, ttyp)) == (None, 259)


def test_dc_fsc_sv48_iosatp_valid(env):
    mem, iommu = env
    setup_dc(mem, iommu, 3, fsc=atp(SV48, 0x20000))
    assert res(tr(iommu, 3, 0x1000)) == (None, 13)          # empty root -> read page fault
