"""Where the checking runs: in the simulator's process, or in a checker process of its own
(`IommuEnvCfg.checker`, default `$IOMMU_CHECKER`, else "auto": a checker process when a core
is idle at connect time, see resolve_kind()).

The checking is everything that needs the oracle: the scoreboard's judgement of every
response, fault record and DUT write, the coverage hooks that read the oracle's model, and
the answers sequences ask for (`env.permitted`, `env.expected_reg`). `CheckerCore` applies the
simulation's events to the scoreboard, the coverage and the oracle in the order the env's
subscribers deliver them (coverage before the scoreboard for a register op, so it decodes a
doorbell's commands before the oracle consumes them; after it for a response).

- `InlineChecker` (checker="inline"): the core itself, called as the events happen.
- `ProcessChecker` (checker="process"): at connect time the simulator's process forks; the
  child keeps its copies of the wired scoreboard, coverage and oracle (nothing has happened
  yet) and becomes the checker. The simulator's side turns each event into a tuple and ships
  them in batches through a pipe; the child applies them in the same order. Sync points are
  queries: the batch goes out, the simulator waits for the answer, and everything the child
  sent before it (failure lines, log lines) is handled first, so lines keep their order. The
  scoreboard's failure lines come back as the child finds them and are logged, counted and
  capped by the simulator's scoreboard as before; `finish()` (the env's extract_phase) brings
  back the end-of-test state: what the DUT still owes, the counts, the oracle's findings and
  the coverage sampled in the child, which is merged into the simulator's coverage component
  (`cov.export_state()` / `cov.merge_state(state)` when it has them, else its `bins`).
  A checker that dies is one ERROR line ("CHECKER ..."), a failed check; events after it are
  not checked and a later query raises CheckerError with the same line. Never a hang: a
  reply is awaited only while the child is alive.

The child is a fork because the simulator's Python cannot start another interpreter of itself
(sys.executable is the simulator) and a fork costs a few milliseconds where a fresh interpreter
would import cocotb and pyuvm again. It never touches the simulator: it only reads its pipe,
and leaves by os._exit.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import signal
import sys
import time
import traceback
from pathlib import Path
from queue import Empty

from models import Request
from sequences.ats_items import AtsTranslationRequest
from sequences.items import RegOp, TranslationResult, WriteRequest
from scoreboards import register_audit

CHECKER_KINDS = ("auto", "process", "inline")
CRASH_LOG = "checker_crash.log"          # the child's traceback, in the test's directory

# Event tags (the first item of each tuple the simulator's side ships).
ISSUED, RESULT, REG, STORE, MEM, RANGE, CAPS, WREG, AUDIT, QUERY, CSTORE, ATSMSG = range(12)
EVENT_NAMES = ("issued", "result", "register op", "store", "memory write", "fault range",
               "capabilities", "register write", "register audit", "query", "cached store",
               "ATS message")


class CheckerError(RuntimeError):
    """The checker process is gone: the one line saying why."""


def check_kind(kind: str, source: str = "IommuEnvCfg.checker") -> str:
    if kind not in CHECKER_KINDS:
        raise ValueError(f"{source}={kind!r}: use one of {', '.join(CHECKER_KINDS)}")
    return kind


def idle_cpus() -> int:
    """CPUs this process may use minus the tasks running on the machine now (this one
    included): > 0 when a checker process would have a core of its own."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        with open("/proc/stat") as f:
            running = next(int(ln.split()[1]) for ln in f if ln.startswith("procs_running"))
    except (OSError, ValueError, StopIteration):
        running = int(os.getloadavg()[0]) + 1
    return cpus - running


def resolve_kind(kind: str) -> str:
    """"auto": a checker process when a core is idle now (a single simulation: checking in
    parallel), else in the simulator's process (the regression's two simulations already keep
    two cores busy, and a process each would only add the cost of shipping and forking)."""
    if check_kind(kind) != "auto":
        return kind
    return "process" if idle_cpus() > 0 else "inline"


# -- coverage state across processes --------------------------------------------------------
def coverage_state(cov):
    """What the checker process's coverage component sampled, as a picklable value."""
    export = getattr(cov, "export_state", None)
    return export() if export is not None else dict(cov.bins)


