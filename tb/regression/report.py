"""What a regression prints and writes: progress lines, the summary table, the totals line,
the failure lines (replay, log and wave paths), and the notes added to pytest's JUnit file.
Plain Python."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

from tb.advice import SEQUENCE
from tb.regression.jobs import replay
from tb.regression.run_one import JobResult


def _dur(s: float) -> str:
    s = int(round(s))
    return f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{s}s"


def progress_line(n: int, total: int, r: JobResult, eta: float | None) -> str:
    """`[  3/215] PASS     icarus    SmokeTest seed 1  2.1 s  ETA 3m05s`"""
    w = len(str(total))
    eta_txt = f"  ETA {_dur(eta)}" if eta is not None and n < total else ""
    note = f"  ({r.message})" if r.skipped else ""
    return (f"[{n:>{w}}/{total}] {r.word:<8} {r.job.sim:<9} {r.job.test} seed {r.job.seed}"
            f"  {r.seconds:.1f} s{eta_txt}{note}")


def build_line(sim: str, label: str, seconds: float) -> str:
    return f"build {sim:<9} {label:<40} {seconds:6.1f} s"


def failure_detail(r: JobResult) -> list[str]:
    """What to act on for a run that did not pass: its first error lines, where its log and
    waves are, and the command that replays it."""
    out = [f"  {line}" for line in r.errors[:3]]
    if r.log:
        out.append(f"  log: {r.log}")
    if r.waves:
        out.append(f"  waves: {r.waves}")
    out.append(f"  {replay(r.job)}")
    return out


def table_lines(results: list[JobResult]) -> list[str]:
    """The summary table: one row per simulator x test x seed, with its result word (PASS,
    FAIL, SEQUENCE or SKIP) and notes: why a run was skipped, steps it skipped, and how many
    of the oracle's findings it did not declare ("(2 advice)")."""
    w = max([28] + [len(r.job.test) for r in results])
    out = [f"{'simulator':<10} {'test':<{w}} {'seed':>5} {'result':<8} {'checked':>8} {'/s':>8} {'time':>7}"]
    for r in results:
        rate = r.checked / r.seconds if r.seconds else 0
        out.append(f"{r.job.sim:<10} {r.job.test:<{w}} {r.job.seed:>5} {r.word:<8} "
                   f"{r.checked:>8} {rate:>8.0f} {r.seconds:>6.1f}s"
                   + (f"  {r.message}" if r.skipped else "")
                   + (f"  ({len(r.skipped_steps)} step(s) skipped)" if r.skipped_steps else "")
                   + (f"  ({r.advice_count} advice)" if r.advice_count else ""))
    return out


def served_line(results: list[JobResult]) -> str:
    """How many runs ran on run servers, and how many were run again on their own ('' when
    none was served: SERVE=0, or waves)."""
    served = sum(r.served for r in results)
    rerun = sum(r.rerun for r in results)
    if not served and not rerun:
        return ""
    return (f"run servers: {served} of {len(results)} runs served; {rerun} run again on their "
            f"own after their served run did not end as expected (those are the runs reported)")


def totals_line(results: list[JobResult], wall: float) -> str:
    """'N passed, M failed, K sequence, S skipped in T s (...)'."""
    words = Counter(r.word for r in results)
    n_adv = sum(r.advice_count for r in results)
    runs_adv = sum(bool(r.advice_count) for r in results)
    return (f"{words['PASS']} passed, {words['FAIL']} failed, {words[SEQUENCE]} sequence, "
            f"{words['SKIP']} skipped in {wall:.1f} s "
            f"({sum(r.checked for r in results)} translations checked"
            + (f"; {n_adv} advice in {runs_adv} run(s)" if n_adv else "")
            + (", counted, not failed (ADVICE=warn)" if n_adv and any(
                r.job.advice == "warn" for r in results) else "") + ")")


def failure_lines(results: list[JobResult]) -> list[str]:
    """Per run that did not pass: 'FAIL <sim> <test> seed <n>: <why>' (or 'SEQUENCE ...: <the
    first undeclared finding>') and the command that replays it."""
    out = []
    for r in results:
        if not r.ok:
            out += [f"{r.word} {r.job.sim} {r.job.test} seed {r.job.seed}: {r.message}", replay(r.job)]
    return out


def failure_text(r: JobResult) -> str:
    """The body of a run's JUnit failure: why, its first error lines, log, waves, replay."""
    return "\n".join([r.message] + [line.strip() for line in failure_detail(r)])


def annotate_junit(path: Path, by_name: dict) -> None:
    """Give pytest's JUnit cases what a regression's reader needs: the failure's type (FAIL or
    SEQUENCE), its message (why, one line) and body (first error lines, log, waves, replay),
    and the steps skipped and the undeclared findings as system-out. `by_name` maps a case's
    name (pytest's `test_run[<id>]`) to its JobResult."""
    tree = ET.parse(path)
    for case in tree.getroot().iter("testcase"):
        r = by_name.get(case.get("name"))
        if r is None:
            continue
        case.set("classname", f"{r.job.sim}.{r.job.params}")
        for props in case.findall("properties"):
            case.remove(props)
        fail = case.find("failure")
        if fail is not None and not r.ok:
            fail.set("type", r.word)
            fail.set("message", r.message[:500])
            fail.text = failure_text(r)
        for out in case.findall("system-out"):
            case.remove(out)
        extra = ([f"SKIPPED step {step}: {why}" for step, why in r.skipped_steps or []]
                 + list(r.advice)
                 + ([f"({r.advice_count} findings in all)"] if r.advice_count > len(r.advice) else []))
        if extra:
            ET.SubElement(case, "system-out").text = "\n".join(extra)
    tree.write(path, encoding="unicode", xml_declaration=True)
