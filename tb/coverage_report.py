"""(Interim) flat counters: each run's coverage.yml is `name: count` lines; merged by summing."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

RUN_FILE = "coverage.yml"


def merge_files(paths) -> Counter:
    total: Counter = Counter()
    for f in paths:
        for line in Path(f).read_text().splitlines():
            key, _, val = line.partition(":")
            if val.strip().isdigit():
                total[key.strip()] += int(val)
    return total


def write(cov: Counter, out_dir: Path) -> list[Path]:
    f = Path(out_dir) / RUN_FILE
    f.write_text("".join(f"{k}: {v}\n" for k, v in sorted(cov.items())))
    return [f]


def summary_lines(cov: Counter) -> list[str]:
    from tb.env.coverage_goals import GOALS
    out = []
    for area, goal in GOALS.items():
        miss = [str(g) for g in goal if not cov.get(f"{area}.{g}")]
        out.append(f"coverage {area}: {len(goal) - len(miss)}/{len(goal)}"
                   + (f" (missing {', '.join(miss)})" if miss else ""))
    return out