def merge_coverage(cov, state) -> None:
    """Add what the checker process sampled into the simulator's coverage component."""
    merge = getattr(cov, "merge_state", None)
    if merge is not None:
        merge(state)
    else:
        cov.bins.update(state)


# -- the oracle as the coverage component sees it ---------------------------------------------
class _ModelView:
    """The oracle's model, except that walk() of the request the oracle has just evaluated,
    at the same epoch, is the oracle's own first path (every item at its current value: the
    model's walk over current memory, trace included) instead of a second walk."""

    def __init__(self, oracle) -> None:
        self._oracle = oracle
        self._model = oracle.model

    def walk(self, req, read64=None, item_value=None, trace=None):
        o = self._oracle
        last = o.last_walk
        if (last is not None and read64 is None and item_value is None and last[1] == o._epoch
                and (last[0] is req or last[0] == req)):
            if trace is not None:
                trace.extend(last[2])
            return last[3]
        return self._model.walk(req, read64, item_value, trace)

    @property
    def ddtp(self) -> int:
        return self._model.ddtp

    @property
    def caps(self):
        return self._model.caps

    def __getattr__(self, name):
        return getattr(self._model, name)


class CoverageView:
    """What the coverage component gets as its `oracle`: the oracle, with the model's walks
    shared (_ModelView). The oracle keeps its last fresh walk for it (keep_walk)."""

    def __init__(self, oracle) -> None:
        oracle.keep_walk = True
        self._oracle = oracle
        self.result_stamp = oracle.result_stamp     # once per response: no __getattr__
        self.model = _ModelView(oracle)
        self.mem = oracle.mem

    @property
    def epoch(self) -> int:
        return self._oracle._epoch       # CoherenceOracle.epoch, without its property call

    def __getattr__(self, name):
        return getattr(self._oracle, name)


def wire(sb, cov, oracle, cfg) -> None:
    """Connect the scoreboard and the coverage component to the oracle and to each other, as
    the env config says (the env at connect time; tools/replay_checker.py offline)."""
    sb.oracle = oracle
    sb.watch_msi_failures()                      # interrupt messages that fail: 273 records
    sb.msi_ranges = list(cfg.msi_ranges)
    sb.cause_on_port = cfg.fault_cause == "port"
    sb.on_record_cause = cov.record_cause        # causes a port does not carry
    sb.on_race = cov.race
    sb.on_irq = cov.irq_message                  # interrupt messages (IGS = MSI / BOTH)
    sb.on_ad = cov.ad_update                     # hardware A/D updates (AMO_HWAD)
    sb.on_mrif = cov.mrif_write                  # MSI writes to MRIF pages (MSI_MRIF)
    sb.rec.on_record_fields = cov.record_fields
    cov.oracle = CoverageView(oracle)            # the oracle, its walks shared


