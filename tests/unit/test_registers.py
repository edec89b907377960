"""Register file of the golden model: reset values, WARL/RO/RW1C behaviour, access rules.

Spec: riscv-iommu src/iommu_registers.adoc; implementation choices: docs/design.md "Registers".
"""

import pytest

from models import Memory, IommuModel, Reg
from tables import (CAPS, CAP_MSI_FLAT, CAP_SV57, CAP_SV57X4, CAPS_NO_PD20, CIE, CIP, CMD_ILL,
                    CQEN, FIE, FQEN, qbase, new)

ALL64 = (1 << 64) - 1
ALL32 = (1 << 32) - 1


def test_register_offsets_are_the_spec_offsets():
    assert int(Reg.CAPABILITIES) == 0x000
    assert int(Reg.FCTL) == 0x008
    assert int(Reg.DDTP) == 0x010
    assert (Reg.CQB, Reg.CQH, Reg.CQT) == (0x018, 0x020, 0x024)
    assert (Reg.FQB, Reg.FQH, Reg.FQT) == (0x028, 0x030, 0x034)
    assert (Reg.PQB, Reg.PQH, Reg.PQT) == (0x038, 0x040, 0x044)
    assert (Reg.CQCSR, Reg.FQCSR, Reg.PQCSR, Reg.IPSR) == (0x048, 0x04C, 0x050, 0x054)
    assert (Reg.TR_REQ_IOVA, Reg.TR_REQ_CTL, Reg.TR_RESPONSE) == (0x258, 0x260, 0x268)
    assert int(Reg.IOMMU_QOSID) == 0x270
    assert int(Reg.ICVEC) == 0x2F8
    assert int(Reg.MSI_CFG_TBL) == 0x300


# ------------------------------------------------------------------------------------------ reset
@pytest.mark.parametrize("reg,size,value", [
    (Reg.CAPABILITIES, 8, 0x0000_01F8_1006_0610),
    (Reg.FCTL, 4, 0x2),              # WSI=1, BE=0, GXL=0
    (Reg.DDTP, 8, 0),                # Off
    (Reg.CQB, 8, 0),
    (Reg.CQH, 4, 0),
    (Reg.CQT, 4, 0),
    (Reg.FQB, 8, 0),
    (Reg.FQH, 4, 0),
    (Reg.FQT, 4, 0),
    (Reg.CQCSR, 4, 0),
    (Reg.FQCSR, 4, 0),
    (Reg.IPSR, 4, 0),
    (Reg.ICVEC, 8, 0x10),            # civ=0, fiv=1
])
def test_reset_value(iommu, reg, size, value):
    assert iommu.read_reg(reg, size=size) == value


def test_default_capabilities_fields(iommu):
    caps = iommu.read_reg(Reg.CAPABILITIES)
    assert caps & 0xFF == 0x10                # version 1.0
    assert (caps >> 9) & 3 == 3               # Sv39, Sv48
    assert (caps >> 17) & 3 == 3              # Sv39x4, Sv48x4
    assert (caps >> 28) & 3 == 1              # IGS = WSI
    assert (caps >> 32) & 0x3F == 56          # PAS
    assert (caps >> 38) & 7 == 7              # PD8, PD17, PD20


@pytest.mark.parametrize("caps", [CAPS | CAP_SV57, CAPS | CAP_SV57 | CAP_SV57X4,
                                  CAPS | CAP_MSI_FLAT, CAPS_NO_PD20, CAPS | 1 << 31,    # DBG
                                  CAPS | 1 << 30,                                       # HPM
                                  CAPS | 1 << 42, CAPS | 1 << 43, CAPS | 3 << 42,        # NL, S
                                  CAPS | 1 << 24,                                       # AMO_HWAD
                                  CAPS | CAP_MSI_FLAT | 1 << 23,                        # MSI_MRIF
                                  CAPS | CAP_MSI_FLAT | 1 << 23 | 1 << 21,             # +AMO_MRIF
                                  CAPS | 1 << 8, CAPS | 1 << 16, CAPS | 1 << 14,         # Sv32, Sv32x4, Svrsw60t59b
                                  CAPS | 1 << 27, CAPS | 1 << 41,                       # END, QOSID
                                  CAPS | 1 << 25, CAPS | 3 << 25])                      # ATS, T2GPA
def test_other_capabilities_accepted(caps):
    iommu = IommuModel(Memory(), capabilities=caps)
    assert iommu.read_reg(Reg.CAPABILITIES) == caps


