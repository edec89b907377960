"""Bus functional model of an AXI4 DMA port in front of an IOMMU (s_dma_* of riscv_iommu_axi),
with the same interface as DevBfm (tb/agents/dev/dev_bfm.py), so the environment can use either.

A models.Request becomes one AXI4 transaction, a single 8-byte beat at the IOVA aligned down to
8 bytes (INCR, AxSIZE=3, AxLEN=0):
- ttyp 1 (untranslated exec): an AR with AxPROT[2]=1 (instruction);
- ttyp 2 (untranslated read): an AR;
- ttyp 3 (untranslated write): an AW and one W beat (strobes from the IOVA's byte offset up);
- AxPROT[0] = priv_s (privileged), AxPROT[1] = 0; the sideband carries did (stream_id),
  pid is not None (ss_id_valid) and pid (substream_id).
Translated requests (5/6/7), ATS translation requests (8) and PCIe messages (9) cannot be said
on such a port: `can_express(req)` is False and `submit` raises ValueError.

The result handed to the callback (sequences.items.TranslationResult):
- OKAY / EXOKAY: fault=False, pa = the AxADDR the downstream target (dma_target.DmaTarget on
  m_dma_*) received for that transaction plus the IOVA's low 3 bits, cause=0;
- SLVERR / DECERR: fault=True, pa=0, cause=None (the port does not carry the cause; it is in the
  fault-queue record in memory).
Upstream and downstream are matched by AXI ID: every request in flight has its own ID (IDs are
handed out in rotation, so consecutive requests use different IDs). The `tag` of the result and
the keys of `inflight` are those IDs.

Checked here, each failure raising one line (expected vs got): a response ID with no request in
flight or of the other kind; a single-beat read answered with more than one beat; OKAY for a
transaction that never reached the downstream port; an error response for one that did (the
target answers OKAY); a downstream transaction whose LEN/SIZE/BURST/PROT differ from the
upstream ones.

Python is off idle clock edges: one coroutine drives the address and W channels and samples R
and B in the same clock loop; it sleeps on an Event when there is no work, and on the rising
edge of the relevant ready / valid signals while it only waits (a walk, a stalled channel).
"""
from __future__ import annotations

import random
from collections import deque
from typing import Optional

import cocotb
from cocotb.triggers import FallingEdge, First, RisingEdge
from cocotb.utils import get_sim_time

from models import Request
from sequences.items import TranslationResult
from tb.agents.port_queue import PortQueue
from tb.agents.dma.dma_target import Beat, DmaTarget

TTYP_EXEC, TTYP_READ, TTYP_WRITE = 1, 2, 3
PROT_PRIV, PROT_INSN = 1, 4              # AxPROT[0] privileged, AxPROT[2] instruction
SIZE_8B, BURST_INCR = 3, 1
RESP_NAMES = ("OKAY", "EXOKAY", "SLVERR", "DECERR")
DATA_KEPT = 4096                         # data words kept per BFM (bfm.data), the latest ones

SIDEBAND_NAMES = ("ar_stream_id", "ar_ss_id_valid", "ar_substream_id",
                  "aw_stream_id", "aw_ss_id_valid", "aw_substream_id")
# Inputs of the DUT on the upstream side that the BFM drives (sideband apart).
UPSTREAM_DRIVEN = ("awid", "awaddr", "awlen", "awsize", "awburst", "awprot", "awvalid",
                   "wdata", "wstrb", "wlast", "wvalid", "bready",
                   "arid", "araddr", "arlen", "arsize", "arburst", "arprot", "arvalid", "rready")


# AxCACHE on the upstream port (when the DUT has it): what the device asks for, and what the
# forwarded access carries for each memory type (docs/dut-interface.md, "Memory types on the
# AXI front"): PMA keeps the device's value, NC is Normal Non-cacheable Bufferable, IO Device
# Non-bufferable. The device's value is none of the other two, so the type can be told apart.
DEVICE_CACHE = 0b1111
CACHE_PBMT = {DEVICE_CACHE: 0, 0b0011: 1, 0b0000: 2}


def default_sideband(prefix: str = "s_dma") -> dict:
    return {name: f"{prefix}_{name}" for name in SIDEBAND_NAMES}


def drive_reset_values(dut, prefix: str = "s_dma", down_prefix: str = "m_dma",
                       sideband: Optional[dict] = None) -> None:
    """Every DUT input of the upstream port (with its sideband) and of the downstream port that
    the testbench owns, at 0 / idle: for the env to call while reset is held."""
    for name in UPSTREAM_DRIVEN:
        getattr(dut, f"{prefix}_{name}").value = 0
    for a in ("ar", "aw"):                       # optional: held at the device's value
        try:
            getattr(dut, f"{prefix}_{a}cache").value = DEVICE_CACHE
        except AttributeError:
            pass
    for sig in (sideband or default_sideband(prefix)).values():
        getattr(dut, sig).value = 0
    DmaTarget.drive_reset_values(dut, down_prefix)


