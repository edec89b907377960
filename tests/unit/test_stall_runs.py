"""The memory agent's stall pattern, grouped into runs (tb/agents/mem/mem_agent.py)."""
import itertools
import random

from tb.agents.mem.mem_agent import _stall_pattern, stall_runs


def test_runs_expand_to_the_same_per_cycle_sequence():
    # The run-length driver must stall exactly the cycles the per-cycle pattern stalls.
    for p in (0.1, 0.5, 0.9):
        per_cycle = list(itertools.islice(_stall_pattern(random.Random(7), p), 5000))
        runs = stall_runs(_stall_pattern(random.Random(7), p))
        expanded = []
        while len(expanded) < 4000:
            value, n = next(runs)
            expanded += [value] * n
        assert expanded[:4000] == per_cycle[:4000]


def test_runs_alternate_and_are_never_empty():
    runs = list(itertools.islice(stall_runs(iter([0, 0, 1, 0, 1, 1, 1, 0, 9])), 5))
    assert runs == [(0, 2), (1, 1), (0, 1), (1, 3), (0, 1)]
