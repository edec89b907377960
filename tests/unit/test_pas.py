"""capabilities.PAS: the physical address space the IOMMU addresses is 0 .. 2^PAS - 1.

Spec: iommu_registers.adoc "capabilities" ("The physical address space addressable by the IOMMU
ranges from 0 to 2^capabilities.PAS - 1"), ddtp / cqb / fqb (PPN fields are WARL),
cqcsr.cqmf and fqcsr.fqmf; iommu_data_structures.adoc "Process to locate the Device-context"
(257), "Process to locate the Process-context" (265), "Process to translate addresses of MSIs"
(261), the DC/PC notes ("Other implementations only detect such addresses to be invalid when
the data structure referenced by these fields needs to be accessed ... access-violation
faults"); Privileged spec two-stage translation (a PTE access that violates a PMA check is an
access fault of the original access type: 1/5/7). The model's choices: docs/design.md,
"Physical address size". Every expected value below is worked out by hand from those texts.
"""

import pytest

from models import Outcome, Reg, Request, TTYP
from scoreboards import CoherenceOracle
from tables import (CAPS, CAP_MSI_FLAT, CQMF, FQMF, LVL1, LVL2, LVL3, PC_V, PD8, PD17, SV39,
                    SV39X4, SV48X4, TC_PDTV, TC_V, V, LEAF_URWX, G_LEAF, atp, cmd_iodir,
                    cmd_iofence, ddtp, enable_cq, new, place_dc, place_pc, pte, put_cmd, qbase,
                    res, tr)

UX, UR, UW = TTYP.UNTRANSLATED_EXEC, TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_WRITE
ACCESS_FAULT = {UX: 1, UR: 5, UW: 7}

# The default capabilities with PAS [37:32] = 40 instead of 56: the upper word 0x1F8 is
# PD20|PD17|PD8 (0x1C0) | PAS 56 (0x38); with PAS 40 (0x28) it is 0x1C0 | 0x28 = 0x1E8.
CAPS_PAS40 = 0x0000_01E8_1006_0610
TOP40 = 1 << 40                # first address beyond a 40-bit space
TOP56 = 1 << 56


def test_caps_pas40_value():
    assert (CAPS_PAS40 >> 32) & 0x3F == 40 and CAPS_PAS40 & ~(0x3F << 32) == CAPS & ~(0x3F << 32)


# ------------------------------------------------------------------ registers: PPN is WARL
@pytest.mark.parametrize("reg,value,expect", [
    # ddtp: reserved [63:54] and [9:5], busy [4] read 0; PPN [53:10] = 44 bits = address bits
    # 55:12, all of them inside a 56-bit space; mode 2 (1LVL) is taken.
    (Reg.DDTP, 0xFFFF_FFFF_FFFF_FFF2, 0x003F_FFFF_FFFF_FC02),
    # cqb / fqb: LOG2SZ-1 [4:0] and the whole PPN
    (Reg.CQB, 0xFFFF_FFFF_FFFF_FFFF, 0x003F_FFFF_FFFF_FC1F),
    (Reg.FQB, 0xFFFF_FFFF_FFFF_FFFF, 0x003F_FFFF_FFFF_FC1F),
])
def test_pas56_ppn_keeps_44_bits(iommu, reg, value, expect):
    iommu.write_reg(reg, value)
    assert iommu.read_reg(reg) == expect


@pytest.mark.parametrize("reg,value,expect", [
    # PAS 40: register bit k of PPN [53:10] holds address bit k + 2, so bits [53:38] (address
    # bits 55:40) read 0 and bits [37:10] stay: (2^28 - 1) << 10 = 0x3F_FFFF_FC00.
    (Reg.DDTP, 0x003F_FFFF_FFFF_FC02, 0x0000_003F_FFFF_FC02),
    (Reg.CQB, 0x003F_FFFF_FFFF_FC1F, 0x0000_003F_FFFF_FC1F),
    (Reg.FQB, 0x003F_FFFF_FFFF_FC1F, 0x0000_003F_FFFF_FC1F),
])
def test_pas40_ppn_warl(reg, value, expect):
    _, iommu = new(CAPS_PAS40)
    iommu.write_reg(reg, value)
    assert iommu.read_reg(reg) == expect


