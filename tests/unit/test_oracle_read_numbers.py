"""Current reads by number (scoreboards/history.py): each (address, read key, words) the oracle
records gets a number, and the recorded-reads set, the revalidation's set and a revalidated
path hold numbers. When the numbers pass READ_NUMBERS_CAP they are forgotten together with the
memo that holds them (_renumber_reads): that must change nothing the oracle permits or finds.
Run with a cap of a few reads, so that it happens all the time, through the revalidation
test's lockstep (an oracle that revalidates against one that never does)."""
import pytest

from scoreboards import history
from test_oracle_revalidation import _lockstep


@pytest.mark.parametrize("fills", ["any", "demand"])
def test_forgetting_the_numbers_changes_nothing(monkeypatch, fills):
    monkeypatch.setattr(history, "READ_NUMBERS_CAP", 8)
    renumbered = []
    real = history.History._renumber_reads

    def counting(self):
        renumbered.append(1)
        real(self)

    monkeypatch.setattr(history.History, "_renumber_reads", counting)
    o = _lockstep(seed=7, ops=1500, policy="riscv-1.0-strict", fills=fills)
    assert len(renumbered) > 20                       # forgotten again and again
    assert o.memo_revalidated > 20                    # and still revalidating in between
