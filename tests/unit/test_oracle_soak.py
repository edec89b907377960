"""Soak: 100k random software updates and invalidations (with requests evaluated in between
so that histories have readers) keep the oracle's history bounded, and every outcome the
model gives for current memory stays permitted."""
import random
import time

from oracle_tables import (dc_order, LEAF, LEAF_RO, LVL1, SV39, TC_V, V, Sw, atp, gvma, inval_ddt,
                           inval_pdt, iofence, pte, req, ta, vma)
from models import Reg
from scoreboards import CoherenceOracle

DIDS = (1, 2, 3, 4)
NVA = 16


def tables(did):
    base = 0x100000 * did
    return base, base + 0x1000, base + 0x2000, base + 0x3000   # root, L1, L0, alternative L0


def build(o, sw):
    o.write_reg(Reg.DDTP, (0x10 << 10) | LVL1)
    for did in DIDS:
        root, l1, l0, l0b = tables(did)
        dc = 0x10000 + 32 * did
        for i, w in dc_order((TC_V, 0, ta(did), atp(SV39, root))):
            sw.st(dc + 8 * i, w)
        sw.st(root + 8, pte(l1, V))
        sw.st(l1, pte(l0, V))
        for i in range(NVA):
            sw.st(l0 + 8 * i, pte(0x8000_0000 + (did << 20) + (i << 12), LEAF))
            sw.st(l0b + 8 * i, pte(0x9000_0000 + (did << 20) + (i << 12), LEAF))


def soak(seed, ops, policy="riscv-1.0-strict"):
    rnd = random.Random(seed)
    o = CoherenceOracle(policy=policy)
    sw = Sw(o)
    build(o, sw)
    updates = invals = requests = 0
    pending = False
    while updates + invals < ops:
        x = rnd.random()
        did = rnd.choice(DIDS)
        root, l1, l0, l0b = tables(did)
        i = rnd.randrange(NVA)
        va = 0x4000_0000 + (i << 12)
        if x < 0.45:                                   # leaf update: remap, unmap, map, RO
            v = rnd.choice((pte(0x7000_0000 + (rnd.randrange(64) << 12), LEAF), 0,
                            pte(0x8000_0000 + (did << 20) + (i << 12), LEAF_RO)))
            sw.st(rnd.choice((l0, l0b)) + 8 * i, v)
            updates += 1
        elif x < 0.50:                                 # non-leaf: switch leaf table
            sw.st(l1, pte(rnd.choice((l0, l0b)), V))
            updates += 1
        elif x < 0.55:                                 # DC: valid/invalid, PSCID change
            sw.st(0x10000 + 32 * did + rnd.choice((0, 16)),
                  rnd.choice((TC_V, 0)) if rnd.random() < 0.5 else ta(rnd.choice(DIDS)))
            updates += 1
        elif x < 0.75:
            o.outcomes(req(did=did, iova=va))
            requests += 1
        else:
            cmd = rnd.choice((vma(), vma(pscv=1, pscid=did), vma(av=1, addr=va),
                              vma(av=1, pscv=1, pscid=did, addr=va), gvma(),
                              inval_ddt(), inval_ddt(dv=1, did=did), inval_pdt(did, 0)))
            sw.queue(cmd, iofence())
            invals += 1
            if pending or rnd.random() < 0.7:          # sometimes complete later
                sw.done()
            pending = not pending
    return o, requests


def test_soak_history_stays_bounded():
    t0 = time.perf_counter()
    o, requests = soak(seed=1, ops=100_000)
    elapsed = time.perf_counter() - t0
    st = o.stats()
    print(f"\nsoak: 100k updates+invalidations, {requests} requests, {elapsed:.1f} s, "
          f"max history {o.max_history}, final {st}")
    # 4 devices x (DC 4 words + 2 non-leaf + 32 leaves): a few hundred values at most stay
    # permitted at once with invalidations this frequent.
    assert o.max_history <= 200
    assert st["readers"] <= 4 * (4 + 2 + 2 * NVA) * 3
    assert st["pending_commands"] <= 4
    assert o.truncated == 0
    # (its time is printed, not asserted: speed goals belong to `make bench`)


def test_soak_current_outcome_always_permitted():
    rnd = random.Random(7)
    o, _ = soak(seed=2, ops=3000, policy="riscv-negative-all")
    for _ in range(200):
        r = req(did=rnd.choice(DIDS), iova=0x4000_0000 + (rnd.randrange(NVA) << 12))
        assert o.model.walk(r).outcome in o.outcomes(r)
