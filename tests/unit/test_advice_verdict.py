"""The SEQUENCE verdict's pure parts: the advice mode, matching the findings a test declares
(tb/advice.py), how the regression judges and reports a run (result word, summary table,
totals, the lines at the end, JUnit) and the `expect_verdict` key of its list; and that the
mutation campaign never counts a software finding as a kill. End to end on Icarus:
tests/sim/test_sequence_verdict.py."""
import argparse
import xml.etree.ElementTree as ET

import pytest

from scoreboards import Finding
from tb import advice, dut_profile, regression
from tb.advice import IN_WINDOW, SEQUENCE
from tb.mutate import campaign_jobs
from tb.regression import Job, JobResult, UsageError

MISSING = Finding(store=8, item="leaf PTE @0x1003000 (first stage, pscid 21, level 0, va 0x40000000)",
                  needed="IOTINVAL.VMA GV=0 PSCV=1 PSCID=21 AV=1 ADDR=0x40000000", status="missing",
                  detail="no covering invalidation issued; request did=5 pid=- iova=0x4000_0000 "
                         "relied on the new value (no covering invalidation issued)")
RELIED = Finding(store=12, item="device context of did 32 @0x1004400", needed="IODIR.INVAL_DDT DV=1 DID=32",
                 status="relied-before-completion",
                 detail="request did=32 pid=- iova=0x1000 (no covering invalidation issued); "
                        "IODIR.INVAL_DDT DV=1 DID=32 completed only at IOFENCE.C #4")
NOT_DONE = Finding(store=0, item="ddtp (cached DDT/PDT entries of the old table)",
                   needed="IODIR.INVAL_DDT DV=0", status="not-completed",
                   detail="IODIR.INVAL_DDT DV=0 issued but no later IOFENCE.C has completed")


# ---- the mode
@pytest.mark.parametrize("value, mode", [("error", "error"), ("warn", "warn"), (" WARN ", "warn")])
def test_mode_accepts_error_and_warn(value, mode):
    assert advice.check_mode(value) == mode


@pytest.mark.parametrize("value", ["foo", "", "ignore", None])
def test_bad_mode_is_one_line(value):
    with pytest.raises(ValueError) as e:
        advice.check_mode(value)
    assert str(e.value) == f"ADVICE must be one of error, warn, got {value!r}"


# ---- declarations
def test_findings_are_matched_by_a_regex_search_in_their_line():
    assert str(MISSING).startswith("ADVICE missing: store #8 to leaf PTE")   # what patterns see
    s = advice.sort_findings([MISSING, RELIED, NOT_DONE], (IN_WINDOW, r"ddtp write to ddtp"))
    assert s.expected == [(str(RELIED), IN_WINDOW), (str(NOT_DONE), r"ddtp write to ddtp")]
    assert s.undeclared == [str(MISSING)] and s.unused == []


def test_in_window_does_not_hide_a_missing_invalidation_that_was_relied_on():
    # the missing finding's detail says "relied on the new value": the status is what counts
    s = advice.sort_findings([MISSING], (IN_WINDOW,))
    assert s.undeclared == [str(MISSING)] and s.unused == [IN_WINDOW]


def test_a_declaration_that_matches_nothing_is_reported_not_an_error():
    s = advice.sort_findings([RELIED], (IN_WINDOW, r"^ADVICE missing: .* leaf PTE .*pscid 7\b"))
    assert s.undeclared == [] and s.unused == [r"^ADVICE missing: .* leaf PTE .*pscid 7\b"]
    assert advice.sort_findings([], ()).undeclared == []


def test_plain_text_is_a_substring_and_a_finding_counts_once():
    s = advice.sort_findings([MISSING], ("pscid 21", "PSCID=21", "missing"))
    assert s.expected == [(str(MISSING), "pscid 21")]        # the first declaration that matches
    assert s.unused == ["PSCID=21", "missing"]


@pytest.mark.parametrize("patterns, says", [
    (("missing: (store",), "T.expected_findings: 'missing: (store' is not a regular expression: "
                           "missing ), unterminated subpattern at position 9"),
    ("missing", "T.expected_findings must be a tuple of patterns, not one string: ('missing',)"),
    (("",), "T.expected_findings: a declaration must be a non-empty string, got ''"),
    ((3,), "T.expected_findings: a declaration must be a non-empty string, got 3"),
])
def test_bad_declarations_are_one_line(patterns, says):
    with pytest.raises(ValueError) as e:
        advice.compile_declarations(patterns, "T.expected_findings")
    assert str(e.value) == says


