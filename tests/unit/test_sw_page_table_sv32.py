"""sequences.sw.page_table's Sv32 / Sv32x4 tables (4-byte PTEs) against the golden model, and
the raw doublewords they leave in memory, in both byte orders. Hand-worked literals.

Layout: device 5 in a 1LVL DDT at 0x1_0000; tables from SPA 0x10_0000 (an Sv32 root is
0x10_0000, its first level-0 table 0x10_1000; an Sv32x4 root 0x10_0000, 16 KiB).
"""
from models import Cause, IommuModel, Memory, Reg, Request, TTYP
from models import capabilities as capbits
from sequences.sw import DeviceContextSpec, DeviceDirectory, PageAllocator, PageTable
from sequences.sw.byte_order import store_in
from sequences.sw.page_table import SIZE_4K, SIZE_4M

R, W = TTYP.UNTRANSLATED_READ, TTYP.UNTRANSLATED_WRITE
DID = 5
CAPS = capbits.DEFAULT | 1 << capbits.SV32 | 1 << capbits.SV32X4 | 1 << capbits.END


def make(mode, big_endian=False, gxl=False):
    mem = Memory()
    iommu = IommuModel(mem, CAPS)
    w = mem.write64
    if gxl:
        iommu.write_reg(Reg.FCTL, 4, 4)              # GXL=1 while everything is off
    ddt = DeviceDirectory("1lvl", PageAllocator(0x1_0000, 0x1_0000, w), w)
    pt = PageTable(mode, PageAllocator(0x10_0000, 0x10_0000, w), store_in(w, big_endian),
                   pscid=7, gscid=3, big_endian=big_endian)
    if mode == "sv32":
        spec = DeviceContextSpec(fs_mode=8, fs_root=pt.root, pscid=7, sxl=True, sbe=big_endian)
    else:
        spec = DeviceContextSpec(g_mode=8, g_root=pt.root, gscid=3, sxl=True)
    ddt.set_dc(DID, spec)
    iommu.write_reg(Reg.DDTP, ddt.ddtp())
    return mem, iommu, pt


def out(iommu, iova, ttyp=R):
    o = iommu.translate(Request(DID, iova, ttyp))
    return o.cause if o.cause is not None else o.pa


def test_sv32_two_ptes_of_one_doubleword_little_endian():
    mem, iommu, pt = make("sv32")
    u = pt.map(0x5800_1000, 0x4800_9000, perms="rw")
    # root index 0x5800_1000 >> 22 = 0x160 (offset 0x580): a pointer to 0x10_1000 in the low
    # half; the leaf (index 1) in the high half of 0x10_1000
    assert mem.read64(0x10_0580) == 0x10_1000 >> 12 << 10 | 1 == 0x4_0401
    assert mem.read64(0x10_1000) == 0x1200_24D7 << 32
    pt.map(0x5800_0000, 0x4800_8000, perms="r")
    assert mem.read64(0x10_1000) == 0x1200_24D7_1200_20D3      # index 0 joins, index 1 kept
    assert [c.addr for c in u.changes] == [0x10_1004, 0x10_0580]
    assert out(iommu, 0x5800_1234) == 0x4800_9234
    assert out(iommu, 0x5800_0010) == 0x4800_8010
    assert out(iommu, 0x5800_0010, W) == Cause.WRITE_PAGE_FAULT
    assert out(iommu, 0x1_5800_1234) == Cause.READ_PAGE_FAULT      # IOVA above 32 bits
    assert pt.lookup(0x5800_0fff).pa == 0x4800_8fff


def test_sv32_big_endian_halves_and_megapage():
    mem, iommu, pt = make("sv32", big_endian=True)
    pt.map(0x5800_1000, 0x4800_9000, perms="rw")
    pt.map(0x5800_0000, 0x4800_8000, perms="r")
    # bytes 0..3 hold index 0 big-endian (12 00 20 d3), bytes 4..7 index 1 (12 00 24 d7)
    assert mem.read64(0x10_1000) == 0xD724_0012_D320_0012
    assert mem.read64(0x10_0580) == 0x0104_0400               # 0x4_0401 big-endian, offset 0
    assert out(iommu, 0x5800_1234) == 0x4800_9234
    assert out(iommu, 0x5800_0010) == 0x4800_8010
    u = pt.map(0x6040_0000, 0x3840_0000, SIZE_4M, perms="rw")
    assert u.changes[0].addr == 0x10_0000 + 4 * 0x181          # a level-1 leaf, no new table
    assert out(iommu, 0x6052_3456) == 0x3852_3456
    # PPN[0] = 1 in a level-1 leaf: a misaligned megapage
    pt.write_entry(0x7000_0000, 1, ((0x3840_0000 >> 12) | 1) << 10 | 0xD7)
    assert out(iommu, 0x7000_0010) == Cause.READ_PAGE_FAULT


