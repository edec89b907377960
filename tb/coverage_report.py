"""Functional coverage across runs: merge the per-run files, write the merged file and a
readable report, and the short summary for the terminal. Plain Python (no simulator, no pyuvm):
the regression process and `python -m tb.coverage_report` use it.

The file format (per run and merged alike) is cocotb-coverage's YAML export of its coverage
database: one mapping per item, keyed by the item's full name (`iommu.<group>.<point>`):

    iommu.translation.cause:              # a cover point or cross
      at_least: 1
      bins:_hits:                         # bin -> hits; a cross bin is its tuple as text,
        0: 812                            # e.g. "('1LVL', 'first', '4K', 0)"
        12: 3
      coverage: 17                        # bins hit (weight 1 each)
      cover_percentage: 94.44
      size: 18                            # bins
      type: <class 'cocotb_coverage.coverage.CoverPoint'>
      weight: 1
    iommu.translation:                    # a covergroup (sizes and coverage of its items)
      coverage: ...

Merging sums the hits of each bin and recomputes the coverage from the bins, so a merged
file merges again with run files or other merged files (the same result as
cocotb_coverage.coverage.merge_coverage, faster).

    python -m tb.coverage_report OUT_DIR FILE...   # merge FILEs into OUT_DIR, print the summary
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import yaml
from models.causes import Cause
from tb.env.coverage_goals import AREAS, GOALS

RUN_FILE = "coverage.yml"
REPORT_FILE = "coverage.txt"
# Next to a run's coverage.yml, the same database as JSON for the merge (PyYAML takes ~40 ms to
# read a run's file, JSON under 1 ms; the merge of a full make sim reads ~300 of them). Bins
# are kept as [bin, hits] pairs: JSON would turn integer bin keys into strings.
FAST_FILE = "coverage.json"
ROOT = "iommu"
HITS = "bins:_hits"

# The spec's names of the fault causes (RISC-V IOMMU 1.0, fault-record causes), by code.
CAUSE_NAMES = {
    0: "success",
    Cause.INSTRUCTION_ACCESS_FAULT: "instruction access fault",
    Cause.READ_ADDRESS_MISALIGNED: "read address misaligned",
    Cause.READ_ACCESS_FAULT: "read access fault",
    Cause.WRITE_ADDRESS_MISALIGNED: "write/AMO address misaligned",
    Cause.WRITE_ACCESS_FAULT: "write/AMO access fault",
    Cause.INSTRUCTION_PAGE_FAULT: "instruction page fault",
    Cause.READ_PAGE_FAULT: "read page fault",
    Cause.WRITE_PAGE_FAULT: "write/AMO page fault",
    Cause.INSTRUCTION_GUEST_PAGE_FAULT: "instruction guest-page fault",
    Cause.READ_GUEST_PAGE_FAULT: "read guest-page fault",
    Cause.WRITE_GUEST_PAGE_FAULT: "write/AMO guest-page fault",
    Cause.ALL_INBOUND_DISALLOWED: "all inbound transactions disallowed",
    Cause.DDT_LOAD_ACCESS_FAULT: "DDT entry load access fault",
    Cause.DDT_NOT_VALID: "DDT entry not valid",
    Cause.DDT_MISCONFIGURED: "DDT entry misconfigured",
    Cause.TTYP_DISALLOWED: "transaction type disallowed",
    Cause.MSI_PTE_LOAD_ACCESS_FAULT: "MSI PTE load access fault",
    Cause.MSI_PTE_NOT_VALID: "MSI PTE not valid",
    Cause.MSI_PTE_MISCONFIGURED: "MSI PTE misconfigured",
    Cause.MRIF_ACCESS_FAULT: "MRIF access fault",
    Cause.PDT_LOAD_ACCESS_FAULT: "PDT entry load access fault",
    Cause.PDT_NOT_VALID: "PDT entry not valid",
    Cause.PDT_MISCONFIGURED: "PDT entry misconfigured",
    Cause.DDT_DATA_CORRUPTION: "DDT data corruption",
    Cause.PDT_DATA_CORRUPTION: "PDT data corruption",
    Cause.MSI_PT_DATA_CORRUPTION: "MSI PT data corruption",
    Cause.MSI_MRIF_DATA_CORRUPTION: "MSI MRIF data corruption",
    Cause.INTERNAL_DATAPATH_ERROR: "internal data path error",
    Cause.MSI_WRITE_ACCESS_FAULT: "IOMMU MSI write access fault",
    Cause.PT_DATA_CORRUPTION: "first/second-stage PT data corruption",
}
# Items whose bins (or a cross's last field, or the number before the first '.') are causes.
CAUSE_ITEMS = {"iommu.translation.cause", "iommu.fault.cause", "iommu.walk.cause_stage",
               "iommu.translation.mode_x_stage_x_size_x_cause"}

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class Coverage:
    """Coverage of one run or many: `items` is cocotb-coverage's database as its YAML export
    holds it (item name -> attributes); `files` is how many files it was merged from."""

    def __init__(self, items: dict | None = None, files: int = 0) -> None:
        self.items = items or {}
        self.files = files

    def __eq__(self, other) -> bool:
        return isinstance(other, Coverage) and self.items == other.items

    def points(self) -> list[str]:
        """Names of the items with bins (cover points and crosses)."""
        return sorted(n for n, a in self.items.items() if HITS in a)

    def groups(self) -> list[str]:
        """Names of the covergroups: the items that hold cover points, one level below the
        root (`iommu.translation`, ...)."""
        return sorted({p.rsplit(".", 1)[0] for p in self.points()})

    def is_cross(self, name: str) -> bool:
        return "CoverCross" in str(self.items.get(name, {}).get("type", ""))

    def bins(self, name: str) -> dict[str, int]:
        """Bin name -> hits of an item; a cross bin's fields joined with '.'."""
        hits = self.items.get(name, {}).get(HITS) or {}
        if not self.is_cross(name):
            return {str(b): int(n) for b, n in sorted(hits.items(), key=lambda kv: _order(kv[0]))}
        rows = sorted((tuple(map(_order, _fields(b))), _fields(b), n) for b, n in hits.items())
        return {".".join(map(str, f)): int(n) for _, f, n in rows}

    def hit_count(self, names: list[str]) -> tuple[int, int]:
        """(bins hit, bins) over the items `names`, from the bins themselves."""
        hit = size = 0
        for n in names:
            hits = self.items.get(n, {}).get(HITS) or {}
            least = int(self.items[n].get("at_least", 1) or 1) if n in self.items else 1
            size += len(hits)
            hit += sum(1 for v in hits.values() if v >= least)
        return hit, size

    def group_points(self, group: str) -> list[str]:
        return [p for p in self.points() if p.rsplit(".", 1)[0] == group]