def test_pas40_ppn_warl_32bit_high_half():
    # high-half bit j is register bit 32 + j: j = 8 (0x100) is address bit 42 -> reads 0;
    # j = 5 (0x20) is address bit 39 -> kept
    _, iommu = new(CAPS_PAS40)
    iommu.write_reg(Reg.DDTP + 4, 0x0000_0120, size=4)
    assert iommu.read_reg(Reg.DDTP + 4, size=4) == 0x0000_0020
    assert iommu.read_reg(Reg.DDTP) == 0x0000_0020_0000_0000


def test_smaller_pas_masks_registers_already_written(iommu):
    iommu.write_reg(Reg.DDTP, 0x003F_FFFF_FFFF_FC03)          # 2LVL, every PPN bit
    iommu.set_capabilities(CAPS_PAS40)
    assert iommu.read_reg(Reg.DDTP) == 0x0000_003F_FFFF_FC03


# ------------------------------------------------------------------ directory walks
def test_pas56_ddt_in_the_top_page(env):
    # root page 0xFF_FFFF_FFFF_F000 (PPN 2^44 - 1); 1LVL, device 0x7F: its 32-byte DC is at
    # root + 0x7F * 32 = 0xFF_FFFF_FFFF_FFE0 and ends exactly at 2^56: all inside the space.
    # Both stages Bare: PA = IOVA. (A 44-bit PPN reaches at most this page, so with PAS 56 no
    # directory or table entry can point beyond the space: the top page is the edge.)
    mem, iommu = env
    root = TOP56 - 0x1000
    iommu.write_reg(Reg.DDTP, ddtp(LVL1, root))
    assert place_dc(mem, LVL1, 0x7F, [TC_V, 0, 0, 0], root=root) == 0xFF_FFFF_FFFF_FFE0
    assert res(tr(iommu, 0x7F, 0x1234_5678)) == (0x1234_5678, None)


def test_pas40_dc_beyond_is_ddt_load_access_fault():
    # 2LVL, device 0x85: DDI[1] = 1, DDI[0] = 5. The non-leaf entry at 0x10000 + 1*8 points at
    # page 2^40, so the DC would be at 2^40 + 5*32: outside 0 .. 2^40 - 1, "accessing DC
    # violates a PMA ... check" -> 257. A valid DC is placed there to show it is not read.
    # Device 0x05 (DDI[1] = 0) points at the last page below 2^40 and translates (Bare stages).
    mem, iommu = new(CAPS_PAS40)
    iommu.write_reg(Reg.DDTP, ddtp(LVL2))
    place_dc(mem, LVL2, 0x85, [TC_V, 0, 0, 0], tables=(TOP40,))
    place_dc(mem, LVL2, 0x05, [TC_V, 0, 0, 0], tables=(TOP40 - 0x1000,))
    assert res(tr(iommu, 0x85, 0x4000)) == (None, 257)
    assert res(tr(iommu, 0x05, 0x4000)) == (0x4000, None)


def test_pas40_nonleaf_ddt_beyond_is_ddt_load_access_fault():
    # 3LVL: the root entry (DDI[2] = 0) points at page 2^40; the next non-leaf entry would be
    # read there ("accessing ddte violates a PMA ... check" -> 257)
    mem, iommu = new(CAPS_PAS40)
    iommu.write_reg(Reg.DDTP, ddtp(LVL3))
    place_dc(mem, LVL3, 0x85, [TC_V, 0, 0, 0], tables=(TOP40, 0x12000))
    assert res(tr(iommu, 0x85, 0x4000)) == (None, 257)


def _pd_dc(mem, iommu, pdtp):
    iommu.write_reg(Reg.DDTP, ddtp(LVL1))
    place_dc(mem, LVL1, 1, [TC_V | TC_PDTV, 0, 0, pdtp])


def test_pas40_pc_beyond_is_pdt_load_access_fault():
    # PD8 root at page 2^40: the PC of pid 3 would be at 2^40 + 3*16 -> "accessing PC violates
    # a PMA ... check" -> 265
    mem, iommu = new(CAPS_PAS40)
    _pd_dc(mem, iommu, atp(PD8, TOP40))
    place_pc(mem, PD8, 3, PC_V, 0, tables=(TOP40,))
    assert res(tr(iommu, 1, 0x5000, pid=3)) == (None, 265)


