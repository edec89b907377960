"""The mutation campaign's pure parts (tb/mutate.py, the mutant keys of tb/dut_profile.py) and
the shipped mutation library: class validation, find/replace lists, choosing mutants by name or
class, the kill table and its rates, the JUnit file, and exit code 2 with one line on bad input
(before anything is built). The campaign itself runs in tests/sim/test_mutate_campaign.py."""
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from tb import dut_profile, mutate
from tb.dut_profile import MUTANT_CLASSES, ProfileError, apply_mutant, load
from tb.mutate import MutantResult, campaign_jobs, first_error, kill_table, progress_line, select
from tb.regression import UsageError, load_list

ROOT = Path(__file__).resolve().parents[2]


def profile(tmp_path, mutants: str, name="dut.toml"):
    (tmp_path / "top.v").write_text("module my_top(input clk);\n  assign a = b;\n  assign c = d;\nendmodule\n")
    f = tmp_path / name
    f.write_text('top = "my_top"\nsources = ["top.v"]\n' + mutants)
    return f


M = '[mutants.m]\nwhat = "w"\nfile = "top.v"\n'


# ---- the `class` key and find/replace lists in a profile
def test_class_is_kept_and_defaults_to_unclassified(tmp_path):
    p = load(str(profile(tmp_path, M + 'class = "tags"\nfind = "a = b"\nreplace = "a = 1"\n'
                                   '[mutants.n]\nwhat = "w"\nfile = "top.v"\nfind = "c"\nreplace = "e"\n')))
    assert p.mutants["m"]["class"] == "tags" and p.mutants["n"]["class"] == "unclassified"


@pytest.mark.parametrize("body, key, says", [
    ('class = "typo"\nfind = "a"\nreplace = "b"\n', "mutants.m.class", "unknown class 'typo'; known: scope, tags"),
    ('class = "unclassified"\nfind = "a"\nreplace = "b"\n', "mutants.m.class", "unknown class 'unclassified'"),
    ('class = 3\nfind = "a"\nreplace = "b"\n', "mutants.m.class", "unknown class 3"),
    ('find = ["a", "c"]\nreplace = ["x"]\n', "mutants.m.replace", "has 1 entries, find has 2"),
    ('find = []\nreplace = []\n', "mutants.m.find", "non-empty list of strings"),
    ('find = ["a", 1]\nreplace = ["x", "y"]\n', "mutants.m.find", "non-empty list of strings"),
    ('find = "a"\nreplace = ["x"]\n', "mutants.m.replace", "both strings or both lists"),
    ('find = ""\nreplace = "x"\n', "mutants.m.find", "is empty"),
    ('find = "a"\n', "mutants.m.replace", "is missing"),
    ('find = "a"\nreplace = "b"\ncolour = "red"\n', "mutants.m", "unknown key 'colour'"),
])
def test_bad_mutant_is_one_line_naming_the_key(tmp_path, body, key, says):
    f = profile(tmp_path, M + body)
    with pytest.raises(ProfileError) as e:
        load(str(f))
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith(f"{f}: key '{key}'") and says in msg, msg


def test_find_lists_apply_in_order_and_each_must_occur_once(tmp_path):
    p = load(str(profile(tmp_path, M + 'find = ["a = b", "c = d"]\nreplace = ["a = c", "c = 0"]\n')))
    text = (tmp_path / "top.v").read_text()
    assert "assign a = c;\n  assign c = 0;" in apply_mutant(text, "m", p.mutants["m"])
    p = load(str(profile(tmp_path, M + 'find = ["a = b", "a = c"]\nreplace = ["a = c", "x"]\n')))
    assert "assign x;" in apply_mutant(text, "m", p.mutants["m"])        # the second sees the first
    p = load(str(profile(tmp_path, M + 'find = ["a = b", "nowhere"]\nreplace = ["a", "b"]\n')))
    with pytest.raises(ProfileError, match=r"^mutant m: find\[1\] occurs 0 times in top.v \(must be once\)"):
        apply_mutant(text, "m", p.mutants["m"])
    p = load(str(profile(tmp_path, M + 'find = "assign"\nreplace = "x"\n')))
    with pytest.raises(ProfileError, match="^mutant m: the text to change occurs 2 times"):
        apply_mutant(text, "m", p.mutants["m"])


# ---- the shipped library
LIB = load(None)


