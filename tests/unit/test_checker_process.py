"""The checker process (tb/env/checker.py) without a simulator: events reach the child in
order, answers and failure lines come back in order, the end-of-test state comes back once,
and a child that crashes or is killed is one CHECKER line, never a hang."""
from __future__ import annotations

import os
import signal
import time
from types import SimpleNamespace

import pytest

from models import Request, TTYP
from sequences.items import RegOp, TranslationResult
from tb.env import checker
from tb.env.checker import CheckerError, ProcessChecker


class FakeOracle:
    """The mirror ProcessChecker keeps for capability decoding."""

    def __init__(self) -> None:
        self.caps = None
        self.model = SimpleNamespace(caps=SimpleNamespace(value=0x10))

    def set_capabilities(self, caps, svnapot=True):
        if caps == 0xBAD:
            raise ValueError("refused")
        self.model.caps.value = caps


class FakeCore:
    """Records what it is given (in the child) and answers queries from that record."""

    def __init__(self, fail_on_result: int | None = None) -> None:
        self.oracle = FakeOracle()
        self.sb = SimpleNamespace(fail_sink=None, info_sink=None)
        self.log: list = []
        self.fail_on_result = fail_on_result

    def result(self, res):
        self.log.append(("result", res.seq_no, res.req.iova, res.fault, res.cause, res.pa))
        if res.seq_no == self.fail_on_result:
            raise KeyError("no such request")
        if res.pa == 0xBAD:
            self.sb.fail_sink(f"MISMATCH seq {res.seq_no}")

    def issued(self, item):
        self.log.append(("issued", item[0]))

    def reg_op(self, op):
        self.log.append(("reg", op.offset, op.value, op.write))

    def store64(self, pa, value):
        self.log.append(("store", pa, value))

    def mem_access(self, access):
        self.log.append(("mem",) + tuple(access))

    def set_access_fault(self, lo, hi):
        self.log.append(("range", lo, hi))

    def set_capabilities(self, caps, svnapot):
        self.log.append(("caps", caps))

    def write_reg(self, offset, value, size=8):
        self.log.append(("wreg", offset, value))

    def audit(self, got):
        self.log.append(("audit", got))

    def query(self, kind, *args):
        if kind == "log":
            return list(self.log)
        if kind == "spin":
            while True:
                time.sleep(1)
        if kind == "advice":
            return [f"ADVICE so far {len(self.log)}"]
        if kind == "final":
            return {"advice": ["ADVICE x"], "log": len(self.log)}
        if kind == "sync":
            return 0.0
        raise ValueError(kind)


def _start(core=None):
    fails, infos = [], []
    pc = ProcessChecker(core or FakeCore(), fail=fails.append, info=infos.append)
    return pc, fails, infos


def _res(seq, iova=0x1000, pa=0x8000_1000, fault=False, cause=0):
    return TranslationResult(Request(did=1, iova=iova, ttyp=TTYP.UNTRANSLATED_READ), seq, fault,
                             cause, pa, 1.0, 2.0, seq)


def test_events_arrive_in_order_and_queries_see_everything_before_them():
    pc, fails, _ = _start()
    pc.store64(0x1000, 5)
    pc.issued((0, Request(did=1, iova=0x1000, ttyp=TTYP.UNTRANSLATED_READ)))
    pc.reg_op(RegOp(0x48, 3, 4, True))
    pc.result(_res(0))
    pc.mem_access(("R", 0x10, b"", True))         # reads are not shipped
    pc.mem_access(("W", 0x20, b"\x01", True))
    pc.set_access_fault(0x100, 0x200)
    pc.write_reg(0x2F8, 7)
    log = pc.query("log")
    assert log == [("store", 0x1000, 5), ("issued", 0), ("reg", 0x48, 3, True),
                   ("result", 0, 0x1000, False, 0, 0x8000_1000), ("mem", "W", 0x20, b"\x01", True),
                   ("range", 0x100, 0x200), ("wreg", 0x2F8, 7)]
    assert fails == []
    final = pc.finish()
    assert final == {"advice": ["ADVICE x"], "log": 7} and pc.finish() is final
    assert pc.advice() == ["ADVICE x"]
    pc._proc.join(5)
    assert not pc._proc.is_alive()


def test_many_events_in_batches_keep_order():
    pc, _, _ = _start()
    for i in range(3000):
        pc.issued((i, Request(did=1, iova=0x1000 * (i % 7), ttyp=TTYP.UNTRANSLATED_READ)))
    log = pc.query("log")
    assert [e[1] for e in log] == list(range(3000))
    pc.finish()


def test_failure_lines_come_back_in_order_before_the_answer():
    pc, fails, _ = _start()
    for i in range(500):
        pc.result(_res(i, pa=0xBAD if i % 7 == 0 else 0x8000_1000))
    pc.sync()
    assert fails == [f"MISMATCH seq {i}" for i in range(0, 500, 7)]
    pc.finish()


def test_capabilities_are_decoded_here_and_sent_only_when_accepted():
    pc, _, _ = _start()
    pc.set_capabilities(0x1234, True)
    assert pc.caps_value == 0x1234
    with pytest.raises(ValueError):
        pc.set_capabilities(0xBAD, True)
    assert pc.query("log") == [("caps", 0x1234)]
    pc.finish()