def test_pas40_nonleaf_pdt_beyond_is_pdt_load_access_fault():
    # PD17: the root entry at 0x30000 + PDI[1]*8 points at page 2^40 where the PC would be
    # -> 265; pid 0x103: PDI[1] = 1, PDI[0] = 3
    mem, iommu = new(CAPS_PAS40)
    _pd_dc(mem, iommu, atp(PD17, 0x30000))
    place_pc(mem, PD17, 0x103, PC_V, 0, tables=(0x30000, TOP40))
    assert res(tr(iommu, 1, 0x5000, pid=0x103)) == (None, 265)
    # the same table pointing at the last page below 2^40: PC valid, fsc Bare -> PA = IOVA
    place_pc(mem, PD17, 0x103, PC_V, 0, tables=(0x30000, TOP40 - 0x1000))
    assert res(tr(iommu, 1, 0x5000, pid=0x103)) == (0x5000, None)


# ------------------------------------------------------------------ page-table walks
VA = 0x4000_1000          # Sv39: VPN[2] = 1, VPN[1] = 0, VPN[0] = 1


@pytest.mark.parametrize("ttyp", [UR, UW, UX])
def test_pas40_first_stage_pte_beyond_is_access_fault(ttyp):
    # iosatp Sv39 root 0x20000; its entry VPN[2] = 1 (at 0x20008) points at page 2^40, where
    # the level-1 PTE would be read: a PTE access violating a PMA check is an access fault of
    # the original access type (1/5/7). A complete valid walk is placed beyond 2^40.
    mem, iommu = new(CAPS_PAS40)
    iommu.write_reg(Reg.DDTP, ddtp(LVL1))
    place_dc(mem, LVL1, 1, [TC_V, 0, 0, atp(SV39, 0x20000)])
    mem.write64(0x20008, pte(TOP40, V))
    mem.write64(TOP40, pte(TOP40 + 0x1000, V))                     # VPN[1] = 0
    mem.write64(TOP40 + 0x1008, pte(0x9000_0000, LEAF_URWX))        # VPN[0] = 1
    assert res(tr(iommu, 1, VA | 0x123, ttyp)) == (None, ACCESS_FAULT[ttyp])


def test_pas40_final_address_is_not_an_implicit_access():
    # The translated address is where the *device's* access goes: the IOMMU makes no access
    # there, so no IOMMU access fault (PMA/PMP checks of device accesses belong to the IO
    # bridge: iommu_hw_guidelines.adoc "Faults from PMA and PMP"). A leaf mapping VA to
    # 0x80_0000_0000 (bit 43, beyond 2^40) gives that PA.
    mem, iommu = new(CAPS_PAS40)
    iommu.write_reg(Reg.DDTP, ddtp(LVL1))
    place_dc(mem, LVL1, 1, [TC_V, 0, 0, atp(SV39, 0x20000)])
    mem.write64(0x20008, pte(0x21000, V))
    mem.write64(0x21000, pte(0x22000, V))
    mem.write64(0x22008, pte(0x80_0000_0000, LEAF_URWX))
    assert res(tr(iommu, 1, VA | 0x123)) == (0x80_0000_0123, None)


@pytest.mark.parametrize("ttyp", [UR, UW, UX])
def test_pas40_gstage_pte_beyond_is_access_fault(ttyp):
    # G-stage only (iosatp Bare), Sv39x4 root 0x40000 (16 KiB aligned). GPA 0x1000: root index
    # GPA[40:30] = 0 -> entry at 0x40000 points at page 2^40, where the level-1 G-stage PTE
    # would be read -> access fault of the original access type.
    mem, iommu = new(CAPS_PAS40)
    iommu.write_reg(Reg.DDTP, ddtp(LVL1))
    place_dc(mem, LVL1, 1, [TC_V, atp(SV39X4, 0x40000, 1), 0, 0])
    mem.write64(0x40000, pte(TOP40, V))
    assert res(tr(iommu, 1, 0x1234, ttyp)) == (None, ACCESS_FAULT[ttyp])


