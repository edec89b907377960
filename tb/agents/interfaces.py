"""The two small interfaces the environment talks to, whatever the DUT's ports look like.
A new device port or memory gets one class implementing one of these; the env config (a DUT
profile's [port] kind, IommuEnvCfg.memory) says which is used.

DevicePort: carries translation requests to the IOMMU and brings back what it answered.
  - today's request/response port: tb/agents/dev/dev_bfm.py (DevBfm)
  - the same port driven from HDL in batches (iommu_bench_top): tb/agents/dev/dev_batch_bfm.py
  - an AXI4 DMA slave with sideband ids, translated accesses on an AXI4 master:
    tb/agents/dma/axi_dma_bfm.py (AxiDmaBfm)
MemoryAgent: the memory the IOMMU's implicit accesses reach, with a backdoor for software
  stores and a monitor of every IOMMU read and write (tb/agents/mem/).
"""
from __future__ import annotations

from typing import Callable, Protocol

from models import Request


class DevicePort(Protocol):
    # Requests queued and not yet accepted, and those accepted and not answered:
    # tag -> (Request, callback, issue time ns, issue sequence number).
    pending: object
    inflight: dict
    last_progress_ns: float
    # Called with (seq_no, Request) when the DUT accepts a request: the monitor publishes it.
    on_issue: Callable[[int, Request], None] | None

    def start(self) -> None: ...

    def submit(self, req: Request, callback: Callable) -> None:
        """Queue a request; `callback(TranslationResult)` when answered. TranslationResult.cause
        is None on a fault when the port does not carry the cause."""

    @property
    def busy(self) -> bool: ...

    def outstanding(self) -> list[tuple[int, Request, float]]: ...

    def can_express(self, req: Request) -> bool:
        """Can this port carry this request type at all?"""


class MemoryAgent(Protocol):
    ap: object                    # publishes ("R"|"W", address, data, ok) per access
    last_access_ns: float

    def attach(self, dut, stall: float = 0.0, rng=None) -> None: ...
    def store64(self, pa: int, value: int) -> None: ...
    def peek64(self, pa: int) -> int: ...
    def set_access_fault(self, lo: int, hi: int) -> None: ...
