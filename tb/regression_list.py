"""The regression list (tb/regression.toml), checked before anything runs, and what it offers.

    load_list(path)        the list as tomllib reads it (each test's `id` defaulting to its
                           `name`), or ListError naming EVERY problem, one line each,
                           "<file>:<line>: <what>" (a TOML syntax error "<file>:<line>:<col>: ...")
    check_subset(data, s)  ListError (one line) unless some test is in subset s
    check_test(data, id)   ListError (one line) unless a test has that id
    list_lines(data)       the tests, subsets, caching policies and DUT profiles (`make list`)

    python -m tb.regression_list [LIST]   prints list_lines; exit 2 with the problems on stderr

What is checked: TOML syntax; unknown keys (with a "did you mean"); each key's type and value
(the keys are described in the header of tb/regression.toml); the caching policy
(scoreboards.policies); the parameter set and mutant against our own default DUT profile
(duts/riscv_iommu.toml: another DUT may lack them and then skips the test); an id listed twice;
expect_verdict SEQUENCE with a mutant; and that `name` is a test cocotb can run from `module`.

The test class check reads the module's source with `ast` (importing it would import pyuvm and
cocotb). cocotb 2.1 runs, of a module, the test objects found among its globals; `@pyuvm.test`
(and tb.tests.uvm_test's @uvm_test, the same without its import-time cost) puts the object for
class C into the module that defines C, as `__C`. So C is runnable from
module M when M defines C with @pyuvm.test, or imports the test object `__C` from a module where
C is runnable (or star-imports it from a module whose literal __all__ names `__C`). Importing
the class C alone (concurrency_tests imports GuestUpdateTest from scenario_tests) does not make
it a test of M; nor does a class without the decorator (a base class such as GuestUpdateTest).
A module that uses pyuvm.test otherwise (tb/tests/bench_tests.py builds its tests in a loop) is
opaque to source reading: any class name is accepted there. Imports inside `if`/`try` blocks
are not followed.

Plain Python: no cocotb, no pyuvm (this runs before any simulator).
"""
from __future__ import annotations

import argparse
import ast
import difflib
import importlib.machinery
import importlib.util
import json
import math
import os
import re
import sys
import tomllib
from pathlib import Path

from tb import dut_profile
from tb.advice import SEQUENCE

REPO = Path(__file__).resolve().parent.parent
LIST = REPO / "tb" / "regression.toml"
MODULE = "tb.tests.iommu_tests"           # a test's `module` when it gives none
SIMULATORS = dut_profile.SIMULATORS
VERDICTS = ("FAIL", SEQUENCE)

TOP_KEYS = ("defaults", "test")
DEFAULT_KEYS = ("seeds", "simulators", "timeout")
TEST_KEYS = ("name", "id", "module", "seeds", "simulators", "params", "policy", "subsets",
             "expect_fail", "mutant", "expect", "expect_verdict", "mutate_seeds", "timeout",
             "coherence")


class ListError(Exception):
    """A regression list that cannot be used, or a subset or test it does not have. `lines`:
    one line per problem; str() is them joined by newlines."""

    def __init__(self, lines):
        self.lines = [lines] if isinstance(lines, str) else list(lines)
        super().__init__("\n".join(self.lines))


# ---- values -------------------------------------------------------------------------------

