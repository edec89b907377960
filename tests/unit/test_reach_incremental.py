"""The oracle keeps its reachable set up to date by difference (scoreboards/fills.py,
_refresh_reach): reach.reachable hands back, for a page-table page reached the same way as
in the previous refresh, the very dicts it gave then (its memo), and the index by tag and the
alias tags are changed only at the addresses whose dicts changed. Whatever the tables do, the
result must be what a refresh from scratch gives: the same reachable set as a call without
memo, the same index by tag and the same alias tags as rebuilt from that set."""
import random

import pytest

from oracle_tables import V, pte
from scoreboards.reach import reachable
from test_reach import RandomConfig


def _table_pages(cfg):
    """(table, page) of every page of the configuration's page tables."""
    return [(t, page) for t in cfg.tables for pages in t.pages.values() for page in pages]


def _churn(cfg, rnd):
    """One store into a table page: a slot cleared, set to garbage, pointed at another page
    of the same table (a relink: the pages under it are reached another way), or a DC word
    rewritten. Each moves what is reachable, or might."""
    t, page = rnd.choice(_table_pages(cfg))
    lvl = next(lvl for lvl, pages in t.pages.items() if page in pages)
    idx = rnd.randrange(512)
    x = rnd.random()
    if x < 0.3:
        t.put(page, idx, 0)
    elif x < 0.4:
        t.put(page, idx, rnd.getrandbits(64))
    elif x < 0.8 and t.pages.get(lvl - 1):
        # a page one level down: the subtree under it is reached a second way
        t.put(page, idx, pte(rnd.choice(t.pages[lvl - 1]), V))
    else:
        did = rnd.choice(cfg.dids)
        dc = cfg.dc_addr(did)
        cfg.st(dc + 8 * rnd.randrange(4), rnd.choice((0, rnd.getrandbits(64))))


@pytest.mark.parametrize("policy", ["riscv-negative-all", "riscv-1.0-strict"])
def test_refresh_by_difference_equals_a_refresh_from_scratch(policy):
    invalid = policy != "riscv-1.0-strict"
    refreshes = reused = 0
    for seed in range(5):
        cfg = RandomConfig(seed, policy=policy)
        if not cfg.tables:
            continue
        o = cfg.o
        o.mem.clear_faults()          # software's stores read the old value
        rnd = random.Random(1000 + seed)
        for step in range(12):
            before = dict(o._reach)
            o._reach_changed()
            o._reach_now()
            refreshes += 1
            reused += sum(1 for pa, d in o._reach.items() if before.get(pa) is d)
            what = f"seed {seed} step {step}"
            assert o._reach == reachable(o.model, invalid=invalid), what
            by_tag, alias = o._reach_index_rebuilt()
            assert o._reach_by_tag == by_tag, what
            assert o._alias_tags == alias, what
            _churn(cfg, rnd)
    assert refreshes > 40
    if invalid:
        assert reused > refreshes * 1000     # the pages' dicts were handed back, not rebuilt


def test_a_shared_dict_is_copied_before_another_key_joins_it():
    """A page listed whole (every slot, from the memo) whose address then gets a second key
    (the same page reached again through another table) must not change the memo's dict: the
    next refresh, reaching it only the first way, would list the second key too."""
    cfg = RandomConfig(3, policy="riscv-negative-all")
    o = cfg.o
    o.mem.clear_faults()
    o._reach_now()
    first = {pa: dict(d) for pa, d in o._reach.items()}
    memo_dicts = [dict(d) for page in o._reach_memo.values() for d in page.values()]
    t = cfg.tables[0]
    other = next((u for u in cfg.tables if u is not t), None)
    assert other is not None
    # another table's slot pointing at t's root page: t's root reached a second way
    lvl = max(other.pages)
    other.put(other.pages[lvl][0], 511, pte(t.root if not t.guest else t.guest.spa[t.root], V))
    o._reach_changed()
    o._reach_now()
    assert [dict(d) for page in o._reach_memo.values() for d in page.values()] != [] 
    other.put(other.pages[lvl][0], 511, 0)
    o._reach_changed()
    o._reach_now()
    assert o._reach == reachable(o.model)
    assert {pa: dict(d) for pa, d in o._reach.items()} == first
    del memo_dicts
