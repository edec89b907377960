"""Runs with a known end, for the regression manager's own tests (tests/sim/test_farm.py):
one passes, one fails a check, one never returns from Python, one writes coverage."""
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
async def HangingCase(dut):
    await Timer(10, "ns")
    while True:          # a sequence stuck in Python: only the wall-clock limit ends it
        pass