def _show(v) -> str:
    """A value as TOML writes it (for the messages)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(_show(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_show(x)}" for k, x in v.items()) + "}"
    return str(v)


def _suggest(word: str, choices, quote: str = '"') -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {quote}{close[0]}{quote}?)" if close else ""


def _string(v, empty_ok=False):
    if isinstance(v, str) and (v or empty_ok):
        return None
    return f"must be a {'' if empty_ok else 'non-empty '}string, got {_show(v)}"


def _count(v):
    if isinstance(v, int) and not isinstance(v, bool) and v >= 1:
        return None
    return f"must be an integer >= 1, got {_show(v)}"


def _bool(v):
    return None if isinstance(v, bool) else f"must be true or false, got {_show(v)}"


def _timeout(v):
    if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0:
        return None
    return f"must be a number of seconds > 0, got {_show(v)}"


def _simulators(v):
    known = " and/or ".join(f'"{s}"' for s in SIMULATORS)
    if not isinstance(v, list):
        return f"must be a list of {known}, got {_show(v)}"
    if not v:
        return "is empty: the test would never run"
    for s in v:
        if s not in SIMULATORS:
            return (f"has an unknown simulator {_show(s)}"
                    f"{_suggest(s, SIMULATORS) if isinstance(s, str) else ''}; use {known}")
    return None


def _subsets(v):
    if isinstance(v, list) and all(isinstance(s, str) and s for s in v):
        return None
    return f"must be a list of non-empty strings, got {_show(v)}"


def _coherence(v):
    from sequences.sw.hart_cache import MODES
    return None if v in MODES else f"must be {' or '.join(_show(x) for x in MODES)}, got {_show(v)}"


def _verdict(v):
    return None if v in VERDICTS else f"must be {' or '.join(_show(x) for x in VERDICTS)}, got {_show(v)}"


_CHECKS = {
    "name": _string, "id": _string, "module": _string, "params": _string, "policy": _string,
    "mutant": _string, "expect": lambda v: _string(v, empty_ok=True),
    "seeds": _count, "mutate_seeds": _count, "timeout": _timeout,
    "simulators": _simulators, "subsets": _subsets, "expect_fail": _bool,
    "expect_verdict": _verdict, "coherence": _coherence,
}


# ---- where things are in the file ---------------------------------------------------------

_HEADER = re.compile(r"\s*(\[\[?)\s*(.*?)\s*\]\]?\s*(?:#.*)?$")
_KEYPART = re.compile(r"""[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*'""")
_KEY = re.compile(r"""\s*([A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')\s*[.=]""")


def _unquote(part: str) -> str:
    if part.startswith('"'):
        return json.loads(part)
    return part.strip("'")


def _ml_end(line: str, i: int, delim: str) -> int:
    """The index just past the closing `delim` of a multi-line string, from i; -1 if none."""
    while i < len(line):
        if delim == '"""' and line[i] == "\\":
            i += 2
            continue
        if line.startswith(delim, i):
            return i + 3
        i += 1
    return -1


def _scan(line: str, i: int, depth: int, ml: str | None) -> tuple[int, str | None]:
    """Bracket depth and open multi-line string after the rest of a line (strings and comments
    skipped): a line starts a key or a table only at depth 0 outside a string."""
    while i < len(line):
        if ml:
            j = _ml_end(line, i, ml)
            if j < 0:
                return depth, ml
            i, ml = j, None
            continue
        c = line[i]
        if c == "#":
            break
        if line.startswith('"""', i) or line.startswith("'''", i):
            ml, i = line[i:i + 3], i + 3
            continue
        if c == '"':
            i += 1
            while i < len(line) and line[i] != '"':
                i += 2 if line[i] == "\\" else 1
            i += 1
            continue
        if c == "'":
            j = line.find("'", i + 1)
            i = len(line) if j < 0 else j + 1
            continue
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        i += 1
    return depth, ml


class _Where:
    """Line numbers of the list's tables and keys (tomllib gives none once the file parsed):
    the top level's keys and tables, [defaults]'s keys, and per [[test]] its header line and its
    keys' lines (a key of a sub-table such as [test.params] at that header)."""

    def __init__(self, text: str):
        self.top: dict[str, int] = {}
        self.defaults: dict[str, int] = {}
        self.tests: list[tuple[int, dict[str, int]]] = []
        current = self.top
        depth, ml = 0, None
        for n, line in enumerate(text.splitlines(), 1):
            i = 0
            if ml is None and depth == 0:
                m = _HEADER.match(line) if line.lstrip().startswith("[") else None
                if m:
                    parts = [_unquote(p) for p in _KEYPART.findall(m.group(2))] or [""]
                    current = {}                        # keys of a sub-table: not located
                    if parts[0] == "test" and len(parts) == 1 and m.group(1) == "[[":
                        self.tests.append((n, {}))
                        current = self.tests[-1][1]
                        self.top.setdefault("test", n)
                    elif parts[0] == "test" and self.tests:
                        self.tests[-1][1].setdefault(parts[1], n)
                    elif parts == ["defaults"]:
                        self.top.setdefault("defaults", n)
                        current = self.defaults
                    elif parts[0] == "defaults":
                        self.top.setdefault("defaults", n)
                        self.defaults.setdefault(parts[1], n)
                    else:
                        self.top.setdefault(parts[0], n)
                    continue
                m = _KEY.match(line)
                if m:
                    current.setdefault(_unquote(m.group(1)), n)
                    i = m.end()
            depth, ml = _scan(line, i, depth, ml)

    def fits(self, n_tests: int) -> bool:
        return len(self.tests) == n_tests

    def test(self, index: int, key: str | None = None) -> int:
        if index < len(self.tests):
            head, keys = self.tests[index]
            return keys.get(key, head) if key else head
        return self.top.get("test", 1)

    def default(self, key: str | None = None) -> int:
        head = self.top.get("defaults", 1)
        return self.defaults.get(key, head) if key else head


# ---- test classes, from the modules' source -----------------------------------------------

UVM_TEST_MODULE = "tb.tests.uvm_test"    # uvm_test: pyuvm.test without its import-time cost


class _ModInfo:
    """What the source of one module says: its top-level classes (and whether each has
    @pyuvm.test), its `from X import Y` names, its star imports and its __all__; `dynamic` when
    pyuvm.test is used other than as a top-level class's decorator (tests built at import time,
    such as bench_tests' loop: not readable from source)."""

    def __init__(self, name: str, path: Path, is_package: bool, tree: ast.Module):
        self.name, self.path = name, path
        package = name if is_package else name.rpartition(".")[0]
        pyuvm, test_fns = set(), set()
        cocotb_names, cocotb_test_fns = set(), set()      # import cocotb / from cocotb import test
        self.imports: dict[str, tuple[str, str]] = {}     # local name -> (module, name there)
        self.stars: list[str] = []                        # from X import *
        self.all: list[str] | None = None                 # __all__ as a literal list of names
        self.dynamic = False
        for node in tree.body:
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name == "pyuvm":
                        pyuvm.add(a.asname or "pyuvm")
                    elif a.name == "cocotb":
                        cocotb_names.add(a.asname or "cocotb")
            elif isinstance(node, ast.ImportFrom):
                base = package
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                src = ".".join(p for p in (base if node.level else "", node.module or "") if p)
                for a in node.names:
                    if src == "pyuvm" and a.name in ("test", "*"):
                        test_fns.add(a.asname or "test")
                    elif src == UVM_TEST_MODULE and a.name == "uvm_test":
                        test_fns.add(a.asname or "uvm_test")
                    elif src == "cocotb" and a.name == "test":
                        cocotb_test_fns.add(a.asname or "test")
                    elif a.name == "*":
                        self.stars.append(src)
                    else:
                        self.imports[a.asname or a.name] = (src, a.name)
            elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                    v = node.value
                    if (isinstance(node, ast.Assign) and isinstance(v, (ast.List, ast.Tuple))
                            and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in v.elts)):
                        self.all = [e.value for e in v.elts]
                    else:
                        self.dynamic = True

        def is_ref(f) -> bool:              # pyuvm.test, test from pyuvm, or our uvm_test
            return ((isinstance(f, ast.Attribute) and f.attr == "test" and isinstance(f.value, ast.Name)
                     and f.value.id in pyuvm) or (isinstance(f, ast.Name) and f.id in test_fns))

        def is_cocotb_test(d) -> bool:                    # @cocotb.test or @cocotb.test(...)
            f = d.func if isinstance(d, ast.Call) else d
            return ((isinstance(f, ast.Attribute) and f.attr == "test" and isinstance(f.value, ast.Name)
                     and f.value.id in cocotb_names) or (isinstance(f, ast.Name) and f.id in cocotb_test_fns))

        self.classes: dict[str, bool] = {}                # class -> decorated with @pyuvm.test(...)
        used = set()                                      # (and cocotb test functions -> True)
        for n in tree.body:
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if any(is_cocotb_test(d) for d in n.decorator_list):
                    self.classes[n.name] = True
            if isinstance(n, ast.ClassDef):
                decs = [d for d in n.decorator_list if isinstance(d, ast.Call) and is_ref(d.func)]
                used |= {id(d.func) for d in decs}
                self.classes[n.name] = bool(decs)
        self.dynamic |= any(is_ref(x) and id(x) not in used for x in ast.walk(tree)
                            if isinstance(x, (ast.Attribute, ast.Name)))


