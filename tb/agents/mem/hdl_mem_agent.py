"""Memory agent over the HDL memory of the fast top (tb/hdl/axi_mem_model.v, instance u_mem).

Same interface as MemAgent (the AxiRam agent), without Python on the bus:
- backdoor: `store64` writes the word and its tag into u_mem at once (a VPI deposit without
  delay) and into `mem`, a models.Memory mirror that `peek64` reads;
- monitor: the IOMMU's writes are logged by the HDL in a ring buffer; a coroutine woken by a
  change of the write counter publishes them on `ap` as ("W", address, data bytes, ok), split
  per 8-byte beat into runs of enabled strobes as AxiRam does, and applies them to the mirror.
  Reads are served without Python and not published (the scoreboard uses writes only); `reads`
  counts them (read beats, from the HDL);
- knobs: stall probability (an LFSR in the HDL) and up to 4 bus-error ranges (SLVERR), checked
  per 8-byte word;
- between tests in one simulation, a new epoch empties the memory (no clearing loop);
- aliasing: the memory is direct-mapped (2^AW words, index hashed from the address); a store
  that would alias raises at once, an IOMMU access that aliases fails the test with one line.
"""
from __future__ import annotations

import random

import cocotb
from cocotb.handle import Immediate
from cocotb.triggers import ReadOnly
from cocotb.utils import get_sim_time
from pyuvm import uvm_analysis_port, uvm_component

from models import Memory

HASH_K = 0x9E3779B1              # axi_mem_model's HASH_K
MAX_FAULT_RANGES = 4
MASK64 = (1 << 64) - 1


def hdl_memory(dut):
    """u_mem of iommu_fast_top, directly or inside iommu_bench_top (u_top); None if absent."""
    for path in (("u_mem",), ("u_top", "u_mem")):
        h = dut
        try:
            for name in path:
                h = getattr(h, name)
        except AttributeError:
            continue
        return h
    return None


class HdlMemoryAlias(AssertionError):
    pass


