"""Bus functional model of the device-transaction port (dev_req / dev_rsp).

One coroutine drives requests and samples responses in the same clock loop, so Python wakes
once per cycle only while transactions are queued or in flight, and sleeps on an Event
otherwise (no idle clock edges in Python). Responses are matched to requests by tag.

PCIe ATS (optional, docs/dut-interface.md): a DUT with <ats_req>_nw/_exe inputs and
<ats_rsp>_cpl/_attr outputs (all four) carries ATS Translation Requests
(sequences.ats_items.AtsTranslationRequest: NW and Execute Requested driven) and each one's
completion comes back decoded in TranslationResult.ats. Without them `ats` is False and those
inputs, if any, are not driven beyond reset.
"""
from __future__ import annotations

import random
from collections import deque
from typing import Optional

import cocotb
from cocotb.triggers import FallingEdge, First, RisingEdge
from cocotb.utils import get_sim_time

from models import Request, TTYP
from sequences.ats_items import AtsObserved, decode_completion
from sequences.items import TranslationResult
from tb.agents.port_queue import PortQueue

TAGS = 256
# dev_rsp_mrif = 1: what the IOMMU did with the access, in dev_rsp_pa[1:0] (docs/dut-interface.md)
MRIF_ACTIONS = {0: "recorded", 1: "discarded", 2: "aborted"}