class _Spec:
    """Where a module's source is: origin (its .py file, None for a namespace package) and, for
    a package, the folders its submodules are found in."""

    def __init__(self, origin, locations):
        self.origin, self.submodule_search_locations = origin, locations


def _find(module: str):
    """The module's spec, found without importing anything: importlib.util.find_spec for the
    top-level name (it imports nothing for one), then each package's folders read directly (a
    dotted find_spec would import the parents: "tb.tests.iommu_tests" would import pyuvm; and
    a namespace package such as tests/ has no parent module to ask). None when not found."""
    parts = module.split(".")
    if not all(p.isidentifier() for p in parts):
        return None
    try:
        spec = importlib.util.find_spec(parts[0])
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    spec = _Spec(spec.origin if spec.has_location else None,
                 list(spec.submodule_search_locations) if spec.submodule_search_locations is not None else None)
    for part in parts[1:]:
        if spec.submodule_search_locations is None:
            return None                          # a parent that is not a package
        found = None
        for d in map(Path, spec.submodule_search_locations):
            if (d / part / "__init__.py").is_file():
                found = _Spec(str(d / part / "__init__.py"), [str(d / part)])
            elif (d / f"{part}.py").is_file():
                found = _Spec(str(d / f"{part}.py"), None)
            elif (d / part).is_dir():
                found = _Spec(None, [str(d / part)])          # a namespace package
            if found:
                break
        if found is None:
            return None
        spec = found
    return spec


