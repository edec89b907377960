"""Big-endian in-memory structures: capabilities.END, fctl.BE and DC.tc.SBE.

Spec, worked by hand from the text:
- capabilities bit 27 END: "When 0, IOMMU supports one endianness ... When 1, IOMMU supports
  both endianness. The endianness is defined in the fctl register."
- fctl.BE (bit 0, WARL): "When 0, IOMMU accesses to memory resident data structures, as
  specified in [the endianness table], and accesses to in-memory queues are performed as
  little-endian accesses and when 1 as big-endian accesses." A change while ddtp.iommu_mode
  is not Off or a queue is on is UNSPECIFIED (the model keeps the old value).
- "Endianness of in-memory data structures": DDT, second-stage page table and MSI page table
  follow fctl.BE; PDT and first-stage page table follow DC.tc.SBE. "The DC is interpreted as
  four 64-bit doublewords ... The byte order of each of the doublewords in memory ... is the
  endianness as determined by fctl.BE"; the PC the same with DC.tc.SBE.
- DC check (259): "capabilities.END is 0 and fctl.BE != DC.tc.SBE".
- Fault records and commands are queue entries (fctl.BE); the IOFENCE.C data store is in
  fctl.BE order (docs/design.md, "Big-endian structures").
A big-endian doubleword x is stored as its 8 bytes most significant first; the model's memory
reads little-endian, so such a doubleword reads back as the byte-reverse of x (be64 below).
Expected values are literals worked out from that text, not printed by the model.
"""
from models import Reg, TTYP
from tables import (CAPS, FQ_BASE, G_LEAF, LEAF_URWX, LVL2, SV39, SV39X4, TC_SBE, TC_V, V, atp,
                    cmd_iofence, enable_cq, enable_fq, map_va, new, pte, put_cmd, res, setup_dc,
                    tr, CQ_BASE)

END = 1 << 27
FCTL = Reg.FCTL
DID = 6


def be64(x):
    """The little-endian reading of the 8 bytes of x stored big-endian."""
    return int.from_bytes(x.to_bytes(8, "big"), "little")


def swap_at(mem, addr, n=1):
    for i in range(n):
        mem.write64(addr + 8 * i, be64(mem.read64(addr + 8 * i)))


def test_be64_by_hand():
    assert be64(0x0000_0000_0000_0001) == 0x0100_0000_0000_0000


# ---- fctl.BE ------------------------------------------------------------------------------------
def test_be_read_only_without_end():
    _, iommu = new(CAPS)
    iommu.write_reg(FCTL, 0x1, 4)
    assert iommu.read_reg(FCTL, 4) == 0x2          # WSI=1 (IGS=WSI), BE stays 0


def test_be_writable_with_end_while_off():
    _, iommu = new(CAPS | END)
    iommu.write_reg(FCTL, 0x1, 4)
    assert iommu.read_reg(FCTL, 4) == 0x3
    iommu.write_reg(FCTL, 0x0, 4)
    assert iommu.read_reg(FCTL, 4) == 0x2


def test_be_change_ignored_while_not_off_or_queue_on():
    _, iommu = new(CAPS | END)
    iommu.write_reg(Reg.DDTP, 1)                   # Bare
    iommu.write_reg(FCTL, 0x1, 4)
    assert iommu.read_reg(FCTL, 4) == 0x2
    _, iommu = new(CAPS | END)
    enable_cq(iommu)
    iommu.write_reg(FCTL, 0x1, 4)
    assert iommu.read_reg(FCTL, 4) == 0x2


# ---- device directory, first stage, G-stage ----------------------------------------------------
# First stage Sv39, VA 0x20_2030_1567: VPN[2] 0x80, VPN[1] 0x101, VPN[0] 0x101; root 0x20000
# (entry 0x20400), level 1 0x21000 (entry 0x21808), level 0 0x22000 (leaf 0x22808) -> PA
# 0x7_7777_7567. 2LVL DDT: did 6 -> DDI[1] = 0: root entry at 0x10000 -> 0x11000, DC at
# 0x11000 + 6*32 = 0x110C0.
VA, PA = 0x20_2030_1567, 0x7_7777_7567
FS_PTES = (0x20400, 0x21808, 0x22808)
DC_ADDR, DDTE = 0x110C0, 0x10000


