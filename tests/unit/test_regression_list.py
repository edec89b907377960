"""The regression list's front door (tb/regression_list.py): the real tb/regression.toml loads
cleanly, and each kind of problem in a small list is one exact line "<file>:<line>: <what>"
(several problems, several lines). No simulator: the test classes are read from source; one
test compares that reading with cocotb's own discovery in a separate Python process."""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tb import regression_list as rl
from tb.regression_list import ListError, check_subset, check_test, list_lines, load_list

ROOT = Path(__file__).resolve().parents[2]
DUT = "duts/riscv_iommu.toml"          # the default profile, as the messages name it from ROOT


def write(tmp_path, text, name="list.toml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text).lstrip("\n"))
    return p


def problems(tmp_path, text, name="list.toml") -> tuple[str, list[str]]:
    """(the file as the messages name it, the lines of the ListError)."""
    p = write(tmp_path, text, name)
    with pytest.raises(ListError) as e:
        load_list(p)
    assert str(e.value) == "\n".join(e.value.lines)
    return str(p), e.value.lines


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    """Run from the repository (paths inside it are shown relative to it)."""
    monkeypatch.chdir(ROOT)


# ---- the real list -----------------------------------------------------------------------

def test_real_list_loads_cleanly():
    data = load_list()
    tests = data["test"]
    assert len(tests) > 50 and all(t["id"] for t in tests)
    assert len({t["id"] for t in tests}) == len(tests)
    assert data["defaults"] == {"seeds": 3, "simulators": ["icarus", "verilator"], "timeout": 600}
    smoke = next(t for t in tests if t["name"] == "SmokeTest")
    assert smoke["id"] == "SmokeTest" and smoke["seeds"] == 2       # id defaults to name
    bug = next(t for t in tests if t["id"] == "Bug_fence_write_wrong_address")
    assert bug["module"] == "tb.tests.scenario_tests" and bug["mutant"] == "fence_write_wrong_address"


def test_valid_small_list_returns_tomllib_structure(tmp_path):
    p = write(tmp_path, """
        [defaults]
        seeds = 2
        timeout = 0.5

        [[test]]
        name = "SmokeTest"

        [[test]]
        id = "Other"
        name = "PteUpdateTest"
        module = "tb.tests.scenario_tests"
        simulators = ["icarus"]
        timeout = 900
        """)
    data = load_list(p)
    assert data == {"defaults": {"seeds": 2, "timeout": 0.5},
                    "test": [{"name": "SmokeTest", "id": "SmokeTest"},
                             {"id": "Other", "name": "PteUpdateTest", "module": "tb.tests.scenario_tests",
                              "simulators": ["icarus"], "timeout": 900}]}


# ---- TOML syntax -------------------------------------------------------------------------

def test_syntax_error_has_line_and_column(tmp_path):
    f, lines = problems(tmp_path, """
        [[test]]
        name = "SmokeTest"
        seeds =
        """)
    assert lines == [f"{f}:3:8: Invalid value"]


def test_syntax_error_at_end_of_document(tmp_path):
    f, lines = problems(tmp_path, """
        [[test]]
        subsets = ["smoke",
        """)
    assert lines == [f"{f}:3:1: Invalid value"]


def test_duplicate_key_is_a_syntax_error(tmp_path):
    f, lines = problems(tmp_path, """
        [[test]]
        name = "SmokeTest"
        name = "DcChangeTest"
        """)
    assert lines == [f"{f}:3:22: Cannot overwrite a value"]


def test_unreadable_and_not_utf8(tmp_path):
    with pytest.raises(ListError) as e:
        load_list(tmp_path / "missing.toml")
    assert e.value.lines == [f"{tmp_path / 'missing.toml'}: cannot read: No such file or directory"]
    p = tmp_path / "latin1.toml"
    p.write_bytes(b'[[test]]\nname = "SmokeTest"\nexpect = "caf\xe9"\n')
    with pytest.raises(ListError) as e:
        load_list(p)
    assert e.value.lines == [f"{p}:3: not UTF-8 text"]


# ---- unknown keys ------------------------------------------------------------------------

def test_unknown_keys_with_suggestions(tmp_path):
    f, lines = problems(tmp_path, """
        [defaults]
        seed = 3
        timout = 600

        [[test]]
        name = "SmokeTest"
        subset = ["smoke"]
        expect_verdit = "FAIL"
        colour = "blue"
        """)
    assert lines == [
        f"{f}:2: [defaults]: unknown key 'seed' (did you mean 'seeds'?)",
        f"{f}:3: [defaults]: unknown key 'timout' (did you mean 'timeout'?)",
        f"{f}:7: test \"SmokeTest\": unknown key 'subset' (did you mean 'subsets'?)",
        f"{f}:8: test \"SmokeTest\": unknown key 'expect_verdit' (did you mean 'expect_verdict'?)",
        f"{f}:9: test \"SmokeTest\": unknown key 'colour' (known: name, id, module, seeds, simulators, "
        "params, policy, subsets, expect_fail, mutant, expect, expect_verdict, mutate_seeds, timeout, "
        "coherence)",
    ]


def test_defaults_accept_only_their_keys(tmp_path):
    f, lines = problems(tmp_path, """
        [defaults]
        policy = "no-cache"

        [[test]]
        name = "SmokeTest"
        """)
    assert lines == [f"{f}:2: [defaults]: unknown key 'policy' (known: seeds, simulators, timeout)"]


def test_unknown_tables(tmp_path):
    f, lines = problems(tmp_path, """
        timeout = 60
        colour = "blue"
        [default]
        seeds = 3

        [[tests]]
        name = "SmokeTest"

        [[test]]
        name = "SmokeTest"

        [options]
        x = 1
        """)
    assert lines == [
        f"{f}:1: unknown top-level key 'timeout' (put it in [defaults])",
        f"{f}:2: unknown top-level key 'colour' (known: [defaults], [[test]])",
        f"{f}:3: unknown table 'default' (did you mean 'defaults'?)",
        f"{f}:6: unknown table 'tests' (did you mean 'test'?)",
        f"{f}:12: unknown table 'options' (known: [defaults], [[test]])",
    ]


def test_test_and_defaults_of_the_wrong_shape(tmp_path):
    f, lines = problems(tmp_path, """
        defaults = 3
        test = "SmokeTest"
        """)
    assert lines == [f"{f}:1: 'defaults' must be a table ([defaults]), got 3",
                     f"{f}:2: 'test' must be an array of tables ([[test]] entries)"]
    f, lines = problems(tmp_path, """
        [defaults]
        seeds = 1
        """)
    assert lines == [f"{f}:1: no [[test]] entry"]


# ---- types and values --------------------------------------------------------------------

def test_every_bad_value_is_a_line_of_its_own(tmp_path):
    f, lines = problems(tmp_path, """
        [defaults]
        seeds = 0
        simulators = "icarus"

        [[test]]
        name = 5
        id = ""
        module = ["tb.tests.iommu_tests"]
        seeds = "2"
        mutate_seeds = -1
        simulators = ["icarus", "verilater"]
        subsets = ["smoke", 3]
        params = 1
        policy = true
        expect = 7
        expect_fail = "yes"
        expect_verdict = "SEQ"
        timeout = "600"
        """)
    t = "test #1"                      # neither id nor name is a usable label
    assert lines == [
        f"{f}:2: [defaults]: 'seeds' must be an integer >= 1, got 0",
        f'{f}:3: [defaults]: \'simulators\' must be a list of "icarus" and/or "verilator", got "icarus"',
        f"{f}:6: {t}: 'name' must be a non-empty string, got 5",
        f'{f}:7: {t}: \'id\' must be a non-empty string, got ""',
        f'{f}:8: {t}: \'module\' must be a non-empty string, got ["tb.tests.iommu_tests"]',
        f'{f}:9: {t}: \'seeds\' must be an integer >= 1, got "2"',
        f"{f}:10: {t}: 'mutate_seeds' must be an integer >= 1, got -1",
        f'{f}:11: {t}: \'simulators\' has an unknown simulator "verilater" (did you mean "verilator"?); '
        'use "icarus" and/or "verilator"',
        f'{f}:12: {t}: \'subsets\' must be a list of non-empty strings, got ["smoke", 3]',
        f"{f}:13: {t}: 'params' must be a non-empty string, got 1",
        f"{f}:14: {t}: 'policy' must be a non-empty string, got true",
        f"{f}:15: {t}: 'expect' must be a string, got 7",
        f'{f}:16: {t}: \'expect_fail\' must be true or false, got "yes"',
        f'{f}:17: {t}: \'expect_verdict\' must be "FAIL" or "SEQUENCE", got "SEQ"',
        f'{f}:18: {t}: \'timeout\' must be a number of seconds > 0, got "600"',
    ]


@pytest.mark.parametrize("value", ["0", "-5", "true", "nan", "inf", "[600]"])
def test_timeout_must_be_positive_seconds(tmp_path, value):
    f, lines = problems(tmp_path, f"""
        [[test]]
        name = "SmokeTest"
        timeout = {value}
        """)
    assert lines == [f"{f}:3: test \"SmokeTest\": 'timeout' must be a number of seconds > 0, got {value}"]


def test_empty_simulators(tmp_path):
    f, lines = problems(tmp_path, """
        [[test]]
        name = "SmokeTest"
        simulators = []
        """)
    assert lines == [f"{f}:3: test \"SmokeTest\": 'simulators' is empty: the test would never run"]


# ---- policy, parameter set, mutant ---------------------------------------------------------

def test_unknown_policy(tmp_path):
    known = "riscv-1.0-strict, riscv-dir-negative, tlbi-on-map, riscv-negative-all, caching-mode, no-cache"
    f, lines = problems(tmp_path, """
        [[test]]
        name = "SmokeTest"
        policy = "riscv-1.0-strikt"

        [[test]]
        id = "Two"
        name = "SmokeTest"
        policy = "lazy"
        """)
    assert lines == [
        f'{f}:3: test "SmokeTest": unknown policy "riscv-1.0-strikt" (did you mean "riscv-1.0-strict"?); '
        f"known: {known}",
        f'{f}:8: test "Two": unknown policy "lazy"; known: {known}',
    ]


def test_unknown_parameter_set_and_mutant(tmp_path):
    f, lines = problems(tmp_path, """
        [[test]]
        name = "SmokeTest"
        params = "neg_cache"

        [[test]]
        id = "Bug"
        name = "PscidTagTest"
        mutant = "iotlb_ignore_pscid"

        [[test]]
        id = "Far"
        name = "PscidTagTest"
        params = "huge"
        mutant = "zzzz"
        """)
    assert lines == [
        f'{f}:3: test "SmokeTest": no parameter set "neg_cache" in the default DUT riscv_iommu ({DUT}) '
        '(did you mean "neg_cache_dc"?)',
        f'{f}:8: test "Bug": no mutant "iotlb_ignore_pscid" in the default DUT riscv_iommu ({DUT}) '
        '(did you mean "iotlb_ignores_pscid"?)',
        f'{f}:13: test "Far": no parameter set "huge" in the default DUT riscv_iommu ({DUT}); '
        "known: default, neg_cache_dc, no_cache, pbmt, pbmt_no_cache, dbg, hpm, hpm_msi, hpm_no_cache, nl_s, msi, ad, svrsw, qosid, mrif, mrif_dbg_ats, ats, ats_msi, end, sv32, sv57",
        f'{f}:14: test "Far": no mutant "zzzz" in the default DUT riscv_iommu ({DUT})',
    ]


# ---- test classes and modules --------------------------------------------------------------

def test_unknown_class_and_module(tmp_path):
    f, lines = problems(tmp_path, """
        [[test]]
        name = "SmokeTst"

        [[test]]
        name = "PteUpdateTest"

        [[test]]
        name = "GuestUpdateTest"
        module = "tb.tests.concurrency_tests"

        [[test]]
        id = "Base"
        name = "IommuBaseTest"
        module = "tb.tests.scenario_tests"

        [[test]]
        name = "StraddleDdtTest"
        module = "tb.tests.concurency_tests"

        [[test]]
        id = "Elsewhere"
        name = "SmokeTest"
        module = "no_such_package.tests"
        """)
    assert lines == [
        f'{f}:2: test "SmokeTst": no test class "SmokeTst" in tb.tests.iommu_tests (did you mean "SmokeTest"?)',
        f'{f}:5: test "PteUpdateTest": no test class "PteUpdateTest" in tb.tests.iommu_tests; it is in '
        'tb.tests.scenario_tests: module = "tb.tests.scenario_tests"',
        f'{f}:8: test "GuestUpdateTest": class "GuestUpdateTest" (tb.tests.scenario_tests) is not a test: '
        "no @pyuvm.test decorator, cocotb cannot run it",
        f'{f}:13: test "Base": class "IommuBaseTest" (tb.tests.base_test) is not a test: '
        "no @pyuvm.test decorator, cocotb cannot run it",
        f'{f}:18: test "StraddleDdtTest": module "tb.tests.concurency_tests" not found '
        '(did you mean "tb.tests.concurrency_tests"?)',
        f'{f}:23: test "Elsewhere": module "no_such_package.tests" not found',
    ]


PKG = "rl_reexport_pkg"


@pytest.fixture
def reexport_pkg(tmp_path, monkeypatch):
    """A package of test modules: `a` defines tests A, A2 (pyuvm.test) and A3 (our uvm_test),
    and base class Base; `b` imports
    the classes A and Base; `c` imports the test object __A (what cocotb discovers); `d`
    star-imports a module whose __all__ names __A, `e` one without __all__; `built` makes its
    tests in a loop."""
    pkg = tmp_path / PKG
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text(textwrap.dedent("""
        import pyuvm
        from pyuvm import test as pyuvm_test
        from tb.tests.uvm_test import uvm_test

        class Base(pyuvm.uvm_test):
            pass

        @pyuvm.test()
        class A(Base):
            pass

        @pyuvm_test(timeout_time=1, timeout_unit="ms")
        class A2(Base):
            pass

        @uvm_test(timeout_time=1, timeout_unit="ms")
        class A3(Base):
            pass
        """))
    (pkg / "b.py").write_text(f"from {PKG}.a import A, Base  # noqa: F401\n")
    (pkg / "c.py").write_text("from .a import __A  # noqa: F401\n")
    (pkg / "a_all.py").write_text(f"from {PKG}.a import __A, A  # noqa: F401\n__all__ = ['__A', 'A']\n")
    (pkg / "d.py").write_text(f"from {PKG}.a_all import *  # noqa: F401,F403\n")
    (pkg / "e.py").write_text(f"from {PKG}.a import *  # noqa: F401,F403\n")
    (pkg / "built.py").write_text(textwrap.dedent("""
        import pyuvm

        class Base(pyuvm.uvm_test):
            pass

        for _n in ("X", "Y"):
            globals()[_n + "Test"] = pyuvm.test()(type(_n + "Test", (Base,), {}))
        """))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for m in [m for m in sys.modules if m == PKG or m.startswith(PKG + ".")]:
        del sys.modules[m]


def test_reexported_classes(tmp_path, reexport_pkg):
    assert rl.runnable_classes(f"{PKG}.a") == ({"A", "A2", "A3"}, False)
    assert rl.runnable_classes(f"{PKG}.b") == (set(), False)
    assert rl.runnable_classes(f"{PKG}.c") == ({"A"}, False)
    assert rl.runnable_classes(f"{PKG}.d") == ({"A"}, False)
    assert rl.runnable_classes(f"{PKG}.e") == (set(), False)
    assert rl.runnable_classes(f"{PKG}.built") == (set(), True)
    f, lines = problems(tmp_path, f"""
        [[test]]
        name = "A"
        module = "{PKG}.b"

        [[test]]
        id = "C"
        name = "A"
        module = "{PKG}.c"

        [[test]]
        name = "Base"
        module = "{PKG}.b"

        [[test]]
        id = "Built"
        name = "AnyName"               # cannot be ruled out: the module builds its tests
        module = "{PKG}.built"

        [[test]]
        id = "E"
        name = "A2"
        module = "{PKG}.e"
        """)
    assert lines == [
        f'{f}:2: test "A": test class "A" is imported into {PKG}.b from {PKG}.a; cocotb runs only '
        f'the tests a module defines: module = "{PKG}.a"',
        f'{f}:11: test "Base": class "Base" ({PKG}.a) is not a test: no @pyuvm.test decorator, '
        "cocotb cannot run it",
        f'{f}:21: test "E": no test class "A2" in {PKG}.e; it is in {PKG}.a: module = "{PKG}.a"',
    ]


DISCOVER = """
import json, sys
from cocotb.regression import RegressionManager
class Queue:                     # the part of RegressionManager that discover_tests uses
    def __init__(self): self._test_queue = []
    def register_test(self, t): self._test_queue.append(t)
out = {}
for m in sys.argv[1:]:
    q = Queue()
    try:
        RegressionManager.discover_tests(q, m)
    except RuntimeError:         # no test in the module
        pass
    out[m] = sorted(t.name for t in q._test_queue)
print(json.dumps(out))
"""


def test_cocotb_test_functions_in_a_namespace_package(tmp_path, monkeypatch):
    """A module of plain cocotb tests (async functions under @cocotb.test) in a folder without
    __init__.py (tests/sim is one): its functions are tests; an undecorated one is not."""
    ns = tmp_path / "rl_ns_pkg" / "sub"
    ns.mkdir(parents=True)
    (ns / "cases.py").write_text(textwrap.dedent("""
        import cocotb
        from cocotb import test as ctest

        @cocotb.test()
        async def First(dut):
            pass

        @ctest
        async def Second(dut):
            pass

        async def helper(dut):
            pass
        """))
    monkeypatch.syspath_prepend(str(tmp_path))
    assert rl.runnable_classes("rl_ns_pkg.sub.cases") == ({"First", "Second"}, False)
    assert rl.runnable_classes("rl_ns_pkg.sub.missing") == (set(), False)
    assert rl.runnable_classes("tests.sim.cocotb_farm_cases") == (
        {"PassingCase", "FailingCase", "TaskFailingCase", "HangingCase"}, False)


def test_source_reading_agrees_with_cocotb_discovery(reexport_pkg):
    """What the list accepts as runnable from a module is what cocotb 2.1 discovers there
    (imports pyuvm and cocotb, so in a process of its own)."""
    modules = sorted(f"tb.tests.{p.stem}" for p in (ROOT / "tb" / "tests").glob("*_tests.py"))
    modules += [f"{PKG}.{m}" for m in ("a", "b", "c", "d", "e", "built")]
    r = subprocess.run([sys.executable, "-W", "ignore", "-c", DISCOVER, *modules], cwd=ROOT,
                       capture_output=True, text=True, timeout=120,
                       env={**os.environ, "PYTHONPATH": f"{reexport_pkg}:{ROOT}"})
    assert r.returncode == 0, r.stderr
    found = json.loads(r.stdout)
    assert len(found["tb.tests.scenario_tests"]) > 10
    read = {m: rl.runnable_classes(m) for m in modules}
    # a module that builds its tests at import time says so; the others are read exactly
    assert {m for m, (_, opaque) in read.items() if opaque} == {"tb.tests.bench_tests", f"{PKG}.built"}
    assert found["tb.tests.bench_tests"] and found[f"{PKG}.built"] == ["XTest", "YTest"]
    assert {m: sorted(names) for m, (names, opaque) in read.items() if not opaque} == \
        {m: names for m, names in found.items() if not read[m][1]}


# ---- the list's own rules ------------------------------------------------------------------

def test_duplicate_id_sequence_mutant_and_missing_name(tmp_path):
    f, lines = problems(tmp_path, """
        [[test]]
        name = "SmokeTest"

        [[test]]
        id = "SmokeTest"               # the first one's id is its name
        name = "PscidTagTest"
        mutant = "iotlb_ignores_pscid"
        expect_verdict = "SEQUENCE"

        [[test]]
        seeds = 1
        """)
    assert lines == [
        f'{f}:5: test "SmokeTest": id "SmokeTest" listed twice (first at line 1)',
        f'{f}:8: test "SmokeTest": a mutant must be caught by an RTL check (expect_verdict = "FAIL"), '
        "not by SEQUENCE",
        f"{f}:10: test #3: key 'name' is missing (the test class)",
    ]


def test_lines_found_past_multiline_values(tmp_path):
    """Key lines are found after multi-line arrays and strings, even a string that contains a
    line looking like a table header; comments and blank lines count."""
    f, lines = problems(tmp_path, '''
        # a comment
        [defaults]
        seeds = 2

        [[test]]
        name = "SmokeTest"
        subsets = [
            "smoke",   # ]
            "mutate",
        ]
        expect = """
        [[test]]
        with \\""" inside
        [[test]]
        """
        seeds = 0
        policy = \'\'\'
        [[test]]\'\'\'

        [[test]]   # the second
        name = "SmokeTest"
        ''')
    assert lines == [
        f"{f}:16: test \"SmokeTest\": 'seeds' must be an integer >= 1, got 0",
        f'{f}:17: test "SmokeTest": unknown policy "[[test]]"; known: riscv-1.0-strict, '
        "riscv-dir-negative, tlbi-on-map, riscv-negative-all, caching-mode, no-cache",
        f'{f}:20: test "SmokeTest": id "SmokeTest" listed twice (first at line 5)',
    ]


def test_inline_array_of_tables_falls_back_to_its_line(tmp_path):
    f, lines = problems(tmp_path, """
        test = [
        ]

        [defaults]
        seeds = 1
        """)
    assert lines == [f"{f}:1: no [[test]] entry"]
    f, lines = problems(tmp_path, """
        test = [{name = "SmokeTest"},
                {name = "SmokeTest", seeds = 0}]
        """)
    assert lines == [f"{f}:1: test \"SmokeTest\": 'seeds' must be an integer >= 1, got 0",
                     f'{f}:1: test "SmokeTest": id "SmokeTest" listed twice (first at line 1)']


def test_path_shown_relative_inside_the_current_folder(tmp_path, monkeypatch):
    p = write(tmp_path, """
        [[test]]
        name = "SmokeTest"
        seed = 2
        """)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ListError) as e:
        load_list(p)                   # absolute, inside the current folder
    assert e.value.lines == ["list.toml:3: test \"SmokeTest\": unknown key 'seed' (did you mean 'seeds'?)"]
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    with pytest.raises(ListError) as e:
        load_list("../list.toml")      # relative: as given
    assert e.value.lines[0].startswith("../list.toml:3: ")