def test_sv32x4_root_index_and_gpa_limit():
    mem, iommu, pt = make("sv32x4", gxl=True)
    assert iommu.read_reg(Reg.FCTL, 4) & 4
    pt.map(0x2_9000_0000, 0x3A00_0000, SIZE_4M, perms="rw")
    pt.map(0x2_9040_1000, 0x3B00_0000, SIZE_4K, perms="rw")
    # root index GPA[33:22] = 0xA40 (offset 0x2900) and 0xA41 (0x2904): one doubleword
    assert mem.read64(0x10_2900) >> 32 == 0x10_4000 >> 12 << 10 | 1
    assert mem.read64(0x10_2900) & 0xFFFF_FFFF == 0x3A00_0000 >> 12 << 10 | 0xD7
    assert out(iommu, 0x2_9012_3450) == 0x3A12_3450
    assert out(iommu, 0x2_9040_1008, W) == 0x3B00_0008
    assert out(iommu, 0x4_0000_0000 | 0x2_9000_0000) == Cause.READ_GUEST_PAGE_FAULT


def test_sv32_store_keeps_the_neighbours_hardware_ad():
    """With peek64, a PTE's doubleword store carries the A and D bits the IOMMU set in the other
    PTE (what a 4-byte store leaves); anything else of the neighbour comes from the shadow.
    Index 0 maps 0x4800_8000 with A=D=0: 0x1200_2017 (V R W U); the IOMMU sets A and D
    (0x1200_20D7) in memory. Remapping index 1 (0x5800_1000 -> 0x4800_A000: 0x1200_28D7)
    stores 0x1200_28D7 << 32 | 0x1200_20D7, not the shadow's 0x1200_2017."""
    mem, iommu, pt = make("sv32")
    pt.peek64 = mem.read64                              # little-endian: the raw doubleword
    pt.map(0x5800_0000, 0x4800_8000, perms="rw", ad="")
    pt.map(0x5800_1000, 0x4800_9000, perms="rw")
    assert mem.read64(0x10_1000) == 0x1200_24D7_1200_2017
    mem.write64(0x10_1000, 0x1200_24D7_1200_20D7)       # the IOMMU's A/D update of index 0
    pt.remap(0x5800_1000, 0x4800_A000)
    assert mem.read64(0x10_1000) == 0x1200_28D7_1200_20D7
    # a neighbour changed otherwise in memory (not by A/D alone) is stored from the shadow
    mem.write64(0x10_1000, 0x1200_28D7_1300_20D7)
    pt.remap(0x5800_1000, 0x4800_9000)
    assert mem.read64(0x10_1000) == 0x1200_24D7_1200_2017
    # without peek64 (as before): the shadow's neighbour
    pt.peek64 = None
    mem.write64(0x10_1000, 0x1200_24D7_1200_20D7)
    pt.remap(0x5800_1000, 0x4800_A000)
    assert mem.read64(0x10_1000) == 0x1200_28D7_1200_2017


def test_sv32_big_endian_store_keeps_the_neighbours_ad():
    """The same in a big-endian table: peek64 reads in the table's byte order (index 0 in bits
    63:32), so index 1's store keeps index 0's A/D. Index 0: 0x1200_2017, with A/D 0x1200_20D7;
    index 1 remapped to 0x4800_A000: 0x1200_28D7. Memory bytes: d7 20 00 12 | d7 28 00 12
    big-endian per word: 12 00 20 d7 12 00 28 d7 -> read64 (little-endian) 0xD728_0012_D720_0012."""
    from sequences.sw.byte_order import peek_in
    mem, iommu, pt = make("sv32", big_endian=True)
    pt.peek64 = peek_in(mem.read64, True)
    pt.map(0x5800_0000, 0x4800_8000, perms="rw", ad="")
    pt.map(0x5800_1000, 0x4800_9000, perms="rw")
    store_in(mem.write64, True)(0x10_1000, 0x1200_20D7 << 32 | 0x1200_24D7)   # A/D on index 0
    pt.remap(0x5800_1000, 0x4800_A000)
    assert mem.read64(0x10_1000) == 0xD728_0012_D720_0012
    assert out(iommu, 0x5800_0008, W) == 0x4800_8008 and out(iommu, 0x5800_1008) == 0x4800_A008


def test_sv32_w_only_leaf_written_through_the_table_still_maps():
    """A fault pattern stored with write_entry (W=1 R=0 at a 4 MiB leaf: 0x3840_0000 -> PPN
    0x3_8400, PTE 0x38400 << 10 | 0xC5 = 0x0E10_00C5, D A W V) ends software's walk there: lookup / translate name the
    page (the allocator of a guest's table region relies on it), pte_addr the leaf; the model
    faults (W without R is reserved)."""
    mem, iommu, pt = make("sv32")
    pt.map(0x6040_0000, 0x3840_0000, SIZE_4M, perms="rw")
    pt.write_entry(0x6040_0000, 1, 0x3840_0000 >> 12 << 10 | 0xC5)
    assert pt.entry_value(0x6040_0000, 1) == 0x0E10_00C5
    assert pt.translate(0x6041_2340) == 0x3841_2340
    assert pt.pte_addr(0x6041_2340) == 0x10_0000 + 4 * 0x181
    assert out(iommu, 0x6041_2340) == Cause.READ_PAGE_FAULT