def first_stage(caps, fctl_be, sbe):
    mem, iommu = new(caps)
    iommu.write_reg(FCTL, fctl_be, 4)
    dc = setup_dc(mem, iommu, DID, tc=TC_V | (TC_SBE if sbe else 0), fsc=atp(SV39, 0x20000),
                  mode=LVL2)
    assert dc == DC_ADDR
    map_va(mem, VA, pte(0x7_7777_7000, LEAF_URWX), [0x20000, 0x21000, 0x22000])
    if fctl_be:
        swap_at(mem, DDTE)
        swap_at(mem, DC_ADDR, 4)
    if sbe:
        for a in FS_PTES:
            swap_at(mem, a)
    return mem, iommu


def test_all_big_endian():
    _, iommu = first_stage(CAPS | END, 1, 1)
    assert res(tr(iommu, DID, VA)) == (PA, None)


def test_ddt_little_first_stage_big():
    _, iommu = first_stage(CAPS | END, 0, 1)
    assert res(tr(iommu, DID, VA)) == (PA, None)


def test_ddt_big_first_stage_little():
    _, iommu = first_stage(CAPS | END, 1, 0)
    assert res(tr(iommu, DID, VA)) == (PA, None)


def test_big_endian_ddt_read_little_endian_is_not_valid():
    # BE=1 could not be set (END=0): the swapped root entry reads V=0 -> 258
    mem, iommu = first_stage(CAPS, 0, 0)
    swap_at(mem, DDTE)
    assert res(tr(iommu, DID, VA)) == (None, 258)


def test_sbe_must_match_be_without_end():
    _, iommu = first_stage(CAPS, 0, 1)
    assert res(tr(iommu, DID, VA)) == (None, 259)


def test_first_stage_big_endian_read_little_endian_faults():
    # SBE=0 but the PTEs are stored big-endian: the root entry reads V=0 -> page fault 13
    mem, iommu = first_stage(CAPS | END, 0, 0)
    for a in FS_PTES:
        swap_at(mem, a)
    assert res(tr(iommu, DID, VA)) == (None, 13)


def test_g_stage_follows_fctl_be_not_sbe():
    # Sv39x4, GPA 0x8000_1234 >> 30 = 2: root entry 0x40010, a 1 GiB leaf -> SPA 0x1_C000_1234.
    # fctl.BE=1 (DDT and G-stage big-endian), SBE=0.
    mem, iommu = new(CAPS | END)
    iommu.write_reg(FCTL, 1, 4)
    setup_dc(mem, iommu, DID, iohgatp=atp(SV39X4, 0x40000, 1), mode=LVL2)
    swap_at(mem, DDTE)
    swap_at(mem, DC_ADDR, 4)
    mem.write64(0x40010, be64(pte(0x1_C000_0000, G_LEAF)))
    assert res(tr(iommu, DID, 0x8000_1234)) == (0x1_C000_1234, None)


def test_ad_update_written_big_endian():
    # leaf without A (LEAF_URWX - A) and SADE=1 (needs AMO_HWAD, bit 24): the IOMMU sets A
    # (0x40) and writes the PTE back in the same (big-endian) order
    mem, iommu = new(CAPS | END | 1 << 24)
    setup_dc(mem, iommu, DID, tc=TC_V | TC_SBE | 1 << 8, fsc=atp(SV39, 0x20000))
    leaf = pte(0x7_7777_7000, LEAF_URWX & ~0x40)
    map_va(mem, VA, be64(leaf), [0x20000, 0x21000, 0x22000])
    swap_at(mem, 0x20400)
    swap_at(mem, 0x21808)
    assert res(tr(iommu, DID, VA)) == (PA, None)
    assert mem.read64(0x22808) == be64(leaf | 0x40)


