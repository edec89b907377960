"""Memory agent: an AxiRam on m_axi backed by the DUT's own models.Memory.

- backdoor: software stores land in the DUT memory at once (and, through the env, in the
  oracle), as a hart's stores would;
- monitor: every implicit read and write the IOMMU makes is published on `ap` as a light tuple
  ("R"|"W", address, data bytes, ok) — reads per 8-byte beat;
- knobs: per-channel stall probability (back-pressure / latency), bus-error ranges, and
  targeted read delays (`delay_reads`: the next reads of an address range are answered late,
  so a walk can be held between two of its reads while software acts).
"""
from __future__ import annotations

import logging
import random

import cocotb
from cocotb.triggers import Event, RisingEdge, Timer
from cocotb.utils import get_sim_time
from cocotbext.axi import AxiBus, AxiRam
from pyuvm import uvm_analysis_port, uvm_component

from models import AccessFault, Memory
from tb.agents.mem.dut_memory import PA_SPACE, AxiMemoryView
from tb.agents.signal_names import SignalNames


def _stall_pattern(rng: random.Random, p: float):
    """The stall of each cycle: independent, with probability p."""
    while True:
        yield int(rng.random() < p)


def stall_runs(pattern):
    """The per-cycle values of `pattern` as (value, cycles) runs: the same sequence, grouped."""
    value, n = next(pattern), 1
    for v in pattern:
        if v == value:
            n += 1
        else:
            yield value, n
            value, n = v, 1


async def drive_pause(channel, clock, clock_ns: float, pattern) -> None:
    """Set `channel.pause` to the pattern's value of every cycle, right after each rising
    edge as cocotbext-axi's own pause generator does, but waking once per run of equal values
    instead of once per cycle: a run of n > 1 cycles waits on a timer to the middle of its
    last cycle, then on the edge. (cocotbext-axi's generator is a coroutine resumed at every
    edge of each of the five channels: over half of all coroutine resumptions of a run.)"""
    edge = RisingEdge(clock)
    for value, n in stall_runs(pattern):
        channel.pause = value
        if n > 1:
            await Timer(int(round((n - 0.5) * clock_ns * 1000)), unit="ps")
        await edge


class MemAgent(uvm_component):
    def build_phase(self):
        self.ap = uvm_analysis_port("ap", self)
        self.mem = Memory()
        self.ram: AxiRam | None = None
        self.reads = 0
        self.writes = 0
        self.last_access_ns = 0.0
        self.delays: list = []          # [lo, hi, ns, reads left, Event], see delay_reads

    def delay_reads(self, lo: int, hi: int, ns: int, count: int = 1) -> Event:
        """The next `count` reads the IOMMU makes in [lo, hi) are answered `ns` late. The data
        is taken when the read arrives (the memory orders the read then; only the answer
        travels long), so a store made meanwhile is not seen by it. Returns an Event set
        when the first such read arrives (the IOMMU then waits for its answer)."""
        if hi <= lo or ns <= 0 or count <= 0:
            raise ValueError(f"delay_reads({lo:#x}, {hi:#x}, {ns}, {count}): empty range, "
                             f"delay or count")
        ev = Event()
        self.delays.append([lo, hi, ns, count, ev])
        return ev

    def cancel_delays(self) -> None:
        """Forget every delay not used yet."""
        self.delays.clear()

    def _delay_of(self, address: int) -> int:
        for d in self.delays:
            if d[0] <= address < d[1]:
                d[3] -= 1
                if d[3] == 0:
                    self.delays.remove(d)
                d[4].set()
                return d[2]
        return 0

    def attach(self, dut, stall: float = 0.0, rng: random.Random | None = None,
               clock_ns: float = 10.0) -> None:
        self.ram = AxiRam(AxiBus.from_prefix(SignalNames(dut), "m_axi"), dut.clk, dut.rst_n,
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
            if self.delays:
                ns = self._delay_of(address)
                if ns:
                    await Timer(ns, unit="ns")
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
                cocotb.start_soon(drive_pause(ch, dut.clk, clock_ns,
                                              _stall_pattern(random.Random(rng.random()), stall)))

    # -- backdoor ---------------------------------------------------------------------------
    def store64(self, pa: int, value: int) -> None:
        self.mem.write64(pa, value)

    def peek64(self, pa: int) -> int:
        """A backdoor read: never faults, whatever ranges are injected."""
        return int.from_bytes(self.mem.peek(pa, 8), "little")

    def set_access_fault(self, lo: int, hi: int) -> None:
        self.mem.set_access_fault(lo, hi)

