"""`make mutate`: the mutation campaign. Each bug variant (mutant) of a DUT profile is built, and
the ordinary tests of one regression subset run on it in order until one fails (the mutant is
KILLED) or all have passed (it SURVIVED). First the subset runs on the unmutated DUT: a test
failing there would "kill" every mutant and prove nothing, so the campaign stops. Prints one
line per mutant as it finishes, then a kill table grouped by class; writes results/mutate.txt
and results/mutate.xml (JUnit, one case per mutant, a survivor is a failure). Exit 0 only when
every mutant is killed; 1 when one survived or could not run; 2 on bad input.

Only an RTL failure kills a mutant: every run of the campaign (the baseline too) has
ADVICE=warn, so the coherence oracle's findings about the sequence (the SEQUENCE verdict of
`make sim`, tb/advice.py) are counted in the log and never fail a run. A finding is a property
of the software, which is the same on every mutant; a mutant that only changes when a fence
completes could otherwise be "killed" by a software finding without any RTL check failing.

    python -m tb.mutate [--dut NAME|PATH] [--sim icarus|verilator] [--mutants NAME|CLASS,...]
                        [--subset mutate] [--tests ID,...] [--seed N | --seeds N] [--jobs N]
                        [--list]
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from tb import dut_profile
from tb.dut_profile import MUTANT_CLASSES, UNCLASSIFIED, DutProfile, ProfileError
from tb.regression import RESULTS, Job, UsageError, build_one, load_list, plan, run_job

DEFAULT_SUBSET = "mutate"
DEFAULT_SEED = 1
ERROR_WIDTH = 100                 # the first ERROR line is cut to this many characters


@dataclass
class MutantResult:
    name: str
    cls: str
    what: str
    verdict: str                  # KILLED, SURVIVED or ERROR (the mutant could not be run)
    test: str = ""                # the test that killed it
    seed: int = 0
    error: str = ""               # the killing run's first ERROR line, or why it could not run
    tests_run: int = 0
    seconds: float = 0.0
    log: str = ""                 # the killing run's log


# ---------------------------------------------------------------------------- choosing
def select(dut: DutProfile, spec: str | None) -> list[str]:
    """The mutants `spec` names (comma-separated mutant names and/or classes; empty: all), in
    the profile's order."""
    if not dut.mutants:
        raise UsageError(f"DUT {dut.name} ({dut.path}) has no mutants: add [mutants.<name>] tables "
                         f"(docs/mutation.md)")
    tokens = [t.strip() for t in (spec or "").split(",") if t.strip()]
    if not tokens:
        return list(dut.mutants)
    classes = set(MUTANT_CLASSES) | {UNCLASSIFIED}
    chosen = set()
    for t in tokens:
        if t in dut.mutants:
            chosen.add(t)
        elif t in classes:
            chosen |= {n for n, m in dut.mutants.items() if m["class"] == t}
        else:
            raise UsageError(f"unknown mutant or class {t!r} in MUTANTS; classes: "
                             f"{', '.join(MUTANT_CLASSES)} (make mutate LIST=1 lists the mutants)")
    return [n for n in dut.mutants if n in chosen]


def campaign_jobs(data: dict, dut: DutProfile, sim: str, subset: str | None, tests: str | None,
              seed: int | None, seeds: int | None = None) -> list[Job]:
    """The ordinary runs of the campaign, in the regression list's order: the tests named by
    `tests` (comma-separated ids) or those of `subset`, on one simulator, with `seed` or with
    seeds 1..`seeds` each. Runs that must fail (negative tests, the regression's own mutant
    checks) are left out: here a mutant is killed by a test that passes on the real DUT."""
    if tests:
        ids = list(dict.fromkeys(x.strip() for x in tests.split(",") if x.strip()))
    else:
        ids = [t["id"] for t in data.get("test", []) if subset in t.get("subsets", [])]
        if not ids:
            raise UsageError(f"no test is in subset {subset!r}")
    entries = {t["id"]: t for t in data.get("test", [])}
    jobs = []
    for t in ids:
        # neither SEED nor SEEDS given: the entry's `mutate_seeds` (seeds 1..N), else seed 1
        n = seeds or (None if seed is not None else entries.get(t, {}).get("mutate_seeds"))
        base = dict(dut=None, sim=sim, seed=None if n else (DEFAULT_SEED if seed is None else seed),
                    seeds=n, policy=None, fills="any", waves=False)
        jobs += plan(data, argparse.Namespace(**base, test=t, subset=None), dut)
    # ADVICE=warn: software findings never fail a campaign run (see the module docstring)
    jobs = [dataclasses.replace(j, advice="warn") for j in jobs if not j.must_fail and not j.skip]
    if not jobs:
        what = f"tests {tests!r}" if tests else f"subset {subset!r}"
        raise UsageError(f"{what} has no ordinary test this DUT can run (runs that must fail "
                         f"are not used to kill mutants)")
    return jobs