# ---- subsets, test ids, the listing --------------------------------------------------------

def test_check_subset_and_test():
    data = load_list()
    check_subset(data, "smoke")
    check_test(data, "Bug_fq_interrupt_stuck")
    with pytest.raises(ListError) as e:
        check_subset(data, "smok")
    assert e.value.lines == ['unknown subset "smok" (did you mean "smoke"?); known: ad, ats, bugs, coherence, '
                             "concurrency, dbg, end, hpm, mrif, msi, mutate, nl_s, pbmt, qosid, random-config, scenarios, smoke, soak, sv32, sv57, svrsw, "
                             "viommu"]
    with pytest.raises(ListError) as e:
        check_subset(data, "nightly")
    assert e.value.lines == ['unknown subset "nightly"; known: ad, ats, bugs, coherence, concurrency, dbg, end, hpm, '
                             "mrif, msi, mutate, nl_s, pbmt, qosid, random-config, scenarios, smoke, soak, sv32, sv57, svrsw, "
                             "viommu"]
    with pytest.raises(ListError) as e:
        check_test(data, "Bug_fq_interupt_stuck")
    assert e.value.lines == ['unknown test "Bug_fq_interupt_stuck" (did you mean "Bug_fq_interrupt_stuck"?)']
    with pytest.raises(ListError) as e:
        check_test(data, "zzz")
    assert e.value.lines == [f'unknown test "zzz"; python -m tb.regression_list lists the '
                             f'{len(data["test"])} tests']