def test_every_capability_bit_of_the_spec_is_accepted():
    # iommu_registers.adoc, capabilities: version 0x10 [7:0]; Sv32 8, Sv39 9, Sv48 10, Sv57 11,
    # Svrsw60t59b 14, Svpbmt 15, Sv32x4 16, Sv39x4 17, Sv48x4 18, Sv57x4 19, AMO_MRIF 21,
    # MSI_FLAT 22, MSI_MRIF 23, AMO_HWAD 24, ATS 25, T2GPA 26, END 27, IGS [29:28] = 2 (BOTH),
    # HPM 30, DBG 31, PAS [37:32] = 56, PD8 38, PD17 39, PD20 40, QOSID 41, NL 42, S 43.
    bits = (8, 9, 10, 11, 14, 15, 16, 17, 18, 19, 21, 22, 23, 24, 25, 26, 27, 30, 31,
            38, 39, 40, 41, 42, 43)
    everything = 0x10 | sum(1 << b for b in bits) | 2 << 28 | 56 << 32
    assert everything == 0xFF8_EFEF_CF10         # by hand, nibble by nibble from bit 0
    iommu = IommuModel(Memory(), capabilities=everything)
    assert iommu.read_reg(Reg.CAPABILITIES) == everything


def test_igs_reserved_rejected():
    # IGS MSI (0) and BOTH (2) are modelled (tests/unit/test_msi_interrupts.py); 3 is reserved
    IommuModel(Memory(), capabilities=CAPS & ~(3 << 28))
    IommuModel(Memory(), capabilities=(CAPS & ~(3 << 28)) | (2 << 28))
    with pytest.raises(ValueError):
        IommuModel(Memory(), capabilities=CAPS | (3 << 28))


# ------------------------------------------------------------------------------ read-only regs
def test_capabilities_read_only(iommu):
    iommu.write_reg(Reg.CAPABILITIES, 0)
    iommu.write_reg(Reg.CAPABILITIES, ALL32, size=4)
    iommu.write_reg(Reg.CAPABILITIES + 4, 0, size=4)
    assert iommu.read_reg(Reg.CAPABILITIES) == 0x0000_01F8_1006_0610


def test_fctl_read_only(iommu):
    iommu.write_reg(Reg.FCTL, 0, size=4)
    assert iommu.read_reg(Reg.FCTL, size=4) == 0x2
    iommu.write_reg(Reg.FCTL, ALL32, size=4)
    assert iommu.read_reg(Reg.FCTL, size=4) == 0x2


def test_cqh_fqt_read_only(iommu):
    iommu.write_reg(Reg.CQB, qbase(0x60000, 3))
    iommu.write_reg(Reg.FQB, qbase(0x50000, 3))
    iommu.write_reg(Reg.CQH, 5, size=4)
    iommu.write_reg(Reg.FQT, 5, size=4)
    assert iommu.read_reg(Reg.CQH, size=4) == 0
    assert iommu.read_reg(Reg.FQT, size=4) == 0


# --------------------------------------------------------------------------------------- ddtp
def test_ddtp_all_ones_keeps_mode_writes_ppn(iommu):
    iommu.write_reg(Reg.DDTP, ALL64)
    # mode 15 is illegal -> stays Off; busy [4] RO 0; reserved [9:5], [63:54] read 0
    assert iommu.read_reg(Reg.DDTP) == 0x003F_FFFF_FFFF_FC00


@pytest.mark.parametrize("mode", [0, 1, 2, 3, 4])
def test_ddtp_legal_modes(iommu, mode):
    iommu.write_reg(Reg.DDTP, (0x123 << 10) | mode)
    assert iommu.read_reg(Reg.DDTP) == 0x4_8C00 | mode      # 0x123 << 10 = 0x48C00


@pytest.mark.parametrize("bad", [5, 6, 13, 14, 15])
def test_ddtp_illegal_mode_keeps_mode_ppn_written(iommu, bad):
    iommu.write_reg(Reg.DDTP, (0x10 << 10) | 1)            # Bare, PPN 0x10
    assert iommu.read_reg(Reg.DDTP) == 0x4001
    iommu.write_reg(Reg.DDTP, (0x1234 << 10) | bad)
    assert iommu.read_reg(Reg.DDTP) == 0x48_D001            # 0x1234 << 10 = 0x48D000, mode 1 kept


def test_ddtp_busy_and_reserved_read_zero(iommu):
    iommu.write_reg(Reg.DDTP, (1 << 4) | (0x1F << 5) | (0x3FF << 54) | 2)
    assert iommu.read_reg(Reg.DDTP) == 2


