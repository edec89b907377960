"""Revalidating an earlier evaluation instead of walking again (CoherenceOracle._revalidate).

Any event moves the oracle's epoch (a store, a doorbell, a completion), and the memo of an
earlier epoch used to be walked again. An evaluation that was one walk with one option at
every read is now kept if that walk would be the same: the same words at every item, still
nothing else offered (no old value, no other cached copy), the same registers; its reads
are recorded again at the new time, as a fresh walk records them. It must change nothing
the oracle permits or finds, only the cost.

Memory map: oracle_tables.py (DC of did 5 at 0x100a0, Sv39 root 0x20000 -> 0x21000 ->
0x22000; VA 0x4000_1000 -> leaf PTE 0x22008 -> 0x8765_4000).
"""
import random
import zlib

import pytest

from oracle_tables import (LEAF, NEW_PA, OLD_PA, VA, Sw, map4k, pte, req, res,
                           settle, sv39_dc, vma)
from lockstep_steps import queue_invalidation, same_answers, same_end, toggle_leaf_fault
from test_oracle_soak import DIDS, NVA, build, tables
from scoreboards import CoherenceOracle

OLD = (OLD_PA, None)
NEW = (NEW_PA, None)
OTHER = 0x30000                     # a doubleword no walk reads


def setup(fills="demand"):
    o = CoherenceOracle(fills=fills)
    sw = Sw(o)
    leaf = map4k(sw)
    sv39_dc(o, sw)
    settle(sw)
    return o, sw, leaf


def test_an_unrelated_store_keeps_the_evaluation():
    o, sw, _ = setup()
    assert res(o.outcomes(req())) == {OLD}
    stamp = o.result_stamp(req())
    sw.st(OTHER, 5)                                    # epoch moves, nothing read changed
    assert o.result_stamp(req()) is None               # not current until asked again
    assert res(o.outcomes(req())) == {OLD}
    assert o.memo_revalidated == 1
    assert o.result_stamp(req()) == stamp              # the same walk: coverage reuses it


def test_a_store_to_a_read_item_walks_again():
    """The leaf PTE changed without an invalidation: the IOMMU may hold the old translation
    (read before) or walk to the new one."""
    o, sw, leaf = setup()
    assert res(o.outcomes(req())) == {OLD}
    stamp = o.result_stamp(req())
    sw.st(leaf, pte(NEW_PA, LEAF))
    assert res(o.outcomes(req())) == {OLD, NEW}
    assert o.memo_revalidated == 0
    assert o.result_stamp(req()) != stamp


def test_an_old_value_offered_at_an_item_walks_again():
    """The leaf went to NEW and back to OLD without an invalidation: memory holds the words
    the first walk read, but a cache may still hold NEW (read in between), so the read has
    two options: not the same single walk."""
    o, sw, leaf = setup()
    assert res(o.outcomes(req())) == {OLD}
    sw.st(leaf, pte(NEW_PA, LEAF))
    assert res(o.outcomes(req())) == {OLD, NEW}
    sw.st(leaf, pte(OLD_PA, LEAF))
    assert res(o.outcomes(req())) == {OLD, NEW}
    assert o.memo_revalidated == 0


def test_a_bus_error_on_a_read_item_walks_again():
    """The leaf PTE's read now fails: a load access fault (cause 5), or the old translation
    from a cache that read the PTE before (riscv-1.0-strict caches leaves)."""
    o, sw, leaf = setup()
    assert res(o.outcomes(req())) == {OLD}
    sw.st(OTHER, 5)
    o.mem.set_access_fault(leaf, leaf + 8)
    assert res(o.outcomes(req())) == {(None, 5), OLD}
    assert o.memo_revalidated == 0


