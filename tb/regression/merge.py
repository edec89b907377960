"""`make merge RESULTS="dir1 dir2 ..."`: the results folders of several shards (or machines,
or invocations) made into one report, as if one regression had run them all: one JUnit file,
the coverage merged, the summary table and totals, the failures with their replay lines.
`--durations-only` instead records their run times in tb/regression_durations.json (what
SHARD=i/N splits by).

    python -m tb.regression.merge DIR [DIR ...] [--out DIR] [--durations-only]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from tb.regression import report
from tb.regression.coverage import run_files
from tb.regression.jobs import REPO, RESULTS
from tb.regression.run_one import JobResult

DURATIONS = REPO / "tb" / "regression_durations.json"


class MergeError(Exception):
    """A folder that is not a regression's results: one line, exit 2."""


def results_of(folder: Path) -> list[JobResult]:
    """The runs a results folder holds (their result.json), in a stable order."""
    out = []
    for f in sorted(folder.glob("runs/*/*/seed*/result.json")):
        try:
            out.append(JobResult.from_json(f.read_text()))
        except (ValueError, TypeError, KeyError) as e:
            raise MergeError(f"{f}: not a run's result ({e})") from None
    return out


def merge_junit(files: list[Path], out: Path) -> tuple[int, int, int]:
    """One testsuite with every case of `files`; (tests, failures, skipped)."""
    suite = ET.Element("testsuite", name="iommu-regression")
    seen: dict = {}
    total_time = 0.0
    for f in files:
        try:
            root = ET.parse(f).getroot()
        except (ET.ParseError, OSError) as e:
            raise MergeError(f"{f}: cannot read the JUnit file ({e})") from None
        for case in root.iter("testcase"):
            seen[(case.get("classname"), case.get("name"))] = case     # a rerun replaces
    for case in seen.values():
        suite.append(case)
        total_time += float(case.get("time") or 0)
    n = len(seen)
    fails = sum(case.find("failure") is not None for case in seen.values())
    errors = sum(case.find("error") is not None for case in seen.values())
    skips = sum(case.find("skipped") is not None for case in seen.values())
    suite.set("tests", str(n))
    suite.set("failures", str(fails))
    suite.set("errors", str(errors))
    suite.set("skipped", str(skips))
    suite.set("time", f"{total_time:.3f}")
    top = ET.Element("testsuites", name="iommu-regression")
    top.append(suite)
    ET.ElementTree(top).write(out, encoding="unicode", xml_declaration=True)
    return n, fails + errors, skips


def durations_of(folders: list[Path]) -> dict:
    out: dict = {}
    for d in folders:
        f = d / "durations.json"
        if f.is_file():
            out.update(json.loads(f.read_text()))
    return out


def record_durations(folders: list[Path], path: Path = DURATIONS) -> int:
    """Add the folders' run times to the durations file SHARD= splits by; how many."""
    new = durations_of(folders)
    if not new:
        raise MergeError(f"no durations.json in {', '.join(map(str, folders))}: run `make sim` first")
    old = json.loads(path.read_text()) if path.is_file() else {}
    old.update(new)
    path.write_text(json.dumps(old, indent=1, sort_keys=True) + "\n")
    return len(new)


def merge(folders: list[Path], out: Path) -> tuple[list[str], bool]:
    """Write the merged report into `out`; (lines to print, every run ok)."""
    from tb import coverage_report
    results: dict = {}
    for d in folders:
        for r in results_of(d):
            results[r.job.ident] = r                   # a later folder's rerun replaces
    rs = list(results.values())
    out.mkdir(parents=True, exist_ok=True)
    junits = [d / "junit.xml" for d in folders if (d / "junit.xml").is_file()]
    n, fails, skips = merge_junit(junits, out / "junit.xml")
    cov_files = [d / coverage_report.RUN_FILE for d in folders
                 if (d / coverage_report.RUN_FILE).is_file()]
    partial = []
    if not cov_files:                                  # folders without a merged file: the runs'
        cov_files = run_files(rs)
        partial = run_files(rs, must_fail=True)
    try:
        cov = coverage_report.merge_files(cov_files, attribution_only=partial)
    except ValueError as e:                            # files of different coverage models
        raise MergeError(f"coverage files do not merge: {e}") from None
    coverage_report.write(cov, out)
    (out / "durations.json").write_text(json.dumps(durations_of(folders), indent=1, sort_keys=True) + "\n")
    wall = sum(r.seconds for r in rs)
    lines = report.table_lines(rs) + [""]
    lines.append(report.totals_line(rs, wall).replace(" in ", " in (run time) ", 1)
                 + f"; from {len(folders)} folder(s)")
    lines += coverage_report.summary_lines(cov)
    lines += report.failure_lines(rs)
    lines.append(f"JUnit: {out / 'junit.xml'} ({n} cases, {fails} failed, {skips} skipped)")
    (out / "summary.txt").write_text("\n".join(lines) + "\n")
    return lines, all(r.ok for r in rs)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="make merge", description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="*")
    ap.add_argument("--out")
    ap.add_argument("--durations-only", action="store_true")
    a = ap.parse_args(argv)
    if not a.folders:
        print('error: name the results folders to merge: make merge RESULTS="results/a results/b"',
              file=sys.stderr)
        return 2
    folders = [Path(f).resolve() for f in a.folders]
    try:
        for d in folders:
            if not d.is_dir() or not ((d / "runs").is_dir() or (d / "junit.xml").is_file()):
                raise MergeError(f"{d} is not a regression's results folder (no runs/ nor junit.xml)")
        if a.durations_only:
            n = record_durations(folders)
            print(f"{n} run times recorded in {DURATIONS}")
            return 0
        out = Path(a.out).resolve() if a.out else RESULTS / time.strftime("merged-%Y%m%d-%H%M%S")
        lines, ok = merge(folders, out)
    except MergeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"error: {e.filename}: {e.strerror}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    print(f"merged: {out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