def write_data(req: Request, seq: int) -> int:
    """The 64-bit word a write request carries (deterministic, different per request)."""
    word = 0xD0_0000_0000_0000 | (seq & 0xFFFF) << 36 | (req.iova & 0xF_FFFF_FFFF)
    return word ^ (req.did << 8)


class _Chan:
    """Handles of one address channel (AR or AW) and its sideband."""

    def __init__(self, dut, prefix: str, a: str, sideband: dict) -> None:
        def sig(name):
            return getattr(dut, f"{prefix}_{a}{name}")
        self.id, self.addr, self.len = sig("id"), sig("addr"), sig("len")
        self.size, self.burst, self.prot = sig("size"), sig("burst"), sig("prot")
        self.valid, self.ready = sig("valid"), sig("ready")
        self.sid = getattr(dut, sideband[f"{a}_stream_id"])
        self.ssv = getattr(dut, sideband[f"{a}_ss_id_valid"])
        self.ssid = getattr(dut, sideband[f"{a}_substream_id"])


class AxiDmaBfm(PortQueue):
    UNSUPPORTED_TTYPS = frozenset({5, 6, 7, 8, 9})      # translated, ATS, PCIe messages
    EXPRESSIBLE_TTYPS = frozenset({TTYP_EXEC, TTYP_READ, TTYP_WRITE})
    drive_reset_values = staticmethod(drive_reset_values)

    @staticmethod
    def can_express(req: Request) -> bool:
        """Can this request be said on an AXI4 DMA port? Only untranslated exec/read/write."""
        return int(req.ttyp) in AxiDmaBfm.EXPRESSIBLE_TTYPS

    def __init__(self, dut, prefix: str = "s_dma", down_prefix: Optional[str] = "m_dma",
                 sideband: Optional[dict] = None, id_width: int = 4, max_outstanding: int = 1,
                 rng: Optional[random.Random] = None, rsp_stall: float = 0.0,
                 down_stall: float = 0.0, **ignored) -> None:
        self.clk = dut.clk
        self.prefix = prefix
        sb = default_sideband(prefix)
        sb.update(sideband or {})
        self.ar = _Chan(dut, prefix, "ar", sb)
        self.aw = _Chan(dut, prefix, "aw", sb)

        def sig(name):
            return getattr(dut, f"{prefix}_{name}")
        self.wdata, self.wstrb, self.wlast = sig("wdata"), sig("wstrb"), sig("wlast")
        self.wvalid, self.wready = sig("wvalid"), sig("wready")
        self.rid, self.rdata, self.rresp, self.rlast = (sig("rid"), sig("rdata"), sig("rresp"),
                                                        sig("rlast"))
        self.rvalid, self.rready = sig("rvalid"), sig("rready")
        self.bid, self.bresp, self.bvalid, self.bready = (sig("bid"), sig("bresp"), sig("bvalid"),
                                                          sig("bready"))
        self.n_ids = 1 << id_width
        self.max_outstanding = max(1, min(max_outstanding, self.n_ids))
        self.rsp_stall = rsp_stall             # probability of rready/bready low in a cycle
        self.rng = rng or random.Random(0)
        # The downstream target that reports where each transaction arrived (None: the caller
        # places its own and calls note_downstream).
        self.target: Optional[DmaTarget] = None
        if down_prefix is not None:
            self.target = DmaTarget(dut, down_prefix, stall=down_stall,
                                    rng=random.Random(self.rng.random()),
                                    on_addr=self.note_downstream)
        self._init_queue()                     # inflight is keyed by AXI ID
        # per ID while in flight
        self.free_ids = deque(range(self.n_ids))
        self._sent: dict[int, tuple] = {}      # ID -> (is_write, AxADDR, AxPROT, data)
        self._down: dict[int, Beat] = {}       # ID -> what reached the downstream port
        self._rbeats: dict[int, list] = {}     # ID -> [(data, resp)] of a read
        # seq_no -> the data word of the transaction: R data received, or W data sent (the
        # last DATA_KEPT transactions)
        self.data: dict[int, int] = {}
        # channel state of the clock loop
        self._ar_on = None                     # (entry, ID) driven on AR, not yet accepted
        self._aw_on = None
        self._ar_valid = self._aw_valid = False
        self._wq: deque = deque()              # (ID, data, strb) W beats still to send, AW order
        self._w_on = False                     # the head of _wq is on the bus
        self._rsp_ready = 1
        self.edges = 0                         # clock edges the loop has waited for (diagnostic)
        self._task = None

    # ---------------------------------------------------------------- DevBfm's interface
    def start(self) -> None:
        for ch in (self.ar, self.aw):
            ch.valid.value = 0
        self.wvalid.value = 0
        self.rready.value = self.bready.value = self._rsp_ready = 1
        if self.target is not None:
            self.target.start()
        self._task = cocotb.start_soon(self._run())

    # ---------------------------------------------------------------- downstream side
    def note_downstream(self, axid: int, addr: int, is_write: bool, beat: Beat) -> None:
        """Called by the target when an AR / AW has arrived on the downstream port."""
        if axid in self._down:
            self._fail(f"second downstream {'AW' if is_write else 'AR'} for ID {axid} "
                       f"(at {addr:#x}) before the first one's response came back upstream")
        self._down[axid] = beat

    # ---------------------------------------------------------------- driving
    def _fail(self, msg: str) -> None:
        raise AssertionError(f"AxiDmaBfm ({self.prefix}): {msg}")

    def _drive_addr(self, ch: _Chan, req: Request, axid: int, prot: int) -> None:
        ch.id.value = axid
        ch.addr.value = req.iova & ~7
        ch.len.value = 0
        ch.size.value = SIZE_8B
        ch.burst.value = BURST_INCR
        ch.prot.value = prot
        ch.sid.value = req.did
        ch.ssv.value = int(req.pid is not None)
        ch.ssid.value = req.pid or 0
        ch.valid.value = 1

    def _assign(self) -> bool:
        """Lower the valids of accepted transfers; put the next request on its free channel.
        Returns True if something new is driven (the DUT has not seen it at an edge yet)."""
        newly = False
        if self._ar_on is None and self._ar_valid:
            self.ar.valid.value = 0
            self._ar_valid = False
        if self._aw_on is None and self._aw_valid:
            self.aw.valid.value = 0
            self._aw_valid = False
        if not self._w_on:
            if self._wq:
                _, data, strb = self._wq[0]
                self.wdata.value = data
                self.wstrb.value = strb
                self.wlast.value = 1
                self.wvalid.value = 1
                self._w_on = newly = True
        # in order: only the first request not already on a channel may go next
        driving = len(self.inflight) + (self._ar_on is not None) + (self._aw_on is not None)
        if driving < self.max_outstanding and self.free_ids:
            entry = None
            for e in self.pending:
                if (self._ar_on is None or e is not self._ar_on[0]) and \
                        (self._aw_on is None or e is not self._aw_on[0]):
                    entry = e
                    break
            if entry is not None:
                req = entry[0]
                ttyp = int(req.ttyp)
                prot = PROT_PRIV if req.priv_s else 0
                if ttyp == TTYP_WRITE and self._aw_on is None:
                    axid = self.free_ids.popleft()
                    self._drive_addr(self.aw, req, axid, prot)
                    data = write_data(req, self.issued + driving)
                    strb = (0xFF << (req.iova & 7)) & 0xFF
                    self._wq.append((axid, data, strb))
                    self._sent[axid] = (True, req.iova & ~7, prot, data)
                    self._aw_on, self._aw_valid, newly = (entry, axid), True, True
                elif ttyp != TTYP_WRITE and self._ar_on is None:
                    axid = self.free_ids.popleft()
                    if ttyp == TTYP_EXEC:
                        prot |= PROT_INSN
                    self._drive_addr(self.ar, req, axid, prot)
                    self._sent[axid] = (False, req.iova & ~7, prot, None)
                    self._rbeats[axid] = []
                    self._ar_on, self._ar_valid, newly = (entry, axid), True, True
        return newly

    def _accept(self, on, now: float) -> None:
        entry, axid = on
        for i, e in enumerate(self.pending):
            if e is entry:
                del self.pending[i]
                break
        self._accepted(axid, entry[0], entry[1], now)

    async def _run(self) -> None:
        edge = RisingEdge(self.clk)
        quiet = False      # at the last edge nothing moved: no handshake, no response offered
        while True:
            newly = self._assign()
            if not newly and not (self.pending or self.inflight or self._wq):
                self._wake.clear()
                await self._wake.wait()
                # Woken from another coroutine, possibly in the time step of a rising edge the
                # DUT has already sampled: drive from the falling edge, never mid-step. Nothing
                # is driven or expected now, so an edge passing meanwhile loses nothing.
                await FallingEdge(self.clk)
                quiet = False
                continue
            if quiet and not newly:
                # Only waiting (a walk, a stalled channel): sleep until a ready of a driven
                # channel or a response valid rises, or new work comes. Anything that could
                # move at an edge rises before that edge, so the next edge awaited below is the
                # first one where something can happen; nothing is driven before it.
                trig = [RisingEdge(self.rvalid), RisingEdge(self.bvalid)]
                if self._ar_on is not None:
                    trig.append(RisingEdge(self.ar.ready))
                if self._aw_on is not None:
                    trig.append(RisingEdge(self.aw.ready))
                if self._w_on:
                    trig.append(RisingEdge(self.wready))
                self._wake.clear()
                trig.append(self._wake.wait())
                await First(*trig)
            await edge
            self.edges += 1
            quiet = self._sample(get_sim_time("ns"))
            if self.rsp_stall:          # right after the edge: the next cycle's rready / bready
                want = int(self.rng.random() >= self.rsp_stall)
                if want != self._rsp_ready:
                    self.rready.value = self.bready.value = self._rsp_ready = want

    def _sample(self, now: float) -> bool:
        quiet = True
        if self._ar_on is not None and self.ar.ready.value:
            self._accept(self._ar_on, now)
            self._ar_on, quiet = None, False
        if self._aw_on is not None and self.aw.ready.value:
            self._accept(self._aw_on, now)
            self._aw_on, quiet = None, False
        if self._w_on and self.wready.value:
            self._wq.popleft()
            self._w_on, quiet = False, False
            self.wvalid.value = 0
        if self.rvalid.value:
            quiet = False
            if self._rsp_ready:
                self._r_beat(now)
        if self.bvalid.value:
            quiet = False
            if self._rsp_ready:
                axid, resp = int(self.bid.value), int(self.bresp.value)
                self._complete(axid, True, resp, now)
        return quiet

    # ---------------------------------------------------------------- responses
    def _r_beat(self, now: float) -> None:
        axid = int(self.rid.value)
        beats = self._rbeats.get(axid)
        if axid not in self.inflight or beats is None:
            self._fail(f"R beat with ID {axid}: expected one of the reads in flight "
                       f"{sorted(k for k in self.inflight if k in self._rbeats)}, got none")
        beats.append((int(self.rdata.value), int(self.rresp.value)))
        if not int(self.rlast.value):
            self._fail(f"R beat {len(beats) - 1} of ID {axid}: expected rlast=1 on a single-beat "
                       f"read, got 0")
        data, resp = beats[0]
        self._complete(axid, False, resp, now, data)

    def _complete(self, axid: int, is_write: bool, resp: int, now: float,
                  rdata: Optional[int] = None) -> None:
        entry = self.inflight.pop(axid, None)
        sent = self._sent.pop(axid, None)
        if entry is None or sent is None or sent[0] != is_write:
            self._fail(f"{'B' if is_write else 'R'} with ID {axid}: expected a "
                       f"{'write' if is_write else 'read'} in flight with that ID, got "
                       f"{'none' if entry is None else 'a ' + ('write' if sent[0] else 'read')}")
        self._rbeats.pop(axid, None)
        req, callback, t_issue, seq_no = entry
        self.free_ids.append(axid)
        self.completed += 1
        self.last_progress_ns = now
        down = self._down.pop(axid, None)
        fault = resp >= 2
        name = f"{'write' if is_write else 'read'} ID {axid} did={req.did:#x} iova={req.iova:#x}"
        if fault:
            if down is not None:
                self._fail(f"{name}: expected OKAY for a transaction the target received at "
                           f"{down.addr:#x} and answered OKAY, got {RESP_NAMES[resp]}")
            pa = 0
        else:
            if down is None:
                self._fail(f"{name}: expected the transaction on the downstream port before "
                           f"{RESP_NAMES[resp]}, got nothing there")
            exp = (is_write, 0, SIZE_8B, BURST_INCR, sent[2])
            got = (down.is_write, down.len, down.size, down.burst, down.prot)
            if got != exp:
                self._fail(f"{name}: downstream (write, len, size, burst, prot) expected {exp}, "
                           f"got {got}")
            pa = down.addr | (req.iova & 7)
        pbmt = None                              # not observable without AxCACHE downstream
        if not fault and down is not None and down.cache is not None:
            pbmt = CACHE_PBMT.get(down.cache)
            if pbmt is None:
                self._fail(f"{name}: downstream AxCACHE {down.cache:#06b} is none of the memory "
                           f"types' encodings (PMA: the device's {DEVICE_CACHE:#06b}, NC 0b0011, "
                           f"IO 0b0000)")
        self.data[seq_no] = sent[3] if is_write else rdata
        self.data.pop(seq_no - DATA_KEPT, None)
        callback(TranslationResult(req=req, tag=axid, fault=fault, cause=None if fault else 0,
                                   pa=pa, issued_ns=t_issue, done_ns=now, seq_no=seq_no,
                                   pbmt=pbmt))