# ---------------------------------------------------------------------------- running
def first_error(log: Path, fallback: str = "") -> str:
    """The first ERROR line of a run's log, without the logger's prefix, on one line."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        lines = []
    for line in lines:
        if " ERROR " in line:
            text = line.split(" ERROR ", 1)[1].strip()
            if "]: " in text:
                text = text.split("]: ", 1)[1]
            return text.strip()
    return (fallback.splitlines() or [""])[0].strip()


def _builds(dut: DutProfile, jobs: list[Job], mutant: str) -> tuple[dict, str]:
    """Build dirs for the runs' (simulator, parameter set) with `mutant` applied, built on first
    need; ('', error line) when a build fails."""
    out = {}
    for j in jobs:
        key = (j.sim, j.params, mutant)
        if key not in out:
            bdir, _, err = build_one(key, dut)
            if err:
                return out, err
            out[key] = bdir
    return out, ""


def run_mutant(name: str, jobs: list[Job], dut: DutProfile) -> MutantResult:
    """Build one mutant and run the tests in order until one fails."""
    m = dut.mutants[name]
    res = MutantResult(name, m["class"], m["what"], "SURVIVED")
    t0 = time.time()
    for j in jobs:
        key = (j.sim, j.params, name)
        bdirs, err = _builds(dut, [j], name)
        if err:
            res.verdict, res.error = "ERROR", f"build failed: {err}"
            break
        run = dataclasses.replace(j, mutant=name, must_fail=False, expect="", build_dir=bdirs[key],
                                  run_dir=str(RESULTS / "mutate" / name / j.sim / j.test / f"seed{j.seed}"))
        r = run_job(run)
        res.tests_run += 1
        if not r.ok:
            log = run.folder / "sim.log"
            res.verdict, res.test, res.seed = "KILLED", run.test, run.seed
            res.error, res.log = first_error(log, r.message), str(log)
            break
    res.seconds = time.time() - t0
    return res


def baseline(jobs: list[Job], dut: DutProfile, workers: int) -> list[str]:
    """Run the campaign's tests on the unmutated DUT; one line per failure."""
    bdirs, err = _builds(dut, jobs, "")
    if err:
        return [f"build of the unmutated DUT failed: {err}"]
    runs = [dataclasses.replace(j, build_dir=bdirs[(j.sim, j.params, "")],
                                run_dir=str(RESULTS / "mutate" / "baseline" / j.sim / j.test / f"seed{j.seed}"))
            for j in jobs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(run_job, runs))
    return [f"{r.job.test} seed {r.job.seed}: {r.message}" for r in results if not r.ok]


# ---------------------------------------------------------------------------- reporting
def _cut(text: str, width: int = ERROR_WIDTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 3] + "..."


def _by_class(results: list[MutantResult]) -> dict[str, list[MutantResult]]:
    order = list(MUTANT_CLASSES) + [UNCLASSIFIED]
    groups: dict[str, list[MutantResult]] = {}
    for r in sorted(results, key=lambda r: order.index(r.cls) if r.cls in order else len(order)):
        groups.setdefault(r.cls, []).append(r)
    return groups


def progress_line(r: MutantResult, done: int, total: int) -> str:
    head = f"[{done:>{len(str(total))}}/{total}] {r.verdict:<8} {r.cls}/{r.name}"
    if r.verdict == "KILLED":
        return f"{head} by {r.test} seed {r.seed} ({r.tests_run} run(s), {r.seconds:.1f} s)"
    if r.verdict == "SURVIVED":
        return f"{head} ({r.tests_run} run(s) passed, {r.seconds:.1f} s)"
    return f"{head}: {_cut(r.error)}"


