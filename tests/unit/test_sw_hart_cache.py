"""The hart's write-back cache of the software layer (sequences/sw/hart_cache.py).

By hand: 64-byte blocks, so 0x1008 and 0x1038 share the block 0x1000, 0x1040 is the next one."""
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
    assert c.clean(0x1010) == [(0x1008, 1), (0x1038, 3)]    # any address in the block
    assert mem == {0x1008: 1, 0x1038: 3}                    # in address order, 0x1040 waits
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