def test_library_size_classes_and_files():
    assert len(LIB.mutants) >= 40
    per_class = Counter(m["class"] for m in LIB.mutants.values())
    assert set(per_class) == set(MUTANT_CLASSES), per_class           # every class, none unclassified
    assert min(per_class.values()) >= 3, per_class                     # several per class
    rtl = {s.name for s in LIB.sources if s.suffix == ".v"}
    assert rtl == {m["path"].name for m in LIB.mutants.values()}       # every RTL file has one


def test_the_regressions_bug_runs_name_library_mutants():
    named = {t["mutant"] for t in load_list()["test"] if t.get("mutant")}
    assert named and named <= LIB.mutants.keys(), named - LIB.mutants.keys()


@pytest.mark.parametrize("name", list(LIB.mutants))
def test_each_library_mutant_applies_to_the_rtl_and_says_what_exposes_it(name):
    m = LIB.mutants[name]
    text = m["path"].read_text()
    mutated = apply_mutant(text, name, m)           # each find occurs once in today's RTL
    assert mutated != text
    assert "Exposed by" in m["what"] or "exposes" in m["what"].lower(), m["what"]


# ---- choosing mutants
def test_select_by_name_and_class_in_profile_order():
    names = list(LIB.mutants)
    assert select(LIB, None) == names and select(LIB, " ") == names
    tags = [n for n in names if LIB.mutants[n]["class"] == "tags"]
    got = select(LIB, "fq_interrupt_stuck, tags,iotlb_ignores_pscid")
    assert got == [n for n in names if n in set(tags) | {"fq_interrupt_stuck"}]


def test_select_refuses_unknown_names_and_duts_without_mutants(tmp_path):
    with pytest.raises(UsageError, match="unknown mutant or class 'nope' in MUTANTS; classes: scope, tags"):
        select(LIB, "tags,nope")
    bare = load(str(profile(tmp_path, "")))
    with pytest.raises(UsageError, match=r"DUT dut \(.*dut.toml\) has no mutants"):
        select(bare, None)


def test_campaign_uses_only_runs_that_pass_on_the_real_dut():
    data = load_list()
    jobs = campaign_jobs(data, LIB, "icarus", None, "SmokeTest,Bug_fq_interrupt_stuck,SmokeTest", 1)
    assert [(j.test, j.seed, j.mutant, j.must_fail) for j in jobs] == [("SmokeTest", 1, "", False)]
    with pytest.raises(UsageError, match="has no ordinary test"):
        campaign_jobs(data, LIB, "icarus", None, "Bug_fq_interrupt_stuck", 1)
    subset = campaign_jobs(data, LIB, "icarus", "bugs", None, 3)
    assert subset and all(not j.must_fail and j.seed == 3 for j in subset)
    rc = [(j.test, j.seed) for j in campaign_jobs(data, LIB, "icarus", "mutate", None, None)
          if j.test == "RandomConfigTest"]                  # its mutate_seeds, when no SEED given
    assert rc == [("RandomConfigTest", s) for s in range(1, 9)]
    assert [j.seed for j in campaign_jobs(data, LIB, "icarus", None, "RandomConfigTest", 4)] == [4]
    assert mutate.tests_line(campaign_jobs(data, LIB, "icarus", None, "SmokeTest,RandomConfigTest", None)) == \
        "SmokeTest, RandomConfigTest [seeds 1..8] (seed 1)"
    three = campaign_jobs(data, LIB, "icarus", None, "SmokeTest,PscidTagTest", None, seeds=3)
    assert [(j.test, j.seed) for j in three] == [("SmokeTest", s) for s in (1, 2, 3)] + \
        [("PscidTagTest", s) for s in (1, 2, 3)]


# ---- reporting
def fake_results():
    return [
        MutantResult("m_tag", "tags", "w1", "KILLED", "PscidTagTest", 1,
                     "MISMATCH translate did=6 " + "x" * 200, 3, 4.0),
        MutantResult("m_scope", "scope", "rule; Exposed by: s", "SURVIVED", tests_run=5, seconds=9.0),
        MutantResult("m_scope2", "scope", "w3", "KILLED", "DcChangeTest", 1, "device context of did 5", 2, 2.0),
        MutantResult("m_q", "queues", "w4", "ERROR", error="build failed: syntax error"),
    ]


