"""The hart's write-back cache of the software layer (sequences/sw/hart_cache.py).

By hand: 64-byte blocks, so 0x1008 and 0x1038 share the block 0x1000, 0x1040 is the next one.
A write-back hands the doublewords over in the order they were stored (the block is one bus
write; the order is the program's, as a coherent platform would show it)."""
import pytest

from sequences.sw.hart_cache import HartCache, block_of, check_mode


def test_stores_wait_for_the_clean_of_their_block():
    mem = {}
    c = HartCache(lambda pa, v: mem.__setitem__(pa, v))
    c.store64(0x1038, 3)
    c.store64(0x1008, 1)
    c.store64(0x1040, 2)
    assert mem == {} and c.dirty_blocks() == [0x1000, 0x1040]
    assert c.load64(0x1008, mem.get) == 1                   # the hart reads its own store
    assert c.clean(0x1010) == [(0x1038, 3), (0x1008, 1)]    # any address in the block
    assert mem == {0x1008: 1, 0x1038: 3}                    # program order, 0x1040 waits
    assert c.clean(0x1000) == []                            # clean now: nothing written
    assert c.flush(0x1078) == [(0x1040, 2)] and c.dirty_blocks() == []
    assert c.cleans == 2


def test_the_last_store_wins():
    mem = {}
    c = HartCache(lambda pa, v: mem.__setitem__(pa, v))
    c.store64(0x2000, 5)
    c.store64(0x2000, 6)
    assert c.pending(0x2000) == 6
    c.clean(0x2000)
    assert mem == {0x2000: 6} and c.pending(0x2000) is None


def test_coherent_mode_writes_through():
    mem = {}
    c = HartCache(lambda pa, v: mem.__setitem__(pa, v), coherent=True)
    c.store64(0x3000, (1 << 64) + 9)
    assert mem == {0x3000: 9} and c.dirty_blocks() == [] and c.clean(0x3000) == []


def test_bad_input_is_one_line():
    with pytest.raises(ValueError, match="8-byte aligned"):
        HartCache(lambda pa, v: None).store64(0x1004, 1)
    with pytest.raises(ValueError) as e:
        check_mode("noncoherent")
    assert str(e.value) == ("IOMMU_COHERENCE must be one of coherent, non-coherent, "
                            "got 'noncoherent'")
    assert check_mode(" Non-Coherent ") == "non-coherent" and block_of(0x10ff) == 0x10c0


def test_block_order_is_the_order_of_their_last_store():
    order = []
    c = HartCache(lambda pa, v: order.append(pa))
    c.store64(0x2008, 1)          # a new table page's entry (block 0x2000) ...
    c.store64(0x1000, 2)          # ... a DC's tc (block 0x1000) ...
    c.store64(0x2010, 3)          # ... and the store linking the page, last
    assert c.dirty_blocks() == [0x1000, 0x2000]
    c.store64(0x2008, 4)          # the same doubleword again: it moves to its last store
    for b in c.dirty_blocks():
        c.clean(b)
    assert order == [0x1000, 0x2010, 0x2008]
