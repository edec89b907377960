"""The fault queue: the record format and the rules for writing, overflow and errors."""
from __future__ import annotations

from typing import Optional

from .memory import AccessFault, Memory
from .transaction import Outcome, Request

RECORD_BYTES = 32


def fault_record(req: Request, out: Outcome) -> tuple[int, int, int, int]:
    """The four doublewords of the record for a faulting inbound transaction."""
    pv = req.pid is not None
    dw0 = (int(out.cause) & 0xFFF
           | ((req.pid if pv else 0) & 0xFFFFF) << 12
           | int(pv) << 32
           | int(pv and req.priv_s) << 33
           | (int(req.ttyp) & 0x3F) << 34
           | (req.did & 0xFFFFFF) << 40)
    return dw0, 0, req.iova, out.iotval2


class FaultQueue:
    def __init__(self) -> None:
        self.fqb = 0
        self.fqh = 0
        self.fqt = 0
        self.fqen = False
        self.fie = False
        self.fqmf = False
        self.fqof = False

    @property
    def entries(self) -> int:
        return 1 << ((self.fqb & 0x1F) + 1)

    @property
    def base(self) -> int:
        return ((self.fqb >> 10) & ((1 << 44) - 1)) << 12

    def post(self, mem: Memory, record: tuple[int, int, int, int],
             pa_limit: Optional[int] = None, order: str = "little") -> bool:
        """Write one record if the queue accepts it; True if it was written. A record that
        would reach `pa_limit` (2^PAS) or beyond is an access fault, as a bus error is.
        order: "big" with fctl.BE=1 (each doubleword big-endian)."""
        if not self.fqen or self.fqmf or self.fqof:
            return False
        if (self.fqt + 1) % self.entries == self.fqh:
            self.fqof = True
            return False
        data = b"".join(w.to_bytes(8, order) for w in record)
        addr = self.base + self.fqt * RECORD_BYTES
        try:
            if pa_limit is not None and addr + RECORD_BYTES > pa_limit:
                raise AccessFault(f"fault record at {addr:#x} is beyond the physical address space")
            mem.write(addr, data)
        except AccessFault:
            self.fqmf = True
            return False
        self.fqt = (self.fqt + 1) % self.entries
        return True
