"""Runs with a known end, for the regression manager's own tests (tests/sim/test_farm.py,
test_run_server.py): one passes, one fails a check, one fails in a task it started, one never
returns from Python."""
import cocotb
from cocotb.triggers import Timer


@cocotb.test()
async def PassingCase(dut):
    await Timer(10, "ns")


@cocotb.test()
async def FailingCase(dut):
    await Timer(10, "ns")
    dut._log.error("MISMATCH translate did=1 iova=0x1000 got=pa:0x2000 permitted={pa:0x3000}")
    assert False, "1 check(s) failed; first: MISMATCH translate did=1"


@cocotb.test()
async def TaskFailingCase(dut):
    async def monitor():
        await Timer(5, "ns")
        raise AssertionError("MISMATCH from a monitor task")
    cocotb.start_soon(monitor())
    await Timer(50, "ns")


@cocotb.test()
async def HangingCase(dut):
    await Timer(10, "ns")
    while True:          # a sequence stuck in Python: only the wall-clock limit ends it
        pass
