"""The downstream target of an AXI4 DMA front (m_dma_* of riscv_iommu_axi): where translated
device accesses arrive.

- AR / AW are accepted with optional random ready stalls (`stall`: probability that ready is
  low in a cycle, drawn from `rng`);
- every accepted address is logged and handed to `on_addr(axid, addr, is_write, beat)` at once,
  so the BFM on the upstream port can tell which physical address its transaction reached;
- reads are answered with `data_at(address of the beat)` (deterministic, so the upstream side
  can check the data came back intact), RRESP=OKAY, rlast on the last beat;
- writes take their W beats (logged with data and strobes) and answer BRESP=OKAY with the AW's ID.

Reads and writes run in two coroutines. Each sleeps on RisingEdge(arvalid / awvalid) while its
channel is idle, and wakes on clock edges only while a transaction of its own is in progress.
After a wake-up on a valid signal it drives from the falling edge (never mid-step).
"""
from __future__ import annotations

import random
from collections import deque
from typing import Callable, NamedTuple, Optional

import cocotb
from cocotb.triggers import FallingEdge, RisingEdge
from cocotb.utils import get_sim_time

MASK64 = (1 << 64) - 1
RESP_OKAY = 0
LOG_KEPT = 4096


def data_at(addr: int) -> int:
    """The 64-bit word the target returns for a read beat at `addr` (any address, no memory)."""
    x = (addr * 0x9E37_79B9_7F4A_7C15 + 0x0123_4567_89AB_CDEF) & MASK64
    return x ^ (x >> 29)


class Beat(NamedTuple):
    """One address-channel transfer as the target saw it."""
    axid: int
    addr: int
    is_write: bool
    len: int
    size: int
    burst: int
    prot: int
    time_ns: float
    cache: Optional[int] = None    # AxCACHE, when the port has it (the memory type, Svpbmt)