def test_a_revalidated_walk_is_recorded_at_its_new_time():
    """After an IOTINVAL.VMA of the page completed, the page is requested again: that walk
    (after the invalidation) may fill the IOTLB with the leaf. A later store to the leaf
    with no invalidation must then leave the old translation permitted. If the revalidated
    walk were not recorded again, the oracle would still think the page was last read before
    the invalidation, and permit only the new translation."""
    o, sw, leaf = setup()
    assert res(o.outcomes(req())) == {OLD}
    sw.invalidate(vma(av=1, addr=VA))                 # every address space (global too)
    assert res(o.outcomes(req())) == {OLD}
    assert o.memo_revalidated == 1
    sw.st(leaf, pte(NEW_PA, LEAF))
    assert res(o.outcomes(req())) == {OLD, NEW}


def test_everything_invalidated_keeps_the_walk_but_records_it_again():
    """As above after every cache was invalidated (IODIR.INVAL_DDT, all IOTINVAL scopes): the
    walk after it may fill the DDT cache and the IOTLB again."""
    o, sw, leaf = setup()
    assert res(o.outcomes(req())) == {OLD}
    settle(sw)
    assert res(o.outcomes(req())) == {OLD}
    assert o.memo_revalidated == 1
    sw.st(leaf, pte(NEW_PA, LEAF))
    assert res(o.outcomes(req())) == {OLD, NEW}


# -- the same oracle with and without revalidation, in lockstep --------------------------------
def _lockstep(seed: int, ops: int, policy: str, fills: str):
    """Random leaf/non-leaf/DC updates, unrelated stores, invalidations (sometimes completed
    late), bus errors, and repeated requests, applied to two oracles, one of which never
    revalidates: every outcome set, every fault variant and the advice must be equal."""
    rnd = random.Random(seed)
    pair = [CoherenceOracle(policy=policy, fills=fills) for _ in range(2)]
    pair[1].revalidate = False
    sws = [Sw(o) for o in pair]
    for o, sw in zip(pair, sws):
        build(o, sw)
    hot = [(rnd.choice(DIDS), rnd.randrange(NVA)) for _ in range(6)]   # pages asked often
    pending = False
    for _ in range(ops):
        if rnd.random() < 0.1:
            for o in pair:
                o.mem.clear_faults()
        x = rnd.random()
        did, i = rnd.choice(hot) if rnd.random() < 0.7 else (rnd.choice(DIDS), rnd.randrange(NVA))
        root, l1, l0, l0b = tables(did)
        va = 0x4000_0000 + (i << 12)
        if x < 0.10 or 0.10 <= x < 0.12:
            for o in pair:                                # (software's store reads memory too)
                o.mem.clear_faults()
        if x < 0.10:
            pa, v = rnd.choice((l0, l0b)) + 8 * i, rnd.choice(
                (pte(0x7000_0000 + (rnd.randrange(64) << 12), LEAF), 0))
            for sw in sws:
                sw.st(pa, v)
        elif x < 0.12:
            v = pte(rnd.choice((l0, l0b)), 1)
            for sw in sws:
                sw.st(l1, v)
        elif x < 0.30:
            pa, v = 0x80_0000 + 8 * rnd.randrange(64), rnd.getrandbits(64)
            for sw in sws:
                sw.st(pa, v)                              # nothing reads it
        elif x < 0.32:                                    # a bus error on one leaf PTE, or none
            toggle_leaf_fault(pair, l0 + 8 * i, rnd)
        elif x < 0.45:
            pending = queue_invalidation(pair, sws, rnd, did, va, pending, clear_faults=False)
        else:
            r = req(did=did, iova=va + rnd.randrange(0, 0x1000, 8))
            same_answers(pair, r, seed)
    same_end(pair)
    return pair[0]


@pytest.mark.parametrize("policy", ["riscv-1.0-strict", "riscv-negative-all", "caching-mode"])
@pytest.mark.parametrize("fills", ["any", "demand"])
def test_revalidation_changes_nothing_but_the_cost(policy, fills):
    o = _lockstep(seed=zlib.crc32(f"{policy}{fills}".encode()), ops=3000, policy=policy, fills=fills)
    assert o.memo_revalidated > 100                   # and it did revalidate