class _Modules:
    """The test modules, read once each."""

    def __init__(self):
        self._info: dict[str, _ModInfo | str] = {}
        self._tests: dict[str, set[str]] = {}

    def info(self, module: str) -> _ModInfo | str:
        """The module's classes and imports, or why they cannot be read."""
        if module not in self._info:
            self._info[module] = self._read(module)
        return self._info[module]

    def _read(self, module: str) -> _ModInfo | str:
        spec = _find(module)
        if spec is None:
            package = module.rpartition(".")[0]
            return f"module {_show(module)} not found{_suggest(module, self.siblings(package))}"
        if not spec.origin or not spec.origin.endswith(".py"):
            return f"module {_show(module)} has no Python source to read"
        path = Path(spec.origin)
        try:
            tree = ast.parse(path.read_bytes(), filename=str(path))
        except (OSError, SyntaxError) as e:
            return f"module {_show(module)} cannot be read: {e}"
        return _ModInfo(module, path, spec.submodule_search_locations is not None, tree)

    def siblings(self, package: str) -> list[str]:
        """The modules of a package (its folder's .py files), [] if it cannot be found."""
        if not package:
            return []
        spec = _find(package)
        dirs = list(spec.submodule_search_locations or []) if spec else []
        return sorted(f"{package}.{p.stem}" for d in dirs for p in Path(d).glob("*.py")
                      if p.stem != "__init__")

    def tests(self, module: str, _seen: frozenset = frozenset()) -> set[str]:
        """The test classes cocotb runs from the module (see the module docstring), as far as
        its source shows (opaque(): maybe more)."""
        if module in self._tests:
            return self._tests[module]
        info = self.info(module)
        if isinstance(info, str) or module in _seen:
            return set()
        seen = _seen | {module}
        out = {c for c, decorated in info.classes.items() if decorated}
        objects = [(src, orig) for src, orig in info.imports.values()]
        for src in info.stars:                 # a star import takes __C only through __all__
            si = self.info(src)
            if not isinstance(si, str):
                objects += [(src, n) for n in si.all or []]
        for src, orig in objects:
            if orig.startswith("__") and not orig.endswith("__") and orig[2:] in self.tests(src, seen):
                out.add(orig[2:])
        if not _seen:                          # complete (not cut short by an import cycle)
            self._tests[module] = out
        return out

    def opaque(self, module: str, _seen: frozenset = frozenset()) -> bool:
        """Whether the module may have tests its source does not show (_ModInfo.dynamic, in it
        or in a module it star-imports or imports a test object from)."""
        info = self.info(module)
        if isinstance(info, str) or module in _seen:
            return False
        seen = _seen | {module}
        srcs = info.stars + [src for src, orig in info.imports.values() if orig.startswith("__")]
        return info.dynamic or any(self.opaque(src, seen) for src in srcs)

    def definition(self, module: str, name: str, _seen: frozenset = frozenset()) -> str | None:
        """The module that defines class `name`, following imports from `module`."""
        info = self.info(module)
        if isinstance(info, str) or module in _seen:
            return None
        if name in info.classes:
            return module
        if name in info.imports:
            src, orig = info.imports[name]
            return self.definition(src, orig, _seen | {module})
        return None

    def problem(self, module: str, name: str) -> str | None:
        """Why test class `name` cannot be run from `module` (None: it can)."""
        info = self.info(module)
        if isinstance(info, str):
            return info
        if name in self.tests(module) or self.opaque(module):
            return None                        # runnable, or cannot be ruled out from source
        origin = self.definition(module, name)
        if origin is not None and name in self.tests(origin):
            return (f"test class {_show(name)} is imported into {module} from {origin}; cocotb "
                    f"runs only the tests a module defines: module = {_show(origin)}")
        if origin is not None:
            return (f"class {_show(name)} ({origin}) is not a test: no @pyuvm.test decorator, "
                    f"cocotb cannot run it")
        package = module.rpartition(".")[0]
        for other in self.siblings(package):
            if other != module and name in self.tests(other):
                return f"no test class {_show(name)} in {module}; it is in {other}: module = {_show(other)}"
        return f"no test class {_show(name)} in {module}{_suggest(name, sorted(self.tests(module)))}"