def kill_table(results: list[MutantResult]) -> list[str]:
    """The table: one row per mutant, grouped by class, then the rates per class and in all."""
    groups = _by_class(results)
    wc = max([len("class")] + [len(c) for c in groups])
    wm = max([len("mutant")] + [len(r.name) for r in results])
    kills = [f"{r.test} seed {r.seed}" if r.verdict == "KILLED" else "" for r in results]
    wk = max([len("killed by")] + [len(k) for k in kills])
    killer = dict(zip((r.name for r in results), kills))
    out = [f"{'class':<{wc}}  {'mutant':<{wm}}  {'verdict':<8}  {'killed by':<{wk}}  first ERROR line"]
    for cls, rs in groups.items():
        for r in rs:
            note = r.error if r.verdict != "SURVIVED" else ""
            out.append(f"{cls:<{wc}}  {r.name:<{wm}}  {r.verdict:<8}  {killer[r.name]:<{wk}}  "
                       f"{_cut(note)}".rstrip())
    out += ["", f"{'class':<{wc}}  {'killed':>6}  {'total':>5}  {'rate':>5}"]
    for cls, rs in groups.items():
        out.append(_rate_line(cls, rs, wc))
    out.append(_rate_line("total", results, wc))
    return out


def _rate_line(label: str, rs: list[MutantResult], width: int) -> str:
    k = sum(r.verdict == "KILLED" for r in rs)
    pct = 100.0 * k / len(rs) if rs else 0.0
    return f"{label:<{width}}  {k:>6}  {len(rs):>5}  {pct:>4.0f}%"


def survivors(results: list[MutantResult]) -> list[str]:
    """What would kill each survivor (its `what`), one line each."""
    out = []
    for r in results:
        if r.verdict == "SURVIVED":
            out.append(f"  {r.cls}/{r.name}: {r.what}")
        elif r.verdict == "ERROR":
            out.append(f"  {r.cls}/{r.name}: could not run: {r.error}")
    return out


def write_junit(results: list[MutantResult], path: Path) -> None:
    suite = ET.Element("testsuite", name="iommu-mutate", tests=str(len(results)),
                       failures=str(sum(r.verdict == "SURVIVED" for r in results)),
                       errors=str(sum(r.verdict == "ERROR" for r in results)))
    for r in results:
        case = ET.SubElement(suite, "testcase", classname=f"mutate.{r.cls}", name=r.name,
                             time=f"{r.seconds:.2f}")
        if r.verdict == "KILLED":
            ET.SubElement(case, "system-out").text = (f"killed by {r.test} seed {r.seed}: {r.error}\n"
                                                      f"log: {r.log}")
        elif r.verdict == "SURVIVED":
            f = ET.SubElement(case, "failure", message=f"SURVIVED: {r.tests_run} run(s) passed on the mutant")
            f.text = r.what
        else:
            ET.SubElement(case, "error", message=r.error[:500])
    ET.ElementTree(suite).write(path, encoding="unicode", xml_declaration=True)


def tests_line(jobs: list[Job]) -> str:
    """The campaign's tests in order, with the seeds they run: 'A, B [seeds 1..8] (seed 1)'."""
    per: dict[str, list[int]] = {}
    for j in jobs:
        per.setdefault(j.test, []).append(j.seed)
    common = Counter(tuple(v) for v in per.values()).most_common(1)[0][0]
    def seeds(v):
        return f"seed {v[0]}" if len(v) == 1 else f"seeds {v[0]}..{v[-1]}"
    return ", ".join(t if tuple(v) == common else f"{t} [{seeds(v)}]" for t, v in per.items()) + \
        f" ({seeds(common)})"


def library_lines(dut: DutProfile, names: list[str]) -> list[str]:
    """`--list`: the chosen mutants, grouped by class: class/name (file): what."""
    out = []
    groups: dict[str, list[str]] = {}
    for n in names:
        groups.setdefault(dut.mutants[n]["class"], []).append(n)
    for cls in list(MUTANT_CLASSES) + [UNCLASSIFIED]:
        for n in groups.get(cls, []):
            m = dut.mutants[n]
            out.append(f"{cls}/{n} ({Path(m['file']).name}): {m['what']}")
    return out