def test_a_port_without_causes_sees_none_on_its_faults():
    fails = []
    pc = ProcessChecker(FakeCore(), fail=fails.append, info=print, cause_on_port=False)
    res = _res(0, fault=True, cause=5, pa=0)
    pc.result(res)
    assert res.cause is None                        # as the in-process scoreboard sets it
    assert pc.query("log")[-1] == ("result", 0, 0x1000, True, None, 0)
    pc.finish()


def test_a_crash_is_one_line_and_later_questions_raise_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pc, fails, _ = _start(FakeCore(fail_on_result=3))
    for i in range(10):
        pc.result(_res(i))
    with pytest.raises(CheckerError) as e:
        pc.query("log")
    assert len(fails) == 1 and fails[0] == str(e.value)
    assert fails[0].startswith("CHECKER process crashed at event 4 (result): KeyError: ")
    assert "traceback in checker_crash.log" in fails[0]
    assert "Traceback" in (tmp_path / "checker_crash.log").read_text()
    pc.result(_res(11))                             # dropped, no second line
    assert pc.finish() is None and pc.advice() == [] and len(fails) == 1


def test_a_killed_child_is_one_line_not_a_hang():
    pc, fails, _ = _start()
    pc.issued((0, _res(0).req))
    pc.query("log")
    os.kill(pc._proc.pid, signal.SIGKILL)
    pc._proc.join(5)
    t0 = time.monotonic()
    with pytest.raises(CheckerError):
        pc.query("log")
    assert time.monotonic() - t0 < 5
    assert len(fails) == 1 and fails[0].startswith("CHECKER process ended unexpectedly (exit code -9)")
    for i in range(2000):                           # a full pipe's worth: never blocks
        pc.issued((i, _res(i).req))
    assert pc.finish() is None and len(fails) == 1


def test_the_crash_hook_of_the_sim_tests(monkeypatch):
    monkeypatch.setenv("IOMMU_CHECKER_CRASH_AT", "2")
    pc, fails, _ = _start()
    pc.issued((0, _res(0).req))
    pc.issued((1, _res(1).req))
    with pytest.raises(CheckerError):
        pc.sync()
    assert fails and "crash requested at event 2" in fails[0]


def test_requests_arrive_equal_and_shared_between_issue_and_answer():
    core = checker.CheckerCore(SimpleNamespace(), None, None)
    seen = []
    core.issued = lambda item: seen.append(item[1])
    core.result = lambda res: seen.append(res.req)
    req = Request(did=3, iova=0x5000, ttyp=TTYP.UNTRANSLATED_WRITE, pid=7, priv_s=True)
    checker._apply(core, (checker.ISSUED, 0, checker._req_fields(req)))
    checker._apply(core, (checker.RESULT, 0, checker._req_fields(req), 0, False, 0, 0x9000, 0.0, 1.0, None))
    assert seen[0] == req and seen[1] is seen[0] and type(seen[0].ttyp) is TTYP


def test_unknown_kind_is_refused_with_one_line():
    with pytest.raises(ValueError, match="IommuEnvCfg.checker='thread': use one of auto, process, inline"):
        checker.check_kind("thread")


def test_auto_takes_a_process_only_with_an_idle_core(monkeypatch):
    monkeypatch.setattr(checker, "idle_cpus", lambda: 1)
    assert checker.resolve_kind("auto") == "process"
    monkeypatch.setattr(checker, "idle_cpus", lambda: 0)
    assert checker.resolve_kind("auto") == "inline"
    assert checker.resolve_kind("process") == "process" and checker.resolve_kind("inline") == "inline"


def test_idle_cpus_counts_this_process():
    assert checker.idle_cpus() < len(os.sched_getaffinity(0))


def test_advice_before_the_end_leaves_the_checker_running():
    """A sequence asks for the findings so far (the vIOMMU stack attributes them to a layer
    at the end of its body): the child answers and goes on, so the end-of-test questions
    (interrupts, register audit) still get answers, and the final state comes once after."""
    pc, fails, _ = _start()
    pc.store64(0x100, 1)
    assert pc.advice() == ["ADVICE so far 1"]
    pc.store64(0x108, 2)
    assert pc.query("log")[-1] == ("store", 0x108, 2)       # still alive, still in order
    assert pc.finish()["advice"] == ["ADVICE x"]
    assert pc.advice() == ["ADVICE x"]                       # the final state's from now on
    assert fails == [] and pc.dead is None


def test_an_ats_request_keeps_no_write_and_exec_across_the_pipe():
    # the A/D judge walks an ATS translation request as a write only when it asked for write
    # permission (NW=0), so the checker process must get NW (and Exe) with the request
    from sequences.ats_items import ats_request
    for nw, exe in ((True, False), (False, True)):
        sent = ats_request(5, 0x4000_1000, pid=3, no_write=nw, exec_req=exe)
        got = checker._request(checker._req_fields(sent))
        assert (got.did, got.iova, int(got.ttyp), got.pid, got.no_write, got.exec_req) == \
            (5, 0x4000_1000, 8, 3, nw, exe)