def test_failure_message_is_told_apart_from_rtl_failures():
    msg = advice.failure_message([str(MISSING), str(RELIED)])
    assert msg == f"SEQUENCE 2 findings the test does not declare (software, not RTL); first: {MISSING}"
    assert advice.failure_message([str(MISSING)]).startswith("SEQUENCE 1 finding the test")
    assert advice.is_sequence_failure(msg)
    assert advice.is_sequence_failure(f"PteProtectNeverInvalidateTest: {msg}")      # runner.failures()
    for rtl in ("PscidTagTest: 5 check(s) failed; first: MISMATCH translate did=6 pid=- ...",
                "SmokeTest: HUNG DUT: no device response for 200000 ns",
                "FaultOverflowTest: REGISTER fqcsr=0x10003 ...; first: SEQUENCE 1 finding",
                "no test ran", ""):
        assert not advice.is_sequence_failure(rtl), rtl


# ---- how the regression judges a run
def job(**kw) -> Job:
    base = dict(sim="icarus", test="T", seed=1, params="default", policy="riscv-1.0-strict", waves=False)
    base.update(kw)
    return Job(**base)


@pytest.mark.parametrize("j, verdict, n_adv, log, ok, says", [
    # ordinary runs: ok only when they passed
    (job(), "PASS", 0, "", True, ""),
    (job(), SEQUENCE, 1, "", False, "m"),
    (job(), "FAIL", 1, "", False, "m"),
    # a broken persona: must end SEQUENCE and say the expected text
    (job(must_fail=True, expect_verdict=SEQUENCE, expect="ADVICE missing"), SEQUENCE, 1,
     "x ADVICE missing y", True, "caught the expected SEQUENCE verdict"),
    (job(must_fail=True, expect_verdict=SEQUENCE), "PASS", 0, "", False,
     "the expected SEQUENCE verdict was NOT caught: the run passed"),
    (job(must_fail=True, expect_verdict=SEQUENCE), "FAIL", 1, "", False,
     "the expected SEQUENCE verdict: the run ended FAIL, not SEQUENCE: m"),
    (job(must_fail=True, expect_verdict=SEQUENCE, expect="PSCID=21"), SEQUENCE, 1, "PSCID=22", False,
     "the expected SEQUENCE verdict: the run failed but no message contains 'PSCID=21': m"),
    # ... under ADVICE=warn: must pass with the finding counted
    (job(must_fail=True, expect_verdict=SEQUENCE, expect="PSCID=21", advice="warn"), "PASS", 1,
     "PSCID=21", True, "passed with 1 advice counted (ADVICE=warn)"),
    (job(must_fail=True, expect_verdict=SEQUENCE, advice="warn"), "PASS", 0, "", False,
     "the expected SEQUENCE verdict under ADVICE=warn: the run passed but counted no finding"),
    (job(must_fail=True, expect_verdict=SEQUENCE, advice="warn"), "FAIL", 1, "", False,
     "the expected SEQUENCE verdict under ADVICE=warn: the run should pass with its findings "
     "counted, but ended FAIL: m"),
    # a bug variant: only an RTL failure catches it
    (job(mutant="mx", must_fail=True, expect="MISMATCH"), "FAIL", 0, "MISMATCH", True, "caught mutant mx"),
    (job(mutant="mx", must_fail=True), SEQUENCE, 2, "", False,
     "mutant mx: the run ended SEQUENCE, not FAIL: m"),
    (job(must_fail=True), "PASS", 0, "", False, "the expected failure was NOT caught: the run passed"),
])
def test_judge(j, verdict, n_adv, log, ok, says):
    assert regression.judge(j, verdict, "m" if verdict != "PASS" else "", n_adv, log) == (ok, says)


