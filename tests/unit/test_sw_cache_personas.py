"""Cache personas (sequences/sw/cache_maintenance.py): which dirty blocks a driver cleans.
Blocks by hand: a queue of 64 16-byte entries at 0x10000 spans [0x10000, 0x10400)."""
import pytest

from sequences.sw.cache_maintenance import MOMENTS, cache_persona

QUEUE = range(0x10000, 0x10400)
DIRTY = [0x1000080, 0x10000, 0x10040, 0x1003000]


@pytest.mark.parametrize("moment", MOMENTS)
def test_what_each_persona_cleans(moment):
    assert cache_persona("cleans").blocks_to_clean(moment, DIRTY, QUEUE) == DIRTY
    assert cache_persona("assumes-coherence").blocks_to_clean(moment, DIRTY, QUEUE) == []
    assert (cache_persona("forgets-queue-clean").blocks_to_clean(moment, DIRTY, QUEUE)
            == [0x1000080, 0x1003000])


def test_unknown_persona_is_one_line():
    with pytest.raises(ValueError) as e:
        cache_persona("cleans-sometimes")
    assert str(e.value) == ("unknown cache persona 'cleans-sometimes': expected one of "
                            "assumes-coherence, cleans, forgets-queue-clean")
