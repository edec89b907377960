"""The vocabulary of stimulus: what sequences hand to the agents' drivers.

Items are batches: one sequence item carries many translations or register operations, because
per-item sequencer hand-shaking costs more than the transactions themselves (measured: docs/design.md, simulation speed).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from pyuvm import uvm_sequence_item

from models import Request


@dataclass(frozen=True)
class WriteRequest(Request):
    """A device write that carries its data (the port's optional write-data input, e.g.
    dev_req_data): an MSI's data is its interrupt identity, which an MRIF-mode MSI PTE
    (capabilities.MSI_MRIF) records. 4 bytes, little-endian value."""
    data: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0 <= self.data < 1 << 32:
            raise ValueError(f"WriteRequest.data {self.data:#x} does not fit 32 bits")


@dataclass(slots=True)
class TranslationResult:
    """One observed response: the request it answers and what the DUT returned. `cause` is None
    for a fault on a port that does not carry it (the fault record tells)."""
    req: Request
    tag: int
    fault: bool
    cause: Optional[int]
    pa: int
    issued_ns: float = 0.0
    done_ns: float = 0.0
    seq_no: int = 0          # issue order, used by the scoreboard to order checks
    permitted: frozenset = frozenset()          # set by the scoreboard when cause is None:
                                                # the outcomes permitted then
    pbmt: Optional[int] = None                  # memory type on the port (Svpbmt: 0 PMA,
                                                # 1 NC, 2 IO); None: the port has no such signal
    mrif: Optional[str] = None                  # MSI_MRIF: the IOMMU consumed the access
                                                # (an MRIF page): "recorded", "discarded" or
                                                # "aborted"; None: not consumed, or no such output
    ats: Optional[object] = None                # an ATS translation request's answer
                                                # (sequences.ats_items.AtsObserved), else None


class TranslationBatch(uvm_sequence_item):
    """A batch of device transactions to translate; `results` is filled by the driver when
    every response has come back (if the sequence waits for them)."""

    def __init__(self, name: str = "translation_batch", reqs=None, wait: bool = True):
        super().__init__(name)
        self.reqs: list[Request] = list(reqs or [])
        self.wait = wait
        self.results: list[TranslationResult] = []

    def __str__(self) -> str:
        return f"{self.get_name()}: {len(self.reqs)} translations"


@dataclass
class RegOp:
    offset: int
    value: int = 0
    size: int = 8
    write: bool = True
    result: Optional[int] = None


class RegBatch(uvm_sequence_item):
    """Register reads and writes, executed in order on the AXI4-Lite port."""

    def __init__(self, name: str = "reg_batch", ops=None):
        super().__init__(name)
        self.ops: list[RegOp] = list(ops or [])

    def __str__(self) -> str:
        return f"{self.get_name()}: {len(self.ops)} register ops"
