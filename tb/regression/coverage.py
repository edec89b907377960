"""Coverage of a regression: the per-run files of the runs that judge the DUT (not the broken
variants, not skipped runs) merged into <results>/coverage.yml and coverage.txt, and the lines
printed at the end."""
from __future__ import annotations

from pathlib import Path

from tb.regression.run_one import JobResult


def run_files(results: list[JobResult], must_fail: bool = False) -> list[Path]:
    """The coverage files of the runs that count: ordinary runs that ran (a run on a bug variant
    or one that must fail exercises a broken DUT or a broken persona). must_fail=True: those of
    the runs that must fail instead (their failure-attribution items count)."""
    out = []
    for r in results:
        if r.skipped or bool(r.job.must_fail or r.job.mutant) != must_fail:
            continue
        f = Path(r.job.run_dir or r.job.folder) / "coverage.yml"
        if f.is_file():
            out.append(f)
    return out


def merge_and_report(results: list[JobResult], out: Path) -> list[str]:
    """Merge the runs' coverage into `out` and return the summary lines."""
    from tb import coverage_report
    cov = coverage_report.merge_files(run_files(results),
                                      attribution_only=run_files(results, must_fail=True))
    try:
        written = coverage_report.write(cov, out)
    except OSError:
        written = []
    return coverage_report.summary_lines(cov) + (
        [f"coverage: {', '.join(str(p) for p in written)}"] if written else [])