def test_ddtp_32bit_halves(iommu):
    iommu.write_reg(Reg.DDTP + 4, 0x12, size=4)            # PPN bits [53:32] of the register
    assert iommu.read_reg(Reg.DDTP) == 0x12_0000_0000
    iommu.write_reg(Reg.DDTP, 0x5C01, size=4)              # PPN low bits 0x17, mode Bare
    assert iommu.read_reg(Reg.DDTP) == 0x12_0000_5C01
    assert iommu.read_reg(Reg.DDTP, size=4) == 0x5C01
    assert iommu.read_reg(Reg.DDTP + 4, size=4) == 0x12
    iommu.write_reg(Reg.DDTP + 4, ALL32, size=4)           # only [53:32] -> [21:0] of the half
    assert iommu.read_reg(Reg.DDTP + 4, size=4) == 0x3F_FFFF
    assert iommu.read_reg(Reg.DDTP) == 0x003F_FFFF_0000_5C01


def test_capabilities_32bit_halves(iommu):
    assert iommu.read_reg(Reg.CAPABILITIES, size=4) == 0x1006_0610
    assert iommu.read_reg(Reg.CAPABILITIES + 4, size=4) == 0x0000_01F8


# ------------------------------------------------------------------------------ queue bases
@pytest.mark.parametrize("reg", [Reg.CQB, Reg.FQB])
def test_queue_base_write_mask(iommu, reg):
    iommu.write_reg(reg, ALL64)
    # LOG2SZ-1 [4:0] and PPN [53:10]; [9:5] and [63:54] reserved
    assert iommu.read_reg(reg) == 0x003F_FFFF_FFFF_FC1F


@pytest.mark.parametrize("reg", [Reg.CQB, Reg.FQB])
def test_queue_base_32bit_halves(iommu, reg):
    iommu.write_reg(reg + 4, 0x12, size=4)
    iommu.write_reg(reg, 0x5C01, size=4)
    assert iommu.read_reg(reg) == 0x12_0000_5C01
    assert iommu.read_reg(reg + 4, size=4) == 0x12
    assert iommu.read_reg(reg, size=4) == 0x5C01


def test_cqb_write_ignored_while_on(iommu):
    iommu.write_reg(Reg.CQB, qbase(0x60000, 2))            # 0x60 << 10 | 1 = 0x18001
    iommu.write_reg(Reg.CQCSR, CQEN, size=4)
    iommu.write_reg(Reg.CQB, qbase(0x70000, 3))
    assert iommu.read_reg(Reg.CQB) == 0x18001
    iommu.write_reg(Reg.CQCSR, 0, size=4)
    iommu.write_reg(Reg.CQB, qbase(0x70000, 3))
    assert iommu.read_reg(Reg.CQB) == 0x1C002               # 0x70 << 10 | 2


def test_fqb_write_ignored_while_on(iommu):
    iommu.write_reg(Reg.FQB, qbase(0x50000, 2))            # 0x14001
    iommu.write_reg(Reg.FQCSR, FQEN, size=4)
    iommu.write_reg(Reg.FQB, qbase(0x70000, 3))
    assert iommu.read_reg(Reg.FQB) == 0x14001
    iommu.write_reg(Reg.FQCSR, 0, size=4)
    iommu.write_reg(Reg.FQB, qbase(0x70000, 3))
    assert iommu.read_reg(Reg.FQB) == 0x1C002


@pytest.mark.parametrize("base,idx", [(Reg.CQB, Reg.CQT), (Reg.FQB, Reg.FQH)])
def test_software_index_masked_to_log2sz(iommu, base, idx):
    iommu.write_reg(base, qbase(0x60000, 3))               # 8 entries: LOG2SZ = 3
    iommu.write_reg(idx, ALL32, size=4)
    assert iommu.read_reg(idx, size=4) == 7
    iommu.write_reg(idx, 0x1D, size=4)                     # 0b11101 -> 0b101
    assert iommu.read_reg(idx, size=4) == 5
    iommu.write_reg(base, qbase(0x60000, 1))               # 2 entries: LOG2SZ = 1; write zeroes idx
    assert iommu.read_reg(idx, size=4) == 0
    iommu.write_reg(idx, 3, size=4)
    assert iommu.read_reg(idx, size=4) == 1


