"""sequences.sw.page_allocator: bump and free-list allocation, 16 KiB aligned G-stage roots,
zeroing through store64 (also through addr_to_pa for a guest region)."""
import pytest

from models import Memory
from sequences.sw import OutOfPages, PageAllocator


def recording():
    stores = []
    return stores, lambda pa, v: stores.append((pa, v))


def test_pages_are_zeroed_through_store64_before_use():
    mem = Memory()
    mem.write64(0x2_0FF8, 0xDEAD)                 # garbage left in the page
    a = PageAllocator(0x2_0000, 0x4000, mem.write64)
    assert a.alloc_page() == 0x2_0000
    assert mem.read64(0x2_0FF8) == 0
    stores, rec = recording()
    b = PageAllocator(0x2_0000, 0x4000, rec)
    b.alloc_page()
    assert len(stores) == 512 and stores[0] == (0x2_0000, 0) and stores[-1] == (0x2_0FF8, 0)
    stores.clear()
    PageAllocator(0x2_0000, 0x4000, rec, zero=False).alloc_page()
    assert stores == []


def test_bump_alignment_and_free_list_reuse():
    stores, rec = recording()
    a = PageAllocator(0x10_0000, 0x10_0000, rec, zero=False)
    assert a.alloc_page() == 0x10_0000
    # a G-stage root: 16 KiB aligned -> 0x10_4000; pages 0x10_1000..0x10_3000 are skipped
    assert a.alloc_gstage_root() == 0x10_4000
    assert a.alloc_page() == 0x10_1000            # the skipped pages are used first
    assert a.pages_in_use() == 6
    a.free(0x10_4000)
    assert a.alloc_page() == 0x10_2000            # lowest free page first
    assert a.alloc_gstage_root() == 0x10_4000     # the freed aligned block fits again
    with pytest.raises(ValueError):
        a.free(0x10_5000)                         # not the start of a block
    with pytest.raises(ValueError):
        a.alloc(1, align=0x1800)


def test_guest_region_zeroes_at_the_translated_address():
    stores, rec = recording()
    a = PageAllocator(0x8000_0000, 0x2000, rec, addr_to_pa=lambda gpa: gpa + 0x4000_0000)
    assert a.alloc_page() == 0x8000_0000
    assert stores[0] == (0xC000_0000, 0) and stores[-1] == (0xC000_0FF8, 0)


def test_out_of_pages():
    a = PageAllocator(0x1000, 0x2000, lambda pa, v: None)
    a.alloc_page()
    a.alloc_page()
    with pytest.raises(OutOfPages):
        a.alloc_page()
    with pytest.raises(ValueError):
        PageAllocator(0x1800, 0x1000, lambda pa, v: None)
