"""Memory: sparse little-endian byte store with injectable access faults and poison."""

import pytest

from models import Memory


def test_unwritten_reads_zero():
    mem = Memory()
    assert mem.read64(0x1234_5000) == 0
    assert mem.read(0xFFFF_FFFF_F000, 16) == bytes(16)


def test_write64_little_endian():
    mem = Memory()
    mem.write64(0x1000, 0x0102_0304_0506_0708)
    assert mem.read(0x1000, 8) == bytes([8, 7, 6, 5, 4, 3, 2, 1])
    assert mem.read64(0x1000) == 0x0102_0304_0506_0708


def test_bytes_roundtrip_across_pages():
    mem = Memory()
    data = bytes(range(256)) * 40                         # 10240 bytes, spans 3+ pages
    mem.write(0x2F80, data)
    assert mem.read(0x2F80, len(data)) == data
    assert mem.read64(0x2FF8) == int.from_bytes(data[0x78:0x80], "little")


def test_unaligned_write64():
    mem = Memory()
    mem.write64(0x1FFC, 0xAABB_CCDD_1122_3344)            # crosses a 4 KiB boundary
    assert mem.read64(0x1FFC) == 0xAABB_CCDD_1122_3344
    assert mem.read(0x2000, 4) == bytes([0xDD, 0xCC, 0xBB, 0xAA])


def test_high_addresses():
    mem = Memory()
    mem.write64(0xFF_FFFF_FFFF_FFF8, 0x5A)                # top of the 56-bit space
    assert mem.read64(0xFF_FFFF_FFFF_FFF8) == 0x5A


def test_access_fault_range():
    mem = Memory()
    mem.write64(0x3000, 1)
    mem.set_access_fault(0x3008, 0x3010)
    assert mem.read64(0x3000) == 1                         # [0x3000, 0x3008) untouched
    assert mem.read64(0x3010) == 0
    with pytest.raises(Exception):
        mem.read64(0x3008)
    with pytest.raises(Exception):
        mem.read64(0x3004)                                # touches 0x3008..0x300B
    with pytest.raises(Exception):
        mem.write64(0x300F, 0)
    mem.clear_faults()
    assert mem.read64(0x3008) == 0


def test_poison_range():
    mem = Memory()
    mem.write64(0x4000, 7)
    mem.set_poison(0x4000, 0x4008)
    with pytest.raises(Exception):
        mem.read64(0x4000)
    assert mem.read64(0x4008) == 0
    mem.clear_faults()
    assert mem.read64(0x4000) == 7


def test_memory_errors_in_use():
    mem = Memory()
    with pytest.raises(ValueError):
        mem.set_access_fault(0x2000, 0x2000)
    with pytest.raises(ValueError):
        mem.set_poison(0x3000, 0x2000)
    with pytest.raises(ValueError):
        mem.read(-8, 8)
    with pytest.raises(ValueError):
        mem.write(-8, bytes(8))


def test_page_words_and_written_pages():
    mem = Memory()
    assert mem.page_words(0x20) is None                   # never written: reads as zeros
    assert mem.written_pages() == []
    mem.write64(0x20008, 0x1122_3344_5566_7788)           # page 0x20, doubleword 1
    mem.write64(0x5FF8, 7)                                # page 5, last doubleword
    words = mem.page_words(0x20)
    assert len(words) == 512
    assert words[1] == 0x1122_3344_5566_7788
    assert sum(1 for w in words if w) == 1
    assert mem.page_words(5)[511] == 7
    assert mem.written_pages() == [5, 0x20]
    mem.set_access_fault(0x20000, 0x21000)                # a backdoor: no fault injection
    assert mem.page_words(0x20)[1] == 0x1122_3344_5566_7788


def test_overlay_is_a_view_with_doublewords_replaced():
    from models import Memory
    m = Memory()
    m.write64(0x1000, 5)
    m.write64(0x3000, 7)
    v = m.overlay({0x1008: 9, 0x2000: 1})
    assert (v.read64(0x1000), v.read64(0x1008), v.read64(0x2000), v.read64(0x3000)) == (5, 9, 1, 7)
    assert (m.read64(0x1008), m.read64(0x2000)) == (0, 0)        # the memory is unchanged
    assert m.page_words(2) is None and v.page_words(2)[0] == 1