def _order(v) -> tuple:
    """Sort key of a bin or a cross field: numbers by value, before names."""
    return (0, v, "") if isinstance(v, int) and not isinstance(v, bool) else (1, 0, str(v))


def _fields(b) -> tuple:
    """A cross bin as cocotb-coverage exports it (its tuple as text) -> the tuple."""
    if isinstance(b, (tuple, list)):
        return tuple(b)
    try:
        v = ast.literal_eval(str(b))
    except (ValueError, SyntaxError):
        return (b,)
    return tuple(v) if isinstance(v, tuple) else (v,)


def to_json(items: dict) -> str:
    """The FAST_FILE text of a database."""
    import json
    return json.dumps({name: {k: (list(v.items()) if k == HITS else v) for k, v in a.items()}
                       for name, a in items.items()})


def _fast(path: Path) -> dict | None:
    """The database of `path` from its FAST_FILE twin when that one is not older."""
    twin = path.with_name(FAST_FILE)
    try:
        if twin.stat().st_mtime_ns < path.stat().st_mtime_ns:
            return None
        import json
        data = json.loads(twin.read_text())
    except (OSError, ValueError):
        return None
    return {name: {k: (dict(map(tuple, v)) if k == HITS else v) for k, v in a.items()}
            for name, a in data.items()}