class HdlMemAgent(uvm_component):
    aw = 20                      # log2 words of the HDL memory (u_mem's AW; read at attach)
    log_entries = 64             # u_mem's 2^LOGN

    def build_phase(self):
        self.ap = uvm_analysis_port("ap", self)
        self.mem = Memory()
        self.writes = 0
        self._u = None
        self._tag_of: dict[int, int] = {}      # index -> tag of the words in use
        self._early: list[tuple[int, int]] = []   # stores before attach
        self._faults: list[tuple[int, int]] = []
        self._wr_seen = 0
        self.alias_message: str | None = None

    # -- start-up -------------------------------------------------------------------------
    def delay_reads(self, lo: int, hi: int, ns: int, count: int = 1):
        raise RuntimeError("delay_reads needs the AxiRam memory agent (IOMMU_MEMORY=axiram): "
                           "the HDL memory answers reads without Python")

    def attach(self, dut, stall: float = 0.0, rng: random.Random | None = None,
               clock_ns: float = 10.0) -> None:
        u = hdl_memory(dut)
        if u is None:
            raise RuntimeError(f"IommuEnvCfg.memory='hdl' needs a build of iommu_fast_top or "
                               f"iommu_bench_top (tb/hdl/fast_top.f, bench_top.f); the toplevel is "
                               f"{dut._name}")
        self._u = u
        try:
            self.aw = int(u.AW.value)
            self.log_entries = 1 << int(u.LOGN.value)
        except AttributeError:
            pass                                 # parameters not visible: the defaults above
        self._words, self._tags = u.words, u.tags
        self._words_h: dict[int, object] = {}
        self._tags_h: dict[int, object] = {}
        self._wr_count, self._rd_count = u.wr_count, u.rd_count
        self._seen_counts, self._seen_at = None, 0.0
        self._alias_error, self._alias_addr, self._wlog = u.alias_error, u.alias_addr, u.wlog
        # A new epoch empties the memory (words of earlier tests in this simulation are invalid);
        # the sticky flags and the fault ranges start clear.
        self._epoch = int(u.epoch.value) % 0xFFFF + 1
        u.epoch.value = Immediate(self._epoch)
        u.r_alias.value = Immediate(0)
        u.w_alias.value = Immediate(0)
        for k in range(MAX_FAULT_RANGES):
            self._program_range(k, 0, 0)
        thresh = min(int(round(stall * 65536)), 65535) if stall > 0 else 0
        u.stall_thresh.value = Immediate(thresh)
        if thresh:
            u.lfsr.value = Immediate(((rng or random.Random(0)).getrandbits(16)) | 1)
        for k, (lo, hi) in enumerate(self._faults):
            self._program_range(k, lo, hi)
        for pa, value in self._early:
            self._deposit(pa, value)
        self._early.clear()
        self._wr_seen = int(self._wr_count.value)
        cocotb.start_soon(self._watch_writes())
        cocotb.start_soon(self._watch_alias())

    # -- address mapping (must match axi_mem_model.idx_of) ---------------------------------
    def index_tag(self, pa: int) -> tuple[int, int]:
        aw = self.aw
        hi = (pa >> (aw + 3)) & ((1 << (53 - aw)) - 1)
        idx = ((pa >> 3) ^ (hi * HASH_K)) & ((1 << aw) - 1)
        return idx, hi

    def address_of(self, idx: int, tag: int) -> int:
        return (tag << (self.aw + 3)) | (((idx ^ (tag * HASH_K)) & ((1 << self.aw) - 1)) << 3)

    def alias_of(self, pa: int) -> int:
        """Another address that shares pa's word (for tests of the alias check)."""
        idx, tag = self.index_tag(pa)
        return self.address_of(idx, tag ^ 1) | (pa & 7)

    def plant_tag(self, pa: int, other: int) -> None:
        """Mark pa's word as holding `other` (same word): a test of the HDL's alias check."""
        idx, tag = self.index_tag(other)
        assert idx == self.index_tag(pa)[0], f"{other:#x} does not share the word of {pa:#x}"
        tw = 53 - self.aw
        self._tag_of[idx] = tag
        self._tags[idx].value = Immediate((1 << (tw + 16)) | (self._epoch << tw) | tag)

    def _deposit(self, pa: int, value: int) -> None:
        idx, tag = self.index_tag(pa)
        old = self._tag_of.get(idx)
        if old is not None and old != tag:
            raise HdlMemoryAlias(f"HDL memory alias: store to {pa:#x} lands on the word of "
                                 f"{self.address_of(idx, old):#x} "
                                 f"(2^{self.aw} words, direct-mapped); move one of them or raise MEM_AW")
        w = self._words_h.get(idx)
        if w is None:
            w = self._words_h[idx] = self._words[idx]
            self._tags_h[idx] = self._tags[idx]
        w.value = Immediate(value & MASK64)
        if old is None:
            self._tag_of[idx] = tag
            tw = 53 - self.aw
            self._tags_h[idx].value = Immediate((1 << (tw + 16)) | (self._epoch << tw) | tag)

    # -- backdoor (the MemAgent interface) --------------------------------------------------
    def store64(self, pa: int, value: int) -> None:
        if pa & 7:
            raise ValueError(f"store64: unaligned address {pa:#x}")
        self.mem.write64(pa, value)              # raises AccessFault in an injected range, as MemAgent
        if self._u is None:
            self._early.append((pa, value))
        else:
            self._deposit(pa, value)

    def peek64(self, pa: int) -> int:
        """A backdoor read (of the mirror, which also holds the IOMMU's writes): never faults."""
        return int.from_bytes(self.mem.peek(pa, 8), "little")

    def set_access_fault(self, lo: int, hi: int) -> None:
        if len(self._faults) >= MAX_FAULT_RANGES:
            raise ValueError(f"set_access_fault: the HDL memory holds {MAX_FAULT_RANGES} ranges; "
                             f"[{lo:#x}, {hi:#x}) is one too many (use IOMMU_MEMORY=axiram)")
        self.mem.set_access_fault(lo, hi)
        self._faults.append((lo, hi))
        if self._u is not None:
            self._program_range(len(self._faults) - 1, lo, hi)

    def _program_range(self, k: int, lo: int, hi: int) -> None:
        self._u.err_lo[k].value = Immediate(lo & MASK64)
        self._u.err_hi[k].value = Immediate(hi & MASK64)

    # -- what the env reads ------------------------------------------------------------------
    @property
    def last_access_ns(self) -> float:
        """When the IOMMU's memory traffic last moved, as far as the callers' polls can tell:
        the time of the first poll that saw the beat counters change (never earlier than the
        access, so a quiet period measured from it is never too short)."""
        if self._u is None:
            return 0.0
        counts = (int(self._rd_count.value), int(self._wr_count.value))
        if counts != self._seen_counts:
            self._seen_counts, self._seen_at = counts, get_sim_time("ns")
        return self._seen_at

    @property
    def reads(self) -> int:
        return int(self._rd_count.value) if self._u is not None else 0

    # -- monitor -----------------------------------------------------------------------------
    async def _watch_writes(self) -> None:
        cnt, wlog, n_log = self._wr_count, self._wlog, self.log_entries
        while True:
            await cnt.value_change
            await ReadOnly()                     # every update of this edge has landed
            now = int(cnt.value)
            new = (now - self._wr_seen) & 0xFFFF_FFFF
            if new > n_log:
                raise AssertionError(f"HDL memory write log overran: {new} writes since the last wake "
                                     f"(log of {n_log})")
            for k in range(self._wr_seen, self._wr_seen + new):
                self._publish(wlog[k % n_log].value.to_unsigned())
            self._wr_seen = now
            self.check_alias()

    def _publish(self, entry: int) -> None:
        data = (entry & MASK64).to_bytes(8, "little")
        addr = (entry >> 64) & MASK64
        strb = (entry >> 128) & 0xFF
        ok = bool(entry >> 136)
        i = 0
        while i < 8:                             # one op per run of enabled byte lanes
            if not strb >> i & 1:
                i += 1
                continue
            j = i
            while j < 8 and strb >> j & 1:
                j += 1
            chunk = data[i:j]
            self.writes += 1
            if ok:
                self.mem.poke(addr + i, chunk)
                self._tag_of.setdefault(*self.index_tag(addr))
            self.ap.write(("W", addr + i, chunk, ok))
            i = j

    async def _watch_alias(self) -> None:
        await self._alias_error.value_change
        await ReadOnly()                         # alias_addr too
        self.check_alias()

    def check_alias(self) -> None:
        """Raise (failing the test) with one line if the HDL memory saw an aliasing access."""
        if self.alias_message:
            raise HdlMemoryAlias(self.alias_message)
        if self._u is not None and str(self._alias_error.value) == "1":
            addr = self._alias_addr.value.to_unsigned()
            idx, _ = self.index_tag(addr)
            tag = self._tag_of.get(idx)
            other = "" if tag is None else f" (word in use by {self.address_of(idx, tag):#x})"
            self.alias_message = (f"HDL memory alias: IOMMU access to {addr:#x} maps to a word holding "
                                  f"another address{other}; 2^{self.aw} words direct-mapped: move the "
                                  f"structure or use IOMMU_MEMORY=axiram")
            self.logger.error(self.alias_message)
            raise HdlMemoryAlias(self.alias_message)

    def check_phase(self):
        self.check_alias()