def test_kill_table_groups_by_class_with_rates():
    lines = kill_table(fake_results())
    rows = [ln.split()[:3] for ln in lines[1:5]]
    assert lines[0].split()[:4] == ["class", "mutant", "verdict", "killed"]
    assert rows == [["scope", "m_scope", "SURVIVED"], ["scope", "m_scope2", "KILLED"],
                    ["tags", "m_tag", "KILLED"], ["queues", "m_q", "ERROR"]]    # class order
    tag_row = lines[3]
    assert "PscidTagTest seed 1" in tag_row and tag_row.endswith("...")
    assert len(tag_row.split("MISMATCH", 1)[1]) < mutate.ERROR_WIDTH
    rates = {ln.split()[0]: ln.split()[1:] for ln in lines[7:]}
    assert rates == {"scope": ["1", "2", "50%"], "tags": ["1", "1", "100%"], "queues": ["0", "1", "0%"],
                     "total": ["2", "4", "50%"]}


def test_progress_lines_and_survivor_list():
    r = fake_results()
    assert progress_line(r[0], 1, 12) == "[ 1/12] KILLED   tags/m_tag by PscidTagTest seed 1 (3 run(s), 4.0 s)"
    assert progress_line(r[1], 2, 12) == "[ 2/12] SURVIVED scope/m_scope (5 run(s) passed, 9.0 s)"
    assert mutate.survivors(r) == ["  scope/m_scope: rule; Exposed by: s",
                                   "  queues/m_q: could not run: build failed: syntax error"]


def test_junit_survivor_is_a_failure(tmp_path):
    mutate.write_junit(fake_results(), tmp_path / "m.xml")
    suite = ET.parse(tmp_path / "m.xml").getroot()
    assert suite.get("tests") == "4" and suite.get("failures") == "1" and suite.get("errors") == "1"
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert cases["m_scope"].find("failure").get("message").startswith("SURVIVED")
    assert cases["m_scope"].get("classname") == "mutate.scope"
    assert cases["m_tag"].find("failure") is None and cases["m_q"].find("error") is not None


def test_first_error_line_of_a_log(tmp_path):
    log = tmp_path / "sim.log"
    log.write_text("     0.00ns INFO     cocotb  start\n"
                   "  2180.00ns ERROR    ../tb/env/iommu_scoreboard.py(237) [uvm_test_top.env.sb]: "
                   "INTERRUPT irq_fq=1 at the end\n  2190.00ns ERROR    cocotb  second\n")
    assert first_error(log) == "INTERRUPT irq_fq=1 at the end"
    log.write_text("nothing\n")
    assert first_error(log, "SmokeTest: assert 1 == 2\nmore") == "SmokeTest: assert 1 == 2"
    assert first_error(tmp_path / "absent.log", "why") == "why"


# ---- bad input: exit 2, one line, nothing built
@pytest.mark.parametrize("args, says", [
    (["--mutants", "nosuch"], "unknown mutant or class 'nosuch'"),
    (["--sim", "all"], "SIM must be icarus or verilator for a mutation campaign, got 'all'"),
    (["--subset", "nosuch"], "no test is in subset 'nosuch'"),
    (["--tests", "NoSuchTest"], "unknown test 'NoSuchTest'; known tests: SmokeTest"),
    (["--subset", "smoke", "--tests", "SmokeTest"], "give SUBSET or TESTS, not both"),
    (["--jobs", "0"], "JOBS must be at least 1, got 0"),
    (["--seed", "2", "--seeds", "3"], "give SEED or SEEDS, not both"),
    (["--seeds", "0"], "SEEDS must be at least 1, got 0"),
    (["--dut", "nosuch"], "unknown DUT 'nosuch'"),
])
def test_bad_input_exits_2_with_one_line(capsys, args, says):
    assert mutate.main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and says in err[0], err


def test_dut_without_mutants_exits_2(tmp_path, capsys):
    f = profile(tmp_path, "")
    assert mutate.main(["--dut", str(f)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and re.search(r"DUT dut \(.*\) has no mutants", err[0]), err


def test_list_prints_the_chosen_mutants(capsys):
    assert mutate.main(["--list", "--mutants", "tags"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out and all(ln.startswith("tags/") for ln in out)
    assert len(out) == sum(m["class"] == "tags" for m in dut_profile.load().mutants.values())
