"""The memory the DUT's AXI master sees: a models.Memory behind the slice interface that
cocotbext-axi's AxiRam expects, so bus errors injected with Memory.set_access_fault come back
to the DUT as SLVERR (AxiRam turns an exception in a read or write into SLVERR)."""
from __future__ import annotations

from models import Memory

PA_SPACE = 1 << 56


class AxiMemoryView:
    def __init__(self, mem: Memory) -> None:
        self.mem = mem

    def __len__(self) -> int:
        return PA_SPACE

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return self.mem.read(key, 1)[0]
        return self.mem.read(key.start, key.stop - key.start)

    def __setitem__(self, key, data) -> None:
        if not isinstance(key, slice):
            self.mem.write(key, bytes([data]))
        else:
            self.mem.write(key.start, bytes(data))
