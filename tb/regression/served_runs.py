"""The simulator side of a run server (tb/regression/run_server.py): a cocotb test module whose
tests are empty slots. Each slot reads the next run from the request pipe, runs that pyuvm test
class as a run of its own would, and answers on the response pipe; with no request left, the
simulator ends. One simulator start and one set of imports then serve many runs.

What makes a served run like a run of its own: the run's folder is the working directory (its
files land there), what it prints goes to its own sim.log, its environment variables are set for
it alone, Python's `random` and cocotb.RANDOM_SEED are seeded as cocotb seeds a test,
and cocotb cancels every task the run started when its slot ends. What a server cannot give is
fresh HDL state outside reset (registers and arrays without reset keep the previous run's
values), so the regression runs again on its own every run that does not end as its entry
expects, and reports that run (tb/regression/run_one.py).
"""
from __future__ import annotations

import gc
import hashlib
import importlib
import json
import logging
import os
import random
import sys
import time

import cocotb
import cocotb.types._resolve
from cocotb.triggers import with_timeout
from cocotb.utils import get_sim_time
from cocotb._decorators import Test, TestGenerator

SLOTS = 2000                                # runs one simulator start serves at most
_REQ = os.environ.get("IOMMU_SERVER_REQUESTS", "")
_RSP = os.environ.get("IOMMU_SERVER_RESPONSES", "")
_pipes: list = []


def _open():
    if not _pipes:
        # opened in this order on both sides (a FIFO's open waits for its other end)
        _pipes.append(open(_REQ, encoding="utf-8"))
        _pipes.append(open(_RSP, "w", encoding="utf-8"))
    return _pipes


def _one_line(e: BaseException) -> str:
    lines = str(e).strip().splitlines()
    return lines[0] if lines else type(e).__name__


def _find(module: str, name: str) -> Test | None:
    """The cocotb test `name` of `module` (a pyuvm test class registers one under its class
    name), if a slot can run it as cocotb would: not one marked as an expected failure or
    skipped, which cocotb's regression handles around the test."""
    try:
        mod = importlib.import_module(module)
    except Exception as e:                  # noqa: BLE001 (the run of its own reports it)
        logging.getLogger("cocotb.regression").warning("cannot import %s: %s", module, e)
        return None
    for obj in list(vars(mod).values()):
        tests = [obj] if isinstance(obj, Test) else \
            obj.generate_tests() if isinstance(obj, TestGenerator) else ()
        for t in tests:
            if t.name == name:
                plain = not t.expect_fail and not t.expect_error and not t.skip
                return t if plain else None
    return None


async def _serve(dut) -> None:
    req, rsp = _open()
    line = req.readline()
    if not line:
        # no run left: end the simulator now, not after the remaining empty slots
        logging.shutdown()
        sys.stdout.flush()
        os._exit(0)
    run = json.loads(line)
    test = _find(run["module"], run["cls"])
    if test is None:
        rsp.write(json.dumps({"served": False}) + "\n")
        rsp.flush()
        return
    # The server's own heap (modules, cocotb, pyuvm: what every run shares) is frozen once,
    # so that the collector never scans it again; base_test then leaves the freezing alone,
    # and what a run leaves behind is collected before the next (a scan of that alone).
    gc.collect()
    if not gc.get_freeze_count():
        gc.freeze()
    home = os.getcwd()
    env = {**run["env"], "COCOTB_RANDOM_SEED": str(run["seed"])}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    os.chdir(run["folder"])
    # Everything the run prints (Python's loggers, pyuvm's, the simulator's own) goes where
    # a run of its own prints it: its sim.log.
    sys.stdout.flush()
    server_log = os.dup(1)
    log = os.open("sim.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(log, 1)
    os.close(log)
    t0, ns0 = time.time(), get_sim_time("ns")
    # A task the run started that raises makes cocotb end this slot from outside (the run
    # fails, as it would on its own): then only `finally` runs, with this answer.
    answer = {"ok": False, "message": f"{run['cls']}: ended by an exception in a task it started"}
    try:
        seed = run["seed"]
        logging.getLogger("cocotb.regression").info("Seeding Python random module with %d", seed)
        # as cocotb seeds each test: the regression seed plus a hash of the test's full name
        test_seed = seed + int(hashlib.sha1(test.fullname.encode()).hexdigest(), 16)
        random.seed(test_seed)
        cocotb.types._resolve._randomResolveRng.seed(test_seed)
        cocotb.RANDOM_SEED = test_seed
        body = test.func(cocotb.top, *test.args, **test.kwargs)
        if test.timeout is None:
            await body
        else:                                # the test's simulated-time limit, as cocotb sets it
            await with_timeout(body, *test.timeout)
        answer = {"ok": True, "message": ""}
    except Exception as e:                  # noqa: BLE001 (any failure ends this run only)
        answer = {"ok": False, "message": f"{run['cls']}: {_one_line(e)}"}
        logging.getLogger("cocotb.regression").warning("%s failed: %s", run["cls"], answer["message"])
    finally:
        sys.stdout.flush()
        os.dup2(server_log, 1)
        os.close(server_log)
        os.chdir(home)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        answer.update(seconds=time.time() - t0, sim_ns=round(get_sim_time("ns") - ns0, 3))
        rsp.write(json.dumps(answer) + "\n")
        rsp.flush()


def _slot(i: int):
    async def slot(dut) -> None:
        await _serve(dut)
    return cocotb.test(name=f"slot{i}")(slot)


for _i in range(SLOTS):
    globals()[f"slot{_i}"] = _slot(_i)
