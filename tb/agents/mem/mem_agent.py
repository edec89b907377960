"""Memory agent: an AxiRam on m_axi backed by the DUT's own models.Memory.

- backdoor: software stores land in the DUT memory at once (and, through the env, in the
  oracle), as a hart's stores would;
- monitor: every implicit read and write the IOMMU makes is published on `ap` as a light tuple
  ("R"|"W", address, data bytes, ok) — reads per 8-byte beat;
- knobs: per-channel stall probability (back-pressure / latency) and bus-error ranges.
"""
from __future__ import annotations

import logging
import random

from cocotb.utils import get_sim_time
from cocotbext.axi import AxiBus, AxiRam
from pyuvm import uvm_analysis_port, uvm_component

from models import AccessFault, Memory
from tb.agents.mem.dut_memory import PA_SPACE, AxiMemoryView


def _stall_pattern(rng: random.Random, p: float):
    while True:
        yield int(rng.random() < p)


class MemAgent(uvm_component):
    def build_phase(self):
        self.ap = uvm_analysis_port("ap", self)
        self.mem = Memory()
        self.ram: AxiRam | None = None
        self.reads = 0
        self.writes = 0
        self.last_access_ns = 0.0

    def attach(self, dut, stall: float = 0.0, rng: random.Random | None = None) -> None:
        self.ram = AxiRam(AxiBus.from_prefix(dut, "m_axi"), dut.clk, dut.rst_n,
                          reset_active_level=False, size=PA_SPACE, mem=AxiMemoryView(self.mem))
        for log in (self.ram.write_if.log, self.ram.read_if.log):
            log.setLevel(logging.ERROR)     # per-beat INFO costs ~20%; failures are reported by us
        ap, mem = self.ap, self.mem
        read_if, write_if = self.ram.read_if, self.ram.write_if

        async def _read(address, length):
            self.reads += 1
            self.last_access_ns = get_sim_time("ns")
            try:
                data = mem.read(address, length)
            except Exception:
                ap.write(("R", address, b"", False))
                raise
            ap.write(("R", address, data, True))
            return data

        async def _write(address, data):
            self.writes += 1
            self.last_access_ns = get_sim_time("ns")
            try:
                mem.write(address, bytes(data))
            except AccessFault:
                ap.write(("W", address, bytes(data), False))
                raise
            ap.write(("W", address, bytes(data), True))

        read_if._read = _read
        write_if._write = _write
        if stall:
            rng = rng or random.Random(0)
            for ch in (read_if.ar_channel, read_if.r_channel, write_if.aw_channel,
                       write_if.w_channel, write_if.b_channel):
                ch.set_pause_generator(_stall_pattern(random.Random(rng.random()), stall))

    # -- backdoor ---------------------------------------------------------------------------
    def store64(self, pa: int, value: int) -> None:
        self.mem.write64(pa, value)

    def peek64(self, pa: int) -> int:
        """A backdoor read: never faults, whatever ranges are injected."""
        return int.from_bytes(self.mem.peek(pa, 8), "little")

    def set_access_fault(self, lo: int, hi: int) -> None:
        self.mem.set_access_fault(lo, hi)

