"""The SEQUENCE verdict end to end on Icarus, with the broken software persona of
sequences/broken_persona_vseq.py (a used read-write leaf made read-only, never invalidated) on
correct hardware:
- listed without an expectation, the run ends SEQUENCE: its own word in the table and the
  totals, a SEQUENCE line with the finding and the replay command, a JUnit failure of type
  SEQUENCE, exit code 1;
- with ADVICE=warn its regression entry passes with the finding counted;
- on an RTL bug variant the RTL failure wins (FAIL), and the finding is still in the log;
- when the sequence's own assertion fails, the scoreboard summary and the findings are still
  printed, and the test fails with that assertion's message (this file is also the cocotb
  module of that test, ProtectThenAssertTest).
The `make test` bugs subset (test_regression_smoke.py) checks the entries' expected verdicts."""
import dataclasses
import os
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from tb.tests.uvm_test import uvm_test

from sequences.broken_persona_vseq import PteProtectNeverInvalidateVseq, accesses
from tb import dut_profile, regression, runner
from tb.tests.base_test import IommuBaseTest

import bounded_run

ROOT = Path(__file__).resolve().parents[2]
ENTRY = "Seq_protect_never_invalidated"
FINDING = ("ADVICE missing: store #7 to leaf PTE @0x1003000 (first stage, pscid 21, level 0, "
           "va 0x40000000) needs IOTINVAL.VMA GV=0 PSCV=1 PSCID=21 AV=1 ADDR=0x40000000")


# ------------------------------------------------------------------ cocotb side
class ProtectThenAssertVseq(PteProtectNeverInvalidateVseq):
    """The broken persona, then a wrong assumption of the sequence's own: after the downgrade
    without invalidation, a write may still succeed (the IOTLB's RW copy), yet it asserts."""

    async def body(self):
        await super().body()
        again = await self.translate(accesses(1))
        assert all(r.fault for r in again), "scenario: writes must fault after the downgrade"


@uvm_test(timeout_time=10, timeout_unit="ms")
class ProtectThenAssertTest(IommuBaseTest):
    vseq_name = "ProtectThenAssertVseq"


# ------------------------------------------------------------------ pytest side
def list_without_expectation() -> dict:
    """The regression list, with the broken persona's entry as an ordinary test."""
    data = regression.load_list()
    entry = next(t for t in data["test"] if t["id"] == ENTRY)
    del entry["expect_verdict"], entry["expect"]
    return data


def test_an_undeclared_finding_ends_the_run_with_the_sequence_verdict(tmp_path):
    listing = tmp_path / "list.toml"
    listing.write_text(f'[[test]]\nid = "{ENTRY}"\nname = "PteProtectNeverInvalidateTest"\n'
                       f'seeds = 1\nsimulators = ["icarus"]\n')
    r = bounded_run.run([sys.executable, "-m", "tb.regression", "--sim", "icarus", "--test", ENTRY,
                        "--jobs", "1", "--results-dir", str(tmp_path / "out")], cwd=ROOT,
                       capture_output=True, text=True, timeout=300,
                       env=dict(os.environ, IOMMU_REGRESSION_LIST=str(listing)))
    out = r.stdout
    assert r.returncode == 1, out + r.stderr
    assert re.search(rf"\nicarus +{ENTRY} +1 SEQUENCE +8 .*  \(1 advice\)\n", out), out
    assert "\n0 passed, 0 failed, 1 sequence, 0 skipped in " in out, out
    assert f"\nSEQUENCE icarus {ENTRY} seed 1: {FINDING}: no covering invalidation issued" in out, out
    assert f"\nREPLAY: make sim SIM=icarus TEST={ENTRY} SEED=1 WAVES=1" in out, out
    (case,) = ET.parse(tmp_path / "out" / "junit.xml").getroot().iter("testcase")
    failure = case.find("failure")
    assert failure.get("type") == "SEQUENCE" and failure.get("message").startswith(FINDING)


def test_advice_warn_passes_the_broken_persona_with_the_finding_counted(tmp_path):
    r = bounded_run.run([sys.executable, "-m", "tb.regression", "--sim", "icarus", "--test", ENTRY,
                        "--advice", "warn", "--jobs", "1", "--results-dir", str(tmp_path)], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert re.search(rf"\nicarus +{ENTRY} +1 PASS +8 .*  \(1 advice\)\n", r.stdout), r.stdout
    assert ("\n1 passed, 0 failed, 0 sequence, 0 skipped in " in r.stdout
            and "1 advice in 1 run(s), counted, not failed (ADVICE=warn)" in r.stdout), r.stdout
    log = (tmp_path / "runs" / "icarus" / ENTRY / "seed1" / "sim.log").read_text()
    assert re.search(rf"WARNING .*advice: {re.escape(FINDING)}", log), log[-3000:]
    assert "advice: 0 expected, 1 not in PteProtectNeverInvalidateTest.expected_findings: counted" in log


def test_an_rtl_failure_wins_over_the_findings_which_stay_in_the_log():
    """The stuck fault-queue interrupt fails every run's end-of-test check."""
    dut = dut_profile.load(None)
    args = dict(dut=None, sim="icarus", test=ENTRY, seed=1, seeds=None, policy=None, waves=False,
                subset=None)
    (job,) = regression.plan(list_without_expectation(), regression.namespace(**args), dut)
    job = dataclasses.replace(job, mutant="fq_interrupt_stuck")
    bdir, _, err = regression.build_one(job.build_key, dut)
    assert not err, err
    r = regression.run_job(dataclasses.replace(job, build_dir=bdir))
    assert (r.ok, r.verdict, r.word, r.advice_count) == (False, "FAIL", "FAIL", 1), r
    assert "INTERRUPT irq_fq=1 at the end of the test, expected 0" in r.message
    log = (Path(bdir) / "runs" / ENTRY / "seed1" / "sim.log").read_text()
    assert re.search(rf"ERROR .*advice: {re.escape(FINDING)}", log), log[-3000:]
    assert "scoreboard: 8 translations checked, 1 failures" in log


def test_a_failed_sequence_assertion_still_prints_the_summary_and_the_findings():
    bdir = runner.build("icarus", "riscv_iommu")
    tdir = Path(bdir) / "runs" / "ProtectThenAssertTest" / "seed1"
    n_pass, n_fail, xml = runner.run("icarus", bdir, "riscv_iommu", "tests.sim.test_sequence_verdict",
                                     "ProtectThenAssertTest", seed=1, test_dir=tdir)
    assert (n_pass, n_fail) == (0, 1)
    # the sequence's own message, not SEQUENCE: the findings only decide a run that passed
    assert runner.failures(xml) == ["ProtectThenAssertTest: scenario: writes must fault after the downgrade"]
    log = (tdir / "sim.log").read_text()
    stopped = log.index("ERROR")
    assert ("scenario: writes must fault after the downgrade (the sequence ProtectThenAssertVseq "
            "stopped here)") in log[stopped:stopped + 300]
    summary, finding = log.index("scoreboard: 10 translations checked, 0 failures"), log.index(
        f"advice: {FINDING}")
    assert stopped < summary < finding < log.index("Traceback")
    assert '"advice_count": 1' in (tdir / "stats.json").read_text()