def result(j=None, ok=True, verdict="PASS", message="", advice_lines=(), count=None, **kw):
    lines = list(advice_lines)
    return JobResult(j or job(), ok, 2.0, message, kw.pop("checked", 8), skipped_steps=kw.pop("steps", []),
                     verdict=verdict, advice=lines, advice_count=len(lines) if count is None else count, **kw)


def test_result_word():
    assert result().word == "PASS"
    assert result(ok=False, verdict=SEQUENCE).word == SEQUENCE
    assert result(ok=False, verdict="FAIL").word == "FAIL"
    # a run that must fail and did not end as expected is a FAIL, whatever its own verdict
    assert result(job(must_fail=True, expect_verdict=SEQUENCE), ok=False, verdict=SEQUENCE).word == "FAIL"
    assert result(job(must_fail=True, expect_verdict=SEQUENCE), ok=True, verdict=SEQUENCE).word == "PASS"
    assert JobResult(job(), True, 0.0, "no such set", skipped=True).word == "SKIP"


SEQ = result(job(test="PteProtectNeverInvalidateTest"), ok=False, verdict=SEQUENCE, message=str(MISSING),
             advice_lines=[str(MISSING)])
RTL = result(job(test="Bug", seed=2), ok=False, verdict="FAIL", message="Bug: 1 check(s) failed; first: "
             "MISMATCH translate", advice_lines=[str(MISSING), str(RELIED)], count=3)
WARN = result(job(test="PteUpdateTest", advice="warn"), advice_lines=[str(RELIED)])


def test_table_has_the_sequence_word_and_advice_counts():
    rows = regression.table_lines([result(), SEQ, RTL, WARN])
    assert rows[0].split() == ["simulator", "test", "seed", "result", "checked", "/s", "time"]
    assert rows[1].split()[3] == "PASS" and "advice" not in rows[1]
    assert rows[2].split()[1:4] == ["PteProtectNeverInvalidateTest", "1", SEQUENCE]
    assert rows[2].endswith("2.0s  (1 advice)")
    assert rows[3].split()[3] == "FAIL" and rows[3].endswith("(3 advice)")
    assert rows[4].split()[3] == "PASS" and rows[4].endswith("(1 advice)")
    col = rows[0].index("result")                           # the words line up under it
    assert [r[col:col + 9].strip() for r in rows[1:]] == ["PASS", SEQUENCE, "FAIL", "PASS"]
    assert len({r.index("2.0s") for r in rows[1:]}) == 1


def test_totals_line_counts_sequence_apart():
    skip = JobResult(job(), True, 0.0, "why", skipped=True)
    line = regression.totals_line([result(), SEQ, RTL, skip], 12.34)
    assert line == ("1 passed, 1 failed, 1 sequence, 1 skipped in 12.3 s (24 translations checked; "
                    "4 advice in 2 run(s))")
    assert regression.totals_line([result(), WARN], 1.0) == (
        "2 passed, 0 failed, 0 sequence, 0 skipped in 1.0 s (16 translations checked; 1 advice in "
        "1 run(s), counted, not failed (ADVICE=warn))")
    assert regression.totals_line([result()], 1.0) == \
        "1 passed, 0 failed, 0 sequence, 0 skipped in 1.0 s (8 translations checked)"


def test_lines_at_the_end_say_sequence_with_the_first_finding_and_replay():
    lines = regression.failure_lines([result(), SEQ, RTL])
    assert lines == [
        f"SEQUENCE icarus PteProtectNeverInvalidateTest seed 1: {MISSING}",
        "REPLAY: make sim SIM=icarus TEST=PteProtectNeverInvalidateTest SEED=1 WAVES=1",
        "FAIL icarus Bug seed 2: Bug: 1 check(s) failed; first: MISMATCH translate",
        "REPLAY: make sim SIM=icarus TEST=Bug SEED=2 WAVES=1"]
    assert regression.replay(job(advice="warn", policy="no-cache")) == \
        "REPLAY: make sim SIM=icarus TEST=T SEED=1 POLICY=no-cache ADVICE=warn WAVES=1"