def test_list_lines():
    data = load_list()
    out = list_lines(data)
    text = "\n".join(out)
    assert out[0] == f"tests ({len(data['test'])}; class: tb.tests.iommu_tests unless prefixed by its module):"
    row = next(line.split() for line in out if line.split()[:1] == ["NegCacheDc_strict_fails"])
    assert row == ["NegCacheDc_strict_fails", "DcNegativeCacheTest", "3", "icarus,verilator", "bugs",
                   "params=neg_cache_dc", "policy=riscv-1.0-strict"]
    row = next(line.split() for line in out if line.split()[:1] == ["Bug_fence_write_wrong_address"])
    assert row == ["Bug_fence_write_wrong_address", "scenario_tests.InvalidationScopesTest", "3", "icarus",
                   "bugs", "mutant=fence_write_wrong_address"]
    n_smoke = sum("smoke" in t.get("subsets", []) for t in data["test"])
    n_random = sum("random-config" in t.get("subsets", []) for t in data["test"])
    assert f"  smoke          {n_smoke} tests" in out and f"  random-config  {n_random} tests" in out
    assert "caching policies (6; default riscv-1.0-strict):" in out
    assert any(line.split()[:2] == ["no-cache", "cache-less"] for line in out)
    assert "DUT profiles (3, duts/; default riscv_iommu):" in out
    row = next(line.split()[:3] for line in out if line.split()[:1] == ["riscv_iommu_axi"])
    assert row == ["riscv_iommu_axi", "riscv_iommu_axi", "icarus,verilator"]
    assert "sv39-only" in text


