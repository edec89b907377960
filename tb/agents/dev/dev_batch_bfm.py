"""Bus functional model of the device port through the HDL batch driver (tb/hdl/dev_batch_driver.v,
instance u_drv of iommu_bench_top): same interface as DevBfm, without Python on the clock.

Queued requests go to the HDL in batches of up to 256: one backdoor write of the whole batch
(req_bulk, a wide vector), then go_gen toggles; the HDL issues them (tag = index, at most
max_outstanding in flight), stores every response in its word of rsp_bulk and toggles done_gen
when all are back; Python wakes once per batch, reads rsp_bulk once and calls the callbacks in
tag order. Two VPI accesses per batch, none per request or per clock edge.
A request counts as in flight from the batch's start to its end (the scoreboard's snapshots
before a software change cover the whole batch: never too strict).
"""
from __future__ import annotations

import time

import cocotb
from cocotb.utils import get_sim_time

from models import Request
from sequences.items import TranslationResult
from tb.agents.port_queue import PortQueue

DEPTH = 256                       # dev_batch_driver's DEPTH (tags are indices)
RQW, RSW = 116, 69                # its request and response word widths
PA_MASK = (1 << 56) - 1


def pack_request(req: Request) -> int:
    """request word: [115:110] ttyp, [109] priv, [108:89] pid, [88] pv, [87:64] did, [63:0] iova."""
    pv = req.pid is not None
    return (req.iova | req.did << 64 | int(pv) << 88 | (req.pid or 0) << 89
            | int(bool(req.priv_s)) << 109 | int(req.ttyp) << 110)


class DevBatchBfm(PortQueue):
    def __init__(self, drv, clock_ns: int, max_outstanding: int = 64,
                 rsp_stall: float = 0.0) -> None:
        self.drv = drv
        self.clock_ns = clock_ns
        self.max_outstanding = max(1, min(max_outstanding, DEPTH))
        # probability that dev_rsp_ready is low in a cycle (an LFSR in the HDL)
        self.rsp_stall_thresh = min(int(round(rsp_stall * 65536)), 65535) if rsp_stall > 0 else 0
        self._init_queue()                    # a request is accepted as its batch goes down
        self.hdl_cycles = 0                   # clock cycles the batches took in the HDL
        self.hdl_seconds = 0.0                # wall time spent waiting for them
        self._gen = 0
        self._req_bulk, self._rsp_bulk = drv.req_bulk, drv.rsp_bulk

    @staticmethod
    def drive_reset_values(dut) -> None:
        """The batch driver owns the port; its handshake starts from 0."""
        dut.u_drv.go_gen.value = 0
        dut.u_drv.rsp_stall_thresh.value = 0

    def start(self) -> None:
        self._gen = int(self.drv.go_gen.value)
        self.drv.max_out.value = self.max_outstanding
        self.drv.rsp_stall_thresh.value = self.rsp_stall_thresh
        cocotb.start_soon(self._run())

    async def _run(self) -> None:
        drv = self.drv
        done = drv.done_gen.value_change
        while True:
            if not self.pending:
                self._wake.clear()
                await self._wake.wait()
            now = get_sim_time("ns")
            n = min(len(self.pending), DEPTH)
            words = []
            for tag in range(n):
                req, cb = self.pending.popleft()
                words.append(f"{pack_request(req):0{RQW}b}")
                self._accepted(tag, req, cb, now)
            # request i is word i: the last request leads the MSB-first string
            words.append("0" * (RQW * (DEPTH - n)))
            words.reverse()
            self._req_bulk.value = "".join(words)
            drv.count.value = n
            self._gen ^= 1
            drv.go_gen.value = self._gen
            self.last_progress_ns = now
            t0 = time.perf_counter()
            while int(drv.done_gen.value) != self._gen:
                await done
            self.hdl_seconds += time.perf_counter() - t0
            self.hdl_cycles += round((get_sim_time("ns") - now) / self.clock_ns)
            self._collect(n)

    def _collect(self, n: int) -> None:
        if int(self.drv.bad_rsp.value):
            raise RuntimeError(f"dev_rsp with tag {int(self.drv.bad_tag.value)} that has no "
                               f"request in flight")
        now = get_sim_time("ns")
        self.last_progress_ns = now
        inflight = self.inflight
        bits = str(self._rsp_bulk.value)           # MSB first: word i ends RSW*i from the end
        end = len(bits)
        for tag in range(n):
            req, callback, t_issue, seq_no = inflight.pop(tag)
            w = int(bits[end - RSW:end], 2)
            end -= RSW
            fault = bool(w >> 68)
            self.completed += 1
            callback(TranslationResult(req=req, tag=tag, fault=fault,
                                       cause=(w >> 56) & 0xFFF if fault else 0,
                                       pa=0 if fault else w & PA_MASK,
                                       issued_ns=t_issue, done_ns=now, seq_no=seq_no))