def test_junit_failure_types_and_findings(tmp_path):
    """pytest writes the JUnit file; the regression then gives each failure its type (FAIL or
    SEQUENCE), its one-line message and a body with the log and the replay line, and lists the
    undeclared findings as system-out."""
    f = tmp_path / "r.xml"
    cases = {"T": result(), "Seq": SEQ, "Bug": RTL, "Warn": WARN}
    body = "".join(
        f'<testcase classname="tb.regression.test_runs" name="test_run[{k}]" time="2.0">'
        + (f'<failure message="pytest text">pytest text</failure>' if not r.ok else "")
        + '<properties><property name="run" value="/x" /></properties></testcase>'
        for k, r in cases.items())
    f.write_text(f'<?xml version="1.0"?><testsuites><testsuite name="pytest" tests="4" failures="2">'
                 f'{body}</testsuite></testsuites>')
    RTL.log = "/r/runs/icarus/Bug/seed2/sim.log"
    RTL.errors = ["0.00ns ERROR  MISMATCH translate did=5"]
    regression.report.annotate_junit(f, {f"test_run[{k}]": r for k, r in cases.items()})
    got = {c.get("name"): c for c in ET.parse(f).getroot().iter("testcase")}
    ok = got["test_run[T]"]
    assert ok.get("classname") == "icarus.default"
    assert ok.find("failure") is None and ok.find("system-out") is None and ok.find("properties") is None
    seq = got["test_run[Seq]"]
    assert [e.tag for e in seq] == ["failure", "system-out"]          # the schema's order
    assert seq.find("failure").get("type") == SEQUENCE
    assert seq.find("failure").get("message") == str(MISSING)
    assert seq.find("failure").text.splitlines()[-1] == (
        "REPLAY: make sim SIM=icarus TEST=PteProtectNeverInvalidateTest SEED=1 WAVES=1")
    assert seq.find("system-out").text == str(MISSING)
    rtl = got["test_run[Bug]"]
    assert rtl.find("failure").get("type") == "FAIL"
    assert rtl.find("failure").text.splitlines() == [
        "Bug: 1 check(s) failed; first: MISMATCH translate", "0.00ns ERROR  MISMATCH translate did=5",
        "log: /r/runs/icarus/Bug/seed2/sim.log", "REPLAY: make sim SIM=icarus TEST=Bug SEED=2 WAVES=1"]
    assert rtl.find("system-out").text.splitlines() == [str(MISSING), str(RELIED), "(3 findings in all)"]
    warn = got["test_run[Warn]"]
    assert warn.find("failure") is None and warn.find("system-out").text == str(RELIED)


# ---- the regression list
def plan(data, **kw):
    args = dict(dut=None, sim="icarus", test=None, seed=None, seeds=None, policy=None, waves=False,
                subset=None, advice="error")
    args.update(kw)
    return regression.plan(data, argparse.Namespace(**args), dut_profile.load(None))


def test_plan_carries_the_expected_verdict_and_the_advice_mode():
    data = regression.load_list()
    (never,) = plan(data, test="Seq_protect_never_invalidated", advice="warn")
    assert (never.must_fail, never.expect_verdict, never.advice) == (True, SEQUENCE, "warn")
    assert "PSCID=21" in never.expect
    (control,) = plan(data, test="Seq_protect_spec_passes")
    assert (control.must_fail, control.advice) == (False, "error")
    (bug,) = plan(data, test="Bug_fence_completes_early", seed=1)
    assert (bug.must_fail, bug.expect_verdict) == (True, "FAIL")
    bugs = {j.test for j in plan(data, subset="bugs")}
    assert {"Seq_protect_never_invalidated", "Seq_protect_wrong_pscid", "Seq_protect_spec_passes"} <= bugs


def test_mutation_runs_never_fail_on_software_findings():
    data = regression.load_list()
    jobs = campaign_jobs(data, dut_profile.load(None), "icarus", "mutate", None, None)
    assert jobs and {j.advice for j in jobs} == {"warn"}
    # the broken personas must fail, so they are never used to kill a mutant
    used = {j.test for j in campaign_jobs(data, dut_profile.load(None), "icarus", "bugs", None, 1)}
    assert "Seq_protect_spec_passes" in used
    assert not used & {"Seq_protect_never_invalidated", "Seq_protect_wrong_pscid"}


def test_bad_advice_on_the_command_line_is_one_line(capsys):
    from tb.regression.__main__ import main
    assert main(["--advice", "foo"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: ADVICE must be one of error, warn, got 'foo'"]