# ---------------------------------------------------------------------------- main
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="make mutate", description=__doc__.splitlines()[0])
    ap.add_argument("--dut", help="a DUT profile with mutants: a name in duts/ or a .toml path")
    ap.add_argument("--sim", default="icarus", help="icarus or verilator")
    ap.add_argument("--mutants", help="mutant names and/or classes, comma-separated (default: all)")
    ap.add_argument("--subset", help=f"the regression subset whose tests kill (default {DEFAULT_SUBSET})")
    ap.add_argument("--tests", help="test ids of the regression list instead of a subset, comma-separated")
    ap.add_argument("--seed", type=int, help=f"the seed of every run (default {DEFAULT_SEED})")
    ap.add_argument("--seeds", type=int, help="seeds 1..N of every test instead of one seed")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--list", action="store_true", help="list the mutants and exit")
    try:
        args = ap.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)
    try:
        if args.sim not in ("icarus", "verilator"):
            raise UsageError(f"SIM must be icarus or verilator for a mutation campaign, got {args.sim!r}")
        if args.seed is not None and args.seeds is not None:
            raise UsageError("give SEED or SEEDS, not both")
        if args.seeds is not None and args.seeds < 1:
            raise UsageError(f"SEEDS must be at least 1, got {args.seeds}")
        if args.seed is not None and args.seed < 0:
            raise UsageError(f"SEED must be a non-negative integer, got {args.seed}")
        if args.jobs < 1:
            raise UsageError(f"JOBS must be at least 1, got {args.jobs}")
        if args.subset and args.tests:
            raise UsageError("give SUBSET or TESTS, not both")
        dut = dut_profile.load(args.dut)
        names = select(dut, args.mutants)
        if args.list:
            print("\n".join(library_lines(dut, names)))
            return 0
        subset = args.subset or DEFAULT_SUBSET
        jobs = campaign_jobs(load_list(), dut, args.sim, subset, args.tests, args.seed, args.seeds)
    except (UsageError, ProfileError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    chosen = f"tests {args.tests}" if args.tests else f"subset {subset}"
    print(f"mutation campaign: DUT {dut.name}, {len(names)} mutant(s), {args.sim}, {chosen} "
          f"({len(jobs)} run(s)), {args.jobs} job(s)")
    t0 = time.time()
    bad = baseline(jobs, dut, args.jobs)
    t_base = time.time() - t0
    if bad:
        print(f"error: the campaign's tests fail on the unmutated DUT, so a failure could not "
              f"tell a mutant: {bad[0]}", file=sys.stderr)
        return 1
    print(f"baseline: {len(jobs)} run(s) pass on the unmutated DUT ({t_base:.1f} s)")
    results = []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futs = [pool.submit(run_mutant, n, jobs, dut) for n in names]
        for f in as_completed(futs):
            results.append(f.result())
            print(progress_line(results[-1], len(results), len(names)), flush=True)
    wall = time.time() - t0
    results.sort(key=lambda r: names.index(r.name))
    n_kill = sum(r.verdict == "KILLED" for r in results)
    n_err = sum(r.verdict == "ERROR" for r in results)
    head = [f"mutation campaign: DUT {dut.name} ({dut.path}), {args.sim}, {chosen}",
            "tests: " + tests_line(jobs), ""]
    tail = ["", f"{len(results)} mutants: {n_kill} killed, {len(results) - n_kill - n_err} survived, "
                f"{n_err} could not run; {wall:.0f} s (baseline {t_base:.0f} s), {args.jobs} job(s)"]
    surv = survivors(results)
    if surv:
        tail += ["", "not killed, and what would expose each:"] + surv
    lines = head + kill_table(results) + tail
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "mutate.txt").write_text("\n".join(lines) + "\n")
    write_junit(results, RESULTS / "mutate.xml")
    print("\n" + "\n".join(lines[len(head):]))
    print(f"table: {RESULTS / 'mutate.txt'}, JUnit: {RESULTS / 'mutate.xml'}")
    return 0 if n_kill == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