# -- the core: one process's scoreboard, coverage and oracle ---------------------------------
class CheckerCore:
    remote = False
    dead = None
    kind = "inline"

    def __init__(self, sb, cov, oracle) -> None:
        self.sb, self.cov, self.oracle = sb, cov, oracle

    # events
    def issued(self, item) -> None:
        self.sb.issued(item)

    def result(self, res) -> None:
        self.sb.translation(res)
        self.cov.translation(res)

    def ats_message(self, msg) -> None:
        """A message the DUT sent to a device (ATS.INVAL, ATS.PRGR: tb/agents/dev/ats_device.py);
        ("answers", flag): whether the device answers the Invalidation Requests of the ATS.INVALs
        fetched from now on (False: they time out, cmd_to at the next IOFENCE.C)."""
        if isinstance(msg, tuple) and msg[0] == "answers":
            flag = bool(msg[1])
            self.oracle.model.ats_inval_answered = lambda m, flag=flag: flag
            return
        self.sb.ats_message(msg)

    def reg_op(self, op) -> None:
        self.cov.reg_op(op)
        self.sb.reg_op(op)

    def store64(self, pa: int, value: int) -> None:
        self.sb.store64(pa, value)

    def store_cached(self, pa: int, value: int) -> None:
        """A store left in the hart's cache (non-coherent): memory, and so every outcome, is
        unchanged; the oracle keeps it for the advice (scoreboards/cleaning.py)."""
        self.oracle.store_cached(pa, value)

    def mem_access(self, access) -> None:
        self.sb.mem_access(access)

    def set_access_fault(self, lo: int, hi: int) -> None:
        self.oracle.mem.set_access_fault(lo, hi)
        self.oracle.last_walk = None     # a walk from before is not the one over this memory

    def set_capabilities(self, caps: int, svnapot: bool) -> None:
        self.oracle.set_capabilities(caps, svnapot=svnapot)

    def write_reg(self, offset: int, value: int, size: int = 8) -> None:
        self.oracle.write_reg(offset, value, size=size)

    def audit(self, got: dict) -> None:
        """The queue and interrupt registers of the quiet DUT against the model."""
        rec = self.sb.rec
        for line in register_audit.audit(self.oracle.model, got, rec.maybe_overflowed,
                                         rec.overflow_certain()):
            self.sb._fail(line)

    # answers
    def query(self, kind: str, *args):
        if kind == "outcomes":
            return self.oracle.outcomes(*args)
        if kind == "read_reg":
            return self.oracle.model.read_reg(*args)
        if kind == "irq":
            m = self.oracle.model
            return tuple(m.irq_wires()), m.ipsr, m.icvec
        if kind == "hpm_shape":
            return self.sb.hpm.shape(*args)      # the DUT's HPM shape, as software found it
        if kind == "qosid_widths":
            return self.oracle.set_qosid_widths(*args)   # as software found them (QOSID)
        if kind == "sync":
            return time.process_time()   # this process's CPU time (the bench's figures)
        if kind == "advice":
            return [str(f) for f in self.oracle.advice()]
        if kind == "final":
            return self.final()
        raise ValueError(f"unknown checker query {kind!r}")

    def final(self) -> dict:
        sb = self.sb
        return {"problems": sb.pending_problems(), "checked": sb.checked,
                "stale": sb.stale_used, "records": sb.records_seen,
                "fence_writes": sb.fence_writes_seen, "msi_writes": sb.msi_writes_seen,
                "irq_msis": sb.irq_msis_seen, "irq_msi_faults": sb.irq_msi_faults_seen,
                "ad_writes": sb.ad_writes_seen,
                "advice": [str(f) for f in self.oracle.advice()],
                "coverage": coverage_state(self.cov)}

    # the interface the env uses for both kinds
    @property
    def caps_value(self) -> int:
        return self.oracle.model.caps.value

    def sync(self) -> float | None:
        """Everything so far has been judged (in-process: always). Returns the checker
        process's CPU seconds so far (None in-process)."""
        return None

    def finish(self):
        return None

    def advice(self) -> list:
        return self.oracle.advice()


InlineChecker = CheckerCore


# -- the checker process ---------------------------------------------------------------------
def _req_fields(req) -> tuple:
    """A Request as shipped: its fields (a tuple of ints pickles in a fifth of the time)."""
    data = getattr(req, "data", None)           # a WriteRequest (MSI_MRIF) carries its data
    if data is not None:
        return req.did, req.iova, req.ttyp, req.pid, req.priv_s, data
    no_write = getattr(req, "no_write", None)   # an ATS translation request: NW and Exe
    if no_write is not None:                    # (the A/D judge needs NW: a write walk)
        return req.did, req.iova, req.ttyp, req.pid, req.priv_s, no_write, req.exec_req
    return req.did, req.iova, req.ttyp, req.pid, req.priv_s


_REQUESTS: dict = {}
_NO_PERMITTED = frozenset()


def _request(fields: tuple):
    """The Request of shipped fields, one object per value (issued and answered share it)."""
    req = _REQUESTS.get(fields)
    if req is None:
        if len(_REQUESTS) >= 65536:
            _REQUESTS.clear()
        req = _REQUESTS[fields] = (Request(*fields) if len(fields) == 5 else
                                   WriteRequest(*fields) if len(fields) == 6 else
                                   AtsTranslationRequest(*fields))
    return req