def test_sv32_ptes_big_endian():
    # Sv32 (bit 8) with SXL=1 and SBE=1: 4-byte PTEs stored most significant byte first.
    # VA 0x1234_5678: root 0x20000 entry at 0x20120 = 0x8401 (-> 0x21000), leaf at 0x21D14 =
    # 0xE1D9_50D7 (-> 0x3_8765_4000) as in test_sv32.py; PA 0x3_8765_4678.
    # 0x0000_8401 big-endian reads (little-endian) 0x0184_0000; 0xE1D9_50D7 -> 0xD750_D9E1.
    mem, iommu = new(CAPS | END | 1 << 8 | 1 << 16)
    setup_dc(mem, iommu, DID, tc=TC_V | TC_SBE | 1 << 11, fsc=atp(8, 0x20000))
    mem.write32(0x20120, 0x0184_0000)
    mem.write32(0x21D14, 0xD750_D9E1)
    assert res(tr(iommu, DID, 0x1234_5678)) == (0x3_8765_4678, None)


# ---- queues -------------------------------------------------------------------------------------
def test_fault_record_big_endian():
    # DC of did 6 not valid (ta/fsc don't matter): cause 258, TTYP 2 (untranslated read):
    # DW0 = 258 | 2 << 34 | 6 << 40 = 0x0000_0608_0000_0102; DW2 (iotval) = the IOVA 0x5000
    mem, iommu = new(CAPS | END)
    iommu.write_reg(FCTL, 1, 4)
    enable_fq(iommu)
    setup_dc(mem, iommu, DID, tc=0)
    assert res(tr(iommu, DID, 0x5000, TTYP.UNTRANSLATED_READ)) == (None, 258)
    assert mem.read64(FQ_BASE) == be64(0x0000_0608_0000_0102) == 0x0201_0000_0806_0000
    assert mem.read64(FQ_BASE + 16) == be64(0x5000)


def test_commands_and_iofence_data_big_endian():
    # IOFENCE.C AV=1 DATA 0x1122_3344 to 0x70000, stored as two big-endian doublewords; the
    # 4-byte store is big-endian too: bytes 11 22 33 44 read little-endian as 0x4433_2211
    mem, iommu = new(CAPS | END)
    iommu.write_reg(FCTL, 1, 4)
    dw0, dw1 = cmd_iofence(av=1, data=0x1122_3344, addr=0x70000)
    put_cmd(mem, 0, (be64(dw0), be64(dw1)))
    enable_cq(iommu)
    iommu.write_reg(Reg.CQT, 1, 4)
    assert iommu.read_reg(Reg.CQH, 4) == 1
    assert mem.read32(0x70000) == 0x4433_2211
    assert mem.read64(CQ_BASE) != dw0        # (the command really was stored byte-reversed)


def test_msi_page_table_follows_fctl_be():
    # MSI_FLAT (bit 22): extended 64-byte DC of did 6 in a 1LVL DDT at 0x10000 + 6*64 = 0x10180.
    # GPA 0x2800_2ABC: (0x28002 & ~0x3) == pattern 0x28000 -> an MSI, I = extract(0x28002, 0x3)
    # = 2 -> MSI PTE at 0x70000 + 2*16 = 0x70020, basic mode V | M=3 (0x7), PPN 0x9_1234_5 ->
    # 0x9_1234_5ABC. DC and MSI PTE stored big-endian (fctl.BE=1).
    mem, iommu = new(CAPS | END | 1 << 22)
    iommu.write_reg(FCTL, 1, 4)
    dc = setup_dc(mem, iommu, DID, ext=True, iohgatp=atp(SV39X4, 0x40000, 1),
                  msiptp=atp(1, 0x70000), mask=0x3, pattern=0x28000)
    assert dc == 0x10180
    swap_at(mem, dc, 8)
    mem.write64(0x70020, be64(pte(0x9_1234_5000, V | 3 << 1)))
    assert res(tr(iommu, DID, 0x2800_2ABC, TTYP.UNTRANSLATED_WRITE)) == (0x9_1234_5ABC, None)