class DevBfm(PortQueue):
    def __init__(self, dut, max_outstanding: int = 64, rsp_stall: float = 0.0,
                 rng: Optional[random.Random] = None, pbmt_signal: str = "dev_rsp_pbmt",
                 data_signal: str = "dev_req_data", mrif_signal: str = "dev_rsp_mrif",
                 ats_req: str = "dev_req_ats", ats_rsp: str = "dev_rsp_ats") -> None:
        self.clk = dut.clk
        # Cached handles: looking them up per cycle is measurable.
        self.req_valid, self.req_ready = dut.dev_req_valid, dut.dev_req_ready
        self.req_fields = (dut.dev_req_did, dut.dev_req_pv, dut.dev_req_pid, dut.dev_req_priv,
                           dut.dev_req_iova, dut.dev_req_ttyp, dut.dev_req_tag)
        self.rsp_valid, self.rsp_ready = dut.dev_rsp_valid, dut.dev_rsp_ready
        self.rsp_tag, self.rsp_fault = dut.dev_rsp_tag, dut.dev_rsp_fault
        self.rsp_cause, self.rsp_pa = dut.dev_rsp_cause, dut.dev_rsp_pa
        # The memory type (Svpbmt) is optional: a DUT without the output is not checked on it.
        self.rsp_pbmt = _optional(dut, pbmt_signal)
        # Optional too: a write's data (a WriteRequest's, else 0) and the output saying the
        # IOMMU consumed the access (an MRIF-mode MSI page: dev_rsp_pa[1:0] says how)
        self.req_data = _optional(dut, data_signal)
        self.rsp_mrif = _optional(dut, mrif_signal)
        # PCIe ATS: all four signals, or none used
        ats = [_optional(dut, f"{ats_req}_nw" if ats_req else ""),
               _optional(dut, f"{ats_req}_exe" if ats_req else ""),
               _optional(dut, f"{ats_rsp}_cpl" if ats_rsp else ""),
               _optional(dut, f"{ats_rsp}_attr" if ats_rsp else "")]
        self.ats = all(h is not None for h in ats)
        self.req_nw, self.req_exe, self.rsp_cpl, self.rsp_attr = ats if self.ats else (None,) * 4
        self.max_outstanding = max(1, min(max_outstanding, TAGS))
        self.rsp_stall = rsp_stall            # probability of holding dev_rsp_ready low a cycle
        self.rng = rng or random.Random(0)
        self._init_queue()
        self.free_tags = deque(range(TAGS))
        self._task = None

    @staticmethod
    def drive_reset_values(dut, data_signal: str = "dev_req_data") -> None:
        """The port's inputs while reset is held: no request, responses accepted."""
        dut.dev_req_valid.value = 0
        dut.dev_rsp_ready.value = 1
        for name in ("did", "pv", "pid", "priv", "iova", "ttyp", "tag"):
            getattr(dut, f"dev_req_{name}").value = 0
        data = _optional(dut, data_signal)
        if data is not None:
            data.value = 0
        for name in ("dev_req_ats_nw", "dev_req_ats_exe"):      # optional (PCIe ATS)
            handle = _optional(dut, name)
            if handle is not None:
                handle.value = 0

    def start(self) -> None:
        self.req_valid.value = 0
        self.rsp_ready.value = 1
        self._task = cocotb.start_soon(self._run())

    def _drive(self, req: Request, tag: int) -> None:
        did, pv, pid, priv, iova, ttyp, tagh = self.req_fields
        did.value = req.did
        pv.value = int(req.pid is not None)
        pid.value = req.pid or 0
        priv.value = int(bool(req.priv_s))
        iova.value = req.iova
        ttyp.value = int(req.ttyp)
        tagh.value = tag
        if self.req_data is not None:
            self.req_data.value = getattr(req, "data", 0)
        if self.ats:
            self.req_nw.value = int(bool(getattr(req, "no_write", False)))
            self.req_exe.value = int(bool(getattr(req, "exec_req", False)))
        self.req_valid.value = 1

    async def _run(self) -> None:
        valid_driven = False
        ready_driven = 1
        driven = None                     # (request entry, tag) on the bus now
        edge = RisingEdge(self.clk)
        while True:
            if not self.pending and not self.inflight:
                if valid_driven:
                    self.req_valid.value = 0
                    valid_driven, driven = False, None
                self._wake.clear()
                await self._wake.wait()
                # Woken from another coroutine, possibly in the time step of a rising edge the
                # DUT has already sampled: drive from the falling edge, never mid-step.
                await FallingEdge(self.clk)
            driving = None
            if self.pending and self.free_tags and len(self.inflight) < self.max_outstanding:
                driving = self.pending[0]
                key = (driving, self.free_tags[0])
                if driven != key:         # a request waiting for ready is not rewritten
                    self._drive(driving[0], key[1])
                    driven, valid_driven = key, True
                elif ready_driven and not self.req_ready.value and not self.rsp_valid.value:
                    # Held off (a walk is busy) and no response offered: sleep until either
                    # changes instead of waking on every clock edge of the walk.
                    await First(RisingEdge(self.req_ready), RisingEdge(self.rsp_valid))
            else:
                if valid_driven:
                    self.req_valid.value = 0
                    valid_driven, driven = False, None
                if ready_driven and not self.rsp_valid.value:
                    # Nothing to send and no response offered: sleep until one is (or new
                    # work arrives) instead of waking on every clock edge of a long walk.
                    self._wake.clear()
                    await First(RisingEdge(self.rsp_valid), self._wake.wait())
                    await FallingEdge(self.clk)
                    continue
            if self.rsp_stall:
                want = int(self.rng.random() >= self.rsp_stall)
                if want != ready_driven:
                    self.rsp_ready.value = ready_driven = want
            await edge
            now = get_sim_time("ns")
            if driving is not None and self.req_ready.value:
                tag = self.free_tags.popleft()
                self.pending.popleft()
                self._accepted(tag, driving[0], driving[1], now)
                driven = None
            if ready_driven and self.rsp_valid.value:
                self._complete(int(self.rsp_tag.value), now)

    def _complete(self, tag: int, now: float) -> None:
        entry = self.inflight.pop(tag, None)
        if entry is None:
            raise RuntimeError(f"dev_rsp with tag {tag} that has no request in flight")
        req, callback, t_issue, seq_no = entry
        self.free_tags.append(tag)
        self.completed += 1
        self.last_progress_ns = now
        fault = bool(self.rsp_fault.value)
        mrif = None
        if self.rsp_mrif is not None and not fault and self.rsp_mrif.value:
            mrif = MRIF_ACTIONS.get(int(self.rsp_pa.value) & 3, "aborted")
        ats = None
        if self.ats and int(req.ttyp) == TTYP.PCIE_ATS:
            cause = int(self.rsp_cause.value) if fault else None
            ats = AtsObserved(bool(getattr(req, "no_write", False)),
                              bool(getattr(req, "exec_req", False)),
                              decode_completion(int(self.rsp_cpl.value), int(self.rsp_attr.value),
                                                int(self.rsp_pa.value), fault, cause))
        elif self.ats and int(req.ttyp) == TTYP.PCIE_MSG and hasattr(req, "exec_req"):
            ats = AtsObserved(False, bool(req.exec_req), None)      # a page request (PRI)
        callback(TranslationResult(req=req, tag=tag, fault=fault,
                                   cause=int(self.rsp_cause.value) if fault else 0,
                                   pa=0 if fault else int(self.rsp_pa.value),
                                   issued_ns=t_issue, done_ns=now, seq_no=seq_no,
                                   pbmt=None if self.rsp_pbmt is None
                                   else 0 if fault else int(self.rsp_pbmt.value),
                                   mrif=mrif, ats=ats))


def _optional(dut, name: str):
    """The handle of an optional output, or None when the name is empty or the DUT lacks it."""
    if not name:
        return None
    try:
        return getattr(dut, name)
    except AttributeError:
        return None
