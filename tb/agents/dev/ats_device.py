"""The device side of the IOMMU's ATS messages (capabilities.ATS; docs/dut-interface.md, "ATS"):
takes every message the DUT sends on <ats_msg>_valid/_ready (an Invalidation Request of an
ATS.INVAL, a PRG Response of an ATS.PRGR), publishes it (`on_message`, for the scoreboard),
and answers each Invalidation Request with one pulse on <ats_inv_cpl> after `delay` cycles,
as a device that has removed the covered entries from its ATC by then (`on_invalidate`, the
sequence's ATC, is called just before the completion goes out).

A DUT without these signals has no AtsDevice (AtsDevice.attach returns None).
"""
from __future__ import annotations

from collections import deque
from typing import Callable, Optional

import cocotb
from cocotb.triggers import ClockCycles, Event, FallingEdge, RisingEdge

from models.ats import InvalidationRequest
from models.page_request import PrgResponse

FIELDS = ("valid", "ready", "prgr", "did", "pv", "pid", "payload")


class AtsDevice:
    def __init__(self, clk, msg: dict, cpl, delay: int = 20) -> None:
        self.clk, self.msg, self.cpl = clk, msg, cpl
        self.delay = delay                      # cycles from a request to its completion
        self.on_message: Optional[Callable] = None       # (InvalidationRequest | PrgResponse)
        self.on_invalidate: Optional[Callable] = None    # (InvalidationRequest) before completing
        self.answer = True                      # False: Invalidation Requests are never answered
        self.received: list = []
        self.completed = 0
        self._due: deque = deque()              # (cycle due, message) to complete
        self._wake = Event()
        self._cycle = 0

    @classmethod
    def attach(cls, dut, options: dict, delay: int = 20) -> Optional["AtsDevice"]:
        prefix = options.get("ats_msg", "ats_msg")
        cpl_name = options.get("ats_inv_cpl", "ats_inv_cpl")
        if not prefix or not cpl_name:
            return None
        try:
            msg = {f: getattr(dut, f"{prefix}_{f}") for f in FIELDS}
            cpl = getattr(dut, cpl_name)
        except AttributeError:
            return None
        dev = cls(dut.clk, msg, cpl, delay)
        msg["ready"].value = 1
        cpl.value = 0
        cocotb.start_soon(dev._take())
        cocotb.start_soon(dev._complete())
        return dev

    @staticmethod
    def drive_reset_values(dut, options: dict) -> None:
        """Messages taken at once, no completion, while reset is held (if the DUT has them)."""
        prefix = options.get("ats_msg", "ats_msg")
        cpl_name = options.get("ats_inv_cpl", "ats_inv_cpl")
        for name, value in ((f"{prefix}_ready" if prefix else "", 1), (cpl_name, 0)):
            handle = getattr(dut, name, None) if name else None
            if handle is not None:
                handle.value = value

    async def _take(self) -> None:
        m = self.msg
        while True:
            if not int(m["valid"].value):
                await RisingEdge(m["valid"])
            await RisingEdge(self.clk)                   # the handshake at this edge (ready=1)
            if not int(m["valid"].value):
                continue
            did, pv, pid = int(m["did"].value), int(m["pv"].value), int(m["pid"].value)
            payload = int(m["payload"].value)
            pid = pid if pv else None
            if int(m["prgr"].value):
                msg = PrgResponse(did, pid, (payload >> 32) & 0x1FF, (payload >> 44) & 0xF)
            else:
                msg = InvalidationRequest(did, pid, payload)
                if self.answer:
                    self._due.append(msg)
                    self._wake.set()
            self.received.append(msg)
            if self.on_message is not None:
                self.on_message(msg)
            await FallingEdge(self.clk)                  # the next message, if any, after this edge

    async def _complete(self) -> None:
        while True:
            if not self._due:
                self._wake.clear()
                await self._wake.wait()
            msg = self._due.popleft()
            await ClockCycles(self.clk, self.delay)
            if self.on_invalidate is not None:
                self.on_invalidate(msg)
            await FallingEdge(self.clk)
            self.cpl.value = 1
            await RisingEdge(self.clk)
            await FallingEdge(self.clk)
            self.cpl.value = 0
            self.completed += 1