def _gstage_to_top40(mem):
    """Sv39x4 root 0x40000 whose entry 0 is a 1 GiB leaf: GPA [0, 1 GiB) -> SPA 2^40 + GPA
    (2^40 is 1 GiB aligned)."""
    mem.write64(0x40000, pte(TOP40, G_LEAF))


@pytest.mark.parametrize("ttyp", [UR, UW, UX])
def test_pas40_first_stage_pte_at_spa_beyond_is_access_fault(ttyp):
    # two stages: iosatp Sv39 root at GPA 0x2000 -> SPA 2^40 + 0x2000 (G-stage leaf above);
    # the root PTE read there is outside the space -> access fault of the original type
    mem, iommu = new(CAPS_PAS40)
    iommu.write_reg(Reg.DDTP, ddtp(LVL1))
    place_dc(mem, LVL1, 1, [TC_V, atp(SV39X4, 0x40000, 1), 0, atp(SV39, 0x2000)])
    _gstage_to_top40(mem)
    assert res(tr(iommu, 1, VA, ttyp)) == (None, ACCESS_FAULT[ttyp])


def test_pas40_pdt_at_spa_beyond_is_pdt_load_access_fault():
    # PD8 root at GPA 0x3000 -> SPA 2^40 + 0x3000: the PC read there -> 265 (a PDT access
    # fault, also when the address came through the G-stage)
    mem, iommu = new(CAPS_PAS40)
    iommu.write_reg(Reg.DDTP, ddtp(LVL1))
    place_dc(mem, LVL1, 1, [TC_V | TC_PDTV, atp(SV39X4, 0x40000, 1), 0, atp(PD8, 0x3000)])
    _gstage_to_top40(mem)
    assert res(tr(iommu, 1, 0x5000, pid=3)) == (None, 265)


# ------------------------------------------------------------------ MSI page table
def test_pas40_msi_pte_beyond_is_msi_pte_load_access_fault():
    # Extended DC: iohgatp Sv48x4 (so MGPAW = 50 and mask bits [36:0] are usable), msiptp Flat
    # at 0x50000, mask = 2^37 - 1, pattern 0: every GPA below 2^49 is an MSI page.
    # GPA 2^48: I = extract(2^36, mask) = 2^36; the PTE is at 0x50000 | 2^36 * 16
    # = 2^40 | 0x50000: beyond the space -> "accessing msipte violates a PMA ... check" -> 261.
    # GPA 2^48 - 0x1000: I = 2^36 - 1; 0x50000 | (2^40 - 16) = 0xFF_FFFF_FFF0: the last 16
    # bytes of the space -> read; basic-mode PTE with PPN 0x1234 -> SPA 0x123_4000 | offset.
    mem, iommu = new(CAPS_PAS40 | CAP_MSI_FLAT)
    iommu.write_reg(Reg.DDTP, ddtp(LVL1))
    place_dc(mem, LVL1, 1, [TC_V, atp(SV48X4, 0x40000, 1), 0, 0, atp(1, 0x50000),
                            (1 << 37) - 1, 0, 0], ext=True)
    mem.write64(0xFF_FFFF_FFF0, pte(0x123_4000, V | 3 << 1))
    mem.write64(TOP40 | 0x50000, pte(0x123_4000, V | 3 << 1))
    assert res(tr(iommu, 1, (1 << 48) | 0x10, UW)) == (None, 261)
    assert res(tr(iommu, 1, (1 << 48) - 0x1000 + 0x10, UW)) == (0x123_4010, None)


# ------------------------------------------------------------------ queues
def _fence_at(mem, iommu, index, addr, data):
    put_cmd(mem, index, cmd_iofence(av=1, data=data, addr=addr))
    iommu.write_reg(Reg.CQT, index + 1, size=4)


