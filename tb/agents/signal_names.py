"""A DUT handle whose list of names is read once, for cocotb-bus's signal look-up.

cocotbext-axi binds a bus by prefix through cocotb-bus, which finds each signal, and tests
each optional one, by scanning dir() of the DUT's handle with a case-insensitive compare:
~80 scans of every name of the toplevel per AXI port, about 0.17 s of each run's start on
riscv_iommu. The names do not change during a run, so one scan serves them all.
"""
from __future__ import annotations


class SignalNames:
    """Stands for `handle` in Bus/AxiBus.from_prefix: dir() is the handle's, computed once;
    every attribute (signals, _log, ...) is the handle's own."""

    def __init__(self, handle) -> None:
        self._handle = handle
        self._names = dir(handle)

    def __dir__(self):
        return self._names

    def __getattr__(self, name):
        return getattr(self._handle, name)