def load(path: Path) -> Coverage:
    """A per-run or merged file (a run's: from its JSON twin when there is one)."""
    path = Path(path)
    data = _fast(path) if path.name == RUN_FILE else None
    if data is not None:
        return Coverage(data, 1)
    text = Path(path).read_text()
    data = yaml.load(text, Loader=_Loader) if text.strip() else {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a coverage file (expected a mapping of coverage items)")
    return Coverage(data, 1)


# Items that say which broken software a run exercised and how its failure was attributed (the
# vIOMMU stack's persona x policy x layer; the cache persona x coherence mode): a run that must
# fail (a broken DUT or persona) hits them as intended, so the regression merges these items
# from such runs too, and nothing else of theirs (tb/regression/coverage.py).
ATTRIBUTION_ITEMS = ("iommu.viommu.persona", "iommu.viommu.policy", "iommu.viommu.layer",
                     "iommu.viommu.persona_x_policy_x_layer",
                     "iommu.coherence.persona", "iommu.coherence.mode",
                     "iommu.coherence.persona_x_mode")


def merge_files(paths: list[Path], attribution_only: tuple = ()) -> Coverage:
    """Merge per-run files and merged files: hits summed per bin, then each item's coverage,
    size and percentage, and its covergroups', recomputed from the bins (cocotb-coverage's
    merge_coverage gives the same database, tests/unit/test_coverage_report.py checks it; it
    reads with PyYAML's pure-Python loader, 5.8 s for the 121 files of `make sim SIM=icarus`,
    against 0.6 s here with the C loader). A path that does not exist is skipped (a run that
    ended before writing its file); no file at all gives an empty Coverage. Files whose items
    have different bins (written by another version of tb/env/covergroups.py) raise
    ValueError. `attribution_only`: files of which only ATTRIBUTION_ITEMS are merged (they do
    not count in the number of files merged)."""
    files = [Path(p) for p in paths if Path(p).is_file()]
    partial = {Path(p) for p in attribution_only if Path(p).is_file()}
    merged: dict = {}
    for f in files + sorted(partial - set(files)):
        for name, attrs in load(f).items.items():
            if f in partial and name not in ATTRIBUTION_ITEMS:
                continue
            mine = merged.get(name)
            if mine is None:
                merged[name] = {k: (dict(v) if k == HITS else v) for k, v in attrs.items()}
                continue
            if (HITS in attrs) != (HITS in mine) or (
                    HITS in attrs and set(attrs[HITS]) != set(mine[HITS])):
                raise ValueError(f"coverage files do not merge: item {name} has other bins in {f} "
                                 f"(written by another version of tb/env/covergroups.py?)")
            hits = mine.get(HITS)
            for b, n in (attrs.get(HITS) or {}).items():
                hits[b] += n
    _recompute(merged)
    return Coverage(merged, len(files))


def _recompute(items: dict) -> None:
    """coverage / size / cover_percentage of every item from its bins, then of every parent
    (the sum of its children), the way cocotb-coverage counts them (weight per bin hit at
    least at_least times)."""
    children: dict = {}
    for name in items:
        parent = name.rpartition(".")[0]
        if parent:
            children.setdefault(parent, []).append(name)

    def visit(name: str) -> tuple[int, int]:
        a = items[name]
        if HITS in a:
            w, least = int(a.get("weight", 1)), int(a.get("at_least", 1))
            size = w * len(a[HITS])
            cover = w * sum(1 for n in a[HITS].values() if n >= least)
        else:
            size = cover = 0
            for c in children.get(name, []):
                cs, cc = visit(c)
                size, cover = size + cs, cover + cc
        a["size"], a["coverage"] = size, cover
        a["cover_percentage"] = round(100 * cover / size, 2) if size else 0.0
        return size, cover

    for name in items:
        if not name.rpartition(".")[0] or name.rpartition(".")[0] not in items:
            visit(name)


def write(cov: Coverage, out_dir: Path) -> list[Path]:
    """out_dir/coverage.yml (mergeable, the same format) and out_dir/coverage.txt (readable)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    yml, txt = out_dir / RUN_FILE, out_dir / REPORT_FILE
    yml.write_text(yaml.dump(cov.items, Dumper=_Dumper, default_flow_style=False))
    txt.write_text("\n".join(report_lines(cov)) + "\n")
    return [yml, txt]


def goal_lines(cov: Coverage) -> list[str]:
    """`coverage <area>: hit/goal (missing ...)` per area of coverage_goals.GOALS."""
    lines = []
    for area, goal in GOALS.items():
        bins = cov.bins(AREAS[area])
        miss = [str(g) for g in goal if not bins.get(str(g))]
        lines.append(f"coverage {area}: {len(goal) - len(miss)}/{len(goal)}"
                     + (f" (missing {', '.join(miss)})" if miss else ""))
    return lines


def _pct(hit: int, size: int) -> str:
    return f"{100 * hit / size:.1f}%" if size else "-"


def summary_lines(cov: Coverage) -> list[str]:
    """The goal lines, then `covergroup <name>: <pct> (hit/bins bins)` per covergroup."""
    lines = goal_lines(cov)
    for g in cov.groups():
        hit, size = cov.hit_count(cov.group_points(g))
        lines.append(f"covergroup {g}: {_pct(hit, size)} ({hit}/{size} bins)")
    return lines


def cause_label(item: str, name: str) -> str:
    """A bin's name for the report, with the cause's name where the bin is a cause."""
    if item not in CAUSE_ITEMS:
        return name
    if item.endswith("cause_stage"):
        code, _, stage = name.partition(".")
        return f"{code} {_cause(code)} @ {stage}"
    head, _, code = name.rpartition(".")
    return (f"{head} / " if head else "") + f"{code} {_cause(code)}"


def _cause(code: str) -> str:
    try:
        return CAUSE_NAMES.get(int(code), "cause not in the spec")
    except ValueError:
        return "?"


def report_lines(cov: Coverage) -> list[str]:
    """The readable report: goals, then per covergroup and item its coverage, the bins hit
    (with hits) and the bins missed."""
    out = [f"Functional coverage ({cov.files} file(s) merged)", "", "Goals (tb/env/coverage_goals.py):"]
    out += ["  " + line for line in goal_lines(cov)]
    for g in cov.groups():
        hit, size = cov.hit_count(cov.group_points(g))
        out += ["", f"covergroup {g}: {_pct(hit, size)} ({hit}/{size} bins)"]
        for p in cov.group_points(g):
            bins = cov.bins(p)
            ph, ps = cov.hit_count([p])
            kind = "cross" if cov.is_cross(p) else "point"
            out.append(f"  {kind} {p.rsplit('.', 1)[1]}: {_pct(ph, ps)} ({ph}/{ps} bins)")
            got = [f"{cause_label(p, b)} ({n})" for b, n in bins.items() if n]
            miss = [cause_label(p, b) for b, n in bins.items() if not n]
            out.append("    hit: " + ("; ".join(got) if got else "-"))
            out.append("    missed: " + ("; ".join(miss) if miss else "-"))
    return out


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2 or args[0] in ("-h", "--help"):
        print("usage: python -m tb.coverage_report OUT_DIR FILE...  (merge FILEs, write "
              "OUT_DIR/coverage.yml and coverage.txt, print the summary)")
        return 0 if args[:1] in (["-h"], ["--help"]) else 2
    try:
        cov = merge_files([Path(a) for a in args[1:]])
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    for p in write(cov, Path(args[0])):
        print(f"wrote {p}")
    print("\n".join(summary_lines(cov)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