class DmaTarget:
    # Inputs of the DUT on the downstream side, i.e. what this model drives.
    DRIVEN = ("awready", "wready", "bid", "bresp", "bvalid", "arready", "rid", "rdata", "rresp",
              "rlast", "rvalid")

    def __init__(self, dut, prefix: str = "m_dma", stall: float = 0.0,
                 rng: Optional[random.Random] = None,
                 on_addr: Optional[Callable[[int, int, bool, Beat], None]] = None) -> None:
        self.clk = dut.clk
        self.prefix = prefix

        def sig(name):
            return getattr(dut, f"{prefix}_{name}")

        self.ar = {n: sig("ar" + n) for n in ("id", "addr", "len", "size", "burst", "prot")}
        self.aw = {n: sig("aw" + n) for n in ("id", "addr", "len", "size", "burst", "prot")}
        # AxCACHE is optional: an AXI front that maps Svpbmt memory types onto it
        # (docs/dut-interface.md) has it, others need not
        for a, fields in (("ar", self.ar), ("aw", self.aw)):
            try:
                fields["cache"] = sig(a + "cache")
            except AttributeError:
                pass
        self.arvalid, self.arready = sig("arvalid"), sig("arready")
        self.awvalid, self.awready = sig("awvalid"), sig("awready")
        self.wdata, self.wstrb, self.wlast = sig("wdata"), sig("wstrb"), sig("wlast")
        self.wvalid, self.wready = sig("wvalid"), sig("wready")
        self.bid, self.bresp, self.bvalid, self.bready = (sig("bid"), sig("bresp"), sig("bvalid"),
                                                          sig("bready"))
        self.rid, self.rdata, self.rresp, self.rlast = (sig("rid"), sig("rdata"), sig("rresp"),
                                                        sig("rlast"))
        self.rvalid, self.rready = sig("rvalid"), sig("rready")
        self.stall = stall
        self.rng = rng or random.Random(0)
        self.on_addr = on_addr
        # the latest LOG_KEPT accepted AR / AW, in order, and writes (AW, [(data, strb, last)])
        self.addrs: deque = deque(maxlen=LOG_KEPT)
        self.writes: deque = deque(maxlen=LOG_KEPT)
        self.reads_done = 0
        self.errors: list[str] = []                       # protocol problems seen here
        self.stall_cycles = 0                             # cycles a valid address waited on ready
        self._tasks = []

    @staticmethod
    def drive_reset_values(dut, prefix: str = "m_dma") -> None:
        for name in DmaTarget.DRIVEN:
            getattr(dut, f"{prefix}_{name}").value = 0

    def start(self) -> None:
        for h in (self.arready, self.awready, self.wready, self.bvalid, self.rvalid):
            h.value = 0
        self._tasks = [cocotb.start_soon(self._reads()), cocotb.start_soon(self._writes())]

    def _ready(self) -> int:
        return int(not self.stall or self.rng.random() >= self.stall)

    def _error(self, msg: str) -> None:
        self.errors.append(msg)
        raise AssertionError(f"DmaTarget ({self.prefix}): {msg}")

    async def _accept(self, valid, ready, fields: dict, is_write: bool) -> Beat:
        """Wait for valid, hold ready (with stalls) until the handshake; returns the transfer."""
        edge = RisingEdge(self.clk)
        if str(valid.value) != "1":          # 0, or X before the DUT's reset has taken hold
            await RisingEdge(valid)
            await FallingEdge(self.clk)
        while True:
            r = self._ready()
            ready.value = r
            await edge
            if r and valid.value:
                break
            if valid.value:
                self.stall_cycles += 1
        ready.value = 0
        beat = Beat(int(fields["id"].value), int(fields["addr"].value), is_write,
                    int(fields["len"].value), int(fields["size"].value),
                    int(fields["burst"].value), int(fields["prot"].value), get_sim_time("ns"),
                    int(fields["cache"].value) if "cache" in fields else None)
        self.addrs.append(beat)
        if self.on_addr is not None:
            self.on_addr(beat.axid, beat.addr, is_write, beat)
        return beat

    @staticmethod
    def beat_addr(beat: Beat, i: int) -> int:
        """Address of beat i of a burst (FIXED / INCR; WRAP is not used by the testbench)."""
        if beat.burst == 0:
            return beat.addr
        step = 1 << beat.size
        return (beat.addr & ~(step - 1)) + i * step

    async def _reads(self) -> None:
        edge = RisingEdge(self.clk)
        while True:
            ar = await self._accept(self.arvalid, self.arready, self.ar, False)
            # Right after the handshake edge: drive the first beat.
            for i in range(ar.len + 1):
                self.rid.value = ar.axid
                self.rdata.value = data_at(self.beat_addr(ar, i) & ~7)
                self.rresp.value = RESP_OKAY
                self.rlast.value = int(i == ar.len)
                self.rvalid.value = 1
                while True:
                    await edge
                    if self.rready.value:
                        break
            self.rvalid.value = 0
            self.reads_done += 1

    async def _writes(self) -> None:
        edge = RisingEdge(self.clk)
        while True:
            aw = await self._accept(self.awvalid, self.awready, self.aw, True)
            beats = []
            self.wready.value = 1
            while True:
                await edge
                if self.wvalid.value:
                    last = int(self.wlast.value)
                    beats.append((int(self.wdata.value), int(self.wstrb.value), last))
                    if last or len(beats) > aw.len:
                        break
            self.wready.value = 0
            if len(beats) != aw.len + 1 or not beats[-1][2]:
                self._error(f"write ID {aw.axid} at {aw.addr:#x}: expected {aw.len + 1} W beats "
                            f"with wlast on the last, got {len(beats)} (last wlast={beats[-1][2]})")
            self.writes.append((aw, beats))
            self.bid.value = aw.axid
            self.bresp.value = RESP_OKAY
            self.bvalid.value = 1
            while True:
                await edge
                if self.bready.value:
                    break
            self.bvalid.value = 0