@pytest.mark.parametrize("base,idx", [(Reg.CQB, Reg.CQT), (Reg.FQB, Reg.FQH)])
def test_base_write_zeroes_software_index(iommu, base, idx):
    iommu.write_reg(base, qbase(0x60000, 3))
    iommu.write_reg(idx, 6, size=4)
    assert iommu.read_reg(idx, size=4) == 6
    iommu.write_reg(base, qbase(0x60000, 3))
    assert iommu.read_reg(idx, size=4) == 0


# ------------------------------------------------------------------------------ csr registers
def test_cqcsr_write_all_ones_when_idle(iommu):
    iommu.write_reg(Reg.CQB, qbase(0x60000, 2))
    iommu.write_reg(Reg.CQCSR, ALL32, size=4)
    # cqen, cie set; cqon=1; the W1C bits were 0; reserved and busy read 0
    assert iommu.read_reg(Reg.CQCSR, size=4) == 0x0001_0003
    iommu.write_reg(Reg.CQCSR, 0, size=4)
    assert iommu.read_reg(Reg.CQCSR, size=4) == 0


def test_fqcsr_write_all_ones(iommu):
    iommu.write_reg(Reg.FQB, qbase(0x50000, 2))
    iommu.write_reg(Reg.FQCSR, ALL32, size=4)
    assert iommu.read_reg(Reg.FQCSR, size=4) == 0x0001_0003   # fqen, fie, fqon
    iommu.write_reg(Reg.FQCSR, FIE, size=4)
    assert iommu.read_reg(Reg.FQCSR, size=4) == 0x2


def test_ipsr_write_ones_when_nothing_pending(iommu):
    iommu.write_reg(Reg.IPSR, ALL32, size=4)
    assert iommu.read_reg(Reg.IPSR, size=4) == 0


def test_icvec_warl(iommu):
    iommu.write_reg(Reg.ICVEC, 0xFFFF)
    assert iommu.read_reg(Reg.ICVEC) == 0x11               # one writable bit in civ and in fiv
    iommu.write_reg(Reg.ICVEC, ALL64)
    assert iommu.read_reg(Reg.ICVEC) == 0x11
    iommu.write_reg(Reg.ICVEC, 0)
    assert iommu.read_reg(Reg.ICVEC) == 0
    iommu.write_reg(Reg.ICVEC, 0xEE)                       # even values: the writable bit is 0
    assert iommu.read_reg(Reg.ICVEC) == 0
    iommu.write_reg(Reg.ICVEC, 0x01, size=4)
    assert iommu.read_reg(Reg.ICVEC, size=4) == 0x01


def test_rw1c_cmd_ill(iommu, mem):
    # an all-zero command (opcode 0) is illegal
    iommu.write_reg(Reg.CQB, qbase(0x60000, 2))
    iommu.write_reg(Reg.CQCSR, CQEN | CIE, size=4)
    iommu.write_reg(Reg.CQT, 1, size=4)
    assert iommu.read_reg(Reg.CQCSR, size=4) == 0x1_0403     # cqon | cmd_ill | cie | cqen
    assert iommu.read_reg(Reg.IPSR, size=4) == CIP
    iommu.write_reg(Reg.CQCSR, CQEN | CIE, size=4)           # writing 0 to cmd_ill: no effect
    assert iommu.read_reg(Reg.CQCSR, size=4) & CMD_ILL
    iommu.write_reg(Reg.IPSR, CIP, size=4)                   # cip is set again: cmd_ill holds
    assert iommu.read_reg(Reg.IPSR, size=4) == CIP
    mem.write64(0x60000, 2)                                  # fix: IOFENCE.C
    iommu.write_reg(Reg.CQCSR, CQEN | CIE | CMD_ILL, size=4)
    assert iommu.read_reg(Reg.CQCSR, size=4) == 0x1_0003
    assert iommu.read_reg(Reg.CQH, size=4) == 1
    iommu.write_reg(Reg.IPSR, CIP, size=4)
    assert iommu.read_reg(Reg.IPSR, size=4) == 0


def test_cqen_rising_edge_clears_errors_and_cqh(iommu, mem):
    mem.write64(0x60000, 2)                                   # IOFENCE.C
    iommu.write_reg(Reg.CQB, qbase(0x60000, 2))
    iommu.write_reg(Reg.CQCSR, CQEN, size=4)
    iommu.write_reg(Reg.CQT, 2, size=4)                       # second command (zero) illegal
    assert iommu.read_reg(Reg.CQH, size=4) == 1
    assert iommu.read_reg(Reg.CQCSR, size=4) == 0x1_0401
    iommu.write_reg(Reg.CQCSR, 0, size=4)
    assert iommu.read_reg(Reg.CQCSR, size=4) == CMD_ILL       # error bits survive cqen=0
    iommu.write_reg(Reg.CQB, qbase(0x60000, 2))               # cqt <- 0
    iommu.write_reg(Reg.CQCSR, CQEN, size=4)
    assert iommu.read_reg(Reg.CQCSR, size=4) == 0x1_0001
    assert iommu.read_reg(Reg.CQH, size=4) == 0


