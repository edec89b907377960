"""The request bookkeeping every device-port adapter shares: requests queued for the port
(`pending`), requests the DUT accepted and has not answered (`inflight`, keyed by the port's
tag or ID), and the notice to the monitor when the DUT accepts one (`on_issue`)."""
from __future__ import annotations

from collections import deque
from typing import Callable

from cocotb.triggers import Event

from models import Request


class PortQueue:
    def _init_queue(self) -> None:
        self.pending: deque = deque()         # (Request, callback) waiting to be issued
        self.inflight: dict[int, tuple] = {}  # tag -> (Request, callback, issue time, seq_no)
        self.issued = 0
        self.completed = 0
        self.last_progress_ns = 0.0
        self.on_issue = None                  # (seq_no, Request) when the DUT accepts one
        self._wake = Event()

    @staticmethod
    def can_express(req: Request) -> bool:
        return True

    def submit(self, req: Request, callback: Callable) -> None:
        """Queue a request; callback(TranslationResult) when the DUT has answered it."""
        if not self.can_express(req):
            raise ValueError(f"{type(self).__name__}: ttyp {int(req.ttyp)} cannot be carried by "
                             f"this device port: {req}")
        self.pending.append((req, callback))
        self._wake.set()

    @property
    def busy(self) -> bool:
        return bool(self.pending or self.inflight)

    def outstanding(self) -> list[tuple[int, Request, float]]:
        """(tag, request, issue time in ns) of every request still waiting for its answer."""
        return [(tag, r, t) for tag, (r, _, t, _) in sorted(self.inflight.items())]

    def _accepted(self, tag: int, req: Request, callback: Callable, now: float) -> None:
        """The DUT took `req` under `tag`."""
        self.inflight[tag] = (req, callback, now, self.issued)
        if self.on_issue is not None:
            self.on_issue(self.issued, req)
        self.issued += 1
        self.last_progress_ns = now