def _apply(core: CheckerCore, ev: tuple) -> None:
    tag = ev[0]
    if tag == RESULT:
        if len(ev) == 10:                           # (the usual response: unpacked as it is)
            _, seq_no, fields, tag_, fault, cause, pa, t0, t1, pbmt = ev
            mrif = ats = None
        else:
            _, seq_no, fields, tag_, fault, cause, pa, t0, t1, pbmt = ev[:10]
            mrif = ev[10] if len(ev) > 10 else None     # MSI_MRIF: the access was consumed
            ats = ev[11] if len(ev) > 11 else None      # an ATS completion (sequences.ats_items)
        # (by position: permitted as its default, an empty frozenset)
        core.result(TranslationResult(_request(fields), tag_, fault, cause, pa, t0, t1, seq_no,
                                      _NO_PERMITTED, pbmt, mrif, ats))
    elif tag == ISSUED:
        core.issued((ev[1], _request(ev[2])))
    elif tag == ATSMSG:
        core.ats_message(ev[1])
    elif tag == REG:
        core.reg_op(RegOp(ev[1], ev[2], ev[3], ev[4], ev[5]))
    elif tag == STORE:
        core.store64(ev[1], ev[2])
    elif tag == CSTORE:
        core.store_cached(ev[1], ev[2])
    elif tag == MEM:
        core.mem_access(ev[1])
    elif tag == RANGE:
        core.set_access_fault(ev[1], ev[2])
    elif tag == CAPS:
        core.set_capabilities(ev[1], ev[2])
    elif tag == WREG:
        core.write_reg(ev[1], ev[2], ev[3])
    elif tag == AUDIT:
        core.audit(ev[1])
    else:
        raise ValueError(f"unknown checker event {ev!r:.80}")


def _one_line(e: BaseException) -> str:
    text = (str(e).strip().splitlines() or [""])[0]
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


class CheckerGc:
    """The checker process's cyclic garbage collection. Its heap is the oracle's state, which
    only grows (histories, caches, the memo) and is long-lived; what a check creates is freed
    by reference counting (a bench run leaves no cyclic garbage). Python's generational
    collector would re-scan that state again and again (about 30% of the checker's time on
    the bench's mix), so the automatic collector is off: every EVERY net new tracked objects
    (a window) are frozen, never scanned again. Scanning a window only to find nothing was
    still 7% of the checker's instructions on the bench's tapes, so only one window in SAMPLE
    is collected before its freeze, as a check: once a collection finds unreachable objects
    (cyclic garbage), every later window is collected. Off with IOMMU_GC=0."""
    EVERY = 200_000
    SAMPLE = 8

    def __init__(self) -> None:
        self.on = os.environ.get("IOMMU_GC", "1") == "1" and gc.isenabled()
        self.windows = 0
        self.garbage = False             # a collection found cyclic garbage: collect them all
        if self.on:
            gc.disable()
            gc.freeze()                  # the heap inherited from the simulator stays

    def maybe(self) -> None:
        if self.on and gc.get_count()[0] > self.EVERY:
            self.windows += 1
            if self.garbage or self.windows % self.SAMPLE == 0:
                self.garbage = gc.collect() > 0 or self.garbage
            gc.freeze()                  # (and the count starts again)


def _serve(core: CheckerCore, rx, out, setup: dict) -> None:
    """The checker process: apply every batch in order, answer queries, until the final
    query or the end of the pipe (the simulator ended). With $IOMMU_CHECKER_TAPE, `setup` and
    every batch are also pickled to that file (tools/replay_checker.py replays them)."""
    core.sb.fail_sink = lambda msg: out.put(("fail", msg))
    core.sb.info_sink = lambda msg: out.put(("info", msg))
    collect = CheckerGc()
    prof = None
    if os.environ.get("IOMMU_PROFILE"):
        import cProfile
        prof = cProfile.Profile()
        prof.enable()
    tape = None
    if os.environ.get("IOMMU_CHECKER_TAPE"):
        tape = open(os.environ["IOMMU_CHECKER_TAPE"], "wb")
        pickle.dump(setup, tape)
    n, ev = 0, None
    try:
        crash_at = int(os.environ.get("IOMMU_CHECKER_CRASH_AT", "0"))   # tests of the crash path
        while True:
            try:
                batch = rx.recv()
            except EOFError:
                return
            if tape is not None:
                pickle.dump(batch, tape)
            collect.maybe()
            for ev in batch:
                n += 1
                if n == crash_at:
                    raise RuntimeError(f"crash requested at event {n} (IOMMU_CHECKER_CRASH_AT)")
                if ev[0] == QUERY:
                    _, qid, kind, args = ev
                    out.put(("=", qid, core.query(kind, *args)))
                    if kind == "final":
                        return
                else:
                    _apply(core, ev)
    except BaseException as e:          # noqa: BLE001 (anything: reported as one line)
        what = EVENT_NAMES[ev[0]] if ev and isinstance(ev[0], int) and ev[0] < len(EVENT_NAMES) else "?"
        out.put(("crash", f"CHECKER process crashed at event {n} ({what}): {_one_line(e)}",
                 traceback.format_exc()))
    finally:
        if tape is not None:
            tape.close()
        if prof is not None:
            prof.disable()
            prof.dump_stats(os.environ["IOMMU_PROFILE"] + ".checker")
        out.close()
        out.join_thread()