@pytest.mark.parametrize("caps,top", [(None, TOP56), (CAPS_PAS40, TOP40)])
def test_iofence_store_beyond_pas_is_cqmf(caps, top):
    # IOFENCE.C AV=1 stores DATA at ADDR[63:2] << 2. To the last 4 bytes below 2^PAS: done.
    # To 2^PAS: "a memory access made by a command leads to a memory fault" (cqcsr.cqmf): cqmf
    # is set, cqh stays on the fence, nothing is written (not even at the address modulo 2^PAS).
    mem, iommu = new(caps)
    enable_cq(iommu, log2sz=3)
    _fence_at(mem, iommu, 0, top - 4, 0x1111_2222)
    assert iommu.read_reg(Reg.CQH, size=4) == 1 and not iommu.read_reg(Reg.CQCSR, size=4) & CQMF
    assert mem.peek(top - 4, 4) == bytes.fromhex("22221111")
    _fence_at(mem, iommu, 1, top, 0x3333_4444)
    assert iommu.read_reg(Reg.CQCSR, size=4) & CQMF
    assert iommu.read_reg(Reg.CQH, size=4) == 1
    assert mem.peek(top, 4) == bytes(4) and mem.peek(0, 4) == bytes(4)


def test_iofence_store_to_the_top_of_the_addr_field_is_cqmf(iommu, mem):
    # ADDR[63:2] all ones: 2^64 - 4, far beyond 2^56
    enable_cq(iommu, log2sz=3)
    _fence_at(mem, iommu, 0, (1 << 64) - 4, 0x5555_6666)
    assert iommu.read_reg(Reg.CQCSR, size=4) & CQMF and iommu.read_reg(Reg.CQH, size=4) == 0


def test_pas40_command_fetch_beyond_is_cqmf():
    # A misaligned queue (UNSPECIFIED addresses in the spec; the model's choice is documented
    # in docs/design.md): 512 entries (needs 8 KiB alignment) in the last page below 2^40.
    # Entries 0..255 fill that page; entry 256 is at 2^40 -> the fetch is a memory fault:
    # cqmf, cqh stays at 256.
    mem, iommu = new(CAPS_PAS40)
    base = TOP40 - 0x1000
    iommu.write_reg(Reg.CQB, qbase(base, 9))
    iommu.write_reg(Reg.CQCSR, 1, size=4)
    for i in range(257):
        put_cmd(mem, i, cmd_iodir(), base=base)
    iommu.write_reg(Reg.CQT, 257, size=4)
    assert iommu.read_reg(Reg.CQH, size=4) == 256
    assert iommu.read_reg(Reg.CQCSR, size=4) & CQMF


def test_pas40_fault_record_beyond_is_fqmf():
    # A misaligned fault queue (UNSPECIFIED in the spec; model's choice as above): 256 records
    # (needs 8 KiB alignment) in the last page below 2^40. Records 0..127 fill the page; record
    # 128 would be at 2^40 -> "access fault when storing a fault record" (fqcsr.fqmf): fqmf,
    # fqt stays 128, the record is discarded. ddtp Off: every request is a 256 fault.
    mem, iommu = new(CAPS_PAS40)
    base = TOP40 - 0x1000
    iommu.write_reg(Reg.FQB, qbase(base, 8))
    iommu.write_reg(Reg.FQCSR, 1, size=4)
    for i in range(129):
        assert res(tr(iommu, 1, 0x1000 * i)) == (None, 256)
    assert iommu.read_reg(Reg.FQT, size=4) == 128
    assert iommu.read_reg(Reg.FQCSR, size=4) & FQMF
    assert mem.read64(base + 127 * 32 + 16) == 0x1000 * 127          # iotval of record 127
    assert mem.peek(TOP40, 32) == bytes(32)


# ------------------------------------------------------------------ the oracle's model
def test_oracle_judges_with_the_dut_pas():
    # CoherenceOracle.set_capabilities (the DUT's capabilities register) makes PAS effective:
    # the same tables translate with PAS 56 and give 257 with PAS 40 (device 0x85 of the
    # 2LVL test above).
    req = Request(did=0x85, iova=0x4000, ttyp=UR)
    for caps, expect in ((None, Outcome(0x4000, None)), (CAPS_PAS40, Outcome(None, 257))):
        o = CoherenceOracle()
        if caps is not None:
            o.set_capabilities(caps)
        o.write_reg(Reg.DDTP, ddtp(LVL2))
        o.store64(0x10008, pte(TOP40, V))
        o.store64(TOP40 + 5 * 32, TC_V)
        assert o.outcomes(req) == frozenset({expect})
