"""Reads kept per epoch by the oracle's walks (walk_paths.Path: _item_memo, find_dc,
find_table) and the faster bookkeeping around them (_record plans, the completion's scan of
listed tags) must change nothing the oracle permits or finds, only the cost.

An oracle that keeps no read is run in lockstep with the normal one over random updates
(leaves, the leaf table, DCs switching PSCID so that two devices' tables share tags, unrelated
stores), invalidations (sometimes completed late), bus errors and many requests, several per
epoch (so that kept reads are taken): every outcome set, fault variant, the advice and the
stats must be equal.
"""
import random
import zlib

import pytest

from oracle_tables import LEAF, TC_V, pte, req, Sw, ta
from lockstep_steps import queue_invalidation, same_answers, same_end, toggle_leaf_fault
from test_oracle_soak import DIDS, NVA, build, tables
from scoreboards import CoherenceOracle


class Unkept(CoherenceOracle):
    """The oracle with nothing kept between reads: every read is decided anew."""

    @property
    def _item_memo(self):
        return {}                       # a new one at every use: what is put in is lost

    @_item_memo.setter
    def _item_memo(self, value):
        pass


def _lockstep(seed: int, ops: int, policy: str, fills: str) -> int:
    """The most reads the normal oracle kept at once (after a request)."""
    rnd = random.Random(seed)
    pair = [CoherenceOracle(policy=policy, fills=fills), Unkept(policy=policy, fills=fills)]
    sws = [Sw(o) for o in pair]
    for o, sw in zip(pair, sws):
        build(o, sw)
    pending = False
    kept = 0
    for _ in range(ops):
        x = rnd.random()
        did = rnd.choice(DIDS)
        root, l1, l0, l0b = tables(did)
        i = rnd.randrange(NVA)
        va = 0x4000_0000 + (i << 12)
        if x < 0.13:
            for o in pair:                                # (software's store reads memory too)
                o.mem.clear_faults()
        if x < 0.06:                                      # leaf: remap or unmap
            pa, v = rnd.choice((l0, l0b)) + 8 * i, rnd.choice(
                (pte(0x7000_0000 + (rnd.randrange(64) << 12), LEAF), 0))
            for sw in sws:
                sw.st(pa, v)
        elif x < 0.08:                                    # switch the leaf table
            v = pte(rnd.choice((l0, l0b)), 1)
            for sw in sws:
                sw.st(l1, v)
        elif x < 0.11:                                    # DC: valid/invalid, PSCID change
            pa = 0x10000 + 32 * did + rnd.choice((0, 16))
            v = rnd.choice((TC_V, 0)) if rnd.random() < 0.3 else ta(rnd.choice(DIDS))
            for sw in sws:
                sw.st(pa, v)
        elif x < 0.13:
            pa, v = 0x80_0000 + 8 * rnd.randrange(64), rnd.getrandbits(64)
            for sw in sws:
                sw.st(pa, v)                              # nothing reads it
        elif x < 0.14:                                    # a bus error on one leaf PTE, or none
            toggle_leaf_fault(pair, l0 + 8 * i, rnd)
        elif x < 0.20:
            pending = queue_invalidation(pair, sws, rnd, did, va, pending)
        else:
            r = req(did=did, iova=va + rnd.randrange(0, 0x1000, 8))
            same_answers(pair, r, seed)
            kept = max(kept, len(pair[0]._item_memo))
    same_end(pair)
    return kept


@pytest.mark.parametrize("policy", ["riscv-1.0-strict", "riscv-negative-all", "caching-mode"])
@pytest.mark.parametrize("fills", ["any", "demand"])
def test_kept_reads_change_nothing_but_the_cost(policy, fills):
    kept = _lockstep(seed=zlib.crc32(f"kept{policy}{fills}".encode()), ops=3000, policy=policy,
                     fills=fills)
    assert kept >= 4                                  # and it did keep reads
