"""The regression's ETA, from the recorded run times (tb/regression_durations.json) rather
than from the average run so far: a list mixes runs of very different lengths (a soak runs a
thousand long mixes before a thousand short random configurations), and an average of the
first ones says little about the rest.

Each selected run gets an expected time: its own recorded one, else the mean recorded for its
simulator and entry (another seed of it), else the mean of every recorded run (a new entry).
The time left is the wall time so far scaled by expected work left over expected work done, so
the machine's speed and the number of workers cancel out.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

_ENTRY = re.compile(r"test_run\[(.+)-\d+\]$")       # test_run[<sim>-<entry>-<seed>]


def load(path: Path) -> dict:
    """Recorded run times by node id ({} when the file is missing or unreadable)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return {k: float(v) for k, v in data.items() if isinstance(v, (int, float)) and v > 0}


class Eta:
    def __init__(self, recorded: dict, nodeids) -> None:
        per_entry: dict = {}
        for node, secs in recorded.items():
            m = _ENTRY.search(node)
            if m:
                per_entry.setdefault(m.group(1), []).append(secs)
        means = {k: sum(v) / len(v) for k, v in per_entry.items()}
        overall = sum(recorded.values()) / len(recorded) if recorded else 1.0
        self.expect: dict = {}
        for node in nodeids:
            m = _ENTRY.search(node)
            self.expect[node] = recorded.get(node) or (means.get(m.group(1)) if m else None) \
                or overall
        self.left = sum(self.expect.values())
        self.done = 0.0

    def finished(self, nodeid: str) -> None:
        e = self.expect.pop(nodeid, None)
        if e is not None:
            self.left -= e
            self.done += e

    def seconds_left(self, elapsed: float) -> float | None:
        """Wall seconds still to go, or None before anything expected has finished."""
        if self.done <= 0:
            return None
        return elapsed * max(self.left, 0.0) / self.done
