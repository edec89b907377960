"""`uvm_test`: makes a pyuvm test class a cocotb test, as pyuvm.test does, without its
inspect.stack() call. That call builds the whole stack with the source lines of every frame to
find the module being imported: a few milliseconds per class, paid at import by every run of a
module (tb/tests/scenario_tests.py has over 20 classes). The module is the caller's frame here.

Same result as pyuvm.test: a cocotb test named after the class, in the class's module, that
runs the class through uvm_root().run_test with pyuvm's defaults."""
from __future__ import annotations

import sys

import cocotb
from pyuvm import uvm_root


def uvm_test(timeout_time: float | None = None, timeout_unit: str = "step",
             expect_fail: bool = False):
    def decorator(cls):
        async def run(_dut):
            await uvm_root().run_test(cls)

        # cocotb names a test by its function's module and qualified name
        run.__module__, run.__qualname__, run.__name__ = cls.__module__, cls.__qualname__, cls.__name__
        run.__doc__ = cls.__doc__
        test = cocotb.test(timeout_time=timeout_time, timeout_unit=timeout_unit,
                           expect_fail=expect_fail, name=cls.__name__)(run)
        # cocotb collects the tests among the module's globals: put it in the caller's
        sys._getframe(1).f_globals[f"__{cls.__name__}"] = test
        return cls

    return decorator