def runnable_classes(module: str) -> tuple[set[str], bool]:
    """(the test classes cocotb runs from `module` as its source shows them, whether it may
    have more that source reading cannot see: tests built at import time). Module docstring;
    (set(), False) when the module cannot be found or read."""
    m = _Modules()
    return m.tests(module), m.opaque(module)


# ---- the list -----------------------------------------------------------------------------

def _display(path) -> str:
    """The path as given, relative to the current folder when inside it."""
    p = Path(path)
    if p.is_absolute():
        try:
            return str(p.relative_to(Path.cwd()))
        except ValueError:
            return str(p)
    return str(path)


def _syntax_error(shown: str, text: str, e: tomllib.TOMLDecodeError) -> str:
    msg = str(e)
    m = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", msg, re.S)
    if m:
        return f"{shown}:{m.group(2)}:{m.group(3)}: {m.group(1)}"
    m = re.fullmatch(r"(.*) \(at end of document\)", msg, re.S)
    if m:
        msg = m.group(1)
    end = len(text)
    line = text.count("\n", 0, end) + 1
    col = end - (text.rfind("\n", 0, end) + 1) + 1
    return f"{shown}:{line}:{col}: {msg}"


def load_list(path=LIST) -> dict:
    """The regression list: tomllib's tables, each test's `id` defaulting to its `name`.
    Raises ListError naming every problem (module docstring)."""
    shown = _display(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise ListError(f"{shown}: cannot read: {e.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise ListError(f"{shown}:{line}: not UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ListError(_syntax_error(shown, text, e)) from None
    problems = _check(data, _Where(text))
    if problems:
        raise ListError([f"{shown}:{line}: {msg}" for line, msg in sorted(problems, key=lambda p: p[0])])
    for t in data["test"]:
        t.setdefault("id", t["name"])
    return data


def _check(data: dict, where: _Where) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for key, value in data.items():
        if key in TOP_KEYS:
            continue
        table = isinstance(value, dict) or (isinstance(value, list) and value
                                            and all(isinstance(x, dict) for x in value))
        hint = (" (put it in [defaults])" if key in DEFAULT_KEYS and not table else
                _suggest(key, TOP_KEYS, "'") or " (known: [defaults], [[test]])")
        out.append((where.top.get(key, 1), f"unknown {'table' if table else 'top-level key'} {key!r}{hint}"))
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        out.append((where.default(), f"'defaults' must be a table ([defaults]), got {_show(defaults)}"))
        defaults = {}
    _keys(out, "[defaults]", defaults, DEFAULT_KEYS, where.default)
    tests = data.get("test", [])
    if not (isinstance(tests, list) and all(isinstance(t, dict) for t in tests)):
        out.append((where.top.get("test", 1), "'test' must be an array of tables ([[test]] entries)"))
        return out
    if not tests:
        out.append((1, "no [[test]] entry"))
    if not where.fits(len(tests)):                   # an inline array of tables: its line only
        where.tests = []
    modules = _Modules()
    profile = None
    seen_ids: dict[str, int] = {}
    for i, t in enumerate(tests):
        label = next((f"test {_show(t[k])}" for k in ("id", "name") if isinstance(t.get(k), str) and t[k]),
                     f"test #{i + 1}")

        def at(key=None, i=i):
            return where.test(i, key)

        ok = _keys(out, label, t, TEST_KEYS, at)
        if "name" not in t:
            out.append((at(), f"{label}: key 'name' is missing (the test class)"))
        if "name" in ok:
            module = t["module"] if "module" in ok else MODULE
            if "module" in ok or "module" not in t:
                why = modules.problem(module, t["name"])
                if why:
                    key = "module" if why.startswith("module ") else "name"
                    out.append((at(key), f"{label}: {why}"))
        if "policy" in ok:
            from scoreboards.policies import POLICIES
            if t["policy"] not in POLICIES:
                out.append((at("policy"), f"{label}: unknown policy {_show(t['policy'])}"
                            f"{_suggest(t['policy'], POLICIES)}; known: {', '.join(POLICIES)}"))
        for key, what, attr in (("params", "parameter set", "params"), ("mutant", "mutant", "mutants")):
            if key not in ok:
                continue
            if profile is None:
                try:
                    profile = dut_profile.load(None)
                except dut_profile.ProfileError as e:
                    profile = e
            if isinstance(profile, Exception):
                out.append((at(key), f"{label}: cannot check {key!r}: the default DUT profile: {profile}"))
                continue
            names = getattr(profile, attr)
            if t[key] not in names:
                hint = _suggest(t[key], names) or (f"; known: {', '.join(names)}" if len(names) <= 40 else "")
                out.append((at(key), f"{label}: no {what} {_show(t[key])} in the default DUT "
                                     f"{profile.name} ({_display(profile.path)}){hint}"))
        if t.get("expect_verdict") == SEQUENCE and "mutant" in t:
            out.append((at("expect_verdict"), f"{label}: a mutant must be caught by an RTL check "
                        f"(expect_verdict = \"FAIL\"), not by {SEQUENCE}"))
        tid = t["id"] if "id" in ok else t["name"] if "name" in ok and "id" not in t else None
        if tid is not None:
            if tid in seen_ids:
                out.append((at("id" if "id" in t else None),
                            f"{label}: id {_show(tid)} listed twice (first at line {seen_ids[tid]})"))
            else:
                seen_ids[tid] = at("id" if "id" in t else None)
    return out


def _keys(out: list, label: str, table: dict, known: tuple, at) -> set[str]:
    """Unknown keys and bad values of one table, added to `out`; the keys whose value is good."""
    ok = set()
    for key, value in table.items():
        if key not in known:
            hint = _suggest(key, known, "'") or f" (known: {', '.join(known)})"
            out.append((at(key), f"{label}: unknown key {key!r}{hint}"))
            continue
        why = _CHECKS[key](value)
        if why:
            out.append((at(key), f"{label}: {key!r} {why}"))
        else:
            ok.add(key)
    return ok


def check_subset(data: dict, name: str) -> None:
    """ListError (one line) unless some test of the list is in subset `name`."""
    known = sorted({s for t in data.get("test", []) for s in t.get("subsets", [])})
    if name not in known:
        raise ListError(f"unknown subset {_show(name)}{_suggest(name, known)}; known: {', '.join(known)}")


def check_test(data: dict, test_id: str) -> None:
    """ListError (one line) unless a test of the list has id `test_id`."""
    ids = [t.get("id", t.get("name")) for t in data.get("test", [])]
    if test_id not in ids:
        raise ListError(f"unknown test {_show(test_id)}"
                        + (_suggest(test_id, ids) or f"; python -m tb.regression_list lists the {len(ids)} tests"))


# ---- the listing (`make list`) ------------------------------------------------------------

def _table(rows: list[list[str]], indent: str = "  ") -> list[str]:
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    return [(indent + "  ".join(cell.ljust(w) for cell, w in zip(r, widths))).rstrip() for r in rows]


def list_lines(data: dict) -> list[str]:
    """The tests (id, class, seeds, simulators, subsets, and params, policy, mutant and timeout
    when set), the subsets with their test counts, the caching policies and the DUT profiles."""
    from scoreboards.policies import DEFAULT_POLICY, POLICIES
    defaults = data.get("defaults", {})
    tests = data.get("test", [])
    rows = [["id", "class", "seeds", "simulators", "subsets", "set"]]
    for t in tests:
        cls = t["name"] if t.get("module", MODULE) == MODULE else f"{t['module'].rpartition('.')[2]}.{t['name']}"
        extra = [f"{k}={t[k]}" for k in ("params", "policy", "coherence", "mutant", "timeout")
                 if k in t]
        rows.append([t.get("id", t["name"]), cls, str(t.get("seeds", defaults.get("seeds", 1))),
                     ",".join(t.get("simulators", defaults.get("simulators", SIMULATORS))),
                     ",".join(t.get("subsets", [])) or "-", " ".join(extra)])
    out = [f"tests ({len(tests)}; class: {MODULE} unless prefixed by its module):"] + _table(rows)
    counts: dict[str, int] = {}
    for t in tests:
        for s in t.get("subsets", []):
            counts[s] = counts.get(s, 0) + 1
    out += ["", f"subsets ({len(counts)}):"]
    out += _table([[s, f"{n} test{'s' if n != 1 else ''}"] for s, n in sorted(counts.items())])
    out += ["", f"caching policies ({len(POLICIES)}; default {DEFAULT_POLICY}):"]
    out += _table([[p.name, p.summary] for p in POLICIES.values()])
    profiles = sorted(dut_profile.DUTS_DIR.glob("*.toml"))
    rows = [["name", "top", "simulators", "description"]]
    for f in profiles:
        try:
            p = dut_profile.load(f)
            rows.append([p.name, p.top, ",".join(p.simulators), p.description])
        except dut_profile.ProfileError as e:
            rows.append([f.stem, "?", "?", f"cannot load: {e}"])
    out += ["", f"DUT profiles ({len(profiles)}, {_display(dut_profile.DUTS_DIR)}/; default "
                f"{dut_profile.DEFAULT_DUT}):"] + _table(rows)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tb.regression_list",
                                 description="Check the regression list and print what it offers.")
    ap.add_argument("list", nargs="?", default=str(LIST), help="the list (default tb/regression.toml)")
    try:
        args = ap.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)
    try:
        data = load_list(args.list)
    except ListError as e:
        print(str(e), file=sys.stderr)
        return 2
    try:
        print("\n".join(list_lines(data)), flush=True)
    except BrokenPipeError:                    # `... | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