PIPE_BYTES = 1 << 20


def _widen_pipe(fd: int) -> None:
    """Let the simulator run up to 1 MiB of events ahead of the checker (Linux's default pipe,
    64 KiB, is about one batch: the simulator blocked in write() while the checker worked
    through the previous batch, so the two took turns instead of running side by side). The
    size is a hint: kept at the default where the system refuses it."""
    try:
        import fcntl
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass


class ProcessChecker:
    """The simulator's side of the checker process (see the module's docstring)."""
    remote = True
    kind = "process"
    BATCH = 256                 # events per shipment
    FLUSH_S = 0.02              # ... or older than this (wall time), so lines come back soon
    POLL_S = 0.2                # how often a wait for an answer looks at the child's health

    def __init__(self, core: CheckerCore, fail, info, cause_on_port: bool = True,
                 setup: dict | None = None) -> None:
        self._fail, self._info = fail, info
        self.cause_on_port = cause_on_port
        self._mirror = core.oracle       # this side's copy: capabilities only (discovery)
        self._buf: list = []
        self._last = time.perf_counter()
        self._qid = 0
        self._replies: dict = {}
        self.dead: str | None = None
        self.events = 0
        self._final = None
        ctx = multiprocessing.get_context("fork")
        rx, self._tx = ctx.Pipe(duplex=False)
        _widen_pipe(self._tx.fileno())
        self._out = ctx.Queue()
        # A write to the pipe of a dead child must fail with EPIPE, not kill the simulator
        # (an embedded interpreter may leave SIGPIPE at its default).
        if signal.getsignal(signal.SIGPIPE) == signal.SIG_DFL:
            signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        for stream in (sys.stdout, sys.stderr):   # nothing buffered is written twice
            try:
                stream.flush()
            except (AttributeError, ValueError, OSError):
                pass
        self._proc = ctx.Process(target=_serve, args=(core, rx, self._out, setup or {}),
                                 name="iommu-checker",
                                 daemon=True)
        self._proc.start()
        rx.close()

    # -- events (the CheckerCore interface, shipped) ----------------------------------------
    def _put(self, ev: tuple) -> None:
        buf = self._buf
        buf.append(ev)
        if len(buf) >= self.BATCH or time.perf_counter() - self._last > self.FLUSH_S:
            self._flush()

    def issued(self, item) -> None:
        self._put((ISSUED, item[0], _req_fields(item[1])))

    def result(self, res) -> None:
        if res.fault and not self.cause_on_port:
            res.cause = None            # as the scoreboard does: the sequence sees it too
        self._put((RESULT, res.seq_no, _req_fields(res.req), res.tag, res.fault, res.cause,
                   res.pa, res.issued_ns, res.done_ns, res.pbmt, res.mrif, res.ats))

    def ats_message(self, msg) -> None:
        self._put((ATSMSG, msg))

    def reg_op(self, op) -> None:
        self._put((REG, op.offset, op.value, op.size, op.write, op.result))

    def store64(self, pa: int, value: int) -> None:
        self._put((STORE, pa, value))

    def store_cached(self, pa: int, value: int) -> None:
        self._put((CSTORE, pa, value))

    def mem_access(self, access) -> None:
        if access[0] == "W":            # the scoreboard judges writes only
            self._put((MEM, access))

    def set_access_fault(self, lo: int, hi: int) -> None:
        self._put((RANGE, lo, hi))

    def set_capabilities(self, caps: int, svnapot: bool) -> None:
        self._mirror.set_capabilities(caps, svnapot=svnapot)   # raises as the checker would
        self._put((CAPS, caps, svnapot))

    def write_reg(self, offset: int, value: int, size: int = 8) -> None:
        self._put((WREG, offset, value, size))

    def audit(self, got: dict) -> None:
        self._put((AUDIT, got))

    @property
    def caps_value(self) -> int:
        return self._mirror.model.caps.value

    # -- shipping and what comes back -------------------------------------------------------
    def _flush(self) -> None:
        self._last = time.perf_counter()
        self._take_news()
        if not self._buf:
            return
        batch, self._buf = self._buf, []
        if self.dead:
            return
        self.events += len(batch)
        try:
            self._tx.send(batch)
        except OSError:
            self._gone()

    def _take_news(self) -> None:
        out = self._out
        while not out.empty():
            try:
                self._handle(out.get_nowait())
            except Empty:
                return

    def _handle(self, msg: tuple) -> None:
        kind = msg[0]
        if kind == "fail":
            self._fail(msg[1])
        elif kind == "info":
            self._info(msg[1])
        elif kind == "=":
            self._replies[msg[1]] = msg[2]
        elif kind == "crash":
            try:
                Path(CRASH_LOG).write_text(msg[2])
                where = f"; traceback in {CRASH_LOG}"
            except OSError:
                where = ""
            self._die(f"{msg[1]}{where}; events after it are not checked")

    def _die(self, line: str) -> None:
        if self.dead is None:
            self.dead = line
            self._fail(line)

    def _gone(self) -> None:
        """The pipe broke or the child is not running: read what it left, then say so."""
        self._proc.join(timeout=1.0)
        self._take_news()
        if self.dead is None:
            code = self._proc.exitcode
            self._die(f"CHECKER process ended unexpectedly (exit code {code}) after "
                      f"{self.events} events; events after it are not checked")

    def query(self, kind: str, *args):
        """Ship everything so far and the query; wait for the answer (failure and log lines
        that come first are handled on the way)."""
        if self.dead:
            raise CheckerError(self.dead)
        self._qid += 1
        qid = self._qid
        self._buf.append((QUERY, qid, kind, args))
        self._flush()
        while qid not in self._replies:
            if self.dead:
                raise CheckerError(self.dead)
            try:
                self._handle(self._out.get(timeout=self.POLL_S))
            except Empty:
                if not self._proc.is_alive():
                    self._gone()
        return self._replies.pop(qid)

    def sync(self) -> float:
        return self.query("sync")

    def finish(self) -> dict | None:
        """The end of the test: the child's final state (None if it died); it then exits."""
        if self._final is None and not self.dead:
            try:
                self._final = self.query("final")
            except CheckerError:
                return None
            self._proc.join(timeout=5.0)
            if self._proc.is_alive():
                self._proc.terminate()
        return self._final

    def advice(self) -> list:
        """The oracle's findings so far. Before the end of the test (a sequence judging its
        own layer) a question like any other: the checker goes on; after finish(), the final
        state's."""
        if self._final is not None:
            return list(self._final["advice"])
        if self.dead:
            return []
        try:
            return list(self.query("advice"))
        except CheckerError:
            return []


class Elsewhere:
    """Stands for the oracle in the simulator's process when it lives in the checker process:
    any use is a mistake, said in one line."""

    def __getattr__(self, name):
        raise AttributeError(f"the oracle runs in the checker process (IOMMU_CHECKER=process): "
                             f"oracle.{name} is not available here; ask through the env "
                             f"(env.permitted, env.expected_reg)")


SETUP_KEYS = ("policy", "fills", "svnapot", "msi_ranges", "fault_cause")


def make_checker(cfg, sb, cov, oracle):
    """The checker cfg.checker asks for, over a wired scoreboard, coverage component and
    oracle (wire())."""
    core = CheckerCore(sb, cov, oracle)
    if resolve_kind(cfg.checker) == "inline":
        return core
    setup = {k: getattr(cfg, k) for k in SETUP_KEYS}
    return ProcessChecker(core, fail=sb._fail, info=sb.logger.info, cause_on_port=sb.cause_on_port,
                          setup=setup)