def test_iommu_msi_data_big_endian():
    # IGS = MSI (capabilities [29:28] = 0) with END; fctl.BE=1 (WSI reads 0 with IGS=MSI, so
    # fctl = 0x1). Vector 5 (fiv = 5) -> msi_addr_5 0x9000_0040, msi_data_5 0x0000_0105: the
    # 4-byte store is big-endian: bytes 00 00 01 05.
    from models import capabilities as capbits
    mem, iommu = new((capbits.DEFAULT & ~(3 << 28)) | END)
    iommu.write_reg(FCTL, 1, 4)
    assert iommu.read_reg(FCTL, 4) == 0x1
    iommu.write_reg(Reg.MSI_CFG_TBL + 16 * 5, 0x9000_0040)
    iommu.write_reg(Reg.MSI_CFG_TBL + 16 * 5 + 8, 0x0000_0105, size=4)
    iommu.write_reg(Reg.MSI_CFG_TBL + 16 * 5 + 12, 0, size=4)
    iommu.write_reg(Reg.ICVEC, 5 << 4)
    enable_fq(iommu)
    tr(iommu, 0x12, 0x1000)                    # ddtp Off: cause 256, a record, fip 0 -> 1
    assert mem.read(0x9000_0040, 4) == bytes([0x00, 0x00, 0x01, 0x05])


def test_hpm_gscid_filter_reads_a_big_endian_dc():
    # HPM (bit 30): iohpmevt1 (0x160) = eventID 8 (G-stage walks) | DID_GSCID [59:36] = GSCID
    # | DV_GSCV [61] | IDT [62]; iohpmctr1 at 0x68. The DC (GSCID 1, stored big-endian) and the
    # G-stage of test_g_stage_follows_fctl_be_not_sbe: one G-stage walk per request.
    for gscid, want in ((1, 1), (2, 0)):
        mem, iommu = new(CAPS | END | 1 << 30)
        iommu.write_reg(FCTL, 1, 4)
        setup_dc(mem, iommu, DID, iohgatp=atp(SV39X4, 0x40000, 1), mode=LVL2)
        swap_at(mem, DDTE)
        swap_at(mem, DC_ADDR, 4)
        mem.write64(0x40010, be64(pte(0x1_C000_0000, G_LEAF)))
        iommu.write_reg(Reg.IOHPMEVT1, 8 | gscid << 36 | 1 << 61 | 1 << 62)
        assert res(tr(iommu, DID, 0x8000_1234)) == (0x1_C000_1234, None)
        assert iommu.read_reg(Reg.IOHPMCTR1) == want


def test_page_request_record_big_endian():
    # ATS (bit 25) with END, fctl.BE=1: the page-request queue is an in-memory queue, so its
    # 16-byte records are two big-endian doublewords. PASID 0x12345, PRIV, EXEC, R W L, PRG
    # index 0x1AB, page 0x8765_4000 of did 6 (DC EN_ATS, EN_PRI, stored big-endian):
    # dw0 = 0x12345 << 12 | 1 << 32 | 1 << 33 | 1 << 34 | 6 << 40 = 0x0000_0607_1234_5000
    # dw1 = R | W << 1 | L << 2 | 0x1AB << 3 | 0x8765_4000 = 0x8765_4D5F
    from models.page_request import PageRequest
    from tables import TC_EN_ATS, TC_EN_PRI, qbase
    mem, iommu = new(CAPS | END | 1 << 25)
    iommu.write_reg(FCTL, 1, 4)
    enable_fq(iommu)
    dc = setup_dc(mem, iommu, DID, tc=TC_V | TC_EN_ATS | TC_EN_PRI)
    swap_at(mem, dc, 4)
    iommu.write_reg(Reg.PQB, qbase(0x90000, 2))
    iommu.write_reg(Reg.PQCSR, 1, size=4)
    assert iommu.page_request(PageRequest(DID, 0x8765_4000, prgi=0x1AB, r=True, w=True,
                                          last=True, pid=0x12345, priv=True,
                                          exec_req=True)) == []
    assert mem.read(0x90000, 8) == bytes.fromhex("0000060712345000")
    assert mem.read(0x90008, 8) == bytes.fromhex("0000000087654d5f")
    assert iommu.read_reg(Reg.PQT, 4) == 1
