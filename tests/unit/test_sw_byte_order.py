"""The software side of big-endian structures (sequences/sw/byte_order.py): a little-endian
hart stores a big-endian structure's doublewords byte-reversed. The builders (device
directory, page tables) given such a store make tables the golden model, with capabilities.END
and fctl.BE=1, walks to the translations worked out by hand; the same tables read in the
other byte order do not translate.

Spec: fctl.BE orders the DDT and G-stage tables; DC.tc.SBE orders the first-stage tables and
the PDT ("Endianness of in-memory data structures").
"""
from models import Reg
from sequences.sw.byte_order import bswap64, peek_in, store_in
from sequences.sw.device_directory import DeviceContextSpec, DeviceDirectory
from sequences.sw.page_allocator import PageAllocator
from sequences.sw.page_table import PageTable
from tables import CAPS, new, res, tr

END = 1 << 27


def test_bswap64_by_hand():
    assert bswap64(0x0102_0304_0506_0708) == 0x0807_0605_0403_0201
    assert bswap64(0x1) == 1 << 56
    assert bswap64(bswap64(0xDEAD_BEEF_0000_0001)) == 0xDEAD_BEEF_0000_0001


def test_store_and_peek_in_order():
    mem = {}
    put, get = mem.__setitem__, mem.__getitem__
    store_in(put, True)(0x100, 0x0000_0000_0000_00A1)
    assert mem[0x100] == 0xA100_0000_0000_0000           # byte A1 first in memory
    assert peek_in(get, True)(0x100) == 0xA1
    store_in(put, False)(0x108, 0xA1)                     # little-endian: as it is
    assert mem[0x108] == 0xA1 and peek_in(get, False)(0x108) == 0xA1


def _system(fctl_be: bool, sbe: bool, g_stage: bool = False):
    """A 1LVL DDT with device 5: first stage Sv39 mapping IOVA 0x4000_0000 -> SPA 0x8000_0000
    (read/write), optionally under an Sv39x4 G-stage mapping the guest's RAM GPA 0x1000_0000
    (2 MiB) -> SPA 0x2000_0000 where its tables live. The directory and the G-stage stored
    in fctl.BE's order, the first stage in SBE's."""
    mem, iommu = new(CAPS | END)
    alloc = PageAllocator(0x100_0000, 0x10_0000, mem.write64)
    ddt = DeviceDirectory("1lvl", alloc, store_in(mem.write64, fctl_be))
    g_kw, fs_alloc, to_pa = {}, alloc, None
    if g_stage:
        g = PageTable("sv39x4", alloc, store_in(mem.write64, fctl_be), gscid=3)
        g.map(0x1000_0000, 0x2000_0000, 0x20_0000, "rw")
        g.map(0x3000_0000, 0x8000_0000, 0x1000, "rw")            # the data page's GPA
        fs_alloc = PageAllocator(0x1000_0000, 0x20_0000, mem.write64, addr_to_pa=g.translate)
        to_pa = g.translate
        g_kw = dict(g_mode="sv39x4", g_root=g.root, gscid=3)
    pt = PageTable("sv39", fs_alloc, store_in(mem.write64, sbe), pscid=7, addr_to_pa=to_pa)
    pt.map(0x4000_0000, 0x3000_0000 if g_stage else 0x8000_0000, perms="rw")
    ddt.set_dc(5, DeviceContextSpec(fs_mode="sv39", fs_root=pt.root, pscid=7, sbe=sbe, **g_kw))
    iommu.write_reg(Reg.FCTL, int(fctl_be), 4)               # before ddtp: iommu_mode Off
    iommu.write_reg(Reg.DDTP, ddt.ddtp())
    return mem, iommu


def test_big_endian_directory_and_first_stage():
    _, iommu = _system(fctl_be=True, sbe=True)
    assert iommu.read_reg(Reg.FCTL, 4) & 1 == 1
    assert res(tr(iommu, 5, 0x4000_0123)) == (0x8000_0123, None)


def test_big_endian_directory_little_endian_first_stage():
    _, iommu = _system(fctl_be=True, sbe=False)
    assert res(tr(iommu, 5, 0x4000_0FF8)) == (0x8000_0FF8, None)


def test_big_endian_g_stage_under_a_big_endian_guest_table():
    _, iommu = _system(fctl_be=True, sbe=True, g_stage=True)
    assert res(tr(iommu, 5, 0x4000_0040)) == (0x8000_0040, None)


def test_the_wrong_order_does_not_translate():
    # The same big-endian structures with fctl.BE left 0: the DC's first doubleword (tc with
    # V in bit 0, stored byte-reversed) reads with V=0: DDT entry not valid (258)
    mem, iommu = new(CAPS | END)
    alloc = PageAllocator(0x100_0000, 0x10_0000, mem.write64)
    ddt = DeviceDirectory("1lvl", alloc, store_in(mem.write64, True))
    ddt.set_dc(5, DeviceContextSpec())                         # V=1, Bare stages
    iommu.write_reg(Reg.DDTP, ddt.ddtp())
    assert res(tr(iommu, 5, 0x4000_0000)) == (None, 258)