def test_main(tmp_path, capsys):
    assert rl.main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("tests (") and "DUT profiles" in out
    p = write(tmp_path, """
        [[test]]
        name = "SmokeTest"
        seed = 2
        policy = "lazy"
        """)
    assert rl.main([str(p)]) == 2
    cap = capsys.readouterr()
    assert cap.out == "" and cap.err.splitlines() == [
        f"{p}:3: test \"SmokeTest\": unknown key 'seed' (did you mean 'seeds'?)",
        f'{p}:4: test "SmokeTest": unknown policy "lazy"; known: riscv-1.0-strict, riscv-dir-negative, '
        "tlbi-on-map, riscv-negative-all, caching-mode, no-cache"]


def test_front_door_imports_no_simulator_python(tmp_path):
    """Loading and listing import neither cocotb nor pyuvm, not even for a `module` that names
    a class inside a test module (finding it would import that module's parents)."""
    bad = write(tmp_path, """
        [[test]]
        name = "SmokeTest"
        module = "tb.tests.iommu_tests.SmokeTest"
        """)
    code = ("import sys; from tb import regression_list as r; r.list_lines(r.load_list())\n"
            f"try: r.load_list({str(bad)!r})\n"
            "except r.ListError as e: print(e)\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('cocotb', 'pyuvm', 'cocotb_tools')\n"
            "             or m.startswith('tb.tests.'))\n"
            "print(bad); sys.exit(bool(bad))")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines() == [f'{bad}:3: test "SmokeTest": module "tb.tests.iommu_tests.SmokeTest" '
                                     "not found", "[]"]


def test_coherence_key(tmp_path):
    """docs/coherence.md: the platform of an entry's runs; a bad name is one line."""
    f, lines = problems(tmp_path, """
        [[test]]
        name = "SmokeTest"
        coherence = "noncoherent"

        [[test]]
        id = "ok"
        name = "SmokeTest"
        coherence = "non-coherent"
        """)
    assert lines == [f"{f}:3: test \"SmokeTest\": 'coherence' must be \"coherent\" or "
                     f"\"non-coherent\", got \"noncoherent\""]