# ------------------------------------------------------------------------------ absent registers
@pytest.mark.parametrize("off,size", [
    (Reg.PQB, 8), (Reg.PQB + 4, 4), (Reg.PQH, 4), (Reg.PQT, 4), (Reg.PQCSR, 4),
    (0x00C, 4),            # custom
    (0x058, 4), (0x05C, 4), (0x060, 8), (0x068, 8), (0x160, 8),    # HPM
    (Reg.TR_REQ_IOVA, 8), (Reg.TR_REQ_CTL, 8), (Reg.TR_RESPONSE, 8),
    (Reg.IOMMU_QOSID, 4),
    (0x274, 4), (0x2B0, 4),          # reserved, custom
    (Reg.MSI_CFG_TBL, 8), (Reg.MSI_CFG_TBL + 8, 4), (0x3F0, 8),
    (0x400, 4), (0xFFC, 4),
])
def test_absent_register_reads_zero_ignores_writes(iommu, off, size):
    assert iommu.read_reg(off, size=size) == 0
    iommu.write_reg(off, (1 << (8 * size)) - 1, size=size)
    assert iommu.read_reg(off, size=size) == 0


def test_absent_register_write_has_no_side_effect(iommu):
    iommu.write_reg(Reg.PQCSR, ALL32, size=4)
    iommu.write_reg(Reg.TR_REQ_CTL, ALL64)
    assert iommu.read_reg(Reg.CQCSR, size=4) == 0
    assert iommu.read_reg(Reg.FQCSR, size=4) == 0
    assert iommu.read_reg(Reg.IPSR, size=4) == 0
    assert iommu.read_reg(Reg.DDTP) == 0


# ------------------------------------------------------------------------------ access errors
@pytest.mark.parametrize("off,size", [
    (Reg.DDTP + 2, 4),      # misaligned
    (Reg.DDTP + 4, 8),      # misaligned 8-byte
    (0x011, 4),
    (Reg.CQB, 2),           # bad sizes
    (Reg.CQB, 1),
    (Reg.CQB, 16),
    (Reg.CQH, 8),           # 8-byte access to a 4-byte register
    (Reg.FCTL, 8),
    (Reg.CQCSR, 8),
    (0x1000, 4),            # outside the page
    (0x1000, 8),
    (0x2000, 4),
    (-4, 4),
])
def test_access_errors_raise_value_error(iommu, off, size):
    with pytest.raises(ValueError):
        iommu.read_reg(off, size=size)
    with pytest.raises(ValueError):
        iommu.write_reg(off, 0, size=size)


def test_value_too_wide_for_access_or_negative(iommu):
    # a 32-bit write of a value that does not fit (misuse) must not corrupt the other half
    try:
        iommu.write_reg(Reg.DDTP, 0x1_0000_0001, size=4)
    except ValueError:
        return
    assert iommu.read_reg(Reg.DDTP + 4, size=4) == 0


def test_independent_instances(env):
    mem, a = env
    b = IommuModel(mem)
    a.write_reg(Reg.DDTP, 1)
    assert b.read_reg(Reg.DDTP) == 0
    _, c = new()
    assert c.read_reg(Reg.DDTP) == 0


@pytest.mark.parametrize("off", [Reg.FQH, Reg.PQH, Reg.PQCSR, Reg.CQT - 4])
def test_8byte_access_spanning_two_4byte_registers(iommu, off):
    with pytest.raises(ValueError):
        iommu.read_reg(off, size=8)
    with pytest.raises(ValueError):
        iommu.write_reg(off, 0, size=8)


@pytest.mark.parametrize("caps", [
    (CAPS & ~0xFF) | 0x20,          # version other than 1.0
    CAPS & ~(1 << 9),               # Sv48 without Sv39
    CAPS | (1 << 12),               # reserved
    CAPS | (1 << 20),               # reserved
    CAPS | (1 << 44),               # reserved [55:44]
    CAPS | (1 << 56),               # custom
    (CAPS & ~(0x3F << 32)) | (60 << 32),    # PAS wider than 56
])
def test_invalid_capabilities_rejected(caps):
    with pytest.raises(ValueError):
        IommuModel(Memory(), capabilities=caps)
