"""`make mutate` end to end on Icarus, small: two mutants against SmokeTest alone. The stuck
fault-queue interrupt is killed by it (the interrupt check at the end of the test); the 9-bit
G-stage root index survives, because SmokeTest has no G-stage. The table, the files and the
exit code (1: a survivor) are checked."""
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import bounded_run

ROOT = Path(__file__).resolve().parents[2]


def test_campaign_kills_one_mutant_and_reports_the_survivor():
    r = bounded_run.run([sys.executable, "-m", "tb.mutate", "--sim", "icarus", "--tests", "SmokeTest",
                        "--mutants", "fq_interrupt_stuck,gstage_root_index_9bit", "--jobs", "2"],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    out = r.stdout
    assert r.returncode == 1, out[-3000:] + r.stderr[-2000:]
    assert "baseline: 1 run(s) pass on the unmutated DUT" in out
    # one progress line per mutant, then the table grouped by class (address-arithmetic first)
    assert "KILLED   queues/fq_interrupt_stuck by SmokeTest seed 1" in out, out
    assert "SURVIVED address-arithmetic/gstage_root_index_9bit (1 run(s) passed" in out, out
    rows = [ln.split(None, 4) for ln in out.splitlines()
            if ln.startswith(("address-arithmetic ", "queues "))][:2]
    assert [row[:3] for row in rows] == [["address-arithmetic", "gstage_root_index_9bit", "SURVIVED"],
                                         ["queues", "fq_interrupt_stuck", "KILLED"]], out
    assert rows[1][3:] == ["SmokeTest", "seed 1  INTERRUPT irq_fq=1 at the end of the test, expected 0 "
                                        "(model ipsr=0x0 icvec=0x10)"], rows
    assert "\ntotal                    1      2    50%" in out, out
    assert "2 mutants: 1 killed, 1 survived, 0 could not run" in out
    assert "  address-arithmetic/gstage_root_index_9bit: the G-stage root is indexed" in out
    table = (ROOT / "results" / "mutate.txt").read_text()
    assert "tests: SmokeTest (seed 1)" in table and "gstage_root_index_9bit  SURVIVED" in table
    suite = ET.parse(ROOT / "results" / "mutate.xml").getroot()
    verdicts = {c.get("name"): c.find("failure") is not None for c in suite.iter("testcase")}
    assert verdicts == {"fq_interrupt_stuck": False, "gstage_root_index_9bit": True}
