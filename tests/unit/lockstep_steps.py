"""Steps shared by the oracle's lockstep tests (test_oracle_revalidation.py,
test_oracle_kept_reads.py): two oracles given the same software and memory events, one with
an optimisation off, compared at every request and at the end."""
from oracle_tables import inval_ddt, iofence, vma


def toggle_leaf_fault(pair, lo: int, rnd) -> None:
    """A bus error on the 8 bytes at lo in both oracles' memory, or none (half each)."""
    fault = rnd.random() < 0.5
    for o in pair:
        o.mem.clear_faults()
        if fault:
            o.mem.set_access_fault(lo, lo + 8)


def queue_invalidation(pair, sws, rnd, did: int, va: int, pending: bool,
                       clear_faults: bool = True) -> bool:
    """A random IOTINVAL.VMA / IODIR.INVAL_DDT and an IOFENCE.C queued in both, completed at
    once unless it is left pending (never while one already is). Returns whether it is.
    clear_faults: injected bus errors end first (software's queue is in memory)."""
    cmd = rnd.choice((vma(), vma(pscv=1, pscid=did), vma(av=1, addr=va),
                      vma(av=1, pscv=1, pscid=did, addr=va), inval_ddt(),
                      inval_ddt(dv=1, did=did)))
    late = not (pending or rnd.random() < 0.7)
    for o, sw in zip(pair, sws):
        if clear_faults:
            o.mem.clear_faults()
        sw.queue(cmd, iofence())
        if not late:
            sw.done()
    return late


def same_answers(pair, r, seed) -> None:
    got = [o.outcomes(r) for o in pair]
    assert got[0] == got[1], (seed, r)
    assert pair[0].fault_variants(r) == pair[1].fault_variants(r), (seed, r)


def same_end(pair) -> None:
    assert [str(f) for f in pair[0].advice()] == [str(f) for f in pair[1].advice()]
    assert pair[0].stats() == pair[1].stats()
